import type { Request, Response, Router, RequestHandler } from 'express';
import { z } from 'zod';
import { requirePermission, type Permission } from './auth';
import { parse } from './validate';

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  summary: string;
  tag: string;
  /** Any one of these permissions admits the caller; omitted means any authenticated user. */
  permission?: Permission[];
  /** Routes outside /v1 that need no token. */
  public?: boolean;
  body?: B;
  query?: Q;
  params?: P;
  /** Documented success status. */
  status?: number;
  description?: string;
}

export interface RouteRecord {
  method: Method;
  path: string;
  spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>;
}

export interface Parsed<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  req: Request;
  res: Response;
}

/**
 * Registers a route whose body, query and params are zod-validated (400 with field paths on failure)
 * and recorded for /openapi.json, so the document cannot drift from what the handlers accept.
 */
export class ApiRoutes {
  readonly records: RouteRecord[] = [];
  constructor(
    private readonly router: Router,
    private readonly prefix = '',
  ) {}

  add<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown>(
    method: Method,
    path: string,
    spec: RouteSpec<B, Q, P>,
    handler: (ctx: Parsed<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<unknown> | unknown,
  ): void {
    this.records.push({ method, path: this.prefix + path, spec: spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType> });
    const expressPath = path.replace(/\{(\w+)\}/g, ':$1');
    const guards: RequestHandler[] = spec.permission ? [requirePermission(...spec.permission)] : [];
    this.router[method](expressPath, ...guards, async (req: Request, res: Response) => {
      const params = spec.params ? parse(spec.params, req.params, 'params') : req.params;
      const query = spec.query ? parse(spec.query, req.query, 'query') : req.query;
      const body = spec.body ? parse(spec.body, req.body, 'body') : req.body;
      const result = await handler({ body, query, params, req, res } as Parsed<z.infer<B>, z.infer<Q>, z.infer<P>>);
      if (res.headersSent) return;
      if (result === undefined) res.status(204).end();
      else res.status(spec.status ?? 200).json(result);
    });
  }
}

import type { Request, Response, Router, RequestHandler, NextFunction } from 'express';
import { z } from 'zod';
import { AppError } from '../errors';
import { requireAllLocations, requirePermission, type Permission } from './auth';
import type { HeaderParam } from './contract';
import { parse } from './validate';

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** An error or extra success answer: a description (the Error envelope), or a description and a named schema. */
export type ResponseDoc = string | { description: string; schema: z.ZodType };

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  /** Stable camelCase name of the operation, what client generators name their methods after. */
  operationId: string;
  summary: string;
  tag: string;
  /** Any one of these permissions admits the caller; omitted means any authenticated user. */
  permission?: Permission[];
  /** Only for users of every location (`allLocations`), whatever their permissions. */
  allLocations?: boolean;
  /** Routes outside /v1 that need no token. */
  public?: boolean;
  body?: B;
  query?: Q;
  params?: P;
  /** Documented success status (204 when `response` is null). */
  status?: number;
  /**
   * The success body: a schema registered in the contract (src/api/contract.ts), `null` for 204 No
   * Content, or 'text' for a text/plain body (/metrics).
   */
  response: z.ZodType | null | 'text';
  /**
   * Other answers the route gives, by status: 409, 422, 502, 503, 504, a 202 while still running...
   * 400 (invalid input), 401/403 (token, permission), 404 (an `{id}` path), 413/415 (a body) and 500
   * are declared for every route they apply to.
   */
  responses?: Record<number, ResponseDoc>;
  /** Request headers the handler reads (e.g. Idempotency-Key). */
  headers?: HeaderParam[];
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

const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * A body that is not JSON would otherwise reach the handler as `{}`: a PATCH sent as text/plain
 * answered 200 and changed nothing, which the client could not tell from success.
 */
function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  if (!hasBody(req) || req.is('application/json')) return next();
  const type = req.headers['content-type'];
  next(
    new AppError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      type ? `The body is ${type.split(';')[0]}; send it as application/json.` : 'The body has no Content-Type; send it as application/json.',
    ),
  );
}

/**
 * Registers a route whose body, query and params are zod-validated (400 with field paths on failure)
 * and recorded for /openapi.json, so the document cannot drift from what the handlers accept.
 */
export class ApiRoutes {
  readonly records: RouteRecord[] = [];
  private readonly methods = new Map<string, Set<Method>>();
  constructor(
    private readonly router: Router,
    private readonly prefix = '',
    /** Authenticates non-public routes on a router that does not authenticate everything (/metrics). */
    private readonly authenticate?: RequestHandler,
  ) {}

  add<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown>(
    method: Method,
    path: string,
    spec: RouteSpec<B, Q, P>,
    handler: (ctx: Parsed<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<unknown> | unknown,
  ): void {
    this.records.push({ method, path: this.prefix + path, spec: spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType> });
    const expressPath = path.replace(/\{(\w+)\}/g, ':$1');
    if (!this.methods.has(expressPath)) this.methods.set(expressPath, new Set());
    this.methods.get(expressPath)!.add(method);
    const guards: RequestHandler[] = [
      ...(this.authenticate && !spec.public ? [this.authenticate] : []),
      ...(spec.permission ? [requirePermission(...spec.permission)] : []),
      ...(spec.allLocations ? [requireAllLocations()] : []),
      ...(spec.body ? [requireJsonBody] : []),
    ];
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

  /**
   * After every route is added: a known path asked with a method it does not have answers 405 with
   * Allow (OPTIONS answers 204 with it), instead of the 404 that says the path does not exist.
   */
  seal(): void {
    for (const [expressPath, set] of this.methods) {
      const allow = [...set].map((m) => m.toUpperCase());
      if (set.has('get')) allow.push('HEAD');
      allow.push('OPTIONS');
      const header = allow.join(', ');
      this.router.all(expressPath, (req: Request, res: Response, next: NextFunction) => {
        res.setHeader('Allow', header);
        if (req.method === 'OPTIONS') return void res.status(204).end();
        next(new AppError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.baseUrl}${req.path}; allowed: ${header}.`, { allow: allow }));
      });
    }
  }
}

import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { DomainError, type DomainErrorKind } from '../domain/errors';
import { AppError } from '../errors';
import type { ApiContext, ApiDeps } from './context';
import { authenticate } from './auth';
import { Metrics } from './metrics';
import { registerVisitLatencyMetrics } from './visit-latency';
import { named } from './contract';
import { buildOpenApi } from './openapi';
import { jsonDepthExceeds } from './validate';
import { ApiRoutes } from './route';
import { registerHealthRoutes } from './routes/health';
import { registerLocationRoutes } from './routes/locations';
import { registerUserRoutes } from './routes/users';
import { registerFeatureRoutes } from './routes';
import { EVENT_SUMMARIES, WEBHOOK_EVENT_TYPES, webhookPayloadSchemas } from '../webhooks/events';

const WEBHOOK_DOCS = WEBHOOK_EVENT_TYPES.map((name) => ({ name, summary: EVENT_SUMMARIES[name], schema: webhookPayloadSchemas[name] }));

const VERSION = '0.1.0';

const openApiDocument = named(
  'OpenApiDocument',
  z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) }),
  'This OpenAPI 3.1 document.',
);

/** Our bodies nest four levels at most; anything much deeper is an attack on the parsers. */
export const MAX_JSON_DEPTH = 32;

/** Builds the Express app without listening, so tests drive it in-process or over a real port. */
export function createApp(deps: ApiDeps) {
  const app = express();
  app.disable('x-powered-by');
  // Flat `key=value` pairs only: no route takes a nested query, and qs's `a[b]=c` objects were one more
  // shape each validator had to refuse. A repeated key still arrives as an array (refused by parse()).
  app.set('query parser', 'simple');
  const metrics = new Metrics();
  const httpRequests = metrics.counter('http_requests_total', 'HTTP requests by method, route and status.', ['method', 'route', 'status']);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    req.requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : crypto.randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      // Only method, route and status: bodies and headers can carry passwords and tokens.
      deps.logger.info(
        {
          requestId: req.requestId,
          method: req.method,
          route,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          userId: req.principal?.id,
        },
        'request',
      );
    });
    next();
  });
  app.use(
    express.json({
      limit: '1mb',
      verify: (_req, _res, buf) => {
        if (jsonDepthExceeds(buf, MAX_JSON_DEPTH)) {
          throw Object.assign(new Error(`The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`), { type: 'entity.too.deep' });
        }
      },
    }),
  );

  const publicRouter = express.Router();
  const auth = authenticate(deps.db.prisma);
  const publicRoutes = new ApiRoutes(publicRouter, '', auth);
  const v1 = express.Router();
  v1.use(auth);
  const routes = new ApiRoutes(v1, '/v1');
  const ctx: ApiContext = { ...deps, routes, metrics };

  registerHealthRoutes(publicRoutes, ctx);
  registerUserRoutes(ctx);
  registerLocationRoutes(ctx);
  registerFeatureRoutes(ctx);
  registerVisitLatencyMetrics(metrics, deps.db);

  publicRoutes.add(
    'get',
    '/openapi.json',
    { operationId: 'getOpenApi', summary: 'This document', tag: 'operations', public: true, response: openApiDocument },
    () => buildOpenApi([...publicRoutes.records, ...routes.records], VERSION, undefined, WEBHOOK_DOCS),
  );
  publicRoutes.seal();
  routes.seal();
  app.use(publicRouter);
  app.use('/v1', v1);

  app.use((req: Request, _res: Response, next: NextFunction) => next(new AppError(404, 'NOT_FOUND', `No route ${req.method} ${req.path}.`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toAppError(err);
    if (e.status >= 500) deps.logger.error({ requestId: req.requestId, err: describe(err) }, 'unhandled error');
    res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
  });
  return Object.assign(app, { context: ctx });
}

/** How the API answers each kind of domain failure. */
const STATUS_OF_KIND: Record<DomainErrorKind, number> = { notFound: 404, conflict: 409, timedOut: 504, upstreamFailed: 502 };

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof DomainError) return new AppError(STATUS_OF_KIND[err.kind], err.code, err.message, err.details);
  const e = err as { type?: string; status?: number; message?: string; code?: string };
  // body-parser: malformed JSON, wrong charset, too large — all the client's doing.
  if (e?.type === 'entity.parse.failed') return new AppError(400, 'MALFORMED_JSON', `The request body is not valid JSON: ${e.message}`);
  if (e?.type === 'entity.too.large') return new AppError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (e?.type === 'entity.too.deep') return new AppError(400, 'BODY_TOO_DEEP', e.message ?? 'The request body is nested too deeply.');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')
    return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported encoding.');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new AppError(e.status, 'BAD_REQUEST', e.message ?? 'Bad request.');
  // Prisma: a unique constraint the handler did not anticipate is still a conflict, not a crash.
  if (e?.code === 'P2002') return new AppError(409, 'CONFLICT', 'This conflicts with an existing record.');
  if (e?.code === 'P2025') return new AppError(404, 'NOT_FOUND', 'The record does not exist.');
  return new AppError(500, 'INTERNAL', 'Internal error. The request ID in X-Request-Id locates it in the logs.');
}

function describe(err: unknown) {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { value: String(err) };
}

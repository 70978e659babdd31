import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { z, ZodError } from 'zod';
import { controlRouter, type SimulatorControls } from '../shared/faults';
import { authenticate } from './auth';
import { deleteEntity, executeEntityQuery, resolveIdRef } from './entity-ops';
import { fullJson, type Ctx } from './model';
import { isMutation, parseEntityQuery } from './query-parser';
import { runReport } from './reports';
import { INVALID_OPERATION, invalidOperation, SdkFailure } from './sdk-failure';
import { canonicalEntityType } from './constants';
import { dropNextSchema, failNextSchema, type GenetecSimState } from './state';
import { Transaction } from './store';
import { contentTypeOf, render, serialisationFor, type Answer, type AnswerKind, type Serialisation } from './serialisations';

/**
 * HTTP surface of the simulator: `/__sim` controls (no auth, no faults), then the fault/statistics
 * middleware, then the Web SDK under the configurable base path (default /WebSdk, case-insensitive).
 */
const BOM = '\uFEFF';

function send(state: GenetecSimState, res: Response, answer: Answer) {
  const ser: Serialisation = res.locals.serialisation ?? 'json';
  res
    .status(200)
    .type(contentTypeOf(ser))
    .send((state.config.bom ? BOM : '') + render(ser, answer));
}

const ok = (state: GenetecSimState, res: Response, result?: unknown, kind: AnswerKind = 'query') => send(state, res, { ok: true, result, kind });

const fail = (state: GenetecSimState, res: Response, code: string, message: string) =>
  send(state, res, { ok: false, result: { SdkErrorCode: code, Message: message }, kind: 'query' });

/** `q` from the raw query string (clients percent-encode all of it); the key is matched without case [I]. */
function queryParam(req: Request): string | null {
  const i = req.originalUrl.indexOf('?');
  if (i < 0) return null;
  for (const [k, v] of new URLSearchParams(req.originalUrl.slice(i + 1))) if (k.toLowerCase() === 'q') return v;
  return null;
}

export function routeKey(state: GenetecSimState) {
  return (req: Request): string => {
    const parts = req.path.split('/').filter(Boolean);
    if (!parts.length || parts[0].toLowerCase() !== state.config.basePath.toLowerCase()) return `${req.method} (outside base path)`;
    const rest = parts.slice(1).map((p) => p.toLowerCase());
    if (!rest.length) return `${req.method} /`;
    if (rest[0] === 'entity') {
      if (rest.length === 1) return `${req.method} entity`;
      if (rest[1] === 'exists' || rest[1] === 'basic') return `${req.method} entity/${rest[1]}/{id}`;
      return `${req.method} entity/{id}`;
    }
    if (rest[0] === 'report' && rest[1]) return `${req.method} report/${parts[2]}`;
    return `${req.method} (unknown endpoint)`;
  };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function apiRouter(state: GenetecSimState): Router {
  const r = express.Router({ caseSensitive: false });
  const handle = (fn: (req: Request, res: Response) => void | Promise<void>) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      await fn(req, res);
    } catch (e) {
      if (e instanceof SdkFailure) return fail(state, res, e.sdkErrorCode, e.message);
      next(e);
    }
  };

  // Gatekeeper for every Web SDK request: auth, session, content negotiation, queued Fail answers.
  r.use(async (req: Request, res: Response, next: NextFunction) => {
    const auth = authenticate(req.headers.authorization, state.config);
    if (!auth.ok) {
      if (auth.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="WebSdk"');
      res
        .status(auth.status)
        .type('text/plain')
        .send(auth.status === 401 ? 'Unauthorized' : 'Forbidden');
      return;
    }
    const { isNew } = state.sessions.touch(auth.user, auth.applicationId, Date.now(), state.config.sessionIdleMs);
    if (isNew && state.config.sessionOpenLatencyMs > 0) await delay(state.config.sessionOpenLatencyMs);
    // Every serialisation is answered: a real server falls back to its old XML rather than refusing [C-2nd S-GUIDE].
    res.locals.serialisation = serialisationFor(req.headers.accept);
    const injected = state.takeFailure(req.method, req.path, typeof req.query.q === 'string' ? req.query.q : '');
    if (injected && injected.afterClauses && /^\/entity$/i.test(req.path)) res.locals.partialFailure = injected;
    else if (injected) return fail(state, res, injected.sdkErrorCode, injected.message);
    next();
  });

  const ctx = (): Ctx => ({ store: state.store, tx: new Transaction(state.store), config: state.config, now: state.store.now() });

  r.get(
    '/',
    handle((_req, res) => ok(state, res, undefined, 'ping')),
  );

  r.get(
    '/report/:type',
    handle((req, res) => ok(state, res, runReport(state.store, state.config, String(req.params.type), queryParam(req)), 'report')),
  );

  const entityQuery = handle((req, res) => {
    const q = queryParam(req);
    if (q === null) throw invalidOperation('The query parameter q is required.');
    const clauses = parseEntityQuery(q);
    if (state.config.enforcePostForMutations && req.method !== 'POST' && clauses.some(isMutation)) {
      throw invalidOperation('This query changes data and must be sent with POST (simulator switch enforcePostForMutations).');
    }
    const partial = res.locals.partialFailure as { afterClauses: number; sdkErrorCode: string; message: string } | undefined;
    if (partial) {
      // Injected partial application: the first clauses commit, the rest fail.
      executeEntityQuery(state.store, state.config, clauses.slice(0, partial.afterClauses));
      return fail(state, res, partial.sdkErrorCode, partial.message);
    }
    const created = clauses.flatMap((c) => (c.ref.kind === 'new' ? [c.ref.type] : []));
    const drop = state.dropFor(created);
    const results = executeEntityQuery(state.store, state.config, clauses);
    if (drop) {
      // Committed (executeEntityQuery threw otherwise): the client is left not knowing whether it happened.
      state.consumeDrop(drop);
      res.socket?.destroy();
      return;
    }
    if (results.every((x) => Object.keys(x).length === 0)) return ok(state, res);
    ok(state, res, results.length === 1 ? results[0] : results);
  });
  r.get('/entity', entityQuery);
  r.post('/entity', entityQuery);

  r.get(
    '/entity/exists/:id',
    handle((req, res) => {
      try {
        resolveIdRef(ctx(), String(req.params.id));
        ok(state, res, { Value: true });
      } catch (e) {
        if (e instanceof SdkFailure && e.sdkErrorCode === state.config.errorCodes.entityNotFound) return ok(state, res, { Value: false });
        throw e;
      }
    }),
  );
  r.get(
    '/entity/basic/:id',
    handle((req, res) => {
      const c = ctx();
      ok(state, res, fullJson(resolveIdRef(c, String(req.params.id)), c, true), 'entity');
    }),
  );
  r.get(
    '/entity/:id',
    handle((req, res) => {
      const c = ctx();
      ok(state, res, fullJson(resolveIdRef(c, String(req.params.id)), c), 'entity');
    }),
  );
  r.delete(
    '/entity/:id',
    handle((req, res) => {
      deleteEntity(state.store, state.config, String(req.params.id));
      ok(state, res);
    }),
  );

  r.use(
    handle((req, res) => {
      if (state.config.htmlErrorsForMalformedPaths) {
        res.status(400).type('text/html').send('<html><head><title>Bad Request</title></head><body><h1>Bad Request</h1></body></html>');
        return;
      }
      fail(state, res, INVALID_OPERATION, `Unknown Web SDK endpoint '${req.method} ${req.path}'.`);
    }),
  );
  return r;
}

export function createGenetecApp(state: GenetecSimState, controls: SimulatorControls): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(
    '/__sim',
    controlRouter(controls, {
      state: () => state.snapshot(),
      reset: (body) => state.reset(body),
      seed: (body) => ({ ok: true, ...state.seed(body) }),
      extra: (r) => {
        r.get('/config', (_req, res) => void res.json(state.snapshot().config));
        r.put('/config', (req, res) => {
          state.setConfig(req.body ?? {});
          res.json(state.snapshot().config);
        });
        r.get('/sessions', (_req, res) => void res.json(state.snapshot().sessions));
        r.post('/sessions/expire', (_req, res) => {
          state.sessions.expireAll();
          res.json(state.snapshot().sessions);
        });
        r.post('/fail-next', (req, res) => {
          const f = failNextSchema.parse(req.body ?? {});
          state.failures.push({
            remaining: f.count,
            sdkErrorCode: f.sdkErrorCode,
            message: f.message,
            pathFilter: f.pathFilter,
            methodFilter: f.methodFilter,
            queryFilter: f.queryFilter,
            afterClauses: f.afterClauses,
          });
          res.json({ queued: state.failures });
        });
        r.delete('/fail-next', (_req, res) => {
          state.failures = [];
          res.json({ queued: [] });
        });
        const dropsView = () => ({ queued: state.drops, dropped: state.droppedAfterCommit });
        r.get('/drop-next', (_req, res) => void res.json(dropsView()));
        r.post('/drop-next', (req, res) => {
          const d = dropNextSchema.parse(req.body ?? {});
          let entityType: string | undefined;
          if (d.entityType) {
            entityType = canonicalEntityType(d.entityType);
            if (!entityType) return void res.status(400).json({ error: `Unknown entity type '${d.entityType}'.` });
          }
          state.drops.push({ remaining: d.count, entityType });
          res.json(dropsView());
        });
        r.delete('/drop-next', (_req, res) => {
          state.drops = [];
          res.json(dropsView());
        });
      },
    }),
  );

  app.use(controls.middleware(routeKey(state)));

  const api = apiRouter(state);
  app.use((req, res, next) => {
    const m = /^\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(req.url);
    let segment = m?.[1] ?? '';
    try {
      segment = decodeURIComponent(segment);
    } catch {
      return next();
    }
    if (!m || segment.toLowerCase() !== state.config.basePath.toLowerCase()) return next();
    const original = req.url;
    req.url = (m[2] || '/') + (m[3] || '');
    api(req, res, (err?: unknown) => {
      req.url = original;
      next(err);
    });
  });

  // A wrong Base URI is the top cause of 404s [C-2nd S-GUIDE].
  app.use((_req, res) => {
    res.status(404).type('text/html').send('<html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>');
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ZodError) return void res.status(400).json({ error: z.prettifyError(err) });
    if ((err as { type?: string }).type === 'entity.parse.failed') return void res.status(400).json({ error: 'Invalid JSON body.' });
    // A bug in the simulator itself: say so instead of pretending to be the real server.
    res
      .status(500)
      .type('text/plain')
      .send(`Simulator internal error: ${(err as Error)?.message ?? String(err)}`);
  });
  return app;
}

import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { formatLocal } from './clock';
import { envelope, INVENTED_ERROR_CODES as X, REAL_ERROR_CODES as R, SimError, invalidProperty } from './errors';
import { parseJson, toJson } from './json';
import type { ForcedErrors, RequestLog } from './requests';
import { TYPE_NAMES, TYPES, type TypeDef } from './schema';
import type { Session, SessionManager } from './sessions';
import type { OnGuardStore } from './store';

/** The OpenAccess base path (S1 basePath; S3, S6, S7, S8), shared with the client. */
import { BASE_PATH } from '../../pacs/onguard/evidence';

export { BASE_PATH };

/** What GET /version reports; "OnGuard 8.1" / "8.1.639.0" as in S2's capture-derived harness. */
export const PRODUCT = { name: 'OnGuard 8.1', version: '8.1.639.0' };

export interface ApiDeps {
  store: OnGuardStore;
  sessions: SessionManager;
  log: RequestLog;
  forced: ForcedErrors;
  now(): number;
}

interface Locals {
  params: Record<string, unknown>;
  version: string;
  session?: Session;
}

const locals = (res: Response) => res.locals as unknown as Locals;

export function sendJson(res: Response, status: number, body: unknown) {
  res.status(status).type('application/json').send(toJson(body));
}

/**
 * The OpenAccess routes under BASE_PATH. Cross-cutting checks run in a fixed order — body, version,
 * Application-Id, Session-Token — and every failure leaves as the error envelope with a status, so a
 * client under test never sees an HTML error page or a dropped connection unless a fault asked for one.
 */
export function apiRouter(deps: ApiDeps): Router {
  const { store, sessions } = deps;
  const r = express.Router();

  r.use(readBody);
  r.use((req, res, next) => {
    // The server's clock is the simulator's clock, so token_expiration_time and Date agree after a jump.
    res.setHeader('Date', new Date(deps.now()).toUTCString());
    let body: unknown = {};
    const text = typeof req.body === 'string' ? req.body : '';
    const entry = (() => {
      if (text.trim() === '') return deps.log.record(req, undefined);
      try {
        body = parseJson(text);
      } catch {
        deps.log.record(req, text.slice(0, 200));
        throw new SimError(400, X.invalidJson, 'The request body is not valid JSON.');
      }
      return deps.log.record(req, body);
    })();
    res.once('finish', () => (entry.status = res.statusCode));
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new SimError(400, X.invalidJson, 'The request body must be a JSON object.');
    }
    // Query and body parameters are one namespace: "the API makes no distinction" (S1).
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(req.query)) params[k.toLowerCase()] = Array.isArray(v) ? v[v.length - 1] : v;
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) params[k.toLowerCase()] = v;
    locals(res).params = params;
    next();
  });

  r.use((req, res, next) => {
    const forced = deps.forced.take(req.method, req.path);
    if (!forced) return next();
    if (forced.mode === 'before') return sendJson(res, forced.status, envelope(forced.code, forced.message));
    // Let the handler do its work, then replace (or withhold) its answer.
    const original = res.send.bind(res);
    res.send = ((_body: unknown) => {
      res.send = original;
      if (forced.mode === 'drop') {
        res.socket?.destroy();
        return res;
      }
      res.status(forced.status).type('application/json');
      return original(toJson(envelope(forced.code, forced.message)));
    }) as typeof res.send;
    next();
  });

  r.use((req, res, next) => {
    const version = locals(res).params.version;
    if (version === undefined || version === '') {
      if (store.options.requireVersion) {
        throw new SimError(400, X.missingVersion, 'The version parameter is required, in the format 1.0.');
      }
      locals(res).version = '1.0';
    } else if (!/^1(\.\d+)?$/.test(String(version))) {
      throw new SimError(400, X.unsupportedVersion, `Version ${String(version)} is not supported; use 1.0.`);
    } else {
      locals(res).version = String(version);
    }
    next();
  });

  r.use((req, res, next) => {
    const path = req.path.toLowerCase();
    const exempt = path === '/version' || (path === '/directories' && !store.options.directoriesRequireApplicationId);
    if (!exempt) {
      const appId = req.get('application-id');
      if (!appId) throw new SimError(401, R.invalidApplicationId, 'You are not licensed for OpenAccess.');
      if (!store.options.licensedApplicationIds.includes(appId)) {
        throw new SimError(401, R.invalidApplicationId, `License violation. ${appId} is not licensed for use with OpenAccess.`);
      }
    }
    const anonymous = path === '/version' || path === '/directories' || (path === '/authentication' && req.method === 'POST');
    if (!anonymous) {
      const check = sessions.use(req.get('session-token'));
      if (!check.ok) throw new SimError(401, X.invalidSession, SESSION_MESSAGES[check.reason]);
      locals(res).session = check.session;
    }
    next();
  });

  /**
   * Task queuing (S1 description): `queue=true` on any request answers 202 with `{id, status:"pending",
   * version}`; `GET /queue/{id}` then gives `{id, status:"complete", response, version}`; `DELETE /queue/{id}`
   * removes a complete task; tasks go after one hour; users see only their own. The simulator runs the
   * queued request at once (its answer is kept as the task's response), so "pending" is only ever the 202.
   * What a queued request that fails puts in `response` is [U]; here it is the error envelope.
   */
  const tasks = new Map<string, { id: string; userId: number | null; status: 'pending' | 'complete'; response?: unknown; at: number }>();
  const TASK_TTL_MS = 60 * 60_000;
  const liveTask = (id: string, res: Response) => {
    for (const [k, t] of tasks) if (deps.now() - t.at > TASK_TTL_MS) tasks.delete(k);
    const t = tasks.get(id.toLowerCase());
    if (!t || t.userId !== (locals(res).session?.userId ?? null)) throw new SimError(404, X.itemNotFound, `There is no queued task ${id}.`);
    return t;
  };
  r.use((req, res, next) => {
    const q = locals(res).params.queue;
    if (!(q === true || String(q).toLowerCase() === 'true') || req.path.toLowerCase().startsWith('/queue')) return next();
    const task = {
      id: randomUUID(),
      userId: locals(res).session?.userId ?? null,
      status: 'pending' as 'pending' | 'complete',
      response: undefined as unknown,
      at: deps.now(),
    };
    tasks.set(task.id, task);
    const send = res.send.bind(res);
    const status = res.status.bind(res);
    res.status = (() => res) as unknown as typeof res.status;
    res.send = ((body: unknown) => {
      res.send = send;
      res.status = status;
      task.status = 'complete';
      try {
        task.response = typeof body === 'string' ? JSON.parse(body) : body;
      } catch {
        task.response = body;
      }
      status(202).type('application/json');
      return send(toJson({ id: task.id, status: 'pending', version: locals(res).version }));
    }) as typeof res.send;
    next();
  });

  const ok = (res: Response, body: Record<string, unknown> = {}) => sendJson(res, 200, { ...body, version: locals(res).version });

  r.get('/queue', (_req, res) => {
    const mine = [...tasks.values()].filter((t) => t.userId === (locals(res).session?.userId ?? null) && deps.now() - t.at <= TASK_TTL_MS);
    ok(res, { item_list: mine.map((t) => ({ id: t.id, status: t.status })) });
  });
  r.get('/queue/:id', (req, res) => {
    const t = liveTask(String(req.params.id), res);
    ok(res, { id: t.id, status: t.status, ...(t.status === 'complete' ? { response: t.response } : {}) });
  });
  r.delete('/queue/:id', (req, res) => {
    const t = liveTask(String(req.params.id), res);
    if (t.status !== 'complete') throw new SimError(400, X.operationNotSupported, 'Only complete tasks can be deleted.');
    tasks.delete(t.id);
    ok(res);
  });
  const dates = (ms: number) => formatLocal(ms, store.options.utcOffsetMinutes);

  r.get('/version', (_req, res) => ok(res, { product_name: PRODUCT.name, product_version: PRODUCT.version }));

  r.get('/directories', (_req, res) =>
    ok(res, {
      total_items: store.directories.length,
      item_list: store.directories.map((d) => ({ property_value_map: { ...d } })),
    }),
  );

  r.post('/authentication', (_req, res) => {
    const p = locals(res).params;
    if (p.oidc_token !== undefined) {
      throw new SimError(400, X.operationNotSupported, 'oidc_token logins are not supported by this simulator.');
    }
    if (typeof p.user_name !== 'string' || typeof p.password !== 'string' || p.user_name === '') {
      throw new SimError(400, R.invalidRequestItem, 'Either user_name and password, or oidc_token, must be present.');
    }
    // An omitted or empty directory_id means the internal directory (S5).
    const directoryId = p.directory_id === undefined || p.directory_id === null || p.directory_id === '' ? 'id-1' : String(p.directory_id);
    if (!store.directories.some((d) => d.ID === directoryId)) throw invalidProperty('directory_id');
    const user = store.users.find(
      (u) => u.userName.toLowerCase() === (p.user_name as string).toLowerCase() && u.password === p.password && u.directoryId === directoryId,
    );
    if (!user) throw new SimError(401, X.invalidCredentials, 'The user name or password is incorrect.');
    const s = sessions.create(user.userId, user.userName);
    ok(res, { session_token: s.token, token_expiration_time: dates(s.expiresAt) });
  });

  r.delete('/authentication', (req, res) => {
    sessions.remove(req.get('session-token')!);
    ok(res);
  });

  r.get('/keepalive', (_req, res) => ok(res));

  r.get('/session', (_req, res) => {
    const s = locals(res).session!;
    ok(res, { token_start_time: dates(s.startedAt), token_expiration_time: dates(s.expiresAt), user_id: String(s.userId) });
    // user_id is a string in the 7.5 spec (S1 getSession), although OnGuard user IDs are numbers elsewhere.
  });

  r.get('/instances', (_req, res) => {
    const p = locals(res).params;
    const type = store.resolveType(p.type_name);
    const pageNumber = intParam(p.page_number, 1, 'page_number');
    const pageSize = intParam(p.page_size, store.options.defaultPageSize, 'page_size');
    // The spec's maximum is 100 (S1; S2 "1-100"); what a real server does above it is [I].
    if (pageNumber < 1) throw invalidProperty('page_number');
    if (pageSize < 1 || pageSize > 100) throw invalidProperty('page_size');
    const rows = store.query(type, p.filter, p.order_by);
    const page = rows.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    ok(res, {
      count: page.length,
      item_list: page.map((row) => ({ property_value_map: store.present(type, row) })),
      page_number: pageNumber,
      page_size: pageSize,
      total_items: rows.length,
      // An empty result still reports one page, as S2's harness does ([U] on real servers).
      total_pages: Math.max(1, Math.ceil(rows.length / pageSize)),
      type_name: p.type_name,
    });
  });

  r.get('/count', (_req, res) => {
    const p = locals(res).params;
    ok(res, { total_items: store.query(store.resolveType(p.type_name), p.filter).length });
  });

  const write = (verb: 'add' | 'modify' | 'delete', res: Response): TypeDef => {
    const p = locals(res).params;
    const type = store.resolveType(p.type_name);
    const user = store.users.find((u) => u.userId === locals(res).session?.userId);
    if (user?.readOnly) {
      throw new SimError(403, X.permissionDenied, `User ${user.userName} does not have permission to ${verb} ${type.displayName} records.`);
    }
    return type;
  };

  r.post('/instances', (_req, res) => {
    const type = write('add', res);
    const p = locals(res).params;
    ok(res, { property_value_map: store.create(type, p.property_value_map), type_name: p.type_name });
  });

  r.put('/instances', (_req, res) => {
    const type = write('modify', res);
    const p = locals(res).params;
    const row = store.update(type, p.property_value_map);
    ok(res, { property_value_map: store.present(type, row), type_name: p.type_name });
  });

  r.delete('/instances', (_req, res) => {
    const type = write('delete', res);
    store.remove(type, locals(res).params.property_value_map);
    ok(res);
  });

  r.get('/types', (_req, res) =>
    ok(res, {
      total_items: TYPE_NAMES.length,
      // The shape of `types` is not evidenced beyond "types and their parent-child relationships" [I].
      types: Object.fromEntries(TYPE_NAMES.map((n) => [n, { display_name: TYPES[n].displayName, parent: null, children: [] as string[] }])),
    }),
  );

  r.get('/type', (_req, res) => {
    const p = locals(res).params;
    const type = store.resolveType(p.type_name);
    const access = type.writable ? (type.updatable ? 'ReadWrite' : 'ReadCreateDelete') : 'Read';
    ok(res, {
      type_name: type.name,
      display_name: type.displayName,
      access,
      properties: store.describe(type).map((prop) => ({
        name: prop.name,
        type: { int: 'Int32', int64: 'Int64', string: 'String', datetime: 'DateTime', bool: 'Boolean' }[prop.kind],
        is_key: Boolean(prop.key),
        is_required: Boolean(prop.required),
        max_length: prop.maxLength ?? null,
        access: prop.assigned ? 'Read' : access,
        default_value: null,
        possible_values: [],
        display_attributes: prop.simulatorOnly ? { note: 'simulator-only property' } : {},
      })),
      methods: [],
      display_groups: [],
    });
  });

  r.get('/settings/cardholder', (_req, res) => ok(res, { ...store.cardholderSettings }));
  r.get('/settings/visit', (_req, res) => ok(res, { ...store.visitSettings }));
  r.get('/settings/password_policy', (_req, res) =>
    ok(res, {
      is_inactivity_timeout_policy_enabled: sessions.settings.idleTimeoutMs > 0,
      inactivity_timeout_in_minutes: sessions.settings.idleTimeoutMs / 60_000,
    }),
  );

  const KNOWN = new Set(['/version', '/directories', '/authentication', '/keepalive', '/session', '/instances', '/count', '/types', '/type', '/queue']);
  r.use((req) => {
    if (KNOWN.has(req.path.toLowerCase()) || req.path.toLowerCase().startsWith('/settings/')) {
      throw new SimError(405, X.operationNotSupported, `${req.method} is not supported on ${req.path}.`);
    }
    throw new SimError(404, X.notFound, `There is no operation at ${req.path}.`);
  });
  return r;
}

/**
 * Bodies come with any content type (some clients send none) and on GET and DELETE too (S3, S9). Read
 * before the fault middleware, so a delayed request still completes after its client gave up, as on a
 * slow real server: that is the case a client must re-check after a timeout.
 */
export const readBody = express.text({ type: () => true, limit: '5mb' });

const SESSION_MESSAGES = {
  missing: 'A Session-Token header is required; log in with POST /authentication.',
  unknown: 'The session token is not valid; log in again.',
  expired: 'The session has expired; log in again.',
  idle: 'The session timed out after inactivity; log in again.',
} as const;

function intParam(v: unknown, fallback: number, name: string): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw invalidProperty(name);
  return n;
}

/** Last in the app: every error, ours or express's, leaves as an envelope. */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction) {
  if (res.headersSent) return;
  if (err instanceof SimError) return sendJson(res, err.status, envelope(err.code, err.message));
  const e = err as { name?: string; status?: number; type?: string; issues?: unknown; message?: string };
  if (e.name === 'ZodError') return sendJson(res, 400, envelope(R.invalidRequestItem, `Invalid control request: ${e.message ?? ''}`));
  if (e.type === 'entity.parse.failed') return sendJson(res, 400, envelope(X.invalidJson, 'The request body is not valid JSON.'));
  if (e.type === 'entity.too.large') return sendJson(res, 413, envelope(R.invalidRequestItem, 'The request body is too large.'));
  sendJson(res, 500, envelope(X.internalError, 'The simulator failed unexpectedly; see its log.'));
  console.error('OnGuard simulator error', err);
}

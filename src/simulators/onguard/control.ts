import type { Router } from 'express';
import { z } from 'zod';
import type { SimClock } from './clock';
import { simOptionsSchema, sessionSettingsSchema } from './options';
import type { ForcedErrors, RequestLog } from './requests';
import type { SessionManager } from './sessions';
import type { OnGuardStore } from './store';

/**
 * OnGuard-specific /__sim routes, added to the shared control router (faults, stats, state, seed, reset):
 * session lifetimes, the clock, strictness options, one-shot forced errors and the request log.
 */
export interface ControlDeps {
  store: OnGuardStore;
  sessions: SessionManager;
  clock: SimClock;
  log: RequestLog;
  forced: ForcedErrors;
}

const clockSchema = z
  .object({ advanceMs: z.number().int().optional(), now: z.iso.datetime({ offset: true }).optional(), reset: z.boolean().optional() })
  .strict();

const forcedSchema = z
  .object({
    mode: z.enum(['before', 'after', 'drop']).default('before'),
    status: z.number().int().min(400).max(599).default(500),
    code: z.string().default('openaccess.general.internalerror'),
    message: z.string().default('Forced by the simulator.'),
    count: z.number().int().min(1).default(1),
    skip: z.number().int().min(0).default(0),
    path: z.string().optional(),
    method: z.string().optional(),
  })
  .strict();

export function onGuardControls(deps: ControlDeps) {
  return (r: Router) => {
    r.get('/options', (_req, res) => void res.json(deps.store.options));
    r.put('/options', (req, res) => void res.json(deps.store.setOptions(patchOf(simOptionsSchema, req.body))));

    r.get('/session', (_req, res) => void res.json(deps.sessions.snapshot()));
    r.put('/session', (req, res) => void res.json(deps.sessions.configure(patchOf(sessionSettingsSchema, req.body))));
    r.post('/session/expire', (req, res) => {
      const { token } = z.object({ token: z.string().optional() }).parse(req.body ?? {});
      res.json({ expired: deps.sessions.expire(token) });
    });

    r.get('/clock', (_req, res) => void res.json(clockView(deps.clock)));
    r.post('/clock', (req, res) => {
      const body = clockSchema.parse(req.body ?? {});
      if (body.reset) deps.clock.reset();
      if (body.now) deps.clock.set(Date.parse(body.now));
      if (body.advanceMs) deps.clock.advance(body.advanceMs);
      res.json(clockView(deps.clock));
    });

    r.get('/next-error', (_req, res) => void res.json(deps.forced.list()));
    r.post('/next-error', (req, res) => {
      const e = forcedSchema.parse(req.body ?? {});
      deps.forced.push({ mode: e.mode, status: e.status, code: e.code, message: e.message, remaining: e.count, skip: e.skip, path: e.path, method: e.method });
      res.json(deps.forced.list());
    });
    r.delete('/next-error', (_req, res) => {
      deps.forced.clear();
      res.json([]);
    });

    r.get('/requests', (req, res) => {
      const limit = Number(req.query.limit ?? 1000);
      res.json(deps.log.list(Number.isFinite(limit) && limit > 0 ? limit : 1000));
    });
    r.delete('/requests', (_req, res) => {
      deps.log.clear();
      res.json([]);
    });
  };
}

/**
 * A partial update: zod 4 fills defaults into `.partial()` objects, which would silently reset every
 * setting the caller did not name, so only the keys actually sent are kept.
 */
function patchOf<S extends z.ZodObject>(schema: S, body: unknown): Partial<z.infer<S>> {
  const parsed = schema
    .partial()
    .strict()
    .parse(body ?? {}) as Record<string, unknown>;
  const sent = new Set(Object.keys((body ?? {}) as object));
  return Object.fromEntries(Object.entries(parsed).filter(([k]) => sent.has(k))) as Partial<z.infer<S>>;
}

function clockView(clock: SimClock) {
  const now = clock.now();
  return { now: new Date(now).toISOString(), offsetMs: now - Date.now() };
}

import type { Socket } from 'node:net';
import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import { z } from 'zod';

/**
 * Fault injection and instrumentation shared by the OnGuard and Genetec simulators. Tests, chaos runs and
 * benchmarks drive these through `/__sim` on each simulator; the PACS APIs themselves live elsewhere.
 */
export const faultSettingsSchema = z.object({
  /** Added to every PACS request. */
  latencyMs: z.number().int().min(0).max(120_000).default(0),
  /** Uniform random extra latency in [0, jitterMs]. */
  jitterMs: z.number().int().min(0).max(120_000).default(0),
  /** Fraction of PACS requests answered with `errorStatus` (0..1). */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.number().int().min(400).max(599).default(500),
  /** Fraction of PACS requests that never get an answer (until reset or the server closes). */
  hangRate: z.number().min(0).max(1).default(0),
  /** Full outage: every PACS request has its connection reset (the client sees the server as unreachable); /__sim stays reachable. */
  outage: z.boolean().default(false),
  /** Only inject into requests whose path contains this string (e.g. "/instances"). */
  pathFilter: z.string().optional(),
  /** Only inject into requests with this method. */
  methodFilter: z.string().optional(),
});
export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export interface SimStats {
  requests: number;
  inFlight: number;
  peakConcurrency: number;
  byRoute: Record<string, number>;
  injectedErrors: number;
  hung: number;
  /** TCP/TLS connections accepted: a client that keeps its connections alive opens few. */
  connections: number;
}

export class SimulatorControls {
  faults: FaultSettings = faultSettingsSchema.parse({});
  stats: SimStats = emptyStats();
  private hanging = new Set<Response>();
  private sockets = new Set<Socket>();

  setFaults(patch: Partial<FaultSettings>): FaultSettings {
    this.faults = faultSettingsSchema.parse({ ...this.faults, ...patch });
    if (this.faults.hangRate === 0) this.releaseHung();
    return this.faults;
  }

  resetFaults() {
    this.faults = faultSettingsSchema.parse({});
    this.releaseHung();
  }

  resetStats() {
    this.stats = emptyStats();
  }

  /** Called for every TCP/TLS connection the server accepts. */
  onConnection = (socket: Socket) => {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  };

  dropConnections() {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  releaseHung() {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }

  /** Express middleware placed in front of the PACS routes (not the /__sim routes). */
  middleware = (routeKey: (req: Request) => string) => (req: Request, res: Response, next: NextFunction) => {
    const s = this.stats;
    s.requests++;
    const key = routeKey(req);
    s.byRoute[key] = (s.byRoute[key] ?? 0) + 1;
    s.inFlight++;
    s.peakConcurrency = Math.max(s.peakConcurrency, s.inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        s.inFlight--;
      }
    };
    res.once('finish', finish);
    res.once('close', finish);

    const f = this.faults;
    if (f.outage) {
      // Reset the connection, as a server that went away does; keep-alive clients get ECONNRESET.
      req.socket.destroy();
      return;
    }
    const applies = (!f.pathFilter || req.path.includes(f.pathFilter)) && (!f.methodFilter || req.method.toUpperCase() === f.methodFilter.toUpperCase());
    if (!applies) return next();
    if (f.hangRate > 0 && Math.random() < f.hangRate) {
      s.hung++;
      this.hanging.add(res);
      res.once('close', () => this.hanging.delete(res));
      return;
    }
    const delay = f.latencyMs + (f.jitterMs ? Math.random() * f.jitterMs : 0);
    const proceed = () => {
      if (f.errorRate > 0 && Math.random() < f.errorRate) {
        s.injectedErrors++;
        res.status(f.errorStatus).type('text/plain').send('simulated server error');
        return;
      }
      next();
    };
    if (delay > 0) setTimeout(proceed, delay);
    else proceed();
  };
}

function emptyStats(): SimStats {
  return { requests: 0, inFlight: 0, peakConcurrency: 0, byRoute: {}, injectedErrors: 0, hung: 0, connections: 0 };
}

/**
 * The `/__sim` control API every simulator exposes. `state` returns the simulator's data store;
 * `reset` restores seed data (optionally with overrides), `seed` merges extra data in.
 */
export function controlRouter(
  controls: SimulatorControls,
  hooks: { state(): unknown; reset(body: unknown): void; seed(body: unknown): unknown; extra?: (r: Router) => void },
): Router {
  const r = express.Router();
  r.use(express.json({ limit: '5mb' }));
  r.get('/state', (_req, res) => void res.json(hooks.state()));
  r.post('/reset', (req, res) => {
    controls.resetFaults();
    controls.resetStats();
    hooks.reset(req.body ?? {});
    res.json({ ok: true });
  });
  r.post('/seed', (req, res) => void res.json(hooks.seed(req.body ?? {}) ?? { ok: true }));
  r.get('/faults', (_req, res) => void res.json(controls.faults));
  r.put('/faults', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = faultSettingsSchema.partial().safeParse(body);
    if (!parsed.success) return void res.status(400).json({ error: z.prettifyError(parsed.error) });
    // zod's partial() still fills in defaults: keep only what the caller sent, so a PUT changes just that.
    const sent = Object.fromEntries(Object.entries(parsed.data).filter(([k]) => k in body));
    res.json(controls.setFaults(sent));
  });
  r.delete('/faults', (_req, res) => {
    controls.resetFaults();
    res.json(controls.faults);
  });
  r.get('/stats', (_req, res) => void res.json(controls.stats));
  r.post('/stats/reset', (_req, res) => {
    controls.resetStats();
    res.json(controls.stats);
  });
  hooks.extra?.(r);
  return r;
}

import express, { type Express } from 'express';
import { SimClock } from './clock';
import { onGuardControls } from './control';
import { ForcedErrors, RequestLog } from './requests';
import { apiRouter, BASE_PATH, errorHandler, readBody } from './routes';
import { SessionManager } from './sessions';
import { OnGuardStore } from './store';
import { controlRouter, SimulatorControls } from '../shared/faults';

/** Wires store, sessions, clock and controls into one express app; server.ts only adds the listener. */
export function createOnGuardApp(credentials: { username: string; password: string; applicationId: string }): {
  app: Express;
  controls: SimulatorControls;
  store: OnGuardStore;
} {
  const clock = new SimClock();
  const store = new OnGuardStore(clock, credentials);
  const sessions = new SessionManager(clock);
  const log = new RequestLog();
  const forced = new ForcedErrors();
  const controls = new SimulatorControls();

  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/__sim',
    controlRouter(controls, {
      state: () => ({ ...(store.snapshot() as object), sessions: sessions.snapshot(), clock: { now: new Date(clock.now()).toISOString() } }),
      reset: (body) => {
        store.reset();
        sessions.reset();
        clock.reset();
        log.clear();
        forced.clear();
        if (body && typeof body === 'object' && Object.keys(body).length > 0) store.seed(body);
      },
      seed: (body) => store.seed(body),
      extra: onGuardControls({ store, sessions, clock, log, forced }),
    }),
  );
  app.use(
    BASE_PATH,
    readBody,
    controls.middleware((req) => `${req.method} ${req.path.toLowerCase()}`),
    apiRouter({ store, sessions, log, forced, now: () => clock.now() }),
  );
  app.use(errorHandler);
  return { app, controls, store };
}

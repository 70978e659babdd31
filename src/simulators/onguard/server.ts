import { ONGUARD_SIM_DEFAULTS } from '../../pacs/onguard/evidence';
import type { SimulatorControls } from '../shared/faults';
import { listen, type ListenOptions, type RunningSimulator } from '../shared/listen';
import { createOnGuardApp } from './app';
import { persistState } from '../shared/persist';

export interface OnGuardSimulatorOptions extends ListenOptions {
  /** Keep the simulator's data in this JSON file across restarts (npm start: DATA_DIR/simulators/). */
  stateFile?: string;
  username?: string;
  password?: string;
  applicationId?: string;
}

export interface OnGuardSimulator extends RunningSimulator {
  /** What an admin types as the provider URL: the origin; clients append the OpenAccess base path. */
  providerUrl: string;
  controls: SimulatorControls;
  credentials: { username: string; password: string; applicationId: string };
}

/** A Lenel OnGuard OpenAccess simulator on HTTP (or HTTPS with a self-signed certificate). */
export async function startOnGuardSimulator(opts: OnGuardSimulatorOptions = {}): Promise<OnGuardSimulator> {
  const credentials = {
    username: opts.username ?? ONGUARD_SIM_DEFAULTS.username,
    password: opts.password ?? ONGUARD_SIM_DEFAULTS.password,
    applicationId: opts.applicationId ?? ONGUARD_SIM_DEFAULTS.applicationId,
  };
  const { app, controls, store } = createOnGuardApp(credentials);
  const persisted = opts.stateFile ? persistState(store, opts.stateFile) : null;
  const running = await listen(app, controls, opts).catch((err) => {
    persisted?.close();
    throw err;
  });
  const close = async () => {
    await running.close();
    persisted?.close();
  };
  return { ...running, close, providerUrl: running.origin, controls, credentials };
}

import { GENETEC_SIM_DEFAULTS } from '../../pacs/genetec/format-table';
import { SimulatorControls } from '../shared/faults';
import { listen, type ListenOptions, type RunningSimulator } from '../shared/listen';
import { createGenetecApp } from './routes';
import { GenetecSimState } from './state';
import { persistState } from '../shared/persist';

/**
 * A local Genetec Security Center Web-based SDK: the HTTP API under /WebSdk plus /__sim controls.
 * See docs/pacs/genetec-simulator.md for what is evidence-backed and what is inferred.
 */
export interface GenetecSimulatorOptions extends ListenOptions {
  /** Keep the simulator's data in this JSON file across restarts (npm start: DATA_DIR/simulators/). */
  stateFile?: string;
  username?: string;
  password?: string;
  applicationId?: string;
}

export interface GenetecSimulator extends RunningSimulator {
  providerUrl: string;
  controls: SimulatorControls;
  credentials: { username: string; password: string; applicationId: string };
}

export { GENETEC_SIM_DEFAULTS };

export async function startGenetecSimulator(opts: GenetecSimulatorOptions = {}): Promise<GenetecSimulator> {
  const credentials = {
    username: opts.username ?? GENETEC_SIM_DEFAULTS.username,
    password: opts.password ?? GENETEC_SIM_DEFAULTS.password,
    applicationId: opts.applicationId ?? GENETEC_SIM_DEFAULTS.applicationId,
  };
  const controls = new SimulatorControls();
  const state = new GenetecSimState(credentials);
  const persisted = opts.stateFile ? persistState(state, opts.stateFile) : null;
  const running = await listen(createGenetecApp(state, controls), controls, opts).catch((err) => {
    persisted?.close();
    throw err;
  });
  const close = async () => {
    await running.close();
    persisted?.close();
  };
  return { ...running, close, providerUrl: `${running.origin}/WebSdk`, controls, credentials };
}

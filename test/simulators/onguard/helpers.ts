import { Agent, request } from 'undici';
import { startOnGuardSimulator, type OnGuardSimulator, type OnGuardSimulatorOptions } from '../../../src/simulators/onguard/server';

export const BASE = '/api/access/onguard/openaccess';
export const APP_ID = 'OPEN_ACCESS_NON_PRODUCTION';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/** One HTTP call with no client logic in between: what the simulator answers to exactly these bytes. */
export async function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | object } = {}): Promise<RawResponse> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body,
    dispatcher: insecure,
  });
  const text = await res.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** A simulator plus helpers to talk OpenAccess to it the way the evidence says clients do. */
export class SimHarness {
  token = '';
  constructor(readonly sim: OnGuardSimulator) {}

  static async start(opts: OnGuardSimulatorOptions = {}): Promise<SimHarness> {
    return new SimHarness(await startOnGuardSimulator(opts));
  }

  url(path: string, query: Record<string, string | number | undefined> = {}, version = true): string {
    const q = new URLSearchParams();
    if (version) q.set('version', '1.0');
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return `${this.sim.providerUrl}${BASE}${path}${qs ? `?${qs}` : ''}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { 'Application-Id': this.sim.credentials.applicationId, ...(this.token ? { 'Session-Token': this.token } : {}), ...extra };
  }

  async login(user = this.sim.credentials.username, password = this.sim.credentials.password): Promise<string> {
    const r = await raw(this.url('/authentication'), {
      method: 'POST',
      headers: { 'Application-Id': this.sim.credentials.applicationId },
      body: { user_name: user, password },
    });
    if (r.status !== 200) throw new Error(`login failed: ${r.text}`);
    this.token = r.json.session_token;
    return this.token;
  }

  get(path: string, query: Record<string, string | number | undefined> = {}) {
    return raw(this.url(path, query), { headers: this.headers() });
  }

  send(method: string, path: string, body: object, query: Record<string, string | number | undefined> = {}) {
    return raw(this.url(path, query), { method, headers: this.headers(), body });
  }

  list(typeName: string, filter?: string, extra: Record<string, string | number> = {}) {
    return this.get('/instances', { type_name: typeName, filter, ...extra });
  }

  create(typeName: string, pvm: object) {
    return this.send('POST', '/instances', { type_name: typeName, property_value_map: pvm });
  }

  control(method: string, path: string, body?: object) {
    return raw(`${this.sim.origin}/__sim${path}`, { method, body });
  }

  async state(): Promise<any> {
    return (await this.control('GET', '/state')).json;
  }

  async reset(body: object = {}) {
    const r = await this.control('POST', '/reset', body);
    if (r.status !== 200) throw new Error(`reset failed: ${r.text}`);
    this.token = '';
  }

  close() {
    return this.sim.close();
  }
}

/**
 * One simulator per test file: started before the first test, closed after the last, and (unless `reset`
 * is false) reset to its seed, then logged in when `login` is set, before each test. The harness reaches
 * the file through `set`: `let h: SimHarness; useSimHarness((x) => (h = x));`.
 */
export function useSimHarness(
  set: (h: SimHarness) => void,
  opts: { start?: OnGuardSimulatorOptions; reset?: boolean; login?: boolean; beforeClose?: () => Promise<void> } = {},
): void {
  let h: SimHarness;
  beforeAll(async () => {
    h = await SimHarness.start(opts.start);
    set(h);
  });
  afterAll(async () => {
    await opts.beforeClose?.();
    await h.close();
  });
  if (opts.reset === false) return;
  beforeEach(async () => {
    await opts.beforeClose?.();
    await h.reset();
    if (opts.login) await h.login();
  });
}

import { Agent, request } from 'undici';
import { startGenetecSimulator, type GenetecSimulator, type GenetecSimulatorOptions } from '../../../src/simulators/genetec/server';

/** Raw HTTP access to a running Genetec simulator, for tests that check the wire format itself. */
export interface SimHarness {
  sim: GenetecSimulator;
  basic(user?: string, appId?: string, password?: string): string;
  /** A Web SDK call relative to the provider URL; `q` is percent-encoded as clients do. */
  api(
    path: string,
    opts?: { method?: string; q?: string; rawQuery?: string; auth?: string | null; accept?: string | null },
  ): Promise<{ status: number; headers: Record<string, unknown>; text: string; json: any }>;
  /** Rsp.Result of an Ok envelope; fails the test with the envelope otherwise. */
  ok(path: string, q?: string, method?: string): Promise<any>;
  /** Rsp.Result of a Fail envelope (SdkErrorCode, Message); fails the test otherwise. */
  fail(path: string, q?: string, method?: string): Promise<{ SdkErrorCode: string; Message: string }>;
  ctl(method: string, path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startHarness(opts: GenetecSimulatorOptions = {}): Promise<SimHarness> {
  const sim = await startGenetecSimulator(opts);
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  const basic = (user = sim.credentials.username, appId = sim.credentials.applicationId, password = sim.credentials.password) =>
    'Basic ' + Buffer.from(`${user};${appId}:${password}`).toString('base64');
  const api: SimHarness['api'] = async (path, o = {}) => {
    const query = o.rawQuery ?? (o.q !== undefined ? `?q=${encodeURIComponent(o.q)}` : '');
    const headers: Record<string, string> = {};
    const auth = o.auth === undefined ? basic() : o.auth;
    if (auth !== null) headers.authorization = auth;
    const accept = o.accept === undefined ? 'text/json' : o.accept;
    if (accept !== null) headers.accept = accept;
    const res = await request(`${sim.providerUrl}${path}${query}`, { method: (o.method ?? 'GET') as 'GET', headers, dispatcher });
    const text = await res.body.text();
    let json: any;
    try {
      json = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  };
  const envelope = async (path: string, q: string | undefined, method: string, want: 'Ok' | 'Fail') => {
    const r = await api(path, { q, method });
    if (r.status !== 200 || r.json?.Rsp?.Status !== want) {
      throw new Error(`expected ${want} for ${method} ${path} q=${q}: HTTP ${r.status} ${r.text}`);
    }
    return r.json.Rsp.Result;
  };
  return {
    sim,
    basic,
    api,
    ok: (path, q, method = 'GET') => envelope(path, q, method, 'Ok'),
    fail: (path, q, method = 'GET') => envelope(path, q, method, 'Fail'),
    async ctl(method, path, body) {
      const res = await request(`${sim.origin}/__sim${path}`, {
        method: method as 'GET',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher,
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`sim control ${method} ${path}: ${res.statusCode} ${text}`);
      return JSON.parse(text);
    },
    async close() {
      await dispatcher.close();
      await sim.close();
    },
  };
}

/** Entity snapshot from /__sim/state by GUID. */
export async function simEntity(h: SimHarness, guid: string): Promise<any> {
  const state = await h.ctl('GET', '/state');
  return state.entities.find((e: any) => e.Guid === guid);
}

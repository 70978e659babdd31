import { startGenetecSimulator, type GenetecSimulator } from '../../src/simulators/genetec/server';
import { startOnGuardSimulator, type OnGuardSimulator } from '../../src/simulators/onguard/server';
import type { ActivityDeps } from '../../src/activities';
import type { VisitTiming } from '../../src/workflows/visit-contract';
import { startTestApi, type TestApi } from './api';
import { simRequest } from './sim';
import { startTestWorker, type RunningWorker } from './worker';

/** Retry intervals short enough for tests; the policy's shape is the production one. */
export const FAST_TIMING: Partial<VisitTiming> = {
  provisionAttempts: 3,
  provisionInitialIntervalMs: 100,
  provisionMaxIntervalMs: 300,
  deprovisionInitialIntervalMs: 100,
  deprovisionMaxIntervalMs: 500,
};

export type Sim = OnGuardSimulator | GenetecSimulator;

export interface VisitEnv {
  kind: 'onguard' | 'genetec';
  api: TestApi;
  sim: Sim;
  worker: RunningWorker;
  locationId: string;
  providerId: string;
  /** The badge type used for visitor badges (OnGuard "Visitor", Genetec Standard 26-bit). */
  badgeTypeId: string;
  accessRuleIds: string[];
  receptionist: { id: string; token: string };
  addBadge(uniqueId: string, name?: string): Promise<string>;
  signIn(badgeId: string, visitor?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  waitFor(visitId: string, status: string, timeoutMs?: number): Promise<any>;
  simCall(method: string, path: string, body?: unknown): Promise<any>;
  restartWorker(deps?: Partial<ActivityDeps>): Promise<void>;
  close(): Promise<void>;
}

export async function startVisitEnv(
  kind: 'onguard' | 'genetec',
  opts: {
    deps?: Partial<ActivityDeps>;
    timing?: Partial<VisitTiming>;
  } = {},
): Promise<VisitEnv> {
  const sim: Sim = kind === 'onguard' ? await startOnGuardSimulator() : await startGenetecSimulator();
  const api = await startTestApi({ visitTiming: opts.timing ?? FAST_TIMING });
  let worker = await startTestWorker({ db: api.db.prisma, secretsKey: api.secretsKey, taskQueue: api.taskQueue, deps: opts.deps });
  const ok = (r: { status: number; body: any }, what: string) => {
    if (r.status >= 300) throw new Error(`${what} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const loc = ok(await api.call('POST', '/v1/locations', { body: { name: `${kind} site`, timezone: 'Europe/Berlin', endOfDay: '23:59' } }), 'location');
  const provider = ok(
    await api.call('POST', `/v1/locations/${loc.id}/providers`, {
      body: {
        kind,
        name: `${kind} simulator`,
        url: sim.providerUrl,
        username: sim.credentials.username,
        password: sim.credentials.password,
        applicationId: sim.credentials.applicationId,
      },
    }),
    'provider',
  );
  ok(await api.call('POST', `/v1/providers/${provider.id}/refresh`), 'refresh');
  const types = ok(await api.call('GET', `/v1/providers/${provider.id}/badge-types`), 'badge types').items as any[];
  const type = kind === 'onguard' ? types.find((t) => t.name === 'Visitor') : types.find((t) => /26/.test(t.name) && t.manualEntry);
  if (!type) throw new Error(`no visitor badge type among ${types.map((t) => t.name).join(', ')}`);
  const rules = ok(await api.call('GET', `/v1/providers/${provider.id}/access-rules`), 'access rules').items as any[];
  const rule = kind === 'onguard' ? rules[0] : (rules.find((r) => r.name === 'Lobby visitors') ?? rules[0]);
  const user = ok(
    await api.call('POST', '/v1/users', {
      body: { name: 'Rita Reception', email: `rita-${provider.id}@example.com`, permissions: ['provisionBadge', 'signOut', 'viewVisits'] },
    }),
    'user',
  );
  ok(await api.call('POST', '/v1/user-groups', { body: { name: `Reception ${provider.id}`, accessRuleIds: [rule.id], userIds: [user.id] } }), 'user group');

  const env: VisitEnv = {
    kind,
    api,
    sim,
    worker,
    locationId: loc.id,
    providerId: provider.id,
    badgeTypeId: type.id,
    accessRuleIds: [rule.id],
    receptionist: { id: user.id, token: user.token },
    async addBadge(uniqueId, name = `Visitor ${uniqueId}`) {
      return ok(await api.call('POST', `/v1/providers/${provider.id}/badges`, { body: { name, uniqueId, badgeTypeId: type.id } }), 'badge').id;
    },
    signIn(badgeId, visitor = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: 'Analytical Engines' }, headers) {
      return api.call('POST', '/v1/visits', {
        token: user.token,
        headers,
        body: { locationId: loc.id, badgeId, accessRuleIds: [rule.id], visitor },
      });
    },
    async waitFor(visitId, status, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: any;
      while (Date.now() < deadline) {
        last = (await api.call('GET', `/v1/visits/${visitId}`)).body;
        if (last?.status === status) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`visit ${visitId} did not reach ${status} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    },
    simCall: (method, path, body) => simRequest(sim.origin, method, path, body),
    async restartWorker(deps) {
      await worker.stop();
      worker = await startTestWorker({ db: api.db.prisma, secretsKey: api.secretsKey, taskQueue: api.taskQueue, deps: deps ?? opts.deps });
      env.worker = worker;
    },
    async close() {
      await worker.stop();
      await api.close();
      await sim.close();
    },
  };
  return env;
}

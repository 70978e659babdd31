import crypto from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createVisitPacsActivities } from '../../src/activities/visit';
import { createLogger } from '../../src/logging';
import { pacsBadge, rotatePassword } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

/**
 * Every way a visit can end switches its badge off and gives it back to the pool, including the ones
 * that are not a PACS outage: refused credentials, Cancel and Terminate in the Temporal UI, a replayed
 * sign-in after the visit ended, a worker killed mid-call.
 */

async function badgeInUse(env: VisitEnv, badgeId: string): Promise<boolean> {
  const r = await env.api.call('GET', `/v1/providers/${env.providerId}/badges?limit=200`);
  return r.body.items.find((b: { id: string }) => b.id === badgeId).inUse;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as T;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

describe.each(['onguard', 'genetec'] as const)('visit endings on %s', (kind) => {
  let env: VisitEnv;
  const base = kind === 'onguard' ? 1600 : 2600;
  beforeAll(async () => {
    env = await startVisitEnv(kind);
  }, 120_000);
  afterAll(() => env?.close());
  afterEach(async () => {
    await rotatePassword(env, env.sim.credentials.password);
    await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { password: env.sim.credentials.password } });
  });

  it('a sign-out while the PACS refuses the credentials keeps retrying, says why, and finishes once the provider is fixed', async () => {
    const uniqueId = String(base + 1);
    const badgeId = await env.addBadge(uniqueId);
    const v = await env.signIn(badgeId, { firstName: 'Rota', lastName: 'Tion' });
    await env.waitFor(v.body.id, 'active');

    await rotatePassword(env, 'rotated-password-1');
    const out = await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    expect(out.status).toBe(202);
    // The visit says what is wrong and when it tries again, instead of failing for good.
    const failing = await until('a reported switch-off failure', async () => {
      const r = (await env.api.call('GET', `/v1/visits/${v.body.id}`)).body;
      return r.status === 'deprovisioning' && r.lastError?.attempts >= 2 && r.lastError;
    });
    expect(failing.code).toBe('PACS_AUTH');
    expect(failing.message).toMatch(/credentials/i);
    expect(failing.during).toBe('switching the badge off');
    expect(Date.parse(failing.nextAttemptAt)).toBeGreaterThan(Date.parse(failing.since));
    expect((await pacsBadge(env, uniqueId)).active).toBe(true);
    expect(await badgeInUse(env, badgeId)).toBe(true);
    const metrics = (await env.api.call('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^visits_switch_off_failing 1$/m);
    // The Temporal UI shows it too: the workflow's current details.
    const handle = env.api.temporal.workflow.getHandle(`visit-${v.body.id}`);
    const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toMatch(/PACS_AUTH/);
    expect(meta.currentDetails).toMatch(/next attempt at/);
    // A second sign-out is not an error.
    expect((await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token })).status).toBe(202);

    // The admin updates the provider's password; nothing else.
    const fix = await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { password: 'rotated-password-1' } });
    expect(fix.status).toBe(200);
    const done = await env.waitFor(v.body.id, 'completed', 30_000);
    expect(done.lastError).toBeUndefined();
    expect(done.timeline.some((e: { detail?: string }) => /PACS_AUTH: could not finish switching the badge off yet/.test(e.detail ?? ''))).toBe(true);
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
    expect(await badgeInUse(env, badgeId)).toBe(false);
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('a sign-in replayed with the same Idempotency-Key after the visit ended returns it as it is and switches nothing on', async () => {
    const uniqueId = String(base + 2);
    const badgeId = await env.addBadge(uniqueId);
    const headers = { 'idempotency-key': `late-flush-${kind}-${crypto.randomUUID()}` };
    const visitor = { firstName: 'Late', lastName: 'Flush', email: 'late.flush@example.com' };
    const v = await env.signIn(badgeId, visitor, headers);
    await env.waitFor(v.body.id, 'active');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');

    const replay = await env.signIn(badgeId, visitor, headers);
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toMatchObject({ id: v.body.id, status: 'completed' });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
    expect(await badgeInUse(env, badgeId)).toBe(false);
    const runs = [];
    for await (const wf of env.api.temporal.workflow.list({ query: `WorkflowId = "visit-${v.body.id}"` })) runs.push(wf.status.name);
    expect(runs).toEqual(['COMPLETED']);
  });

  it('the same Idempotency-Key with another visitor is refused with 422', async () => {
    const badgeId = await env.addBadge(String(base + 3));
    const headers = { 'idempotency-key': `mismatch-${kind}-${crypto.randomUUID()}` };
    const first = await env.signIn(badgeId, { firstName: 'First', lastName: 'Person' }, headers);
    expect(first.status).toBe(202);
    const second = await env.signIn(badgeId, { firstName: 'Second', lastName: 'Person' }, headers);
    expect(second.status).toBe(422);
    expect(second.body.error.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    expect(second.body.error.details.visitId).toBe(first.body.id);
    await env.waitFor(first.body.id, 'active');
    await env.api.call('POST', `/v1/visits/${first.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(first.body.id, 'completed');
  });

  it('Cancel in the Temporal UI ends the visit: badge off, back in the pool, visit completed with the reason', async () => {
    const uniqueId = String(base + 4);
    const badgeId = await env.addBadge(uniqueId);
    const v = await env.signIn(badgeId, { firstName: 'Can', lastName: 'Celled' });
    await env.waitFor(v.body.id, 'active');
    const handle = env.api.temporal.workflow.getHandle(`visit-${v.body.id}`);
    await handle.cancel();
    const done = await env.waitFor(v.body.id, 'completed');
    expect(done.timeline.at(-1).detail).toMatch(/cancelled by an operator/);
    // Nobody signed in pressed it: the Temporal UI is the actor.
    expect(done.timeline.at(-1).actor).toEqual({ type: 'system', name: 'Temporal UI' });
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
    expect(await badgeInUse(env, badgeId)).toBe(false);
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('Cancel while the badge is being provisioned leaves nothing switched on', async () => {
    const uniqueId = String(base + 5);
    const badgeId = await env.addBadge(uniqueId);
    await env.simCall('PUT', '/__sim/faults', { latencyMs: 150 });
    try {
      const v = await env.signIn(badgeId, { firstName: 'Mid', lastName: 'Cancel' });
      // Cancel once the PACS has been touched (the visitor exists), before the badge is active.
      await until('provisioning under way', async () => {
        const r = (await env.api.call('GET', `/v1/visits/${v.body.id}`)).body;
        return r.status === 'provisioning';
      });
      await new Promise((r) => setTimeout(r, 800));
      await env.api.temporal.workflow.getHandle(`visit-${v.body.id}`).cancel();
      const done = await env.waitFor(v.body.id, 'completed', 30_000);
      expect(done.timeline.at(-1).detail).toMatch(/cancelled by an operator/);
    } finally {
      await env.simCall('PUT', '/__sim/faults', { latencyMs: 0 });
    }
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
    expect(await badgeInUse(env, badgeId)).toBe(false);
  });

  it('after Terminate in the Temporal UI, a sign-out still switches the badge off and releases it', async () => {
    const uniqueId = String(base + 6);
    const badgeId = await env.addBadge(uniqueId);
    const v = await env.signIn(badgeId, { firstName: 'Termi', lastName: 'Nated' });
    await env.waitFor(v.body.id, 'active');
    await env.api.temporal.workflow.getHandle(`visit-${v.body.id}`).terminate('operator pressed Terminate');
    const out = await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    expect(out.status).toBe(202);
    const done = await env.waitFor(v.body.id, 'completed');
    expect(done.timeline.at(-1).detail).toMatch(/signed out by Rita Reception; the visit workflow had already closed/);
    expect(done.timeline.at(-1).actor).toEqual({ type: 'user', id: env.receptionist.id, name: 'Rita Reception' });
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
    expect(await badgeInUse(env, badgeId)).toBe(false);
  });

  it('a switch-off that finished and is run again (its answer lost, Temporal retrying) writes nothing twice', async () => {
    const uniqueId = String(base + 9);
    const badgeId = await env.addBadge(uniqueId);
    const v = await env.signIn(badgeId, { firstName: 'Lost', lastName: 'Answer' });
    await env.waitFor(v.body.id, 'active');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    const done = await env.waitFor(v.body.id, 'completed');
    const { runId, workflowId } = await env.api.temporal.workflow.getHandle(`visit-${v.body.id}`).describe();
    // The ending's own activity, once more, as a retry of the same ending in the same run would run it.
    const acts = createVisitPacsActivities({ db: env.api.db.prisma, pacs: env.worker.pacs, logger: createLogger('silent'), secretsKey: env.api.secretsKey });
    await new MockActivityEnvironment({ workflowExecution: { workflowId, runId } }).run(acts.switchOffAndComplete, {
      visitId: v.body.id,
      ending: 1,
      announce: { detail: 'signed out', actor: { userId: env.receptionist.id } },
      completed: { detail: `badge ${uniqueId} released (signed out)`, actor: { userId: env.receptionist.id } },
    });
    const again = (await env.api.call('GET', `/v1/visits/${v.body.id}`)).body;
    const statuses = (t: Array<{ status: string; detail?: string }>) => t.filter((e) => !/requested/.test(e.detail ?? '')).map((e) => e.status);
    expect(statuses(again.timeline)).toEqual(statuses(done.timeline));
    expect(statuses(again.timeline).filter((s: string) => s === 'deprovisioning' || s === 'completed')).toEqual(['deprovisioning', 'completed']);
    expect(again.status).toBe('completed');
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
    expect(await badgeInUse(env, badgeId)).toBe(false);
  });
});

describe('roll-back that cannot reach the PACS (OnGuard)', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('onguard');
  }, 120_000);
  afterAll(() => env?.close());

  it('shows that it is switching the half-issued credential off and why it cannot yet, then fails the provision with the first reason', async () => {
    const uniqueId = '1650';
    const badgeId = await env.addBadge(uniqueId);
    // Granting access is refused (a validation error only a person can fix): the third create of the
    // sign-in, after the visitor's and the badge's...
    await env.simCall('POST', '/__sim/next-error', {
      mode: 'before',
      status: 400,
      code: 'openaccess.general.invalidrequestitem',
      message: 'Access level assignment refused.',
      path: '/instances',
      method: 'POST',
      skip: 2,
      count: 1,
    });
    // ...and so is every attempt to switch the credential off again (badge updates), for a while.
    await env.simCall('POST', '/__sim/next-error', {
      mode: 'before',
      status: 503,
      code: 'openaccess.general.internalerror',
      message: 'Down for maintenance.',
      path: '/instances',
      method: 'PUT',
      count: 1000,
    });
    try {
      const v = await env.signIn(badgeId, { firstName: 'Half', lastName: 'Issued', email: 'half.issued@example.com' });
      const stuck = await until('a reported roll-back failure', async () => {
        const r = (await env.api.call('GET', `/v1/visits/${v.body.id}`)).body;
        return r.lastError?.during === 'switching off the half-issued credential' && r;
      });
      expect(stuck.status).toBe('provisioning');
      expect(stuck.lastError.message).toMatch(/Down for maintenance/);
      expect(stuck.lastError.attempts).toBeGreaterThanOrEqual(1);
      expect(stuck.timeline.at(-1).detail).toMatch(/could not finish switching off the half-issued credential yet/);
      await env.simCall('DELETE', '/__sim/next-error');
      const failed = await env.waitFor(v.body.id, 'provision_failed');
      expect(failed.lastError.code).toBe('PACS_VALIDATION');
      expect((await pacsBadge(env, uniqueId)).active).toBe(false);
      await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
      await env.waitFor(v.body.id, 'completed');
    } finally {
      await env.simCall('DELETE', '/__sim/next-error');
    }
  });
});

describe('a worker process killed (SIGKILL) mid-provision', () => {
  let env: VisitEnv;
  const pacsQueue = `pacs-${crypto.randomBytes(4).toString('hex')}`;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    env = await startVisitEnv('onguard');
    // From now on this provider's PACS calls go to a queue only the worker processes below serve.
    const r = await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { taskQueue: pacsQueue } });
    if (r.status !== 200) throw new Error(`provider task queue: ${r.status} ${JSON.stringify(r.body)}`);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await env?.close();
  });

  it('has another worker take over the PACS call within seconds', async () => {
    const uniqueId = '1660';
    const badgeId = await env.addBadge(uniqueId);
    const spawnWorker = () => {
      const w = startWorkerProcess({ databaseUrl: env.api.db.url, secretsKey: env.api.secretsKey, taskQueues: [pacsQueue] });
      workers.push(w);
      return w;
    };
    const doomed = spawnWorker();
    await doomed.ready;
    // A slow PACS, so the worker dies with a call in flight.
    await env.simCall('PUT', '/__sim/faults', { latencyMs: 1500 });
    const v = await env.signIn(badgeId, { firstName: 'Killed', lastName: 'Worker', email: 'killed.worker@example.com' });
    // Once the visitor exists in the PACS the next check starts at once on the only worker, and takes at
    // least one slow request: kill the worker inside it.
    await until('the visitor created in the PACS', async () => {
      const row = await env.api.db.prisma.visit.findUnique({ where: { id: v.body.id }, select: { pacsRefs: true } });
      return Boolean((row?.pacsRefs as { personId?: string } | null)?.personId);
    });
    await new Promise((r) => setTimeout(r, 400));
    await doomed.kill();
    const killedAt = Date.now();
    await env.simCall('PUT', '/__sim/faults', { latencyMs: 0 });
    // Its replacement starts only now, so the in-flight call was certainly the killed worker's. Before
    // heartbeats it came back after the 1-minute start-to-close timeout.
    const survivor = spawnWorker();
    await survivor.ready;
    const startedMs = Date.now() - killedAt;
    await env.waitFor(v.body.id, 'active', 40_000);
    const recoveryMs = Date.now() - killedAt;
    console.log(`[measure] SIGKILL of a worker mid-provision → visit active ${recoveryMs} ms later (the replacement worker took ${startedMs} ms to start)`);
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ exists: true, active: true, count: 1 });
    // The kill did hit a PACS call: that activity ran a second time, on the replacement.
    const history = await env.api.temporal.workflow.getHandle(`visit-${v.body.id}`).fetchHistory();
    const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried.length).toBeGreaterThan(0);
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
  }, 120_000);
});

describe('a switch-off that keeps failing for long (OnGuard, history limit lowered)', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('onguard', { timing: { deprovisionInitialIntervalMs: 100, deprovisionMaxIntervalMs: 200, continueAsNewAfterEvents: 60 } });
  }, 120_000);
  afterAll(() => env?.close());

  it('continues as a new run with its attempt count, and completes once the PACS is back', async () => {
    const badgeId = await env.addBadge('1670');
    const v = await env.signIn(badgeId, { firstName: 'Long', lastName: 'Outage' });
    await env.waitFor(v.body.id, 'active');
    const handle = env.api.temporal.workflow.getHandle(`visit-${v.body.id}`);
    const firstRun = (await handle.describe()).runId;
    await env.simCall('PUT', '/__sim/faults', { outage: true });
    try {
      await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
      await until('a second run', async () => (await handle.describe()).runId !== firstRun);
      const stuck = await until('attempts carried over', async () => {
        const r = (await env.api.call('GET', `/v1/visits/${v.body.id}`)).body;
        return r.lastError?.attempts > 8 && r;
      });
      expect(stuck.status).toBe('deprovisioning');
    } finally {
      await env.simCall('PUT', '/__sim/faults', { outage: false });
    }
    const done = await env.waitFor(v.body.id, 'completed');
    expect(done.timeline.at(-1).detail).toMatch(/signed out/);
    // The outage is history once the badge is off, whichever run's attempt succeeded.
    expect(done.lastError ?? null).toBeNull();
    expect((await pacsBadge(env, '1670')).active).toBe(false);
    expect(await badgeInUse(env, badgeId)).toBe(false);
  });
});

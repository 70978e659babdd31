import { pacsBadge, pacsPeopleNamed } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';
import { MockActivityEnvironment } from '@temporalio/testing';
import { SA } from '../../src/workflows/search-attributes';
import { createVisitBookkeepingActivities } from '../../src/activities/visit';
import type { ActivityDeps } from '../../src/activities';

// The happy path through the API, a real Temporal server and each simulator over HTTP.
describe.each(['onguard', 'genetec'] as const)('visit lifecycle on %s', (kind) => {
  let env: VisitEnv;
  const base = kind === 'onguard' ? 1100 : 2100;
  beforeAll(async () => {
    env = await startVisitEnv(kind);
  }, 120_000);
  afterAll(() => env?.close());

  it('switches the badge on at sign-in and off at sign-out, then the badge can be reused', async () => {
    const uniqueId = String(base + 1);
    const badgeId = await env.addBadge(uniqueId);
    const t0 = Date.now();
    const created = await env.signIn(badgeId);
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('provisioning');
    const active = await env.waitFor(created.body.id, 'active');
    const signInToActiveMs = Date.now() - t0;
    console.log(`[measure] ${kind}: sign-in → badge active in ${signInToActiveMs} ms`);

    const on = await pacsBadge(env, uniqueId);
    expect(on).toMatchObject({ exists: true, active: true, count: 1 });
    expect(on.access.length).toBeGreaterThan(0);
    // The hard expiry is written into the PACS: the end of the location's day.
    expect(on.expiresAt).toBeDefined();
    expect(Math.abs(Date.parse(on.expiresAt!) - Date.parse(active.endsAt))).toBeLessThan(61_000);
    expect(active.timeline.map((e: { status: string }) => e.status)).toEqual(['provisioning', 'active']);

    // The badge is held: a second sign-in with it is refused.
    const taken = await env.signIn(badgeId, { firstName: 'Other', lastName: 'Person' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('BADGE_IN_USE');

    const out = await env.api.call('POST', `/v1/visits/${created.body.id}/sign-out`, { token: env.receptionist.token });
    expect(out.status).toBe(202);
    const done = await env.waitFor(created.body.id, 'completed');
    expect(done.timeline.at(-1).detail).toMatch(/signed out/);
    const off = await pacsBadge(env, uniqueId);
    expect(off.active).toBe(false);
    expect(off.access).toEqual([]);

    // Back in the pool: the next visitor gets the same card, active again.
    const next = await env.signIn(badgeId, { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' });
    expect(next.status).toBe(202);
    await env.waitFor(next.body.id, 'active');
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ exists: true, active: true });
    await env.api.call('POST', `/v1/visits/${next.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(next.body.id, 'completed');
  });

  it('honours Idempotency-Key: the same key returns the same visit and starts one workflow', async () => {
    const badgeId = await env.addBadge(String(base + 2));
    const headers = { 'idempotency-key': `guestbook-signin-${kind}-42` };
    const [a, b] = await Promise.all([
      env.signIn(badgeId, { firstName: 'Idem', lastName: 'Potent' }, headers),
      env.signIn(badgeId, { firstName: 'Idem', lastName: 'Potent' }, headers),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.id).toBe(b.body.id);
    const c = await env.signIn(badgeId, { firstName: 'Idem', lastName: 'Potent' }, headers);
    expect(c.body.id).toBe(a.body.id);
    const runs = [];
    for await (const wf of env.api.temporal.workflow.list({ query: `VisitId = "${a.body.id}"` })) runs.push(wf);
    expect(runs).toHaveLength(1);
    await env.waitFor(a.body.id, 'active');
    expect(await pacsPeopleNamed(env, 'Potent')).toBe(1);
    await env.api.call('POST', `/v1/visits/${a.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(a.body.id, 'completed');
  });

  it('answers sign-in and sign-out in one call each with Prefer: wait', async () => {
    const uniqueId = String(base + 5);
    const badgeId = await env.addBadge(uniqueId);
    const r = await env.signIn(badgeId, { firstName: 'One', lastName: 'Call' }, { prefer: 'wait=20' });
    expect(r.status).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('wait=20');
    expect(r.body.status).toBe('active');
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ exists: true, active: true });
    const out = await env.api.call('POST', `/v1/visits/${r.body.id}/sign-out`, { token: env.receptionist.token, headers: { prefer: 'wait=20' } });
    expect(out.status).toBe(200);
    expect(out.body.status).toBe('completed');
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);

    // A provision that fails answers with its reason, in the same call.
    const taken = await env.signIn(await env.addBadge('1500'), { firstName: 'Blocked', lastName: 'Card' }, { prefer: 'wait=20' });
    expect(taken.status).toBe(201);
    expect(taken.body.status).toBe('provision_failed');
    expect(taken.body.lastError.code).toBe('BADGE_ALREADY_ASSIGNED');
    await env.api.call('POST', `/v1/visits/${taken.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(taken.body.id, 'completed');
  });

  it('lets exactly one of many concurrent sign-ins take a badge', async () => {
    const badgeId = await env.addBadge(String(base + 3));
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => env.signIn(badgeId, { firstName: 'Racer', lastName: `No${i}` })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    const winner = results.find((r) => r.status === 202)!.body.id;
    await env.waitFor(winner, 'active');
    await env.api.call('POST', `/v1/visits/${winner}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(winner, 'completed');
  });

  it('is findable in Temporal by search attributes and answers the state query', async () => {
    const uniqueId = String(base + 4);
    const badgeId = await env.addBadge(uniqueId);
    const v = await env.signIn(badgeId, { firstName: 'Search', lastName: 'Able' });
    await env.waitFor(v.body.id, 'active');
    // Visibility is eventually consistent (the status is recorded in our database in the same workflow
    // task that upserts the search attribute): give it a moment, as an operator's refresh would.
    let found: string[] = [];
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      found = [];
      for await (const wf of env.api.temporal.workflow.list({ query: `VisitBadgeNumber = "${uniqueId}" AND VisitStatus = "active"` }))
        found.push(wf.workflowId);
      if (found.includes(`visit-${v.body.id}`)) break;
    }
    expect(found).toContain(`visit-${v.body.id}`);
    // Every attribute comes with the start, so the workflow does not upsert them again (one event fewer per visit).
    const handle = env.api.temporal.workflow.getHandle(`visit-${v.body.id}`);
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(SA.providerId)).toBe(v.body.providerId);
    expect(attributes.get(SA.badgeId)).toBe(badgeId);
    const history = await handle.fetchHistory();
    const upserts = (history.events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes);
    const upsertedFields = upserts.map((e) => JSON.stringify(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));
    expect(upsertedFields.some((f) => f.includes('VisitProviderId'))).toBe(false);
    const state = await env.api.temporal.workflow.getHandle(`visit-${v.body.id}`).query<{ status: string; endsAt: string }>('state');
    expect(state.status).toBe('active');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');
  });

  it('records a status once when its local activity is retried after the first attempt committed', async () => {
    const badgeId = await env.addBadge(String(base + 9));
    const v = await env.signIn(badgeId, { firstName: 'Twice', lastName: 'Recorded' });
    await env.waitFor(v.body.id, 'active');
    const bookkeeping = createVisitBookkeepingActivities({ db: env.api.db.prisma, logger: console } as unknown as ActivityDeps);
    // The same activity (run and activity ID) twice, as Temporal retries a timed-out attempt that had committed.
    const runTwice = async <A>(activityId: string, fn: (args: A) => Promise<void>, args: A) => {
      const info = { activityId, workflowExecution: { workflowId: `visit-${v.body.id}`, runId: 'retried-run' } };
      for (let i = 0; i < 2; i++) await new MockActivityEnvironment(info).run(fn, args);
    };
    await runTwice('99', bookkeeping.recordVisitStatus, { visitId: v.body.id, status: 'active' as const, detail: 'recorded by a retried step' });
    const timeline = await env.api.db.prisma.visitEvent.findMany({ where: { visitId: v.body.id, key: 'retried-run/99' } });
    expect(timeline).toHaveLength(1);
    expect((await env.api.call('GET', `/v1/visits/${v.body.id}`, { token: env.receptionist.token })).body.status).toBe('active');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');
    // The last step (release-and-complete-v6) retried the same way: one entry, and the badge stays in the pool.
    await runTwice('98', bookkeeping.releaseBadgeAndRecordStatus, { visitId: v.body.id, status: 'completed' as const, detail: 'released again' });
    expect(await env.api.db.prisma.visitEvent.count({ where: { visitId: v.body.id, key: 'retried-run/98' } })).toBe(1);
    expect(await env.api.db.prisma.visitEvent.count({ where: { visitId: v.body.id, status: 'completed' } })).toBe(2);
    const row = await env.api.db.prisma.visit.findUniqueOrThrow({ where: { id: v.body.id }, select: { activeBadgeId: true, status: true } });
    expect(row).toEqual({ activeBadgeId: null, status: 'completed' });
    const again = await env.signIn(badgeId, { firstName: 'Next', lastName: 'Visitor' });
    await env.waitFor(again.body.id, 'active');
    await env.api.call('POST', `/v1/visits/${again.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(again.body.id, 'completed');
  });
});

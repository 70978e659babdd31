import { SA } from '../../src/workflows/search-attributes';
import { pacsBadge } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

// Approval before the doors open (location activation "on-approval"), through the API, a real Temporal
// server and each simulator over HTTP: the PACS holds an inactive credential until someone approves.
describe.each(['onguard', 'genetec'] as const)('approval before the doors open on %s', (kind) => {
  let env: VisitEnv;
  let host: { token: string };
  const base = kind === 'onguard' ? 1400 : 2400;
  beforeAll(async () => {
    env = await startVisitEnv(kind);
    const loc = await env.api.call('PATCH', `/v1/locations/${env.locationId}`, { body: { activation: 'on-approval' } });
    expect(loc.body.activation).toBe('on-approval');
    const u = await env.api.call('POST', '/v1/users', {
      body: { name: 'Hugo Host', email: `hugo-${env.providerId}@example.com`, permissions: ['approveVisits'], allLocations: true },
    });
    expect(u.status).toBe(201);
    host = { token: u.body.token };
  }, 120_000);
  afterAll(() => env?.close());

  it('keeps the setting on the location, refusing values it does not know', async () => {
    const bad = await env.api.call('PATCH', `/v1/locations/${env.locationId}`, { body: { activation: 'whenever' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['activation']);
    expect((await env.api.call('GET', `/v1/locations/${env.locationId}`)).body.activation).toBe('on-approval');
    // New locations badge on sign-in unless told otherwise.
    const fresh = await env.api.call('POST', '/v1/locations', { body: { name: `Fresh ${kind}`, timezone: 'UTC', endOfDay: '18:00' } });
    expect(fresh.body.activation).toBe('on-sign-in');
  });

  const details = (v: { timeline: Array<{ detail?: string }> }) => v.timeline.map((e) => e.detail ?? '').join('\n');
  const visitStatusAttribute = async (visitId: string) =>
    (await env.api.temporal.workflow.getHandle(`visit-${visitId}`).describe()).typedSearchAttributes.get(SA.status);

  it('issues the badge inactive, then switches it on within seconds of the approval', async () => {
    const uniqueId = String(base + 1);
    const badgeId = await env.addBadge(uniqueId);
    // Prefer: wait answers once the sign-in has an outcome: here, waiting for approval.
    const created = await env.signIn(badgeId, undefined, { prefer: 'wait=20' });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('awaiting_approval');
    const visitId = created.body.id;

    // Everything short of activation: the credential exists for this visitor, switched off, no access.
    const waiting = await pacsBadge(env, uniqueId);
    expect(waiting).toMatchObject({ exists: true, active: false, count: 1 });
    expect(waiting.access).toEqual([]);
    expect(waiting.expiresAt).toBeDefined();
    expect(await visitStatusAttribute(visitId)).toBe('awaiting_approval');
    // The host finds what awaits them.
    const awaiting = await env.api.call('GET', `/v1/visits?status=awaiting_approval&locationId=${env.locationId}`, { token: host.token });
    expect(awaiting.body.items.map((v: { id: string }) => v.id)).toContain(visitId);
    // The badge stays reserved while the visit waits.
    const taken = await env.signIn(badgeId, { firstName: 'Other', lastName: 'Person' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('BADGE_IN_USE');

    // Reception cannot approve: that is the host's (or security's) permission.
    expect((await env.api.call('POST', `/v1/visits/${visitId}/approve`, { token: env.receptionist.token })).status).toBe(403);

    const t0 = Date.now();
    const approved = await env.api.call('POST', `/v1/visits/${visitId}/approve`, { token: host.token, headers: { prefer: 'wait=20' } });
    const approveToActiveMs = Date.now() - t0;
    console.log(`[measure] ${kind}: approve → badge active in ${approveToActiveMs} ms`);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('active');
    expect(approveToActiveMs).toBeLessThan(10_000);
    const on = await pacsBadge(env, uniqueId);
    expect(on).toMatchObject({ exists: true, active: true, count: 1 });
    expect(on.access.length).toBeGreaterThan(0);
    expect(approved.body.timeline.map((e: { status: string }) => e.status)).toEqual(['provisioning', 'awaiting_approval', 'provisioning', 'active']);
    expect(details(approved.body)).toMatch(/approved by Hugo Host/);
    expect(await visitStatusAttribute(visitId)).toBe('active');

    // Only a visit awaiting approval can be approved, and the refusal says why.
    const again = await env.api.call('POST', `/v1/visits/${visitId}/approve`, { token: host.token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('VISIT_NOT_AWAITING_APPROVAL');
    expect(again.body.error.message).toMatch(/only a visit awaiting approval/);

    await env.api.call('POST', `/v1/visits/${visitId}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(visitId, 'completed');
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ active: false, access: [] });
  });

  it('closes a denied visit with the reason given, its badge never switched on', async () => {
    const uniqueId = String(base + 2);
    const badgeId = await env.addBadge(uniqueId);
    const created = await env.signIn(badgeId, { firstName: 'Mallory', lastName: 'Watchlist' });
    await env.waitFor(created.body.id, 'awaiting_approval');
    const denied = await env.api.call('POST', `/v1/visits/${created.body.id}/deny`, {
      token: host.token,
      headers: { prefer: 'wait=20' },
      body: { reason: 'on the watchlist' },
    });
    expect(denied.status).toBe(200);
    expect(denied.body.status).toBe('completed');
    expect(denied.body.timeline.at(-1).detail).toMatch(/denied by Hugo Host: on the watchlist/);
    expect(denied.body.timeline.map((e: { status: string }) => e.status)).not.toContain('active');
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ active: false, access: [] });
    // The card is back in the pool.
    expect((await env.api.call('GET', `/v1/badges/${badgeId}`)).body.inUse).toBe(false);
    const late = await env.api.call('POST', `/v1/visits/${created.body.id}/approve`, { token: host.token });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('VISIT_CLOSED');
    expect(late.body.error.message).toMatch(/on the watchlist/);
  });

  it('an operator approves from the Temporal UI: update "approve" with no input', async () => {
    const uniqueId = String(base + 5);
    const badgeId = await env.addBadge(uniqueId);
    const created = await env.signIn(badgeId, { firstName: 'Ops', lastName: 'Approved' });
    await env.waitFor(created.body.id, 'awaiting_approval');
    const handle = env.api.temporal.workflow.getHandle(`visit-${created.body.id}`);
    // What the UI's "Send an Update" does: the update by name, input left empty.
    expect(await handle.executeUpdate('approve')).toEqual({ status: 'active' });
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ active: true });
    // The same validator refuses a second one, as the UI shows.
    const refused = await handle.executeUpdate('deny', { args: [{ reason: 'too late' }] }).catch((e: { cause?: Error }) => e);
    expect((refused as { cause?: Error }).cause?.message).toMatch(/The visit is active; only a visit awaiting approval can be denied/);
    await env.api.call('POST', `/v1/visits/${created.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(created.body.id, 'completed');
  });

  it('an approval the PACS cannot carry out rolls back to provision_failed; a retry switches the badge on', async () => {
    const uniqueId = String(base + 6);
    const badgeId = await env.addBadge(uniqueId);
    const created = await env.signIn(badgeId, { firstName: 'Outage', lastName: 'Approved' });
    const visitId = created.body.id;
    await env.waitFor(visitId, 'awaiting_approval');
    await env.simCall('PUT', '/__sim/faults', { outage: true });
    try {
      const approved = await env.api.call('POST', `/v1/visits/${visitId}/approve`, { token: host.token, headers: { prefer: 'wait=1' } });
      expect(approved.status).toBe(202);
      expect(approved.body.status).toBe('provisioning');
      // Activation failed; switching the half-activated credential off waits for the PACS, and says so.
      const deadline = Date.now() + 20_000;
      let v: any;
      while (Date.now() < deadline && !/half-activated/.test((v = (await env.api.call('GET', `/v1/visits/${visitId}`)).body).lastError?.during ?? '')) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(v.status).toBe('provisioning');
      expect(v.lastError.during).toMatch(/half-activated/);
    } finally {
      await env.simCall('PUT', '/__sim/faults', { outage: false });
    }
    const failed = await env.waitFor(visitId, 'provision_failed');
    expect(failed.lastError.code).toEqual(expect.any(String));
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ active: false, access: [] });
    // The approval stands: the retry issues the badge active, with no second approval.
    expect((await env.api.call('POST', `/v1/visits/${visitId}/retry`, { token: env.receptionist.token })).status).toBe(202);
    await env.waitFor(visitId, 'active');
    const on = await pacsBadge(env, uniqueId);
    expect(on.active).toBe(true);
    expect(on.access.length).toBeGreaterThan(0);
    await env.api.call('POST', `/v1/visits/${visitId}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(visitId, 'completed');
  });

  it('a sign-out while awaiting approval switches everything off and closes the visit', async () => {
    const uniqueId = String(base + 3);
    const badgeId = await env.addBadge(uniqueId);
    const created = await env.signIn(badgeId, { firstName: 'Impatient', lastName: 'Visitor' });
    await env.waitFor(created.body.id, 'awaiting_approval');
    await env.api.call('POST', `/v1/visits/${created.body.id}/sign-out`, { token: env.receptionist.token });
    const done = await env.waitFor(created.body.id, 'completed');
    expect(details(done)).toMatch(/signed out/);
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ active: false, access: [] });
  });

  it('the end of the day closes an unapproved visit; a later approval is refused and the badge stays off', async () => {
    await env.restartWorker({ visitDurationOverrideMs: 6_000 });
    try {
      const uniqueId = String(base + 4);
      const badgeId = await env.addBadge(uniqueId);
      const created = await env.signIn(badgeId, { firstName: 'Late', lastName: 'Approval' });
      await env.waitFor(created.body.id, 'awaiting_approval');
      const done = await env.waitFor(created.body.id, 'completed', 30_000);
      expect(done.timeline.at(-1).detail).toMatch(/end of day before anyone approved the visit/);

      const late = await env.api.call('POST', `/v1/visits/${created.body.id}/approve`, { token: host.token });
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('VISIT_DAY_OVER');
      expect(late.body.error.message).toMatch(/day ended/);
      const off = await pacsBadge(env, uniqueId);
      expect(off.active).toBe(false);
      expect(off.access).toEqual([]);
    } finally {
      await env.restartWorker({});
    }
  });
  it('tells the guestbook (webhooks) and the audit log who approved and who denied', async () => {
    const rx = await startWebhookReceiver();
    const hook = await env.api.call('POST', '/v1/webhooks', {
      body: { url: rx.url, eventTypes: ['visit.awaiting_approval', 'visit.active', 'visit.completed'], locationIds: [env.locationId] },
    });
    expect(hook.status).toBe(201);
    rx.setSecret(hook.body.secret);
    try {
      const approvedBadge = await env.addBadge(String(base + 8));
      const deniedBadge = await env.addBadge(String(base + 9));
      const a = (await env.signIn(approvedBadge, { firstName: 'Ada', lastName: 'Approved' }, { prefer: 'wait=20' })).body;
      const d = (await env.signIn(deniedBadge, { firstName: 'Dan', lastName: 'Denied' }, { prefer: 'wait=20' })).body;
      const of = (visitId: string) => rx.accepted().filter((r) => r.body?.data?.visitId === visitId);
      await rx.until('both visits announced as awaiting approval', () => of(a.id).length >= 1 && of(d.id).length >= 1);
      expect(of(a.id).map((r) => r.type)).toEqual(['visit.awaiting_approval']);

      expect((await env.api.call('POST', `/v1/visits/${a.id}/approve`, { token: host.token, headers: { prefer: 'wait=20' } })).body.status).toBe('active');
      expect(
        (await env.api.call('POST', `/v1/visits/${d.id}/deny`, { token: host.token, headers: { prefer: 'wait=20' }, body: { reason: 'not expected' } })).body
          .status,
      ).toBe('completed');
      await rx.until('the approved visit active', () => of(a.id).some((r) => r.type === 'visit.active'));
      const completed = await rx.until('the denied visit completed', () => of(d.id).find((r) => r.type === 'visit.completed'));
      expect(completed.body.data.reason).toBe('denied');

      // The timeline names the host on the approval and the denial (the audit log keeps the same entries).
      const approved = (await env.api.call('GET', `/v1/visits/${a.id}`)).body;
      expect(approved.timeline.find((e: { detail?: string }) => /approved by Hugo Host/.test(e.detail ?? ''))?.actor).toMatchObject({ name: 'Hugo Host' });
      const audit = await env.api.call('GET', `/v1/audit?entityType=visit&entityId=${d.id}`);
      expect(audit.status).toBe(200);
      expect(audit.body.items.map((e: { actor: { name: string } }) => e.actor.name)).toContain('Hugo Host');
      await env.api.call('POST', `/v1/visits/${a.id}/sign-out`, { token: env.receptionist.token });
      await env.waitFor(a.id, 'completed');
    } finally {
      await env.api.call('DELETE', `/v1/webhooks/${hook.body.id}`);
      await rx.close();
    }
  });
});

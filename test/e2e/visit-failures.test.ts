import { genetecEntities, pacsBadge, pacsPeopleNamed } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';

/**
 * Each of the seeds' "Cannot provision a badge" checks, made to fail in the OnGuard simulator: the visit
 * stops at provision_failed with the specific reason, an operator fixes the PACS and retries, and the
 * badge ends active. Then the failure modes of the lifecycle itself: end of day, an outage while
 * switching off, and a worker killed mid-provision.
 */
const visitorType = (over: Record<string, unknown>) => ({
  ID: 2,
  Name: 'Visitor',
  BADGETYPECLASS: 3,
  manualEntry: true,
  idRange: { min: 1000, max: 1999 },
  ...over,
});

describe('provisioning checks and operator retry (OnGuard)', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('onguard');
  }, 120_000);
  afterAll(() => env?.close());
  afterEach(async () => {
    await env.simCall('DELETE', '/__sim/faults');
    await env.simCall('POST', '/__sim/seed', { badgeTypes: [visitorType({})] });
  });

  async function failsWith(badgeId: string, code: string, visitor?: Record<string, unknown>) {
    const v = await env.signIn(badgeId, visitor);
    expect(v.status).toBe(202);
    const failed = await env.waitFor(v.body.id, 'provision_failed');
    expect(failed.lastError.code).toBe(code);
    return failed;
  }

  async function retryToActive(visitId: string) {
    const r = await env.api.call('POST', `/v1/visits/${visitId}/retry`, { token: env.receptionist.token });
    expect(r.status).toBe(202);
    return env.waitFor(visitId, 'active');
  }

  async function signOut(visitId: string) {
    await env.api.call('POST', `/v1/visits/${visitId}/sign-out`, { token: env.receptionist.token });
    return env.waitFor(visitId, 'completed');
  }

  it('badge already assigned to a cardholder: says whose, and succeeds once it is removed in the PACS', async () => {
    const badgeId = await env.addBadge('1500');
    const failed = await failsWith(badgeId, 'BADGE_ALREADY_ASSIGNED');
    expect(failed.lastError.message).toMatch(/1500/);
    expect(failed.lastError.message).toMatch(/remove it from that person/);
    // Nothing was issued for our visitor.
    expect((await pacsBadge(env, '1500')).count).toBe(1);
    const state = await env.simCall('GET', '/__sim/state');
    const badges = (state.instances.Lnl_Badge as Array<{ ID: number }>).filter((b) => b.ID !== 1500);
    await env.simCall('POST', '/__sim/seed', { replace: true, badges });
    await retryToActive(failed.id);
    expect(await pacsBadge(env, '1500')).toMatchObject({ exists: true, active: true });
    await signOut(failed.id);
  });

  it('visitor already holds an active badge: names it, and succeeds once it is deactivated', async () => {
    const badgeId = await env.addBadge('1201');
    const failed = await failsWith(badgeId, 'VISITOR_HAS_ACTIVE_BADGE', { firstName: 'Victor', lastName: 'Visitor', email: 'victor.visitor@example.com' });
    expect(failed.lastError.message).toMatch(/5001/);
    expect((await pacsBadge(env, '1201')).exists).toBe(false);
    await env.simCall('POST', '/__sim/seed', { badges: [{ BADGEKEY: 12997, ID: 5001, PERSONID: 3, TYPE: 3, STATUS: 2 }] });
    await retryToActive(failed.id);
    await signOut(failed.id);
  });

  it('badge ID outside the type’s range in the PACS', async () => {
    const badgeId = await env.addBadge('1202');
    await env.simCall('POST', '/__sim/seed', { badgeTypes: [visitorType({ idRange: { min: 1000, max: 1100 } })] });
    const failed = await failsWith(badgeId, 'BADGE_ID_OUT_OF_RANGE');
    expect(failed.lastError.message).toMatch(/1000.1100/);
    await env.simCall('POST', '/__sim/seed', { badgeTypes: [visitorType({})] });
    await retryToActive(failed.id);
    await signOut(failed.id);
  });

  it('badge type not set to Manual Entry; retried by an operator with the `retry` signal from the Temporal UI', async () => {
    const badgeId = await env.addBadge('1203');
    await env.simCall('POST', '/__sim/seed', { badgeTypes: [visitorType({ manualEntry: false })] });
    const failed = await failsWith(badgeId, 'BADGE_TYPE_NOT_MANUAL');
    expect(failed.lastError.message).toMatch(/Manual Entry/);
    await env.simCall('POST', '/__sim/seed', { badgeTypes: [visitorType({})] });
    // What the UI's "Send a Signal" does: name `retry`, no input.
    await env.api.temporal.workflow.getHandle(`visit-${failed.id}`).signal('retry');
    const active = await env.waitFor(failed.id, 'active');
    expect(active.timeline.map((e: { status: string }) => e.status)).toEqual(['provisioning', 'provision_failed', 'provisioning', 'active']);
    await signOut(failed.id);
  });

  it('switches a badge off at once on "deprovision now" (a lost badge)', async () => {
    const badgeId = await env.addBadge('1207');
    const v = await env.signIn(badgeId, { firstName: 'Lost', lastName: 'Badge' });
    await env.waitFor(v.body.id, 'active');
    const r = await env.api.call('POST', `/v1/visits/${v.body.id}/deprovision`, { token: env.receptionist.token });
    expect(r.status).toBe(202);
    const done = await env.waitFor(v.body.id, 'completed');
    expect(done.timeline.at(-1).detail).toMatch(/deprovisioned on request/);
    expect((await pacsBadge(env, '1207')).active).toBe(false);
  });

  it('honours a sign-out that arrives while the badge is still being provisioned', async () => {
    const badgeId = await env.addBadge('1208');
    await env.simCall('PUT', '/__sim/faults', { latencyMs: 150 });
    const v = await env.signIn(badgeId, { firstName: 'Quick', lastName: 'Exit' });
    const out = await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    expect(out.status).toBe(202);
    expect(out.body.status).toBe('provisioning');
    const done = await env.waitFor(v.body.id, 'completed', 30_000);
    expect(done.timeline.at(-1).detail).toMatch(/signed out/);
    expect((await pacsBadge(env, '1208')).active).toBe(false);
  });

  it('badge type deleted in the PACS; signing out a failed visit closes it cleanly', async () => {
    const badgeId = await env.addBadge('1204');
    const state = await env.simCall('GET', '/__sim/state');
    const others = (state.instances.Lnl_BadgeType as Array<{ ID: number }>).filter((t) => t.ID !== 2);
    await env.simCall('POST', '/__sim/seed', { replace: true, badgeTypes: others });
    const failed = await failsWith(badgeId, 'BADGE_TYPE_MISSING');
    expect(failed.lastError.message).toMatch(/refresh/i);
    const closed = await signOut(failed.id);
    expect(closed.lastError.code).toBe('BADGE_TYPE_MISSING');
    // The badge went back to the pool.
    const badges = await env.api.call('GET', `/v1/providers/${env.providerId}/badges`);
    expect(badges.body.items.find((b: { id: string }) => b.id === badgeId).inUse).toBe(false);
  });

  it('access level deleted in the PACS: the precheck names it, and the visit succeeds once it is back', async () => {
    const badgeId = await env.addBadge('1209');
    const rules = (await env.api.call('GET', `/v1/providers/${env.providerId}/access-rules`)).body.items as Array<{
      id: string;
      externalId: string;
      name: string;
    }>;
    const rule = rules.find((r) => r.id === env.accessRuleIds[0])!;
    const state = await env.simCall('GET', '/__sim/state');
    const levels = state.instances.Lnl_AccessLevel as Array<{ ID: number }>;
    const level = levels.find((l) => String(l.ID) === rule.externalId)!;
    await env.simCall('POST', '/__sim/seed', { replace: true, accessLevels: levels.filter((l) => l !== level) });
    try {
      const failed = await failsWith(badgeId, 'ACCESS_RULE_MISSING');
      expect(failed.lastError.message).toContain(`"${rule.name}" no longer exist in OnGuard`);
      expect((await pacsBadge(env, '1209')).exists).toBe(false);
      await env.simCall('POST', '/__sim/seed', { accessLevels: [level] });
      await retryToActive(failed.id);
      await signOut(failed.id);
    } finally {
      await env.simCall('POST', '/__sim/seed', { accessLevels: [level] });
    }
  });

  it('refuses to retry a visit that has not failed', async () => {
    const badgeId = await env.addBadge('1205');
    const v = await env.signIn(badgeId, { firstName: 'Not', lastName: 'Failed' });
    await env.waitFor(v.body.id, 'active');
    const r = await env.api.call('POST', `/v1/visits/${v.body.id}/retry`, { token: env.receptionist.token });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('VISIT_NOT_RETRYABLE');
    await signOut(v.body.id);
  });

  it('keeps retrying deprovisioning through a PACS outage and switches the badge off once it is back', async () => {
    const badgeId = await env.addBadge('1206');
    const v = await env.signIn(badgeId, { firstName: 'Out', lastName: 'Age' });
    await env.waitFor(v.body.id, 'active');
    await env.simCall('PUT', '/__sim/faults', { outage: true });
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'deprovisioning');
    await new Promise((r) => setTimeout(r, 3000));
    expect((await env.api.call('GET', `/v1/visits/${v.body.id}`)).body.status).toBe('deprovisioning');
    await env.simCall('PUT', '/__sim/faults', { outage: false });
    await env.waitFor(v.body.id, 'completed', 30_000);
    expect((await pacsBadge(env, '1206')).active).toBe(false);
  });
});

describe('end of day (OnGuard, visit length shortened to 3 s)', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('onguard', { deps: { visitDurationOverrideMs: 3000 } });
  }, 120_000);
  afterAll(() => env?.close());

  it('switches the badge off at the end of the day without a sign-out', async () => {
    const badgeId = await env.addBadge('1301');
    const v = await env.signIn(badgeId, { firstName: 'Late', lastName: 'Leaver' });
    const active = await env.waitFor(v.body.id, 'active');
    expect(Date.parse(active.endsAt) - Date.parse(active.createdAt)).toBeLessThan(10_000);
    const done = await env.waitFor(v.body.id, 'completed', 20_000);
    expect(done.timeline.at(-1).detail).toMatch(/end of day/);
    expect((await pacsBadge(env, '1301')).active).toBe(false);
  });
});

describe('worker killed mid-provision (OnGuard)', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('onguard');
  }, 120_000);
  afterAll(() => env?.close());

  it('completes after a restart with no duplicate visitor or badge in the PACS', async () => {
    const badgeId = await env.addBadge('1401');
    // Slow PACS so that the worker dies with PACS calls in flight.
    await env.simCall('PUT', '/__sim/faults', { latencyMs: 400 });
    await env.simCall('POST', '/__sim/stats/reset');
    const v = await env.signIn(badgeId, { firstName: 'Crash', lastName: 'Survivor', email: 'crash@example.com' });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const stats = await env.simCall('GET', '/__sim/stats');
      if (stats.byRoute && Object.keys(stats.byRoute).some((k) => /instances/i.test(k)) && stats.requests >= 6) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await env.worker.stop();
    await env.simCall('PUT', '/__sim/faults', { latencyMs: 0 });
    await env.restartWorker();
    await env.waitFor(v.body.id, 'active', 60_000);
    expect(await pacsPeopleNamed(env, 'Survivor')).toBe(1);
    expect(await pacsBadge(env, '1401')).toMatchObject({ exists: true, active: true, count: 1 });
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');
  });
});

describe('provisioning checks and operator retry (Genetec)', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('genetec');
  }, 120_000);
  afterAll(() => env?.close());

  it('card number already assigned to a cardholder: names them, and succeeds once the credential is removed in Security Center', async () => {
    const badgeId = await env.addBadge('1500');
    const v = await env.signIn(badgeId, { firstName: 'Gen', lastName: 'Etec' });
    const failed = await env.waitFor(v.body.id, 'provision_failed');
    expect(failed.lastError.code).toBe('BADGE_ALREADY_ASSIGNED');
    expect(failed.lastError.message).toMatch(/Alex Example/);
    // What the site's admin does in Security Center: delete that credential (through the Web SDK here).
    const state = await env.simCall('GET', '/__sim/state');
    const cred = genetecEntities(state).find((e) => e.EntityType === 'Credential' && String(e.Format?.CardId) === '1500');
    const { username, applicationId, password } = env.sim.credentials;
    const del = await fetch(`${env.sim.providerUrl}/entity/${cred.Guid}`, {
      method: 'DELETE',
      headers: { accept: 'text/json', authorization: `Basic ${Buffer.from(`${username};${applicationId}:${password}`).toString('base64')}` },
    });
    expect(((await del.json()) as any).Rsp.Status).toBe('Ok');
    expect((await env.api.call('POST', `/v1/visits/${v.body.id}/retry`, { token: env.receptionist.token })).status).toBe(202);
    await env.waitFor(v.body.id, 'active');
    expect(await pacsBadge(env, '1500')).toMatchObject({ exists: true, active: true, count: 1 });
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');
    expect((await pacsBadge(env, '1500')).active).toBe(false);
  });
});

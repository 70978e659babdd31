import { routeCount, SimHarness, sleep, useClientHarness } from './helpers';

/** Session reuse, renewal before expiry, keepalive when idle, logout, and the bounded connection pool. */
let h: SimHarness;
const clients = useClientHarness((x) => (h = x));

const log = async () => (await h.control('GET', '/requests')).json as Array<{ method: string; path: string; status: number }>;

it('reuses one session for a whole provisioning run', async () => {
  const c = clients.make(h);
  await c.listAccessRules();
  await c.listBadgeTypes();
  const { personId } = await c.findOrCreateVisitor({ visitId: 'v', firstName: 'A', lastName: 'B', email: 'ab@example.com' });
  await c.lookupBadge('1234', { externalId: '2' });
  await c.activeBadgesOf(personId);
  const { credentialId } = await c.issueBadge({
    personId,
    uniqueId: '1234',
    badgeType: { externalId: '2' },
    activateAt: new Date(),
    deactivateAt: new Date(Date.now() + 3_600_000),
  });
  await c.grantAccess({ personId, credentialId, accessRuleExternalIds: ['1', '2', '3'] });
  await c.revokeAccess({ personId, credentialId, accessRuleExternalIds: ['1', '2', '3'] });
  await c.deactivateBadge({ personId, credentialId });
  const stats = (await h.control('GET', '/stats')).json;
  expect(stats.byRoute['POST /authentication']).toBe(1);
  expect(stats.requests).toBeGreaterThan(20);
  expect(c.sessionStats).toEqual({ logins: 1, keepalives: 0, logouts: 0 });
});

it('logs in again shortly before token_expiration_time, without waiting for a 401, and logs the old token out', async () => {
  // Whole seconds: token_expiration_time and the Date header both have one-second resolution.
  await h.control('PUT', '/session', { tokenLifetimeMs: 2_000, idleTimeoutMs: 0 });
  const c = clients.make(h);
  await c.listBadgeTypes();
  // The renewal margin is capped at half a short token's life: after 1.2 s the 2 s token is renewed.
  await sleep(1_200);
  await c.listBadgeTypes();
  const entries = await log();
  expect(entries.filter((e) => e.status === 401)).toEqual([]);
  expect(entries.filter((e) => e.path === '/authentication').map((e) => e.method)).toEqual(['POST', 'POST', 'DELETE']);
  expect(c.sessionStats.logins).toBe(2);
});

it('keeps an idle session alive with GET /keepalive before the server’s inactivity timeout', async () => {
  await h.control('PUT', '/session', { idleTimeoutMs: 600 });
  const c = clients.make(h, {}, { keepaliveIdleMs: 200 });
  await c.listBadgeTypes();
  await sleep(1_300);
  await c.listBadgeTypes();
  expect(c.sessionStats.logins).toBe(1);
  expect(c.sessionStats.keepalives).toBeGreaterThanOrEqual(3);
  expect(await routeCount(h, 'GET /keepalive')).toBe(c.sessionStats.keepalives);
  expect((await log()).filter((e) => e.status === 401)).toEqual([]);
});

it('does not send keepalives while calls keep the session busy', async () => {
  const c = clients.make(h, {}, { keepaliveIdleMs: 1_000 });
  for (let i = 0; i < 8; i++) {
    await c.lookupBadge('1500', { externalId: '2' });
    await sleep(200);
  }
  expect(c.sessionStats.keepalives).toBe(0);
});

it('without keepalives an idle-timed-out session is recovered by one re-login', async () => {
  await h.control('PUT', '/session', { idleTimeoutMs: 300 });
  const c = clients.make(h, {}, { keepaliveIdleMs: 0 });
  await c.listBadgeTypes();
  await sleep(450);
  expect(await c.listBadgeTypes()).toHaveLength(4);
  expect(c.sessionStats.logins).toBe(2);
  expect((await log()).filter((e) => e.status === 401)).toHaveLength(1);
});

it('close() logs out, stops the keepalive timer and ends the server session', async () => {
  const c = clients.make(h, {}, { keepaliveIdleMs: 100 });
  await c.listAccessRules();
  await c.close();
  await sleep(300);
  expect((await h.control('GET', '/session')).json.sessions).toEqual([]);
  expect(await routeCount(h, 'GET /keepalive')).toBe(0);
  expect(await routeCount(h, 'DELETE /authentication')).toBe(1);
});

it('never has more than maxConcurrentRequests requests in flight', async () => {
  const c = clients.make(h, { maxConcurrentRequests: 3 });
  await c.listBadgeTypes();
  await h.control('PUT', '/faults', { latencyMs: 60 });
  await h.control('POST', '/stats/reset');
  const t = Date.now();
  await Promise.all(Array.from({ length: 20 }, (_, i) => c.lookupBadge(String(1000 + i), { externalId: '2' })));
  const elapsed = Date.now() - t;
  const stats = (await h.control('GET', '/stats')).json;
  expect(stats.byRoute['GET /instances']).toBe(20);
  expect(stats.peakConcurrency).toBe(3);
  // 20 requests of 60 ms through 3 connections take at least 7 rounds.
  expect(elapsed).toBeGreaterThanOrEqual(7 * 60 - 20);
});

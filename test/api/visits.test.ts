import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';

// Bad input and authorization on the visit endpoints: 400 with field paths, 403, 404, 409 — never 500.
describe('visits API input and permissions', () => {
  let env: VisitEnv;
  let badgeId: string;
  beforeAll(async () => {
    env = await startVisitEnv('onguard');
    badgeId = await env.addBadge('1601');
  }, 120_000);
  afterAll(() => env?.close());

  const post = (body: unknown, token?: string) => env.api.call('POST', '/v1/visits', { token: token ?? env.receptionist.token, body });
  const valid = () => ({ locationId: env.locationId, badgeId, accessRuleIds: env.accessRuleIds, visitor: { firstName: 'Ada', lastName: 'Lovelace' } });

  it('names every invalid field', async () => {
    const r = await post({ locationId: 'nope', badgeId, accessRuleIds: [], visitor: { firstName: '', email: 'not-an-email' } });
    expect(r.status).toBe(400);
    const paths = r.body.error.details.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['accessRuleIds', 'locationId', 'visitor.email', 'visitor.firstName', 'visitor.lastName']);
  });

  it('rejects malformed JSON and an invalid Idempotency-Key with 400', async () => {
    expect((await env.api.call('POST', '/v1/visits', { token: env.receptionist.token, raw: '{' })).status).toBe(400);
    const r = await env.api.call('POST', '/v1/visits', { token: env.receptionist.token, body: valid(), headers: { 'idempotency-key': 'has space' } });
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0].path).toBe('headers.idempotency-key');
  });

  it('rejects references that do not fit together, with the field at fault', async () => {
    const unknownLocation = await post({ ...valid(), locationId: '00000000-0000-4000-8000-000000000000' });
    expect(unknownLocation.status).toBe(400);
    expect(unknownLocation.body.error.details.issues[0].path).toBe('locationId');
    const other = await env.api.call('POST', '/v1/locations', { body: { name: 'Elsewhere', timezone: 'UTC', endOfDay: '18:00' } });
    // A location the receptionist does not work at answers as if it did not exist.
    const notMine = await post({ ...valid(), locationId: other.body.id });
    expect(notMine.status).toBe(400);
    expect(notMine.body.error.details.issues[0]).toMatchObject({ path: 'locationId', message: expect.stringMatching(/does not exist/) });
    await env.api.call('POST', '/v1/user-groups', { body: { name: 'Elsewhere desk', locationIds: [other.body.id], userIds: [env.receptionist.id] } });
    const wrongPool = await post({ ...valid(), locationId: other.body.id });
    expect(wrongPool.status).toBe(400);
    expect(wrongPool.body.error.details.issues[0].path).toBe('badgeId');
    const unknownRule = await post({ ...valid(), accessRuleIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(unknownRule.status).toBe(400);
    expect(unknownRule.body.error.details.issues[0].path).toBe('accessRuleIds.0');
  });

  it('refuses access rules outside the caller’s user groups', async () => {
    const rules = (await env.api.call('GET', `/v1/providers/${env.providerId}/access-rules`)).body.items as Array<{ id: string }>;
    const notMine = rules.find((r) => !env.accessRuleIds.includes(r.id))!;
    const r = await post({ ...valid(), accessRuleIds: [notMine.id] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/user group/);
    expect(await env.api.db.prisma.visit.count()).toBe(0);
  });

  it('needs provisionBadge to sign in, signOut to sign out, and a view permission to read', async () => {
    const nobody = await env.api.call('POST', '/v1/users', { body: { name: 'No Perms', email: 'noperms@example.com', permissions: [] } });
    expect((await post(valid(), nobody.body.token)).status).toBe(403);
    expect((await env.api.call('GET', '/v1/visits', { token: nobody.body.token })).status).toBe(403);
    const v = await post(valid());
    expect(v.status).toBe(202);
    expect((await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: nobody.body.token })).status).toBe(403);
    const viewer = await env.api.call('POST', '/v1/users', { body: { name: 'Viewer', email: 'viewer@example.com', permissions: ['viewVisits'] } });
    // A viewer works at the locations of their user groups: this one names the location explicitly.
    await env.api.call('POST', '/v1/user-groups', { body: { name: 'Viewers', locationIds: [env.locationId], userIds: [viewer.body.id] } });
    const listed = await env.api.call('GET', `/v1/visits?locationId=${env.locationId}&status=provisioning`, { token: viewer.body.token });
    expect(listed.status).toBe(200);
    await env.waitFor(v.body.id, 'active');
    const active = await env.api.call('GET', `/v1/visits?status=active`, { token: viewer.body.token });
    expect(active.body.items.map((x: { id: string }) => x.id)).toContain(v.body.id);
    expect((await env.api.call('GET', '/v1/visits?status=bogus', { token: viewer.body.token })).status).toBe(400);
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');
    // Signing out twice is harmless.
    const again = await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('completed');
  });

  it('answers 404 for an unknown visit and 400 for a malformed ID', async () => {
    expect((await env.api.call('GET', '/v1/visits/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await env.api.call('GET', '/v1/visits/123')).status).toBe(400);
    expect((await env.api.call('POST', '/v1/visits/00000000-0000-4000-8000-000000000000/retry')).status).toBe(404);
  });

  it('never returns or logs the PACS password', async () => {
    const everything = JSON.stringify(await env.api.call('GET', `/v1/visits`)) + env.api.logs.join('');
    expect(everything).not.toContain(env.sim.credentials.password);
  });
});

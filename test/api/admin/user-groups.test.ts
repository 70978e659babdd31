import { startTestApi, type TestApi } from '../../helpers/api';
import { createLocation, createProvider, createUser, ok, onguardBody, seedCatalog, STANDARD_RULES } from './helpers';

describe('user groups', () => {
  let api: TestApi;
  let berlin: Awaited<ReturnType<typeof seedCatalog>>;
  let paris: Awaited<ReturnType<typeof seedCatalog>>;
  let rita: { id: string };
  let sam: { id: string };

  beforeAll(async () => {
    api = await startTestApi();
    const b = await createLocation(api, 'Berlin HQ');
    const p = await createLocation(api, 'Paris Office');
    berlin = await seedCatalog(api, (await createProvider(api, b.id)).id, { accessRules: STANDARD_RULES });
    paris = await seedCatalog(api, (await createProvider(api, p.id, onguardBody({ name: 'Paris OnGuard' }))).id, {
      accessRules: [{ externalId: '10', name: 'Lobby' }],
    });
    rita = await createUser(api, 'Rita', ['provisionBadge']);
    sam = await createUser(api, 'Sam', ['provisionBadge']);
  });
  afterAll(() => api.close());

  it('creates a group with rules from several locations, shown as "Location — rule"', async () => {
    const r = await api.call('POST', '/v1/user-groups', {
      body: { name: 'Reception', accessRuleIds: [berlin.rule('10'), paris.rule('10'), berlin.rule('10')], userIds: [rita.id] },
    });
    expect(r.status).toBe(201);
    expect(r.body.name).toBe('Reception');
    expect(r.body.accessRules.map((x: { displayName: string }) => x.displayName)).toEqual(['Berlin HQ — Lobby', 'Paris Office — Lobby']);
    expect(r.body.accessRules[0]).toMatchObject({ status: 'active', locationName: 'Berlin HQ', externalId: '10' });
    expect(r.body.accessRuleIds).toHaveLength(2);
    expect(r.body.userIds).toEqual([rita.id]);
    expect(r.body.users[0]).toMatchObject({ id: rita.id, name: 'Rita' });
    expect(r.body.hasMissingAccessRules).toBe(false);
    expect(ok(await api.call('GET', `/v1/user-groups/${r.body.id}`), 'get').accessRules).toHaveLength(2);
    expect(ok(await api.call('GET', '/v1/user-groups'), 'list').items.map((g: { id: string }) => g.id)).toContain(r.body.id);
  });

  it('rejects unknown rule and user ids naming the index, and malformed ids', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const r = await api.call('POST', '/v1/user-groups', { body: { name: 'Bad', accessRuleIds: [berlin.rule('11'), unknown], userIds: [rita.id, unknown] } });
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['accessRuleIds.1', 'userIds.1']);
    const m = await api.call('POST', '/v1/user-groups', { body: { name: 'Bad', accessRuleIds: ['nope'] } });
    expect(m.status).toBe(400);
    expect(m.body.error.details.issues[0].path).toBe('accessRuleIds.0');
    const noName = await api.call('POST', '/v1/user-groups', { body: { accessRuleIds: [] } });
    expect(noName.status).toBe(400);
    expect(noName.body.error.details.issues[0].path).toBe('name');
  });

  it('refuses duplicate names (409)', async () => {
    ok(await api.call('POST', '/v1/user-groups', { body: { name: 'Security', accessRuleIds: [], userIds: [] } }), 'create');
    const dup = await api.call('POST', '/v1/user-groups', { body: { name: 'Security', accessRuleIds: [], userIds: [] } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('USER_GROUP_NAME_TAKEN');
  });

  it('patches name, rules and members (replacing them) and deletes', async () => {
    const g = ok(await api.call('POST', '/v1/user-groups', { body: { name: 'Night shift', accessRuleIds: [berlin.rule('10')], userIds: [rita.id] } }), 'g');
    const p = await api.call('PATCH', `/v1/user-groups/${g.id}`, {
      body: { name: 'Night desk', accessRuleIds: [berlin.rule('11'), berlin.rule('12')], userIds: [sam.id] },
    });
    expect(p.status).toBe(200);
    expect(p.body.name).toBe('Night desk');
    expect(p.body.accessRules.map((r: { name: string }) => r.name).sort()).toEqual(['Floor 2', 'Server room']);
    expect(p.body.userIds).toEqual([sam.id]);
    // Omitted lists stay as they are.
    const keep = await api.call('PATCH', `/v1/user-groups/${g.id}`, { body: { name: 'Night desk 2' } });
    expect(keep.body.accessRuleIds).toHaveLength(2);
    expect(keep.body.userIds).toEqual([sam.id]);
    const taken = await api.call('PATCH', `/v1/user-groups/${g.id}`, { body: { name: 'Security' } });
    expect(taken.status).toBe(409);
    const bad = await api.call('PATCH', `/v1/user-groups/${g.id}`, { body: { userIds: ['00000000-0000-4000-8000-000000000000'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('userIds.0');
    expect((await api.call('DELETE', `/v1/user-groups/${g.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v1/user-groups/${g.id}`)).status).toBe(404);
    expect((await api.call('PATCH', `/v1/user-groups/${g.id}`, { body: { name: 'x' } })).status).toBe(404);
    expect((await api.call('DELETE', `/v1/user-groups/${g.id}`)).status).toBe(404);
  });

  it('shows rules the PACS no longer has as missing; they cannot be newly added but can be kept', async () => {
    const g = ok(await api.call('POST', '/v1/user-groups', { body: { name: 'Stale', accessRuleIds: [berlin.rule('12')], userIds: [] } }), 'g');
    await api.db.prisma.accessRule.update({ where: { id: berlin.rule('12') }, data: { status: 'missing' } });
    const got = ok(await api.call('GET', `/v1/user-groups/${g.id}`), 'get');
    expect(got.hasMissingAccessRules).toBe(true);
    expect(got.accessRules[0]).toMatchObject({ name: 'Server room', status: 'missing', displayName: 'Berlin HQ — Server room' });
    const keep = await api.call('PATCH', `/v1/user-groups/${g.id}`, { body: { accessRuleIds: [berlin.rule('12'), berlin.rule('10')] } });
    expect(keep.status).toBe(200);
    const add = await api.call('POST', '/v1/user-groups', { body: { name: 'New stale', accessRuleIds: [berlin.rule('12')] } });
    expect(add.status).toBe(400);
    expect(add.body.error.details.issues[0]).toMatchObject({ path: 'accessRuleIds.0' });
    expect(add.body.error.message).toMatch(/refresh the provider/);
    await api.db.prisma.accessRule.update({ where: { id: berlin.rule('12') }, data: { status: 'active' } });
  });
});

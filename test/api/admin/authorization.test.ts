import { refreshScheduleId } from '../../../src/workflows/ids';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createLocation, createProvider, createUser, ok, onguardBody, PASSWORD, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './helpers';

/**
 * Every configuration endpoint against three callers: the admin (manageConfiguration), a receptionist
 * (provisionBadge, signOut) and a user with no permissions. Only the admin may read or change
 * configuration; the two read endpoints a receptionist needs answer everyone, filtered to the caller.
 */
describe('authorization matrix for configuration endpoints', () => {
  let api: TestApi;
  let receptionist: { id: string; token: string };
  let nobody: { id: string; token: string };
  let ctx: Record<string, string>;
  const bodies: string[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    receptionist = await createUser(api, 'Receptionist', ['provisionBadge', 'signOut', 'viewVisits']);
    nobody = await createUser(api, 'Nobody', []);
    const loc = await createLocation(api);
    // No worker serves this queue: workflow endpoints answer after waitSeconds with what to check.
    const p = await createProvider(api, loc.id, onguardBody({ taskQueue: `nobody-home-${loc.id}` }));
    const ids = await seedCatalog(api, p.id, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
    const badge = ok(await api.call('POST', `/v1/providers/${p.id}/badges`, { body: { name: 'B', uniqueId: '1001', badgeTypeId: ids.type('1') } }), 'badge');
    const group = ok(await api.call('POST', '/v1/user-groups', { body: { name: 'G', accessRuleIds: [ids.rule('10')], userIds: [receptionist.id] } }), 'group');
    ctx = { loc: loc.id, provider: p.id, badge: badge.id, group: group.id, type: ids.type('1') };
  });
  afterAll(async () => {
    await api.temporal.workflow
      .getHandle(`refresh-${ctx.provider}`)
      .terminate('test over')
      .catch(() => undefined);
    await api.temporal.schedule
      .getHandle(refreshScheduleId(ctx.provider))
      .delete()
      .catch(() => undefined);
    await api.close();
  });

  type Row = [method: string, path: () => string, body: () => unknown, adminStatus: number];
  const adminOnly: Row[] = [
    ['POST', () => `/v1/locations/${ctx.loc}/providers`, () => onguardBody({ name: 'new' }), 201],
    ['GET', () => `/v1/locations/${ctx.loc}/providers`, () => undefined, 200],
    ['GET', () => `/v1/providers/${ctx.provider}`, () => undefined, 200],
    ['PATCH', () => `/v1/providers/${ctx.provider}`, () => ({ name: 'renamed' }), 200],
    ['POST', () => `/v1/providers/${ctx.provider}/test-connection?waitSeconds=1`, () => undefined, 504],
    ['POST', () => `/v1/providers/${ctx.provider}/refresh?waitSeconds=1`, () => undefined, 202],
    ['GET', () => `/v1/providers/${ctx.provider}/badge-types`, () => undefined, 200],
    ['POST', () => `/v1/providers/${ctx.provider}/badges`, () => ({ name: 'B2', uniqueId: '1002', badgeTypeId: ctx.type }), 201],
    ['GET', () => `/v1/providers/${ctx.provider}/badges`, () => undefined, 200],
    ['GET', () => `/v1/badges/${ctx.badge}`, () => undefined, 200],
    ['PATCH', () => `/v1/badges/${ctx.badge}`, () => ({ name: 'B renamed' }), 200],
    ['POST', () => '/v1/user-groups', () => ({ name: 'G2', accessRuleIds: [], userIds: [] }), 201],
    ['GET', () => '/v1/user-groups', () => undefined, 200],
    ['GET', () => `/v1/user-groups/${ctx.group}`, () => undefined, 200],
    ['PATCH', () => `/v1/user-groups/${ctx.group}`, () => ({ name: 'G renamed' }), 200],
    // Deletions last: they remove what the rows above use.
    ['DELETE', () => `/v1/badges/${ctx.badge}`, () => undefined, 204],
    ['DELETE', () => `/v1/user-groups/${ctx.group}`, () => undefined, 204],
    ['DELETE', () => `/v1/providers/${ctx.provider}`, () => undefined, 204],
  ];

  it('refuses the receptionist and the user without permissions (403) and anonymous callers (401), changing nothing', async () => {
    const before = JSON.stringify(await snapshot());
    for (const [method, path, body] of adminOnly) {
      for (const token of [receptionist.token, nobody.token]) {
        const r = await api.call(method, path(), { token, body: body() });
        expect({ method, path: path(), status: r.status }).toEqual({ method, path: path(), status: 403 });
        expect(r.body.error.message).toMatch(/manageConfiguration/);
      }
      expect((await api.call(method, path(), { token: null, body: body() })).status).toBe(401);
    }
    expect(JSON.stringify(await snapshot())).toBe(before);
  });

  it('lets every user read provisioning options and access rules, filtered to their groups', async () => {
    for (const token of [receptionist.token, nobody.token]) {
      expect((await api.call('GET', `/v1/locations/${ctx.loc}/provisioning-options`, { token })).status).toBe(200);
      expect((await api.call('GET', `/v1/providers/${ctx.provider}/access-rules`, { token })).status).toBe(200);
    }
    expect(
      ok(await api.call('GET', `/v1/providers/${ctx.provider}/access-rules`, { token: receptionist.token }), 'r').items.map((r: { name: string }) => r.name),
    ).toEqual(['Lobby']);
    expect(ok(await api.call('GET', `/v1/providers/${ctx.provider}/access-rules`, { token: nobody.token }), 'r').items).toEqual([]);
    expect((await api.call('GET', `/v1/locations/${ctx.loc}/provisioning-options`, { token: null })).status).toBe(401);
  });

  it('lets the admin use every endpoint; no response carries the provider password', async () => {
    for (const [method, path, body, status] of adminOnly) {
      const r = await api.call(method, path(), { body: body() });
      expect({ method, path: path(), status: r.status, body: r.status === status ? undefined : r.body }).toEqual({
        method,
        path: path(),
        status,
        body: undefined,
      });
      bodies.push(JSON.stringify(r.body ?? null));
    }
    const timeout = JSON.parse(bodies[4]);
    expect(timeout.error.code).toBe('TEST_CONNECTION_TIMEOUT');
    expect(timeout.error.message).toMatch(/task queue "nobody-home-/);
    expect(JSON.parse(bodies[5])).toMatchObject({ status: 'running', workflowId: `refresh-${ctx.provider}` });
    for (const b of bodies) expect(b).not.toContain(PASSWORD);
    expect(api.logs.join('')).not.toContain(PASSWORD);
  });

  async function snapshot() {
    const p = api.db.prisma;
    return {
      providers: await p.provider.findMany({ orderBy: { id: 'asc' } }),
      badges: await p.securityBadge.findMany({ orderBy: { id: 'asc' } }),
      groups: await p.userGroup.findMany({ orderBy: { id: 'asc' }, include: { accessRules: true, members: true } }),
    };
  }
});

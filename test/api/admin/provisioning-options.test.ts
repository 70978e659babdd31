import { checkProvisionSelection } from '../../../src/api/provision-selection';
import { allowedAccessRuleIds, isBadgeFree } from '../../../src/domain/permissions';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createLocation, createProvider, createUser, ok, onguardBody, openVisit, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './helpers';

const codes = (r: { body: { reasons: Array<{ code: string }> } }) => r.body.reasons.map((x) => x.code);

describe('provisioning options and the shared permission helpers', () => {
  let api: TestApi;
  let empty: { id: string };
  let site: { id: string };
  let other: { id: string };
  let providerId: string;
  let ids: Awaited<ReturnType<typeof seedCatalog>>;
  let otherIds: Awaited<ReturnType<typeof seedCatalog>>;
  let rita: { id: string; token: string };
  let nobody: { id: string; token: string };
  const options = (loc: string, token: string) => api.call('GET', `/v1/locations/${loc}/provisioning-options`, { token });

  beforeAll(async () => {
    api = await startTestApi();
    empty = await createLocation(api, 'Empty');
    site = await createLocation(api, 'Berlin HQ');
    other = await createLocation(api, 'Paris');
    providerId = (await createProvider(api, site.id)).id;
    otherIds = await seedCatalog(api, (await createProvider(api, other.id, onguardBody({ name: 'Paris' }))).id, {
      accessRules: STANDARD_RULES,
      badgeTypes: STANDARD_TYPES,
    });
    rita = await createUser(api, 'Rita', ['provisionBadge', 'signOut']);
    nobody = await createUser(api, 'Nobody', []);
  });
  afterAll(() => api.close());

  it('walks the "Cannot see Provision Badge button" checklist until provisioning is possible', async () => {
    // No permission and no provider.
    let r = await options(empty.id, nobody.token);
    expect(r.status).toBe(200);
    expect(r.body.canProvision).toBe(false);
    expect(codes(r)).toEqual(['NO_PROVISION_PERMISSION', 'NO_PROVIDER']);
    expect(r.body.reasons[0].message).toMatch(/provisionBadge/);
    expect(r.body.reasons[1].message).toMatch(/add one/);

    // Provider, nothing synced.
    r = await options(site.id, rita.token);
    expect(codes(r)).toEqual(['NO_ACCESS_RULES_AT_LOCATION', 'NO_FREE_BADGES']);
    expect(r.body.reasons[0].message).toMatch(/refresh the provider/);

    ids = await seedCatalog(api, providerId, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
    r = await options(site.id, rita.token);
    expect(codes(r)).toEqual(['NOT_IN_GROUP_WITH_RULES', 'NO_FREE_BADGES']);
    expect(r.body.reasons[0].message).toMatch(/user group/);

    // A group with rules of another location does not help here.
    const g = ok(
      await api.call('POST', '/v1/user-groups', { body: { name: 'Paris desk', accessRuleIds: [otherIds.rule('10')], userIds: [rita.id] } }),
      'group',
    );
    expect(codes(await options(site.id, rita.token))).toContain('NOT_IN_GROUP_WITH_RULES');
    ok(await api.call('PATCH', `/v1/user-groups/${g.id}`, { body: { accessRuleIds: [otherIds.rule('10'), ids.rule('10'), ids.rule('11')] } }), 'patch');
    r = await options(site.id, rita.token);
    expect(codes(r)).toEqual(['NO_FREE_BADGES']);
    expect(r.body.accessRules.map((a: { displayName: string }) => a.displayName).sort()).toEqual(['Berlin HQ — Floor 2', 'Berlin HQ — Lobby']);

    const free = ok(await api.call('POST', `/v1/providers/${providerId}/badges`, { body: { name: 'V1', uniqueId: '1001', badgeTypeId: ids.type('1') } }), 'b');
    const held = ok(await api.call('POST', `/v1/providers/${providerId}/badges`, { body: { name: 'V2', uniqueId: '1002', badgeTypeId: ids.type('1') } }), 'b');
    await openVisit(api, { locationId: site.id, providerId, badgeId: held.id });
    r = await options(site.id, rita.token);
    expect(r.body.canProvision).toBe(true);
    expect(r.body.reasons).toEqual([]);
    expect(r.body.badges).toEqual([
      expect.objectContaining({
        id: free.id,
        name: 'V1',
        uniqueId: '1001',
        providerId,
        providerName: 'OnGuard main',
        badgeType: { id: ids.type('1'), name: 'Visitor' },
      }),
    ]);

    // A rule gone from the PACS is no longer offered.
    await api.db.prisma.accessRule.update({ where: { id: ids.rule('11') }, data: { status: 'missing' } });
    r = await options(site.id, rita.token);
    expect(r.body.accessRules.map((a: { name: string }) => a.name)).toEqual(['Lobby']);

    // A badge whose type went missing is not offered, and the reason says so.
    await api.db.prisma.badgeType.update({ where: { id: ids.type('1') }, data: { status: 'missing' } });
    r = await options(site.id, rita.token);
    expect(codes(r)).toEqual(['NO_FREE_BADGES']);
    expect(r.body.reasons[0].message).toMatch(/1 free badge\(s\) cannot be used/);
    await api.db.prisma.badgeType.update({ where: { id: ids.type('1') }, data: { status: 'active' } });
    await api.db.prisma.accessRule.update({ where: { id: ids.rule('11') }, data: { status: 'active' } });

    // Without the permission the checklist says so even when everything else is in place.
    const noPerm = await createUser(api, 'Grouped but unpermitted', ['signOut']);
    ok(await api.call('PATCH', `/v1/user-groups/${g.id}`, { body: { userIds: [rita.id, noPerm.id] } }), 'patch');
    expect(codes(await options(site.id, noPerm.token))).toEqual(['NO_PROVISION_PERMISSION']);

    expect((await options('00000000-0000-4000-8000-000000000000', rita.token)).status).toBe(404);
  });

  it('exports allowedAccessRuleIds and isBadgeFree for the visit API', async () => {
    const all = await allowedAccessRuleIds(api.db.prisma, rita.id);
    expect([...all].sort()).toEqual([otherIds.rule('10'), ids.rule('10'), ids.rule('11')].sort());
    const here = await allowedAccessRuleIds(api.db.prisma, rita.id, { locationId: site.id });
    expect([...here].sort()).toEqual([ids.rule('10'), ids.rule('11')].sort());
    expect((await allowedAccessRuleIds(api.db.prisma, nobody.id)).size).toBe(0);
    const badges = await api.db.prisma.securityBadge.findMany({ where: { providerId }, orderBy: { uniqueId: 'asc' } });
    expect(await isBadgeFree(api.db.prisma, badges[0].id)).toBe(true);
    expect(await isBadgeFree(api.db.prisma, badges[1].id)).toBe(false);
  });

  it('checkProvisionSelection accepts a valid choice and names each wrong field', async () => {
    const badges = await api.db.prisma.securityBadge.findMany({ where: { providerId }, orderBy: { uniqueId: 'asc' } });
    const caller = { id: rita.id, permissions: ['provisionBadge'] };
    const okSel = await checkProvisionSelection(api.db.prisma, caller, { locationId: site.id, badgeId: badges[0].id, accessRuleIds: [ids.rule('10')] });
    expect(okSel.provider.id).toBe(providerId);
    expect(okSel.accessRules.map((r) => r.name)).toEqual(['Lobby']);

    await expect(
      checkProvisionSelection(api.db.prisma, { id: rita.id, permissions: [] }, { locationId: site.id, badgeId: badges[0].id, accessRuleIds: [] }),
    ).rejects.toMatchObject({
      status: 403,
    });
    await expect(checkProvisionSelection(api.db.prisma, caller, { locationId: site.id, badgeId: badges[1].id, accessRuleIds: [] })).rejects.toMatchObject({
      status: 409,
      code: 'BADGE_IN_USE',
    });
    await expect(checkProvisionSelection(api.db.prisma, caller, { locationId: other.id, badgeId: badges[0].id, accessRuleIds: [] })).rejects.toMatchObject({
      status: 400,
      details: { issues: [{ path: 'badgeId' }] },
    });
    const err = await checkProvisionSelection(api.db.prisma, caller, {
      locationId: site.id,
      badgeId: badges[0].id,
      accessRuleIds: [ids.rule('10'), ids.rule('12'), otherIds.rule('10')],
    }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.details.issues.map((i: { path: string }) => i.path)).toEqual(['accessRuleIds.1', 'accessRuleIds.2']);
    expect(err.details.issues[0].message).toMatch(/user group/);
  });

  it('shows a receptionist only the access rules of their user groups', async () => {
    const mine = ok(await api.call('GET', `/v1/providers/${providerId}/access-rules`, { token: rita.token }), 'rules');
    expect(mine.items.map((r: { name: string }) => r.name).sort()).toEqual(['Floor 2', 'Lobby']);
    const none = ok(await api.call('GET', `/v1/providers/${providerId}/access-rules`, { token: nobody.token }), 'rules');
    expect(none.items).toEqual([]);
    const all = ok(await api.call('GET', `/v1/providers/${providerId}/access-rules`), 'rules');
    expect(all.items).toHaveLength(3);
  });
});

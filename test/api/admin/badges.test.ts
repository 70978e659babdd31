import { startTestApi, type TestApi } from '../../helpers/api';
import { createLocation, createProvider, ok, onguardBody, openVisit, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './helpers';

describe('security badges', () => {
  let api: TestApi;
  let locationId: string;
  let providerId: string;
  let otherProviderId: string;
  let ids: Awaited<ReturnType<typeof seedCatalog>>;
  let otherIds: Awaited<ReturnType<typeof seedCatalog>>;
  const post = (body: Record<string, unknown>, pid = providerId) => api.call('POST', `/v1/providers/${pid}/badges`, { body });

  beforeAll(async () => {
    api = await startTestApi();
    locationId = (await createLocation(api)).id;
    providerId = (await createProvider(api, locationId)).id;
    otherProviderId = (await createProvider(api, locationId, onguardBody({ name: 'second' }))).id;
    ids = await seedCatalog(api, providerId, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
    otherIds = await seedCatalog(api, otherProviderId, { badgeTypes: STANDARD_TYPES });
  });
  afterAll(() => api.close());

  it('registers a badge with a name, digits-only unique ID and a manual-entry badge type in range', async () => {
    const r = await post({ name: 'Visitor 1', uniqueId: '1001', badgeTypeId: ids.type('1') });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      providerId,
      locationId,
      name: 'Visitor 1',
      uniqueId: '1001',
      badgeTypeId: ids.type('1'),
      badgeTypeName: 'Visitor',
      badgeTypeStatus: 'active',
      badgeType: { name: 'Visitor', status: 'active', manualEntry: true, idRange: { min: 1000, max: 1999 } },
      inUse: false,
      visitId: null,
      problem: null,
    });
    // A numeric JSON value and leading zeros mean the same card number.
    const n = await post({ name: 'Visitor 2', uniqueId: 1002, badgeTypeId: ids.type('1') });
    expect(n.status).toBe(201);
    expect(n.body.uniqueId).toBe('1002');
    const z = await post({ name: 'Contractor', uniqueId: '000042', badgeTypeId: ids.type('3') });
    expect(z.status).toBe(201);
    expect(z.body.uniqueId).toBe('42');
  });

  it.each([['12A4'], ['12-34'], ['12 34'], [' '], ['-5'], ['1.5'], ['１２３']])('rejects unique ID %p: only numbers', async (uniqueId) => {
    const r = await post({ name: 'bad', uniqueId, badgeTypeId: ids.type('1') });
    expect(r.status).toBe(400);
    const issue = r.body.error.details.issues.find((i: { path: string }) => i.path === 'uniqueId');
    expect(issue.message).toMatch(/only supports numbers/);
  });

  it('rejects a missing name, unique ID or badge type naming each', async () => {
    const r = await post({});
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['badgeTypeId', 'name', 'uniqueId']);
  });

  it('rejects a badge type that is unknown, of another provider, or missing, telling to refresh the provider', async () => {
    for (const badgeTypeId of ['00000000-0000-4000-8000-000000000000', otherIds.type('1')]) {
      const r = await post({ name: 'x', uniqueId: '1500', badgeTypeId });
      expect(r.status).toBe(400);
      expect(r.body.error.details.issues[0].path).toBe('badgeTypeId');
      expect(r.body.error.message).toMatch(/Refresh the provider/);
    }
    await api.db.prisma.badgeType.update({ where: { id: otherIds.type('3') }, data: { status: 'missing' } });
    const gone = await post({ name: 'x', uniqueId: '1500', badgeTypeId: otherIds.type('3') }, otherProviderId);
    expect(gone.status).toBe(400);
    expect(gone.body.error.details.issues[0].path).toBe('badgeTypeId');
    expect(gone.body.error.message).toMatch(/no longer exists.*Refresh the provider/);
  });

  it('rejects a badge type that does not use Manual Entry, with the seed’s guidance', async () => {
    const r = await post({ name: 'x', uniqueId: '500', badgeTypeId: ids.type('2') });
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0].path).toBe('badgeTypeId');
    expect(r.body.error.message).toMatch(/"Manual Entry" with a range of allowed badge IDs/);
  });

  it('rejects an ID outside the badge type’s range, naming the range', async () => {
    for (const uniqueId of ['999', '2000']) {
      const r = await post({ name: 'x', uniqueId, badgeTypeId: ids.type('1') });
      expect(r.status).toBe(400);
      expect(r.body.error.details.issues[0].path).toBe('uniqueId');
      expect(r.body.error.message).toMatch(/1000–1999/);
    }
    expect((await post({ name: 'edge', uniqueId: '1999', badgeTypeId: ids.type('1') })).status).toBe(201);
  });

  it('refuses a second badge with the same unique ID for the provider (409), allows it for another provider', async () => {
    const dup = await post({ name: 'dup', uniqueId: '01001', badgeTypeId: ids.type('1') });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('BADGE_ID_TAKEN');
    expect((await post({ name: 'other', uniqueId: '1001', badgeTypeId: otherIds.type('1') }, otherProviderId)).status).toBe(201);
  });

  it('lists badges with in-use state, holding visit, badge type name and status', async () => {
    const held = ok(await post({ name: 'Held', uniqueId: '1100', badgeTypeId: ids.type('1') }), 'badge');
    const visitId = await openVisit(api, { locationId, providerId, badgeId: held.id });
    const list = ok(await api.call('GET', `/v1/providers/${providerId}/badges`), 'list');
    const h = list.items.find((b: { id: string }) => b.id === held.id);
    expect(h).toMatchObject({ inUse: true, visitId, badgeTypeName: 'Visitor', badgeTypeStatus: 'active' });
    expect(list.items.filter((b: { inUse: boolean }) => !b.inUse).length).toBeGreaterThan(0);
    const inUse = ok(await api.call('GET', `/v1/providers/${providerId}/badges?inUse=true`), 'in use');
    expect(inUse.items.map((b: { id: string }) => b.id)).toEqual([held.id]);
    const paged = ok(await api.call('GET', `/v1/providers/${providerId}/badges?limit=1`), 'paged');
    expect(paged.items).toHaveLength(1);
    expect(paged.nextCursor).toBeDefined();

    // A held badge can be neither changed nor deleted.
    const patch = await api.call('PATCH', `/v1/badges/${held.id}`, { body: { uniqueId: '1101' } });
    expect(patch.status).toBe(409);
    expect(patch.body.error.code).toBe('BADGE_IN_USE');
    expect(patch.body.error.details.visits).toEqual([{ id: visitId, status: 'active' }]);
    const del = await api.call('DELETE', `/v1/badges/${held.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.details.visits[0].id).toBe(visitId);

    // Released but with history: kept for audit.
    await api.db.prisma.visit.update({ where: { id: visitId }, data: { activeBadgeId: null, status: 'completed' } });
    const hist = await api.call('DELETE', `/v1/badges/${held.id}`);
    expect(hist.status).toBe(409);
    expect(hist.body.error.code).toBe('BADGE_HAS_HISTORY');
    expect((await api.call('PATCH', `/v1/badges/${held.id}`, { body: { name: 'Held (returned)' } })).status).toBe(200);
  });

  it('patches a badge with the same rules as creation, and deletes a free one', async () => {
    const b = ok(await post({ name: 'Patch', uniqueId: '1200', badgeTypeId: ids.type('1') }), 'badge');
    const renamed = await api.call('PATCH', `/v1/badges/${b.id}`, { body: { name: 'Patched', uniqueId: '1201' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Patched', uniqueId: '1201' });
    const letters = await api.call('PATCH', `/v1/badges/${b.id}`, { body: { uniqueId: 'ABC' } });
    expect(letters.status).toBe(400);
    expect(letters.body.error.details.issues[0].path).toBe('uniqueId');
    const range = await api.call('PATCH', `/v1/badges/${b.id}`, { body: { uniqueId: '5' } });
    expect(range.status).toBe(400);
    expect(range.body.error.details.issues[0].path).toBe('uniqueId');
    const auto = await api.call('PATCH', `/v1/badges/${b.id}`, { body: { badgeTypeId: ids.type('2') } });
    expect(auto.status).toBe(400);
    expect(auto.body.error.details.issues[0].path).toBe('badgeTypeId');
    const foreign = await api.call('PATCH', `/v1/badges/${b.id}`, { body: { badgeTypeId: otherIds.type('1') } });
    expect(foreign.status).toBe(400);
    const taken = await api.call('PATCH', `/v1/badges/${b.id}`, { body: { uniqueId: '1001' } });
    expect(taken.status).toBe(409);
    const moved = await api.call('PATCH', `/v1/badges/${b.id}`, { body: { badgeTypeId: ids.type('3'), uniqueId: '7' } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ badgeTypeName: 'Contractor', uniqueId: '7' });
    expect((await api.call('DELETE', `/v1/badges/${b.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v1/badges/${b.id}`)).status).toBe(404);
    expect((await api.call('PATCH', `/v1/badges/${b.id}`, { body: { name: 'x' } })).status).toBe(404);
    expect((await api.call('DELETE', '/v1/badges/not-a-uuid')).status).toBe(400);
  });

  it('flags badges whose type went missing in the list', async () => {
    const b = ok(await post({ name: 'Orphan', uniqueId: '60', badgeTypeId: ids.type('3') }), 'badge');
    await api.db.prisma.badgeType.update({ where: { id: ids.type('3') }, data: { status: 'missing' } });
    const list = ok(await api.call('GET', `/v1/providers/${providerId}/badges?limit=200`), 'list');
    const o = list.items.find((x: { id: string }) => x.id === b.id);
    expect(o.badgeTypeStatus).toBe('missing');
    expect(o.problem.code).toBe('BADGE_TYPE_MISSING');
    expect(o.problem.message).toMatch(/Refresh the provider/);
    // Renaming stays possible; changing the ID needs a current type.
    expect((await api.call('PATCH', `/v1/badges/${b.id}`, { body: { name: 'Orphan 2' } })).status).toBe(200);
    expect((await api.call('PATCH', `/v1/badges/${b.id}`, { body: { uniqueId: '61' } })).status).toBe(400);
    await api.db.prisma.badgeType.update({ where: { id: ids.type('3') }, data: { status: 'active' } });
  });

  it('answers 404 for badges of an unknown provider', async () => {
    expect((await post({ name: 'x', uniqueId: '1', badgeTypeId: ids.type('1') }, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api.call('GET', '/v1/providers/00000000-0000-4000-8000-000000000000/badges')).status).toBe(404);
  });
});

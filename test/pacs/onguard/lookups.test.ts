import { SimHarness, useClientHarness } from './helpers';
import type { OnGuardClient } from '../../../src/pacs/onguard/client';

/** getBadgeType and findAccessRules: the provision precheck's lookups by ID, against the simulator over HTTP. */
let h: SimHarness;
const clients = useClientHarness((x) => (h = x));
let client: OnGuardClient;

beforeEach(async () => {
  client = clients.make(h);
  await client.testConnection(); // signs in, so the request log below holds the lookups only
  await h.control('DELETE', '/requests');
});

const instanceRequests = async () =>
  (await h.control('GET', '/requests')).json.filter((r: any) => r.path === '/instances').map((r: any) => [r.method, r.query.type_name, r.query.filter]);

const seedWithout = async (field: 'badgeTypes' | 'accessLevels', table: string, ids: number[]) => {
  const rows = ((await h.state()).instances[table] as Array<{ ID: number }>).filter((r) => !ids.includes(r.ID));
  const r = await h.control('POST', '/seed', { replace: true, [field]: rows });
  if (r.status !== 200) throw new Error(r.text);
};

describe('getBadgeType', () => {
  it('finds one badge type with one GET /instances filtered by ID', async () => {
    expect(await client.getBadgeType('2')).toEqual({
      externalId: '2',
      name: 'Visitor',
      manualEntry: true,
      idRange: { min: '1000', max: '1999' },
      details: { badgeTypeClass: 3 },
    });
    expect(await instanceRequests()).toEqual([['GET', 'Lnl_BadgeType', 'ID = 2']]);
  });

  it('answers null for a badge type deleted in OnGuard, and for an ID that is not a number (no request)', async () => {
    await seedWithout('badgeTypes', 'Lnl_BadgeType', [2]);
    expect(await client.getBadgeType('2')).toBeNull();
    expect(await client.getBadgeType('visitor')).toBeNull();
    expect(await instanceRequests()).toEqual([['GET', 'Lnl_BadgeType', 'ID = 2']]);
  });

  it('keeps the badge-status cache (only listBadgeTypes, the catalogue refresh, re-reads statuses)', async () => {
    await client.activeBadgesOf('1'); // resolves the statuses once
    await client.getBadgeType('2');
    await client.activeBadgesOf('1');
    const statusReads = (await instanceRequests()).filter((r: string[]) => r[1] === 'Lnl_BadgeStatus');
    expect(statusReads).toHaveLength(1);
    await client.listBadgeTypes();
    await client.activeBadgesOf('1');
    expect((await instanceRequests()).filter((r: string[]) => r[1] === 'Lnl_BadgeStatus')).toHaveLength(2);
  });
});

describe('findAccessRules', () => {
  it('finds several access levels with one ID = a OR ID = b filter', async () => {
    const found = await client.findAccessRules(['1', '2', '130']);
    expect(found.sort((a, b) => Number(a.externalId) - Number(b.externalId))).toEqual([
      { externalId: '1', name: 'Main entrance' },
      { externalId: '2', name: expect.any(String) },
      { externalId: '130', name: 'Access level 130' },
    ]);
    expect(await instanceRequests()).toEqual([['GET', 'Lnl_AccessLevel', 'ID = 1 OR ID = 2 OR ID = 130']]);
  });

  it('leaves out the ones deleted in OnGuard, still in one request', async () => {
    await seedWithout('accessLevels', 'Lnl_AccessLevel', [2, 3]);
    const found = await client.findAccessRules(['1', '2', '3', '4']);
    expect(found.map((r) => r.externalId).sort()).toEqual(['1', '4']);
    expect(await instanceRequests()).toEqual([['GET', 'Lnl_AccessLevel', 'ID = 1 OR ID = 2 OR ID = 3 OR ID = 4']]);
  });

  it('finds none when every one is gone; asks nothing for an empty list or IDs that are not numbers', async () => {
    await seedWithout('accessLevels', 'Lnl_AccessLevel', [5]);
    expect(await client.findAccessRules(['5'])).toEqual([]);
    expect(await client.findAccessRules([])).toEqual([]);
    expect(await client.findAccessRules(['lobby'])).toEqual([]);
    expect(await instanceRequests()).toEqual([['GET', 'Lnl_AccessLevel', 'ID = 5']]);
  });

  it('splits a long list into requests of 50 IDs, each answered on its first page', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => String(i + 1));
    expect(await client.findAccessRules(ids)).toHaveLength(120);
    expect((await instanceRequests()).length).toBe(3);
  });

  it('asks one ID at a time when the server refuses the OR filter', async () => {
    await h.control('POST', '/next-error', { status: 400, code: 'openaccess.general.invalidrequestitem', message: 'Invalid filter.', path: '/instances' });
    const found = await client.findAccessRules(['1', '2']);
    expect(found.map((r) => r.externalId).sort()).toEqual(['1', '2']);
    expect(await instanceRequests()).toEqual([
      ['GET', 'Lnl_AccessLevel', 'ID = 1 OR ID = 2'],
      ['GET', 'Lnl_AccessLevel', 'ID = 1'],
      ['GET', 'Lnl_AccessLevel', 'ID = 2'],
    ]);
  });
});

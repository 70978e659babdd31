import { flaggedConfiguration, syncCatalog } from '../../src/domain/sync';
import { createTestDatabase } from '../helpers/db';

describe('syncCatalog', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let providerId: string;
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  beforeAll(async () => {
    db = await createTestDatabase();
    const loc = await db.prisma.location.create({ data: { name: 'L', timezone: 'UTC', endOfDay: '18:00' } });
    providerId = (
      await db.prisma.provider.create({
        data: { locationId: loc.id, kind: 'onguard', name: 'P', url: 'https://x', username: 'u', passwordCiphertext: 'v1:a:b:c' },
      })
    ).id;
  });
  afterAll(() => db.drop());

  const rules = (...names: Array<[string, string]>) => names.map(([externalId, name]) => ({ externalId, name }));

  it('adds, renames, marks missing, reactivates and is idempotent', async () => {
    const types = [
      { externalId: 't1', name: 'Visitor', manualEntry: true, idRange: { min: '100', max: '200' } },
      { externalId: 't2', name: 'Temp', manualEntry: true, details: { formatId: 'abc', facilityCode: 7 } },
    ];
    const r1 = await syncCatalog(db.prisma, providerId, { accessRules: rules(['a', 'Lobby'], ['b', 'Floor 2'], ['c', 'Garage']), badgeTypes: types }, at(1));
    expect(r1.accessRules).toEqual({ added: 3, updated: 0, missing: 0, unchanged: 0, totalMissing: 0 });
    expect(r1.badgeTypes).toEqual({ added: 2, updated: 0, missing: 0, unchanged: 0, totalMissing: 0 });
    expect(r1.flagged).toEqual({ userGroups: [], badges: [] });

    const again = await syncCatalog(db.prisma, providerId, { accessRules: rules(['a', 'Lobby'], ['b', 'Floor 2'], ['c', 'Garage']), badgeTypes: types }, at(2));
    expect(again.accessRules).toEqual({ added: 0, updated: 0, missing: 0, unchanged: 3, totalMissing: 0 });
    expect(again.badgeTypes).toEqual({ added: 0, updated: 0, missing: 0, unchanged: 2, totalMissing: 0 });

    // Rename b, drop c, add d; t1's range changes, t2 disappears.
    const lobby = await db.prisma.accessRule.findFirstOrThrow({ where: { providerId, externalId: 'c' } });
    const t2 = await db.prisma.badgeType.findFirstOrThrow({ where: { providerId, externalId: 't2' } });
    const group = await db.prisma.userGroup.create({ data: { name: 'Desk', accessRules: { create: [{ accessRuleId: lobby.id }] } } });
    const badge = await db.prisma.securityBadge.create({ data: { providerId, badgeTypeId: t2.id, name: 'Temp 1', uniqueId: '5' } });
    const r3 = await syncCatalog(
      db.prisma,
      providerId,
      { accessRules: rules(['a', 'Lobby'], ['b', 'Floor 2 (east)'], ['d', 'Roof']), badgeTypes: [{ ...types[0], idRange: { min: '100', max: '300' } }] },
      at(3),
    );
    expect(r3.accessRules).toEqual({ added: 1, updated: 1, missing: 1, unchanged: 1, totalMissing: 1 });
    expect(r3.badgeTypes).toEqual({ added: 0, updated: 1, missing: 1, unchanged: 0, totalMissing: 1 });
    expect(r3.flagged.userGroups).toEqual([{ id: group.id, name: 'Desk', missingAccessRules: [{ id: lobby.id, externalId: 'c', name: 'Garage' }] }]);
    expect(r3.flagged.badges).toEqual([
      expect.objectContaining({ id: badge.id, problem: 'BADGE_TYPE_MISSING', badgeType: { id: t2.id, name: 'Temp', status: 'missing' } }),
    ]);
    // Never deleted: the rows are still there, marked.
    expect((await db.prisma.accessRule.findUniqueOrThrow({ where: { id: lobby.id } })).status).toBe('missing');
    expect(await db.prisma.userGroupAccessRule.count({ where: { userGroupId: group.id } })).toBe(1);
    const renamed = await db.prisma.accessRule.findFirstOrThrow({ where: { providerId, externalId: 'b' } });
    expect(renamed.name).toBe('Floor 2 (east)');
    expect((await db.prisma.badgeType.findFirstOrThrow({ where: { providerId, externalId: 't1' } })).idMax).toBe(300n);

    // Same again: still missing, counted once as a state, not again as a change.
    const r4 = await syncCatalog(
      db.prisma,
      providerId,
      { accessRules: rules(['a', 'Lobby'], ['b', 'Floor 2 (east)'], ['d', 'Roof']), badgeTypes: [{ ...types[0], idRange: { min: '100', max: '300' } }] },
      at(4),
    );
    expect(r4.accessRules).toEqual({ added: 0, updated: 0, missing: 0, unchanged: 3, totalMissing: 1 });
    expect(r4.badgeTypes).toEqual({ added: 0, updated: 0, missing: 0, unchanged: 1, totalMissing: 1 });

    // c and t2 come back: active again, same rows (group link and badge intact).
    const r5 = await syncCatalog(
      db.prisma,
      providerId,
      {
        accessRules: rules(['a', 'Lobby'], ['b', 'Floor 2 (east)'], ['c', 'Garage'], ['d', 'Roof']),
        badgeTypes: [{ ...types[0], idRange: { min: '100', max: '300' } }, types[1]],
      },
      at(5),
    );
    expect(r5.accessRules).toMatchObject({ added: 0, updated: 1, totalMissing: 0 });
    expect(r5.badgeTypes).toMatchObject({ added: 0, updated: 1, totalMissing: 0 });
    expect((await db.prisma.accessRule.findUniqueOrThrow({ where: { id: lobby.id } })).status).toBe('active');
    expect(r5.flagged).toEqual({ userGroups: [], badges: [] });
  });

  it('flags badges their type no longer allows (automatic IDs, out of range) and tolerates duplicate IDs from the PACS', async () => {
    await syncCatalog(
      db.prisma,
      providerId,
      {
        accessRules: rules(['a', 'Lobby'], ['a', 'Lobby']),
        badgeTypes: [
          { externalId: 't1', name: 'Visitor', manualEntry: true, idRange: { min: '100', max: '150' } },
          { externalId: 't2', name: 'Temp', manualEntry: false },
        ],
      },
      at(6),
    );
    const t1 = await db.prisma.badgeType.findFirstOrThrow({ where: { providerId, externalId: 't1' } });
    await db.prisma.securityBadge.create({ data: { providerId, badgeTypeId: t1.id, name: 'V250', uniqueId: '250' } });
    const flagged = await flaggedConfiguration(db.prisma, providerId);
    expect(flagged.badges.map((b) => [b.name, b.problem]).sort()).toEqual([
      ['Temp 1', 'BADGE_TYPE_NOT_MANUAL'],
      ['V250', 'BADGE_ID_OUT_OF_RANGE'],
    ]);
    expect(flagged.badges.find((b) => b.name === 'V250')!.message).toMatch(/100–150/);
  });
});

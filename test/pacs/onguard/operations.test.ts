import { failure, SimHarness, useClientHarness } from './helpers';
import type { OnGuardClient } from '../../../src/pacs/onguard/client';

/** Every PacsAdapter operation of OnGuardClient against the simulator over real HTTP. */
let h: SimHarness;
const clients = useClientHarness((x) => (h = x));
let client: OnGuardClient;

beforeEach(async () => {
  client = clients.make(h);
});

const visitorType = { externalId: '2' };
const state = () => h.state();
const badgeRow = async (id: number) => (await state()).instances.Lnl_Badge.find((b: any) => b.ID === id);
const issue = (personId: string, uniqueId: string, extra: Partial<{ typeId: string; end: Date }> = {}) =>
  client.issueBadge({
    personId,
    uniqueId,
    badgeType: { externalId: extra.typeId ?? '2' },
    activateAt: new Date('2024-05-01T08:00:00Z'),
    deactivateAt: extra.end ?? new Date('2024-05-01T18:00:00Z'),
  });

describe('testConnection', () => {
  it('passes every step and reports the server version and directories', async () => {
    const r = await client.testConnection();
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => [s.name, s.ok])).toEqual([
      ['reachability', true],
      ['version', true],
      ['directories', true],
      ['licence', true],
      ['credentials', true],
    ]);
    expect(r.serverVersion).toBe('OnGuard 8.1 8.1.639.0');
    expect(r.directories).toEqual([
      { id: 'id-1', name: '<Internal>' },
      { id: 'id-2', name: 'CORP.EXAMPLE.COM' },
    ]);
  });

  it('flags a configured directory the server does not offer, naming the ones it does', async () => {
    const r = await clients.make(h, { directoryId: 'id-9' }).testConnection();
    expect(r.ok).toBe(false);
    const step = r.steps.find((s) => s.name === 'directories')!;
    expect(step).toMatchObject({ ok: false, code: 'PACS_VALIDATION' });
    expect(step.message).toContain('<Internal> (id-1)');
  });

  it('accepts a provider URL that already ends with the OpenAccess base path, or a trailing slash', async () => {
    for (const url of [`${h.sim.providerUrl}/api/access/onguard/openaccess`, `${h.sim.providerUrl}/`]) {
      expect((await clients.make(h, { url }).testConnection()).ok).toBe(true);
    }
  });
});

describe('refresh', () => {
  it('listAccessRules pages through all 130 access levels at page_size 100', async () => {
    await h.control('DELETE', '/requests');
    const rules = await client.listAccessRules();
    expect(rules).toHaveLength(130);
    expect(rules[0]).toEqual({ externalId: '1', name: 'Main entrance' });
    expect(rules[129]).toEqual({ externalId: '130', name: 'Access level 130' });
    const pages = (await h.control('GET', '/requests')).json
      .filter((r: any) => r.path === '/instances')
      .map((r: any) => [r.query.page_number, r.query.page_size, r.query.type_name, r.query.version]);
    expect(pages).toEqual([
      ['1', '100', 'Lnl_AccessLevel', '1.0'],
      ['2', '100', 'Lnl_AccessLevel', '1.0'],
    ]);
  });

  it('listBadgeTypes reads manual entry and ID ranges from the simulator-only properties', async () => {
    const types = await client.listBadgeTypes();
    expect(types).toEqual([
      { externalId: '1', name: 'Employee', manualEntry: false, idRange: null, details: { badgeTypeClass: 1 } },
      { externalId: '2', name: 'Visitor', manualEntry: true, idRange: { min: '1000', max: '1999' }, details: { badgeTypeClass: 3 } },
      { externalId: '3', name: 'Contractor visitor', manualEntry: true, idRange: { min: '5000', max: '5999' }, details: { badgeTypeClass: 3 } },
      { externalId: '4', name: 'Temporary', manualEntry: true, idRange: null, details: { badgeTypeClass: 2 } },
    ]);
  });

  it('listBadgeTypes assumes manual entry and no range when the server exposes none (a real server)', async () => {
    await h.control('PUT', '/options', { exposeSimulatorBadgeTypeFields: false });
    const types = await client.listBadgeTypes();
    expect(types.map((t) => [t.name, t.manualEntry, t.idRange])).toEqual([
      ['Employee', true, null],
      ['Visitor', true, null],
      ['Contractor visitor', true, null],
      ['Temporary', true, null],
    ]);
  });
});

describe('findOrCreateVisitor', () => {
  const jane = { visitId: '0b7c5d2e-1111-4222-8333-944455556666', firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com', company: 'Acme' };

  it('finds an existing visitor by email, case-insensitively', async () => {
    const r = await client.findOrCreateVisitor({ ...jane, email: 'Victor.Visitor@EXAMPLE.com' });
    expect(r).toEqual({ personId: '3', created: false });
    expect((await state()).instances.Lnl_Visitor).toHaveLength(1);
  });

  it('creates a visitor with FIRSTNAME, LASTNAME, EMAIL, ORGANIZATION and the visit marker; again finds it', async () => {
    const first = await client.findOrCreateVisitor(jane);
    expect(first).toEqual({ personId: '4', created: true });
    const row = (await state()).instances.Lnl_Visitor.find((v: any) => v.ID === 4);
    expect(row).toMatchObject({ FIRSTNAME: 'Jane', LASTNAME: 'Doe', EMAIL: 'jane@example.com', ORGANIZATION: 'Acme', SSNO: jane.visitId });
    expect(await client.findOrCreateVisitor(jane)).toEqual({ personId: '4', created: false });
    expect((await state()).instances.Lnl_Visitor).toHaveLength(2);
  });

  it('without an email, finds the visitor by the visit marker', async () => {
    const anon = { ...jane, email: null, company: null };
    expect(await client.findOrCreateVisitor(anon)).toEqual({ personId: '4', created: true });
    expect(await client.findOrCreateVisitor({ ...anon, email: '  ' })).toEqual({ personId: '4', created: false });
    expect(await client.findOrCreateVisitor({ ...anon, visitId: 'another-visit' })).toEqual({ personId: '5', created: true });
  });

  it('uses the marker field named in the provider settings', async () => {
    const c = clients.make(h, { settings: { visitMarkerField: 'TITLE' } });
    await c.findOrCreateVisitor({ ...jane, email: null });
    expect((await state()).instances.Lnl_Visitor.find((v: any) => v.ID === 4)).toMatchObject({ TITLE: jane.visitId, SSNO: null });
    expect(await c.findOrCreateVisitor({ ...jane, email: null })).toEqual({ personId: '4', created: false });
  });

  it('keeps quotes in names and emails intact', async () => {
    const r = await client.findOrCreateVisitor({ ...jane, lastName: 'O\'Brien "Bob"', email: "o'brien@example.com" });
    expect(r.created).toBe(true);
    expect(await client.findOrCreateVisitor({ ...jane, email: "o'brien@example.com" })).toEqual({ personId: r.personId, created: false });
  });
});

describe('lookupBadge and activeBadgesOf', () => {
  it('reports the holder of a badge ID, by name, cardholder or visitor, and whether it is active', async () => {
    expect(await client.lookupBadge('1500', visitorType)).toEqual({
      exists: true,
      credentialId: '13000',
      holderId: '1',
      holderName: 'Ada Lovelace',
      active: true,
    });
    expect(await client.lookupBadge('1700', visitorType)).toMatchObject({ exists: true, holderName: 'Grace Hopper', active: false });
    expect(await client.lookupBadge('5001', visitorType)).toMatchObject({ exists: true, holderId: '3', holderName: 'Victor Visitor', active: true });
    expect(await client.lookupBadge('1234', visitorType)).toEqual({ exists: false });
  });

  it('lists the active badges of a person only', async () => {
    expect(await client.activeBadgesOf('3')).toEqual([{ credentialId: '12997', uniqueId: '5001' }]);
    expect(await client.activeBadgesOf('2')).toEqual([{ credentialId: '12999', uniqueId: '100001' }]);
    expect(await client.activeBadgesOf('999')).toEqual([]);
  });

  it('resolves the active status by its configured name', async () => {
    await h.control('POST', '/seed', {
      replace: true,
      badgeStatuses: [
        { ID: 7, Name: 'In use' },
        { ID: 1, Name: 'Spare' },
        { ID: 2, Name: 'Inactive' },
      ],
    });
    const c = clients.make(h, { settings: { activeStatusName: 'in use' } });
    expect(await c.activeBadgesOf('3')).toEqual([]);
    expect((await c.lookupBadge('5001', visitorType)).active).toBe(false);
  });
});

describe('issueBadge', () => {
  it('creates an active badge with ID, PERSONID, TYPE, STATUS, ACTIVATE and DEACTIVATE', async () => {
    const r = await issue('3', '1234', { typeId: '2' }).catch((e) => e);
    // Visitor 3 already holds 5001: the server's limit answers first.
    expect(r.code).toBe('VISITOR_HAS_ACTIVE_BADGE');
    const { personId } = await client.findOrCreateVisitor({ visitId: 'v1', firstName: 'New', lastName: 'Person', email: 'new@example.com' });
    const issued = await issue(personId, '1234');
    expect(issued).toEqual({ credentialId: '13001', created: true });
    const row = await badgeRow(1234);
    expect(row).toMatchObject({ BADGEKEY: 13001, PERSONID: Number(personId), TYPE: 2, STATUS: 1 });
    expect(Date.parse(row.ACTIVATE)).toBe(Date.parse('2024-05-01T08:00:00Z'));
    expect(Date.parse(row.DEACTIVATE)).toBe(Date.parse('2024-05-01T18:00:00Z'));
  });

  it('returns the existing badge with created:false when it already belongs to the person', async () => {
    const { personId } = await client.findOrCreateVisitor({ visitId: 'v1', firstName: 'New', lastName: 'Person', email: 'new@example.com' });
    await issue(personId, '1234');
    expect(await issue(personId, '1234')).toEqual({ credentialId: '13001', created: false });
    expect((await state()).instances.Lnl_Badge.filter((b: any) => b.ID === 1234)).toHaveLength(1);
  });

  it('reactivates the person’s own inactive badge with the new end instead of failing on the duplicate ID', async () => {
    const { personId } = await client.findOrCreateVisitor({ visitId: 'v1', firstName: 'New', lastName: 'Person', email: 'new@example.com' });
    const first = await issue(personId, '1234');
    // A site that keeps deactivated badge records (releaseOnDeactivate false) still gets its card back.
    await clients.make(h, { settings: { releaseOnDeactivate: false } }).deactivateBadge({ personId, credentialId: first.credentialId });
    const end = new Date('2024-06-01T18:00:00Z');
    expect(await issue(personId, '1234', { end })).toEqual({ credentialId: first.credentialId, created: false });
    const row = await badgeRow(1234);
    expect(row.STATUS).toBe(1);
    expect(Date.parse(row.DEACTIVATE)).toBe(end.getTime());
  });

  it('refuses a badge ID held by someone else, naming the holder', async () => {
    const { personId } = await client.findOrCreateVisitor({ visitId: 'v1', firstName: 'New', lastName: 'Person', email: 'new@example.com' });
    const e = await failure(issue(personId, '1500'));
    expect(e.code).toBe('BADGE_ALREADY_ASSIGNED');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('"Ada Lovelace" (person 1)');
    expect(e.message).toContain('remove it from that person');
    const inactive = await failure(issue(personId, '1700'));
    expect(inactive.code).toBe('BADGE_ALREADY_ASSIGNED');
    expect(inactive.message).not.toContain('and is active');
  });

  it('keeps badge IDs beyond 2^53 exact end to end', async () => {
    await h.control('POST', '/seed', {
      cardholderSettings: { max_badge_id_length: 19 },
      badgeTypes: [{ ID: 9, Name: 'Long', BADGETYPECLASS: 3, manualEntry: true, idRange: { min: '9007199254740993000', max: '9007199254740993999' } }],
    });
    const { personId } = await client.findOrCreateVisitor({ visitId: 'v1', firstName: 'New', lastName: 'Person', email: 'new@example.com' });
    const big = '9007199254740993123';
    const issued = await issue(personId, big, { typeId: '9' });
    expect(issued.created).toBe(true);
    expect(await client.activeBadgesOf(personId)).toEqual([{ credentialId: issued.credentialId, uniqueId: big }]);
    expect(await client.lookupBadge(big, { externalId: '9' })).toMatchObject({ exists: true, holderId: personId });
    expect((await client.listBadgeTypes()).find((t) => t.externalId === '9')!.idRange).toEqual({ min: '9007199254740993000', max: '9007199254740993999' });
  });

  it('refuses IDs that are not digits before calling the server', async () => {
    const e = await failure(issue('3', '12a4'));
    expect(e.code).toBe('PACS_VALIDATION');
    expect(e.message).toMatch(/digits only/);
  });
});

describe('grantAccess and revokeAccess', () => {
  let personId: string;
  let credentialId: string;
  beforeEach(async () => {
    personId = (await client.findOrCreateVisitor({ visitId: 'v1', firstName: 'New', lastName: 'Person', email: 'new@example.com' })).personId;
    credentialId = (await issue(personId, '1234')).credentialId;
  });
  const levelsOf = async (key: string) =>
    (await state()).instances.Lnl_AccessLevelAssignment.filter((a: any) => String(a.BadgeKey) === key)
      .map((a: any) => a.AccessLevelID)
      .sort((a: number, b: number) => a - b);

  it('assigns each access level once, skipping the ones already there', async () => {
    await client.grantAccess({ personId, credentialId, accessRuleExternalIds: ['5'] });
    await client.grantAccess({ personId, credentialId, accessRuleExternalIds: ['3', '5', '120'] });
    await client.grantAccess({ personId, credentialId, accessRuleExternalIds: ['3', '5', '120'] });
    expect(await levelsOf(credentialId)).toEqual([3, 5, 120]);
  });

  it('reports an access level that no longer exists as ACCESS_RULE_MISSING', async () => {
    const e = await failure(client.grantAccess({ personId, credentialId, accessRuleExternalIds: ['999'] }));
    expect(e.code).toBe('ACCESS_RULE_MISSING');
    expect(e.message).toContain('The property AccessLevelID did not exist');
  });

  it('revokes the listed levels; absent ones and a missing credential count as success', async () => {
    await client.grantAccess({ personId, credentialId, accessRuleExternalIds: ['3', '5'] });
    await client.revokeAccess({ personId, credentialId, accessRuleExternalIds: ['5', '77'] });
    expect(await levelsOf(credentialId)).toEqual([3]);
    await client.revokeAccess({ personId, credentialId, accessRuleExternalIds: ['5'] });
    await client.revokeAccess({ personId, credentialId: '', accessRuleExternalIds: ['3'] });
    await client.revokeAccess({ personId, credentialId: '424242', accessRuleExternalIds: ['3'] });
    expect(await levelsOf(credentialId)).toEqual([3]);
  });
});

describe('deactivateBadge', () => {
  let personId: string;
  let credentialId: string;
  beforeEach(async () => {
    personId = (await client.findOrCreateVisitor({ visitId: 'v1', firstName: 'New', lastName: 'Person', email: 'new@example.com' })).personId;
    credentialId = (await issue(personId, '1234', { end: new Date(Date.now() + 3_600_000) })).credentialId;
  });

  it('switches the badge off, then deletes its record so the pool card can go to the next visitor', async () => {
    await client.deactivateBadge({ personId, credentialId });
    expect((await state()).instances.Lnl_Badge.filter((b: any) => b.ID === 1234)).toHaveLength(0);
    const log = (await h.control('GET', '/requests')).json as Array<{ method: string; path: string; body?: any }>;
    const writes = log.filter((r) => r.path === '/instances' && (r.method === 'PUT' || r.method === 'DELETE')).map((r) => r.method);
    expect(writes.slice(-2)).toEqual(['PUT', 'DELETE']);
    const other = (await client.findOrCreateVisitor({ visitId: 'v2', firstName: 'Next', lastName: 'Visitor', email: 'next@example.com' })).personId;
    expect((await issue(other, '1234')).created).toBe(true);
    expect((await badgeRow(1234)).PERSONID).toBe(Number(other));
  });

  it('with releaseOnDeactivate false, sets the Inactive status and DEACTIVATE to now and keeps the record; again is a no-op', async () => {
    const keep = clients.make(h, { settings: { releaseOnDeactivate: false } });
    await keep.deactivateBadge({ personId, credentialId });
    const row = await badgeRow(1234);
    expect(row.STATUS).toBe(2);
    expect(Math.abs(Date.parse(row.DEACTIVATE) - Date.now())).toBeLessThan(5_000);
    await h.control('POST', '/stats/reset');
    await keep.deactivateBadge({ personId, credentialId });
    expect((await h.control('GET', '/stats')).json.byRoute['PUT /instances']).toBeUndefined();
  });

  it('uses the configured inactive status name', async () => {
    const c = clients.make(h, { settings: { inactiveStatusName: 'returned', releaseOnDeactivate: false } });
    await c.deactivateBadge({ personId, credentialId });
    expect((await badgeRow(1234)).STATUS).toBe(3);
  });

  it('says which status names exist when the configured one does not', async () => {
    const c = clients.make(h, { settings: { inactiveStatusName: 'Disabled' } });
    const e = await failure(c.deactivateBadge({ personId, credentialId }));
    expect(e.code).toBe('PACS_VALIDATION');
    expect(e.message).toContain('no badge status named "Disabled" (it has: Active, Inactive, Returned, Lost)');
    expect(e.message).toContain('inactiveStatusName');
  });

  it('treats an absent badge, or one now held by someone else, as done and leaves it alone', async () => {
    await client.deactivateBadge({ personId, credentialId: '424242' });
    await client.deactivateBadge({ personId, credentialId: '' });
    await client.deactivateBadge({ personId, credentialId: '13000' });
    expect((await badgeRow(1500)).STATUS).toBe(1);
  });
});

describe('wire format and close', () => {
  it('sends version=1.0 on every call and type_name in both the query and the body of writes', async () => {
    await h.control('DELETE', '/requests');
    const { personId } = await client.findOrCreateVisitor({ visitId: 'v1', firstName: 'A', lastName: 'B', email: 'ab@example.com' });
    const { credentialId } = await issue(personId, '1234');
    await client.grantAccess({ personId, credentialId, accessRuleExternalIds: ['1'] });
    await client.revokeAccess({ personId, credentialId, accessRuleExternalIds: ['1'] });
    await client.deactivateBadge({ personId, credentialId });
    const log = (await h.control('GET', '/requests')).json as any[];
    expect(log.every((r) => r.query.version === '1.0')).toBe(true);
    expect(log.every((r) => r.applicationId === 'OPEN_ACCESS_NON_PRODUCTION')).toBe(true);
    const writes = log.filter((r) => r.path === '/instances' && r.method !== 'GET');
    expect(writes.map((r) => r.method)).toEqual(['POST', 'POST', 'POST', 'DELETE', 'PUT', 'DELETE']);
    for (const w of writes) {
      expect(w.query.type_name).toBe(w.body.type_name);
      expect(w.body.property_value_map).toBeDefined();
    }
    expect(log.filter((r) => r.path === '/authentication')).toHaveLength(1);
  });

  it('close() logs out and releases the session', async () => {
    await client.listAccessRules();
    expect((await h.control('GET', '/session')).json.sessions).toHaveLength(1);
    await client.close();
    expect((await h.control('GET', '/session')).json.sessions).toHaveLength(0);
  });
});

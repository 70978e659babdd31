import { raw, SimHarness, useSimHarness } from './helpers';

/** The write rules of docs §7, in their order, and the request forms real clients use. */
let h: SimHarness;
useSimHarness((x) => (h = x), { login: true });

const newVisitor = async (lastName = 'Doe') => {
  const r = await h.create('Lnl_Visitor', { FIRSTNAME: 'Jane', LASTNAME: lastName, EMAIL: `${lastName.toLowerCase()}@example.com` });
  expect(r.status).toBe(200);
  return r.json.property_value_map.ID as number;
};
const badge = (pvm: object) => h.create('Lnl_Badge', pvm);
const errorOf = (r: { json: any }) => r.json?.error?.code;

describe('Lnl_Visitor', () => {
  it('creates with FIRSTNAME, LASTNAME, EMAIL, ORGANIZATION and answers only the key, from the shared person counter', async () => {
    const r = await h.create('Lnl_Visitor', { FIRSTNAME: 'Jane', LASTNAME: 'Doe', EMAIL: 'jane@example.com', ORGANIZATION: 'Acme' });
    expect(r.json).toEqual({ property_value_map: { ID: 4 }, type_name: 'Lnl_Visitor', version: '1.0' });
    const c = await h.create('Lnl_Cardholder', { LASTNAME: 'Next' });
    expect(c.json.property_value_map).toEqual({ ID: 5 });
    const got = await h.list('Lnl_Visitor', 'ID = 4');
    expect(got.json.item_list[0].property_value_map).toMatchObject({
      ID: 4,
      FIRSTNAME: 'Jane',
      LASTNAME: 'Doe',
      EMAIL: 'jane@example.com',
      ORGANIZATION: 'Acme',
    });
  });

  it('requires LASTNAME (invalidrequestitem)', async () => {
    const r = await h.create('Lnl_Visitor', { FIRSTNAME: 'Only' });
    expect(r.status).toBe(400);
    expect(r.json.error).toEqual({
      code: 'openaccess.general.invalidrequestitem',
      message: 'The property LASTNAME did not exist or contained an invalid value.',
    });
  });

  it('stores user-defined fields on people but refuses unknown properties elsewhere', async () => {
    const r = await h.create('Lnl_Visitor', { LASTNAME: 'Udf', iam_id: 'X-1' });
    expect(r.status).toBe(200);
    const got = await h.list('Lnl_Visitor', 'IAM_ID = "X-1"');
    expect(got.json.item_list[0].property_value_map.IAM_ID).toBe('X-1');
    const v = await newVisitor();
    const b = await badge({ ID: 1001, PERSONID: v, TYPE: 2, COLOUR: 'red' });
    expect(b.status).toBe(400);
    expect(b.json.error.message).toBe('The property COLOUR did not exist or contained an invalid value.');
  });

  it('updates with PUT by ID and deletes with DELETE (refused while badges exist, unless cascading)', async () => {
    const v = await newVisitor();
    const put = await h.send('PUT', '/instances', { type_name: 'Lnl_Visitor', property_value_map: { id: v, title: 'CTO' } });
    expect(put.status).toBe(200);
    expect(put.json.property_value_map).toMatchObject({ ID: v, TITLE: 'CTO', LASTNAME: 'Doe' });
    await badge({ ID: 1001, PERSONID: v, TYPE: 2 });
    const refused = await h.send('DELETE', '/instances', { type_name: 'Lnl_Visitor', property_value_map: { ID: v } });
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toBe('openaccess.general.itemreferenced');
    await h.control('PUT', '/options', { deletePersonWithBadges: 'cascade' });
    expect((await h.send('DELETE', '/instances', { type_name: 'Lnl_Visitor', property_value_map: { ID: v } })).json).toEqual({ version: '1.0' });
    expect((await h.list('Lnl_Badge', 'ID = 1001')).json.count).toBe(0);
  });
});

describe('Lnl_Badge create rules, in order', () => {
  it('1. PERSONID must be an existing visitor or cardholder: the captured real error (S2)', async () => {
    for (const pvm of [
      { ID: 1001, PERSONID: 999, TYPE: 2 },
      { ID: 1001, TYPE: 2 },
      { ID: 1001, PERSONID: 'x', TYPE: 99, STATUS: 99 },
    ]) {
      const r = await badge(pvm);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        error: { code: 'openaccess.general.invalidrequestitem', message: 'The property PERSONID did not exist or contained an invalid value.' },
        version: '1.0',
      });
    }
    // A cardholder is a valid holder too.
    expect((await badge({ ID: 1001, PERSONID: 1, TYPE: 2, STATUS: 2 })).status).toBe(200);
  });

  it('2. TYPE must exist (checked before the ID), and STATUS if given', async () => {
    const v = await newVisitor();
    const r = await badge({ ID: 99999999999, PERSONID: v, TYPE: 77 });
    expect(r.json.error.message).toBe('The property TYPE did not exist or contained an invalid value.');
    const s = await badge({ ID: 1001, PERSONID: v, TYPE: 2, STATUS: 9 });
    expect(s.json.error.message).toBe('The property STATUS did not exist or contained an invalid value.');
    expect((await badge({ PERSONID: v, TYPE: 2 })).json.error.message).toMatch(/property ID/);
  });

  it('3. the ID has at most max_badge_id_length digits (before the range check)', async () => {
    const v = await newVisitor();
    const r = await badge({ ID: 12345678901, PERSONID: v, TYPE: 2 });
    expect(r.status).toBe(400);
    expect(errorOf(r)).toBe('openaccess.general.badgeidtoolong');
    await h.control('POST', '/seed', { cardholderSettings: { max_badge_id_length: 3 } });
    expect(errorOf(await badge({ ID: 1001, PERSONID: v, TYPE: 2 }))).toBe('openaccess.general.badgeidtoolong');
  });

  it('4. the ID lies within the badge type range; the check can be switched off', async () => {
    const v = await newVisitor();
    for (const id of [999, 2000, 5500]) {
      const r = await badge({ ID: id, PERSONID: v, TYPE: 2 });
      expect(r.status).toBe(400);
      expect(r.json.error).toEqual({
        code: 'openaccess.general.badgeidoutofrange',
        message: `Badge ID ${id} is outside the range 1000-1999 allowed for badge type Visitor.`,
      });
    }
    expect((await badge({ ID: 5500, PERSONID: v, TYPE: 3 })).status).toBe(200);
    await h.control('PUT', '/options', { enforceBadgeIdRange: false });
    const v2 = await newVisitor('Other');
    expect((await badge({ ID: 2000, PERSONID: v2, TYPE: 2 })).status).toBe(200);
  });

  it('5. a badge type that allocates IDs automatically refuses an entered ID; switchable', async () => {
    const v = await newVisitor();
    const r = await badge({ ID: 4242, PERSONID: v, TYPE: 1 });
    expect(r.status).toBe(400);
    expect(r.json.error).toEqual({
      code: 'openaccess.general.badgetypenotmanual',
      message: 'Badge type Employee allocates badge IDs automatically; an ID cannot be entered.',
    });
    await h.control('PUT', '/options', { enforceManualEntry: false });
    expect((await badge({ ID: 4242, PERSONID: v, TYPE: 1 })).status).toBe(200);
  });

  it('6. the ID is unique, whatever the status of the badge already holding it', async () => {
    const v = await newVisitor();
    for (const id of [1500, 1700]) {
      const r = await badge({ ID: id, PERSONID: v, TYPE: 2 });
      expect(r.status).toBe(400);
      expect(r.json.error).toEqual({ code: 'openaccess.general.duplicatebadgeid', message: `A badge with ID ${id} already exists.` });
    }
  });

  it('7. one active badge per person when max_active_badges is 1; inactive ones do not count', async () => {
    const r = await badge({ ID: 1001, PERSONID: 3, TYPE: 2 });
    expect(r.status).toBe(400);
    expect(errorOf(r)).toBe('openaccess.general.activebadgelimit');
    expect(r.json.error.message).toMatch(/already has 1 active badge/);
    expect((await badge({ ID: 1001, PERSONID: 3, TYPE: 2, STATUS: 2 })).status).toBe(200);
    await h.control('POST', '/seed', { cardholderSettings: { max_active_badges: 2 } });
    expect((await badge({ ID: 1002, PERSONID: 3, TYPE: 2 })).status).toBe(200);
    expect(errorOf(await badge({ ID: 1003, PERSONID: 3, TYPE: 2 }))).toBe('openaccess.general.activebadgelimit');
  });

  it('creates with defaults, answers only BADGEKEY, and stores dates in server-local offset', async () => {
    const v = await newVisitor();
    const r = await badge({ ID: 1234, PERSONID: v, TYPE: 2, ACTIVATE: '2024-05-01T08:00:00-00:00', DEACTIVATE: '2024-05-01T18:00:00Z' });
    expect(r.json).toEqual({ property_value_map: { BADGEKEY: 13001 }, type_name: 'Lnl_Badge', version: '1.0' });
    const got = (await h.list('Lnl_Badge', 'BADGEKEY = 13001')).json.item_list[0].property_value_map;
    expect(got).toMatchObject({
      BADGEKEY: 13001,
      ID: 1234,
      PERSONID: v,
      TYPE: 2,
      STATUS: 1,
      ISSUECODE: 0,
      ACTIVATE: '2024-05-01T03:00:00-05:00',
      DEACTIVATE: '2024-05-01T13:00:00-05:00',
      USELIMIT: null,
      APBEXEMPT: false,
    });
    expect(Object.keys(got)).toEqual(
      expect.arrayContaining(['BADGEKEY', 'ID', 'PERSONID', 'TYPE', 'STATUS', 'ACTIVATE', 'DEACTIVATE', 'ISSUECODE', 'LASTCHANGED']),
    );
  });

  it('keeps badge IDs beyond 2^53 exact', async () => {
    await h.control('POST', '/seed', {
      cardholderSettings: { max_badge_id_length: 19 },
      badgeTypes: [{ ID: 9, Name: 'Long', BADGETYPECLASS: 3, manualEntry: true, idRange: null }],
    });
    const v = await newVisitor();
    const r = await raw(h.url('/instances'), {
      method: 'POST',
      headers: h.headers(),
      body: `{"type_name":"Lnl_Badge","property_value_map":{"ID":9007199254740993123,"PERSONID":${v},"TYPE":9}}`,
    });
    expect(r.status).toBe(200);
    const got = await h.list('Lnl_Badge', 'ID = 9007199254740993123');
    expect(got.text).toContain('"ID":9007199254740993123');
  });
});

describe('Lnl_Badge PUT and DELETE', () => {
  it('updates only the fields sent, by BADGEKEY, and answers the full record', async () => {
    const r = await h.send('PUT', '/instances', {
      type_name: 'Lnl_Badge',
      property_value_map: { BADGEKEY: 13000, STATUS: 2, DEACTIVATE: '2024-01-01T00:00:00Z' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      type_name: 'Lnl_Badge',
      property_value_map: { BADGEKEY: 13000, ID: 1500, PERSONID: 1, STATUS: 2, DEACTIVATE: '2023-12-31T19:00:00-05:00' },
    });
  });

  it('refuses a changed PERSONID, an unknown STATUS and an unknown or missing BADGEKEY', async () => {
    expect(errorOf(await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: 13000, PERSONID: 2 } }))).toBe(
      'openaccess.general.immutableproperty',
    );
    expect((await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: 13000, STATUS: 42 } })).json.error.message).toMatch(
      /STATUS/,
    );
    const missing = await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: 1, STATUS: 2 } });
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toBe('openaccess.general.itemnotfound');
    expect((await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { STATUS: 2 } })).json.error.message).toMatch(/BADGEKEY/);
  });

  it('re-checks the active-badge limit when a badge becomes active again', async () => {
    const r = await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: 12998, STATUS: 1 } });
    expect(errorOf(r)).toBe('openaccess.general.activebadgelimit');
  });

  it('DELETE with a JSON body removes the badge and its assignments', async () => {
    const r = await h.send('DELETE', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: 13000 } });
    expect(r.json).toEqual({ version: '1.0' });
    expect((await h.list('Lnl_AccessLevelAssignment', 'BADGEKEY = 13000')).json.count).toBe(0);
  });

  it('leaves assignments alone when a badge turns inactive, unless told otherwise', async () => {
    await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: 13000, STATUS: 2 } });
    expect((await h.list('Lnl_AccessLevelAssignment', 'BadgeKey = 13000')).json.count).toBe(2);
    await h.control('PUT', '/options', { inactiveDropsAssignments: true });
    await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: 12997, STATUS: 3 } });
    expect((await h.list('Lnl_AccessLevelAssignment', 'BadgeKey = 12997')).json.count).toBe(0);
  });

  it('refuses writes to the reference types', async () => {
    const r = await h.create('Lnl_AccessLevel', { Name: 'Mine' });
    expect(r.status).toBe(405);
    expect(errorOf(r)).toBe('openaccess.general.operationnotsupported');
  });
});

describe('Lnl_AccessLevelAssignment', () => {
  let key: number;
  beforeEach(async () => {
    const v = await newVisitor();
    key = (await badge({ ID: 1001, PERSONID: v, TYPE: 2 })).json.property_value_map.BADGEKEY;
  });

  it('creates with mixed-case or upper-case names and answers AccessLevelID and BadgeKey (S2, S6)', async () => {
    const a = await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 5, BadgeKey: key });
    expect(a.json).toEqual({ property_value_map: { AccessLevelID: 5, BadgeKey: key }, type_name: 'Lnl_AccessLevelAssignment', version: '1.0' });
    const b = await h.create('Lnl_AccessLevelAssignment', { ACCESSLEVELID: 6, BADGEKEY: key, ACTIVATE: '2024-05-01T08:00:00Z' });
    expect(b.status).toBe(200);
    const list = await h.list('Lnl_AccessLevelAssignment', `BADGEKEY = ${key}`);
    expect(list.json.item_list.map((i: any) => i.property_value_map)).toEqual([
      { AccessLevelID: 5, BadgeKey: key, Activate: null, Deactivate: null },
      { AccessLevelID: 6, BadgeKey: key, Activate: '2024-05-01T03:00:00-05:00', Deactivate: null },
    ]);
  });

  it('requires an existing access level and badge', async () => {
    expect((await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 999, BadgeKey: key })).json.error.message).toBe(
      'The property AccessLevelID did not exist or contained an invalid value.',
    );
    expect((await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 5, BadgeKey: 1 })).json.error.message).toMatch(/BadgeKey/);
  });

  it('assigns to active badges only', async () => {
    const r = await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 5, BadgeKey: 12998 });
    expect(r.status).toBe(400);
    expect(errorOf(r)).toBe('openaccess.general.badgenotactive');
  });

  it('refuses a duplicate pair and more than max_accesslevels_per_badge_total', async () => {
    await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 5, BadgeKey: key });
    expect(errorOf(await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 5, BadgeKey: key }))).toBe('openaccess.general.duplicateitem');
    await h.control('POST', '/seed', { cardholderSettings: { max_accesslevels_per_badge_total: 1 } });
    expect(errorOf(await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 6, BadgeKey: key }))).toBe('openaccess.general.accesslevellimit');
  });

  it('cannot be modified (405) and is deleted by its pair; deleting an absent pair is a 404', async () => {
    await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 5, BadgeKey: key });
    expect(
      (await h.send('PUT', '/instances', { type_name: 'Lnl_AccessLevelAssignment', property_value_map: { AccessLevelID: 5, BadgeKey: key } })).status,
    ).toBe(405);
    const del = await h.send('DELETE', '/instances', { type_name: 'Lnl_AccessLevelAssignment', property_value_map: { accesslevelid: 5, badgekey: key } });
    expect(del.json).toEqual({ version: '1.0' });
    const again = await h.send('DELETE', '/instances', { type_name: 'Lnl_AccessLevelAssignment', property_value_map: { AccessLevelID: 5, BadgeKey: key } });
    expect(again.status).toBe(404);
  });
});

describe('parameters from the query string or the JSON body, merged', () => {
  it('POST with type_name in the query and the map in the body (S6) equals both in the body (S2)', async () => {
    const a = await raw(h.url('/instances', { type_name: 'Lnl_Visitor' }), {
      method: 'POST',
      headers: h.headers(),
      body: { property_value_map: { LASTNAME: 'Query' } },
    });
    expect(a.json).toMatchObject({ type_name: 'Lnl_Visitor', property_value_map: { ID: 4 } });
    const b = await h.create('Lnl_Visitor', { LASTNAME: 'Body' });
    expect(b.json.property_value_map.ID).toBe(5);
  });

  it('accepts property_value_map as a JSON string in the query', async () => {
    const r = await raw(h.url('/instances', { type_name: 'Lnl_Visitor', property_value_map: JSON.stringify({ LASTNAME: 'Q' }) }), {
      method: 'POST',
      headers: h.headers(),
    });
    expect(r.status).toBe(200);
  });

  it('PUT and DELETE take their parameters from the query too', async () => {
    const put = await raw(h.url('/instances', { type_name: 'Lnl_Badge' }), {
      method: 'PUT',
      headers: h.headers(),
      body: { property_value_map: { BADGEKEY: 13000, STATUS: 2 } },
    });
    expect(put.json.property_value_map.STATUS).toBe(2);
    const del = await raw(h.url('/instances', { type_name: 'Lnl_Badge', property_value_map: '{"BADGEKEY":13000}' }), {
      method: 'DELETE',
      headers: h.headers(),
    });
    expect(del.json).toEqual({ version: '1.0' });
  });

  it('a body value wins over the same query parameter, and parameter names are case-insensitive', async () => {
    const r = await raw(h.url('/instances', { TYPE_NAME: 'Lnl_Badge', page_size: 1 }), {
      method: 'GET',
      headers: h.headers(),
      body: { page_size: 2, filter: 'STATUS = 1' },
    });
    expect(r.json).toMatchObject({ count: 2, page_size: 2, type_name: 'Lnl_Badge' });
  });
});

describe('property casing', () => {
  it('accepts any casing in requests and answers each type in its canonical casing (docs §2.3)', async () => {
    const v = (await h.create('lnl_visitor', { firstname: 'low', lastname: 'case', Email: 'Low@Example.com' })).json.property_value_map.ID;
    const b = await badge({ id: 1001, personid: v, type: 2, status: 1 });
    expect(b.status).toBe(200);
    const canon = async (t: string, filter: string) => Object.keys((await h.list(t, filter)).json.item_list[0].property_value_map);
    expect(await canon('Lnl_Visitor', `id = ${v}`)).toEqual(expect.arrayContaining(['ID', 'FIRSTNAME', 'LASTNAME', 'EMAIL']));
    expect(await canon('Lnl_Badge', 'id = 1001')).toEqual(expect.arrayContaining(['BADGEKEY', 'PERSONID']));
    expect(await canon('Lnl_AccessLevel', 'id = 1')).toEqual([
      'ID',
      'Name',
      'SegmentID',
      'HasCommandAuthority',
      'DownloadToIntelligentReaders',
      'FirstCardUnlock',
    ]);
    expect(await canon('Lnl_BadgeStatus', 'name = "active"')).toEqual(['ID', 'Name']);
    expect(await canon('Lnl_AccessLevelAssignment', 'badgekey = 13000')).toEqual(['AccessLevelID', 'BadgeKey', 'Activate', 'Deactivate']);
  });

  it('hides the simulator-only badge-type fields when told to look like a real server', async () => {
    const before = (await h.list('Lnl_BadgeType', 'ID = 2')).json.item_list[0].property_value_map;
    expect(before).toMatchObject({ ID: 2, Name: 'Visitor', BADGETYPECLASS: 3, SIM_MANUAL_ENTRY: true, SIM_MIN_ID: 1000, SIM_MAX_ID: 1999 });
    await h.control('PUT', '/options', { exposeSimulatorBadgeTypeFields: false });
    const after = (await h.list('Lnl_BadgeType', 'ID = 2')).json.item_list[0].property_value_map;
    expect(Object.keys(after).some((k) => k.startsWith('SIM_'))).toBe(false);
    expect((await h.list('Lnl_BadgeType', 'SIM_MIN_ID = 1000')).status).toBe(400);
  });
});

describe('seed data and /__sim/seed', () => {
  it('starts with the documented seed: 130 access levels, 4 statuses, 4 badge types, people holding badges', async () => {
    const s = await h.state();
    expect(s.instances.Lnl_AccessLevel).toHaveLength(130);
    expect(s.instances.Lnl_BadgeStatus.map((x: any) => x.Name)).toEqual(['Active', 'Inactive', 'Returned', 'Lost']);
    expect(s.instances.Lnl_BadgeType.map((x: any) => [x.Name, x.BADGETYPECLASS, x.SIM_MANUAL_ENTRY, x.SIM_MIN_ID, x.SIM_MAX_ID])).toEqual([
      ['Employee', 1, false, null, null],
      ['Visitor', 3, true, 1000, 1999],
      ['Contractor visitor', 3, true, 5000, 5999],
      ['Temporary', 2, true, null, null],
    ]);
    expect(s.instances.Lnl_Badge.find((b: any) => b.ID === 1500)).toMatchObject({ PERSONID: 1, STATUS: 1 });
    expect(s.instances.Lnl_Badge.find((b: any) => b.ID === 1234)).toBeUndefined();
    expect(s.users[0].password).toBe('***');
  });

  it('upserts rows by key with friendly badge-type fields, and replaces lists on request', async () => {
    const r = await h.control('POST', '/seed', {
      badgeTypes: [{ ID: 2, Name: 'Visitor', BADGETYPECLASS: 3, manualEntry: true, idRange: { min: 100, max: 199 } }],
      visitors: [{ FIRSTNAME: 'Seeded', LASTNAME: 'Person' }],
      badges: [{ ID: 150, PERSONID: 4, TYPE: 2 }],
    });
    expect(r.status).toBe(200);
    expect(r.json.counts).toMatchObject({ Lnl_BadgeType: 4, Lnl_Visitor: 2, Lnl_Badge: 5 });
    const s = await h.state();
    expect(s.instances.Lnl_BadgeType.find((t: any) => t.ID === 2)).toMatchObject({ SIM_MIN_ID: 100, SIM_MAX_ID: 199 });
    expect(s.instances.Lnl_Badge.find((b: any) => b.ID === 150)).toMatchObject({ BADGEKEY: 13001, STATUS: 1 });
    // Ids handed out by the API continue after seeded ones.
    expect((await h.create('Lnl_Visitor', { LASTNAME: 'After' })).json.property_value_map.ID).toBe(5);

    await h.control('POST', '/seed', { replace: true, accessLevels: [{ ID: 1, Name: 'Only' }] });
    expect((await h.list('Lnl_AccessLevel')).json.total_items).toBe(1);
  });

  it('refuses malformed seed data with a 400 and changes nothing', async () => {
    const r = await h.control('POST', '/seed', { badges: [{ ID: 'not-a-number', PERSONID: 1, TYPE: 2 }] });
    expect(r.status).toBe(400);
    expect((await h.control('POST', '/seed', { nonsense: true })).status).toBe(400);
    expect((await h.state()).instances.Lnl_Badge).toHaveLength(4);
  });

  it('reset restores the seed, and a reset body is applied as seed data on top', async () => {
    await h.create('Lnl_Visitor', { LASTNAME: 'Temp' });
    await h.reset({ users: [{ user_name: 'second', password: 'pw-2' }] });
    const s = await h.state();
    expect(s.instances.Lnl_Visitor).toHaveLength(1);
    expect(s.users.map((u: any) => u.userName)).toEqual(['admin', 'second']);
  });
});

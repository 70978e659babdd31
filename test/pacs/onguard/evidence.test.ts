import { raw, SimHarness, useSimHarness } from '../../simulators/onguard/helpers';

/**
 * The requests and responses quoted in docs/pacs/onguard-openaccess.md, replayed against the simulator:
 * if the simulator drifts from what real servers were seen to send, the client's contract tests stop
 * meaning anything, so these shapes are pinned here. Source keys as in the evidence document.
 */
let h: SimHarness;
useSimHarness((x) => (h = x), { login: true });

const keys = (o: object) => Object.keys(o).sort();

describe('captured create responses (S2 pkg/client/client.go, commit 3b9f232)', () => {
  it('Lnl_Cardholder: {"property_value_map":{"ID":13426},"type_name":"Lnl_Cardholder","version":"1.0"}', async () => {
    const r = await h.create('Lnl_Cardholder', { FIRSTNAME: 'Cap', LASTNAME: 'Tured' });
    expect(r.status).toBe(200);
    expect(keys(r.json)).toEqual(['property_value_map', 'type_name', 'version']);
    expect(r.json).toEqual({ property_value_map: { ID: expect.any(Number) }, type_name: 'Lnl_Cardholder', version: '1.0' });
  });

  it('Lnl_Badge: {"property_value_map":{"BADGEKEY":13239},"type_name":"Lnl_Badge","version":"1.0"}', async () => {
    const v = (await h.create('Lnl_Visitor', { LASTNAME: 'V' })).json.property_value_map.ID;
    const r = await h.create('Lnl_Badge', { ID: 1234, PERSONID: v, TYPE: 2 });
    expect(r.json).toEqual({ property_value_map: { BADGEKEY: expect.any(Number) }, type_name: 'Lnl_Badge', version: '1.0' });
  });

  it('Lnl_AccessLevelAssignment: {"property_value_map":{"AccessLevelID":1,"BadgeKey":13239},…}', async () => {
    const v = (await h.create('Lnl_Visitor', { LASTNAME: 'V' })).json.property_value_map.ID;
    const key = (await h.create('Lnl_Badge', { ID: 1234, PERSONID: v, TYPE: 2 })).json.property_value_map.BADGEKEY;
    const r = await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 1, BadgeKey: key });
    expect(r.json).toEqual({ property_value_map: { AccessLevelID: 1, BadgeKey: key }, type_name: 'Lnl_AccessLevelAssignment', version: '1.0' });
  });
});

describe('captured errors', () => {
  it('bad PERSONID (S2): invalidrequestitem, "The property PERSONID did not exist or contained an invalid value."', async () => {
    const r = await h.create('Lnl_Badge', { ID: 1234, PERSONID: 424242, TYPE: 2 });
    expect(r.json).toEqual({
      error: { code: 'openaccess.general.invalidrequestitem', message: 'The property PERSONID did not exist or contained an invalid value.' },
      version: '1.0',
    });
  });

  it('expired licence on POST /authentication (S7): 401 invalidapplicationid, "License violation. OPEN_ACCESS_NON_PRODUCTION is not licensed…"', async () => {
    await h.control('PUT', '/options', { licensedApplicationIds: ['SOME-PRODUCTION-GUID'] });
    const r = await raw(h.url('/authentication'), {
      method: 'POST',
      headers: { 'Application-Id': 'OPEN_ACCESS_NON_PRODUCTION' },
      body: { user_name: 'admin', password: 'onguard-sim-password', directory_id: 'id-1' },
    });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      error: {
        code: 'openaccess.general.invalidapplicationid',
        message: 'License violation. OPEN_ACCESS_NON_PRODUCTION is not licensed for use with OpenAccess.',
      },
      version: '1.0',
    });
  });

  it('the envelope is in the response body, as PlaceOS found on a 7.5 server (S3 error.cr)', async () => {
    const r = await h.list('Lnl_Badge', 'ID =');
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(keys(r.json)).toEqual(['error', 'version']);
    expect(keys(r.json.error)).toEqual(['code', 'message']);
  });
});

describe('unauthenticated discovery', () => {
  it('GET /version (S1, S3 spec, S2 harness): {product_name, product_version, version}', async () => {
    const r = await raw(h.url('/version'), { headers: { 'Application-Id': 'OPEN_ACCESS_NON_PRODUCTION' } });
    expect(r.json).toEqual({ product_name: 'OnGuard 8.1', product_version: '8.1.639.0', version: '1.0' });
  });

  it('GET /directories with no headers at all (S7 22070604502): "Name", string ID "id-1"', async () => {
    const r = await raw(h.url('/directories'));
    expect(r.status).toBe(200);
    expect(keys(r.json)).toEqual(['item_list', 'total_items', 'version']);
    const first = r.json.item_list[0].property_value_map;
    expect(keys(first)).toEqual(['ID', 'Name', 'directory_type']);
    expect(first.ID).toBe('id-1');
    expect(typeof first.Name).toBe('string');
    expect(first).not.toHaveProperty('NAME');
    expect(typeof first.directory_type).toBe('number');
  });
});

describe('session answers (S1)', () => {
  it('login {user_name, password, directory_id:"id-1"} (S7) answers session_token, token_expiration_time, version', async () => {
    const r = await raw(h.url('/authentication'), {
      method: 'POST',
      headers: { 'Application-Id': 'OPEN_ACCESS_NON_PRODUCTION' },
      body: { user_name: 'admin', password: 'onguard-sim-password', directory_id: 'id-1' },
    });
    expect(keys(r.json)).toEqual(['session_token', 'token_expiration_time', 'version']);
    expect(r.json.session_token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('GET /session, GET /keepalive, DELETE /authentication', async () => {
    expect(keys((await h.get('/session')).json)).toEqual(['token_expiration_time', 'token_start_time', 'user_id', 'version']);
    expect((await h.get('/keepalive')).json).toEqual({ version: '1.0' });
    expect((await h.send('DELETE', '/authentication', {})).json).toEqual({ version: '1.0' });
  });
});

describe('instances (S7 captures, S1)', () => {
  it('a paged GET has count, item_list, page_number, page_size, total_items, total_pages, type_name ("lnl_badge" echoed), version (S7 21264691100, 21508743188)', async () => {
    const r = await h.list('lnl_badge', 'ID=1500');
    expect(keys(r.json)).toEqual(['count', 'item_list', 'page_number', 'page_size', 'total_items', 'total_pages', 'type_name', 'version']);
    expect(r.json.type_name).toBe('lnl_badge');
    expect(keys(r.json.item_list[0])).toEqual(['property_value_map']);
  });

  it('a badge record carries the properties of the real capture, in UPPERCASE', async () => {
    const pvm = (await h.list('Lnl_Badge', 'ID=1500')).json.item_list[0].property_value_map;
    for (const k of [
      'BADGEKEY',
      'ID',
      'PERSONID',
      'TYPE',
      'STATUS',
      'ACTIVATE',
      'DEACTIVATE',
      'ISSUECODE',
      'USELIMIT',
      'PIN',
      'APBEXEMPT',
      'DEST_EXEMPT',
      'DEADBOLT_OVERRIDE',
      'EXTEND_STRIKE_HELD',
      'PASSAGE_MODE',
      'EMBOSSED',
      'PRINTS',
      'LASTPRINT',
      'LASTCHANGED',
    ]) {
      expect(pvm).toHaveProperty(k);
    }
  });

  it('a cardholder record carries the properties of the real capture (S7 21197224027)', async () => {
    const pvm = (await h.list('Lnl_Cardholder', 'ID=1')).json.item_list[0].property_value_map;
    for (const k of [
      'ID',
      'FIRSTNAME',
      'LASTNAME',
      'MIDNAME',
      'SSNO',
      'EMAIL',
      'ADDR1',
      'CITY',
      'STATE',
      'ZIP',
      'PHONE',
      'OPHONE',
      'EXT',
      'BDATE',
      'BUILDING',
      'DEPT',
      'DIVISION',
      'LOCATION',
      'TITLE',
      'FLOOR',
      'ALLOWEDVISITORS',
      'LASTCHANGED',
    ]) {
      expect(pvm).toHaveProperty(k);
    }
  });

  it('dates come back as ISO-8601 with the server offset, e.g. "2015-07-08T00:00:00-07:00"; unset ones as null', async () => {
    await h.control('PUT', '/options', { utcOffsetMinutes: -420 });
    const v = (await h.create('Lnl_Visitor', { LASTNAME: 'V' })).json.property_value_map.ID;
    // S6 sends UTC written as -00:00.
    await h.create('Lnl_Badge', { ID: 1234, PERSONID: v, TYPE: 2, ACTIVATE: '2015-07-08T07:00:00-00:00' });
    const pvm = (await h.list('Lnl_Badge', 'ID=1234')).json.item_list[0].property_value_map;
    expect(pvm.ACTIVATE).toBe('2015-07-08T00:00:00-07:00');
    expect(pvm.DEACTIVATE).toBeNull();
  });

  it('GET /count answers {total_items, version} (S1; S3 counts visitors by email before creating)', async () => {
    expect((await h.get('/count', { type_name: 'Lnl_Visitor', filter: 'email = "victor.visitor@example.com"' })).json).toEqual({
      total_items: 1,
      version: '1.0',
    });
  });

  it('PUT answers an Instance with property_value_map; DELETE answers {version} (S1)', async () => {
    const put = await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: 13000, STATUS: 2 } });
    expect(put.json).toMatchObject({ version: '1.0', property_value_map: { BADGEKEY: 13000, STATUS: 2 } });
    const del = await h.send('DELETE', '/instances', { type_name: 'Lnl_AccessLevelAssignment', property_value_map: { AccessLevelID: 1, BadgeKey: 13000 } });
    expect(del.json).toEqual({ version: '1.0' });
  });
});

describe('request forms seen in real clients', () => {
  it('S6: POST /instances?type_name=… with upper-case ACCESSLEVELID and BADGEKEY', async () => {
    const r = await raw(h.url('/instances', { type_name: 'Lnl_AccessLevelAssignment', queue: 'false' }), {
      method: 'POST',
      headers: h.headers(),
      body: { property_value_map: { ACCESSLEVELID: 3, BADGEKEY: 13000 } },
    });
    expect(r.json.property_value_map).toEqual({ AccessLevelID: 3, BadgeKey: 13000 });
  });

  it('S3: lower-case keys (email, firstname, lastname / personid, type, id)', async () => {
    const v = await h.create('Lnl_Visitor', { email: 'lc@example.com', firstname: 'Lower', lastname: 'Case' });
    const b = await h.create('Lnl_Badge', { personid: v.json.property_value_map.ID, type: 2, id: 1234 });
    expect(b.status).toBe(200);
  });

  it('S2 and S3: filter names in another casing than the response keys (BADGEKEY= vs BadgeKey; email = vs EMAIL)', async () => {
    const a = await h.list('Lnl_AccessLevelAssignment', 'BADGEKEY=13000');
    expect(a.json.item_list.map((i: any) => i.property_value_map.BadgeKey)).toEqual([13000, 13000]);
    const v = await h.list('Lnl_Visitor', 'email = "victor.visitor@example.com"');
    expect(v.json.item_list[0].property_value_map.EMAIL).toBe('victor.visitor@example.com');
  });

  it('S9: a numeric badge ID quoted as a string, ID="1944"; S2: numbers bare, ReaderID=8 AND PanelID=9 style', async () => {
    expect((await h.list('Lnl_Badge', 'ID="1500"')).json.count).toBe(1);
    expect((await h.list('Lnl_Badge', 'PERSONID=1 AND STATUS=1')).json.count).toBe(1);
  });

  it('S8: a URL-encoded user-defined-field filter, IAM_ID%3D%22…%22', async () => {
    await h.create('Lnl_Cardholder', { LASTNAME: 'Udf', IAM_ID: 'ab12' });
    const r = await raw(`${h.url('/instances', { type_name: 'Lnl_Cardholder' })}&filter=IAM_ID%3D%22ab12%22`, { headers: h.headers() });
    expect(r.json.count).toBe(1);
  });

  it('S9: a date comparison, EventTime>"2023-05-09T15:35:00" (here on LASTCHANGED)', async () => {
    const r = await h.list('Lnl_Cardholder', 'LASTCHANGED>"2023-05-09T15:35:00"');
    expect(r.json.count).toBe(2);
  });
});

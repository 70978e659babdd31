import { ACTIVE_STATUS_ID, INACTIVE_STATUS_ID, SEED } from '../../../src/simulators/onguard/seed';
import { APP_ID, BASE, raw, useSimHarness, type SimHarness } from './helpers';

/**
 * The OnGuard simulator answers the exact requests that public OpenAccess clients send to real servers:
 * their URLs (query encoding, parameter order, where type_name sits), headers, bodies (key casing, value
 * formats) and the answers they parse. Each case names the client and file it was read from; the shapes are
 * restated here as data, nothing is copied. Source keys (S1…S9) are those of the evidence file
 * /work/shared/docs/pacs/onguard-openaccess.md §10.
 */
describe('OnGuard simulator: request shapes of public OpenAccess clients', () => {
  let h: SimHarness;
  useSimHarness((x) => (h = x));

  const origin = () => h.sim.providerUrl + BASE;
  /** Go's http.Client as S2 configures it: JSON both ways on every call. */
  const goHeaders = (extra: Record<string, string> = {}) => ({ 'Content-Type': 'application/json', Accept: 'application/json', ...extra });
  const session = () => ({ 'Application-Id': APP_ID, 'Session-Token': h.token });

  async function loginLikeChubb(): Promise<string> {
    // aurongroup/chubb-openaccess-sync-go pkg/client/client.go Authenticate: directory_id always present, "" when unset.
    const r = await raw(`${origin()}/authentication?version=1.0`, {
      method: 'POST',
      headers: goHeaders({ 'Application-Id': APP_ID }),
      body: JSON.stringify({ user_name: h.sim.credentials.username, password: h.sim.credentials.password, directory_id: '' }),
    });
    expect(r.status).toBe(200);
    h.token = r.json.session_token;
    return h.token;
  }

  describe('version, directories, authentication', () => {
    it('chubb-openaccess-sync-go pkg/client/client.go Ping: GET /version?version=1.0 with only Application-Id', async () => {
      const r = await raw(`${origin()}/version?version=1.0`, { headers: goHeaders({ 'Application-Id': APP_ID }) });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ product_name: expect.stringMatching(/^OnGuard /), product_version: expect.any(String), version: '1.0' });
    });

    it('MOBSS scripts (S7 id 22070604502): GET /directories with no headers at all, read item_list[0].property_value_map.ID', async () => {
      const r = await raw(`${origin()}/directories?version=1.0`);
      expect(r.status).toBe(200);
      expect(r.json.item_list[0].property_value_map).toEqual({ ID: 'id-1', Name: expect.any(String), directory_type: expect.any(Number) });
    });

    it('PlaceOS drivers/lenel/open_access/client.cr directories: {ID: String, Name: String, directory_type: Int32}, total_items', async () => {
      const r = await raw(`${origin()}/directories?version=1.0`, { headers: { 'Application-Id': APP_ID, 'Content-Type': 'application/json' } });
      expect(r.json.total_items).toBe(r.json.item_list.length);
      for (const item of r.json.item_list) {
        expect(typeof item.property_value_map.ID).toBe('string');
        expect(typeof item.property_value_map.Name).toBe('string');
        expect(Number.isInteger(item.property_value_map.directory_type)).toBe(true);
      }
    });

    it('chubb-openaccess-sync-go pkg/client/client.go Authenticate: {user_name,password,directory_id:""} logs on to the internal directory', async () => {
      const token = await loginLikeChubb();
      expect(token).toMatch(/^[0-9a-f-]{36}$/i);
    });

    it('PlaceOS drivers/lenel/open_access/client.cr login: args.to_h.compact drops a nil directory_id; token_expiration_time parses as a time', async () => {
      const r = await raw(`${origin()}/authentication?version=1.0`, {
        method: 'POST',
        headers: { 'Application-Id': APP_ID, 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_name: h.sim.credentials.username, password: h.sim.credentials.password }),
      });
      expect(r.status).toBe(200);
      expect(typeof r.json.session_token).toBe('string');
      expect(Number.isNaN(Date.parse(r.json.token_expiration_time))).toBe(false);
      expect(Date.parse(r.json.token_expiration_time)).toBeGreaterThan(Date.now());
    });

    it('MOBSS scripts (S7 id 21173109275): login body naming the internal directory "id-1"', async () => {
      const r = await raw(`${origin()}/authentication?version=1.0`, {
        method: 'POST',
        headers: { 'Application-Id': APP_ID },
        body: { user_name: h.sim.credentials.username, password: h.sim.credentials.password, directory_id: 'id-1' },
      });
      expect(r.status).toBe(200);
    });

    it('MOBSS scripts (S7 id 21310909061): an unlicensed Application-Id gets the error envelope openaccess.general.invalidapplicationid', async () => {
      const r = await raw(`${origin()}/authentication?version=1.0`, {
        method: 'POST',
        headers: { 'Application-Id': 'NOT_LICENSED_APP' },
        body: { user_name: h.sim.credentials.username, password: h.sim.credentials.password },
      });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: { code: 'openaccess.general.invalidapplicationid', message: expect.stringMatching(/licensed/i) }, version: '1.0' });
    });

    it('PlaceOS drivers/lenel/open_access/client.cr keepalive and logout: GET /keepalive, DELETE /authentication, both answer {version}', async () => {
      await loginLikeChubb();
      const k = await raw(`${origin()}/keepalive?version=1.0`, { headers: session() });
      expect([k.status, k.json]).toEqual([200, { version: '1.0' }]);
      const out = await raw(`${origin()}/authentication?version=1.0`, { method: 'DELETE', headers: session() });
      expect([out.status, out.json]).toEqual([200, { version: '1.0' }]);
      // The token is gone: the next call is refused with the error envelope, which the clients' error paths parse.
      const after = await raw(`${origin()}/keepalive?version=1.0`, { headers: session() });
      expect(after.status).toBe(401);
      expect(after.json).toEqual({ error: { code: expect.stringMatching(/^openaccess\./), message: expect.any(String) }, version: '1.0' });
    });
  });

  describe('finding instances: filters, paging, parameter placement', () => {
    beforeEach(loginLikeChubb);

    it('chubb-openaccess-sync-go pkg/client/client.go getInstancesPage: url.Values.Encode order (page_number, page_size, type_name, version); page 2 of 100', async () => {
      const r = await raw(`${origin()}/instances?page_number=2&page_size=100&type_name=Lnl_AccessLevel&version=1.0`, { headers: goHeaders(session()) });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ page_number: 2, page_size: 100, total_items: SEED.accessLevelCount, total_pages: 2, count: SEED.accessLevelCount - 100 });
      expect(r.json.item_list[0].property_value_map).toMatchObject({ ID: 101, Name: expect.any(String) });
    });

    it('chubb-openaccess-sync-go cmd/migrate/main.go: filter STATUS!=<active id> with no spaces on Lnl_Badge', async () => {
      const q = new URLSearchParams({ version: '1.0', type_name: 'Lnl_Badge', page_size: '100', page_number: '1', filter: `STATUS!=${ACTIVE_STATUS_ID}` });
      const r = await raw(`${origin()}/instances?${q}`, { headers: goHeaders(session()) });
      const statuses = r.json.item_list.map((i: any) => i.property_value_map.STATUS);
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.every((s: number) => s !== ACTIVE_STATUS_ID)).toBe(true);
    });

    it('chubb-openaccess-sync-go pkg/data/lenel/access_level_assignment.go: filter BADGEKEY=<key> while the answer spells BadgeKey', async () => {
      const q = new URLSearchParams({ version: '1.0', type_name: 'Lnl_AccessLevelAssignment', filter: 'BADGEKEY=13000' });
      const r = await raw(`${origin()}/instances?${q}`, { headers: goHeaders(session()) });
      expect(r.json.item_list.map((i: any) => i.property_value_map)).toEqual([
        expect.objectContaining({ AccessLevelID: 1, BadgeKey: 13000 }),
        expect.objectContaining({ AccessLevelID: 2, BadgeKey: 13000 }),
      ]);
    });

    it('PlaceOS drivers/lenel/open_access/client.cr lookup: HTTP::Params form encoding (spaces as +) of email = "…" on Lnl_Visitor', async () => {
      const filter = `email = "${SEED.visitorWithBadge.email}"`;
      const form = encodeURIComponent(filter).replace(/%20/g, '+');
      const r = await raw(`${origin()}/instances?version=1.0&type_name=Lnl_Visitor&filter=${form}`, {
        headers: { ...session(), 'Content-Type': 'application/json' },
      });
      expect(r.status).toBe(200);
      expect(r.json.item_list.map((i: any) => i.property_value_map.ID)).toEqual([SEED.visitorWithBadge.personId]);
      expect(r.json.item_list[0].property_value_map.EMAIL).toBe(SEED.visitorWithBadge.email);
    });

    it('PlaceOS drivers/lenel/open_access.cr create_visitor (de-duplication) and client.cr count: filter email="…" without spaces on GET /count', async () => {
      const q = new URLSearchParams({ type_name: 'Lnl_Visitor', filter: `email="${SEED.visitorWithBadge.email}"` });
      const r = await raw(`${origin()}/count?version=1.0&${q}`, { headers: session() });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ total_items: 1, version: '1.0' });
    });

    it('PlaceOS drivers/lenel/open_access/client.cr (doc comment): LastName like "La%" and … OR …', async () => {
      const like = await h.list('Lnl_Cardholder', 'LastName like "Love%"');
      expect(like.json.item_list.map((i: any) => i.property_value_map.LASTNAME)).toEqual(['Lovelace']);
      const or = await h.list('Lnl_Cardholder', 'LastName = "Hopper" OR FirstName = "Ada"');
      expect(or.json.item_list.map((i: any) => i.property_value_map.ID).sort()).toEqual([1, 2]);
    });

    it('OpenAccess PyPI client (S9): a badge number quoted as a string, ID="1500"', async () => {
      const r = await h.list('Lnl_Badge', `ID="${SEED.takenVisitorBadgeId}"`);
      expect(r.json.item_list.map((i: any) => i.property_value_map.BADGEKEY)).toEqual([13000]);
    });

    it("MOBSS scripts (S7 id 21264691100): filter=ID=<n> unquoted, and type_name echoed in the caller's spelling (lnl_badge)", async () => {
      const r = await raw(`${origin()}/instances?version=1.0&type_name=lnl_badge&filter=ID=${SEED.takenVisitorBadgeId}`, { headers: session() });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ type_name: 'lnl_badge', count: 1, total_items: 1 });
      expect(r.json.item_list[0].property_value_map).toMatchObject({ BADGEKEY: 13000, PERSONID: 1, STATUS: ACTIVE_STATUS_ID });
    });

    it('OpenAccess PyPI client (S9) get_panels_filtered: GET with a JSON body carrying type_name and filter', async () => {
      const r = await raw(`${origin()}/instances?version=1.0`, {
        headers: session(),
        body: { type_name: 'Lnl_Badge', filter: `PERSONID=${SEED.visitorWithBadge.personId}` },
      });
      expect(r.status).toBe(200);
      expect(r.json.item_list.map((i: any) => i.property_value_map.ID)).toEqual([SEED.visitorWithBadge.badgeId]);
    });

    it('WPI Access Mirroring (S6): queue=false sent explicitly is an ordinary synchronous call', async () => {
      const r = await raw(`${origin()}/instances?version=1.0&queue=false&type_name=Lnl_BadgeStatus`, { headers: session() });
      expect(r.status).toBe(200);
      expect(r.json.item_list.map((i: any) => i.property_value_map.Name)).toEqual(expect.arrayContaining(['Active', 'Inactive']));
    });
  });

  describe('adding, modifying and deleting instances', () => {
    beforeEach(loginLikeChubb);

    it('chubb-openaccess-sync-go pkg/client/client.go (comment, captured): create Lnl_Cardholder answers {property_value_map:{ID},type_name,version}', async () => {
      const r = await raw(`${origin()}/instances?version=1.0`, {
        method: 'POST',
        headers: goHeaders(session()),
        body: { type_name: 'Lnl_Cardholder', property_value_map: { LASTNAME: 'Example', FIRSTNAME: 'Erin', SSNO: 'EMP-1' } },
      });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ property_value_map: { ID: expect.any(Number) }, type_name: 'Lnl_Cardholder', version: '1.0' });
    });

    it('PlaceOS drivers/lenel/open_access.cr create_visitor: lower-case keys (email, firstname, lastname, organization, title) on Lnl_Visitor', async () => {
      const r = await raw(`${origin()}/instances?version=1.0`, {
        method: 'POST',
        headers: { ...session(), 'Content-Type': 'application/json' },
        body: {
          type_name: 'Lnl_Visitor',
          property_value_map: { email: 'vera.guest@example.com', firstname: 'Vera', lastname: 'Guest', organization: 'Example Ltd', title: 'Auditor' },
        },
      });
      expect(r.status).toBe(200);
      const id = r.json.property_value_map.ID;
      const back = await h.list('Lnl_Visitor', `ID=${id}`);
      expect(back.json.item_list[0].property_value_map).toMatchObject({
        FIRSTNAME: 'Vera',
        LASTNAME: 'Guest',
        EMAIL: 'vera.guest@example.com',
        ORGANIZATION: 'Example Ltd',
        TITLE: 'Auditor',
      });
    });

    it('chubb-openaccess-sync-go pkg/client/client.go: create Lnl_Badge {ID,PERSONID,TYPE,STATUS,ACTIVATE,DEACTIVATE} answers {property_value_map:{BADGEKEY}}', async () => {
      const r = await raw(`${origin()}/instances?version=1.0`, {
        method: 'POST',
        headers: goHeaders(session()),
        body: {
          type_name: 'Lnl_Badge',
          property_value_map: {
            ID: SEED.freeVisitorBadgeId,
            PERSONID: SEED.visitorWithBadge.personId,
            TYPE: SEED.badgeTypes.visitor,
            STATUS: INACTIVE_STATUS_ID,
            ACTIVATE: '2030-01-01T08:00:00-00:00',
            DEACTIVATE: '2030-01-01T18:00:00-00:00',
          },
        },
      });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ property_value_map: { BADGEKEY: expect.any(Number) }, type_name: 'Lnl_Badge', version: '1.0' });
    });

    it('chubb-openaccess-sync-go pkg/client/client.go (comment, captured): a PERSONID that does not exist gets invalidrequestitem with the real message', async () => {
      const r = await raw(`${origin()}/instances?version=1.0`, {
        method: 'POST',
        headers: goHeaders(session()),
        body: { type_name: 'Lnl_Badge', property_value_map: { ID: SEED.freeVisitorBadgeId, PERSONID: 999999, TYPE: SEED.badgeTypes.visitor } },
      });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.json).toEqual({
        error: { code: 'openaccess.general.invalidrequestitem', message: 'The property PERSONID did not exist or contained an invalid value.' },
        version: '1.0',
      });
    });

    it('WPI Access Mirroring (S6): POST /instances?type_name=Lnl_AccessLevelAssignment with upper-case keys and UTC "-00:00" dates', async () => {
      const r = await raw(`${origin()}/instances?type_name=Lnl_AccessLevelAssignment&version=1.0&queue=false`, {
        method: 'POST',
        headers: session(),
        body: { property_value_map: { ACCESSLEVELID: 3, BADGEKEY: 13000, ACTIVATE: '2030-05-01T08:00:00-00:00', DEACTIVATE: '2030-05-01T18:00:00-00:00' } },
      });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ property_value_map: { AccessLevelID: 3, BadgeKey: 13000 }, type_name: 'Lnl_AccessLevelAssignment', version: '1.0' });
      const stored = await h.list('Lnl_AccessLevelAssignment', 'BadgeKey=13000 AND AccessLevelID=3');
      expect(Date.parse(stored.json.item_list[0].property_value_map.Deactivate)).toBe(Date.parse('2030-05-01T18:00:00Z'));
    });

    it('chubb-openaccess-sync-go pkg/client/client.go (comment, captured): assignment {AccessLevelID,BadgeKey} answers both keys back', async () => {
      const r = await raw(`${origin()}/instances?version=1.0`, {
        method: 'POST',
        headers: goHeaders(session()),
        body: { type_name: 'Lnl_AccessLevelAssignment', property_value_map: { AccessLevelID: 4, BadgeKey: 13000 } },
      });
      expect(r.json).toEqual({ property_value_map: { AccessLevelID: 4, BadgeKey: 13000 }, type_name: 'Lnl_AccessLevelAssignment', version: '1.0' });
    });

    it('chubb-openaccess-sync-go pkg/data/model/badge.go ToJSON: PUT Lnl_Badge {badgeKey, activate, deactivate} in camel case with date-only values', async () => {
      const r = await raw(`${origin()}/instances?version=1.0`, {
        method: 'PUT',
        headers: goHeaders(session()),
        body: { type_name: 'Lnl_Badge', property_value_map: { badgeKey: 13000, activate: '2030-01-02', deactivate: '2030-02-03' } },
      });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ property_value_map: expect.objectContaining({ BADGEKEY: 13000 }), version: '1.0' });
      const back = (await h.list('Lnl_Badge', 'BADGEKEY=13000')).json.item_list[0].property_value_map;
      expect(back.DEACTIVATE.slice(0, 10)).toBe('2030-02-03');
      expect(back.ACTIVATE.slice(0, 10)).toBe('2030-01-02');
    });

    it('chubb-openaccess-sync-go pkg/client/client.go Update: PUT Lnl_Badge {BADGEKEY, STATUS, DEACTIVATE} changes only those fields', async () => {
      const r = await h.send('PUT', '/instances', {
        type_name: 'Lnl_Badge',
        property_value_map: { BADGEKEY: 13000, STATUS: INACTIVE_STATUS_ID, DEACTIVATE: '2030-03-01T00:00:00Z' },
      });
      expect(r.status).toBe(200);
      const back = (await h.list('Lnl_Badge', 'BADGEKEY=13000')).json.item_list[0].property_value_map;
      expect(back).toMatchObject({ STATUS: INACTIVE_STATUS_ID, PERSONID: 1, ID: SEED.takenVisitorBadgeId });
    });

    it('chubb-openaccess-sync-go pkg/client/client.go Delete: DELETE /instances with a JSON body {AccessLevelID, BadgeKey} answers {version}', async () => {
      const r = await raw(`${origin()}/instances?version=1.0`, {
        method: 'DELETE',
        headers: goHeaders(session()),
        body: { type_name: 'Lnl_AccessLevelAssignment', property_value_map: { AccessLevelID: 2, BadgeKey: 13000 } },
      });
      expect([r.status, r.json]).toEqual([200, { version: '1.0' }]);
      expect((await h.list('Lnl_AccessLevelAssignment', 'BADGEKEY=13000')).json.item_list).toHaveLength(1);
    });

    it('PlaceOS drivers/lenel/open_access/client.cr delete: DELETE Lnl_Badge by its key in lower case (badgekey), then Lnl_Visitor by id', async () => {
      const del = await h.send('DELETE', '/instances', { type_name: 'Lnl_Badge', property_value_map: { badgekey: 12997 } });
      expect([del.status, del.json]).toEqual([200, { version: '1.0' }]);
      expect((await h.list('Lnl_Badge', 'BADGEKEY=12997')).json.count).toBe(0);
      const v = await h.send('DELETE', '/instances', { type_name: 'Lnl_Visitor', property_value_map: { id: SEED.visitorWithBadge.personId } });
      expect([v.status, v.json]).toEqual([200, { version: '1.0' }]);
    });
  });

  describe('tractionguest/lenel-sdk, the Ruby client generated from the OpenAccess Swagger spec', () => {
    // lib/swagger_client/api/*.rb: type_name, version (and filter/paging) always in the query; the body of
    // POST/PUT/DELETE /instances is the InstanceDefinition alone, {property_value_map}, without type_name.
    beforeEach(loginLikeChubb);
    const ruby = (method: string, path: string, body?: object) =>
      raw(`${origin()}${path}`, { method, headers: { ...session(), Accept: 'application/json', 'Content-Type': 'application/json' }, body });

    it('instances_api.rb add_instance: POST /instances?type_name=Lnl_Visitor&version=1.0 with body {property_value_map} only', async () => {
      const r = await ruby('POST', '/instances?type_name=Lnl_Visitor&version=1.0', { property_value_map: { FIRSTNAME: 'Rita', LASTNAME: 'Ruby' } });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ property_value_map: { ID: expect.any(Number) }, type_name: 'Lnl_Visitor', version: '1.0' });
    });

    it('instances_api.rb modify_instance and delete_instance: PUT then DELETE /instances?type_name=Lnl_Badge&version=1.0', async () => {
      const put = await ruby('PUT', '/instances?type_name=Lnl_Badge&version=1.0', { property_value_map: { BADGEKEY: 13000, STATUS: INACTIVE_STATUS_ID } });
      expect(put.status).toBe(200);
      expect(put.json.property_value_map).toMatchObject({ BADGEKEY: 13000, STATUS: INACTIVE_STATUS_ID });
      const del = await ruby('DELETE', '/instances?type_name=Lnl_Badge&version=1.0', { property_value_map: { BADGEKEY: 13000 } });
      expect([del.status, del.json]).toEqual([200, { version: '1.0' }]);
    });

    it('instances_api.rb get_instances: type_name, version, filter, page_number, page_size and order_by in the query', async () => {
      const q = new URLSearchParams({
        type_name: 'Lnl_AccessLevel',
        version: '1.0',
        filter: 'Name like "Visitor%"',
        page_number: '1',
        page_size: '20',
        order_by: 'Name',
      });
      const r = await ruby('GET', `/instances?${q}`);
      expect(r.status).toBe(200);
      expect(r.json.item_list.map((i: any) => i.property_value_map.Name)).toEqual(['Visitor floor 1', 'Visitor floor 2']);
    });

    it('authentication_api.rb get_session: GET /session answers token_start_time, token_expiration_time and user_id as a string', async () => {
      const r = await ruby('GET', '/session?version=1.0');
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        token_start_time: expect.any(String),
        token_expiration_time: expect.any(String),
        user_id: expect.any(String),
        version: '1.0',
      });
    });

    it('swagger.yaml parameters.Version is required: a call without version gets the error envelope, not a 500', async () => {
      const r = await ruby('GET', '/instances?type_name=Lnl_BadgeStatus');
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: { code: expect.stringMatching(/^openaccess\./), message: expect.stringMatching(/version/) }, version: '1.0' });
    });
  });
});

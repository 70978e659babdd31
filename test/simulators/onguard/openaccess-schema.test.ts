import type { ZodType } from 'zod';
import { INACTIVE_STATUS_ID, SEED } from '../../../src/simulators/onguard/seed';
import { APP_ID, BASE, raw, useSimHarness, type RawResponse, type SimHarness } from './helpers';
import { openAccessSchemas as S } from './openaccess-schemas';

/**
 * Every operation our OnGuard client sends (docs/pacs/request-forms.md, "Lenel OnGuard OpenAccess"), in the
 * client's own form, answered by the simulator and checked against the response schemas of the OpenAccess
 * Swagger spec (openaccess-schemas.ts). A simulator answer the spec does not allow would let the client's
 * tests pass against something no real server sends.
 */
describe('OnGuard simulator answers match the OpenAccess Swagger response schemas', () => {
  let h: SimHarness;
  useSimHarness((x) => (h = x));

  /** Our client's form (src/pacs/onguard/api.ts): version and type_name in the query, type_name again in the body. */
  const write = (method: string, typeName: string, pvm: object) =>
    raw(h.url('/instances', { type_name: typeName }), {
      method,
      headers: h.headers({ Accept: 'application/json' }),
      body: { type_name: typeName, property_value_map: pvm },
    });
  /** Its reads: page_number and page_size 100 always, the filter when there is one. */
  const read = (typeName: string, filter: string | undefined, page = 1) =>
    raw(h.url('/instances', { type_name: typeName, filter, page_number: page, page_size: 100 }), { headers: h.headers({ Accept: 'application/json' }) });

  function expectSchema(r: RawResponse, schema: ZodType, status = 200) {
    expect(r.status).toBe(status);
    const parsed = schema.safeParse(r.json);
    if (!parsed.success) throw new Error(`answer does not match the schema: ${JSON.stringify(parsed.error.issues)}\n${r.text}`);
  }

  it('the schemas refuse what the spec does not allow (so the checks below can fail)', () => {
    expect(S.shared.safeParse({}).success).toBe(false);
    expect(
      S.pagedInstances.safeParse({ version: '1.0', count: 1, item_list: [{}], page_number: 1, page_size: 20, total_items: 1, total_pages: 1 }).success,
    ).toBe(false);
    expect(S.login.safeParse({ version: '1.0', session_token: 't', token_expiration_time: '2030-01-01 10:00' }).success).toBe(false);
    expect(S.error.safeParse({ version: '1.0', error: 'boom' }).success).toBe(false);
  });

  it('GET /version and GET /directories before logging on', async () => {
    expectSchema(await raw(h.url('/version'), { headers: { 'Application-Id': APP_ID } }), S.version);
    expectSchema(await raw(h.url('/directories'), { headers: { 'Application-Id': APP_ID } }), S.directories);
  });

  it('POST /authentication, GET /keepalive, DELETE /authentication', async () => {
    const login = await raw(h.url('/authentication'), {
      method: 'POST',
      headers: { 'Application-Id': APP_ID },
      body: { user_name: h.sim.credentials.username, password: h.sim.credentials.password },
    });
    expectSchema(login, S.login);
    h.token = login.json.session_token;
    expectSchema(await h.get('/keepalive'), S.shared);
    expectSchema(await raw(h.url('/authentication'), { method: 'DELETE', headers: h.headers() }), S.shared);
  });

  describe('logged on', () => {
    beforeEach(() => h.login());

    it.each(['Lnl_AccessLevel', 'Lnl_BadgeType', 'Lnl_BadgeStatus', 'Lnl_Visitor', 'Lnl_Badge', 'Lnl_AccessLevelAssignment'])(
      'GET /instances?type_name=%s, paged at 100 as the client pages, every page',
      async (type) => {
        let page = 1;
        for (;;) {
          const r = await read(type, undefined, page);
          expectSchema(r, S.pagedInstances);
          if (page >= r.json.total_pages) break;
          page++;
        }
      },
    );

    it('GET /instances with the client filters (empty result included)', async () => {
      expectSchema(await read('Lnl_Visitor', 'EMAIL = "nobody@example.com"'), S.pagedInstances);
      expectSchema(await read('Lnl_Visitor', 'SSNO = "visit-0001"'), S.pagedInstances);
      expectSchema(await read('Lnl_Badge', `ID = ${SEED.takenVisitorBadgeId}`), S.pagedInstances);
      expectSchema(await read('Lnl_Badge', `PERSONID = ${SEED.visitorWithBadge.personId} AND STATUS = 1`), S.pagedInstances);
      expectSchema(await read('Lnl_AccessLevelAssignment', 'BADGEKEY = 13000'), S.pagedInstances);
      expectSchema(await read('Lnl_Visitor', `ID = ${SEED.visitorWithBadge.personId}`), S.pagedInstances);
      // The provision's configuration check: one badge type, the visit's access levels.
      expectSchema(await read('Lnl_BadgeType', 'ID = 2'), S.pagedInstances);
      expectSchema(await read('Lnl_AccessLevel', 'ID = 1 OR ID = 2 OR ID = 999'), S.pagedInstances);
    });

    it('GET /count (not sent by our client; PlaceOS de-duplicates visitors with it)', async () => {
      expectSchema(await h.get('/count', { type_name: 'Lnl_Visitor', filter: `EMAIL = "${SEED.visitorWithBadge.email}"` }), S.count);
    });

    it('POST /instances for Lnl_Visitor, Lnl_Badge and Lnl_AccessLevelAssignment; PUT Lnl_Badge; DELETE all three', async () => {
      const visitor = await write('POST', 'Lnl_Visitor', { FIRSTNAME: 'Sam', LASTNAME: 'Schema', EMAIL: 'sam@example.com', SSNO: 'visit-0001' });
      expectSchema(visitor, S.instance);
      const personId = visitor.json.property_value_map.ID;
      const badge = await write('POST', 'Lnl_Badge', {
        ID: SEED.freeVisitorBadgeId,
        PERSONID: personId,
        TYPE: SEED.badgeTypes.visitor,
        STATUS: 1,
        ACTIVATE: '2030-01-01T08:00:00+00:00',
        DEACTIVATE: '2030-01-01T18:00:00+00:00',
      });
      expectSchema(badge, S.instance);
      const badgeKey = badge.json.property_value_map.BADGEKEY;
      expectSchema(await write('POST', 'Lnl_AccessLevelAssignment', { AccessLevelID: 3, BadgeKey: badgeKey }), S.instance);
      expectSchema(await write('PUT', 'Lnl_Badge', { BADGEKEY: badgeKey, STATUS: INACTIVE_STATUS_ID, DEACTIVATE: '2030-01-01T12:00:00+00:00' }), S.instance);
      expectSchema(await write('DELETE', 'Lnl_AccessLevelAssignment', { AccessLevelID: 3, BadgeKey: badgeKey }), S.shared);
      expectSchema(await write('DELETE', 'Lnl_Badge', { BADGEKEY: badgeKey }), S.shared);
      expectSchema(await write('DELETE', 'Lnl_Visitor', { ID: personId }), S.shared);
    });

    it('the error answers the client parses: a refused create, an unknown type, a missing session', async () => {
      const bad = await write('POST', 'Lnl_Badge', { ID: SEED.freeVisitorBadgeId, PERSONID: 999999, TYPE: SEED.badgeTypes.visitor });
      expectSchema(bad, S.error, bad.status);
      expect(bad.status).toBeGreaterThanOrEqual(400);
      const unknownType = await read('Lnl_NoSuchType', undefined);
      expectSchema(unknownType, S.error, unknownType.status);
      expect(unknownType.status).toBeGreaterThanOrEqual(400);
      const noSession = await raw(`${h.sim.providerUrl}${BASE}/instances?version=1.0&type_name=Lnl_Badge`, { headers: { 'Application-Id': APP_ID } });
      expectSchema(noSession, S.error, 401);
    });
  });
});

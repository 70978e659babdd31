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

  function expectSchema(r: RawResponse, schema: ZodType, status = 200) {
    expect(r.status).toBe(status);
    const parsed = schema.safeParse(r.json);
    if (!parsed.success) throw new Error(`answer does not match the schema: ${JSON.stringify(parsed.error.issues)}\n${r.text}`);
  }

  it('the schemas refuse what the spec does not allow (so the checks below can fail)', () => {
    expect(S.shared.safeParse({}).success).toBe(false);
    expect(S.pagedInstances.safeParse({ version: '1.0', count: 1, item_list: [{}], page_number: 1, page_size: 20, total_items: 1, total_pages: 1 }).success).toBe(false);
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
          const r = await h.list(type, undefined, { page_number: page, page_size: 100 });
          expectSchema(r, S.pagedInstances);
          if (page >= r.json.total_pages) break;
          page++;
        }
      },
    );

    it('GET /instances with the client filters (empty result included)', async () => {
      expectSchema(await h.list('Lnl_Visitor', `SSNO = "visitor-badges visit none"`, { page_size: 100 }), S.pagedInstances);
      expectSchema(await h.list('Lnl_Badge', `ID = ${SEED.takenVisitorBadgeId}`, { page_size: 100 }), S.pagedInstances);
      expectSchema(await h.list('Lnl_BadgeStatus', 'Name = "Active"', { page_size: 100 }), S.pagedInstances);
    });

    it('GET /count', async () => {
      expectSchema(await h.get('/count', { type_name: 'Lnl_Visitor', filter: `EMAIL = "${SEED.visitorWithBadge.email}"` }), S.count);
    });

    it('POST /instances for Lnl_Visitor, Lnl_Badge and Lnl_AccessLevelAssignment; PUT Lnl_Badge; DELETE all three', async () => {
      const visitor = await h.create('Lnl_Visitor', { FIRSTNAME: 'Sam', LASTNAME: 'Schema', EMAIL: 'sam@example.com', SSNO: 'visitor-badges visit 1' });
      expectSchema(visitor, S.instance);
      const personId = visitor.json.property_value_map.ID;
      const badge = await h.create('Lnl_Badge', {
        ID: SEED.freeVisitorBadgeId,
        PERSONID: personId,
        TYPE: SEED.badgeTypes.visitor,
        STATUS: 1,
        ACTIVATE: '2030-01-01T08:00:00Z',
        DEACTIVATE: '2030-01-01T18:00:00Z',
      });
      expectSchema(badge, S.instance);
      const badgeKey = badge.json.property_value_map.BADGEKEY;
      expectSchema(await h.create('Lnl_AccessLevelAssignment', { AccessLevelID: 3, BadgeKey: badgeKey }), S.instance);
      expectSchema(
        await h.send('PUT', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: badgeKey, STATUS: INACTIVE_STATUS_ID, DEACTIVATE: '2030-01-01T12:00:00Z' } }),
        S.instance,
      );
      expectSchema(await h.send('DELETE', '/instances', { type_name: 'Lnl_AccessLevelAssignment', property_value_map: { AccessLevelID: 3, BadgeKey: badgeKey } }), S.shared);
      expectSchema(await h.send('DELETE', '/instances', { type_name: 'Lnl_Badge', property_value_map: { BADGEKEY: badgeKey } }), S.shared);
      expectSchema(await h.send('DELETE', '/instances', { type_name: 'Lnl_Visitor', property_value_map: { ID: personId } }), S.shared);
    });

    it('the error answers the client parses: a refused create, an unknown type, a missing session', async () => {
      const bad = await h.create('Lnl_Badge', { ID: SEED.freeVisitorBadgeId, PERSONID: 999999, TYPE: SEED.badgeTypes.visitor });
      expectSchema(bad, S.error, bad.status);
      expect(bad.status).toBeGreaterThanOrEqual(400);
      const unknownType = await h.list('Lnl_NoSuchType');
      expectSchema(unknownType, S.error, unknownType.status);
      expect(unknownType.status).toBeGreaterThanOrEqual(400);
      const noSession = await raw(`${h.sim.providerUrl}${BASE}/instances?version=1.0&type_name=Lnl_Badge`, { headers: { 'Application-Id': APP_ID } });
      expectSchema(noSession, S.error, 401);
    });
  });
});

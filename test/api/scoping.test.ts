import crypto from 'node:crypto';
import { refreshScheduleId } from '../../src/workflows/ids';
import { newMessageId } from '../../src/webhooks/outbox';
import { webhookWorkflowId } from '../../src/workflows/webhook-contract';
import { startTestApi, type TestApi } from '../helpers/api';
import { createLocation, createProvider, createUser, ok, onguardBody, openVisit, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './admin/helpers';

/**
 * Location scoping: every operation of /openapi.json × { a site admin of A on A ("same"), the same
 * admin on B ("other"), the bootstrap admin of every location on B ("global") }. Outside the caller's
 * locations an id answers 404 — exactly like one that does not exist — and nothing changes.
 */
type Site = 'A' | 'B';
interface SiteIds {
  loc: string;
  provider: string;
  rule: string;
  type: string;
  badge: string;
  group: string;
  visit: string;
  webhook: string;
}
interface Call {
  method: string;
  path: string;
  body?: unknown;
}
interface Row {
  op: string;
  build: (site: Site) => Promise<Call> | Call;
  /** Status for [same, other, global]. */
  expect: [number, number, number];
}

describe('location scoping', () => {
  let api: TestApi;
  const s = {} as Record<Site, SiteIds>;
  let siteAdmin: { id: string; token: string };
  let receptionist: { id: string; token: string };
  let unscoped: { id: string; token: string };
  let aAdmins: string;
  let n = 0;
  const uniq = (what: string) => `${what} ${++n} ${crypto.randomBytes(3).toString('hex')}`;
  const providers: string[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    for (const site of ['A', 'B'] as const) {
      const loc = await createLocation(api, `Site ${site}`);
      // No worker serves this queue: test-connection and refresh answer after waitSeconds.
      const p = await createProvider(api, loc.id, onguardBody({ name: `OnGuard ${site}`, taskQueue: `nobody-home-${loc.id}` }));
      providers.push(p.id);
      const ids = await seedCatalog(api, p.id, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
      const badge = ok(
        await api.call('POST', `/v1/providers/${p.id}/badges`, { body: { name: `${site} badge`, uniqueId: '1001', badgeTypeId: ids.type('1') } }),
        'badge',
      );
      const spare = ok(
        await api.call('POST', `/v1/providers/${p.id}/badges`, { body: { name: `${site} held`, uniqueId: '1002', badgeTypeId: ids.type('1') } }),
        'badge',
      );
      const group = ok(await api.call('POST', '/v1/user-groups', { body: { name: `${site} viewers`, locationIds: [loc.id] } }), 'group');
      const visit = await openVisit(api, { locationId: loc.id, providerId: p.id, badgeId: spare.id });
      // Nothing listens at port 9: no worker serves this queue either, so nothing is ever sent.
      const webhook = ok(
        await api.call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['visit.active'], locationIds: [loc.id] } }),
        'webhook',
      );
      s[site] = { loc: loc.id, provider: p.id, rule: ids.rule('10'), type: ids.type('1'), badge: badge.id, group: group.id, visit, webhook: webhook.id };
    }
    siteAdmin = await createUser(api, 'Site admin A', ['manageConfiguration', 'provisionBadge', 'signOut', 'viewVisits', 'approveVisits'], {
      allLocations: false,
    });
    receptionist = await createUser(api, 'Receptionist A', ['provisionBadge', 'signOut', 'viewVisits'], { allLocations: false });
    unscoped = await createUser(api, 'In no group', ['provisionBadge', 'signOut', 'viewVisits'], { allLocations: false });
    // The site admin works at A explicitly; the receptionist through the access rule A's desk assigns.
    aAdmins = ok(await api.call('POST', '/v1/user-groups', { body: { name: 'A admins', locationIds: [s.A.loc], userIds: [siteAdmin.id] } }), 'g').id;
    ok(await api.call('POST', '/v1/user-groups', { body: { name: 'A desk', accessRuleIds: [s.A.rule], userIds: [receptionist.id, siteAdmin.id] } }), 'g');
    const root = await api.db.prisma.user.findUniqueOrThrow({ where: { email: 'admin@bootstrap.local' } });
    ok(await api.call('POST', '/v1/user-groups', { body: { name: 'B desk', accessRuleIds: [s.B.rule], userIds: [root.id] } }), 'g');
  });

  afterAll(async () => {
    for (const v of await api.db.prisma.visit.findMany({ select: { workflowId: true } })) {
      await api.temporal.workflow
        .getHandle(v.workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
    for (const w of await api.db.prisma.webhookSubscription.findMany({ select: { id: true } })) {
      await api.temporal.workflow
        .getHandle(webhookWorkflowId(w.id))
        .terminate('test over')
        .catch(() => undefined);
    }
    for (const p of await api.db.prisma.provider.findMany({ select: { id: true } })) providers.push(p.id);
    for (const id of new Set(providers)) {
      await api.temporal.workflow
        .getHandle(`refresh-${id}`)
        .terminate('test over')
        .catch(() => undefined);
      await api.temporal.schedule
        .getHandle(refreshScheduleId(id))
        .delete()
        .catch(() => undefined);
    }
    await api.close();
  });

  // Things a destructive operation may consume, created by the global admin at the site asked for.
  async function freshLocation(site: Site) {
    const l = await createLocation(api, uniq('Fresh'));
    if (site === 'A') ok(await api.call('PATCH', `/v1/user-groups/${aAdmins}`, { body: { locationIds: [s.A.loc, l.id] } }), 'scope');
    return l.id;
  }
  const freshProvider = async (site: Site) => {
    const p = await createProvider(api, s[site].loc, onguardBody({ name: uniq('Fresh'), taskQueue: 'nobody-home' }));
    providers.push(p.id);
    return p.id;
  };
  let nextUid = 1100;
  const freshBadge = async (site: Site) =>
    ok(
      await api.call('POST', `/v1/providers/${s[site].provider}/badges`, {
        body: { name: uniq('Fresh'), uniqueId: String(nextUid++), badgeTypeId: s[site].type },
      }),
      'b',
    ).id;
  const freshGroup = async (site: Site) => ok(await api.call('POST', '/v1/user-groups', { body: { name: uniq('Fresh'), locationIds: [s[site].loc] } }), 'g').id;
  const freshUser = async () => (await createUser(api, uniq('Fresh'), [])).id;
  const freshWebhook = async (site: Site) =>
    ok(await api.call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['visit.completed'], locationIds: [s[site].loc] } }), 'w')
      .id;
  /** A delivered event of the site's subscription, as the delivery workflow would have left it. */
  const freshDelivery = async (site: Site) =>
    (
      await api.db.prisma.webhookDelivery.create({
        data: {
          subscriptionId: s[site].webhook,
          messageId: newMessageId(),
          eventType: 'visit.active',
          sourceKey: uniq('test'),
          locationId: s[site].loc,
          payload: { type: 'visit.active', timestamp: new Date().toISOString(), data: {} },
          status: 'delivered',
          deliveredAt: new Date(),
        },
      })
    ).id;

  const get = (path: string): Call => ({ method: 'GET', path });
  const rows: Row[] = [
    { op: 'GET /v1/me', build: () => get('/v1/me'), expect: [200, 200, 200] },
    // User accounts and new locations are for admins of every location.
    {
      op: 'POST /v1/users',
      build: () => ({ method: 'POST', path: '/v1/users', body: { name: 'U', email: `${uniq('u').replace(/\W/g, '')}@example.com` } }),
      expect: [403, 403, 201],
    },
    { op: 'GET /v1/users', build: () => get('/v1/users'), expect: [403, 403, 200] },
    { op: 'GET /v1/users/{id}', build: () => get(`/v1/users/${receptionist.id}`), expect: [403, 403, 200] },
    {
      op: 'PATCH /v1/users/{id}',
      build: () => ({ method: 'PATCH', path: `/v1/users/${receptionist.id}`, body: { allLocations: false } }),
      expect: [403, 403, 200],
    },
    { op: 'DELETE /v1/users/{id}', build: async () => ({ method: 'DELETE', path: `/v1/users/${await freshUser()}` }), expect: [403, 403, 204] },
    {
      op: 'POST /v1/locations',
      build: () => ({ method: 'POST', path: '/v1/locations', body: { name: uniq('New'), timezone: 'UTC', endOfDay: '18:00' } }),
      expect: [403, 403, 201],
    },
    { op: 'GET /v1/locations', build: () => get('/v1/locations'), expect: [200, 200, 200] },
    { op: 'GET /v1/locations/{id}', build: (site) => get(`/v1/locations/${s[site].loc}`), expect: [200, 404, 200] },
    {
      op: 'PATCH /v1/locations/{id}',
      build: (site) => ({ method: 'PATCH', path: `/v1/locations/${s[site].loc}`, body: { endOfDay: '17:30' } }),
      expect: [200, 404, 200],
    },
    // B itself for "other" (it has providers: a 409 there would confirm it exists); fresh ones otherwise.
    {
      op: 'DELETE /v1/locations/{id}',
      build: async (site) => ({ method: 'DELETE', path: `/v1/locations/${site === 'B' ? s.B.loc : await freshLocation(site)}` }),
      expect: [204, 404, 409],
    },
    {
      op: 'POST /v1/locations/{id}/providers',
      build: (site) => ({ method: 'POST', path: `/v1/locations/${s[site].loc}/providers`, body: onguardBody({ name: uniq('P'), taskQueue: 'nobody-home' }) }),
      expect: [201, 404, 201],
    },
    { op: 'GET /v1/locations/{id}/providers', build: (site) => get(`/v1/locations/${s[site].loc}/providers`), expect: [200, 404, 200] },
    { op: 'GET /v1/locations/{id}/provisioning-options', build: (site) => get(`/v1/locations/${s[site].loc}/provisioning-options`), expect: [200, 404, 200] },
    { op: 'GET /v1/providers/{id}', build: (site) => get(`/v1/providers/${s[site].provider}`), expect: [200, 404, 200] },
    {
      op: 'PATCH /v1/providers/{id}',
      build: (site) => ({ method: 'PATCH', path: `/v1/providers/${s[site].provider}`, body: { name: uniq('Renamed') } }),
      expect: [200, 404, 200],
    },
    {
      op: 'DELETE /v1/providers/{id}',
      build: async (site) => ({ method: 'DELETE', path: `/v1/providers/${await freshProvider(site)}` }),
      expect: [204, 404, 204],
    },
    {
      op: 'POST /v1/providers/{id}/test-connection',
      build: (site) => ({ method: 'POST', path: `/v1/providers/${s[site].provider}/test-connection?waitSeconds=1` }),
      expect: [504, 404, 504],
    },
    {
      op: 'POST /v1/providers/{id}/dry-run',
      build: (site) => ({
        method: 'POST',
        path: `/v1/providers/${s[site].provider}/dry-run?waitSeconds=1`,
        body: { visitor: { firstName: 'Dry', lastName: 'Run' }, badgeNumber: '1001' },
      }),
      expect: [504, 404, 504],
    },
    {
      op: 'POST /v1/providers/{id}/refresh',
      build: (site) => ({ method: 'POST', path: `/v1/providers/${s[site].provider}/refresh?waitSeconds=1` }),
      expect: [202, 404, 202],
    },
    {
      op: 'POST /v1/providers/{id}/reconcile',
      build: (site) => ({ method: 'POST', path: `/v1/providers/${s[site].provider}/reconcile?waitSeconds=1` }),
      expect: [202, 404, 202],
    },
    { op: 'GET /v1/providers/{id}/reconciliation', build: (site) => get(`/v1/providers/${s[site].provider}/reconciliation`), expect: [200, 404, 200] },
    { op: 'GET /v1/providers/{id}/access-rules', build: (site) => get(`/v1/providers/${s[site].provider}/access-rules`), expect: [200, 404, 200] },
    { op: 'GET /v1/providers/{id}/badge-types', build: (site) => get(`/v1/providers/${s[site].provider}/badge-types`), expect: [200, 404, 200] },
    {
      op: 'POST /v1/providers/{id}/badges',
      build: (site) => ({
        method: 'POST',
        path: `/v1/providers/${s[site].provider}/badges`,
        body: { name: uniq('B'), uniqueId: String(nextUid++), badgeTypeId: s[site].type },
      }),
      expect: [201, 404, 201],
    },
    { op: 'GET /v1/providers/{id}/badges', build: (site) => get(`/v1/providers/${s[site].provider}/badges`), expect: [200, 404, 200] },
    { op: 'GET /v1/badges/{id}', build: (site) => get(`/v1/badges/${s[site].badge}`), expect: [200, 404, 200] },
    {
      op: 'PATCH /v1/badges/{id}',
      build: (site) => ({ method: 'PATCH', path: `/v1/badges/${s[site].badge}`, body: { name: uniq('Renamed') } }),
      expect: [200, 404, 200],
    },
    { op: 'DELETE /v1/badges/{id}', build: async (site) => ({ method: 'DELETE', path: `/v1/badges/${await freshBadge(site)}` }), expect: [204, 404, 204] },
    // No worker serves these providers' queue: waitSeconds=0 answers at once with the PACS part "pending".
    {
      op: 'POST /v1/badges/{id}/lost',
      build: async (site) => ({ method: 'POST', path: `/v1/badges/${await freshBadge(site)}/lost?waitSeconds=0` }),
      expect: [200, 404, 200],
    },
    {
      op: 'POST /v1/badges/{id}/found',
      build: async (site) => {
        const id = await freshBadge(site);
        ok(await api.call('POST', `/v1/badges/${id}/lost?waitSeconds=0`), 'lost');
        return { method: 'POST', path: `/v1/badges/${id}/found?waitSeconds=0` };
      },
      expect: [200, 404, 200],
    },
    {
      op: 'POST /v1/badges/{id}/retire',
      build: async (site) => ({ method: 'POST', path: `/v1/badges/${await freshBadge(site)}/retire` }),
      expect: [200, 404, 200],
    },
    // Another site's location in a body is reported as not existing (400 naming it), not as forbidden.
    {
      op: 'POST /v1/user-groups',
      build: (site) => ({ method: 'POST', path: '/v1/user-groups', body: { name: uniq('G'), locationIds: [s[site].loc] } }),
      expect: [201, 400, 201],
    },
    { op: 'GET /v1/user-groups', build: () => get('/v1/user-groups'), expect: [200, 200, 200] },
    { op: 'GET /v1/user-groups/{id}', build: (site) => get(`/v1/user-groups/${s[site].group}`), expect: [200, 404, 200] },
    {
      op: 'PATCH /v1/user-groups/{id}',
      build: (site) => ({ method: 'PATCH', path: `/v1/user-groups/${s[site].group}`, body: { name: uniq('G') } }),
      expect: [200, 404, 200],
    },
    {
      op: 'DELETE /v1/user-groups/{id}',
      build: async (site) => ({ method: 'DELETE', path: `/v1/user-groups/${await freshGroup(site)}` }),
      expect: [204, 404, 204],
    },
    {
      op: 'POST /v1/visits',
      build: async (site) => ({
        method: 'POST',
        path: '/v1/visits',
        body: { locationId: s[site].loc, badgeId: await freshBadge(site), accessRuleIds: [s[site].rule], visitor: { firstName: 'Ada', lastName: 'Lovelace' } },
      }),
      expect: [202, 400, 202],
    },
    { op: 'GET /v1/visits', build: () => get('/v1/visits'), expect: [200, 200, 200] },
    { op: 'GET /v1/visits/{id}', build: (site) => get(`/v1/visits/${s[site].visit}`), expect: [200, 404, 200] },
    // These visits have no workflow: ending one starts the workflow that closes an orphaned visit (202);
    // a retry answers 409 VISIT_NOT_RETRYABLE.
    { op: 'POST /v1/visits/{id}/sign-out', build: (site) => ({ method: 'POST', path: `/v1/visits/${s[site].visit}/sign-out` }), expect: [202, 404, 202] },
    { op: 'POST /v1/visits/{id}/deprovision', build: (site) => ({ method: 'POST', path: `/v1/visits/${s[site].visit}/deprovision` }), expect: [202, 404, 202] },
    // The audit log is a list: filtered to the caller's locations, never a 404 (see the list test below).
    { op: 'GET /v1/audit', build: (site) => get(`/v1/audit?locationId=${s[site].loc}`), expect: [200, 200, 200] },
    { op: 'POST /v1/visits/{id}/retry', build: (site) => ({ method: 'POST', path: `/v1/visits/${s[site].visit}/retry` }), expect: [409, 404, 409] },
    // These visits are not awaiting approval (and have no workflow): refused with 409 at their own site.
    { op: 'POST /v1/visits/{id}/approve', build: (site) => ({ method: 'POST', path: `/v1/visits/${s[site].visit}/approve` }), expect: [409, 404, 409] },
    {
      op: 'POST /v1/visits/{id}/deny',
      build: (site) => ({ method: 'POST', path: `/v1/visits/${s[site].visit}/deny`, body: { reason: 'not expected today' } }),
      expect: [409, 404, 409],
    },
    // A subscription belongs to the locations of its filter; another site's location in a body does not exist.
    {
      op: 'POST /v1/webhooks',
      build: (site) => ({
        method: 'POST',
        path: '/v1/webhooks',
        body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['visit.active'], locationIds: [s[site].loc] },
      }),
      expect: [201, 400, 201],
    },
    { op: 'GET /v1/webhooks', build: () => get('/v1/webhooks'), expect: [200, 200, 200] },
    { op: 'GET /v1/webhooks/{id}', build: (site) => get(`/v1/webhooks/${s[site].webhook}`), expect: [200, 404, 200] },
    {
      op: 'PATCH /v1/webhooks/{id}',
      build: (site) => ({ method: 'PATCH', path: `/v1/webhooks/${s[site].webhook}`, body: { description: uniq('Hook') } }),
      expect: [200, 404, 200],
    },
    {
      op: 'DELETE /v1/webhooks/{id}',
      build: async (site) => ({ method: 'DELETE', path: `/v1/webhooks/${await freshWebhook(site)}` }),
      expect: [204, 404, 204],
    },
    { op: 'GET /v1/webhooks/{id}/deliveries', build: (site) => get(`/v1/webhooks/${s[site].webhook}/deliveries`), expect: [200, 404, 200] },
    {
      op: 'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
      build: async (site) => ({ method: 'POST', path: `/v1/webhooks/${s[site].webhook}/deliveries/${await freshDelivery(site)}/redeliver` }),
      expect: [202, 404, 202],
    },
  ];

  it('covers every authenticated operation of /openapi.json', async () => {
    const doc = ok(await api.call('GET', '/openapi.json', { token: null }), 'doc');
    const ops: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>)) {
      for (const [method, op] of Object.entries(methods)) {
        // Public operations and /metrics (a viewMetrics token, no location data) have nothing to scope.
        if (op.security?.length === 0 || path === '/metrics') continue;
        ops.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(rows.map((r) => r.op).sort()).toEqual(ops.sort());
  });

  it('answers another site’s ids with 404 (400 "does not exist" for ids in a body) and changes nothing', async () => {
    const calls = [];
    for (const row of rows) calls.push({ row, call: await row.build('B') });
    const before = await snapshot();
    for (const { row, call } of calls) {
      const r = await api.call(call.method, call.path, { token: siteAdmin.token, body: call.body });
      expect({ op: row.op, status: r.status }).toEqual({ op: row.op, status: row.expect[1] });
      if (r.status === 404) expect(r.body.error.code).toBe('NOT_FOUND');
      if (r.status === 400) expect(r.body.error.message).toMatch(/does not exist/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('lets the site admin use every operation at its own site (user accounts and new locations excepted)', async () => {
    for (const row of rows) {
      const call = await row.build('A');
      const r = await api.call(call.method, call.path, { token: siteAdmin.token, body: call.body });
      expect({ op: row.op, status: r.status, body: r.status === row.expect[0] ? undefined : r.body }).toEqual({
        op: row.op,
        status: row.expect[0],
        body: undefined,
      });
    }
  });

  it('lets the admin of every location use every operation anywhere', async () => {
    for (const row of rows) {
      const call = await row.build('B');
      const r = await api.call(call.method, call.path, { body: call.body });
      expect({ op: row.op, status: r.status, body: r.status === row.expect[2] ? undefined : r.body }).toEqual({
        op: row.op,
        status: row.expect[2],
        body: undefined,
      });
    }
  });

  it('filters every list to the caller’s locations', async () => {
    const ids = (r: { body: { items: Array<{ id: string; locationId?: string }> } }) => r.body.items.map((i) => i.id);
    for (const token of [siteAdmin.token, receptionist.token]) {
      const locations = ids(await api.call('GET', '/v1/locations?limit=200', { token }));
      expect(locations).toContain(s.A.loc);
      expect(locations).not.toContain(s.B.loc);
      const visits = (await api.call('GET', '/v1/visits?limit=200', { token })).body.items as Array<{ locationId: string }>;
      expect(visits.length).toBeGreaterThan(0);
      expect(visits.every((v) => v.locationId === s.A.loc)).toBe(true);
      // Asking for B by name finds nothing rather than B's visits.
      expect((await api.call('GET', `/v1/visits?locationId=${s.B.loc}`, { token })).body.items).toEqual([]);
    }
    const hooks = ids(await api.call('GET', '/v1/webhooks?limit=200', { token: siteAdmin.token }));
    expect(hooks).toContain(s.A.webhook);
    expect(hooks).not.toContain(s.B.webhook);
    // A subscription that also covers B, or every location, is out of a site admin's sight.
    const both = ok(
      await api.call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['visit.active'], locationIds: [s.A.loc, s.B.loc] } }),
      'w',
    );
    const everywhere = ok(await api.call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['visit.active'] } }), 'w');
    const seen = ids(await api.call('GET', '/v1/webhooks?limit=200', { token: siteAdmin.token }));
    expect(seen).not.toContain(both.id);
    expect(seen).not.toContain(everywhere.id);
    expect((await api.call('GET', `/v1/webhooks/${both.id}`, { token: siteAdmin.token })).status).toBe(404);
    const empty = await api.call('POST', '/v1/webhooks', { token: siteAdmin.token, body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['visit.active'] } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.issues[0].path).toBe('locationIds');
    const groups = ids(await api.call('GET', '/v1/user-groups?limit=200', { token: siteAdmin.token }));
    expect(groups).toContain(s.A.group);
    expect(groups).not.toContain(s.B.group);
    const all = ids(await api.call('GET', '/v1/locations?limit=200'));
    expect(all).toEqual(expect.arrayContaining([s.A.loc, s.B.loc]));
  });

  it('shows a site admin the audit entries of its locations only, and no global configuration', async () => {
    const entries = async (token: string | undefined, q = '') => {
      const items: Array<{ locationId: string | null; entityType: string }> = [];
      let cursor: string | undefined;
      do {
        const r = await api.call('GET', `/v1/audit?limit=200${q}${cursor ? `&cursor=${cursor}` : ''}`, { token });
        expect(r.status).toBe(200);
        items.push(...r.body.items);
        cursor = r.body.nextCursor;
      } while (cursor);
      return items;
    };
    const mine = await entries(siteAdmin.token);
    expect(mine.length).toBeGreaterThan(0);
    const scope = await scopeOf(siteAdmin.token);
    expect(mine.some((e) => e.locationId === s.A.loc)).toBe(true);
    expect(mine.filter((e) => e.locationId === null || !scope.includes(e.locationId))).toEqual([]);
    // Asking for B by name finds nothing rather than B's entries.
    expect(await entries(siteAdmin.token, `&locationId=${s.B.loc}`)).toEqual([]);
    const everything = await entries(undefined);
    expect(everything.some((e) => e.locationId === s.B.loc)).toBe(true);
    expect(everything.some((e) => e.locationId === null && e.entityType === 'userGroup')).toBe(true);
    expect(everything.some((e) => e.locationId === null && e.entityType === 'user')).toBe(true);
  });

  async function scopeOf(token: string): Promise<string[]> {
    return ok(await api.call('GET', '/v1/me', { token }), 'me').scope.locationIds;
  }

  it('confines a receptionist, scoped through the access rules of their user group, to that site', async () => {
    const me = ok(await api.call('GET', '/v1/me', { token: receptionist.token }), 'me');
    expect(me.scope).toEqual({ allLocations: false, locationIds: [s.A.loc] });
    const as = (method: string, path: string) => api.call(method, path, { token: receptionist.token });
    expect((await as('GET', `/v1/locations/${s.A.loc}/provisioning-options`)).status).toBe(200);
    for (const [method, path] of [
      ['GET', `/v1/locations/${s.B.loc}`],
      ['GET', `/v1/locations/${s.B.loc}/provisioning-options`],
      ['GET', `/v1/providers/${s.B.provider}/access-rules`],
      ['GET', `/v1/visits/${s.B.visit}`],
      ['POST', `/v1/visits/${s.B.visit}/sign-out`],
      ['POST', `/v1/visits/${s.B.visit}/deprovision`],
      ['POST', `/v1/visits/${s.B.visit}/retry`],
    ]) {
      const r = await as(method, path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
    }
    // The 404 of another site's visit is word for word that of a visit that does not exist.
    const missing = crypto.randomUUID();
    const a = await as('GET', `/v1/visits/${s.B.visit}`);
    const b = await as('GET', `/v1/visits/${missing}`);
    expect(a.body.error.message.replace(s.B.visit, 'ID')).toBe(b.body.error.message.replace(missing, 'ID'));
  });

  it('gives a user in no user group no location at all', async () => {
    expect(ok(await api.call('GET', '/v1/me', { token: unscoped.token }), 'me').scope).toEqual({ allLocations: false, locationIds: [] });
    expect((await api.call('GET', '/v1/locations', { token: unscoped.token })).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/visits', { token: unscoped.token })).body.items).toEqual([]);
    expect((await api.call('GET', `/v1/locations/${s.A.loc}/provisioning-options`, { token: unscoped.token })).status).toBe(404);
  });

  it('does not let a site admin reach beyond its sites through a user group', async () => {
    const post = (body: unknown) => api.call('POST', '/v1/user-groups', { token: siteAdmin.token, body });
    const rule = await post({ name: uniq('G'), accessRuleIds: [s.B.rule] });
    expect(rule.status).toBe(400);
    expect(rule.body.error.details.issues[0]).toMatchObject({ path: 'accessRuleIds.0', message: expect.stringMatching(/does not exist/) });
    const widen = await api.call('PATCH', `/v1/user-groups/${aAdmins}`, { token: siteAdmin.token, body: { locationIds: [s.A.loc, s.B.loc] } });
    expect(widen.status).toBe(400);
    expect(widen.body.error.details.issues[0].path).toBe('locationIds.1');
    // A group that also grants B is out of its reach entirely.
    const mixed = ok(await api.call('POST', '/v1/user-groups', { body: { name: uniq('Mixed'), locationIds: [s.A.loc, s.B.loc] } }), 'g');
    expect((await api.call('GET', `/v1/user-groups/${mixed.id}`, { token: siteAdmin.token })).status).toBe(404);
    // Names are unique everywhere, but another site's group id is not disclosed.
    const taken = await post({ name: mixed.name });
    expect(taken.status).toBe(409);
    expect(JSON.stringify(taken.body)).not.toContain(mixed.id);
  });

  async function snapshot() {
    const p = api.db.prisma;
    return {
      locations: await p.location.findMany({ orderBy: { id: 'asc' } }),
      providers: await p.provider.findMany({ orderBy: { id: 'asc' } }),
      badges: await p.securityBadge.findMany({ orderBy: { id: 'asc' } }),
      groups: await p.userGroup.findMany({ orderBy: { id: 'asc' }, include: { accessRules: true, members: true, locations: true } }),
      visits: await p.visit.findMany({ orderBy: { id: 'asc' }, include: { timeline: true } }),
      users: await p.user.findMany({ orderBy: { id: 'asc' } }),
      // A refused request leaves no audit entry either.
      audit: await p.auditEntry.count(),
      webhooks: await p.webhookSubscription.findMany({ orderBy: { id: 'asc' } }),
      deliveries: await p.webhookDelivery.findMany({ orderBy: { id: 'asc' } }),
    };
  }
});

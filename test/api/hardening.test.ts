import net from 'node:net';
import { refreshScheduleId } from '../../src/workflows/ids';
import { startTestApi, type TestApi } from '../helpers/api';
import { createLocation, createProvider, createUser, ok, onguardBody, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './admin/helpers';

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** What used to reach the database unchecked, or answer 200 to a request it ignored. */
describe('input that must not reach the database', () => {
  let api: TestApi;
  let loc: string;
  let providerId: string;
  beforeAll(async () => {
    api = await startTestApi();
    loc = (await createLocation(api)).id;
    providerId = (await createProvider(api, loc, onguardBody({ taskQueue: 'nobody-home' }))).id;
  });
  afterAll(async () => {
    await api.temporal.schedule
      .getHandle(refreshScheduleId(providerId))
      .delete()
      .catch(() => undefined);
    await api.close();
  });

  it.each([
    ['NUL', 'Ber\u0000lin', /NUL/],
    ['a lone surrogate', 'x\ud800y', /well-formed Unicode/],
    ['a control character', 'bell\u0007', /control characters/],
  ])('refuses %s in a stored name with 400 naming the field', async (_what, name, message) => {
    for (const [method, path, body, field] of [
      ['POST', '/v1/locations', { name, timezone: 'UTC', endOfDay: '18:00' }, 'name'],
      ['PATCH', `/v1/providers/${providerId}`, { username: name }, 'username'],
      ['PATCH', `/v1/providers/${providerId}`, { settings: { activeStatusName: name } }, 'settings.activeStatusName'],
      ['POST', '/v1/user-groups', { name }, 'name'],
      ['POST', '/v1/visits', { locationId: loc, badgeId: loc, accessRuleIds: [loc], visitor: { firstName: 'A', lastName: name } }, 'visitor.lastName'],
    ] as const) {
      const r = await api.call(method, path, { body });
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      const issue = r.body.error.details.issues.find((i: { path: string }) => i.path === field);
      expect({ path, issue }).toEqual({ path, issue: expect.objectContaining({ message: expect.stringMatching(message) }) });
    }
  });

  it('refuses NUL and lone surrogates in JSON keys and in fields a schema would have stripped', async () => {
    const r = await api.call('PATCH', `/v1/providers/${providerId}`, { raw: '{"name":"ok","extra":{"\\u0000k":"\\udc00"}}' });
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0].path).toMatch(/^extra\./);
  });

  it('keeps line breaks in a pasted certificate but not NUL', async () => {
    const r = await api.call('PATCH', `/v1/providers/${providerId}`, {
      body: { tls: { caCert: '-----BEGIN CERTIFICATE-----\n\u0000\n-----END CERTIFICATE-----' } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0]).toMatchObject({ path: 'tls.caCert', message: expect.stringMatching(/NUL/) });
  });

  it('refuses unknown provider settings and those of the other kind of PACS', async () => {
    const unknown = await api.call('PATCH', `/v1/providers/${providerId}`, { body: { settings: { colour: 'blue' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues[0]).toMatchObject({ path: 'settings.colour', message: expect.stringMatching(/not a known field/) });
    const genetecOnly = await api.call('PATCH', `/v1/providers/${providerId}`, { body: { settings: { facilityCode: 12 } } });
    expect(genetecOnly.status).toBe(400);
    expect(genetecOnly.body.error.details.issues[0]).toMatchObject({ path: 'settings.facilityCode', message: expect.stringMatching(/onguard provider/) });
    const fine = await api.call('PATCH', `/v1/providers/${providerId}`, { body: { settings: { activeStatusName: 'Active', visitMarkerField: 'VB_VISIT' } } });
    expect(fine.status).toBe(200);
  });

  it('refuses deeply nested bodies before parsing them, quickly', async () => {
    for (const depth of [40, 1000, 5000, 100_000]) {
      const started = Date.now();
      const r = await api.call('PATCH', `/v1/providers/${providerId}`, { raw: `{"settings":{"a":${nested(depth)}}}` });
      expect({ depth, status: r.status, code: r.body.error.code }).toEqual({ depth, status: 400, code: 'BODY_TOO_DEEP' });
      expect(Date.now() - started).toBeLessThan(1000);
    }
    // Brackets inside strings are text, not nesting.
    const text = await api.call('PATCH', `/v1/locations/${loc}`, { body: { name: '['.repeat(100) } });
    expect(text.status).toBe(200);
  });

  it('refuses forged cursors on list endpoints', async () => {
    for (const cursor of [
      b64('2020-01-01T00:00:00.000Z|not-a-uuid'),
      b64('-271821-04-20T00:00:00.000Z|00000000-0000-4000-8000-000000000000'),
      b64('+275760-09-13T00:00:00.000Z|00000000-0000-4000-8000-000000000000'),
      b64('2020-02-31T00:00:00.000Z|00000000-0000-4000-8000-000000000000'),
      b64('2020-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000|x'),
      'not base64!',
    ]) {
      for (const path of ['/v1/locations', '/v1/visits', '/v1/users', '/v1/user-groups', `/v1/providers/${providerId}/access-rules`]) {
        const r = await api.call('GET', `${path}?cursor=${encodeURIComponent(cursor)}`);
        expect({ path, cursor, status: r.status, issue: r.body.error?.details?.issues?.[0]?.path }).toEqual({
          path,
          cursor,
          status: 400,
          issue: 'query.cursor',
        });
      }
    }
    // A well-formed cursor is just a position.
    expect((await api.call('GET', `/v1/locations?cursor=${b64('2020-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000')}`)).status).toBe(200);
  });

  it('refuses a scalar query parameter given twice', async () => {
    for (const q of ['limit=1&limit=2', 'status=active&status=completed', `cursor=a&cursor=b`]) {
      const r = await api.call('GET', `/v1/visits?${q}`);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
      expect(r.body.error.message).toMatch(/once/);
    }
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    const send = (headers: Record<string, string>, body: string | Uint8Array) =>
      fetch(`${api.url}/v1/locations/${loc}`, { method: 'PATCH', headers: { authorization: 'Bearer test-admin-token-0123456789abcdef', ...headers }, body });
    const before = await api.db.prisma.location.findUniqueOrThrow({ where: { id: loc } });
    for (const r of [
      await send({ 'content-type': 'text/plain' }, JSON.stringify({ name: 'Changed' })),
      await send({}, new TextEncoder().encode(JSON.stringify({ name: 'Changed' }))),
      await send({ 'content-type': 'application/x-www-form-urlencoded' }, 'name=Changed'),
    ]) {
      expect(r.status).toBe(415);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect((await api.db.prisma.location.findUniqueOrThrow({ where: { id: loc } })).name).toBe(before.name);
    // Routes without a body ignore one; a body-less PATCH is still an empty change.
    expect((await api.call('PATCH', `/v1/locations/${loc}`)).status).toBe(200);
  });

  it('answers 405 with Allow for a method a path does not have', async () => {
    const r = await api.call('PUT', `/v1/locations/${loc}`, { body: {} });
    expect(r.status).toBe(405);
    expect(r.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(r.headers.get('allow')).toBe('GET, PATCH, DELETE, HEAD, OPTIONS');
    const root = await api.call('DELETE', '/openapi.json', { token: null });
    expect(root.status).toBe(405);
    expect(root.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const options = await api.call('OPTIONS', '/v1/visits');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST, GET, HEAD, OPTIONS');
    expect((await api.call('PUT', '/v1/nothing-here')).status).toBe(404);
  });

  it('serves /metrics only to a token with viewMetrics', async () => {
    expect((await api.call('GET', '/metrics', { token: null })).status).toBe(401);
    const admin = await createUser(api, 'Config admin', ['manageConfiguration']);
    expect((await api.call('GET', '/metrics', { token: admin.token })).status).toBe(403);
    const prometheus = await createUser(api, 'Prometheus', ['viewMetrics'], { allLocations: false });
    const r = await api.call('GET', '/metrics', { token: prometheus.token });
    expect(r.status).toBe(200);
    expect(r.body).toContain('http_requests_total');
  });

  it('documents the permissions the visit reads need', async () => {
    const doc = ok(await api.call('GET', '/openapi.json', { token: null }), 'doc');
    const viewers = ['viewVisits', 'provisionBadge', 'signOut', 'manageConfiguration', 'approveVisits'];
    expect(doc.paths['/v1/visits'].get['x-permissions']).toEqual(viewers);
    expect(doc.paths['/v1/visits/{id}'].get['x-permissions']).toEqual(viewers);
    expect(doc.paths['/v1/users'].get['x-all-locations']).toBe(true);
    const nobody = await createUser(api, 'No permission', []);
    expect((await api.call('GET', '/v1/visits', { token: nobody.token })).status).toBe(403);
  });
});

describe('sign-out requested many times', () => {
  let api: TestApi;
  let providerId: string;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.temporal.schedule
      .getHandle(refreshScheduleId(providerId))
      .delete()
      .catch(() => undefined);
    await api.close();
  });

  it('signals and logs the first of 20 concurrent sign-outs only', async () => {
    const loc = (await createLocation(api)).id;
    providerId = (await createProvider(api, loc, onguardBody({ taskQueue: 'nobody-home' }))).id;
    const ids = await seedCatalog(api, providerId, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
    const badge = ok(
      await api.call('POST', `/v1/providers/${providerId}/badges`, { body: { name: 'B', uniqueId: '1001', badgeTypeId: ids.type('1') } }),
      'badge',
    );
    const me = ok(await api.call('GET', '/v1/me'), 'me');
    ok(await api.call('POST', '/v1/user-groups', { body: { name: 'Desk', accessRuleIds: [ids.rule('10')], userIds: [me.id] } }), 'group');
    // No worker serves the API's queue here: the workflow exists and takes signals, nothing more.
    const visit = ok(
      await api.call('POST', '/v1/visits', {
        body: { locationId: loc, badgeId: badge.id, accessRuleIds: [ids.rule('10')], visitor: { firstName: 'Ada', lastName: 'Lovelace' } },
      }),
      'visit',
    );
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => api.call('POST', `/v1/visits/${visit.id}/sign-out`)));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
      const events = await api.db.prisma.visitEvent.findMany({ where: { visitId: visit.id, detail: { startsWith: 'sign-out requested' } } });
      expect(events).toHaveLength(1);
      const history = await api.temporal.workflow.getHandle(visit.workflowId).fetchHistory();
      const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'signOut') ?? [];
      expect(signals).toHaveLength(1);
    } finally {
      await api.temporal.workflow
        .getHandle(visit.workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
  });
});

describe('slow request bodies', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ httpTimeouts: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 } });
  });
  afterAll(() => api.close());

  it('cuts off a body that trickles in, after the configured request timeout', async () => {
    const { hostname, port } = new URL(api.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(
          `POST /v1/locations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-admin-token-0123456789abcdef\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`,
        );
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => socket.destroy(), 10_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

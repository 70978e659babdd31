import { ADMIN_TOKEN, startTestApi, type TestApi } from '../helpers/api';

describe('API foundation', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('rejects requests without a valid bearer token', async () => {
    expect((await api.call('GET', '/v1/locations', { token: null })).status).toBe(401);
    const bad = await api.call('GET', '/v1/locations', { token: 'not-a-token' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('UNAUTHORIZED');
  });

  it('creates, reads, updates and lists a location with the bootstrap admin token', async () => {
    const created = await api.call('POST', '/v1/locations', { body: { name: 'Berlin HQ', timezone: 'Europe/Berlin', endOfDay: '18:00' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Berlin HQ', timezone: 'Europe/Berlin', endOfDay: '18:00' });
    const id = created.body.id;
    expect((await api.call('GET', `/v1/locations/${id}`)).body.name).toBe('Berlin HQ');
    const patched = await api.call('PATCH', `/v1/locations/${id}`, { body: { endOfDay: '17:30' } });
    expect(patched.body.endOfDay).toBe('17:30');
    const list = await api.call('GET', '/v1/locations');
    expect(list.body.items.map((l: { id: string }) => l.id)).toContain(id);
  });

  it('answers bad input with 400 and the path of every invalid field', async () => {
    const r = await api.call('POST', '/v1/locations', { body: { name: '', timezone: 'Mars/Olympus', endOfDay: '25:00' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    const paths = r.body.error.details.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['endOfDay', 'name', 'timezone']);
    expect(r.body.error.message).toMatch(/IANA time zone/);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const r = await api.call('POST', '/v1/locations', { raw: '{"name": "x",' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MALFORMED_JSON');
  });

  it('answers a non-UUID id with 400 and an unknown one with 404', async () => {
    expect((await api.call('GET', '/v1/locations/abc')).status).toBe(400);
    const r = await api.call('GET', '/v1/locations/00000000-0000-4000-8000-000000000000');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
  });

  it('creates users whose token is shown once, stored hashed, and whose permissions are enforced', async () => {
    const created = await api.call('POST', '/v1/users', { body: { name: 'Rita Reception', email: 'Rita@Example.com', permissions: ['provisionBadge'] } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^vb_/);
    expect(created.body.email).toBe('rita@example.com');
    const row = await api.db.prisma.user.findUnique({ where: { id: created.body.id } });
    expect(row?.tokenHash).not.toContain(created.body.token);
    expect(JSON.stringify(row)).not.toContain(created.body.token);
    // Listed without the token.
    const list = await api.call('GET', '/v1/users');
    const listed = list.body.items.find((u: { id: string }) => u.id === created.body.id);
    expect(listed).toBeDefined();
    expect(listed.token).toBeUndefined();
    // The receptionist can authenticate but may not change configuration.
    const asRita = await api.call('POST', '/v1/locations', { token: created.body.token, body: { name: 'X', timezone: 'UTC', endOfDay: '18:00' } });
    expect(asRita.status).toBe(403);
    expect(asRita.body.error.message).toMatch(/manageConfiguration/);
    expect((await api.call('GET', '/v1/me', { token: created.body.token })).body.email).toBe('rita@example.com');
    // Duplicate email is a conflict.
    expect((await api.call('POST', '/v1/users', { body: { name: 'R2', email: 'rita@example.com' } })).status).toBe(409);
    // Unknown permission is a 400 naming the field.
    const bad = await api.call('POST', '/v1/users', { body: { name: 'R3', email: 'r3@example.com', permissions: ['root'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('permissions.0');
  });

  it('pages lists with a cursor', async () => {
    for (let i = 0; i < 5; i++) {
      await api.call('POST', '/v1/locations', { body: { name: `Site ${i}`, timezone: 'UTC', endOfDay: '18:00' } });
    }
    const first = await api.call('GET', '/v1/locations?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toBeDefined();
    const second = await api.call('GET', `/v1/locations?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect((await api.call('GET', '/v1/locations?cursor=garbage')).status).toBe(400);
  });

  it('sets a request ID, serves health, readiness, metrics and an OpenAPI document', async () => {
    const h = await api.call('GET', '/healthz', { token: null });
    expect(h.status).toBe(200);
    expect(h.headers.get('x-request-id')).toBeTruthy();
    expect((await api.call('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123');
    const ready = await api.call('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database.ok).toBe(true);
    expect(ready.body.checks.temporal.ok).toBe(true);
    // Metrics need a token with viewMetrics (the bootstrap admin has every permission).
    expect((await api.call('GET', '/metrics', { token: null })).status).toBe(401);
    const metrics = await api.call('GET', '/metrics');
    expect(metrics.body).toContain('http_requests_total');
    const doc = await api.call('GET', '/openapi.json', { token: null });
    expect(doc.body.openapi).toBe('3.1.0');
    const post = doc.body.paths['/v1/locations'];
    expect(post.post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['name', 'timezone', 'endOfDay']));
  });

  it('never writes the admin token or user tokens to the logs', async () => {
    const u = await api.call('POST', '/v1/users', { body: { name: 'Log Check', email: 'log@example.com', permissions: [] } });
    await api.call('GET', '/v1/me', { token: u.body.token });
    const all = api.logs.join('');
    expect(all.length).toBeGreaterThan(100);
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain(u.body.token);
  });
});

describe('readiness when Temporal is unreachable', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ temporalPing: () => Promise.reject(new Error('connection refused')) });
  });
  afterAll(() => api.close());

  it('answers 503 naming temporal', async () => {
    const r = await api.call('GET', '/readyz', { token: null });
    expect(r.status).toBe(503);
    expect(r.body.failing).toEqual(['temporal']);
    expect(r.body.checks.temporal.error).toMatch(/refused/);
  });
});

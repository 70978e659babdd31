import selfsigned from 'selfsigned';
import { refreshScheduleId } from '../../../src/workflows/ids';
import { ensureRefreshSchedules } from '../../../src/domain/schedules';
import { decryptSecret } from '../../../src/config/secrets';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createLocation, createProvider, genetecBody, ok, onguardBody, openVisit, PASSWORD, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './helpers';

describe('providers', () => {
  let api: TestApi;
  let locationId: string;
  const schedulesToClean: string[] = [];
  beforeAll(async () => {
    api = await startTestApi();
    locationId = (await createLocation(api)).id;
  });
  afterAll(async () => {
    for (const id of schedulesToClean)
      await api.temporal.schedule
        .getHandle(refreshScheduleId(id))
        .delete()
        .catch(() => undefined);
    await api.close();
  });

  it('creates an OnGuard provider: password encrypted at rest, write-only, defaults applied, schedule created', async () => {
    const r = await api.call('POST', `/v1/locations/${locationId}/providers`, { body: onguardBody({ directoryId: 'id-1' }) });
    expect(r.status).toBe(201);
    schedulesToClean.push(r.body.id);
    expect(r.body).toMatchObject({
      locationId,
      kind: 'onguard',
      name: 'OnGuard main',
      url: 'https://onguard.example:8080',
      username: 'sa',
      hasPassword: true,
      directoryId: 'id-1',
      applicationId: null,
      tls: { verify: true, caCert: null, fingerprint: null },
      maxConcurrentRequests: 4,
      refreshIntervalMinutes: 60,
      refreshStatus: 'never',
      lastRefreshAt: null,
      lastRefreshSuccessAt: null,
      lastRefreshError: null,
      taskQueue: null,
    });
    expect(r.body.password).toBeUndefined();
    expect(JSON.stringify(r.body)).not.toContain(PASSWORD);
    const row = await api.db.prisma.provider.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(row.passwordCiphertext).not.toContain(PASSWORD);
    expect(decryptSecret(api.secretsKey, row.passwordCiphertext)).toBe(PASSWORD);

    const d = await api.temporal.schedule.getHandle(refreshScheduleId(r.body.id)).describe();
    expect(d.spec.intervals?.[0].every).toBe(60 * 60_000);
    expect(d.action.type).toBe('startWorkflow');
    expect((d.action as { taskQueue: string }).taskQueue).toBe(api.taskQueue);
    expect((d.action as { workflowType: string }).workflowType).toBe('scheduledRefresh');
    expect(d.policies.overlap).toBe('SKIP');
    expect(JSON.stringify(d)).not.toContain(PASSWORD);

    const got = ok(await api.call('GET', `/v1/providers/${r.body.id}`), 'get');
    expect(got).toMatchObject({ id: r.body.id, hasPassword: true, locationName: 'Berlin HQ', counts: { accessRules: 0, badgeTypes: 0, badges: 0 } });
    const list = ok(await api.call('GET', `/v1/locations/${locationId}/providers`), 'list');
    expect(list.items.map((p: { id: string }) => p.id)).toContain(r.body.id);
    expect(JSON.stringify(list)).not.toContain(PASSWORD);
  });

  it('creates a Genetec provider with TLS settings and normalises the fingerprint', async () => {
    const pems = selfsigned.generate([{ name: 'commonName', value: 'gsc.example' }], { days: 30, keySize: 2048, algorithm: 'sha256' });
    const hex = 'ab'.repeat(32);
    const r = await api.call('POST', `/v1/locations/${locationId}/providers`, {
      body: genetecBody({
        tls: { verify: true, caCert: pems.cert, fingerprint: hex },
        maxConcurrentRequests: 8,
        refreshIntervalMinutes: 15,
        taskQueue: 'site-a',
      }),
    });
    expect(r.status).toBe(201);
    schedulesToClean.push(r.body.id);
    expect(r.body.tls.fingerprint).toBe(Array(32).fill('AB').join(':'));
    expect(r.body.tls.caCert).toContain('BEGIN CERTIFICATE');
    expect(r.body).toMatchObject({ kind: 'genetec', applicationId: 'KjB9Q7/app', maxConcurrentRequests: 8, refreshIntervalMinutes: 15, taskQueue: 'site-a' });
    const d = await api.temporal.schedule.getHandle(refreshScheduleId(r.body.id)).describe();
    expect(d.spec.intervals?.[0].every).toBe(15 * 60_000);
    expect((d.action as { taskQueue: string }).taskQueue).toBe('site-a');
    // Colon form is accepted as well.
    const colon = await api.call('POST', `/v1/locations/${locationId}/providers`, {
      body: genetecBody({ name: 'colon', tls: { fingerprint: Array(32).fill('0f').join(':') } }),
    });
    expect(colon.status).toBe(201);
    schedulesToClean.push(colon.body.id);
    expect(colon.body.tls.fingerprint).toBe(Array(32).fill('0F').join(':'));
  });

  const invalid: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['ftp URL', onguardBody({ url: 'ftp://onguard.example' }), 'url', /http\(s\) URL/],
    ['not a URL', onguardBody({ url: 'onguard' }), 'url', /http\(s\) URL/],
    ['URL with credentials', onguardBody({ url: 'https://u:p@onguard.example' }), 'url', /without credentials/],
    ['Genetec without application ID', genetecBody({ applicationId: undefined }), 'applicationId', /required for Genetec/],
    ['unknown kind', onguardBody({ kind: 'ccure' }), 'kind', /./],
    ['empty name', onguardBody({ name: ' ' }), 'name', /./],
    ['missing password', onguardBody({ password: undefined }), 'password', /./],
    ['CA that is not PEM', onguardBody({ tls: { caCert: 'hello' } }), 'tls.caCert', /PEM certificate/],
    [
      'CA PEM that does not parse',
      onguardBody({ tls: { caCert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' } }),
      'tls.caCert',
      /does not parse/,
    ],
    ['short fingerprint', onguardBody({ tls: { fingerprint: 'AB:CD' } }), 'tls.fingerprint', /SHA-256/],
    ['non-hex fingerprint', onguardBody({ tls: { fingerprint: 'zz'.repeat(32) } }), 'tls.fingerprint', /SHA-256/],
    ['0 concurrent requests', onguardBody({ maxConcurrentRequests: 0 }), 'maxConcurrentRequests', /./],
    ['33 concurrent requests', onguardBody({ maxConcurrentRequests: 33 }), 'maxConcurrentRequests', /./],
    ['fractional concurrency', onguardBody({ maxConcurrentRequests: 2.5 }), 'maxConcurrentRequests', /./],
    ['zero refresh interval', onguardBody({ refreshIntervalMinutes: 0 }), 'refreshIntervalMinutes', /./],
    ['bad task queue', onguardBody({ taskQueue: 'a b' }), 'taskQueue', /./],
    ['bad settings', onguardBody({ settings: { personEntityType: 'Robot' } }), 'settings.personEntityType', /./],
  ];
  it.each(invalid)('rejects %s with 400 naming the field', async (_what, body, path, message) => {
    const r = await api.call('POST', `/v1/locations/${locationId}/providers`, { body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    const issue = r.body.error.details.issues.find((i: { path: string }) => i.path === path);
    expect(issue).toBeDefined();
    expect(issue.message).toMatch(message);
    expect(JSON.stringify(r.body)).not.toContain(PASSWORD);
  });

  it('answers 404 for an unknown location and 400 for a malformed id', async () => {
    expect((await api.call('POST', '/v1/locations/00000000-0000-4000-8000-000000000000/providers', { body: onguardBody() })).status).toBe(404);
    expect((await api.call('GET', '/v1/locations/nope/providers')).status).toBe(400);
    expect((await api.call('GET', '/v1/providers/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('patches a provider: keeps the password when omitted, replaces it when given, updates the schedule', async () => {
    const p = await createProvider(api, locationId, onguardBody({ name: 'patch me' }));
    schedulesToClean.push(p.id);
    const before = await api.db.prisma.provider.findUniqueOrThrow({ where: { id: p.id } });
    const r1 = await api.call('PATCH', `/v1/providers/${p.id}`, { body: { name: 'renamed', refreshIntervalMinutes: 5, taskQueue: 'onprem-1' } });
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ name: 'renamed', refreshIntervalMinutes: 5, taskQueue: 'onprem-1', hasPassword: true });
    const mid = await api.db.prisma.provider.findUniqueOrThrow({ where: { id: p.id } });
    expect(mid.passwordCiphertext).toBe(before.passwordCiphertext);
    const d = await api.temporal.schedule.getHandle(refreshScheduleId(p.id)).describe();
    expect(d.spec.intervals?.[0].every).toBe(5 * 60_000);
    expect((d.action as { taskQueue: string }).taskQueue).toBe('onprem-1');

    const r2 = await api.call('PATCH', `/v1/providers/${p.id}`, { body: { password: 'new-password-123', taskQueue: null, tls: { verify: false } } });
    expect(r2.status).toBe(200);
    expect(r2.body).toMatchObject({ taskQueue: null, tls: { verify: false } });
    expect(JSON.stringify(r2.body)).not.toContain('new-password-123');
    const after = await api.db.prisma.provider.findUniqueOrThrow({ where: { id: p.id } });
    expect(decryptSecret(api.secretsKey, after.passwordCiphertext)).toBe('new-password-123');
    expect(((await api.temporal.schedule.getHandle(refreshScheduleId(p.id)).describe()).action as { taskQueue: string }).taskQueue).toBe(api.taskQueue);
  });

  it('rejects PATCHes that would break the provider', async () => {
    const g = await createProvider(api, locationId, genetecBody({ name: 'g-patch' }));
    schedulesToClean.push(g.id);
    const kind = await api.call('PATCH', `/v1/providers/${g.id}`, { body: { kind: 'onguard' } });
    expect(kind.status).toBe(400);
    expect(kind.body.error.details.issues[0].path).toBe('kind');
    const app = await api.call('PATCH', `/v1/providers/${g.id}`, { body: { applicationId: null } });
    expect(app.status).toBe(400);
    expect(app.body.error.details.issues[0].path).toBe('applicationId');
    const url = await api.call('PATCH', `/v1/providers/${g.id}`, { body: { url: 'gopher://x' } });
    expect(url.status).toBe(400);
    expect(url.body.error.details.issues[0].path).toBe('url');
    const same = await api.call('PATCH', `/v1/providers/${g.id}`, { body: { kind: 'genetec', name: 'same kind ok' } });
    expect(same.status).toBe(200);
    expect((await api.call('PATCH', '/v1/providers/00000000-0000-4000-8000-000000000000', { body: { name: 'x' } })).status).toBe(404);
    const marker = await api.call('PATCH', `/v1/providers/${g.id}`, { body: { settings: { visitMarkerField: 'SSNO; drop' } } });
    expect(marker.status).toBe(400);
    expect(marker.body.error.details.issues[0].path).toBe('settings.visitMarkerField');
    // Settings are checked against the provider's kind: visitMarkerField is OnGuard's.
    const otherKind = await api.call('PATCH', `/v1/providers/${g.id}`, { body: { settings: { visitMarkerField: 'VB_VISIT' } } });
    expect(otherKind.status).toBe(400);
    expect(otherKind.body.error.details.issues[0]).toMatchObject({
      path: 'settings.visitMarkerField',
      message: expect.stringMatching(/not a setting of a genetec provider/),
    });
    const keep = await api.call('PATCH', `/v1/providers/${g.id}`, { body: { settings: { releaseOnDeactivate: false, personEntityType: 'Cardholder' } } });
    expect(keep.status).toBe(200);
    expect(keep.body.settings).toMatchObject({ releaseOnDeactivate: false, personEntityType: 'Cardholder' });
  });

  it('lists synced access rules and badge types with status and ID range (BigInt-safe)', async () => {
    const p = await createProvider(api, locationId, onguardBody({ name: 'catalog' }));
    schedulesToClean.push(p.id);
    await seedCatalog(api, p.id, {
      accessRules: STANDARD_RULES,
      badgeTypes: [...STANDARD_TYPES, { externalId: '9', name: 'Huge', manualEntry: true, idRange: { min: '1', max: '18446744073709551615' } }],
    });
    const rules = ok(await api.call('GET', `/v1/providers/${p.id}/access-rules`), 'rules');
    expect(rules.items).toHaveLength(3);
    expect(rules.items.find((r: { externalId: string }) => r.externalId === '10')).toEqual(
      expect.objectContaining({ id: expect.any(String), externalId: '10', name: 'Lobby', status: 'active' }),
    );
    const types = ok(await api.call('GET', `/v1/providers/${p.id}/badge-types`), 'types');
    const byName = Object.fromEntries(types.items.map((t: { name: string }) => [t.name, t]));
    expect(byName.Visitor).toMatchObject({ externalId: '1', manualEntry: true, idRange: { min: 1000, max: 1999 }, status: 'active' });
    expect(byName.Employee.manualEntry).toBe(false);
    expect(byName.Contractor.idRange).toBeUndefined();
    expect(byName.Huge.idRange).toEqual({ min: 1, max: '9223372036854775807' });
    const page1 = ok(await api.call('GET', `/v1/providers/${p.id}/badge-types?limit=2`), 'page');
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBeDefined();
    expect((await api.call('GET', `/v1/providers/${p.id}/access-rules?status=gone`)).status).toBe(400);
  });

  it('deletes a provider with its badges, rules, types and schedule; refuses while a visit uses it or has used it', async () => {
    const p = await createProvider(api, locationId, onguardBody({ name: 'to delete' }));
    const ids = await seedCatalog(api, p.id, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
    const badge = ok(await api.call('POST', `/v1/providers/${p.id}/badges`, { body: { name: 'V1', uniqueId: '1001', badgeTypeId: ids.type('1') } }), 'badge');
    const group = ok(await api.call('POST', '/v1/user-groups', { body: { name: 'delete-group', accessRuleIds: [ids.rule('10')], userIds: [] } }), 'group');

    const visitId = await openVisit(api, { locationId, providerId: p.id, badgeId: badge.id, status: 'active' });
    const busy = await api.call('DELETE', `/v1/providers/${p.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('PROVIDER_IN_USE');
    expect(busy.body.error.details.visits).toEqual([{ id: visitId, status: 'active' }]);

    await api.db.prisma.visit.update({ where: { id: visitId }, data: { status: 'completed', activeBadgeId: null } });
    const history = await api.call('DELETE', `/v1/providers/${p.id}`);
    expect(history.status).toBe(409);
    expect(history.body.error.code).toBe('PROVIDER_HAS_HISTORY');

    await api.db.prisma.visit.delete({ where: { id: visitId } });
    expect((await api.call('DELETE', `/v1/providers/${p.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v1/providers/${p.id}`)).status).toBe(404);
    expect(await api.db.prisma.securityBadge.count({ where: { providerId: p.id } })).toBe(0);
    expect(await api.db.prisma.accessRule.count({ where: { providerId: p.id } })).toBe(0);
    expect(await api.db.prisma.badgeType.count({ where: { providerId: p.id } })).toBe(0);
    expect(ok(await api.call('GET', `/v1/user-groups/${group.id}`), 'group').accessRules).toEqual([]);
    await expect(api.temporal.schedule.getHandle(refreshScheduleId(p.id)).describe()).rejects.toThrow(/not found/i);
    expect((await api.call('DELETE', `/v1/providers/${p.id}`)).status).toBe(404);
  });

  it('ensureRefreshSchedules recreates lost schedules and removes orphans', async () => {
    const p = await createProvider(api, locationId, onguardBody({ name: 'ensure', refreshIntervalMinutes: 7 }));
    schedulesToClean.push(p.id);
    await api.temporal.schedule.getHandle(refreshScheduleId(p.id)).delete();
    const orphan = '11111111-1111-4111-8111-111111111111';
    await api.temporal.schedule.create({
      scheduleId: refreshScheduleId(orphan),
      spec: { intervals: [{ every: 3_600_000 }] },
      action: { type: 'startWorkflow', workflowType: 'scheduledRefresh', taskQueue: api.taskQueue, args: [{ providerId: orphan }] },
      state: { paused: true },
    });
    // Schedule listing is eventually consistent: wait until the orphan is visible.
    for (let i = 0; i < 50; i++) {
      let seen = false;
      for await (const s of api.temporal.schedule.list()) if (s.scheduleId === refreshScheduleId(orphan)) seen = true;
      if (seen) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const out = await ensureRefreshSchedules({ client: api.temporal, db: api.db.prisma, defaultTaskQueue: api.taskQueue });
    expect(out.failed).toBe(0);
    expect(out.ensured).toBe(await api.db.prisma.provider.count());
    expect(out.removed).toBeGreaterThanOrEqual(1);
    const d = await api.temporal.schedule.getHandle(refreshScheduleId(p.id)).describe();
    expect(d.spec.intervals?.[0].every).toBe(7 * 60_000);
    await expect(api.temporal.schedule.getHandle(refreshScheduleId(orphan)).describe()).rejects.toThrow(/not found/i);
    // Idempotent.
    expect((await ensureRefreshSchedules({ client: api.temporal, db: api.db.prisma, defaultTaskQueue: api.taskQueue, removeOrphans: false })).failed).toBe(0);
  });

  it('documents every configuration endpoint in /openapi.json', async () => {
    const doc = ok(await api.call('GET', '/openapi.json', { token: null }), 'openapi');
    const create = doc.paths['/v1/locations/{id}/providers'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['kind', 'name', 'url', 'username', 'password']));
    expect(create['x-permissions']).toEqual(['manageConfiguration']);
    for (const [path, methods] of Object.entries({
      '/v1/locations/{id}/providers': ['get', 'post'],
      '/v1/providers/{id}': ['get', 'patch', 'delete'],
      '/v1/providers/{id}/test-connection': ['post'],
      '/v1/providers/{id}/refresh': ['post'],
      '/v1/providers/{id}/access-rules': ['get'],
      '/v1/providers/{id}/badge-types': ['get'],
      '/v1/providers/{id}/badges': ['get', 'post'],
      '/v1/badges/{id}': ['get', 'patch', 'delete'],
      '/v1/user-groups': ['get', 'post'],
      '/v1/user-groups/{id}': ['get', 'patch', 'delete'],
      '/v1/locations/{id}/provisioning-options': ['get'],
    })) {
      expect(Object.keys(doc.paths[path] ?? {}).sort()).toEqual([...methods].sort());
    }
  });

  it('never writes the provider password to the logs', () => {
    expect(api.logs.join('')).not.toContain(PASSWORD);
    expect(api.logs.join('')).not.toContain('new-password-123');
  });
});

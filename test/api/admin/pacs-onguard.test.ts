import { refreshScheduleId, refreshWorkflowId } from '../../../src/workflows/ids';
import { startOnGuardSimulator, type OnGuardSimulator } from '../../../src/simulators/onguard/server';
import { startTestApi, type TestApi } from '../../helpers/api';
import { startTestWorker, type RunningWorker } from '../../helpers/worker';
import { closedPort, createLocation, createProvider, historyText, ok, workflowIds, pauseScheduledRefresh } from './helpers';
import { simRequest } from '../../helpers/sim';

/** Test connection and refresh against the OnGuard OpenAccess simulator, through Temporal and a real worker. */
describe('OnGuard provider: test connection and refresh', () => {
  let api: TestApi;
  let sim: OnGuardSimulator;
  let worker: RunningWorker;
  let providerId: string;
  let locationId: string;
  const sims: OnGuardSimulator[] = [];

  const simCall = (method: string, path: string, body?: unknown) => simRequest(sim.origin, method, path, body);
  const testConnection = async (id = providerId) => api.call('POST', `/v1/providers/${id}/test-connection`);
  const failed = (body: { steps: Array<{ name: string; ok: boolean; message: string }> }) => body.steps.filter((s) => !s.ok);

  beforeAll(async () => {
    sim = await startOnGuardSimulator();
    api = await startTestApi();
    worker = await startTestWorker({ db: api.db.prisma, secretsKey: api.secretsKey, taskQueue: api.taskQueue });
    locationId = (await createLocation(api, 'Chicago')).id;
    providerId = (
      await createProvider(api, locationId, {
        kind: 'onguard',
        name: 'OnGuard sim',
        url: sim.providerUrl,
        username: sim.credentials.username,
        password: sim.credentials.password,
        applicationId: sim.credentials.applicationId,
        directoryId: 'id-1',
      })
    ).id;
    await pauseScheduledRefresh(api, providerId); // resumed by the test of the schedule itself
  });
  afterAll(async () => {
    await api.temporal.schedule
      .getHandle(refreshScheduleId(providerId))
      .delete()
      .catch(() => undefined);
    await worker?.stop();
    await api?.close();
    await sim?.close();
    for (const s of sims) await s.close();
  });

  it('test connection succeeds and lists the OnGuard directories', async () => {
    const r = await testConnection();
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(failed(r.body)).toEqual([]);
    expect(r.body.steps.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['reachability', 'version', 'directories', 'credentials', 'licence']),
    );
    expect(r.body.directories).toEqual(
      expect.arrayContaining([
        { id: 'id-1', name: '<Internal>' },
        { id: 'id-2', name: 'CORP.EXAMPLE.COM' },
      ]),
    );
    expect(r.body.serverVersion).toBeTruthy();
  });

  it('test connection with a wrong password says to fix the credentials', async () => {
    ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { password: 'wrong-password-1' } }), 'patch');
    try {
      const r = await testConnection();
      expect(r.status).toBe(200);
      expect(r.body.ok).toBe(false);
      const step = failed(r.body).find((s) => s.name === 'credentials');
      expect(step?.message).toMatch(/credentials/i);
      expect(step?.message).toMatch(/username or password/i);
      expect(JSON.stringify(r.body)).not.toContain('wrong-password-1');
    } finally {
      ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { password: sim.credentials.password } }), 'patch back');
    }
  });

  it('test connection with an unlicensed Application-Id names the OpenAccess licence', async () => {
    ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { applicationId: 'NOT-A-LICENSED-APP' } }), 'patch');
    try {
      const r = await testConnection();
      expect(r.body.ok).toBe(false);
      const step = failed(r.body).find((s) => s.name === 'licence');
      expect(step?.message).toMatch(/licen[cs]e/i);
      expect(step?.message).toMatch(/OpenAccess/);
    } finally {
      ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { applicationId: sim.credentials.applicationId } }), 'patch back');
    }
  });

  it('test connection to an unreachable URL names firewall and port', async () => {
    const p = await createProvider(api, locationId, {
      kind: 'onguard',
      name: 'nowhere',
      url: `http://127.0.0.1:${await closedPort()}`,
      username: 'u',
      password: sim.credentials.password,
    });
    const r = await testConnection(p.id);
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(false);
    const step = failed(r.body)[0];
    expect(step.name).toBe('reachability');
    expect(step.message).toMatch(/firewall/);
    expect(step.message).toMatch(/port/);
    expect(step.message).toMatch(/OpenAccess/);
    // Refresh against it fails the same way, is recorded on the provider and answered as 502.
    const rr = await api.call('POST', `/v1/providers/${p.id}/refresh`);
    expect(rr.status).toBe(502);
    expect(rr.body.error.code).toBe('PACS_UNREACHABLE');
    expect(rr.body.error.message).toMatch(/firewall/);
    const after = ok(await api.call('GET', `/v1/providers/${p.id}`), 'get');
    expect(after).toMatchObject({ refreshStatus: 'failed', lastRefreshError: { code: 'PACS_UNREACHABLE' }, lastRefreshSuccessAt: null });
    expect(after.lastRefreshAt).toBeTruthy();
    await api.call('DELETE', `/v1/providers/${p.id}`);
  });

  let tlsSim: OnGuardSimulator;
  let tlsProviderId: string;
  it('test connection over TLS: refused without trust (message names CA and fingerprint), accepted with the CA, refused with a wrong pin', async () => {
    tlsSim = await startOnGuardSimulator({ tls: true });
    sims.push(tlsSim);
    tlsProviderId = (
      await createProvider(api, locationId, {
        kind: 'onguard',
        name: 'tls',
        url: tlsSim.providerUrl,
        username: tlsSim.credentials.username,
        password: tlsSim.credentials.password,
        applicationId: tlsSim.credentials.applicationId,
      })
    ).id;
    const refused = await testConnection(tlsProviderId);
    expect(refused.body.ok).toBe(false);
    const step = failed(refused.body).find((s) => s.name === 'tls');
    expect(step?.message).toMatch(/CA certificate/);
    expect(step?.message).toMatch(/fingerprint/);

    ok(await api.call('PATCH', `/v1/providers/${tlsProviderId}`, { body: { tls: { caCert: tlsSim.certificatePem } } }), 'ca');
    const trusted = await testConnection(tlsProviderId);
    expect(failed(trusted.body)).toEqual([]);
    ok(await api.call('PATCH', `/v1/providers/${tlsProviderId}`, { body: { tls: { caCert: null, fingerprint: 'AB'.repeat(32) } } }), 'bad pin');
    const badPin = await testConnection(tlsProviderId);
    expect(failed(badPin.body)[0]).toMatchObject({ name: 'tls', code: 'PACS_TLS' });
  });

  // Two handshakes: the second new connection would resume the TLS session, which must still pass the pin.
  it('test connection over TLS with the correct pinned fingerprint succeeds on every connection', async () => {
    ok(await api.call('PATCH', `/v1/providers/${tlsProviderId}`, { body: { tls: { caCert: null, fingerprint: tlsSim.fingerprint256 } } }), 'pin');
    const first = await testConnection(tlsProviderId);
    // A new TCP connection is what resumes the TLS session: force one, as a server restart or idle timeout would.
    tlsSim.controls.dropConnections();
    const second = await testConnection(tlsProviderId);
    expect([...failed(first.body), ...failed(second.body)]).toEqual([]);
  });

  let groupId: string;
  let badgeId: string;

  it('refresh syncs access levels and badge types (manual entry, ID range)', async () => {
    const r = await api.call('POST', `/v1/providers/${providerId}/refresh`);
    expect(r.status).toBe(200);
    expect(r.body.accessRules).toMatchObject({ added: 130, updated: 0, missing: 0, unchanged: 0 });
    expect(r.body.badgeTypes).toMatchObject({ added: 4, updated: 0, missing: 0 });
    expect(r.body.flagged).toEqual({ userGroups: [], badges: [] });
    const p = ok(await api.call('GET', `/v1/providers/${providerId}`), 'provider');
    expect(p).toMatchObject({ refreshStatus: 'ok', lastRefreshError: null, counts: { accessRules: 130, badgeTypes: 4 } });
    expect(p.lastRefreshSuccessAt).toBeTruthy();

    const types = ok(await api.call('GET', `/v1/providers/${providerId}/badge-types`), 'types').items;
    const byName = Object.fromEntries(types.map((t: { name: string }) => [t.name, t]));
    expect(byName.Visitor).toMatchObject({ externalId: '2', manualEntry: true, idRange: { min: 1000, max: 1999 }, status: 'active' });
    expect(byName.Employee.manualEntry).toBe(false);
    const rules = ok(await api.call('GET', `/v1/providers/${providerId}/access-rules?limit=200`), 'rules').items;
    expect(rules).toHaveLength(130);
    expect(rules.find((x: { externalId: string }) => x.externalId === '1')).toMatchObject({ status: 'active' });

    // Configuration that the next refresh will find broken.
    const level2 = rules.find((x: { externalId: string }) => x.externalId === '2');
    groupId = ok(await api.call('POST', '/v1/user-groups', { body: { name: 'Reception', accessRuleIds: [level2.id], userIds: [] } }), 'group').id;
    badgeId = ok(
      await api.call('POST', `/v1/providers/${providerId}/badges`, { body: { name: 'Temp 1', uniqueId: '42', badgeTypeId: byName.Temporary.id } }),
      'badge',
    ).id;
  });

  it('a second refresh after a rename and deletions in OnGuard shows updated and missing, and flags what used them', async () => {
    const state = await simCall('GET', '/__sim/state');
    const levels = state.instances.Lnl_AccessLevel as Array<Record<string, unknown>>;
    const types = state.instances.Lnl_BadgeType as Array<Record<string, unknown>>;
    await simCall('POST', '/__sim/seed', {
      replace: true,
      accessLevels: levels.filter((l) => l.ID !== 2).map((l) => (l.ID === 1 ? { ...l, Name: 'Main entrance (renamed)' } : l)),
      badgeTypes: types.filter((t) => t.ID !== 4),
    });

    const r = await api.call('POST', `/v1/providers/${providerId}/refresh`);
    expect(r.status).toBe(200);
    expect(r.body.accessRules).toMatchObject({ added: 0, updated: 1, missing: 1, unchanged: 128, totalMissing: 1 });
    expect(r.body.badgeTypes).toMatchObject({ added: 0, updated: 0, missing: 1, unchanged: 3, totalMissing: 1 });
    expect(r.body.flagged.userGroups).toEqual([
      expect.objectContaining({ id: groupId, name: 'Reception', missingAccessRules: [expect.objectContaining({ externalId: '2' })] }),
    ]);
    expect(r.body.flagged.badges).toEqual([expect.objectContaining({ id: badgeId, problem: 'BADGE_TYPE_MISSING' })]);

    const rules = ok(await api.call('GET', `/v1/providers/${providerId}/access-rules?limit=200`), 'rules').items;
    expect(rules).toHaveLength(130);
    expect(rules.find((x: { externalId: string }) => x.externalId === '1').name).toBe('Main entrance (renamed)');
    expect(rules.find((x: { externalId: string }) => x.externalId === '2').status).toBe('missing');
    expect(ok(await api.call('GET', `/v1/user-groups/${groupId}`), 'group').accessRules[0].status).toBe('missing');
    const badge = ok(await api.call('GET', `/v1/badges/${badgeId}`), 'badge');
    expect(badge.badgeTypeStatus).toBe('missing');

    // Idempotent: nothing changes the third time.
    const again = ok(await api.call('POST', `/v1/providers/${providerId}/refresh`), 'again');
    expect(again.accessRules).toMatchObject({ added: 0, updated: 0, missing: 0, unchanged: 129, totalMissing: 1 });
    expect(again.badgeTypes).toMatchObject({ added: 0, updated: 0, missing: 0, unchanged: 3, totalMissing: 1 });

    // The level comes back: active again, still in the group.
    await simCall('POST', '/__sim/seed', { accessLevels: [levels.find((l) => l.ID === 2)] });
    const back = ok(await api.call('POST', `/v1/providers/${providerId}/refresh`), 'back');
    expect(back.accessRules).toMatchObject({ updated: 1, totalMissing: 0 });
    expect(ok(await api.call('GET', `/v1/user-groups/${groupId}`), 'group').accessRules[0].status).toBe('active');
  });

  it('concurrent refreshes share one workflow run', async () => {
    const query = `WorkflowId = '${refreshWorkflowId(providerId)}'`;
    const before = (await workflowIds(api, query)).length;
    // Slow PACS answers make sure the second request arrives while the first run is still going.
    sim.controls.setFaults({ latencyMs: 150 });
    try {
      const [a, b] = await Promise.all([api.call('POST', `/v1/providers/${providerId}/refresh`), api.call('POST', `/v1/providers/${providerId}/refresh`)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body).toEqual(b.body);
    } finally {
      sim.controls.setFaults({ latencyMs: 0 });
    }
    expect((await workflowIds(api, query, before + 1)).length).toBe(before + 1);
  });

  it('a failing refresh is recorded on the provider and answered with the PACS reason; success clears it', async () => {
    const before = ok(await api.call('GET', `/v1/providers/${providerId}`), 'before');
    ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { password: 'wrong-password-2' } }), 'patch');
    const r = await api.call('POST', `/v1/providers/${providerId}/refresh`);
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('PACS_AUTH');
    expect(r.body.error.message).toMatch(/credentials/);
    const p = ok(await api.call('GET', `/v1/providers/${providerId}`), 'after');
    expect(p).toMatchObject({ refreshStatus: 'failed', lastRefreshError: { code: 'PACS_AUTH' }, lastRefreshSuccessAt: before.lastRefreshSuccessAt });
    expect(JSON.stringify(p)).not.toContain('wrong-password-2');
    ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { password: sim.credentials.password } }), 'patch back');

    sim.controls.setFaults({ outage: true });
    try {
      const down = await api.call('POST', `/v1/providers/${providerId}/refresh`);
      expect(down.status).toBe(502);
      expect(down.body.error.code).toBe('PACS_UNREACHABLE');
      expect(down.body.error.message).toMatch(/firewall/);
    } finally {
      sim.controls.setFaults({ outage: false });
    }
    ok(await api.call('POST', `/v1/providers/${providerId}/refresh`), 'recovered');
    const healed = ok(await api.call('GET', `/v1/providers/${providerId}`), 'healed');
    expect(healed).toMatchObject({ refreshStatus: 'ok', lastRefreshError: null });
  });

  it('the refresh schedule runs the refresh through the per-provider workflow', async () => {
    const before = ok(await api.call('GET', `/v1/providers/${providerId}`), 'before').lastRefreshSuccessAt;
    await api.temporal.schedule.getHandle(refreshScheduleId(providerId)).unpause();
    await api.temporal.schedule.getHandle(refreshScheduleId(providerId)).trigger();
    const deadline = Date.now() + 30_000;
    let now = before;
    while (Date.now() < deadline && now === before) {
      await new Promise((r) => setTimeout(r, 200));
      now = ok(await api.call('GET', `/v1/providers/${providerId}`), 'poll').lastRefreshSuccessAt;
    }
    expect(now).not.toBe(before);
    const scheduled = await workflowIds(api, `WorkflowType = 'scheduledRefresh' AND WorkflowId STARTS_WITH 'refresh-scheduled-${providerId}'`);
    expect(scheduled.length).toBeGreaterThanOrEqual(1);
  });

  it('a scheduled run skips while a refresh is running, and for a deleted provider', async () => {
    const handle = api.temporal.workflow.getHandle(refreshWorkflowId(providerId));
    const previousRun = (await handle.describe()).runId;
    sim.controls.setFaults({ latencyMs: 400 });
    try {
      const running = api.call('POST', `/v1/providers/${providerId}/refresh`);
      // Wait until the API's refresh run is the current one and still going.
      for (let i = 0; i < 100; i++) {
        const d = await api.temporal.workflow.getHandle(refreshWorkflowId(providerId)).describe();
        if (d.runId !== previousRun && d.status.name === 'RUNNING') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const skipped = await api.temporal.workflow.execute('scheduledRefresh', {
        workflowId: `scheduled-test-${providerId}`,
        taskQueue: api.taskQueue,
        args: [{ providerId }],
      });
      expect(skipped).toEqual({ skipped: true, reason: 'already-running' });
      expect((await running).status).toBe(200);
    } finally {
      sim.controls.setFaults({ latencyMs: 0 });
    }
    const gone = '22222222-2222-4222-8222-222222222222';
    const result = await api.temporal.workflow.execute('scheduledRefresh', {
      workflowId: `scheduled-test-${gone}`,
      taskQueue: api.taskQueue,
      args: [{ providerId: gone }],
    });
    expect(result).toEqual({ skipped: true, reason: 'provider-deleted' });
  });

  it('never puts the PACS password into workflow histories, responses or logs', async () => {
    const secret = sim.credentials.password;
    const texts = [await historyText(api, refreshWorkflowId(providerId))];
    const tests = await workflowIds(api, `WorkflowType = 'testConnection' AND WorkflowId STARTS_WITH 'test-connection-${providerId}'`, 3);
    expect(tests.length).toBeGreaterThanOrEqual(3);
    for (const id of tests) texts.push(await historyText(api, id));
    for (const t of texts) {
      // The decoding works: the provider ID in the input is readable.
      expect(t).toContain(providerId);
      expect(t).not.toContain(secret);
      expect(t).not.toContain('wrong-password-1');
      expect(t).not.toContain('wrong-password-2');
    }
    const logs = api.logs.join('');
    for (const s of [secret, 'wrong-password-1', 'wrong-password-2']) expect(logs).not.toContain(s);
  });
});

import { refreshScheduleId, refreshWorkflowId } from '../../../src/workflows/ids';
import { startGenetecSimulator, type GenetecSimulator } from '../../../src/simulators/genetec/server';
import { startTestApi, type TestApi } from '../../helpers/api';
import { startTestWorker, type RunningWorker } from '../../helpers/worker';
import { closedPort, createLocation, createProvider, historyText, ok, workflowIds, pauseScheduledRefresh } from './helpers';

/** Test connection and refresh against the Genetec Web-based SDK simulator, through Temporal and a real worker. */
describe('Genetec provider: test connection and refresh', () => {
  let api: TestApi;
  let sim: GenetecSimulator;
  let worker: RunningWorker;
  let providerId: string;
  let locationId: string;

  /** Changes the simulated Security Center through its own Web SDK, as an operator in Config Tool would. */
  const sdk = async (method: string, path: string) => {
    const { username, password, applicationId } = sim.credentials;
    const res = await fetch(`${sim.providerUrl}${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`${username};${applicationId}:${password}`).toString('base64')}`, accept: 'text/json' },
    });
    const text = (await res.text()).replace(/^\uFEFF/, '');
    const body = text ? JSON.parse(text) : {};
    if (res.status >= 300 || body.Rsp?.Status === 'Fail') throw new Error(`Web SDK ${method} ${path}: ${res.status} ${text}`);
    return body;
  };
  const testConnection = async (id = providerId) => api.call('POST', `/v1/providers/${id}/test-connection`);
  const failed = (body: { steps: Array<{ name: string; ok: boolean; message: string }> }) => body.steps.filter((s) => !s.ok);

  beforeAll(async () => {
    sim = await startGenetecSimulator();
    api = await startTestApi();
    worker = await startTestWorker({ db: api.db.prisma, secretsKey: api.secretsKey, taskQueue: api.taskQueue });
    locationId = (await createLocation(api, 'Montreal')).id;
    providerId = (
      await createProvider(api, locationId, {
        kind: 'genetec',
        name: 'Security Center sim',
        url: sim.providerUrl,
        username: sim.credentials.username,
        password: sim.credentials.password,
        applicationId: sim.credentials.applicationId,
      })
    ).id;
    await pauseScheduledRefresh(api, providerId);
  });
  afterAll(async () => {
    await api?.temporal.schedule
      .getHandle(refreshScheduleId(providerId))
      .delete()
      .catch(() => undefined);
    await worker?.stop();
    await api?.close();
    await sim?.close();
  });

  it('test connection succeeds', async () => {
    const r = await testConnection();
    expect(r.status).toBe(200);
    expect(failed(r.body)).toEqual([]);
    expect(r.body.ok).toBe(true);
    expect(r.body.steps.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['reachability', 'credentials', 'licence']));
  });

  it('test connection with a wrong password says to fix the credentials', async () => {
    ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { password: 'wrong-password-g1' } }), 'patch');
    try {
      const r = await testConnection();
      expect(r.body.ok).toBe(false);
      const step = failed(r.body).find((s) => s.name === 'credentials');
      expect(step?.message).toMatch(/credentials/i);
      expect(step?.message).toMatch(/username or password/i);
      expect(JSON.stringify(r.body)).not.toContain('wrong-password-g1');
    } finally {
      ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { password: sim.credentials.password } }), 'patch back');
    }
  });

  it('test connection with a wrong application ID names the SDK licence add-on', async () => {
    ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { applicationId: 'NOT-LICENSED-APP-ID' } }), 'patch');
    try {
      const r = await testConnection();
      expect(r.body.ok).toBe(false);
      const step = failed(r.body).find((s) => s.name === 'licence');
      expect(step?.message).toMatch(/licen[cs]e/i);
      expect(step?.message).toMatch(/GSC-1SDK-TRACTIONGUEST-VM/);
    } finally {
      ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { applicationId: sim.credentials.applicationId } }), 'patch back');
    }
  });

  it('test connection to an unreachable URL names firewall, port and the Web-based SDK role', async () => {
    const p = await createProvider(api, locationId, {
      kind: 'genetec',
      name: 'nowhere',
      url: `http://127.0.0.1:${await closedPort()}/WebSdk`,
      username: 'u',
      password: sim.credentials.password,
      applicationId: 'x',
    });
    const r = await testConnection(p.id);
    expect(r.body.ok).toBe(false);
    const step = failed(r.body)[0];
    expect(step.name).toBe('reachability');
    expect(step.message).toMatch(/firewall/);
    expect(step.message).toMatch(/port/);
    expect(step.message).toMatch(/Web-based SDK/);
    await api.call('DELETE', `/v1/providers/${p.id}`);
  });

  it('test connection over TLS: refused without trust, accepted with the pinned fingerprint', async () => {
    const tlsSim = await startGenetecSimulator({ tls: true });
    try {
      const p = await createProvider(api, locationId, {
        kind: 'genetec',
        name: 'tls',
        url: tlsSim.providerUrl,
        username: tlsSim.credentials.username,
        password: tlsSim.credentials.password,
        applicationId: tlsSim.credentials.applicationId,
      });
      const refused = await testConnection(p.id);
      expect(refused.body.ok).toBe(false);
      expect(failed(refused.body).find((s) => s.name === 'tls')?.message).toMatch(/CA certificate.*fingerprint/);
      ok(await api.call('PATCH', `/v1/providers/${p.id}`, { body: { tls: { fingerprint: tlsSim.fingerprint256 } } }), 'pin');
      expect(failed((await testConnection(p.id)).body)).toEqual([]);
      tlsSim.controls.dropConnections();
      expect(failed((await testConnection(p.id)).body)).toEqual([]);
      await api.call('DELETE', `/v1/providers/${p.id}`);
    } finally {
      await tlsSim.close();
    }
  });

  let groupId: string;
  let rules: Array<{ id: string; externalId: string; name: string; status: string }>;

  it('refresh syncs cardholder groups as access rules and credential formats as badge types', async () => {
    const r = await api.call('POST', `/v1/providers/${providerId}/refresh`);
    expect(r.status).toBe(200);
    expect(r.body.accessRules.added).toBeGreaterThanOrEqual(5);
    expect(r.body.badgeTypes.added).toBeGreaterThanOrEqual(1);
    rules = ok(await api.call('GET', `/v1/providers/${providerId}/access-rules?limit=200`), 'rules').items;
    expect(rules.map((x) => x.name)).toEqual(expect.arrayContaining(['Lobby visitors', 'Floor 3 visitors', 'Data centre escort']));
    const types = ok(await api.call('GET', `/v1/providers/${providerId}/badge-types`), 'types').items;
    const std = types.find((t: { name: string }) => /26/.test(t.name));
    expect(std).toMatchObject({ manualEntry: true, status: 'active' });
    expect(std.idRange).toEqual({ min: expect.any(Number), max: expect.any(Number) });
    const escort = rules.find((x) => x.name === 'Data centre escort')!;
    groupId = ok(await api.call('POST', '/v1/user-groups', { body: { name: 'Escorts', accessRuleIds: [escort.id], userIds: [] } }), 'group').id;
  });

  it('a second refresh after a rename and a deletion in Security Center shows updated and missing', async () => {
    const lobby = rules.find((x) => x.name === 'Lobby visitors')!;
    const escort = rules.find((x) => x.name === 'Data centre escort')!;
    await sdk('POST', `/entity?q=${encodeURIComponent(`entity=${lobby.externalId},Name=Lobby guests`)}`);
    await sdk('DELETE', `/entity/${escort.externalId}`);

    const r = await api.call('POST', `/v1/providers/${providerId}/refresh`);
    expect(r.status).toBe(200);
    expect(r.body.accessRules).toMatchObject({ added: 0, updated: 1, missing: 1, unchanged: rules.length - 2, totalMissing: 1 });
    expect(r.body.flagged.userGroups).toEqual([
      expect.objectContaining({ id: groupId, missingAccessRules: [expect.objectContaining({ externalId: escort.externalId })] }),
    ]);
    const after = ok(await api.call('GET', `/v1/providers/${providerId}/access-rules?limit=200`), 'rules').items;
    expect(after.find((x: { id: string }) => x.id === lobby.id)).toMatchObject({ name: 'Lobby guests', status: 'active' });
    expect(after.find((x: { id: string }) => x.id === escort.id)).toMatchObject({ name: 'Data centre escort', status: 'missing' });
    const group = ok(await api.call('GET', `/v1/user-groups/${groupId}`), 'group');
    expect(group.accessRules[0]).toMatchObject({ displayName: 'Montreal — Data centre escort', status: 'missing' });
    expect(group.hasMissingAccessRules).toBe(true);

    const again = ok(await api.call('POST', `/v1/providers/${providerId}/refresh`), 'again');
    expect(again.accessRules).toMatchObject({ added: 0, updated: 0, missing: 0, totalMissing: 1 });
  });

  it('a refresh with a refused licence fails with the licence message and is recorded', async () => {
    ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { applicationId: 'NOT-LICENSED-APP-ID' } }), 'patch');
    try {
      const r = await api.call('POST', `/v1/providers/${providerId}/refresh`);
      expect(r.status).toBe(502);
      expect(r.body.error.code).toBe('PACS_LICENSE');
      expect(r.body.error.message).toMatch(/GSC-1SDK-TRACTIONGUEST-VM/);
      expect(ok(await api.call('GET', `/v1/providers/${providerId}`), 'p')).toMatchObject({
        refreshStatus: 'failed',
        lastRefreshError: { code: r.body.error.code },
      });
    } finally {
      ok(await api.call('PATCH', `/v1/providers/${providerId}`, { body: { applicationId: sim.credentials.applicationId } }), 'patch back');
    }
  });

  it('never puts the PACS password into workflow histories, responses or logs', async () => {
    const texts = [await historyText(api, refreshWorkflowId(providerId))];
    const tests = await workflowIds(api, `WorkflowType = 'testConnection' AND WorkflowId STARTS_WITH 'test-connection-${providerId}'`, 3);
    for (const id of tests) texts.push(await historyText(api, id));
    expect(texts.length).toBeGreaterThanOrEqual(4);
    for (const t of texts) {
      expect(t).toContain(providerId);
      expect(t).not.toContain(sim.credentials.password);
      expect(t).not.toContain('wrong-password-g1');
    }
    expect(api.logs.join('')).not.toContain(sim.credentials.password);
    expect(api.logs.join('')).not.toContain('wrong-password-g1');
  });
});

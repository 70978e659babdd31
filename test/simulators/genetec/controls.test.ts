import { Agent, request } from 'undici';
import { startHarness, type SimHarness } from './sim-helpers';

describe('Genetec simulator: fault controls and statistics', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  it('adds latency to Web SDK requests but not to /__sim', async () => {
    await h.ctl('PUT', '/faults', { latencyMs: 300 });
    let t = Date.now();
    await h.api('/');
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
    t = Date.now();
    await h.ctl('GET', '/stats');
    expect(Date.now() - t).toBeLessThan(250);
  });

  it('injects HTTP errors at the configured rate and counts them', async () => {
    await h.ctl('PUT', '/faults', { errorRate: 1, errorStatus: 503 });
    const r = await h.api('/');
    expect(r.status).toBe(503);
    await h.ctl('PUT', '/faults', { errorRate: 0 });
    expect((await h.api('/')).status).toBe(200);
    expect((await h.ctl('GET', '/stats')).injectedErrors).toBe(1);
  });

  it('limits injection to a path filter', async () => {
    await h.ctl('PUT', '/faults', { errorRate: 1, pathFilter: '/report/' });
    expect((await h.api('/')).status).toBe(200);
    expect((await h.api('/report/EntityConfiguration', { q: 'EntityTypes@Badge' })).status).toBe(500);
  });

  it('hangs requests until the faults are cleared', async () => {
    await h.ctl('PUT', '/faults', { hangRate: 1 });
    const pending = h.api('/').then(
      () => 'answered',
      () => 'dropped',
    );
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
    expect(early).toBe('still waiting');
    expect((await h.ctl('GET', '/stats')).hung).toBe(1);
    await h.ctl('DELETE', '/faults');
    expect(await pending).toBe('dropped');
  });

  it('resets PACS connections during an outage, keeps /__sim reachable, and recovers afterwards', async () => {
    await h.ctl('PUT', '/faults', { outage: true });
    expect((await h.ctl('GET', '/faults')).outage).toBe(true);
    const agent = new Agent();
    await expect(request(`${h.sim.providerUrl}/`, { dispatcher: agent, headers: { authorization: h.basic(), accept: 'text/json' } })).rejects.toThrow();
    await h.ctl('PUT', '/faults', { outage: false });
    const r = await request(`${h.sim.providerUrl}/`, { dispatcher: agent, headers: { authorization: h.basic(), accept: 'text/json' } });
    expect(r.statusCode).toBe(200);
    await r.body.text();
    await agent.close();
  });

  it('records requests per route and the peak concurrency', async () => {
    await h.ctl('PUT', '/faults', { latencyMs: 150 });
    const agent = new Agent({ connections: 10 });
    await Promise.all(
      Array.from({ length: 6 }, () =>
        request(`${h.sim.providerUrl}/report/EntityConfiguration?q=EntityTypes@Badge`, {
          dispatcher: agent,
          headers: { authorization: h.basic(), accept: 'text/json' },
        }).then((r) => r.body.text()),
      ),
    );
    await agent.close();
    const stats = await h.ctl('GET', '/stats');
    expect(stats.byRoute['GET report/EntityConfiguration']).toBe(6);
    expect(stats.peakConcurrency).toBe(6);
    expect(stats.inFlight).toBe(0);
  });

  it('queues Fail envelopes for the next requests (optionally on one path only)', async () => {
    await h.ctl('POST', '/fail-next', { sdkErrorCode: 'UnknownEntity', message: 'Entity not found', count: 2, pathFilter: 'entity' });
    expect((await h.api('/')).json).toEqual({ Rsp: { Status: 'Ok' } });
    for (let i = 0; i < 2; i++) {
      expect(await h.fail('/entity', 'entity=00000000000000000000000000000008,Name')).toEqual({ SdkErrorCode: 'UnknownEntity', Message: 'Entity not found' });
    }
    expect((await h.ok('/entity', 'entity=00000000000000000000000000000008,Name')).Name).toBe('All cardholders');
  });
});

describe('Genetec simulator: sessions', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  it('opens one session per (user, application ID) and reuses it while requests keep coming', async () => {
    for (let i = 0; i < 3; i++) await h.api('/');
    let s = await h.ctl('GET', '/sessions');
    expect(s.opened).toBe(1);
    expect(s.active).toEqual([expect.objectContaining({ user: 'admin', applicationId: 'VB-SIMULATOR-APP-ID', requests: 3 })]);
    // A refused request opens no session.
    await h.api('/', { auth: h.basic('admin', 'VB-SIMULATOR-APP-ID', 'wrong') });
    s = await h.ctl('GET', '/sessions');
    expect(s.opened).toBe(1);
  });

  it('drops a session after the idle time, so the next request opens a new one', async () => {
    await h.ctl('PUT', '/config', { sessionIdleMs: 200 });
    await h.api('/');
    await new Promise((r) => setTimeout(r, 120));
    await h.api('/');
    expect((await h.ctl('GET', '/sessions')).opened).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.ctl('GET', '/sessions')).active).toHaveLength(0);
    await h.api('/');
    const s = await h.ctl('GET', '/sessions');
    expect(s).toMatchObject({ opened: 2, expired: 1 });
  });

  it('charges the opening latency to the first request of a session only', async () => {
    await h.ctl('PUT', '/config', { sessionOpenLatencyMs: 300 });
    let t = Date.now();
    await h.api('/');
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
    t = Date.now();
    await h.api('/');
    expect(Date.now() - t).toBeLessThan(250);
    await h.ctl('POST', '/sessions/expire');
    t = Date.now();
    await h.api('/');
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
  });
});

describe('Genetec simulator: TLS mode', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness({ tls: true });
  });
  afterAll(() => h.close());

  it('serves HTTPS with a self-signed certificate that a client can trust as its CA', async () => {
    expect(h.sim.providerUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/WebSdk$/);
    expect(h.sim.certificatePem).toMatch(/BEGIN CERTIFICATE/);
    expect(h.sim.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const strict = new Agent();
    await expect(request(`${h.sim.providerUrl}/`, { dispatcher: strict })).rejects.toThrow(/self-signed|certificate/i);
    await strict.close();
    const trusting = new Agent({ connect: { ca: h.sim.certificatePem } });
    const r = await request(`${h.sim.providerUrl}/`, { dispatcher: trusting, headers: { authorization: h.basic(), accept: 'text/json' } });
    expect(r.statusCode).toBe(200);
    expect(await r.body.json()).toEqual({ Rsp: { Status: 'Ok' } });
    await trusting.close();
  });

  it('applies the same fault controls over TLS', async () => {
    await h.ctl('PUT', '/faults', { errorRate: 1 });
    expect((await h.api('/')).status).toBe(500);
    await h.ctl('POST', '/reset');
    expect((await h.api('/')).status).toBe(200);
  });
});

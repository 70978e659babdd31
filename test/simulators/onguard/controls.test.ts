import crypto from 'node:crypto';
import { Agent, request } from 'undici';
import { raw, SimHarness, useSimHarness } from './helpers';

/** The /__sim controls: faults, stats, forced errors, the request log, and TLS mode. */
let h: SimHarness;
useSimHarness((x) => (h = x), { login: true });

const faults = (body: object) => h.control('PUT', '/faults', body);

describe('fault injection', () => {
  it('adds latency to PACS requests but not to /__sim', async () => {
    await faults({ latencyMs: 400 });
    let t = Date.now();
    expect((await h.get('/keepalive')).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(390);
    t = Date.now();
    await h.control('GET', '/stats');
    expect(Date.now() - t).toBeLessThan(300);
  });

  it('answers a share of requests with the configured error status, filtered by path and method', async () => {
    await faults({ errorRate: 1, errorStatus: 503, pathFilter: '/instances', methodFilter: 'POST' });
    expect((await h.get('/keepalive')).status).toBe(200);
    expect((await h.list('Lnl_Badge')).status).toBe(200);
    const r = await h.create('Lnl_Visitor', { LASTNAME: 'X' });
    expect(r.status).toBe(503);
    expect(r.text).toBe('simulated server error');
    expect((await h.control('GET', '/stats')).json.injectedErrors).toBe(1);
    // The failed create did not happen.
    expect((await h.state()).instances.Lnl_Visitor).toHaveLength(1);
  });

  it('hangs requests until the hang is lifted, then drops them', async () => {
    await faults({ hangRate: 1, pathFilter: '/keepalive' });
    const pending = h.get('/keepalive').then(
      (r) => ({ ok: true, status: r.status }),
      (e: Error) => ({ ok: false, error: e.message }),
    );
    const first = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still hanging'), 300))]);
    expect(first).toBe('still hanging');
    expect((await h.get('/session')).status).toBe(200);
    expect((await h.control('GET', '/stats')).json.hung).toBe(1);
    await faults({ hangRate: 0 });
    expect(await pending).toMatchObject({ ok: false });
  });

  it('an outage resets every PACS connection until it ends, while /__sim stays reachable', async () => {
    await faults({ outage: true });
    await expect(h.get('/keepalive')).rejects.toThrow();
    await expect(raw(h.url('/version'))).rejects.toThrow();
    expect((await h.control('GET', '/faults')).json.outage).toBe(true);
    await faults({ outage: false });
    expect((await h.get('/keepalive')).status).toBe(200);
  });

  it('counts requests per route and the peak number in flight', async () => {
    await h.control('POST', '/stats/reset');
    await faults({ latencyMs: 150 });
    await Promise.all(Array.from({ length: 8 }, () => h.get('/keepalive')));
    await faults({ latencyMs: 0 });
    await h.list('Lnl_Badge');
    const s = (await h.control('GET', '/stats')).json;
    expect(s).toMatchObject({ requests: 9, inFlight: 0, peakConcurrency: 8 });
    expect(s.byRoute).toEqual({ 'GET /keepalive': 8, 'GET /instances': 1 });
  });

  it('reset clears faults and stats along with the data', async () => {
    await faults({ errorRate: 1 });
    await h.reset();
    expect((await h.control('GET', '/faults')).json.errorRate).toBe(0);
    expect((await raw(h.url('/version'))).status).toBe(200);
  });
});

describe('forced errors and the request log', () => {
  it('answers the next matching requests with a chosen envelope, then recovers', async () => {
    await h.control('POST', '/next-error', { status: 401, code: 'openaccess.general.invalidsession', message: 'Forced.', path: '/instances', count: 2 });
    expect((await h.get('/keepalive')).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await h.list('Lnl_Badge');
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: { code: 'openaccess.general.invalidsession', message: 'Forced.' }, version: '1.0' });
    }
    expect((await h.list('Lnl_Badge')).status).toBe(200);
    expect((await h.control('GET', '/next-error')).json).toEqual([]);
  });

  it('records what clients sent, with passwords and tokens masked', async () => {
    await h.control('DELETE', '/requests');
    await h.login();
    await h.create('Lnl_Visitor', { LASTNAME: 'Logged' });
    const log = (await h.control('GET', '/requests')).json;
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      method: 'POST',
      path: '/authentication',
      status: 200,
      hasSessionToken: false,
      body: { user_name: 'admin', password: '***' },
    });
    expect(log[1]).toMatchObject({
      method: 'POST',
      path: '/instances',
      query: { version: '1.0' },
      body: { type_name: 'Lnl_Visitor', property_value_map: { LASTNAME: 'Logged' } },
      applicationId: 'OPEN_ACCESS_NON_PRODUCTION',
      hasSessionToken: true,
    });
    expect(JSON.stringify(log)).not.toContain(h.sim.credentials.password);
  });

  it('sets and reports the clock', async () => {
    const before = Date.now();
    const r = await h.control('POST', '/clock', { advanceMs: 3_600_000 });
    expect(Date.parse(r.json.now)).toBeGreaterThanOrEqual(before + 3_600_000);
    const set = await h.control('POST', '/clock', { now: '2030-01-01T00:00:00Z' });
    expect(set.json.now.startsWith('2030-01-01T00:00:0')).toBe(true);
    expect((await h.control('POST', '/clock', { advanceMs: 'soon' })).status).toBe(400);
  });

  it('refuses unknown option and session settings', async () => {
    expect((await h.control('PUT', '/options', { noSuchOption: true })).status).toBe(400);
    expect((await h.control('PUT', '/session', { tokenLifetimeMs: -1 })).status).toBe(400);
    // Unnamed options keep their values.
    await h.control('PUT', '/options', { requireVersion: false });
    await h.control('PUT', '/options', { enforceManualEntry: false });
    expect((await h.control('GET', '/options')).json).toMatchObject({
      requireVersion: false,
      enforceManualEntry: false,
      licensedApplicationIds: ['OPEN_ACCESS_NON_PRODUCTION'],
    });
  });
});

describe('TLS mode', () => {
  let tls: SimHarness;
  beforeAll(async () => {
    tls = await SimHarness.start({ tls: true });
  });
  afterAll(() => tls.close());

  it('serves HTTPS with a self-signed certificate whose fingerprint it reports', async () => {
    expect(tls.sim.providerUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(tls.sim.certificatePem).toContain('BEGIN CERTIFICATE');
    expect(tls.sim.fingerprint256).toBe(new crypto.X509Certificate(tls.sim.certificatePem!).fingerprint256);
    const r = await raw(tls.url('/version'));
    expect(r.json.product_name).toBe('OnGuard 8.1');
  });

  it('is refused by a verifying client, accepted with the certificate as CA', async () => {
    const strict = new Agent();
    await expect(request(tls.url('/version'), { dispatcher: strict })).rejects.toThrow(/self[- ]signed|certificate/i);
    const trusting = new Agent({ connect: { ca: tls.sim.certificatePem } });
    const r = await request(tls.url('/version'), { dispatcher: trusting });
    expect(r.statusCode).toBe(200);
    await r.body.text();
    await Promise.all([strict.close(), trusting.close()]);
  });

  it('applies faults over TLS too', async () => {
    await tls.control('PUT', '/faults', { outage: true });
    await expect(raw(tls.url('/version'))).rejects.toThrow();
    await tls.control('PUT', '/faults', { outage: false });
    expect((await raw(tls.url('/version'))).status).toBe(200);
  });
});

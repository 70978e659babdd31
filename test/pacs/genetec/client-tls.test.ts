import { GenetecClient } from '../../../src/pacs/genetec/client';
import type { ProviderConnection } from '../../../src/pacs/types';
import { startHarness, type SimHarness } from '../../simulators/genetec/sim-helpers';
import { connFor, rejection } from './client-helpers';

describe('GenetecClient over TLS (the Web-based SDK role with "Use SSL connection")', () => {
  let h: SimHarness;
  const clients: GenetecClient[] = [];
  const make = (tls: ProviderConnection['tls'], maxConcurrentRequests = 4) => {
    const c = new GenetecClient(connFor(h.sim, { tls, maxConcurrentRequests }));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    h = await startHarness({ tls: true });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(() => h.close());

  it('refuses the self-signed certificate by default with PACS_TLS and the fix', async () => {
    const c = make({ verify: true });
    const e = await rejection(c.listAccessRules());
    expect(e.code).toBe('PACS_TLS');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/self-signed certificate/);
    expect(e.message).toMatch(/CA certificate or pin its SHA-256 fingerprint/);
    const t = await c.testConnection();
    expect(t.ok).toBe(false);
    expect(t.steps.map((s) => [s.name, s.ok])).toEqual([
      ['reachability', true],
      ['tls', false],
    ]);
    expect(t.steps[1].code).toBe('PACS_TLS');
  });

  it('accepts it as the provider CA certificate', async () => {
    const t = await make({ verify: true, caCert: h.sim.certificatePem }).testConnection();
    expect(t.ok).toBe(true);
    expect(t.steps.map((s) => s.name)).toEqual(['reachability', 'tls', 'credentials', 'licence']);
  });

  it('accepts a pinned fingerprint, in colon or bare lower-case form', async () => {
    expect((await make({ verify: true, fingerprint: h.sim.fingerprint256 }).testConnection()).ok).toBe(true);
    const bare = h.sim.fingerprint256!.replace(/:/g, '').toLowerCase();
    expect(await make({ verify: true, fingerprint: bare }).listBadgeTypes()).toHaveLength(8);
  });

  it('keeps a pinned fingerprint valid on every new connection (no false mismatch on resumed TLS sessions)', async () => {
    const c = make({ verify: true, fingerprint: h.sim.fingerprint256 }, 4);
    // One call first, so later connections may resume its TLS session; then parallel calls open more.
    expect(await c.listBadgeTypes()).toHaveLength(8);
    await h.ctl('PUT', '/faults', { latencyMs: 100 });
    await h.ctl('POST', '/stats/reset');
    const all = await Promise.all(Array.from({ length: 8 }, () => c.listBadgeTypes()));
    expect(all.every((t) => t.length === 8)).toBe(true);
    expect((await h.ctl('GET', '/stats')).peakConcurrency).toBeGreaterThan(1);
    await h.ctl('DELETE', '/faults');
  });

  it('refuses a wrong pinned fingerprint even with verification off', async () => {
    const wrong = Array(32).fill('AB').join(':');
    const e = await rejection(make({ verify: false, fingerprint: wrong }).listAccessRules());
    expect(e.code).toBe('PACS_TLS');
    expect(e.message).toMatch(/fingerprint/);
  });

  it('connects when the admin turned verification off', async () => {
    expect((await make({ verify: false }).testConnection()).ok).toBe(true);
  });
});

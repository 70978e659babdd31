import { failure, SimHarness, useClientHarness } from './helpers';

/** The self-signed certificate OnGuard ships with: refused by default, trusted by CA or by pin. */
let h: SimHarness;
const clients = useClientHarness((x) => (h = x), { start: { tls: true }, reset: false });

describe('TLS', () => {
  it('refuses a self-signed certificate by default: PACS_TLS, not retryable, says how to trust it', async () => {
    const c = clients.make(h);
    const e = await failure(c.listAccessRules());
    expect(e).toMatchObject({ code: 'PACS_TLS', retryable: false });
    expect(e.message).toContain('pin its SHA-256 fingerprint');
    const t = await c.testConnection();
    expect(t.ok).toBe(false);
    expect(t.steps.map((s) => [s.name, s.ok, s.code])).toEqual([
      ['reachability', true, undefined],
      ['tls', false, 'PACS_TLS'],
    ]);
  });

  it('accepts it when the certificate is configured as the CA', async () => {
    const c = clients.make(h, { tls: { verify: true, caCert: h.sim.certificatePem } });
    const t = await c.testConnection();
    expect(t.ok).toBe(true);
    expect(t.steps.find((s) => s.name === 'tls')).toEqual({ name: 'tls', ok: true, message: 'The certificate is signed by the configured CA.' });
    expect(await c.listAccessRules()).toHaveLength(130);
  });

  it('accepts it with a pinned fingerprint, in colon or bare form', async () => {
    for (const fingerprint of [h.sim.fingerprint256!, h.sim.fingerprint256!.replace(/:/g, '').toLowerCase()]) {
      const c = clients.make(h, { tls: { verify: true, fingerprint } });
      expect((await c.testConnection()).ok).toBe(true);
      expect(await c.listBadgeTypes()).toHaveLength(4);
    }
  });

  it('refuses it with a wrong pin, even with verification off', async () => {
    const wrong = 'AA:'.repeat(31) + 'AA';
    const c = clients.make(h, { tls: { verify: false, fingerprint: wrong } });
    const e = await failure(c.listAccessRules());
    expect(e.code).toBe('PACS_TLS');
    expect(e.message).toContain('CERT_FINGERPRINT_MISMATCH');
  });

  it('accepts anything when the admin turned verification off, and says so', async () => {
    const c = clients.make(h, { tls: { verify: false } });
    const t = await c.testConnection();
    expect(t.ok).toBe(true);
    expect(t.steps.find((s) => s.name === 'tls')?.message).toMatch(/turned off/);
  });
});

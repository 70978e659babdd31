import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GenetecClient } from '../../../src/pacs/genetec/client';
import { PacsError } from '../../../src/pacs/errors';
import { SEED } from '../../../src/simulators/genetec/store';
import { startHarness, type SimHarness } from '../../simulators/genetec/sim-helpers';
import { connFor, rejection, STANDARD_26 } from './client-helpers';

const HOUR = 3_600_000;

describe('GenetecClient against the simulator: error classes', () => {
  let h: SimHarness;
  const clients: GenetecClient[] = [];
  const messages: string[] = [];
  const make = (...args: Parameters<typeof connFor> extends [unknown, ...infer R] ? R : never) => {
    const c = new GenetecClient(connFor(h.sim, ...args));
    clients.push(c);
    return c;
  };
  /** Collects every error message so the last test can check none leaks a secret. */
  const failure = async (p: Promise<unknown>): Promise<PacsError> => {
    const e = await rejection(p);
    expect(e).toBeInstanceOf(PacsError);
    messages.push(e.message);
    return e;
  };

  beforeAll(async () => {
    h = await startHarness({ password: 'S3cret-Pa55word' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await h.ctl('POST', '/reset');
  });
  afterAll(() => h.close());

  it('unreachable port: PACS_UNREACHABLE, retryable, naming port 4590 and the Web-based SDK role', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const c = make({ url: `http://127.0.0.1:${port}/WebSdk` });
    const e = await failure(c.listAccessRules());
    expect(e.code).toBe('PACS_UNREACHABLE');
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.message).toMatch(/Web-based SDK role/);
    expect(e.message).toMatch(/4590/);
    const t = await c.testConnection();
    expect(t.ok).toBe(false);
    expect(t.steps).toEqual([expect.objectContaining({ name: 'reachability', ok: false, code: 'PACS_UNREACHABLE', message: expect.stringMatching(/4590/) })]);
  });

  it('outage: connections reset, PACS_UNREACHABLE and retryable; recovers when the outage ends', async () => {
    const c = make();
    await c.testConnection();
    h.sim.controls.setFaults({ outage: true });
    const e = await failure(c.listBadgeTypes());
    expect(e.code).toBe('PACS_UNREACHABLE');
    expect(e.retryable).toBe(true);
    h.sim.controls.setFaults({ outage: false });
    expect(await c.listBadgeTypes()).toHaveLength(8);
  });

  it('HTTP 500 and 503: PACS_SERVER_ERROR, retryable, with the status', async () => {
    const c = make();
    for (const errorStatus of [500, 503]) {
      await h.ctl('PUT', '/faults', { errorRate: 1, errorStatus });
      const e = await failure(c.lookupBadge('1500', STANDARD_26));
      expect(e).toMatchObject({ code: 'PACS_SERVER_ERROR', retryable: true, extra: { httpStatus: errorStatus } });
    }
  });

  it('a hung request: PACS_TIMEOUT after the configured timeout, retryable', async () => {
    const c = make({ timeoutMs: 400 });
    await h.ctl('PUT', '/faults', { hangRate: 1 });
    const t = Date.now();
    const e = await failure(c.activeBadgesOf(SEED.cardholders.existing));
    expect(e.code).toBe('PACS_TIMEOUT');
    expect(e.retryable).toBe(true);
    expect(Date.now() - t).toBeGreaterThanOrEqual(350);
    expect(Date.now() - t).toBeLessThan(3000);
  });

  it('wrong password: PACS_AUTH, not retryable, pointing to a local user with the SDK log-on privilege', async () => {
    const c = make({ password: 'not-the-password' });
    const e = await failure(c.listAccessRules());
    expect(e).toMatchObject({ code: 'PACS_AUTH', retryable: false, extra: { httpStatus: 401 } });
    expect(e.message).toMatch(/Active Directory/);
    expect(e.message).toMatch(/Log on using the SDK/);
    const t = await c.testConnection();
    expect(t.ok).toBe(false);
    expect(t.steps.map((s) => [s.name, s.ok])).toEqual([
      ['reachability', true],
      ['credentials', false],
    ]);
  });

  it('a server that answers 403 to a wrong password: PACS_LICENSE naming both causes', async () => {
    await h.ctl('PUT', '/config', { wrongCredentialsStatus: 403 });
    const e = await failure(make({ password: 'nope' }).listAccessRules());
    expect(e.code).toBe('PACS_LICENSE');
    expect(e.message).toMatch(/GSC-1SDK-TRACTIONGUEST-VM/);
    expect(e.message).toMatch(/wrong username or password/);
  });

  it('unlicensed application ID: PACS_LICENSE naming the SDK add-on; testConnection fails the licence step', async () => {
    const c = make({ applicationId: 'UNLICENSED-APP' });
    const e = await failure(c.findOrCreateVisitor({ visitId: 'v', firstName: 'A', lastName: 'B' }));
    expect(e).toMatchObject({ code: 'PACS_LICENSE', retryable: false, extra: { httpStatus: 403 } });
    expect(e.message).toMatch(/application ID/);
    expect(e.message).toMatch(/GSC-1SDK-TRACTIONGUEST-VM/);
    const t = await c.testConnection();
    expect(t.steps.find((s) => s.name === 'licence')).toMatchObject({ ok: false, code: 'PACS_LICENSE' });
    const none = await failure(make({ applicationId: null }).listBadgeTypes());
    expect(none.message).toMatch(/No SDK application ID is configured/);
  });

  it('wrong base path: PACS_BAD_RESPONSE naming the Base URI /WebSdk and the role', async () => {
    const c = make({ url: `${h.sim.origin}/WebSdkX` });
    const e = await failure(c.listAccessRules());
    expect(e).toMatchObject({ code: 'PACS_BAD_RESPONSE', extra: { httpStatus: 404 } });
    expect(e.message).toMatch(/\/WebSdkX\//);
    expect(e.message).toMatch(/Base URI of the Web-based SDK role \(default \/WebSdk/);
    const t = await c.testConnection();
    expect(t.steps).toEqual([expect.objectContaining({ name: 'reachability', ok: false, code: 'PACS_BAD_RESPONSE' })]);
  });

  it('a 200 that is not JSON (a proxy page): PACS_BAD_RESPONSE', async () => {
    const proxy = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Please sign in to the proxy</body></html>');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const c = make({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/WebSdk` });
    const e = await failure(c.listAccessRules());
    expect(e.code).toBe('PACS_BAD_RESPONSE');
    expect(e.message).toMatch(/XML or HTML/);
    expect((await c.testConnection()).steps[0]).toMatchObject({ name: 'reachability', ok: false, code: 'PACS_BAD_RESPONSE' });
    await c.close();
    await new Promise((r) => proxy.close(r));
  });

  it('a response with a UTF-8 BOM is parsed normally', async () => {
    await h.ctl('PUT', '/config', { bom: true });
    const c = make();
    expect((await c.testConnection()).ok).toBe(true);
    expect(await c.lookupBadge('1500', STANDARD_26)).toMatchObject({ exists: true, holderName: 'Alex Example' });
  });

  it('any collection encoding the server uses is understood', async () => {
    const c = make();
    for (const collectionEncoding of ['guids', 'objects', 'items']) {
      await h.ctl('PUT', '/config', { collectionEncoding });
      expect(await c.activeBadgesOf(SEED.cardholders.existing)).toEqual([{ credentialId: SEED.credentials.assigned, uniqueId: '1500' }]);
    }
  });

  it('Fail envelopes: unknown entity → PACS_NOT_FOUND, bad query → PACS_VALIDATION, both carrying the server words', async () => {
    const c = make();
    const missing = await failure(c.activeBadgesOf('0123456789abcdef0123456789abcdef'));
    expect(missing).toMatchObject({ code: 'PACS_NOT_FOUND', retryable: false, extra: { pacsCode: 'SimPlaceholderEntityNotFound' } });
    await h.ctl('POST', '/fail-next', { sdkErrorCode: 'InvalidOperation', message: "Could not find property 'Frobnicate'", pathFilter: 'report' });
    const invalid = await failure(c.listAccessRules());
    expect(invalid).toMatchObject({ code: 'PACS_VALIDATION', extra: { pacsCode: 'InvalidOperation' } });
    expect(invalid.message).toMatch(/Could not find property 'Frobnicate'/);
  });

  it('a duplicate-card Fail on create is BADGE_ALREADY_ASSIGNED when someone else holds the card', async () => {
    const c = make();
    const { personId } = await c.findOrCreateVisitor({ visitId: 'dup', firstName: 'D', lastName: 'Up' });
    // Another system creates the same card between our check and our create.
    await h.ctl('POST', '/fail-next', {
      sdkErrorCode: 'SimPlaceholderDuplicateCredential',
      message: 'A credential with the same format and card data already exists',
      pathFilter: 'entity',
      methodFilter: 'POST',
    });
    await h.ctl('POST', '/seed', {
      entities: [{ EntityType: 'Credential', Format: 'WiegandStandardCredentialFormat(0,5151)', CardholderGuid: SEED.cardholders.existing }],
    });
    // The seed above already exists, so the first lookup finds it held elsewhere: no create is attempted.
    const e = await failure(
      c.issueBadge({ personId, uniqueId: '5151', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: new Date(Date.now() + HOUR) }),
    );
    expect(e.code).toBe('BADGE_ALREADY_ASSIGNED');
    await h.ctl('DELETE', '/fail-next');
    // The race proper: two visitors get the same card at once; both checks see it free, one create wins.
    const other = await c.findOrCreateVisitor({ visitId: 'dup2', firstName: 'D', lastName: 'Two' });
    await h.ctl('PUT', '/faults', { latencyMs: 50 });
    await h.ctl('POST', '/stats/reset');
    const issue = (p: string) =>
      c.issueBadge({ personId: p, uniqueId: '5152', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: new Date(Date.now() + HOUR) });
    const results = await Promise.allSettled([issue(personId), issue(other.personId)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
    messages.push(lost.message);
    expect(lost.code).toBe('BADGE_ALREADY_ASSIGNED');
    // Two creates (one refused) and the winner's separate Departure write (one entity per request).
    expect((await h.ctl('GET', '/stats')).byRoute['POST entity']).toBe(3);
  });

  it('out-of-range reported by the server maps to BADGE_ID_OUT_OF_RANGE', async () => {
    const c = make();
    const { personId } = await c.findOrCreateVisitor({ visitId: 'oor', firstName: 'O', lastName: 'R' });
    await h.ctl('POST', '/fail-next', {
      sdkErrorCode: 'SimPlaceholderValueOutOfRange',
      message: 'The card number is out of range for the format',
      pathFilter: 'entity',
      methodFilter: 'POST',
    });
    const e = await failure(
      c.issueBadge({ personId, uniqueId: '65000', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: new Date(Date.now() + HOUR) }),
    );
    expect(e.code).toBe('BADGE_ID_OUT_OF_RANGE');
  });

  it('an invalid provider URL fails every call with PACS_VALIDATION, and testConnection reports it without throwing', async () => {
    const c = new GenetecClient(connFor(h.sim, { url: 'gsc.example:4590' }));
    clients.push(c);
    expect((await failure(c.listAccessRules())).code).toBe('PACS_VALIDATION');
    expect((await c.testConnection()).steps[0]).toMatchObject({ ok: false, code: 'PACS_VALIDATION' });
  });

  it('never puts the password or the Authorization header into an error message', () => {
    expect(messages.length).toBeGreaterThan(10);
    const b64 = Buffer.from(`admin;VB-SIMULATOR-APP-ID:S3cret-Pa55word`).toString('base64');
    for (const m of messages) {
      expect(m).not.toContain('S3cret-Pa55word');
      expect(m).not.toContain(b64);
      expect(m).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
    }
  });
});

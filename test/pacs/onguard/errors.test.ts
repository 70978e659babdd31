import type { PacsError } from '../../../src/pacs/errors';
import { OnGuardClient } from '../../../src/pacs/onguard/client';
import { connFor, deadPort, failure, foreignServer, routeCount, SimHarness, useClientHarness } from './helpers';

/**
 * Every error class a user can meet, each mapped to its PacsError code, retryability and a message that
 * says what to do — and never carries the password or a session token.
 */
const PASSWORD = 'pw-Zebra-7731';
let h: SimHarness;
const clients = useClientHarness((x) => (h = x), { start: { password: PASSWORD } });
const seen: PacsError[] = [];
const fail = async (p: Promise<unknown>) => {
  const e = await failure(p);
  seen.push(e);
  return e;
};

const issueFor = (c: OnGuardClient, personId: string, uniqueId: string, typeId = '2') =>
  c.issueBadge({ personId, uniqueId, badgeType: { externalId: typeId }, activateAt: new Date(), deactivateAt: new Date(Date.now() + 3_600_000) });

describe('transport failures are retryable', () => {
  it('an unreachable port: PACS_UNREACHABLE; test connection fails at reachability', async () => {
    const port = await deadPort();
    const c = clients.make(h, { url: `http://127.0.0.1:${port}` });
    const e = await fail(c.listAccessRules());
    expect(e).toMatchObject({ code: 'PACS_UNREACHABLE', retryable: true });
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.message).toContain('Check the server URL and port');
    const t = await c.testConnection();
    expect(t.ok).toBe(false);
    expect(t.steps).toEqual([{ name: 'reachability', ok: false, code: 'PACS_UNREACHABLE', message: expect.stringContaining('firewall') }]);
  });

  it('a simulated outage: PACS_UNREACHABLE', async () => {
    const c = clients.make(h);
    await c.listAccessRules();
    await h.control('PUT', '/faults', { outage: true });
    expect(await fail(c.listBadgeTypes())).toMatchObject({ code: 'PACS_UNREACHABLE', retryable: true });
    await h.control('PUT', '/faults', { outage: false });
    expect(await c.listBadgeTypes()).toHaveLength(4);
  });

  it('HTTP 500s: PACS_SERVER_ERROR naming the operation and status', async () => {
    const c = clients.make(h);
    await h.control('PUT', '/faults', { errorRate: 1, errorStatus: 500, pathFilter: '/instances' });
    const e = await fail(c.listAccessRules());
    expect(e).toMatchObject({ code: 'PACS_SERVER_ERROR', retryable: true, extra: { httpStatus: 500 } });
    expect(e.message).toContain('HTTP 500 to GET /instances (Lnl_AccessLevel)');
    const t = await clients.make(h).testConnection();
    expect(t.ok).toBe(true);
    await h.control('DELETE', '/faults');
    await h.control('PUT', '/faults', { errorRate: 1, errorStatus: 503 });
    const t2 = await clients.make(h).testConnection();
    expect(t2.steps.map((s) => [s.name, s.ok, s.code])).toEqual([
      ['reachability', true, undefined],
      ['version', false, 'PACS_SERVER_ERROR'],
    ]);
  });

  it('a hung request: PACS_TIMEOUT after the configured timeout', async () => {
    const c = clients.make(h, { timeoutMs: 400 });
    await c.listAccessRules();
    await h.control('PUT', '/faults', { hangRate: 1, pathFilter: '/instances' });
    const t = Date.now();
    const e = await fail(c.listBadgeTypes());
    expect(e).toMatchObject({ code: 'PACS_TIMEOUT', retryable: true });
    expect(Date.now() - t).toBeLessThan(3_000);
  });
});

describe('configuration failures are not retryable and say what to fix', () => {
  it('bad credentials: PACS_AUTH at login; test connection fails at the credentials step', async () => {
    const c = clients.make(h, { password: 'not-the-password' });
    const e = await fail(c.listAccessRules());
    expect(e).toMatchObject({ code: 'PACS_AUTH', retryable: false, extra: { httpStatus: 401, pacsCode: 'openaccess.general.invalidcredentials' } });
    expect(e.message).toContain('OnGuard refused the login.');
    expect(e.message).toContain('The user name or password is incorrect.');
    expect(e.message).toContain("Update the provider's credentials");
    expect(e.message).not.toContain('not-the-password');
    const t = await c.testConnection();
    expect(t.steps.map((s) => [s.name, s.ok])).toEqual([
      ['reachability', true],
      ['version', true],
      ['directories', true],
      ['credentials', false],
    ]);
  });

  it('an unlicensed Application-Id: PACS_LICENSE with the server’s licence message, no re-login loop', async () => {
    const c = clients.make(h, { applicationId: 'SOME-OTHER-APP' });
    await h.control('POST', '/stats/reset');
    const e = await fail(c.listAccessRules());
    expect(e).toMatchObject({ code: 'PACS_LICENSE', retryable: false, extra: { pacsCode: 'openaccess.general.invalidapplicationid' } });
    expect(e.message).toContain('License violation. SOME-OTHER-APP is not licensed for use with OpenAccess.');
    expect(e.message).toContain('IPC-052-TNGST01');
    expect(await routeCount(h, 'POST /authentication')).toBe(1);
    const t = await c.testConnection();
    expect(t.steps.find((s) => s.name === 'licence')).toMatchObject({ ok: false, code: 'PACS_LICENSE' });
    expect(t.steps.find((s) => s.name === 'credentials')).toBeUndefined();
  });

  it('a licence refused on an authenticated call is not retried with a new login', async () => {
    const c = clients.make(h);
    await c.listAccessRules();
    await h.control('POST', '/next-error', { status: 401, code: 'openaccess.general.invalidapplicationid', message: 'You are not licensed for OpenAccess.' });
    await h.control('POST', '/stats/reset');
    expect((await fail(c.listBadgeTypes())).code).toBe('PACS_LICENSE');
    expect(await routeCount(h, 'POST /authentication')).toBe(0);
  });

  it('a user without write permission: PACS_FORBIDDEN', async () => {
    await h.control('POST', '/seed', { users: [{ user_name: 'viewer', password: 'viewer-pw', read_only: true }] });
    const c = clients.make(h, { username: 'viewer', password: 'viewer-pw' });
    expect(await c.listAccessRules()).toHaveLength(130);
    const e = await fail(c.findOrCreateVisitor({ visitId: 'v', firstName: 'A', lastName: 'B', email: 'ab@example.com' }));
    expect(e).toMatchObject({ code: 'PACS_FORBIDDEN', retryable: false, extra: { httpStatus: 403 } });
    expect(e.message).toContain('does not have permission to add Visitor records');
  });

  it('a server that is not OpenAccess: PACS_BAD_RESPONSE', async () => {
    const html = await foreignServer(200, '<html>login</html>');
    const missing = await foreignServer(404, '<html>not found</html>');
    try {
      const c = clients.make(h, { url: html.url });
      const e = await fail(c.listAccessRules());
      expect(e).toMatchObject({ code: 'PACS_BAD_RESPONSE', retryable: false });
      expect(e.message).toContain('text/html body instead of an OpenAccess JSON object');
      const t = await c.testConnection();
      expect(t.steps.map((s) => [s.name, s.ok, s.code])).toEqual([
        ['reachability', true, undefined],
        ['version', false, 'PACS_BAD_RESPONSE'],
      ]);
      const e404 = await fail(clients.make(h, { url: missing.url }).listAccessRules());
      expect(e404.code).toBe('PACS_BAD_RESPONSE');
      expect(e404.message).toContain('is this the OnGuard server?');
    } finally {
      await html.close();
      await missing.close();
    }
  });
});

describe('provisioning refusals map to the checklist codes', () => {
  let c: OnGuardClient;
  let personId: string;
  beforeEach(async () => {
    c = clients.make(h);
    personId = (await c.findOrCreateVisitor({ visitId: 'v', firstName: 'A', lastName: 'B', email: 'ab@example.com' })).personId;
  });

  it('out of range: BADGE_ID_OUT_OF_RANGE with the range in the detail', async () => {
    const e = await fail(issueFor(c, personId, '3000'));
    expect(e).toMatchObject({ code: 'BADGE_ID_OUT_OF_RANGE', retryable: false, extra: { pacsCode: 'openaccess.general.badgeidoutofrange' } });
    expect(e.message).toContain('outside the range 1000-1999 allowed for badge type Visitor');
  });

  it('automatic ID allocation: BADGE_TYPE_NOT_MANUAL', async () => {
    expect((await fail(issueFor(c, personId, '4242', '1'))).code).toBe('BADGE_TYPE_NOT_MANUAL');
  });

  it('unknown badge type: BADGE_TYPE_MISSING', async () => {
    const e = await fail(issueFor(c, personId, '1234', '77'));
    expect(e.code).toBe('BADGE_TYPE_MISSING');
    expect(e.message).toContain('Refresh the provider');
  });

  it('the visitor already holds an active badge: VISITOR_HAS_ACTIVE_BADGE', async () => {
    await issueFor(c, personId, '1234');
    expect((await fail(issueFor(c, personId, '1235'))).code).toBe('VISITOR_HAS_ACTIVE_BADGE');
  });

  it('a duplicate refused by the server itself (a race): BADGE_ALREADY_ASSIGNED', async () => {
    await h.control('POST', '/next-error', {
      status: 400,
      code: 'openaccess.general.duplicatebadgeid',
      message: 'A badge with ID 1234 already exists.',
      path: '/instances',
      method: 'POST',
    });
    expect((await fail(issueFor(c, personId, '1234'))).code).toBe('BADGE_ALREADY_ASSIGNED');
  });

  it('a bad property: PACS_VALIDATION carrying the server’s wording', async () => {
    await h.control('POST', '/seed', { cardholderSettings: { max_badge_id_length: 3 } });
    const e = await fail(issueFor(c, personId, '1234'));
    expect(e).toMatchObject({ code: 'PACS_VALIDATION', retryable: false, extra: { httpStatus: 400 } });
    expect(e.message).toContain('max_badge_id_length');
    const missingPerson = await fail(issueFor(c, '999', '1234'));
    expect(missingPerson.code).toBe('PACS_VALIDATION');
    expect(missingPerson.message).toContain('The property PERSONID did not exist or contained an invalid value.');
  });
});

describe('sessions under failure', () => {
  it('an expired session costs exactly one re-login and the call succeeds', async () => {
    const c = clients.make(h);
    await c.listAccessRules();
    await h.control('POST', '/clock', { advanceMs: 2 * 3_600_000 });
    await h.control('POST', '/stats/reset');
    expect(await c.listBadgeTypes()).toHaveLength(4);
    expect(await routeCount(h, 'POST /authentication')).toBe(1);
    expect(c.sessionStats.logins).toBe(2);
  });

  it('a 401 that survives the re-login fails as PACS_AUTH after exactly one retry', async () => {
    const c = clients.make(h);
    await c.listAccessRules();
    await h.control('POST', '/next-error', { status: 401, code: 'openaccess.general.invalidsession', message: 'No.', path: '/instances', count: 5 });
    await h.control('POST', '/stats/reset');
    const e = await fail(c.listBadgeTypes());
    expect(e.code).toBe('PACS_AUTH');
    expect(e.message).toContain('even after logging in again');
    expect(await routeCount(h, 'POST /authentication')).toBe(1);
    expect(await routeCount(h, 'GET /instances')).toBe(2);
  });

  it('many calls hitting one expired session share a single re-login', async () => {
    const c = clients.make(h);
    await c.listAccessRules();
    await h.control('POST', '/session/expire', {});
    await h.control('POST', '/stats/reset');
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.lookupBadge(String(1000 + i), { externalId: '2' })));
    expect(await routeCount(h, 'POST /authentication')).toBe(1);
  });
});

describe('secrets', () => {
  it('no error message carries the password or a session token, even when the server echoes them', async () => {
    const c = clients.make(h);
    await c.listAccessRules();
    await h.control('POST', '/next-error', { status: 400, code: 'openaccess.general.invalidrequestitem', message: `bad password ${PASSWORD}` });
    const e = await fail(c.listBadgeTypes());
    expect(e.message).toContain('bad password ***');
    await fail(clients.make(h, { password: `${PASSWORD}-wrong` }).listAccessRules());
    await h.control('PUT', '/faults', { errorRate: 1 });
    await fail(c.listBadgeTypes());
    // Every error of this file so far (the whole file runs in order) as well as these.
    for (const err of seen) {
      expect(err.message).not.toContain(PASSWORD);
      expect(err.message).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    }
    expect(connFor(h).password).toBe(PASSWORD);
  });
});

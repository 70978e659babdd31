import { parseBasicAuth } from '../../../src/simulators/genetec/auth';
import { startHarness, type SimHarness } from './sim-helpers';

describe('Genetec simulator: authentication', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness({ username: 'svc-badges', password: 'p:a;ss', applicationId: 'APP-1' });
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  it('answers GET / with {"Rsp":{"Status":"Ok"}} for valid credentials', async () => {
    const r = await h.api('/');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"Rsp":{"Status":"Ok"}}');
  });

  it('splits at the first ":" and at the last ";": passwords may contain both', () => {
    expect(parseBasicAuth('Basic ' + Buffer.from('dom;ain;APP:pw:with;colon').toString('base64'))).toEqual({
      user: 'dom;ain',
      applicationId: 'APP',
      password: 'pw:with;colon',
    });
    expect(parseBasicAuth('Basic ' + Buffer.from('nouser').toString('base64'))).toBeUndefined();
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
  });

  it('answers 401 with WWW-Authenticate: Basic when the header is missing or garbled', async () => {
    for (const auth of [null, 'Basic', 'Basic !!!', 'Bearer token', 'Basic ' + Buffer.from('no-colon').toString('base64')]) {
      const r = await h.api('/', { auth });
      expect(r.status).toBe(401);
      expect(String(r.headers['www-authenticate'])).toMatch(/^Basic/);
    }
  });

  it('answers 401 for a wrong password or unknown user, and 403 once configured so', async () => {
    expect((await h.api('/', { auth: h.basic('svc-badges', 'APP-1', 'wrong') })).status).toBe(401);
    expect((await h.api('/', { auth: h.basic('nobody', 'APP-1', 'p:a;ss') })).status).toBe(401);
    await h.ctl('PUT', '/config', { wrongCredentialsStatus: 403 });
    const r = await h.api('/', { auth: h.basic('svc-badges', 'APP-1', 'wrong') });
    expect(r.status).toBe(403);
    expect(r.headers['www-authenticate']).toBeUndefined();
  });

  it('answers 403 for an application ID the licence lacks, also without any application ID', async () => {
    expect((await h.api('/', { auth: h.basic('svc-badges', 'OTHER-APP') })).status).toBe(403);
    const noAppId = 'Basic ' + Buffer.from('svc-badges:p:a;ss').toString('base64');
    expect((await h.api('/', { auth: noAppId })).status).toBe(403);
  });

  it('compares user names without case but passwords exactly', async () => {
    expect((await h.api('/', { auth: h.basic('SVC-Badges') })).status).toBe(200);
    expect((await h.api('/', { auth: h.basic('svc-badges', 'APP-1', 'P:A;SS') })).status).toBe(401);
  });

  it('requires auth on every route, including reports and entity reads', async () => {
    expect((await h.api('/report/EntityConfiguration', { q: 'EntityTypes@CardholderGroup', auth: null })).status).toBe(401);
    expect((await h.api('/entity/00000000000000000000000000000008', { auth: null })).status).toBe(401);
  });
});

describe('Genetec simulator: HTTP surface', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  it('serves the base path case-insensitively and with or without the trailing slash', async () => {
    expect(h.sim.providerUrl).toBe(`${h.sim.origin}/WebSdk`);
    for (const base of ['/WebSdk/', '/WEBSDK/', '/websdk', '/WebSDK']) {
      const r = await fetch(h.sim.origin + base, { headers: { authorization: h.basic(), accept: 'text/json' } });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ Rsp: { Status: 'Ok' } });
    }
  });

  it('answers 404 outside the base path (a wrong Base URI)', async () => {
    const r = await fetch(`${h.sim.origin}/Web/`, { headers: { authorization: h.basic(), accept: 'text/json' } });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/html/);
  });

  it('follows a configured Base URI', async () => {
    await h.ctl('PUT', '/config', { basePath: 'Sdk2' });
    const headers = { authorization: h.basic(), accept: 'text/json' };
    expect((await fetch(`${h.sim.origin}/sdk2/`, { headers })).status).toBe(200);
    expect((await fetch(`${h.sim.origin}/WebSdk/`, { headers })).status).toBe(404);
  });

  it('answers every Accept in its serialisation: text/json, text/xml, application/jsonrequest, and the old XML by default', async () => {
    expect((await h.api('/', { accept: 'text/json; charset=utf-8' })).text).toBe('{"Rsp":{"Status":"Ok"}}');
    expect((await h.api('/', { accept: 'application/xml, text/json;q=0.5' })).text).toBe('{"Rsp":{"Status":"Ok"}}');
    expect((await h.api('/', { accept: 'text/xml' })).text).toBe('<WebSdk><Rsp><Status>Ok</Status></Rsp></WebSdk>');
    expect((await h.api('/', { accept: 'application/jsonrequest' })).json).toEqual({ rsp: { status: 'ok' } });
    // No Accept, application/xml and types the server does not know: its default, the old XML [C-2nd S-GUIDE].
    for (const accept of [null, 'application/xml', 'application/json', '*/*']) {
      const r = await h.api('/', { accept });
      expect([r.status, r.text]).toEqual([200, '<rsp status="ok"></rsp>']);
    }
  });

  it('answers unknown endpoints under the base with HTTP 400 and an HTML body, or a Fail envelope when switched', async () => {
    const r = await h.api('/nonsense/path');
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/<html>/);
    await h.ctl('PUT', '/config', { htmlErrorsForMalformedPaths: false });
    expect((await h.fail('/nonsense/path')).Message).toMatch(/Unknown Web SDK endpoint/);
  });

  it('prefixes a UTF-8 BOM when switched on', async () => {
    await h.ctl('PUT', '/config', { bom: true });
    const res = await fetch(`${h.sim.providerUrl}/`, { headers: { authorization: h.basic(), accept: 'text/json' } });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(JSON.parse(bytes.subarray(3).toString('utf8'))).toEqual({ Rsp: { Status: 'Ok' } });
  });

  it('accepts reads over GET and POST and, optionally, refuses mutations over GET', async () => {
    expect((await h.ok('/entity', 'entity=00000000000000000000000000000008,Name', 'POST')).Name).toBe('All cardholders');
    expect((await h.ok('/entity', 'entity=NewEntity(Cardholder),Name=Via GET,Guid', 'GET')).Guid).toMatch(/^[0-9a-f-]{36}$/);
    await h.ctl('PUT', '/config', { enforcePostForMutations: true });
    expect((await h.fail('/entity', 'entity=NewEntity(Cardholder),Name=Via GET,Guid', 'GET')).Message).toMatch(/must be sent with POST/);
    expect((await h.ok('/entity', 'entity=00000000000000000000000000000008,Name', 'GET')).Name).toBe('All cardholders');
    expect((await h.ok('/entity', 'entity=NewEntity(Cardholder),Name=Via POST,Guid', 'POST')).Guid).toBeTruthy();
  });

  it('rejects invalid or unknown control settings with 400 and keeps the old ones', async () => {
    await expect(h.ctl('PUT', '/config', { wrongCredentialsStatus: 500 })).rejects.toThrow(/400/);
    await expect(h.ctl('PUT', '/config', { noSuchSwitch: true })).rejects.toThrow(/400/);
    expect((await h.ctl('GET', '/config')).wrongCredentialsStatus).toBe(401);
  });

  it('never reveals passwords in /__sim/state', async () => {
    const text = JSON.stringify(await h.ctl('GET', '/state'));
    expect(text).not.toContain(h.sim.credentials.password);
  });
});

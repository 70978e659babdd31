import { APP_ID, raw, SimHarness, useSimHarness } from './helpers';

/** Cross-cutting OpenAccess behaviour: version, licence, sessions, paging, the discovery endpoints. */
let h: SimHarness;
useSimHarness((x) => (h = x), { start: { username: 'opsuser', password: 'S3cret!pw', applicationId: 'LICENSED-APP' } });

const app = (id = 'LICENSED-APP') => ({ 'Application-Id': id });

describe('version parameter', () => {
  it('is required on every call, /version included; the toggle lifts it', async () => {
    for (const path of ['/version', '/directories', '/instances']) {
      const r = await raw(h.url(path, {}, false), { headers: app() });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: { code: 'openaccess.general.missingversion', message: expect.any(String) }, version: '1.0' });
    }
    await h.control('PUT', '/options', { requireVersion: false });
    const r = await raw(h.url('/version', {}, false));
    expect(r.status).toBe(200);
    expect(r.json.version).toBe('1.0');
  });

  it('may come from the JSON body instead of the query', async () => {
    const r = await raw(h.url('/authentication', {}, false), {
      method: 'POST',
      headers: app(),
      body: { version: '1.0', user_name: 'opsuser', password: 'S3cret!pw' },
    });
    expect(r.status).toBe(200);
  });

  it('refuses versions other than 1.x and echoes the one asked for', async () => {
    expect((await raw(h.url('/version', { version: '2.0' }, false))).status).toBe(400);
    const r = await raw(h.url('/version', { version: '1.2' }, false));
    expect(r.json.version).toBe('1.2');
  });
});

describe('Application-Id licence check', () => {
  it('answers 401 invalidapplicationid with the real message for an unlicensed ID (S7)', async () => {
    const r = await raw(h.url('/authentication'), {
      method: 'POST',
      headers: app('OPEN_ACCESS_NON_PRODUCTION'),
      body: { user_name: 'opsuser', password: 'S3cret!pw' },
    });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      error: {
        code: 'openaccess.general.invalidapplicationid',
        message: 'License violation. OPEN_ACCESS_NON_PRODUCTION is not licensed for use with OpenAccess.',
      },
      version: '1.0',
    });
  });

  it('answers 401 when the header is missing', async () => {
    const r = await raw(h.url('/authentication'), { method: 'POST', body: { user_name: 'opsuser', password: 'S3cret!pw' } });
    expect(r.status).toBe(401);
    expect(r.json.error).toEqual({ code: 'openaccess.general.invalidapplicationid', message: 'You are not licensed for OpenAccess.' });
  });

  it('is not asked on /version and /directories, unless the directories toggle is on', async () => {
    expect((await raw(h.url('/version'))).status).toBe(200);
    expect((await raw(h.url('/directories'))).status).toBe(200);
    await h.control('PUT', '/options', { directoriesRequireApplicationId: true });
    expect((await raw(h.url('/directories'))).status).toBe(401);
    expect((await raw(h.url('/directories'), { headers: app() })).status).toBe(200);
  });

  it('accepts additional licensed IDs set through /__sim/options', async () => {
    await h.control('PUT', '/options', { licensedApplicationIds: ['LICENSED-APP', APP_ID] });
    expect((await raw(h.url('/authentication'), { method: 'POST', headers: app(APP_ID), body: { user_name: 'opsuser', password: 'S3cret!pw' } })).status).toBe(
      200,
    );
  });
});

describe('login, session, keepalive, logout', () => {
  const login = (body: object) => raw(h.url('/authentication'), { method: 'POST', headers: app(), body });
  const withToken = (token: string) => ({ ...app(), 'Session-Token': token });

  it('logs in with user_name/password, directory_id optional or empty, user name case-insensitive', async () => {
    for (const body of [
      { user_name: 'opsuser', password: 'S3cret!pw' },
      { user_name: 'OPSUSER', password: 'S3cret!pw', directory_id: '' },
      { user_name: 'opsuser', password: 'S3cret!pw', directory_id: 'id-1' },
    ]) {
      const r = await login(body);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({
        session_token: expect.stringMatching(/^[0-9a-f-]{36}$/),
        token_expiration_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/),
        version: '1.0',
      });
    }
  });

  it('refuses a wrong password, an unknown user, a user of another directory, and missing fields', async () => {
    const bad = await login({ user_name: 'opsuser', password: 'wrong' });
    expect(bad.status).toBe(401);
    expect(bad.json.error.code).toBe('openaccess.general.invalidcredentials');
    expect(bad.text).not.toContain('wrong');
    expect((await login({ user_name: 'nobody', password: 'S3cret!pw' })).status).toBe(401);
    expect((await login({ user_name: 'opsuser', password: 'S3cret!pw', directory_id: 'id-2' })).status).toBe(401);
    expect((await login({ user_name: 'opsuser', password: 'S3cret!pw', directory_id: 'id-9' })).json.error.code).toBe('openaccess.general.invalidrequestitem');
    expect((await login({ user_name: 'opsuser' })).status).toBe(400);
  });

  it('requires a valid Session-Token everywhere but login, /version and /directories', async () => {
    for (const path of ['/keepalive', '/session', '/instances?type_name=Lnl_Badge', '/types', '/settings/cardholder']) {
      const [p, q] = path.split('?');
      const r = await raw(h.url(p, Object.fromEntries(new URLSearchParams(q ?? ''))), { headers: app() });
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('openaccess.general.invalidsession');
    }
    const r = await raw(h.url('/keepalive'), { headers: withToken('00000000-0000-0000-0000-000000000000') });
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/not valid/);
  });

  it('GET /session reports start, expiry and user; token_expiration_time matches the login answer', async () => {
    const l = await login({ user_name: 'opsuser', password: 'S3cret!pw' });
    const s = await raw(h.url('/session'), { headers: withToken(l.json.session_token) });
    expect(s.status).toBe(200);
    expect(s.json).toEqual({
      token_start_time: expect.any(String),
      token_expiration_time: l.json.token_expiration_time,
      user_id: '1',
      version: '1.0',
    });
    // Default absolute lifetime: one hour.
    expect(Date.parse(s.json.token_expiration_time) - Date.parse(s.json.token_start_time)).toBe(60 * 60_000);
  });

  it('expires the token at token_expiration_time (settable lifetime, jump the clock)', async () => {
    await h.control('PUT', '/session', { tokenLifetimeMs: 10 * 60_000, idleTimeoutMs: 0 });
    const l = await login({ user_name: 'opsuser', password: 'S3cret!pw' });
    await h.control('POST', '/clock', { advanceMs: 9 * 60_000 });
    expect((await raw(h.url('/keepalive'), { headers: withToken(l.json.session_token) })).status).toBe(200);
    await h.control('POST', '/clock', { advanceMs: 60_000 });
    const r = await raw(h.url('/keepalive'), { headers: withToken(l.json.session_token) });
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/expired/);
  });

  it('times out an idle token; any authenticated call and /keepalive reset the countdown', async () => {
    await h.control('PUT', '/session', { idleTimeoutMs: 5 * 60_000 });
    const l = await login({ user_name: 'opsuser', password: 'S3cret!pw' });
    const t = l.json.session_token;
    for (const path of ['/keepalive', '/types', '/keepalive']) {
      await h.control('POST', '/clock', { advanceMs: 4 * 60_000 });
      expect((await raw(h.url(path), { headers: withToken(t) })).status).toBe(200);
    }
    await h.control('POST', '/clock', { advanceMs: 5 * 60_000 });
    const r = await raw(h.url('/keepalive'), { headers: withToken(t) });
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/inactivity/);
  });

  it('reports the idle timeout in /settings/password_policy', async () => {
    await h.control('PUT', '/session', { idleTimeoutMs: 20 * 60_000 });
    const t = (await login({ user_name: 'opsuser', password: 'S3cret!pw' })).json.session_token;
    const r = await raw(h.url('/settings/password_policy'), { headers: withToken(t) });
    expect(r.json).toEqual({ is_inactivity_timeout_policy_enabled: true, inactivity_timeout_in_minutes: 20, version: '1.0' });
  });

  it('DELETE /authentication invalidates the token', async () => {
    const t = (await login({ user_name: 'opsuser', password: 'S3cret!pw' })).json.session_token;
    const out = await raw(h.url('/authentication'), { method: 'DELETE', headers: withToken(t) });
    expect(out.status).toBe(200);
    expect(out.json).toEqual({ version: '1.0' });
    expect((await raw(h.url('/keepalive'), { headers: withToken(t) })).status).toBe(401);
  });

  it('/__sim/session/expire ends sessions as a server restart would', async () => {
    const t = (await login({ user_name: 'opsuser', password: 'S3cret!pw' })).json.session_token;
    expect((await h.control('POST', '/session/expire', {})).json).toEqual({ expired: 1 });
    expect((await raw(h.url('/keepalive'), { headers: withToken(t) })).status).toBe(401);
    const state = await h.state();
    expect(JSON.stringify(state)).not.toContain(t);
    expect(JSON.stringify(state)).not.toContain('S3cret!pw');
  });

  it('sends a Date header from the simulator clock so clients can measure the token lifetime', async () => {
    await h.control('POST', '/clock', { advanceMs: 24 * 3_600_000 });
    const r = await login({ user_name: 'opsuser', password: 'S3cret!pw' });
    const serverNow = Date.parse(r.headers.date as string);
    expect(serverNow).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(Date.parse(r.json.token_expiration_time) - serverNow).toBeGreaterThanOrEqual(59 * 60_000);
  });
});

describe('paging /instances', () => {
  beforeEach(async () => {
    await h.login('opsuser', 'S3cret!pw');
  });

  it('pages 130 access levels at 100 a page: 1-based, count per page, total_items, total_pages', async () => {
    const p1 = await h.list('Lnl_AccessLevel', undefined, { page_size: 100 });
    const p2 = await h.list('Lnl_AccessLevel', undefined, { page_size: 100, page_number: 2 });
    const p3 = await h.list('Lnl_AccessLevel', undefined, { page_size: 100, page_number: 3 });
    expect(p1.json).toMatchObject({
      count: 100,
      page_number: 1,
      page_size: 100,
      total_items: 130,
      total_pages: 2,
      type_name: 'Lnl_AccessLevel',
      version: '1.0',
    });
    expect(p2.json).toMatchObject({ count: 30, page_number: 2, total_items: 130, total_pages: 2 });
    expect(p3.json).toMatchObject({ count: 0, item_list: [], page_number: 3 });
    const all = [...p1.json.item_list, ...p2.json.item_list].map((i: any) => i.property_value_map.ID);
    expect(new Set(all).size).toBe(130);
    expect(Object.keys(p1.json).sort()).toEqual(['count', 'item_list', 'page_number', 'page_size', 'total_items', 'total_pages', 'type_name', 'version']);
  });

  it('defaults to page 1 of 20', async () => {
    const r = await h.list('Lnl_AccessLevel');
    expect(r.json).toMatchObject({ count: 20, page_number: 1, page_size: 20, total_pages: 7 });
  });

  it('refuses page_size above 100 or below 1, and page_number below 1, with the 400 envelope', async () => {
    for (const q of [{ page_size: 101 }, { page_size: 0 }, { page_number: 0 }, { page_size: 'ten' }]) {
      const r = await h.list('Lnl_AccessLevel', undefined, q as unknown as Record<string, number>);
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('openaccess.general.invalidrequestitem');
    }
  });

  it('reports one page and count 0 for an empty result', async () => {
    const r = await h.list('Lnl_Badge', 'ID = 424242');
    expect(r.json).toMatchObject({ count: 0, item_list: [], total_items: 0, total_pages: 1 });
  });

  it('echoes type_name in the caller spelling and matches it case-insensitively (S7 lnl_badge)', async () => {
    const r = await h.list('lnl_badge', 'ID = 1500');
    expect(r.json.type_name).toBe('lnl_badge');
    expect(r.json.count).toBe(1);
    const bad = await h.list('Lnl_Nothing');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('openaccess.general.invalidtype');
    expect((await h.get('/instances')).json.error.message).toMatch(/type_name/);
  });

  it('orders by order_by, descending on request', async () => {
    const r = await h.list('Lnl_AccessLevel', undefined, { order_by: 'ID desc', page_size: 3 });
    expect(r.json.item_list.map((i: any) => i.property_value_map.ID)).toEqual([130, 129, 128]);
    expect((await h.list('Lnl_AccessLevel', undefined, { order_by: 'Bogus' })).status).toBe(400);
  });
});

describe('discovery and settings', () => {
  beforeEach(async () => {
    await h.login('opsuser', 'S3cret!pw');
  });

  it('/types lists the simulated types; /type describes one, including simulator-only fields', async () => {
    const types = await h.get('/types');
    expect(types.json.total_items).toBe(7);
    expect(Object.keys(types.json.types)).toEqual(expect.arrayContaining(['Lnl_Visitor', 'Lnl_Badge', 'Lnl_AccessLevelAssignment']));
    const t = await h.get('/type', { type_name: 'lnl_badgetype' });
    expect(t.json).toMatchObject({ type_name: 'Lnl_BadgeType', display_name: 'Badge Type', access: 'Read' });
    const names = t.json.properties.map((p: any) => p.name);
    expect(names).toEqual(expect.arrayContaining(['ID', 'Name', 'BADGETYPECLASS', 'SIM_MANUAL_ENTRY', 'SIM_MIN_ID', 'SIM_MAX_ID']));
    const badge = await h.get('/type', { type_name: 'Lnl_Badge' });
    expect(badge.json.properties.find((p: any) => p.name === 'BADGEKEY')).toMatchObject({ is_key: true, type: 'Int32' });
    expect(badge.json.properties.find((p: any) => p.name === 'ID')).toMatchObject({ is_required: true, type: 'Int64' });
  });

  it('/settings/cardholder and /settings/visit report the limits and the default visitor badge type', async () => {
    const c = await h.get('/settings/cardholder');
    expect(c.json).toMatchObject({ max_active_badges: 1, max_badge_id_length: 10, max_accesslevels_per_badge_total: 64, version: '1.0' });
    const v = await h.get('/settings/visit');
    expect(v.json).toEqual({ default_visitor_badge_type_id: 2, default_visitor_badge_type_name: 'Visitor', version: '1.0' });
  });

  it('answers unknown paths with 404 and wrong methods with 405, both as envelopes', async () => {
    const nf = await h.get('/nothing-here');
    expect(nf.status).toBe(404);
    expect(nf.json.error.code).toBe('openaccess.general.notfound');
    const na = await h.send('PATCH', '/instances', {});
    expect(na.status).toBe(405);
  });

  it('answers a malformed JSON body with a 400 envelope', async () => {
    const r = await raw(h.url('/instances'), { method: 'POST', headers: h.headers(), body: '{"type_name": "Lnl_Visitor",' });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('openaccess.general.invalidjson');
    expect((await raw(h.url('/instances'), { method: 'POST', headers: h.headers(), body: '[1,2]' })).status).toBe(400);
  });
});

describe('task queuing (queue=true)', () => {
  it('answers 202 with a pending task; GET /queue/{id} gives the response; DELETE removes it', async () => {
    await h.login();
    const queued = await h.get('/instances', { type_name: 'Lnl_BadgeType', queue: 'true' });
    expect(queued.status).toBe(202);
    expect(queued.json).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'pending', version: '1.0' });
    const task = await h.get(`/queue/${queued.json.id}`);
    expect(task.status).toBe(200);
    expect(task.json).toMatchObject({ id: queued.json.id, status: 'complete', version: '1.0' });
    expect(task.json.response.type_name).toMatch(/Lnl_BadgeType/i);
    expect(task.json.response.item_list.length).toBeGreaterThan(0);
    // The list never carries responses.
    expect((await h.get('/queue')).json.item_list).toEqual([{ id: queued.json.id, status: 'complete' }]);
    // queue=false (as S6 and S7 send it) is an ordinary request.
    expect((await h.get('/instances', { type_name: 'Lnl_BadgeType', queue: 'false' })).status).toBe(200);
    // A failing request is queued too; its error is the task's response [U].
    const bad = await h.get('/instances', { type_name: 'Lnl_Nothing', queue: 'true' });
    expect(bad.status).toBe(202);
    expect((await h.get(`/queue/${bad.json.id}`)).json.response.error.code).toBe('openaccess.general.invalidtype');
    expect((await h.send('DELETE', `/queue/${queued.json.id}`, {})).status).toBe(200);
    expect((await h.get(`/queue/${queued.json.id}`)).status).toBe(404);
  });
});

import { signOutSignal } from '../../src/workflows/visit-contract';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';
import { createUser } from './admin/helpers';

/**
 * The audit log (GET /v1/audit) against the README: the admin set-up and the walkthrough's sign-in and
 * sign-out, through the API, a real worker and the OnGuard simulator, each change shown with its actor.
 */
interface Entry {
  id: string;
  at: string;
  actor: { type: 'user' | 'system'; id?: string; name: string };
  entityType: string;
  entityId: string;
  locationId: string | null;
  action: string;
  changes?: Record<string, unknown>;
  requestId?: string;
}

describe('audit log', () => {
  let env: VisitEnv;
  let admin: { id: string; name: string };
  const PASSWORD = 'audit-onguard-secret-password';

  beforeAll(async () => {
    env = await startVisitEnv('onguard');
    const me = (await env.api.call('GET', '/v1/me')).body;
    admin = { id: me.id, name: me.name };
  }, 120_000);
  afterAll(() => env?.close());

  const ok = (r: { status: number; body: unknown }) => {
    if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  async function audit(query = '', token?: string): Promise<Entry[]> {
    const items: Entry[] = [];
    let cursor: string | undefined;
    do {
      const sep = query ? '&' : '';
      const r = await env.api.call('GET', `/v1/audit?limit=200${sep}${query}${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(r.status).toBe(200);
      items.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    return items;
  }

  it('shows the actor of every change of the README admin set-up and walkthrough', async () => {
    // Admin set-up (README steps 1, 2, 5, 6) was made by startVisitEnv as the bootstrap admin; the
    // walkthrough: the receptionist signs a visitor in and out.
    const badgeId = await env.addBadge('1301');
    const visit = await env.signIn(badgeId);
    expect(visit.status).toBe(202);
    await env.waitFor(visit.body.id, 'active');
    const out = await env.api.call('POST', `/v1/visits/${visit.body.id}/sign-out`, { token: env.receptionist.token });
    expect(out.status).toBe(202);
    const done = await env.waitFor(visit.body.id, 'completed');

    const entries = await audit();
    const byAdmin = { type: 'user', id: admin.id, name: admin.name };
    const rita = { type: 'user', id: env.receptionist.id, name: 'Rita Reception' };
    const find = (entityType: string, entityId: string, action: string) =>
      entries.filter((e) => e.entityType === entityType && e.entityId === entityId && e.action === action);
    expect(find('location', env.locationId, 'create')).toEqual([expect.objectContaining({ actor: byAdmin, locationId: env.locationId })]);
    expect(find('provider', env.providerId, 'create')).toEqual([expect.objectContaining({ actor: byAdmin, locationId: env.locationId })]);
    expect(find('user', env.receptionist.id, 'create')).toEqual([expect.objectContaining({ actor: byAdmin, locationId: null })]);
    expect(entries.filter((e) => e.entityType === 'userGroup' && e.action === 'create')).toEqual([expect.objectContaining({ actor: byAdmin })]);
    expect(find('provider', env.providerId, 'refresh_requested')).toEqual([expect.objectContaining({ actor: byAdmin })]);
    expect(find('badge', badgeId, 'create')).toEqual([
      expect.objectContaining({ actor: byAdmin, changes: expect.objectContaining({ uniqueId: { to: '1301' } }) }),
    ]);
    // The visit: signed in and out by the receptionist; the ending she caused is hers too.
    const visitEntries = entries.filter((e) => e.entityId === visit.body.id);
    // The API records the sign-out after the signal is delivered, so the workflow's deprovisioning may
    // come first: the order of those two is not fixed.
    expect(visitEntries[0]).toMatchObject({ action: 'sign_in', actor: rita });
    expect(visitEntries.map((e) => [e.action, e.actor]).sort()).toEqual([
      ['completed', rita],
      ['deprovisioning', rita],
      ['sign_in', rita],
      ['sign_out', rita],
    ]);
    expect(visitEntries[0].changes).toMatchObject({ badgeNumber: '1301' });
    expect(visitEntries.find((e) => e.action === 'sign_out')!.changes).toMatchObject({ badgeReturned: true });
    expect(visitEntries.every((e) => e.locationId === env.locationId)).toBe(true);
    // Each request's X-Request-Id is kept with what it did.
    expect(visitEntries[0].requestId).toBe(visit.headers.get('x-request-id'));

    // The visit's timeline carries the same actors, and the workflow's own steps are its own.
    const timeline = done.timeline.map((e: { status: string; detail: string; actor?: { name: string } }) => [
      e.status,
      e.detail.replace(/ .*/, ''),
      e.actor?.name,
    ]);
    expect(timeline.slice(0, 2)).toEqual([
      ['provisioning', 'signed', 'Rita Reception'],
      ['active', 'badge', 'visit workflow'],
    ]);
    expect(timeline.slice(2).sort()).toEqual([
      ['active', 'sign-out', 'Rita Reception'],
      ['completed', 'badge', 'Rita Reception'],
      ['deprovisioning', 'signed', 'Rita Reception'],
    ]);
  });

  it('records configuration diffs without secrets', async () => {
    const patch = await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { name: 'OnGuard renamed', password: PASSWORD } });
    expect(patch.status).toBe(200);
    const [entry] = (await audit(`entityType=provider&entityId=${env.providerId}`)).filter((e) => e.action === 'update');
    expect(entry.changes).toEqual({ name: { from: 'onguard simulator', to: 'OnGuard renamed' }, password: '(changed)' });
    const [created] = (await audit(`entityType=provider&entityId=${env.providerId}`)).filter((e) => e.action === 'create');
    expect(created.changes).toMatchObject({ password: '(set)', url: { to: env.sim.providerUrl } });
    // Neither the password nor its ciphertext nor any token hash is anywhere in the log.
    const row = await env.api.db.prisma.provider.findUniqueOrThrow({ where: { id: env.providerId } });
    const users = await env.api.db.prisma.user.findMany({ select: { tokenHash: true } });
    const all = JSON.stringify(await audit());
    for (const secret of [PASSWORD, env.sim.credentials.password, row.passwordCiphertext, ...users.map((u) => u.tokenHash)]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/ciphertext|tokenHash/i);

    // Back to the simulator's password, for the visits of the tests below.
    expect((await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { password: env.sim.credentials.password } })).status).toBe(200);

    const someone = await createUser(env.api, 'Token rotation', []);
    const rotated = await env.api.call('PATCH', `/v1/users/${someone.id}`, { body: { rotateToken: true } });
    expect(rotated.status).toBe(200);
    const [rotation] = (await audit(`entityType=user&entityId=${someone.id}`)).filter((e) => e.action === 'update');
    expect(rotation.changes).toEqual({ token: '(changed)' });
  });

  it('names the Temporal UI when a signal or update carries no actor, and the API user when it does', async () => {
    const badgeId = await env.addBadge('1302');
    const visit = (await env.signIn(badgeId)).body;
    await env.waitFor(visit.id, 'active');
    // What an operator does with "Send signal" in the Temporal UI: no actor in the input.
    await env.api.temporal.workflow.getHandle(visit.workflowId).signal(signOutSignal);
    const done = await env.waitFor(visit.id, 'completed');
    expect(done.timeline.slice(-2).map((e: { status: string; actor: { type: string; name: string } }) => [e.status, e.actor])).toEqual([
      ['deprovisioning', { type: 'system', name: 'Temporal UI' }],
      ['completed', { type: 'system', name: 'Temporal UI' }],
    ]);
    const entries = await audit(`actor=Temporal UI&entityId=${visit.id}`.replace(' ', '%20'));
    expect(entries.map((e) => e.action)).toEqual(['deprovisioning', 'completed']);
    expect(entries.every((e) => e.actor.type === 'system' && e.actor.name === 'Temporal UI')).toBe(true);
    // An update sent without an actor (the Temporal UI) to a visit that cannot retry is refused as usual.
    await expect(env.api.temporal.workflow.getHandle(visit.workflowId).executeUpdate('retryProvision')).rejects.toThrow();
  });

  it('names the API user of a retry and of "deprovision now", and the end of day when the day ends', async () => {
    // A provision that fails (refused credentials), fixed, then retried by the receptionist.
    ok(await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { password: 'not-the-password' } }));
    const failing = (await env.signIn(await env.addBadge('1303'))).body;
    await env.waitFor(failing.id, 'provision_failed');
    ok(await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { password: env.sim.credentials.password } }));
    ok(await env.api.call('POST', `/v1/visits/${failing.id}/retry`, { token: env.receptionist.token }));
    await env.waitFor(failing.id, 'active');
    // The admin switches it off now.
    ok(await env.api.call('POST', `/v1/visits/${failing.id}/deprovision`));
    const ended = await env.waitFor(failing.id, 'completed');
    const actors = ended.timeline.map((e: { status: string; detail: string; actor: { name: string } }) => [e.status, e.detail, e.actor.name]);
    expect(actors).toEqual(
      expect.arrayContaining([
        ['provisioning', 'retry requested by an operator', 'Rita Reception'],
        ['provision_failed', expect.stringMatching(/^PACS_AUTH/), 'visit workflow'],
        ['deprovisioning', expect.stringMatching(/^deprovisioned on request/), admin.name],
        ['completed', expect.stringMatching(/^badge 1303 released/), admin.name],
      ]),
    );
    const entries = await audit(`entityId=${failing.id}`);
    expect(entries.map((e) => `${e.action} — ${e.actor.name}`)).toEqual(
      expect.arrayContaining(['sign_in — Rita Reception', 'provisioning — Rita Reception', `deprovision — ${admin.name}`, `completed — ${admin.name}`]),
    );
    // Nobody's: the workflow's own steps are not audit entries.
    expect(entries.some((e) => e.action === 'provision_failed' || e.action === 'active')).toBe(false);

    // Visits that end 2 s after they begin: the end of day comes while we watch.
    await env.restartWorker({ visitDurationOverrideMs: 2000 });
    try {
      const short = (await env.signIn(await env.addBadge('1304'))).body;
      const done = await env.waitFor(short.id, 'completed');
      expect(
        done.timeline.filter((e: { status: string }) => e.status === 'deprovisioning' || e.status === 'completed').map((e: { actor: unknown }) => e.actor),
      ).toEqual([
        { type: 'system', name: 'end of day' },
        { type: 'system', name: 'end of day' },
      ]);
      expect((await audit(`actor=end%20of%20day&entityId=${short.id}`)).map((e) => e.action)).toEqual(['deprovisioning', 'completed']);
    } finally {
      await env.restartWorker();
    }
  });

  it('filters by entity, actor, location and time, pages with a cursor, and refuses nonsense with 400', async () => {
    const all = await audit();
    expect(all.length).toBeGreaterThan(8);
    // Oldest first, and pages of 3 put together are the whole log.
    const paged: Entry[] = [];
    let cursor: string | undefined;
    do {
      const r = await env.api.call('GET', `/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));

    const rita = await audit(`actor=${env.receptionist.id}`);
    expect(rita.length).toBeGreaterThan(0);
    expect(rita.every((e) => e.actor.id === env.receptionist.id)).toBe(true);
    const badges = await audit('entityType=badge');
    expect(badges.length).toBeGreaterThan(0);
    expect(badges.every((e) => e.entityType === 'badge')).toBe(true);
    expect((await audit(`locationId=${env.locationId}`)).every((e) => e.locationId === env.locationId)).toBe(true);
    const mid = all[Math.floor(all.length / 2)].at;
    const before = await audit(`to=${encodeURIComponent(mid)}`);
    const after = await audit(`from=${encodeURIComponent(mid)}`);
    expect(before.length + after.length).toBe(all.length);
    expect(before.every((e) => e.at < mid) && after.every((e) => e.at >= mid)).toBe(true);

    for (const q of [
      'actor=somebody',
      'entityType=visitor',
      'from=yesterday',
      `from=${encodeURIComponent(mid)}&to=2000-01-01T00:00:00Z`,
      'entityId=42',
      'cursor=abc',
    ]) {
      const r = await env.api.call('GET', `/v1/audit?${q}`);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
    }
  });

  it('writes no entry for a change that was refused', async () => {
    const count = async () => (await audit()).length;
    const before = await count();
    const taken = await env.api.call('POST', `/v1/providers/${env.providerId}/badges`, {
      body: { name: 'Twin', uniqueId: '1301', badgeTypeId: env.badgeTypeId },
    });
    expect(taken.status).toBe(409);
    const bad = await env.api.call('PATCH', `/v1/locations/${env.locationId}`, { body: { timezone: 'Mars/Olympus_Mons' } });
    expect(bad.status).toBe(400);
    const forbidden = await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { token: env.receptionist.token, body: { name: 'Mine now' } });
    expect(forbidden.status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('is read-only: no method changes it, and the database refuses UPDATE and DELETE', async () => {
    const [first] = await audit();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await env.api.call(method, '/v1/audit', { body: {} });
      expect({ method, status: r.status }).toEqual({ method, status: 405 });
      expect(r.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      const one = await env.api.call(method, `/v1/audit/${first.id}`, { body: {} });
      expect(one.status).toBe(404);
    }
    const doc = (await env.api.call('GET', '/openapi.json', { token: null })).body;
    const auditPaths = Object.entries(doc.paths as Record<string, Record<string, unknown>>).filter(([p]) => p.startsWith('/v1/audit'));
    expect(auditPaths.map(([p, ops]) => [p, Object.keys(ops)])).toEqual([['/v1/audit', ['get']]]);
    const prisma = env.api.db.prisma;
    await expect(prisma.auditEntry.update({ where: { id: first.id }, data: { actorName: 'someone else' } })).rejects.toThrow(/append-only/);
    await expect(prisma.auditEntry.deleteMany({})).rejects.toThrow(/append-only/);
    expect((await audit())[0]).toEqual(first);
  });

  it('is for admins and auditors: viewAudit reads it, a receptionist may not', async () => {
    const auditor = await createUser(env.api, 'Auditor', ['viewAudit']);
    expect((await env.api.call('GET', '/v1/audit', { token: auditor.token })).status).toBe(200);
    const r = await env.api.call('GET', '/v1/audit', { token: env.receptionist.token });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/viewAudit/);
  });
});

import { pacsBadge } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

// The physical card's life: not returned at sign-out, found again, lost, retired.
function setup(kind: 'onguard' | 'genetec') {
  const ctx = {} as { env: VisitEnv };
  beforeAll(async () => {
    ctx.env = await startVisitEnv(kind);
  }, 120_000);
  afterAll(() => ctx.env?.close());
  const options = async () => {
    const r = await ctx.env.api.call('GET', `/v1/locations/${ctx.env.locationId}/provisioning-options`, { token: ctx.env.receptionist.token });
    expect(r.status).toBe(200);
    return r.body;
  };
  const offered = async (badgeId: string) => (await options()).badges.some((b: { id: string }) => b.id === badgeId);
  return { ctx, options, offered };
}

describe.each(['onguard', 'genetec'] as const)('a card not returned on %s', (kind) => {
  const { ctx, options, offered } = setup(kind);

  it('keeps a card the visitor did not return out of the pool until it is found', async () => {
    const env = ctx.env;
    const uniqueId = kind === 'onguard' ? '1301' : '2301';
    const badgeId = await env.addBadge(uniqueId, `Card ${uniqueId}`);
    const created = await env.signIn(badgeId);
    expect(created.status).toBe(202);
    await env.waitFor(created.body.id, 'active');
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ exists: true, active: true });
    const held = (await options()).unavailable.find((u: { badgeId: string }) => u.badgeId === badgeId);
    expect(held).toMatchObject({ reason: 'in_use', visitId: created.body.id });

    // A body that says nothing clear is refused, and claims nothing: the real sign-out below still counts.
    const bad = await env.api.call('POST', `/v1/visits/${created.body.id}/sign-out`, { token: env.receptionist.token, body: { badgeReturned: 'no' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/badgeReturned/);
    expect((await env.api.call('GET', `/v1/visits/${created.body.id}`)).body.status).toBe('active');

    const out = await env.api.call('POST', `/v1/visits/${created.body.id}/sign-out`, { token: env.receptionist.token, body: { badgeReturned: false } });
    expect(out.status).toBe(202);
    const done = await env.waitFor(created.body.id, 'completed');
    expect(done.badgeReturned).toBe(false);
    expect(done.timeline.map((e: { detail?: string }) => e.detail ?? '').join('\n')).toMatch(/not returned/);
    // Switched off in the PACS as usual.
    const off = await pacsBadge(env, uniqueId);
    expect(off.active).toBe(false);
    expect(off.access).toEqual([]);

    // Out of the pool: not offered, said why, and a sign-in with it is refused naming not_returned.
    expect(await offered(badgeId)).toBe(false);
    expect((await options()).unavailable.find((u: { badgeId: string }) => u.badgeId === badgeId)).toMatchObject({
      reason: 'not_returned',
      visitId: created.body.id,
    });
    const badge = await env.api.call('GET', `/v1/badges/${badgeId}`);
    expect(badge.body).toMatchObject({ status: 'not_returned', notReturnedVisitId: created.body.id, inUse: false });
    const refused = await env.signIn(badgeId, { firstName: 'Next', lastName: 'Visitor' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('BADGE_NOT_RETURNED');
    expect(refused.body.error.message).toMatch(/not_returned/);
    expect(refused.body.error.message).toMatch(/found/);

    // Found: back in the pool, and the next visitor gets it.
    const found = await env.api.call('POST', `/v1/badges/${badgeId}/found`, { token: env.receptionist.token });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ status: 'available', notReturnedVisitId: null });
    expect(await offered(badgeId)).toBe(true);
    const next = await env.signIn(badgeId, { firstName: 'Grace', lastName: 'Hopper' });
    expect(next.status).toBe(202);
    await env.waitFor(next.body.id, 'active');
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ exists: true, active: true });
    // A sign-out without a body (today's callers) returns the card to the pool.
    await env.api.call('POST', `/v1/visits/${next.body.id}/sign-out`, { token: env.receptionist.token });
    const back = await env.waitFor(next.body.id, 'completed');
    expect(back.badgeReturned).toBe(true);
    expect((await env.api.call('GET', `/v1/badges/${badgeId}`)).body.status).toBe('available');
    expect(await offered(badgeId)).toBe(true);
  });
  it('tells the guestbook (badge.not_returned) and the metrics (badges{status="not_returned"}) about a card kept', async () => {
    const env = ctx.env;
    const rx = await startWebhookReceiver();
    const hook = await env.api.call('POST', '/v1/webhooks', { body: { url: rx.url, eventTypes: ['badge.not_returned'], locationIds: [env.locationId] } });
    expect(hook.status).toBe(201);
    rx.setSecret(hook.body.secret);
    const notReturned = async () =>
      Number(/^badges\{status="not_returned"\} (\d+)$/m.exec(String((await env.api.call('GET', '/metrics')).body ?? ''))?.[1] ?? NaN);
    try {
      const uniqueId = kind === 'onguard' ? '1305' : '2305';
      const badgeId = await env.addBadge(uniqueId, `Card ${uniqueId}`);
      const before = await notReturned();
      const v = await env.signIn(badgeId);
      await env.waitFor(v.body.id, 'active');
      await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token, body: { badgeReturned: false } });
      await env.waitFor(v.body.id, 'completed');
      const event = await rx.until('badge.not_returned delivered', () => rx.accepted().find((r) => r.type === 'badge.not_returned'));
      expect(event.body.data).toMatchObject({ badgeId, badgeNumber: uniqueId, badgeName: `Card ${uniqueId}`, visitId: v.body.id, locationId: env.locationId });
      expect(await notReturned()).toBe(before + 1);
      await env.api.call('POST', `/v1/badges/${badgeId}/found`, { token: env.receptionist.token });
      expect(await notReturned()).toBe(before);
      // Exactly one event for the card, however often the activity ran.
      expect(rx.accepted().filter((r) => r.type === 'badge.not_returned')).toHaveLength(1);
    } finally {
      await env.api.call('DELETE', `/v1/webhooks/${hook.body.id}`);
      await rx.close();
    }
  });
});

describe('lost, found and retired cards on the API (onguard)', () => {
  const { ctx, options, offered } = setup('onguard');

  it('marks a card lost and found on the API, and refuses what does not fit', async () => {
    const env = ctx.env;
    const badgeId = await env.addBadge('1302', 'Card 1302');
    // Found only from not_returned or lost.
    const notMissing = await env.api.call('POST', `/v1/badges/${badgeId}/found`, { token: env.receptionist.token });
    expect(notMissing.status).toBe(409);
    expect(notMissing.body.error.code).toBe('BADGE_NOT_MISSING');

    const lost = await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token });
    expect(lost.status).toBe(200);
    expect(lost.body.status).toBe('lost');
    // Never issued in OnGuard: nothing there to mark, and the answer says so.
    expect(lost.body.pacs).toMatchObject({ lostState: 'no_credential' });
    expect((await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token })).body.status).toBe('lost');
    expect(await offered(badgeId)).toBe(false);
    expect((await options()).unavailable.find((u: { badgeId: string }) => u.badgeId === badgeId)).toMatchObject({ reason: 'lost' });
    const refused = await env.signIn(badgeId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('BADGE_LOST');
    const listed = await env.api.call('GET', `/v1/providers/${env.providerId}/badges?status=lost`);
    expect(listed.body.items.map((b: { id: string }) => b.id)).toEqual([badgeId]);

    const found = await env.api.call('POST', `/v1/badges/${badgeId}/found`, { token: env.receptionist.token });
    expect(found.status).toBe(200);
    expect(await offered(badgeId)).toBe(true);

    // A held card cannot be reported lost: sign the visitor out with badgeReturned false instead.
    const v = await env.signIn(badgeId);
    await env.waitFor(v.body.id, 'active');
    const held = await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token });
    expect(held.status).toBe(409);
    expect(held.body.error.code).toBe('BADGE_IN_USE');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token, body: { badgeReturned: false } });
    await env.waitFor(v.body.id, 'completed');
    // Not returned, then given up on: lost.
    expect((await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token })).body.status).toBe('lost');
  });

  it('retires a card with history instead of deleting it', async () => {
    const env = ctx.env;
    const badgeId = await env.addBadge('1303', 'Card 1303');
    const v = await env.signIn(badgeId);
    await env.waitFor(v.body.id, 'active');
    expect((await env.api.call('POST', `/v1/badges/${badgeId}/retire`)).body.error.code).toBe('BADGE_IN_USE');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');

    const del = await env.api.call('DELETE', `/v1/badges/${badgeId}`);
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('BADGE_HAS_HISTORY');
    expect(del.body.error.message).toContain(`POST /v1/badges/${badgeId}/retire`);

    // Reception may not retire; an admin may.
    expect((await env.api.call('POST', `/v1/badges/${badgeId}/retire`, { token: env.receptionist.token })).status).toBe(403);
    const retired = await env.api.call('POST', `/v1/badges/${badgeId}/retire`);
    expect(retired.status).toBe(200);
    expect(retired.body.status).toBe('retired');
    expect(retired.body.retiredAt).toEqual(expect.any(String));
    expect(await offered(badgeId)).toBe(false);
    expect((await options()).unavailable.find((u: { badgeId: string }) => u.badgeId === badgeId)).toMatchObject({ reason: 'retired' });
    const refused = await env.signIn(badgeId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('BADGE_RETIRED');
    expect((await env.api.call('POST', `/v1/badges/${badgeId}/found`, { token: env.receptionist.token })).status).toBe(409);
    expect((await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token })).body.error.code).toBe('BADGE_RETIRED');
    // The visit keeps naming it.
    expect((await env.api.call('GET', `/v1/visits/${v.body.id}`)).body.badgeId).toBe(badgeId);
  });
});

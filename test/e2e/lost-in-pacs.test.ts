import { genetecEntities } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';

// POST /v1/badges/:id/lost records the PACS's own lost state where there is one, through a workflow on the
// provider's task queue; what the simulators hold afterwards is the evidence.
describe('a lost card on genetec', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('genetec');
  }, 120_000);
  afterAll(() => env?.close());

  const credentialState = async (uniqueId: string) => {
    const creds = genetecEntities(await env.simCall('GET', '/__sim/state')).filter(
      (e) => e.EntityType === 'Credential' && String(e.Format?.CardId) === uniqueId,
    );
    expect(creds).toHaveLength(1);
    return creds[0].Status?.State;
  };

  it('records State=Lost on the credential in Security Center, and clears it when the card is found', async () => {
    const uniqueId = '2501';
    const badgeId = await env.addBadge(uniqueId);
    const v = await env.signIn(badgeId);
    await env.waitFor(v.body.id, 'active');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token, body: { badgeReturned: false } });
    await env.waitFor(v.body.id, 'completed');
    expect(await credentialState(uniqueId)).toBe('Inactive');

    const lost = await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token });
    expect(lost.status).toBe(200);
    expect(lost.body.status).toBe('lost');
    expect(lost.body.pacs).toMatchObject({ lostState: 'recorded' });
    expect(await credentialState(uniqueId)).toBe('Lost');

    const found = await env.api.call('POST', `/v1/badges/${badgeId}/found`, { token: env.receptionist.token });
    expect(found.status).toBe(200);
    expect(found.body.pacs).toMatchObject({ lostState: 'recorded' });
    expect(await credentialState(uniqueId)).toBe('Inactive');
    // And the card works again for the next visitor.
    const next = await env.signIn(badgeId, { firstName: 'Grace', lastName: 'Hopper' });
    await env.waitFor(next.body.id, 'active');
    expect(await credentialState(uniqueId)).toBe('Active');
  });

  it('says so when the PACS has no credential with that number', async () => {
    const badgeId = await env.addBadge('2502');
    const lost = await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token });
    expect(lost.status).toBe(200);
    expect(lost.body.pacs).toMatchObject({ lostState: 'no_credential' });
  });
});

describe('a lost card on onguard', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('onguard');
  }, 120_000);
  afterAll(() => env?.close());

  const state = async () => env.simCall('GET', '/__sim/state');
  const badgeRecords = async (uniqueId: string) => ((await state()).instances.Lnl_Badge as any[]).filter((b) => String(b.ID) === uniqueId);
  const statusId = async (name: string) => ((await state()).instances.Lnl_BadgeStatus as any[]).find((s) => s.Name === name).ID;
  const visitOnce = async (badgeId: string) => {
    const v = await env.signIn(badgeId);
    await env.waitFor(v.body.id, 'active');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token, body: { badgeReturned: false } });
    await env.waitFor(v.body.id, 'completed');
  };

  it('has nothing to mark by default: the badge record went with the visit', async () => {
    const badgeId = await env.addBadge('1601');
    await visitOnce(badgeId);
    expect(await badgeRecords('1601')).toEqual([]);
    const lost = await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token });
    expect(lost.status).toBe(200);
    expect(lost.body.pacs).toMatchObject({ lostState: 'no_credential' });
  });

  it('gives a kept badge record the "Lost" status, and the inactive one back when found', async () => {
    const patched = await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { settings: { releaseOnDeactivate: false } } });
    expect(patched.status).toBe(200);
    const badgeId = await env.addBadge('1602');
    await visitOnce(badgeId);
    const [kept] = await badgeRecords('1602');
    expect(kept.STATUS).toBe(await statusId('Inactive'));

    const lost = await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token });
    expect(lost.body.pacs).toMatchObject({ lostState: 'recorded' });
    expect((await badgeRecords('1602'))[0].STATUS).toBe(await statusId('Lost'));

    const found = await env.api.call('POST', `/v1/badges/${badgeId}/found`, { token: env.receptionist.token });
    expect(found.body.pacs).toMatchObject({ lostState: 'recorded' });
    expect((await badgeRecords('1602'))[0].STATUS).toBe(await statusId('Inactive'));
  });

  it('says why when the site has no status of that name', async () => {
    await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { settings: { releaseOnDeactivate: false, lostStatusName: 'Verloren' } } });
    const badgeId = await env.addBadge('1603');
    await visitOnce(badgeId);
    const lost = await env.api.call('POST', `/v1/badges/${badgeId}/lost`, { token: env.receptionist.token });
    expect(lost.status).toBe(200);
    expect(lost.body.status).toBe('lost');
    expect(lost.body.pacs.lostState).toBe('failed');
    expect(lost.body.pacs.message).toMatch(/no badge status named "Verloren".*lostStatusName/);
  });
});

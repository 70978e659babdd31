import { failure, SimHarness, sleep, useClientHarness } from './helpers';
import type { OnGuardClient } from '../../../src/pacs/onguard/client';

/**
 * Temporal retries activities; every mutation must survive being run again after a failure whose
 * outcome the client could not see, without creating a second visitor, badge or assignment.
 */
let h: SimHarness;
const clients = useClientHarness((x) => (h = x));
let c: OnGuardClient;
let personId: string;

beforeEach(async () => {
  c = clients.make(h, { timeoutMs: 300 });
  personId = (await c.findOrCreateVisitor({ visitId: 'visit-1', firstName: 'Ida', lastName: 'Idem', email: 'ida@example.com' })).personId;
});

const issue = () =>
  c.issueBadge({
    personId,
    uniqueId: '1234',
    badgeType: { externalId: '2' },
    activateAt: new Date('2024-05-01T08:00:00Z'),
    deactivateAt: new Date('2024-05-01T18:00:00Z'),
  });
const instances = async (type: string) => (await h.state()).instances[type] as any[];
const badges1234 = async () => (await instances('Lnl_Badge')).filter((b) => b.ID === 1234);
const force = (body: object) => h.control('POST', '/next-error', body);

describe('repeated calls', () => {
  it('issueBadge twice: one badge, the second call reports created:false', async () => {
    const a = await issue();
    const b = await issue();
    expect(a).toEqual({ credentialId: b.credentialId, created: true });
    expect(b.created).toBe(false);
    expect(await badges1234()).toHaveLength(1);
  });

  it('findOrCreateVisitor twice: one visitor', async () => {
    const again = await c.findOrCreateVisitor({ visitId: 'visit-1', firstName: 'Ida', lastName: 'Idem', email: 'ida@example.com' });
    expect(again).toEqual({ personId, created: false });
    expect((await instances('Lnl_Visitor')).filter((v) => v.EMAIL === 'ida@example.com')).toHaveLength(1);
  });

  it('grantAccess, revokeAccess and deactivateBadge twice: same end state, no duplicates, no errors', async () => {
    const { credentialId } = await issue();
    for (let i = 0; i < 2; i++) await c.grantAccess({ personId, credentialId, accessRuleExternalIds: ['1', '2'] });
    expect((await instances('Lnl_AccessLevelAssignment')).filter((a) => String(a.BadgeKey) === credentialId)).toHaveLength(2);
    for (let i = 0; i < 2; i++) await c.revokeAccess({ personId, credentialId, accessRuleExternalIds: ['1', '2'] });
    for (let i = 0; i < 2; i++) await c.deactivateBadge({ personId, credentialId });
    expect((await instances('Lnl_AccessLevelAssignment')).filter((a) => String(a.BadgeKey) === credentialId)).toHaveLength(0);
    // Switched off and released back to the pool, once, however often it is asked.
    expect(await badges1234()).toHaveLength(0);
  });
});

describe('a create whose answer never arrives', () => {
  it('a POST that hangs times out (retryable); the retry creates exactly one badge', async () => {
    await h.control('PUT', '/faults', { hangRate: 1, pathFilter: '/instances', methodFilter: 'POST' });
    const e = await failure(issue());
    expect(e).toMatchObject({ code: 'PACS_TIMEOUT', retryable: true });
    await h.control('DELETE', '/faults');
    expect((await issue()).created).toBe(true);
    expect(await badges1234()).toHaveLength(1);
  });

  it('a POST the server completes after the client gave up: the retry finds it instead of posting again', async () => {
    // Well past the 300 ms timeout, whose timer granularity in undici can stretch it towards a second.
    await h.control('PUT', '/faults', { latencyMs: 2_000, pathFilter: '/instances', methodFilter: 'POST' });
    expect((await failure(issue())).code).toBe('PACS_TIMEOUT');
    expect(await badges1234()).toHaveLength(0);
    await h.control('DELETE', '/faults');
    // The delayed create lands on the server meanwhile.
    for (let i = 0; i < 40 && (await badges1234()).length === 0; i++) await sleep(100);
    expect(await badges1234()).toHaveLength(1);
    await h.control('POST', '/stats/reset');
    const retry = await issue();
    expect(retry.created).toBe(false);
    expect(await badges1234()).toHaveLength(1);
    expect((await h.control('GET', '/stats')).json.byRoute['POST /instances']).toBeUndefined();
  });

  it('a badge POST whose connection drops after the commit: the re-check by ID returns it as created', async () => {
    await force({ mode: 'drop', path: '/instances', method: 'POST' });
    await h.control('POST', '/stats/reset');
    expect(await issue()).toEqual({ credentialId: expect.any(String), created: true });
    expect(await badges1234()).toHaveLength(1);
    expect((await h.control('GET', '/stats')).json.byRoute['POST /instances']).toBe(1);
  });

  it('a badge POST answered 500 after the commit: one badge, no second POST', async () => {
    await force({ mode: 'after', status: 500, path: '/instances', method: 'POST' });
    expect((await issue()).created).toBe(true);
    expect(await badges1234()).toHaveLength(1);
  });

  it('a visitor POST answered 500 after the commit: the lookup finds the visitor it made', async () => {
    await force({ mode: 'after', status: 502, path: '/instances', method: 'POST' });
    const r = await c.findOrCreateVisitor({ visitId: 'visit-2', firstName: 'Max', lastName: 'Once', email: null });
    expect(r.created).toBe(true);
    expect((await instances('Lnl_Visitor')).filter((v) => v.LASTNAME === 'Once')).toHaveLength(1);
  });

  it('an assignment POST dropped after the commit: grantAccess completes without a duplicate', async () => {
    const { credentialId } = await issue();
    await force({ mode: 'drop', path: '/instances', method: 'POST' });
    await c.grantAccess({ personId, credentialId, accessRuleExternalIds: ['7', '8'] });
    const levels = (await instances('Lnl_AccessLevelAssignment')).filter((a) => String(a.BadgeKey) === credentialId).map((a) => a.AccessLevelID);
    expect(levels.sort()).toEqual([7, 8]);
  });

  it('a deactivation PUT or an assignment DELETE dropped after the commit counts as done', async () => {
    const { credentialId } = await issue();
    await c.grantAccess({ personId, credentialId, accessRuleExternalIds: ['7'] });
    await force({ mode: 'drop', path: '/instances', method: 'DELETE' });
    await c.revokeAccess({ personId, credentialId, accessRuleExternalIds: ['7'] });
    await force({ mode: 'drop', path: '/instances', method: 'PUT' });
    await c.deactivateBadge({ personId, credentialId });
    expect(await badges1234()).toHaveLength(0);
  });

  it('a failure that did not commit is still reported, retryable', async () => {
    await force({ mode: 'before', status: 503, path: '/instances', method: 'POST' });
    expect(await failure(issue())).toMatchObject({ code: 'PACS_SERVER_ERROR', retryable: true });
    expect(await badges1234()).toHaveLength(0);
    expect((await issue()).created).toBe(true);
  });
});

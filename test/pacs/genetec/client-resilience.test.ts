import { GenetecClient, visitMarker } from '../../../src/pacs/genetec/client';
import { SEED } from '../../../src/simulators/genetec/store';
import { startHarness, type SimHarness } from '../../simulators/genetec/sim-helpers';
import { connFor, sleep, STANDARD_26 } from './client-helpers';

const HOUR = 3_600_000;

describe('GenetecClient: idempotency, bounded concurrency and sessions', () => {
  let h: SimHarness;
  const clients: GenetecClient[] = [];
  const make = (...args: ConstructorParameters<typeof GenetecClient>) => {
    const c = new GenetecClient(...args);
    clients.push(c);
    return c;
  };
  const entities = async () => (await h.ctl('GET', '/state')).entities as any[];

  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await h.ctl('POST', '/reset');
  });
  afterAll(() => h.close());

  describe('idempotency under retry', () => {
    it('findOrCreateVisitor twice creates one visitor', async () => {
      const c = make(connFor(h.sim));
      const v = { visitId: 'retry-1', firstName: 'Rita', lastName: 'Retry', email: null };
      const a = await c.findOrCreateVisitor(v);
      const b = await c.findOrCreateVisitor(v);
      expect(b).toEqual({ personId: a.personId, created: false });
      expect((await entities()).filter((e) => e.LastName === 'Retry')).toHaveLength(1);
    });

    it('a retry after a create whose answer was lost finds the first visitor by its visit marker', async () => {
      // What the first attempt left behind: the visitor exists, the client never saw its GUID.
      const { guids } = await h.ctl('POST', '/seed', {
        entities: [{ EntityType: 'Visitor', Name: 'Lost Answer', FirstName: 'Lost', LastName: 'Answer', Description: visitMarker('retry-2') }],
      });
      const r = await make(connFor(h.sim)).findOrCreateVisitor({ visitId: 'retry-2', firstName: 'Lost', lastName: 'Answer' });
      expect(r).toEqual({ personId: guids[0], created: false });
    });

    it('issueBadge twice gives one credential; the second call reports created: false', async () => {
      const c = make(connFor(h.sim));
      const { personId } = await c.findOrCreateVisitor({ visitId: 'retry-3', firstName: 'Ivy', lastName: 'Issue' });
      const args = { personId, uniqueId: '3131', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: new Date(Date.now() + HOUR) };
      const first = await c.issueBadge(args);
      const second = await c.issueBadge(args);
      expect(first.created).toBe(true);
      expect(second).toEqual({ credentialId: first.credentialId, created: false });
      expect((await entities()).filter((e) => e.EntityType === 'Credential' && e.Format?.CardId === 3131)).toHaveLength(1);
    });

    it('two concurrent attempts for the same person and card end with one credential and no error', async () => {
      const c = make(connFor(h.sim));
      const { personId } = await c.findOrCreateVisitor({ visitId: 'retry-4', firstName: 'Con', lastName: 'Current' });
      await h.ctl('PUT', '/faults', { latencyMs: 50 });
      const args = { personId, uniqueId: '3232', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: new Date(Date.now() + HOUR) };
      const [a, b] = await Promise.all([c.issueBadge(args), c.issueBadge(args)]);
      expect(a.credentialId).toBe(b.credentialId);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect((await entities()).filter((e) => e.EntityType === 'Credential' && e.Format?.CardId === 3232)).toHaveLength(1);
    });

    it('grantAccess, revokeAccess and deactivateBadge can all be repeated', async () => {
      const c = make(connFor(h.sim));
      const { personId } = await c.findOrCreateVisitor({ visitId: 'retry-5', firstName: 'Rep', lastName: 'Eat' });
      const { credentialId } = await c.issueBadge({
        personId,
        uniqueId: '3333',
        badgeType: STANDARD_26,
        activateAt: new Date(),
        deactivateAt: new Date(Date.now() + HOUR),
      });
      const rules = [SEED.groups.lobbyVisitors];
      for (let i = 0; i < 2; i++) await c.grantAccess({ personId, credentialId, accessRuleExternalIds: rules });
      for (let i = 0; i < 2; i++) await c.revokeAccess({ personId, credentialId, accessRuleExternalIds: rules });
      for (let i = 0; i < 2; i++) await c.deactivateBadge({ personId, credentialId });
      const person = (await entities()).find((e) => e.Guid === personId);
      expect(person.Groups).toEqual([]);
      expect((await entities()).find((e) => e.Guid === credentialId).Status.State).toBe('Inactive');
    });
  });

  describe('bounded concurrency', () => {
    it('never has more than maxConcurrentRequests requests in flight', async () => {
      const c = make(connFor(h.sim, { maxConcurrentRequests: 3 }));
      await h.ctl('PUT', '/faults', { latencyMs: 60 });
      await h.ctl('POST', '/stats/reset');
      const results = await Promise.all(Array.from({ length: 20 }, () => c.lookupBadge('1500', STANDARD_26)));
      expect(results.every((r) => r.holderName === 'Alex Example')).toBe(true);
      const stats = await h.ctl('GET', '/stats');
      // Per lookup: the name search (no hit), the UniqueIds report, the credential read and the holder read.
      expect(stats.requests).toBe(80);
      expect(stats.peakConcurrency).toBeLessThanOrEqual(3);
      // The bound is used, not just respected: work really runs in parallel.
      expect(stats.peakConcurrency).toBeGreaterThanOrEqual(2);
    });
  });

  describe('session keep-alive', () => {
    it('pings GET / while idle, so the server keeps one session', async () => {
      await h.ctl('PUT', '/config', { sessionIdleMs: 400 });
      const c = make(connFor(h.sim), { keepAliveMs: 150 });
      await c.listBadgeTypes();
      await sleep(1300);
      await c.listBadgeTypes();
      const sessions = await h.ctl('GET', '/sessions');
      expect(sessions.opened).toBe(1);
      expect(sessions.expired).toBe(0);
      expect((await h.ctl('GET', '/stats')).byRoute['GET /']).toBeGreaterThanOrEqual(3);
    });

    it('without pings the idle session expires and the next call opens a new one', async () => {
      await h.ctl('PUT', '/config', { sessionIdleMs: 400 });
      const c = make(connFor(h.sim), { keepAliveMs: 0 });
      await c.listBadgeTypes();
      await sleep(700);
      await c.listBadgeTypes();
      expect((await h.ctl('GET', '/sessions')).opened).toBe(2);
      expect((await h.ctl('GET', '/stats')).byRoute['GET /']).toBeUndefined();
    });

    it('stops pinging after close() and after the maximum idle time, and never holds the process open', async () => {
      const c = make(connFor(h.sim), { keepAliveMs: 60, keepAliveMaxIdleMs: 400 });
      await c.listBadgeTypes();
      const timer = (c as unknown as { t: { timer: NodeJS.Timeout | null } }).t.timer;
      expect(timer?.hasRef()).toBe(false);
      await sleep(900);
      const pingsAfterIdle = (await h.ctl('GET', '/stats')).byRoute['GET /'];
      expect(pingsAfterIdle).toBeGreaterThanOrEqual(2);
      await sleep(400);
      expect((await h.ctl('GET', '/stats')).byRoute['GET /']).toBe(pingsAfterIdle);

      const d = make(connFor(h.sim), { keepAliveMs: 60 });
      await d.listBadgeTypes();
      await d.close();
      expect((d as unknown as { t: { timer: unknown } }).t.timer).toBeNull();
      await h.ctl('POST', '/stats/reset');
      await sleep(300);
      expect((await h.ctl('GET', '/stats')).requests).toBe(0);
      const e = await d.listBadgeTypes().catch((x) => x);
      expect(e.code).toBe('PACS_UNREACHABLE');
    });
  });
});

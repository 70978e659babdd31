import { Metrics } from '../../src/api/metrics';
import { registerVisitLatencyMetrics } from '../../src/api/visit-latency';
import { startTestApi, type TestApi } from '../helpers/api';
import { createLocation, createProvider, createUser, ok, openVisit, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './admin/helpers';

/** prom-client behind /metrics: default process metrics, the service's own, and the visit latency histograms. */
describe('/metrics', () => {
  let api: TestApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi();
    token = (await createUser(api, 'Prometheus', ['viewMetrics'], { allLocations: false })).token;
  });
  afterAll(() => api.close());

  const scrape = async () => {
    const r = await api.call('GET', '/metrics', { token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return r.body as string;
  };

  /** A location with a provider, its catalogue and one pool badge. */
  const siteWithBadge = async (name: string, uniqueId: string) => {
    const loc = (await createLocation(api, name)).id;
    const providerId = (await createProvider(api, loc)).id;
    const ids = await seedCatalog(api, providerId, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
    const badge = ok(
      await api.call('POST', `/v1/providers/${providerId}/badges`, { body: { name: `Badge ${uniqueId}`, uniqueId, badgeTypeId: ids.type('1') } }),
      'badge',
    );
    return { loc, providerId, badge };
  };

  it('still needs a token with viewMetrics', async () => {
    expect((await api.call('GET', '/metrics', { token: null })).status).toBe(401);
    const nobody = await createUser(api, 'No metrics', ['viewVisits']);
    expect((await api.call('GET', '/metrics', { token: nobody.token })).status).toBe(403);
  });

  it('exports the process metrics and every metric name the service had', async () => {
    await api.call('GET', '/v1/me');
    const text = await scrape();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    for (const name of [
      'http_requests_total',
      'visits_started_total',
      'visits',
      'visits_switch_off_failing',
      'visits_deprovision_overdue',
      'reconciliation_findings',
      'reconciliation_actions_total',
      'reconciliation_last_success_timestamp_seconds',
      'visits_sign_in_to_active_seconds',
      'visits_sign_out_to_released_seconds',
      'webhook_deliveries',
      'webhook_oldest_pending_seconds',
      'webhook_subscriptions_disabled',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/me",status="200"\} [1-9]/m);
    expect(text).toMatch(/^visits\{status="active"\} 0$/m);
    expect(text).toMatch(/^visits_deprovision_overdue 0$/m);
    expect(text).toMatch(/^webhook_deliveries\{status="failed"\} 0$/m);
  });

  it('computes sign-in→active and sign-out→released histograms from the visits’ timelines', async () => {
    const { loc, providerId, badge } = await siteWithBadge('Metrics HQ', '1001');
    const prisma = api.db.prisma;
    const t0 = new Date('2026-01-05T09:00:00.000Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    // Active after 3 s; signed out at +600 s and released 40 s later.
    const a = await openVisit(api, { locationId: loc, providerId, badgeId: badge.id, status: 'completed', holds: false });
    await prisma.visit.update({ where: { id: a }, data: { createdAt: t0, signOutRequestedAt: at(600) } });
    await prisma.visitEvent.createMany({
      data: [
        { visitId: a, status: 'provisioning', at: t0 },
        { visitId: a, status: 'active', at: at(3) },
        { visitId: a, status: 'active', at: at(500) },
        { visitId: a, status: 'completed', at: at(640) },
      ],
    });
    // Still provisioning: in neither histogram.
    const b = await openVisit(api, { locationId: loc, providerId, badgeId: badge.id, status: 'provisioning', holds: false });
    await prisma.visitEvent.create({ data: { visitId: b, status: 'provisioning', at: t0 } });

    const text = await scrape();
    expect(text).toMatch(/^visits_sign_in_to_active_seconds_bucket\{le="2"\} 0$/m);
    expect(text).toMatch(/^visits_sign_in_to_active_seconds_bucket\{le="5"\} 1$/m);
    expect(text).toMatch(/^visits_sign_in_to_active_seconds_bucket\{le="\+Inf"\} 1$/m);
    expect(text).toMatch(/^visits_sign_in_to_active_seconds_sum 3$/m);
    expect(text).toMatch(/^visits_sign_in_to_active_seconds_count 1$/m);
    expect(text).toMatch(/^visits_sign_out_to_released_seconds_bucket\{le="30"\} 0$/m);
    expect(text).toMatch(/^visits_sign_out_to_released_seconds_bucket\{le="60"\} 1$/m);
    expect(text).toMatch(/^visits_sign_out_to_released_seconds_sum 40$/m);
    expect(text).toMatch(/^visits\{status="completed"\} 1$/m);
  });

  it('counts each wait once across scrapes, an entry committed after a newer one included, and a first scrape reads the whole history', async () => {
    const { loc, providerId, badge } = await siteWithBadge('Metrics Annex', '1002');
    const prisma = api.db.prisma;
    const count = (text: string) => Number(/^visits_sign_in_to_active_seconds_count (\d+)$/m.exec(text)?.[1]);
    const before = count(await scrape());
    const open = () => openVisit(api, { locationId: loc, providerId, badgeId: badge.id, status: 'active', holds: false });
    const [first, late] = [await open(), await open()];
    // An ID taken by a transaction that commits after the next one: here, freed and written again below.
    const gap = await prisma.visitEvent.create({ data: { visitId: late, status: 'provisioning' } });
    await prisma.visitEvent.delete({ where: { id: gap.id } });
    await prisma.visitEvent.create({ data: { visitId: first, status: 'active' } });
    expect(count(await scrape())).toBe(before + 1);
    expect(count(await scrape())).toBe(before + 1);
    await prisma.visitEvent.create({ data: { id: gap.id, visitId: late, status: 'active' } });
    expect(count(await scrape())).toBe(before + 2);
    // A second 'active' of the same visit (a re-activation) is not a second wait.
    await prisma.visitEvent.create({ data: { visitId: first, status: 'active' } });
    expect(count(await scrape())).toBe(before + 2);

    // Another API process, whose first scrape finds these entries far behind the newest one: read in one pass.
    await prisma.visitEvent.create({ data: { id: gap.id + 100_000n, visitId: late, status: 'provisioning' } });
    const other = new Metrics({ defaultMetrics: false });
    registerVisitLatencyMetrics(other, api.db);
    expect(count(await other.render())).toBe(before + 2);
    expect(count(await scrape())).toBe(before + 2);
  });
});

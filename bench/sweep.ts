/**
 * End-of-day sweep: `--visits` visits signed in (at 0 ms per request, to get there quickly), all ending at
 * the same minute; at that instant the simulators answer with `--latency` ms per request, and this
 * measures the time until every badge is switched off and released, and the peak number of requests each
 * simulator had in flight, against the bound: visits × requests per deprovision × latency ÷ the
 * provider's concurrent-request limit. Also the process's RSS with all those visits open.
 *
 *   npm run bench:sweep -- [--visits 1000] [--latency 50] [--concurrency 30] [--postgres]
 *
 * `--postgres` runs the service on a fresh database on BENCH_DATABASE_URL's server instead of the embedded
 * PGlite (which runs in the service's main thread, beside the worker, and competes with it for one core).
 *
 * Prints figures; asserts nothing.
 */
import { parseArgs } from 'node:util';
import { type Kind, postgresDatabase, startBenchService } from './service';

const { values } = parseArgs({
  options: {
    visits: { type: 'string', default: '1000' },
    latency: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '30' },
    postgres: { type: 'boolean', default: false },
  },
});
const VISITS = Number(values.visits);
const LATENCY = Number(values.latency);
const CONCURRENCY = Number(values.concurrency);
const KINDS: Kind[] = ['onguard', 'genetec'];

async function main() {
  const database = values.postgres ? await postgresDatabase('vb_sweep') : null;
  if (database && 'unreachable' in database) throw new Error(`--postgres: ${database.unreachable}`);
  const svc = await startBenchService(database ? { databaseUrl: database.url } : { databaseUrl: null });
  const { api, demo, sim } = svc;
  await svc.setLatency(0);
  const badges = await svc.addBadges(VISITS);
  const rss = () => Math.round(process.memoryUsage().rss / 1048576);
  const rssIdle = rss();

  // Every visit ends at the same minute: the location's end of day in UTC, far enough ahead for the sign-ins.
  // Sign-ins run at 6–10 visits/s on PGlite and 15–17 on PostgreSQL here: half that, to be safe.
  const signInEstimateS = 60 + VISITS / (database ? 8 : 3);
  const end = new Date(Math.ceil((Date.now() + signInEstimateS * 1000) / 60_000) * 60_000);
  const hhmm = end.toISOString().slice(11, 16);
  const patched = await api('PATCH', `/v1/locations/${demo.locationId}`, { timezone: 'UTC', endOfDay: hhmm });
  if (patched.status !== 200) throw new Error(`setting the end of day: ${patched.status} ${JSON.stringify(patched.body)}`);
  console.log(
    `signing in ${VISITS} visits (concurrency ${CONCURRENCY}); all end at ${hhmm} UTC; worker cache: ${process.env.WORKER_MAX_CACHED_WORKFLOWS ?? '100 (the default)'}`,
  );

  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < badges.length) {
        const n = next++;
        await svc.signIn(badges[n], n);
      }
    }),
  );
  const signInS = (Date.now() - t0) / 1000;
  console.log(
    `  signed in ${VISITS} in ${signInS.toFixed(0)} s (${(VISITS / signInS).toFixed(2)} visits/s); RSS idle ${rssIdle} MiB → ${rss()} MiB with ${VISITS} open visits`,
  );
  if (Date.now() > end.getTime() - 5_000)
    throw new Error(`sign-ins took longer than the ${signInEstimateS.toFixed(0)} s allowed before the end of day; run with fewer --visits`);

  await new Promise((r) => setTimeout(r, end.getTime() - 3_000 - Date.now()));
  await svc.setLatency(LATENCY);
  for (const kind of KINDS) await sim(kind, 'POST', '/stats/reset');

  // Done when no visit is open any more. Counted from the `visits{status}` gauge (one grouped count), not by
  // listing every open visit: the poll must not load the service it measures.
  const open = async () => {
    const res = await fetch(`${svc.running.apiUrl}/metrics`, { headers: { authorization: `Bearer ${demo.admin}` } });
    if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
    const text = await res.text();
    let count = 0;
    for (const status of ['provisioning', 'active', 'deprovisioning']) {
      const m = text.match(new RegExp(`^visits\\{status="${status}"\\} (\\d+)`, 'm'));
      count += m ? Number(m[1]) : 0;
    }
    return count;
  };
  let lastLog = 0;
  for (let left = await open(); left > 0; left = await open()) {
    if (Date.now() - lastLog > 10_000) {
      console.log(`  ${((Date.now() - end.getTime()) / 1000).toFixed(0)} s after the end of day: ${left} visits still open`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const sweepS = (Date.now() - end.getTime()) / 1000;

  const providers = (await api('GET', `/v1/locations/${demo.locationId}/providers`)).body.items as Array<{
    id: string;
    kind: Kind;
    maxConcurrentRequests?: number;
  }>;
  console.log(`end-of-day sweep: ${VISITS} visits at ${LATENCY} ms per request → all switched off and released ${sweepS.toFixed(1)} s after the end of day`);
  let bound = 0;
  for (const kind of KINDS) {
    const stats = await sim(kind, 'GET', '/stats');
    const provider = providers.find((p) => p.kind === kind);
    const limit = provider?.maxConcurrentRequests ?? 4;
    const perVisit = stats.requests / (VISITS / 2);
    const kindBound = ((VISITS / 2) * perVisit * LATENCY) / 1000 / limit;
    bound = Math.max(bound, kindBound);
    console.log(
      `  ${kind.padEnd(8)} ${stats.requests} requests (${perVisit.toFixed(1)} per deprovision), peak in flight ${stats.peakConcurrency} (provider limit ${limit}), connections ${stats.connections}; bound ${kindBound.toFixed(1)} s`,
    );
  }
  console.log(`  sweep / bound: ${(sweepS / Math.max(0.001, bound)).toFixed(2)}× (target ≤ 1.2×)`);
  await svc.stop();
  if (database) await database.drop();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

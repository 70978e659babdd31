/**
 * End-of-day sweep: `--visits` visits signed in (at 0 ms per request, to get there quickly), all ending at
 * the same minute; at that instant the simulators answer with `--latency` ms per request, and this
 * measures the time until every badge is switched off and released, and the peak number of requests each
 * simulator had in flight, against the bound: visits × requests per deprovision × latency ÷ the
 * provider's concurrent-request limit. Also the process's RSS with all those visits open.
 *
 *   npm run bench:sweep -- [--visits 1000] [--latency 50] [--concurrency 30] [--postgres [--connector]] [--profile sweep.cpuprofile]
 *
 * `--postgres` runs the service on a fresh database on BENCH_DATABASE_URL's server instead of the embedded
 * PGlite (which runs in the service's main thread, beside the worker, and competes with it for one core).
 *
 * `--connector` (with `--postgres`) gives both providers a task queue of their own, served by a second worker
 * process (`npm run worker` with WORKER_TASK_QUEUES, as an on-premises connector is): the PACS calls then run
 * in a process whose event loop is not also busy with workflow tasks, bookkeeping and the API.
 *
 * `--profile` writes a CPU profile of this process's main thread (API, worker) from the end of the day until
 * every visit is released, for Chrome DevTools' Performance panel. The simulators run in processes of their
 * own; the CPU each process used during the sweep is printed.
 *
 * Prints figures; asserts nothing.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import path from 'node:path';
import pg from 'pg';
import { spawnNode, waitUntil } from './chaos/procs';
import { cpuTicks, devServerPids, postgresPids, ticksOf } from './processes';
import { directAdapters, type Kind, postgresDatabase, startBenchService } from './service';

const { values } = parseArgs({
  options: {
    visits: { type: 'string', default: '1000' },
    latency: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '30' },
    postgres: { type: 'boolean', default: false },
    profile: { type: 'string' },
    connector: { type: 'boolean', default: false },
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
  const connector = values.connector ? await startConnector(svc, database?.url ?? null) : null;
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
  await pool(badges.length, CONCURRENCY, async (n) => {
    await svc.signIn(badges[n], n);
  });
  const signInS = (Date.now() - t0) / 1000;
  console.log(
    `  signed in ${VISITS} in ${signInS.toFixed(0)} s (${(VISITS / signInS).toFixed(2)} visits/s); RSS idle ${rssIdle} MiB → ${rss()} MiB with ${VISITS} open visits`,
  );
  if (Date.now() > end.getTime() - 5_000)
    throw new Error(`sign-ins took longer than the ${signInEstimateS.toFixed(0)} s allowed before the end of day; run with fewer --visits`);

  await new Promise((r) => setTimeout(r, end.getTime() - 3_000 - Date.now()));
  await svc.setLatency(LATENCY);
  for (const kind of KINDS) await sim(kind, 'POST', '/stats/reset');
  const profiler = values.profile ? await startProfile() : null;
  const cpu = cpuMeter(svc, database?.name ?? null, connector?.pid ?? null);

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
  const used = cpu.read();
  if (profiler) await profiler.stop(values.profile!);

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
    console.log(`           by route: ${routes(stats)}`);
  }
  console.log(`  sweep / bound: ${(sweepS / Math.max(0.001, bound)).toFixed(2)}× (target ≤ 1.2×)`);
  console.log(`  CPU from 3 s before the end of day to the last release: ${used}`);
  if (database) {
    // Every switch-off attempt beyond the first repeats PACS requests: say how many there were, and why.
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    // A completed visit's lastError is cleared; its timeline keeps the first failure of each reason.
    const { rows } = await c.query(
      `SELECT split_part(detail, ':', 1) AS code, count(DISTINCT "visitId")::int AS visits
         FROM "VisitEvent" WHERE detail LIKE '%: could not finish %' GROUP BY 1 ORDER BY 2 DESC`,
    );
    await c.end();
    console.log(
      rows.length
        ? `  switch-offs that needed more than one attempt: ${rows.map((r) => `${r.visits} visits ${r.code}`).join(', ')}`
        : '  every switch-off took one attempt',
    );
  }

  const peer = await directSweep(svc);
  console.log(
    `direct peer (our PACS clients, no Temporal, no database, ${PEER_CONCURRENCY} at once over the same 4 connections): ${VISITS} switched off in ${peer.secs.toFixed(1)} s; ` +
      `${peer.peaks}; peer / bound ${(peer.secs / Math.max(0.001, bound)).toFixed(2)}×, ours / peer ${(sweepS / peer.secs).toFixed(2)}×`,
  );
  await svc.stop();
  if (database) await database.drop();
  process.exit(0);
}

const CONNECTOR_QUEUE = 'vb-bench-connector';

/** A second worker process serving both providers' own task queue (`--connector`); stopped with the service. */
async function startConnector(svc: Awaited<ReturnType<typeof startBenchService>>, databaseUrl: string | null) {
  if (!databaseUrl) throw new Error('--connector needs --postgres: the embedded PGlite cannot be shared by two processes');
  const providers = (await svc.api('GET', `/v1/locations/${svc.demo.locationId}/providers`)).body.items as Array<{ id: string }>;
  for (const p of providers) {
    const r = await svc.api('PATCH', `/v1/providers/${p.id}`, { taskQueue: CONNECTOR_QUEUE });
    if (r.status !== 200) throw new Error(`setting the provider's task queue: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const logFile = path.join(svc.dataDir, 'connector.log');
  const proc = spawnNode(svc.procs, {
    name: 'connector worker',
    script: 'src/worker.ts',
    env: {
      TEMPORAL_ADDRESS: svc.running.temporalAddress,
      DATABASE_URL: databaseUrl,
      DATA_DIR: svc.dataDir, // the secrets key the providers' passwords are sealed with
      WORKER_TASK_QUEUES: CONNECTOR_QUEUE,
      LOG_LEVEL: 'warn',
    },
    logFile,
  });
  // Ready once Temporal sees it polling the queue for activities.
  const connection = await Connection.connect({ address: svc.running.temporalAddress });
  await waitUntil(
    'connector worker',
    async () => {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace: svc.config.temporal.namespace,
        taskQueue: { name: CONNECTOR_QUEUE },
        taskQueueType: 2, // TASK_QUEUE_TYPE_ACTIVITY
      });
      return (pollers ?? []).length > 0;
    },
    60_000,
    proc,
  );
  await connection.close();
  console.log(`connector worker (pid ${proc.pid}) serves both providers' task queue ${CONNECTOR_QUEUE}`);
  return { pid: proc.pid };
}

/** CPU seconds of each process from now until `read()`, and as cores over that time. */
function cpuMeter(svc: Awaited<ReturnType<typeof startBenchService>>, postgres: string | null, connector: number | null) {
  const dev = () => devServerPids(svc.running.temporalAddress);
  const pgPids = () => (postgres ? postgresPids(postgres) : []);
  const t0 = Date.now();
  const own0 = process.cpuUsage();
  const before = { dev: ticksOf(dev), pg: ticksOf(pgPids), sims: ticksOf(svc.simulatorPids), connector: connector ? cpuTicks(connector) : 0 };
  return {
    read() {
      const secs = (Date.now() - t0) / 1000;
      const own = process.cpuUsage(own0);
      const parts: Array<[string, number]> = [
        ['service process (API, worker' + (postgres ? ')' : ', PGlite)'), (own.user + own.system) / 1e6],
        ...(connector ? [['connector worker (PACS activities)', (cpuTicks(connector) - before.connector) / 100] as [string, number]] : []),
        ['Temporal dev server', (ticksOf(dev) - before.dev) / 100],
        ...(postgres ? [['PostgreSQL', (ticksOf(pgPids) - before.pg) / 100] as [string, number]] : []),
        ['simulators (not ours)', (ticksOf(svc.simulatorPids) - before.sims) / 100],
      ];
      return parts.map(([name, s]) => `${name} ${s.toFixed(1)} s (${(s / secs).toFixed(2)} cores)`).join(', ');
    },
  };
}

/** Runs `each(0)` … `each(n - 1)`, `width` at a time. */
async function pool(n: number, width: number, each: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await each(next++);
    }),
  );
}

/** The simulator's request counts by route, most first. */
const routes = (stats: { byRoute: Record<string, number> }) =>
  Object.entries(stats.byRoute)
    .sort((a, b) => b[1] - a[1])
    .map(([route, n]) => `${route} ${n}`)
    .join(', ');

/** As many switch-offs at once as our worker runs activities (src/worker.ts). */
const PEER_CONCURRENCY = 50;

/**
 * The direct peer's sweep, on the same simulators after ours: as many badges switched on directly (at 0 ms),
 * then every one switched off at once at `--latency`: revoke and deactivate through our PACS clients with the
 * same limit of 4 requests per provider, and nothing around them. What this machine allows with no
 * Temporal, no database and no bookkeeping.
 */
async function directSweep(svc: Awaited<ReturnType<typeof startBenchService>>) {
  const adapters = directAdapters(svc);
  await svc.setLatency(0);
  const setup = {} as Record<Kind, { type: { externalId: string; details: Record<string, unknown> | null }; rule: string }>;
  for (const kind of KINDS) {
    const types = await adapters[kind].listBadgeTypes();
    // The wide pools' types (bench/service.ts addBadges): IDs outside the Visitor range, 26-bit on Genetec.
    const t = kind === 'onguard' ? types.find((x) => x.name === 'Temporary')! : types.find((x) => /26/.test(x.name) && x.manualEntry)!;
    setup[kind] = { type: { externalId: t.externalId, details: t.details ?? null }, rule: (await adapters[kind].listAccessRules())[0].externalId };
  }
  const issued: Array<{ kind: Kind; personId: string; credentialId: string }> = [];
  const tag = Date.now();
  await pool(VISITS, CONCURRENCY, async (i) => {
    const kind: Kind = i % 2 ? 'genetec' : 'onguard';
    const a = adapters[kind];
    const { personId } = await a.findOrCreateVisitor({
      visitId: `sweep-peer-${tag}-${i}`,
      firstName: 'Direct',
      lastName: `Sweep${i}`,
      email: `sweep${i}.${tag}@example.com`,
    });
    const { credentialId } = await a.issueBadge({
      personId,
      uniqueId: String(40_000 + (i >> 1)),
      badgeType: setup[kind].type,
      activateAt: new Date(),
      deactivateAt: new Date(Date.now() + 3_600_000),
    });
    await a.grantAccess({ personId, credentialId, accessRuleExternalIds: [setup[kind].rule] });
    issued.push({ kind, personId, credentialId });
  });
  await svc.setLatency(LATENCY);
  for (const kind of KINDS) await svc.sim(kind, 'POST', '/stats/reset');
  const t0 = Date.now();
  await pool(issued.length, PEER_CONCURRENCY, async (i) => {
    const { kind, personId, credentialId } = issued[i];
    await adapters[kind].revokeAccess({ personId, credentialId, accessRuleExternalIds: [setup[kind].rule] });
    await adapters[kind].deactivateBadge({ personId, credentialId });
  });
  const secs = (Date.now() - t0) / 1000;
  const peaks: string[] = [];
  for (const kind of KINDS) {
    const stats = await svc.sim(kind, 'GET', '/stats');
    peaks.push(`${kind} ${stats.requests} requests (${routes(stats)}), peak in flight ${stats.peakConcurrency}`);
  }
  await Promise.all(KINDS.map((k) => adapters[k].close()));
  return { secs, peaks: peaks.join(', ') };
}

/** The inspector's CPU profiler on this process (`node --cpu-prof` would profile the sign-ins too). */
async function startProfile() {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 1000 });
  await post('Profiler.start');
  return {
    stop: async (file: string) => {
      const { profile } = await post('Profiler.stop');
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`  CPU profile of the sweep written to ${file}`);
    },
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

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
 * Every 10 s it prints the visits released a second, the cores each process used, our PACS requests per
 * provider (how long each held a connection), the SQL statements and the event-loop delay of this process;
 * with BENCH_CORE_METRICS=127.0.0.1:9464, also the SDK core's own metrics (free task slots, local-activity
 * and workflow-task latencies). At the end, the service process's CPU by thread.
 *
 * Prints figures; asserts nothing.
 */
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import inspector from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import path from 'node:path';
import pg from 'pg';
import { spawnNode, waitUntil } from './chaos/procs';
import { cpuTicks, devServerPids, postgresPids, threadTicks, ticksOf } from './processes';
import { directAdapters, type Kind, postgresDatabase, startBenchService } from './service';
import { statementTimes } from './statements';

const { values } = parseArgs({
  options: {
    visits: { type: 'string', default: '1000' },
    latency: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '30' },
    postgres: { type: 'boolean', default: false },
    profile: { type: 'string' },
    connector: { type: 'boolean', default: false },
    json: { type: 'string' },
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
  let lastLeft = VISITS;
  const core = process.env.BENCH_CORE_METRICS ? coreMeter(process.env.BENCH_CORE_METRICS) : null;
  const dbWait = database ? queryMeter() : null;
  const loopLag = lagMeter();
  const pacsWait = pacsMeter(Object.fromEntries(KINDS.map((k) => [new URL(svc.simOrigins[k]).origin, k])));
  if (core) await core.interval();
  for (let left = await open(); left > 0; left = await open()) {
    if (Date.now() - lastLog > 10_000) {
      const secs = lastLog ? (Date.now() - lastLog) / 1000 : 3 + (Date.now() - end.getTime()) / 1000;
      console.log(
        `  ${((Date.now() - end.getTime()) / 1000).toFixed(0)} s after the end of day: ${left} visits still open; ${((lastLeft - left) / secs).toFixed(1)} released/s; ${cpu.interval()}`,
      );
      if (core) console.log(`    worker: ${await core.interval()}`);
      console.log(`    PACS requests: ${pacsWait.interval()}`);
      if (dbWait) console.log(`    database: ${dbWait.interval()}; ${loopLag.interval()}`);
      lastLog = Date.now();
      lastLeft = left;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const sweepS = (Date.now() - end.getTime()) / 1000;
  const used = cpu.read();
  const byThread = cpu.threads();
  if (profiler) await profiler.stop(values.profile!);

  const providers = (await api('GET', `/v1/locations/${demo.locationId}/providers`)).body.items as Array<{
    id: string;
    kind: Kind;
    maxConcurrentRequests?: number;
  }>;
  console.log(`end-of-day sweep: ${VISITS} visits at ${LATENCY} ms per request → all switched off and released ${sweepS.toFixed(1)} s after the end of day`);
  let bound = 0;
  const peaks: SweepResult['peaks'] = [];
  for (const kind of KINDS) {
    const stats = await sim(kind, 'GET', '/stats');
    const provider = providers.find((p) => p.kind === kind);
    const limit = provider?.maxConcurrentRequests ?? 4;
    const perVisit = stats.requests / (VISITS / 2);
    const kindBound = ((VISITS / 2) * perVisit * LATENCY) / 1000 / limit;
    bound = Math.max(bound, kindBound);
    peaks.push({ kind, peak: stats.peakConcurrency, limit });
    console.log(
      `  ${kind.padEnd(8)} ${stats.requests} requests (${perVisit.toFixed(1)} per deprovision), peak in flight ${stats.peakConcurrency} (provider limit ${limit}), connections ${stats.connections}; bound ${kindBound.toFixed(1)} s`,
    );
    console.log(`           by route: ${routes(stats)}`);
  }
  console.log(`  sweep / bound: ${(sweepS / Math.max(0.001, bound)).toFixed(2)}× (target ≤ 1.2×)`);
  console.log(`  CPU from 3 s before the end of day to the last release: ${used}`);
  console.log(`  the service process by thread: ${byThread}`);
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
  if (values.json) {
    const result: SweepResult = {
      visits: VISITS,
      latencyMs: LATENCY,
      database: database ? 'PostgreSQL' : 'PGlite',
      sweepS,
      boundS: bound,
      peerS: peer.secs,
      peaks,
    };
    fs.writeFileSync(values.json, JSON.stringify(result));
  }
  await svc.stop();
  if (database) await database.drop();
  process.exit(0);
}

/** What `--json` writes, for `npm run bench` to put in its summary and targets. */
export interface SweepResult {
  visits: number;
  latencyMs: number;
  database: 'PostgreSQL' | 'PGlite';
  /** From the end of the day to the last visit released. */
  sweepS: number;
  /** The slowest provider's requests × latency ÷ its concurrency. */
  boundS: number;
  peerS: number;
  peaks: Array<{ kind: Kind; peak: number; limit: number }>;
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

/**
 * CPU seconds of each process from now until `read()`, and as cores over that time; `interval()` the cores
 * since its previous call (where a slow stretch of the sweep went); `threads()` the service process by thread.
 */
function cpuMeter(svc: Awaited<ReturnType<typeof startBenchService>>, postgres: string | null, connector: number | null) {
  const dev = () => devServerPids(svc.running.temporalAddress);
  const pgPids = () => (postgres ? postgresPids(postgres) : []);
  const snapshot = () => {
    const own = process.cpuUsage();
    return {
      at: Date.now(),
      // CPU seconds by process, in the order printed.
      secs: [
        ['service process (API, worker' + (postgres ? ')' : ', PGlite)'), (own.user + own.system) / 1e6],
        ...(connector ? [['connector worker (PACS activities)', cpuTicks(connector) / 100] as const] : []),
        ['Temporal dev server', ticksOf(dev) / 100],
        ...(postgres ? [['PostgreSQL', ticksOf(pgPids) / 100] as const] : []),
        ['simulators (not ours)', ticksOf(svc.simulatorPids) / 100],
      ] as Array<readonly [string, number]>,
    };
  };
  /** Each process's CPU between two snapshots; a PostgreSQL backend that exited takes its ticks with it: never below 0. */
  const between = (a: ReturnType<typeof snapshot>, b: ReturnType<typeof snapshot>) => {
    const wall = Math.max(0.001, (b.at - a.at) / 1000);
    return { wall, parts: b.secs.map(([name, s], k) => [name, Math.max(0, s - a.secs[k][1])] as const) };
  };
  const start = snapshot();
  let last = start;
  const threads0 = threadTicks(process.pid);
  return {
    threads() {
      const secs = (Date.now() - start.at) / 1000;
      const rows = [...threadTicks(process.pid)].map(([name, t]) => [name, (t - (threads0.get(name) ?? 0)) / 100] as const).filter(([, s]) => s >= 0.1);
      return rows
        .sort((a, b) => b[1] - a[1])
        .map(([name, s]) => `${name} ${s.toFixed(1)} s (${(s / secs).toFixed(2)} cores)`)
        .join(', ');
    },
    interval() {
      const now = snapshot();
      const { wall, parts } = between(last, now);
      last = now;
      return `cores: ${parts.map(([name, s]) => `${name.replace(/ \(.*/, '')} ${(s / wall).toFixed(2)}`).join(', ')}`;
    },
    read() {
      const { wall, parts } = between(start, snapshot());
      return parts.map(([name, s]) => `${name} ${s.toFixed(1)} s (${(s / wall).toFixed(2)} cores)`).join(', ');
    },
  };
}

/**
 * The SDK core's metrics (BENCH_CORE_METRICS): free task slots now, and the mean of each latency since the
 * previous `interval()`: where a visit's end waits inside the worker and before it.
 */
function coreMeter(address: string) {
  let last = new Map<string, number>();
  const read = async () => {
    const text = await (await fetch(`http://${address}/metrics`)).text();
    const m = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const i = line.lastIndexOf(' ');
      const key = line
        .slice(0, i)
        .replace(/,?(namespace|task_queue|service_name|activity_type|workflow_type)="[^"]*"/g, '')
        .replace('{,', '{');
      m.set(key, (m.get(key) ?? 0) + Number(line.slice(i + 1)));
    }
    return m;
  };
  return {
    async interval() {
      const now = await read();
      const parts: string[] = [];
      for (const [key, v] of now) {
        const slots = key.match(/^temporal_worker_task_slots_available\{.*worker_type="(\w+)"/);
        if (slots) parts.push(`free ${slots[1]} slots ${v}`);
        const sum = key.match(/^(temporal_\w+_latency)_sum(\{.*\})?$/);
        if (sum) {
          const countKey = key.replace('_sum', '_count');
          const n = (now.get(countKey) ?? 0) - (last.get(countKey) ?? 0);
          if (n > 0)
            parts.push(
              `${sum[1].replace('temporal_', '')}${sum[2] && sum[2] !== '{}' ? sum[2] : ''} ${n}× mean ${((v - (last.get(key) ?? 0)) / n).toFixed(0)} ms`,
            );
        }
        if (/^temporal_(sticky_cache_size|num_pollers)/.test(key)) parts.push(`${key.replace('temporal_', '')} ${v}`);
      }
      last = now;
      return parts.join('; ');
    },
  };
}

/**
 * Our PACS requests seen through undici's diagnostics channels, per provider: how many a second, how long
 * each took from the moment one of the provider's connections took it to its answer, and how many were
 * outstanding on average. Requests still waiting for a free connection are not counted: undici creates a
 * request only when a connection takes it. Near the provider's connection limit, the connections are busy
 * and a request longer than the simulator's latency is time our side or the simulator's took.
 */
function pacsMeter(kindOf: Record<string, string>) {
  const began = new WeakMap<object, number>();
  const acc = new Map<string, { n: number; ms: number }>();
  let since = performance.now();
  const kind = (request: { origin?: unknown }) => kindOf[String(request.origin)];
  diagnostics.channel('undici:request:create').subscribe((m) => {
    const { request } = m as { request: { origin?: unknown } };
    if (kind(request)) began.set(request, performance.now());
  });
  const done = (m: unknown) => {
    const { request } = m as { request: { origin?: unknown } };
    const t = began.get(request);
    if (t === undefined) return;
    began.delete(request);
    const a = acc.get(kind(request)) ?? { n: 0, ms: 0 };
    a.n++;
    a.ms += performance.now() - t;
    acc.set(kind(request), a);
  };
  diagnostics.channel('undici:request:trailers').subscribe(done);
  diagnostics.channel('undici:request:error').subscribe(done);
  return {
    interval() {
      const secs = (performance.now() - since) / 1000;
      since = performance.now();
      const text = [...acc]
        .map(([k, a]) => `${k} ${a.n} (${(a.n / secs).toFixed(1)}/s), ${(a.ms / a.n).toFixed(0)} ms each, ${(a.ms / 1000 / secs).toFixed(1)} outstanding`)
        .join('; ');
      acc.clear();
      return text;
    },
  };
}

/** The service's SQL (bench/statements.ts): how many were answered, how long each took, how many outstanding. */
function queryMeter() {
  const times = statementTimes();
  let since = performance.now();
  return {
    interval() {
      const secs = (performance.now() - since) / 1000;
      since = performance.now();
      const { answered: n, ms } = times();
      return `${n} statements (${(n / secs).toFixed(0)}/s), ${(ms / Math.max(1, n)).toFixed(1)} ms each, ${(ms / 1000 / secs).toFixed(1)} outstanding`;
    },
  };
}

/** This process's event-loop delay (the service's main thread): how late a ready callback ran. */
function lagMeter() {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  return {
    interval() {
      const text = `event-loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(0)} ms`;
      h.reset();
      return text;
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

/**
 * A worker's memory with open visits: the worker runs as its own process (`npm run worker`, as in a
 * deployment), beside a service started with EMBEDDED_WORKER=false on a fresh PostgreSQL database (PGlite
 * cannot be shared between processes). Signs in `--visits` visits and leaves them open (each waits for
 * its sign-out or its end of day, as at a busy site by mid-afternoon), sampling the worker's memory after a
 * full collection as they accumulate (bench/worker-probe.ts), then prints the growth and the marginal cost
 * of one more open visit, per 10,000.
 *
 *   npm run bench:memory -- [--visits 2000] [--concurrency 20] [--cache <WORKER_MAX_CACHED_WORKFLOWS>]
 *
 * PostgreSQL: BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres (a database
 * vb_mem_<time> is created there and dropped afterwards). Prints figures; asserts nothing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { freePort, startDevServer } from '../src/temporal/dev-server';
import { postgresDatabase, startBenchService } from './service';

const { values } = parseArgs({
  options: {
    visits: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '20' },
    cache: { type: 'string' },
    json: { type: 'string' },
  },
});
const VISITS = Number(values.visits);
const CONCURRENCY = Number(values.concurrency);

async function main() {
  const db = await postgresDatabase('vb_mem');
  if ('unreachable' in db) throw new Error(`PostgreSQL at BENCH_DATABASE_URL is needed (a worker apart cannot share PGlite): ${db.unreachable}`);
  const databaseUrl = db.url;

  // The worker first (it only needs Temporal and the database's address), so the demo seed's provider
  // checks find one; then the service, API only, on the same Temporal and database.
  const dev = await startDevServer({ port: await freePort(), uiPort: await freePort(), headless: true });
  const secretsKey = crypto.randomBytes(32).toString('base64');
  const cache = values.cache ?? process.env.WORKER_MAX_CACHED_WORKFLOWS;
  const shared = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: dev.address, SECRETS_KEY: secretsKey };
  const worker = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/worker-probe.ts'], {
    env: { ...process.env, ...shared, LOG_LEVEL: 'error', ...(cache !== undefined ? { WORKER_MAX_CACHED_WORKFLOWS: cache } : {}) },
    // The SDK logs its worker's state changes at INFO: kept out of the figures, and shown if the worker dies.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let workerLog = '';
  worker.stderr!.on('data', (b: Buffer) => (workerLog = (workerLog + b.toString()).slice(-4000)));
  let stopping = false;
  worker.once('exit', (code, signal) => {
    if (!stopping) console.error(`the worker exited (code ${code}, signal ${signal}):\n${workerLog}`);
  });
  const svc = await startBenchService({ databaseUrl, env: { ...shared, EMBEDDED_WORKER: 'false' } });
  /** The worker's memory right after a full collection: RSS (what the kernel charges it) and the JS heap. */
  const probe = () =>
    new Promise<{ rss: number; heap: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the worker did not answer the memory probe')), 10_000);
      worker.once('message', (m: { probe: NodeJS.MemoryUsage }) => {
        clearTimeout(timer);
        resolve({ rss: m.probe.rss / 1048576, heap: m.probe.heapUsed / 1048576 });
      });
      worker.send('probe');
    });
  try {
    const badges = await svc.addBadges(VISITS + 20);
    // Warm-up: 20 whole visits, so the bundle, the JIT and the pools are what they will be.
    for (let i = 0; i < 20; i++) {
      const id = await svc.signIn(badges[VISITS + i], VISITS + i);
      const out = await svc.asReception('POST', `/v1/visits/${id}/sign-out`, undefined, { prefer: 'wait=30' });
      if (out.body.status !== 'completed') await svc.waitFor(id, 'completed');
    }
    await new Promise((r) => setTimeout(r, 5_000));
    const idle = await probe();
    const mib = (m: { rss: number; heap: number }) => `RSS ${m.rss.toFixed(0)} MiB, heap ${m.heap.toFixed(0)} MiB`;
    console.log(`worker (separate process, PostgreSQL), workflow cache: ${cache ?? '100 (the default)'}; after warm-up, no open visit: ${mib(idle)}`);

    const samples: Array<{ open: number; rss: number; heap: number }> = [{ open: 0, ...idle }];
    let next = 0;
    let open = 0;
    let sampling = Promise.resolve();
    const t0 = Date.now();
    const step = Math.max(1, Math.floor(VISITS / 10));
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < VISITS) {
          const n = next++;
          await svc.signIn(badges[n], n);
          if (++open % step === 0) {
            const at = open;
            sampling = sampling.then(async () => {
              const m = await probe();
              samples.push({ open: at, ...m });
              console.log(`  ${at} open visits: ${mib(m)}`);
            });
          }
        }
      }),
    );
    await sampling;
    const signInS = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 10_000));
    const settled = await probe();
    samples.push({ open: VISITS, ...settled });
    console.log(`  ${VISITS} open visits signed in in ${signInS.toFixed(0)} s (${(VISITS / signInS).toFixed(2)} visits/s); 10 s later: ${mib(settled)}`);
    // The marginal cost of one more open visit: the slope over the second half of the samples, once a
    // bounded cache has filled (its fixed size is the difference from the start, printed first).
    const tail = samples.filter((x) => x.open >= VISITS / 2);
    // With its standard error: RSS moves by ±10–20 MiB between samples whatever the visits do (the allocator),
    // which over 1,000 visits is about ±70–90 MiB per 10,000, and over 5,000 still about ±45.
    const slope = (key: 'rss' | 'heap') => {
      const mx = tail.reduce((t, x) => t + x.open, 0) / tail.length;
      const my = tail.reduce((t, x) => t + x[key], 0) / tail.length;
      const num = tail.reduce((t, x) => t + (x.open - mx) * (x[key] - my), 0);
      const den = tail.reduce((t, x) => t + (x.open - mx) ** 2, 0);
      const b = num / den;
      const residuals = tail.reduce((t, x) => t + (x[key] - my - b * (x.open - mx)) ** 2, 0);
      const se = tail.length > 2 ? Math.sqrt(residuals / (tail.length - 2) / den) : NaN;
      return { kib: b * 1024, seKib: se * 1024 }; // KiB per open visit
    };
    console.log(
      `  growth from no open visit to ${VISITS}: RSS +${(settled.rss - idle.rss).toFixed(0)} MiB, heap +${(settled.heap - idle.heap).toFixed(0)} MiB`,
    );
    const slopes = { rss: slope('rss'), heap: slope('heap') };
    for (const key of ['rss', 'heap'] as const) {
      const { kib, seKib } = slopes[key];
      console.log(
        `  marginal ${key === 'rss' ? 'RSS' : 'heap'} per open visit (slope from ${VISITS / 2} to ${VISITS}): ${kib.toFixed(1)} KiB = ${toPer10k(kib).toFixed(0)} ± ${toPer10k(seKib).toFixed(0)} MiB per 10,000 open visits (target ≤ 50 MB)`,
      );
    }
    if (values.json) {
      const result: MemoryResult = {
        visits: VISITS,
        idleRssMiB: idle.rss,
        openRssMiB: settled.rss,
        rssPer10kMiB: toPer10k(slopes.rss.kib),
        rssPer10kStdErrMiB: toPer10k(slopes.rss.seKib),
        heapPer10kMiB: toPer10k(slopes.heap.kib),
      };
      fs.writeFileSync(values.json, JSON.stringify(result));
    }
  } finally {
    stopping = true;
    if (worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      // A worker still draining after 30 s is killed: the figures are printed, and nothing may be left running.
      const timer = setTimeout(() => worker.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await svc.stop();
    await dev.stop();
    await db.drop();
  }
  process.exit(0);
}

/** KiB per open visit as MiB per 10,000 open visits. */
const toPer10k = (kib: number) => (kib * 10_000) / 1024;

/** What `--json` writes, for `npm run bench` to put in its summary and targets. */
export interface MemoryResult {
  visits: number;
  /** The worker after a full collection, with no open visit and with `visits` open. */
  idleRssMiB: number;
  openRssMiB: number;
  /** The marginal cost of more open visits (the slope over the second half), per 10,000. */
  rssPer10kMiB: number;
  /** The slope's standard error, per 10,000: RSS is noisy, and a few thousand visits measure it coarsely. */
  rssPer10kStdErrMiB: number;
  heapPer10kMiB: number;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

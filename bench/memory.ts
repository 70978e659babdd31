/**
 * A worker's memory with open visits: the worker runs as its own process (`npm run worker`, as in a
 * deployment), beside a service started with EMBEDDED_WORKER=false on a fresh PostgreSQL database (PGlite
 * cannot be shared between processes). Signs in `--visits` visits and leaves them open (each waits for
 * its sign-out or its end of day, as at a busy site by mid-afternoon), sampling the worker's RSS as they
 * accumulate, then prints the growth per open visit and per 10,000.
 *
 *   npm run bench:memory -- [--visits 2000] [--concurrency 20] [--cache <WORKER_MAX_CACHED_WORKFLOWS>]
 *
 * PostgreSQL: BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres (a database
 * vb_mem_<time> is created there and dropped afterwards). Prints figures; asserts nothing.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client as PgClient } from 'pg';
import { freePort, startDevServer } from '../src/temporal/dev-server';
import { startBenchService } from './service';

const { values } = parseArgs({
  options: { visits: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '20' }, cache: { type: 'string' } },
});
const VISITS = Number(values.visits);
const CONCURRENCY = Number(values.concurrency);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Resident set size of a process, from /proc (what the kernel charges it, heap and native alike). */
function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function main() {
  const dbName = `vb_mem_${Date.now()}`;
  const admin = new PgClient({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();

  // The worker first (it only needs Temporal and the database's address), so the demo seed's provider
  // checks find one; then the service, API only, on the same Temporal and database.
  const dev = await startDevServer({ port: await freePort(), uiPort: await freePort(), headless: true });
  const secretsKey = crypto.randomBytes(32).toString('base64');
  const cache = values.cache ?? process.env.WORKER_MAX_CACHED_WORKFLOWS;
  const shared = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: dev.address, SECRETS_KEY: secretsKey };
  const worker = spawn(path.join('node_modules', '.bin', 'tsx'), ['src/worker.ts'], {
    env: { ...process.env, ...shared, LOG_LEVEL: 'error', ...(cache !== undefined ? { WORKER_MAX_CACHED_WORKFLOWS: cache } : {}) },
    // The SDK logs its worker's state changes at INFO: kept out of the figures, and shown if the worker dies.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let workerLog = '';
  worker.stderr!.on('data', (b: Buffer) => (workerLog = (workerLog + b.toString()).slice(-4000)));
  worker.once('exit', (code) => {
    if (code) console.error(`the worker exited (code ${code}):\n${workerLog}`);
  });
  const svc = await startBenchService({ databaseUrl, env: { ...shared, EMBEDDED_WORKER: 'false' } });
  // tsx runs the worker in a child node process: measure the process that holds the workflows.
  const workerPid = async () => {
    for (let i = 0; i < 100; i++) {
      const kids = fs.existsSync(`/proc/${worker.pid}/task/${worker.pid}/children`)
        ? fs.readFileSync(`/proc/${worker.pid}/task/${worker.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
        : [];
      if (kids.length) return Number(kids[kids.length - 1]);
      await new Promise((r) => setTimeout(r, 100));
    }
    return worker.pid!;
  };
  try {
    const pid = await workerPid();
    const badges = await svc.addBadges(VISITS + 20);
    // Warm-up: 20 whole visits, so the bundle, the JIT and the pools are what they will be.
    for (let i = 0; i < 20; i++) {
      const id = await svc.signIn(badges[VISITS + i], VISITS + i);
      const out = await svc.asReception('POST', `/v1/visits/${id}/sign-out`, undefined, { prefer: 'wait=30' });
      if (out.body.status !== 'completed') await svc.waitFor(id, 'completed');
    }
    await new Promise((r) => setTimeout(r, 5_000));
    const idle = rssMiB(pid);
    console.log(`worker (separate process, PostgreSQL), cache: ${cache ?? 'the SDK default'}; RSS after warm-up, no open visit: ${idle.toFixed(0)} MiB`);

    const samples: Array<{ open: number; rss: number }> = [{ open: 0, rss: idle }];
    let next = 0;
    let open = 0;
    const t0 = Date.now();
    const step = Math.max(1, Math.floor(VISITS / 5));
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < VISITS) {
          const n = next++;
          await svc.signIn(badges[n], n);
          open++;
          if (open % step === 0) {
            samples.push({ open, rss: rssMiB(pid) });
            console.log(`  ${open} open visits: worker RSS ${samples[samples.length - 1].rss.toFixed(0)} MiB`);
          }
        }
      }),
    );
    const signInS = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 10_000));
    const settled = rssMiB(pid);
    const perVisitKiB = ((settled - idle) * 1024) / VISITS;
    console.log(
      `  ${VISITS} open visits signed in in ${signInS.toFixed(0)} s (${(VISITS / signInS).toFixed(2)} visits/s); worker RSS after 10 s: ${settled.toFixed(0)} MiB`,
    );
    console.log(
      `  growth: ${(settled - idle).toFixed(0)} MiB for ${VISITS} open visits = ${perVisitKiB.toFixed(1)} KiB per open visit = ${((perVisitKiB * 10_000) / 1024).toFixed(0)} MiB per 10,000 (target ≤ 50 MB)`,
    );
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await svc.stop();
    await dev.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

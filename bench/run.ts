/**
 * Benchmark: the whole service as `npm start` runs it (embedded PGlite, a Temporal dev server, both
 * simulators, worker, API), driven over HTTP. Prints figures; asserts nothing (these machines are noisy).
 *
 *   npm run bench -- [--visits 40] [--concurrency 10] [--latency 0]
 *
 * --latency adds that many ms to every simulator request (the simulators' default is 0).
 * With DATABASE_URL set it runs on that PostgreSQL database instead of the embedded PGlite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging';
import { freePort } from '../src/temporal/dev-server';
import { start } from '../src/main';

const { values } = parseArgs({
  options: { visits: { type: 'string', default: '40' }, concurrency: { type: 'string', default: '10' }, latency: { type: 'string', default: '0' } },
});
const VISITS = Number(values.visits);
const CONCURRENCY = Number(values.concurrency);
const LATENCY = Number(values.latency);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main() {
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-bench-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    ONGUARD_SIM_PORT: String(await freePort()),
    GENETEC_SIM_PORT: String(await freePort()),
    LOG_LEVEL: 'error',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, SIMULATORS: 'true', DEMO_SEED: 'true' } : {}),
  });
  console.log(`database: ${config.database.kind}`);
  const t0 = Date.now();
  const running = await start(config, createLogger('error'));
  console.log(`start-up (dev server, ${config.database.kind}, simulators, worker, API, demo seed): ${Date.now() - t0} ms`);
  const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(running.apiUrl + p, {
      method,
      headers: { authorization: `Bearer ${demo.admin}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const rt = { token: demo.receptionist };
  const asReception = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(running.apiUrl + p, {
      method,
      headers: { authorization: `Bearer ${rt.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  for (const origin of [running.simulators.onguard!, running.simulators.genetec!.replace(/\/WebSdk$/, '')]) {
    await fetch(`${origin}/__sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: LATENCY }) });
  }

  // Enough pool badges for the run, alternating between the two PACS.
  const pools: Record<string, { providerId: string; typeId: string; rule: string; first: number }> = {};
  const providers = (await api('GET', `/v1/locations/${demo.locationId}/providers`)).body.items as any[];
  for (const p of providers) {
    const types = (await api('GET', `/v1/providers/${p.id}/badge-types`)).body.items as any[];
    const type = p.kind === 'onguard' ? types.find((t) => t.name === 'Visitor') : types.find((t) => /26/.test(t.name));
    pools[p.kind] = { providerId: p.id, typeId: type.id, rule: demo.accessRules[p.kind][0], first: p.kind === 'onguard' ? 1100 : 2100 };
  }
  const badges: Array<{ id: string; kind: string }> = [];
  for (let i = 0; i < VISITS; i++) {
    const kind = i % 2 ? 'genetec' : 'onguard';
    const pool = pools[kind];
    const b = await api('POST', `/v1/providers/${pool.providerId}/badges`, { name: `Bench ${i}`, uniqueId: String(pool.first + i), badgeTypeId: pool.typeId });
    badges.push({ id: b.body.id, kind });
  }

  const waitFor = async (id: string, status: string) => {
    for (;;) {
      const v = await asReception('GET', `/v1/visits/${id}`);
      if (v.body.status === status) return;
      if (v.body.status === 'provision_failed') throw new Error(JSON.stringify(v.body.lastError));
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const toActive: Record<string, number[]> = { onguard: [], genetec: [] };
  const toCompleted: number[] = [];
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const tRun = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < badges.length) {
        const b = badges[next++];
        const t = Date.now();
        const v = await asReception('POST', '/v1/visits', {
          locationId: demo.locationId,
          badgeId: b.id,
          accessRuleIds: [pools[b.kind].rule],
          visitor: { firstName: 'Bench', lastName: `Visitor${next}`, email: `bench${next}@example.com` },
        });
        if (v.status !== 202) throw new Error(JSON.stringify(v.body));
        await waitFor(v.body.id, 'active');
        toActive[b.kind].push(Date.now() - t);
        const t2 = Date.now();
        await asReception('POST', `/v1/visits/${v.body.id}/sign-out`);
        await waitFor(v.body.id, 'completed');
        toCompleted.push(Date.now() - t2);
      }
    }),
  );
  clearInterval(sampler);
  const secs = (Date.now() - tRun) / 1000;
  console.log(`visits: ${VISITS}, concurrency ${CONCURRENCY}, simulator latency ${LATENCY} ms per request`);
  for (const kind of ['onguard', 'genetec']) {
    const xs = toActive[kind];
    console.log(`  ${kind.padEnd(8)} sign-in → badge active: p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms, max ${Math.max(...xs)} ms (n=${xs.length})`);
  }
  console.log(`  sign-out → badge off and released: p50 ${pct(toCompleted, 50)} ms, p95 ${pct(toCompleted, 95)} ms`);
  console.log(`  throughput: ${(VISITS / secs).toFixed(2)} complete visits/s; peak RSS ${(peakRss / 1048576).toFixed(0)} MiB (one process: API, worker, PGlite, simulators)`);
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

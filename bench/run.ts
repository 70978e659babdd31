/**
 * Benchmark: the whole service as `npm start` runs it (embedded PGlite, a Temporal dev server, both
 * simulators, worker, API), driven over HTTP, against a direct synchronous peer measured in the same
 * run: the project's own PACS clients called in sequence with no Temporal and no database — what a
 * simple integration costs. Prints figures and ratios; asserts nothing (these machines are noisy).
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
import { createPacsAdapter } from '../src/pacs/registry';
import type { PacsAdapter } from '../src/pacs/types';

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
  const asReception = async (method: string, p: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(running.apiUrl + p, {
      method,
      headers: { authorization: `Bearer ${rt.token}`, 'content-type': 'application/json', ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const simOrigins: Record<string, string> = { onguard: running.simulators.onguard!, genetec: running.simulators.genetec!.replace(/\/WebSdk$/, '') };
  for (const origin of Object.values(simOrigins)) {
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
  const simStats = async () => {
    const out: Record<string, number> = {};
    for (const [kind, origin] of Object.entries(simOrigins)) {
      out[kind] = ((await (await fetch(`${origin}/__sim/stats`)).json()) as { requests: number }).requests;
    }
    return out;
  };
  const before = await simStats();
  const tRun = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < badges.length) {
        const b = badges[next++];
        const t = Date.now();
        // One call each (Prefer: wait), as a guestbook would; a slower outcome falls back to polling.
        const v = await asReception(
          'POST',
          '/v1/visits',
          {
            locationId: demo.locationId,
            badgeId: b.id,
            accessRuleIds: [pools[b.kind].rule],
            visitor: { firstName: 'Bench', lastName: `Visitor${next}`, email: `bench${next}@example.com` },
          },
          { prefer: 'wait=30' },
        );
        if (v.status !== 201 && v.status !== 202) throw new Error(JSON.stringify(v.body));
        if (v.body.status !== 'active') await waitFor(v.body.id, 'active');
        toActive[b.kind].push(Date.now() - t);
        const t2 = Date.now();
        const out = await asReception('POST', `/v1/visits/${v.body.id}/sign-out`, undefined, { prefer: 'wait=30' });
        if (out.body.status !== 'completed') await waitFor(v.body.id, 'completed');
        toCompleted.push(Date.now() - t2);
      }
    }),
  );
  clearInterval(sampler);
  const secs = (Date.now() - tRun) / 1000;
  const after = await simStats();

  // The direct peer: the same PACS work, same concurrency, through our clients with nothing around them.
  const direct = await directPeer(simOrigins, running.simulators, VISITS, CONCURRENCY);

  console.log(`visits: ${VISITS}, concurrency ${CONCURRENCY}, simulator latency ${LATENCY} ms per request`);
  for (const kind of ['onguard', 'genetec']) {
    const xs = toActive[kind];
    const d = direct.toActive[kind];
    console.log(
      `  ${kind.padEnd(8)} sign-in → badge active: ours p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms (n=${xs.length}) | direct p50 ${pct(d, 50)} ms, p95 ${pct(d, 95)} ms | ratio p50 ${(pct(xs, 50) / Math.max(1, pct(d, 50))).toFixed(1)}×`,
    );
    const perVisit = (after[kind] - before[kind]) / xs.length;
    console.log(`  ${kind.padEnd(8)} PACS requests per visit (sign-in + sign-out): ours ${perVisit.toFixed(1)} | direct ${direct.requestsPerVisit[kind].toFixed(1)}`);
  }
  console.log(
    `  sign-out → badge off and released: ours p50 ${pct(toCompleted, 50)} ms, p95 ${pct(toCompleted, 95)} ms | direct p50 ${pct(direct.toReleased, 50)} ms | ratio p50 ${(pct(toCompleted, 50) / Math.max(1, pct(direct.toReleased, 50))).toFixed(1)}×`,
  );
  console.log(
    `  throughput: ours ${(VISITS / secs).toFixed(2)} complete visits/s | direct ${direct.throughput.toFixed(2)} visits/s | ratio ${(direct.throughput / (VISITS / secs)).toFixed(1)}×; peak RSS ${(peakRss / 1048576).toFixed(0)} MiB (one process: API, worker, PGlite, simulators)`,
  );
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

/** The seeds' checks, issue and grant, then revoke and deactivate: our clients in sequence, per visit. */
async function directPeer(origins: Record<string, string>, urls: { onguard?: string; genetec?: string }, visits: number, concurrency: number) {
  const adapters: Record<string, PacsAdapter> = {
    onguard: createPacsAdapter({ kind: 'onguard', url: urls.onguard!, username: 'admin', password: 'onguard-sim-password', applicationId: 'OPEN_ACCESS_NON_PRODUCTION', tls: { verify: true }, maxConcurrentRequests: 4 }),
    genetec: createPacsAdapter({ kind: 'genetec', url: urls.genetec!, username: 'admin', password: 'genetec-sim-password', applicationId: 'VB-SIMULATOR-APP-ID', tls: { verify: true }, maxConcurrentRequests: 4 }),
  };
  const setup: Record<string, { type: { externalId: string; details?: Record<string, unknown> | null }; rule: string }> = {};
  for (const [kind, a] of Object.entries(adapters)) {
    const types = await a.listBadgeTypes();
    const t = kind === 'onguard' ? types.find((x) => x.name === 'Visitor')! : types.find((x) => /26/.test(x.name) && x.manualEntry)!;
    const rules = await a.listAccessRules();
    setup[kind] = { type: { externalId: t.externalId, details: t.details ?? null }, rule: (rules.find((r) => r.name === 'Lobby visitors') ?? rules[0]).externalId };
  }
  const count = async (kind: string) => ((await (await fetch(`${origins[kind]}/__sim/stats`)).json()) as { requests: number }).requests;
  const before = { onguard: await count('onguard'), genetec: await count('genetec') };
  const toActive: Record<string, number[]> = { onguard: [], genetec: [] };
  const toReleased: number[] = [];
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < visits) {
        const i = next++;
        const kind = i % 2 ? 'genetec' : 'onguard';
        const a = adapters[kind];
        const uniqueId = String((kind === 'onguard' ? 1600 : 2600) + i);
        const t = Date.now();
        await a.listBadgeTypes();
        await a.listAccessRules();
        const { personId } = await a.findOrCreateVisitor({ visitId: `direct-${i}-${t0}`, firstName: 'Direct', lastName: `Peer${i}`, email: `direct${i}.${t0}@example.com` });
        await a.lookupBadge(uniqueId, setup[kind].type);
        await a.activeBadgesOf(personId);
        const { credentialId } = await a.issueBadge({ personId, uniqueId, badgeType: setup[kind].type, activateAt: new Date(), deactivateAt: new Date(Date.now() + 3_600_000) });
        await a.grantAccess({ personId, credentialId, accessRuleExternalIds: [setup[kind].rule] });
        toActive[kind].push(Date.now() - t);
        const t2 = Date.now();
        await a.revokeAccess({ personId, credentialId, accessRuleExternalIds: [setup[kind].rule] });
        await a.deactivateBadge({ personId, credentialId });
        toReleased.push(Date.now() - t2);
      }
    }),
  );
  const throughput = visits / ((Date.now() - t0) / 1000);
  const requestsPerVisit: Record<string, number> = {
    onguard: ((await count('onguard')) - before.onguard) / Math.max(1, toActive.onguard.length),
    genetec: ((await count('genetec')) - before.genetec) / Math.max(1, toActive.genetec.length),
  };
  await Promise.all(Object.values(adapters).map((a) => a.close()));
  return { toActive, toReleased, throughput, requestsPerVisit };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

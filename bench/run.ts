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
import { parseArgs } from 'node:util';
import { createPacsAdapter } from '../src/pacs/registry';
import type { PacsAdapter } from '../src/pacs/types';
import { pct, startBenchService } from './service';

const { values } = parseArgs({
  options: { visits: { type: 'string', default: '40' }, concurrency: { type: 'string', default: '10' }, latency: { type: 'string', default: '0' } },
});
const VISITS = Number(values.visits);
const CONCURRENCY = Number(values.concurrency);
const LATENCY = Number(values.latency);

async function main() {
  const svc = await startBenchService();
  const { running, asReception, simOrigins, waitFor } = svc;
  await svc.setLatency(LATENCY);
  const badges = await svc.addBadges(VISITS);

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
        const visitId = await svc.signIn(b, next);
        toActive[b.kind].push(Date.now() - t);
        const t2 = Date.now();
        const out = await asReception('POST', `/v1/visits/${visitId}/sign-out`, undefined, { prefer: 'wait=30' });
        if (out.body.status !== 'completed') await waitFor(visitId, 'completed');
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
    console.log(
      `  ${kind.padEnd(8)} PACS requests per visit (sign-in + sign-out): ours ${perVisit.toFixed(1)} | direct ${direct.requestsPerVisit[kind].toFixed(1)}`,
    );
  }
  console.log(
    `  sign-out → badge off and released: ours p50 ${pct(toCompleted, 50)} ms, p95 ${pct(toCompleted, 95)} ms | direct p50 ${pct(direct.toReleased, 50)} ms | ratio p50 ${(pct(toCompleted, 50) / Math.max(1, pct(direct.toReleased, 50))).toFixed(1)}×`,
  );
  console.log(
    `  throughput: ours ${(VISITS / secs).toFixed(2)} complete visits/s | direct ${direct.throughput.toFixed(2)} visits/s | ratio ${(direct.throughput / (VISITS / secs)).toFixed(1)}×; peak RSS ${(peakRss / 1048576).toFixed(0)} MiB (one process: API, worker, PGlite, simulators)`,
  );
  await svc.stop();
  process.exit(0);
}

/** The seeds' checks, issue and grant, then revoke and deactivate: our clients in sequence, per visit. */
async function directPeer(origins: Record<string, string>, urls: { onguard?: string; genetec?: string }, visits: number, concurrency: number) {
  const adapters: Record<string, PacsAdapter> = {
    onguard: createPacsAdapter({
      kind: 'onguard',
      url: urls.onguard!,
      username: 'admin',
      password: 'onguard-sim-password',
      applicationId: 'OPEN_ACCESS_NON_PRODUCTION',
      tls: { verify: true },
      maxConcurrentRequests: 4,
    }),
    genetec: createPacsAdapter({
      kind: 'genetec',
      url: urls.genetec!,
      username: 'admin',
      password: 'genetec-sim-password',
      applicationId: 'VB-SIMULATOR-APP-ID',
      tls: { verify: true },
      maxConcurrentRequests: 4,
    }),
  };
  const setup: Record<string, { type: { externalId: string; details?: Record<string, unknown> | null }; rule: string }> = {};
  for (const [kind, a] of Object.entries(adapters)) {
    const types = await a.listBadgeTypes();
    const t = kind === 'onguard' ? types.find((x) => x.name === 'Visitor')! : types.find((x) => /26/.test(x.name) && x.manualEntry)!;
    const rules = await a.listAccessRules();
    setup[kind] = {
      type: { externalId: t.externalId, details: t.details ?? null },
      rule: (rules.find((r) => r.name === 'Lobby visitors') ?? rules[0]).externalId,
    };
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
        // The seeds' configuration check, as the precheck does it: this badge type and this rule, by ID.
        await a.getBadgeType(setup[kind].type.externalId, setup[kind].type.details);
        await a.findAccessRules([setup[kind].rule]);
        const { personId } = await a.findOrCreateVisitor({
          visitId: `direct-${i}-${t0}`,
          firstName: 'Direct',
          lastName: `Peer${i}`,
          email: `direct${i}.${t0}@example.com`,
        });
        await a.lookupBadge(uniqueId, setup[kind].type);
        await a.activeBadgesOf(personId);
        const { credentialId } = await a.issueBadge({
          personId,
          uniqueId,
          badgeType: setup[kind].type,
          activateAt: new Date(),
          deactivateAt: new Date(Date.now() + 3_600_000),
        });
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

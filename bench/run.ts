/**
 * Benchmark: the whole service as `npm start` runs it (a Temporal dev server, PGlite or PostgreSQL, worker,
 * API), against both simulators in processes of their own, driven over HTTP, against a direct synchronous peer measured in the same run:
 * the project's own PACS clients called in sequence with no Temporal and no database — what a simple
 * integration costs. One run prints the whole matrix; it asserts nothing (these machines are noisy).
 *
 *   npm run bench                      the whole matrix (about 7 minutes on 2 shared cores)
 *   npm run bench -- --quick           the same with few visits everywhere (a smoke run, about 2–3 minutes)
 *   npm run bench -- --only latency    or --only throughput, --only sweep, --only memory: one part
 *   npm run bench -- --sweep 5000      the end-of-day sweep at its full size (default 1,000; 0 leaves it out)
 *   npm run bench -- --cell [--visits 20] [--concurrency 1] [--latency 50]   one cell, ours then the peer
 *
 * 1. Requests per provision and per deprovision on each PACS, ours and the peer's, from the simulators'
 *    request counters (`GET /__sim/stats`) around each phase of one visit at a time; events per visit
 *    (history events, workflow tasks, activities, local-activity markers) from Temporal.
 * 2. Latency: at 0, 50 and 100 ms per simulator request, one at a time and ten at once, ours then the peer
 *    in each cell so that noise hits both: p50/p95 sign-in → active and sign-out → released per PACS, with
 *    the ratios to the peer and to the floor (the peer's sequential requests per phase × the latency).
 * 3. Throughput at 0 ms, concurrency 1, 10 and 30 (complete visits/s: sign-in and sign-out, each with
 *    `Prefer: wait`), with CPU per visit per process, on PGlite and then on PostgreSQL (BENCH_DATABASE_URL,
 *    default postgresql://postgres@127.0.0.1:5432/postgres: a fresh database is created and dropped).
 *
 * 4. The end-of-day sweep (`bench/sweep.ts`, in a process of its own: `--sweep` visits ending at the same
 *    minute, 50 ms per request, on PostgreSQL when reachable) with the direct peer's sweep beside it.
 * 5. A worker's memory with open visits (`bench/memory.ts`, the worker as its own process on PostgreSQL:
 *    `--memory-visits` open visits, default 2,000).
 *
 * Options: --visits-c1 20, --visits-c10 40 (per latency cell), --phase-visits 10 (requests/events pass),
 * --throughput-visits 30,100,150 (at concurrency 1, 10, 30), --sweep 1000, --memory-visits 2000 (0: left out).
 * `npm run bench:sweep` and `npm run bench:memory` run parts 4 and 5 alone, with more options.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../src/temporal/cli';
import { cmdlineOf, devServerPids, postgresPids, ticksOf } from './processes';
import type { MemoryResult } from './memory';
import { countStatements } from './statements';
import { BENCH_DATABASE_URL, directAdapters, type Kind, pct, postgresDatabase, postgresUnreachable, startBenchService } from './service';
import type { SweepResult } from './sweep';

const { values } = parseArgs({
  options: {
    cell: { type: 'boolean', default: false },
    visits: { type: 'string' },
    concurrency: { type: 'string' },
    latency: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'visits-c1': { type: 'string' },
    'visits-c10': { type: 'string' },
    'phase-visits': { type: 'string' },
    'throughput-visits': { type: 'string' },
    sweep: { type: 'string' },
    'memory-visits': { type: 'string' },
  },
});
const QUICK = values.quick;
const CELL = values.cell || values.visits !== undefined || values.concurrency !== undefined || values.latency !== undefined;
const ONLY = values.only;
const PARTS = ['latency', 'throughput', 'sweep', 'memory'] as const;
if (ONLY && !(PARTS as readonly string[]).includes(ONLY)) throw new Error(`--only ${PARTS.join(', ')}: not ${ONLY}`);
const part = (p: (typeof PARTS)[number]) => !ONLY || ONLY === p;
const num = (v: string | undefined, quick: number, full: number) => (v !== undefined ? Number(v) : QUICK ? quick : full);
const VISITS_C1 = num(values['visits-c1'], 4, 20);
const VISITS_C10 = num(values['visits-c10'], 10, 40);
const PHASE_VISITS = num(values['phase-visits'], 4, 10);
const THROUGHPUT_VISITS = (values['throughput-visits'] ?? (QUICK ? '6,20,30' : '30,100,150')).split(',').map(Number);
const THROUGHPUT_CONCURRENCY = [1, 10, 30];
const SWEEP_VISITS = num(values.sweep, 200, 1000);
const MEMORY_VISITS = num(values['memory-visits'], 400, 2000);
if (THROUGHPUT_VISITS.length !== 3 || !THROUGHPUT_VISITS.every((n) => n > 0))
  throw new Error('--throughput-visits: three numbers, for concurrency 1, 10 and 30');
const LATENCIES = [0, 50, 100];
const CONCURRENCIES = [1, 10];
const KINDS: Kind[] = ['onguard', 'genetec'];

type Service = Awaited<ReturnType<typeof startBenchService>>;
type PerKind = Record<Kind, number[]>;
const perKind = (): PerKind => ({ onguard: [], genetec: [] });
const kindOf = (i: number): Kind => (i % 2 ? 'genetec' : 'onguard');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;
const median = (xs: number[]) => (xs.length ? pct(xs, 50) : NaN);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
const p50p95 = (xs: number[]) => (xs.length ? `${pct(xs, 50)} / ${pct(xs, 95)}` : '—');

// ------------------------------------------------------------------------------------------- the service

/** Badge numbers handed out once per service, so that no two cells (ours or the peer's) share one. */
function numberAllocator() {
  let offset = 0;
  return (visits: number) => {
    const o = offset;
    offset += Math.ceil(visits / 2);
    return o;
  };
}

async function simRequests(svc: Service): Promise<Record<Kind, number>> {
  const out = {} as Record<Kind, number>;
  for (const kind of KINDS) out[kind] = ((await svc.sim(kind, 'GET', '/stats')) as { requests: number }).requests;
  return out;
}

/** Waits until neither simulator has answered a request for 300 ms (a phase's trailing requests are counted with it). */
async function settledRequests(svc: Service) {
  let last = await simRequests(svc);
  for (;;) {
    await sleep(300);
    const now = await simRequests(svc);
    if (KINDS.every((k) => now[k] === last[k])) return now;
    last = now;
  }
}

interface CellResult {
  toActive: PerKind;
  toReleased: PerKind;
  secs: number;
  visitIds: string[];
  /** With `countPhases`: PACS requests per provision and per deprovision, one entry per visit. */
  provisionRequests: PerKind;
  deprovisionRequests: PerKind;
}

type Badges = Awaited<ReturnType<Service['addBadges']>>;

/**
 * `visits` visits through our API, `concurrency` at a time: sign in (Prefer: wait), then sign out (Prefer: wait).
 * `badges`: added beforehand by the caller, so that their set-up stays out of what the caller measures.
 */
async function runOurs(
  svc: Service,
  take: (n: number) => number,
  visits: number,
  concurrency: number,
  countPhases = false,
  added?: Badges,
): Promise<CellResult> {
  if (countPhases && concurrency !== 1) throw new Error('counting requests per phase needs one visit at a time');
  const badges = added ?? (await svc.addBadges(visits, take(visits)));
  const r: CellResult = { toActive: perKind(), toReleased: perKind(), secs: 0, visitIds: [], provisionRequests: perKind(), deprovisionRequests: perKind() };
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < badges.length) {
        const i = next++;
        const b = badges[i];
        const s0 = countPhases ? await settledRequests(svc) : null;
        const t = Date.now();
        const visitId = await svc.signIn(b, i);
        r.toActive[b.kind].push(Date.now() - t);
        const s1 = countPhases ? await settledRequests(svc) : null;
        const t2 = Date.now();
        const out = await svc.asReception('POST', `/v1/visits/${visitId}/sign-out`, undefined, { prefer: 'wait=30' });
        if (out.body.status !== 'completed') await svc.waitFor(visitId, 'completed');
        r.toReleased[b.kind].push(Date.now() - t2);
        r.visitIds.push(visitId);
        if (s0 && s1) {
          const s2 = await settledRequests(svc);
          r.provisionRequests[b.kind].push(s1[b.kind] - s0[b.kind]);
          r.deprovisionRequests[b.kind].push(s2[b.kind] - s1[b.kind]);
        }
      }
    }),
  );
  r.secs = (Date.now() - t0) / 1000;
  return r;
}

/**
 * The direct peer: the seeds' checks, issue and grant, then revoke and deactivate — our PACS clients in
 * sequence per visit, with nothing around them (no Temporal, no database).
 */
async function directPeer(svc: Service) {
  const adapters = directAdapters(svc);
  const setup = {} as Record<Kind, { type: { externalId: string; details?: Record<string, unknown> | null }; rule: string }>;
  for (const kind of KINDS) {
    const a = adapters[kind];
    const types = await a.listBadgeTypes();
    const t = kind === 'onguard' ? types.find((x) => x.name === 'Visitor')! : types.find((x) => /26/.test(x.name) && x.manualEntry)!;
    const rules = await a.listAccessRules();
    setup[kind] = {
      type: { externalId: t.externalId, details: t.details ?? null },
      rule: (rules.find((x) => x.name === 'Lobby visitors') ?? rules[0]).externalId,
    };
  }
  let runs = 0;
  const run = async (take: (n: number) => number, visits: number, concurrency: number, countPhases = false): Promise<CellResult> => {
    if (countPhases && concurrency !== 1) throw new Error('counting requests per phase needs one visit at a time');
    const offset = take(visits);
    const tag = `${Date.now()}-${runs++}`;
    const r: CellResult = { toActive: perKind(), toReleased: perKind(), secs: 0, visitIds: [], provisionRequests: perKind(), deprovisionRequests: perKind() };
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < visits) {
          const i = next++;
          const kind = kindOf(i);
          const a = adapters[kind];
          const uniqueId = String(svc.pools[kind].first + offset + (i >> 1));
          const s0 = countPhases ? await simRequests(svc) : null;
          const t = Date.now();
          // The seeds' configuration check, as the precheck does it: this badge type and this rule, by ID.
          await a.getBadgeType(setup[kind].type.externalId, setup[kind].type.details);
          await a.findAccessRules([setup[kind].rule]);
          const { personId } = await a.findOrCreateVisitor({
            visitId: `direct-${tag}-${i}`,
            firstName: 'Direct',
            lastName: `Peer${i}`,
            email: `direct${i}.${tag}@example.com`,
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
          r.toActive[kind].push(Date.now() - t);
          const s1 = countPhases ? await simRequests(svc) : null;
          const t2 = Date.now();
          await a.revokeAccess({ personId, credentialId, accessRuleExternalIds: [setup[kind].rule] });
          await a.deactivateBadge({ personId, credentialId });
          r.toReleased[kind].push(Date.now() - t2);
          if (s0 && s1) {
            const s2 = await simRequests(svc);
            r.provisionRequests[kind].push(s1[kind] - s0[kind]);
            r.deprovisionRequests[kind].push(s2[kind] - s1[kind]);
          }
        }
      }),
    );
    r.secs = (Date.now() - t0) / 1000;
    return r;
  };
  return { run, close: () => Promise.all(Object.values(adapters).map((a) => a.close())) };
}

// ------------------------------------------------------------------------------------------- events per visit

/** EventType numbers (temporal.api.enums.v1.EventType). */
const EVENT = { WORKFLOW_TASK_COMPLETED: 7, ACTIVITY_TASK_SCHEDULED: 10 };

async function eventsPerVisit(svc: Service, visitIds: string[]) {
  const connection = await Connection.connect({ address: svc.running.temporalAddress });
  try {
    const client = new Client({ connection, namespace: svc.config.temporal.namespace });
    const totals = { events: [] as number[], workflowTasks: [] as number[], activities: [] as number[], markers: [] as number[], open: 0 };
    for (const id of visitIds) {
      const v = await svc.api('GET', `/v1/visits/${id}`);
      const handle = client.workflow.getHandle(v.body.workflowId as string);
      // The workflow may still be finishing after the visit reads completed: give it a moment to close.
      for (let tries = 0; tries < 50 && (await handle.describe()).status.name === 'RUNNING'; tries++) await sleep(100);
      if ((await handle.describe()).status.name === 'RUNNING') totals.open++;
      const events = (await handle.fetchHistory()).events ?? [];
      const count = (type: number) => events.filter((e) => Number(e.eventType) === type).length;
      totals.events.push(events.length);
      totals.workflowTasks.push(count(EVENT.WORKFLOW_TASK_COMPLETED));
      totals.activities.push(count(EVENT.ACTIVITY_TASK_SCHEDULED));
      // Patch markers (core_patch) are not local activities: only sdk-core's local-activity markers count.
      totals.markers.push(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length);
    }
    return totals;
  } finally {
    await connection.close();
  }
}

// ------------------------------------------------------------------------------------------- parts

interface Floors {
  provision: Record<Kind, number>;
  deprovision: Record<Kind, number>;
}

/** Requests per phase (one visit at a time, 0 ms) for ours and the peer, and events per visit for ours. */
async function phasePass(
  svc: Service,
  peer: Awaited<ReturnType<typeof directPeer>>,
  take: (n: number) => number,
  visits: number,
): Promise<{ floors: Floors; lines: string[] }> {
  await svc.setLatency(0);
  const ours = await runOurs(svc, take, visits, 1, true);
  const direct = await peer.run(take, visits, 1, true);
  const lines: string[] = [];
  const floors: Floors = { provision: { onguard: 0, genetec: 0 }, deprovision: { onguard: 0, genetec: 0 } };
  lines.push(`PACS requests per phase (${visits} visits one at a time at 0 ms; median, mean in brackets; from GET /__sim/stats):`);
  lines.push('| PACS | ours per provision | ours per deprovision | direct per provision | direct per deprovision |');
  lines.push('|---|---|---|---|---|');
  for (const kind of KINDS) {
    floors.provision[kind] = median(direct.provisionRequests[kind]);
    floors.deprovision[kind] = median(direct.deprovisionRequests[kind]);
    const cell = (xs: number[]) => `${fmt(median(xs))} (${fmt(mean(xs), 1)})`;
    lines.push(
      `| ${kind} | ${cell(ours.provisionRequests[kind])} | ${cell(ours.deprovisionRequests[kind])} | ${cell(direct.provisionRequests[kind])} | ${cell(direct.deprovisionRequests[kind])} |`,
    );
  }
  lines.push(
    `floor per phase = the direct peer's median requests × the latency: provision ${KINDS.map((k) => `${k} ${floors.provision[k]}`).join(', ')}; deprovision ${KINDS.map((k) => `${k} ${floors.deprovision[k]}`).join(', ')} requests`,
  );
  const ev = await eventsPerVisit(svc, ours.visitIds);
  lines.push(
    `events per visit (mean of ${ours.visitIds.length} completed visit workflows): ${fmt(mean(ev.events), 1)} history events, ${fmt(mean(ev.workflowTasks), 1)} workflow tasks, ${fmt(mean(ev.activities), 1)} activities, ${fmt(mean(ev.markers), 1)} local-activity markers${ev.open ? ` (${ev.open} still running when read)` : ''}`,
  );
  console.log(`\n${lines.join('\n')}`);
  return { floors, lines };
}

interface LatencyRow {
  latency: number;
  concurrency: number;
  kind: Kind;
  ours: CellResult;
  direct: CellResult;
}

function printCell(row: Omit<LatencyRow, 'kind'>, floors: Floors) {
  const { latency, concurrency, ours, direct } = row;
  console.log(
    `cell ${latency} ms × c${concurrency}: ours ${ours.visitIds.length} visits in ${ours.secs.toFixed(1)} s, direct ${fmt(direct.toActive.onguard.length + direct.toActive.genetec.length)} in ${direct.secs.toFixed(1)} s`,
  );
  for (const kind of KINDS) {
    const inFloor = floors.provision[kind] * latency;
    const outFloor = floors.deprovision[kind] * latency;
    console.log(
      `  ${kind.padEnd(8)} sign-in→active p50/p95 ours ${p50p95(ours.toActive[kind])} ms, direct ${p50p95(direct.toActive[kind])} ms, ours/direct ${ratio(median(ours.toActive[kind]), median(direct.toActive[kind]))}, ours/floor ${ratio(median(ours.toActive[kind]), inFloor)}; ` +
        `sign-out→released ours ${p50p95(ours.toReleased[kind])} ms, direct ${p50p95(direct.toReleased[kind])} ms, ours/direct ${ratio(median(ours.toReleased[kind]), median(direct.toReleased[kind]))}, ours/floor ${ratio(median(ours.toReleased[kind]), outFloor)}`,
    );
  }
}

function printLatencyTables(rows: LatencyRow[], floors: Floors) {
  for (const [title, pick, floor] of [
    ['sign-in → active', (r: CellResult, k: Kind) => r.toActive[k], floors.provision],
    ['sign-out → released', (r: CellResult, k: Kind) => r.toReleased[k], floors.deprovision],
  ] as const) {
    console.log(`\n${title} (ms; ratios of p50s; floor = the peer's requests per phase × latency)`);
    console.log('| latency | conc. | PACS | ours p50 / p95 | direct p50 / p95 | ours/direct | floor | ours/floor |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const o = pick(r.ours, r.kind);
      const d = pick(r.direct, r.kind);
      const f = floor[r.kind] * r.latency;
      console.log(
        `| ${r.latency} ms | ${r.concurrency} | ${r.kind} | ${p50p95(o)} | ${p50p95(d)} | ${ratio(median(o), median(d))} | ${r.latency ? f : '—'} | ${ratio(median(o), f)} |`,
      );
    }
  }
}

interface ThroughputRow {
  database: string;
  concurrency: number;
  visits: number;
  perSecond: number;
  cpuMs: { bench: number; temporal: number; postgres: number | null };
  /** The simulators' CPU per visit: the PACS's work, not ours, so not in the total. */
  simulatorsMs: number;
  /** SQL statements per visit (PostgreSQL only). */
  statements: number | null;
}

/** `postgres`: the database whose server processes' CPU to read, or null (PGlite, or not visible). */
async function throughputPart(svc: Service, take: (n: number) => number, database: string, postgres: string | null): Promise<ThroughputRow[]> {
  await svc.setLatency(0);
  const devPids = () => devServerPids(svc.running.temporalAddress);
  if (devPids().length === 0) console.log('  (the Temporal dev server process was not found in /proc: its CPU reads 0)');
  await runOurs(svc, take, 4, 2); // warm-up, not measured
  const rows: ThroughputRow[] = [];
  for (const [i, concurrency] of THROUGHPUT_CONCURRENCY.entries()) {
    const visits = THROUGHPUT_VISITS[i];
    // Adding the badges (configuration, through the API) is not part of a visit: done before the meters start.
    const badges = await svc.addBadges(visits, take(visits));
    const cpu0 = process.cpuUsage();
    const dev0 = ticksOf(devPids);
    const pgPids = () => postgresPids(postgres ?? '');
    const pg0 = postgres ? ticksOf(pgPids) : 0;
    const sims0 = ticksOf(svc.simulatorPids);
    const statements = countStatements();
    const r = await runOurs(svc, take, visits, concurrency, false, badges);
    const cpu = process.cpuUsage(cpu0);
    const dev = ticksOf(devPids) - dev0;
    const pgTicks = postgres ? ticksOf(pgPids) - pg0 : null;
    const sims = ticksOf(svc.simulatorPids) - sims0;
    const row: ThroughputRow = {
      database,
      concurrency,
      visits,
      perSecond: visits / r.secs,
      cpuMs: { bench: (cpu.user + cpu.system) / 1000 / visits, temporal: (dev * 10) / visits, postgres: pgTicks === null ? null : (pgTicks * 10) / visits },
      simulatorsMs: (sims * 10) / visits,
      statements: database === 'PGlite' ? null : statements() / visits,
    };
    rows.push(row);
    console.log(
      `throughput ${database} c${concurrency}: ${visits} visits in ${r.secs.toFixed(1)} s = ${row.perSecond.toFixed(2)} complete visits/s; CPU per visit: bench process ${fmt(row.cpuMs.bench)} ms, Temporal dev server ${fmt(row.cpuMs.temporal)} ms, PostgreSQL ${row.cpuMs.postgres === null ? 'not measured' : `${fmt(row.cpuMs.postgres)} ms`} (simulators ${fmt(row.simulatorsMs)} ms, not ours)${row.statements === null ? '' : `; ${fmt(row.statements)} SQL statements per visit`}`,
    );
  }
  return rows;
}

function printThroughputTable(rows: ThroughputRow[]) {
  console.log('\nthroughput at 0 ms (complete visits/s: sign-in and sign-out, each with Prefer: wait) and CPU per visit (ms)');
  console.log(
    '| database | conc. | visits | visits/s | bench process | Temporal dev server | PostgreSQL server | total | SQL statements per visit | simulators (not ours) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const total = r.cpuMs.bench + r.cpuMs.temporal + (r.cpuMs.postgres ?? 0);
    console.log(
      `| ${r.database} | ${r.concurrency} | ${r.visits} | ${r.perSecond.toFixed(2)} | ${fmt(r.cpuMs.bench)} | ${fmt(r.cpuMs.temporal)} | ${r.cpuMs.postgres === null ? 'not measured' : fmt(r.cpuMs.postgres)} | ${fmt(total)}${r.cpuMs.postgres === null && r.database !== 'PGlite' ? '+' : ''} | ${r.statements === null ? '—' : fmt(r.statements)} | ${fmt(r.simulatorsMs)} |`,
    );
  }
  console.log(
    "bench process = API, worker, PGlite (when used) and this driver; PostgreSQL = the bench database's backends and the server's own processes (checkpointer, WAL writer…, shared with the server's other databases)",
  );
}

function printTargets(rows: LatencyRow[], floors: Floors, tput: ThroughputRow[], sweep: SweepResult | null, memory: MemoryResult | null) {
  const lines: string[] = [];
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  for (const r of rows) {
    const p50 = median(r.ours.toActive[r.kind]);
    if (r.latency > 0) {
      const f = floors.provision[r.kind] * r.latency;
      // The peer beside it: ten at once, both queue for the provider's connections, which the floor leaves out.
      const peer = median(r.direct.toActive[r.kind]);
      lines.push(
        `sign-in→active p50 ≤ 1.3× floor, ${r.latency} ms c${r.concurrency} ${r.kind}: ${ratio(p50, f)} (the direct peer ${ratio(peer, f)}) — ${check(p50 <= 1.3 * f)}`,
      );
    } else if (r.concurrency === 1) {
      lines.push(`sign-in→active p50 ≤ 150 ms at 0 ms one at a time, ${r.kind}: ${p50} ms — ${check(p50 <= 150)}`);
    }
  }
  for (const db of [...new Set(tput.map((t) => t.database))]) {
    const best = Math.max(...tput.filter((t) => t.database === db).map((t) => t.perSecond));
    lines.push(`≥ 10 complete visits/s on ${db}: best ${best.toFixed(2)} — ${check(best >= 10)}`);
    for (const t of tput.filter((x) => x.database === db)) {
      const total = t.cpuMs.bench + t.cpuMs.temporal + (t.cpuMs.postgres ?? 0);
      lines.push(
        `CPU per visit ≤ 150 ms across all processes, ${db} c${t.concurrency}: ${fmt(total)} ms${t.cpuMs.postgres === null && db !== 'PGlite' ? ' (PostgreSQL not measured)' : ''} — ${check(total <= 150)}`,
      );
    }
  }
  if (sweep) {
    // A small sweep is mostly the end-of-day timers' 15 s spread, which the bound leaves out.
    const size = sweep.visits < 5000 ? ' (the target is for 5,000 visits: --sweep 5000)' : '';
    lines.push(
      `end-of-day sweep of ${sweep.visits} ≤ 1.2× the bound: ${ratio(sweep.sweepS, sweep.boundS)} — ${check(sweep.sweepS <= 1.2 * sweep.boundS)}${size}`,
    );
    for (const p of sweep.peaks)
      lines.push(`sweep never above the provider's concurrency, ${p.kind}: peak ${p.peak} of ${p.limit} — ${check(p.peak <= p.limit)}`);
  }
  if (memory) {
    // The first few hundred fill the workflow cache (100 by default), a fixed cost the slope must not include.
    const few = memory.visits < 1000 ? ' (under 1,000 open visits the slope is the workflow cache filling: --memory-visits 2000)' : '';
    // RSS moves by 10–20 MiB between samples whatever the visits do: the slope's standard error says how
    // much of the figure is that, and the heap's slope (precise) says whether the visits themselves grow.
    const noisy =
      2 * memory.rssPer10kStdErrMiB * 1.048576 > 50
        ? ` (RSS noise: the slope's standard error is ${memory.rssPer10kStdErrMiB.toFixed(0)} MiB; the heap's slope is ${memory.heapPer10kMiB.toFixed(0)} MiB)`
        : '';
    lines.push(
      `worker memory ≤ 50 MB per 10,000 open visits: ${memory.rssPer10kMiB.toFixed(0)} ± ${memory.rssPer10kStdErrMiB.toFixed(0)} MiB RSS — ${check(memory.rssPer10kMiB * 1.048576 <= 50)}${noisy}${few}`,
    );
  }
  if (lines.length) console.log(`\ntargets\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

// ------------------------------------------------------------------------------------- sweep and memory

/**
 * A bench script in a process of its own (it starts its own service, simulators and dev server, and a
 * sweep's thousands of visits would weigh on this process's figures), its lines printed as they come and
 * its figures read back from the file it writes with `--json`.
 */
async function childBench<T>(script: string, args: string[]): Promise<T | null> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-bench-part-'));
  const out = path.join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args, '--json', out], { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    if (code !== 0 || !fs.existsSync(out)) {
      console.log(`  (${script} exited with code ${code}: its figures are not in the summary)`);
      return null;
    }
    return JSON.parse(fs.readFileSync(out, 'utf8')) as T;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Asked once per run: both the sweep and the memory part need to know. */
let postgresCheck: Promise<string | null> | undefined;
const postgresReachable = async () => (await (postgresCheck ??= postgresUnreachable())) === null;

async function sweepPart(): Promise<SweepResult | null> {
  const onPostgres = await postgresReachable();
  console.log(`\nend-of-day sweep: ${SWEEP_VISITS} visits on ${onPostgres ? 'PostgreSQL' : 'PGlite (PostgreSQL not reachable)'} (bench/sweep.ts)`);
  return childBench<SweepResult>('bench/sweep.ts', ['--visits', String(SWEEP_VISITS), ...(onPostgres ? ['--postgres'] : [])]);
}

async function memoryPart(): Promise<MemoryResult | null> {
  if (!(await postgresReachable())) {
    console.log(`\nworker memory: not measured (a worker apart needs PostgreSQL, and ${redact(BENCH_DATABASE_URL)} is not reachable)`);
    return null;
  }
  console.log(`\nworker memory with ${MEMORY_VISITS} open visits (bench/memory.ts)`);
  return childBench<MemoryResult>('bench/memory.ts', ['--visits', String(MEMORY_VISITS)]);
}

function printSweep(r: SweepResult) {
  console.log(
    `\nend-of-day sweep (${r.database}, ${r.latencyMs} ms per request): ${r.visits} visits all switched off and released ${r.sweepS.toFixed(1)} s after the end of day; ` +
      `bound ${r.boundS.toFixed(1)} s (${ratio(r.sweepS, r.boundS)}); the direct peer ${r.peerS.toFixed(1)} s (${ratio(r.peerS, r.boundS)} the bound; ours / peer ${ratio(r.sweepS, r.peerS)}); ` +
      `peak requests in flight: ${r.peaks.map((p) => `${p.kind} ${p.peak} (limit ${p.limit})`).join(', ')}`,
  );
}

function printMemory(r: MemoryResult) {
  console.log(
    `\nworker memory (its own process, after a full collection): RSS ${r.idleRssMiB.toFixed(0)} MiB with no open visit, ${r.openRssMiB.toFixed(0)} MiB with ${r.visits}; ` +
      `marginal ${r.rssPer10kMiB.toFixed(0)} ± ${r.rssPer10kStdErrMiB.toFixed(0)} MiB RSS and ${r.heapPer10kMiB.toFixed(0)} MiB heap per 10,000 more open visits`,
  );
}

// ------------------------------------------------------------------------------------------- main

async function main() {
  const tStart = Date.now();
  const rssStart = process.memoryUsage().rss;
  let peakRss = rssStart;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  sampler.unref();

  if (CELL) {
    const visits = Number(values.visits ?? 20);
    const concurrency = Number(values.concurrency ?? 1);
    const latency = Number(values.latency ?? 0);
    const svc = await startBenchService();
    const take = numberAllocator();
    const peer = await directPeer(svc);
    const { floors } = await phasePass(svc, peer, take, 4);
    await svc.setLatency(latency);
    const ours = await runOurs(svc, take, visits, concurrency);
    const direct = await peer.run(take, visits, concurrency);
    console.log('');
    printCell({ latency, concurrency, ours, direct }, floors);
    await peer.close();
    await svc.stop();
    console.log(`\nRSS of the bench process: ${mib(rssStart)} at start, peak ${mib(peakRss)}; total time ${((Date.now() - tStart) / 1000).toFixed(0)} s`);
    return;
  }

  console.log(
    `bench matrix${QUICK ? ' (--quick)' : ''}${ONLY ? ` (--only ${ONLY})` : ''}: latency cells ${VISITS_C1} visits at c1 and ${VISITS_C10} at c10; phase pass ${PHASE_VISITS}; throughput ${THROUGHPUT_VISITS.join('/')} visits at c${THROUGHPUT_CONCURRENCY.join('/')}; sweep ${SWEEP_VISITS} visits; worker memory with ${MEMORY_VISITS} open visits`,
  );
  console.log(`RSS of the bench process before start-up: ${mib(rssStart)}`);
  const rows: LatencyRow[] = [];
  const tput: ThroughputRow[] = [];
  let phaseLines: string[] = [];
  let floors: Floors = { provision: { onguard: NaN, genetec: NaN }, deprovision: { onguard: NaN, genetec: NaN } };

  let rssEnd = NaN;
  if (part('latency') || part('throughput')) {
    // First service: PGlite (DATABASE_URL does not apply here; BENCH_DATABASE_URL names the PostgreSQL part's server).
    const svc = await startBenchService({ databaseUrl: null });
    console.log(`RSS after start-up: ${mib(process.memoryUsage().rss)}`);
    const take = numberAllocator();
    const peer = await directPeer(svc);
    if (part('latency')) {
      ({ floors, lines: phaseLines } = await phasePass(svc, peer, take, PHASE_VISITS));
      console.log('');
      for (const latency of LATENCIES) {
        await svc.setLatency(latency);
        for (const concurrency of CONCURRENCIES) {
          const visits = concurrency === 1 ? VISITS_C1 : VISITS_C10;
          const ours = await runOurs(svc, take, visits, concurrency);
          const direct = await peer.run(take, visits, concurrency);
          printCell({ latency, concurrency, ours, direct }, floors);
          for (const kind of KINDS) rows.push({ latency, concurrency, kind, ours, direct });
        }
      }
      await svc.setLatency(0);
    }
    await peer.close();
    if (part('throughput')) {
      console.log('');
      tput.push(...(await throughputPart(svc, take, 'PGlite', null)));
    }
    rssEnd = process.memoryUsage().rss;
    await svc.stop();
  }

  if (part('throughput')) {
    const db = await postgresDatabase();
    if ('unreachable' in db) {
      console.log(`\nPostgreSQL at ${redact(BENCH_DATABASE_URL)} not reachable (${db.unreachable}): throughput on PostgreSQL not measured`);
    } else {
      console.log(`\nPostgreSQL: a fresh database on ${redact(BENCH_DATABASE_URL)}`);
      try {
        const pgSvc = await startBenchService({ databaseUrl: db.url });
        try {
          const canSeePostgres = postgresPids(db.name).some((pid) => cmdlineOf(pid).includes(db.name));
          if (!canSeePostgres) console.log(`  (no backend of ${db.name} visible in /proc: PostgreSQL server CPU not measured)`);
          tput.push(...(await throughputPart(pgSvc, numberAllocator(), 'PostgreSQL', canSeePostgres ? db.name : null)));
        } finally {
          await pgSvc.stop();
        }
      } finally {
        await db.drop();
      }
    }
  }

  const sweep = part('sweep') && SWEEP_VISITS > 0 ? await sweepPart() : null;
  const memory = part('memory') && MEMORY_VISITS > 0 ? await memoryPart() : null;

  console.log('\n================================ summary ================================');
  if (phaseLines.length) console.log(`\n${phaseLines.join('\n')}`);
  if (rows.length) printLatencyTables(rows, floors);
  if (tput.length) printThroughputTable(tput);
  if (sweep) printSweep(sweep);
  if (memory) printMemory(memory);
  printTargets(rows, floors, tput, sweep, memory);
  if (Number.isFinite(rssEnd)) {
    console.log(
      `\nRSS of the bench process: ${mib(rssStart)} before start-up, ${mib(rssEnd)} after the PGlite parts, peak ${mib(peakRss)} (one process: API, worker, PGlite, driver; the simulators and the sweep's and memory parts' processes run apart)`,
    );
  }
  console.log(`total time ${((Date.now() - tStart) / 1000).toFixed(0)} s`);
}

function redact(url: string) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

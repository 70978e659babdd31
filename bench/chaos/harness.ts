import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { visitWorkflowId } from '../../src/workflows/visit-contract';
import { freePort } from '../../src/temporal/dev-server';
import {
  makeLogger,
  prng,
  violation,
  VIOLATION_KINDS,
  type KillRecovery,
  type PoolBadge,
  type ProviderSetup,
  type RunContext,
  type Violation,
  type ViolationKind,
} from './context';
import { FaultRunner } from './faults';
import { ChaosApi, HttpStats } from './http';
import type { ChaosOptions } from './options';
import { duplicatePeople, genetecCredentials, inspectSample, onGuardCredentials, type CredentialView, type Pacs } from './pacs-view';
import { ProcessRegistry, sleep, TemporalProcess } from './procs';
import { ServiceInstance, Simulator } from './services';
import { Workload } from './workload';

/**
 * One chaos run: real processes (Temporal dev server on a SQLite file, both simulators, two service
 * instances on one task queue, a fresh PostgreSQL database), a workload through the API, faults, a settle
 * phase, then checks against what the simulators themselves hold. See docs/development.md, "Chaos runs".
 */
export interface ChaosResult {
  ok: boolean;
  figure: string;
  visits: { planned: number; accepted: number; completed: number; rejected: number; gaveUp: number; badgeInUse409: number; provisionFailedSeen: number };
  violations: Violation[];
  violationCounts: Record<ViolationKind, number>;
  http: { fiveXxTemporalOutage: number; fiveXxOther: number; networkErrors: number; otherSamples: HttpStats['otherSamples'] };
  faults: RunContext['faults'];
  recoveries: KillRecovery[];
  samples: number;
  duplicatePeople: Record<Pacs, number>;
  totalMs: number;
  runDir: string;
  report: string;
}

export interface RunHooks {
  /** The CLI wires SIGINT/SIGTERM to this; tests leave it alone. */
  onAbortSignal?: (abort: () => Promise<void>) => void;
}

const pgAdminUrl = () => process.env.CHAOS_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function pgAdmin(sql: string) {
  const c = new PgClient({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function runChaos(opts: ChaosOptions, hooks: RunHooks = {}): Promise<ChaosResult> {
  const t0 = Date.now();
  const runId = `c${crypto.randomBytes(3).toString('hex')}`;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `vb-chaos-${runId}-`));
  const log = makeLogger(path.join(runDir, 'chaos.log'), opts.verbose, t0);
  const reg = new ProcessRegistry();
  // A harness that dies any way at all takes its processes with it.
  const onExit = () => reg.killAll();
  process.once('exit', onExit);

  const dbName = `vb_chaos_${runId}`;
  let dbCreated = false;
  let temporalConn: Connection | null = null;
  const services: ServiceInstance[] = [];
  const sims: Partial<Record<Pacs, Simulator>> = {};
  let temporalProc: TemporalProcess | null = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    await temporalConn?.close().catch(() => undefined);
    await Promise.all(Object.values(sims).map((s) => s.stop().catch(() => undefined)));
    await temporalProc?.stop().catch(() => undefined);
    reg.killAll();
    if (dbCreated) await pgAdmin(`drop database if exists "${dbName}" with (force)`).catch((e) => log(`could not drop ${dbName}: ${(e as Error).message}`));
    process.removeListener('exit', onExit);
  };
  hooks.onAbortSignal?.(cleanup);

  try {
    log(`run ${runId}: ${opts.visits} visits, concurrency ${opts.concurrency}, seed ${opts.seed}; logs in ${runDir}`);
    const [temporalPort, uiPort, ogPort, gtPort, apiA, apiB] = await Promise.all(Array.from({ length: 6 }, () => freePort()));

    await pgAdmin(`create database "${dbName}"`);
    dbCreated = true;
    const dbUrl = new URL(pgAdminUrl());
    dbUrl.pathname = `/${dbName}`;

    temporalProc = new TemporalProcess(reg, temporalPort, uiPort, path.join(runDir, 'temporal.sqlite'), path.join(runDir, 'temporal.log'));
    sims.onguard = new Simulator('onguard', ogPort, reg, runDir);
    sims.genetec = new Simulator('genetec', gtPort, reg, runDir);
    await Promise.all([temporalProc.start(), sims.onguard.start(), sims.genetec.start()]);
    log(`Temporal ${temporalProc.address} (${temporalProc.dbFile}), OnGuard ${sims.onguard.origin}, Genetec ${sims.genetec.origin}`);

    const adminToken = crypto.randomBytes(24).toString('hex');
    const env = {
      DATABASE_URL: dbUrl.toString(),
      TEMPORAL_ADDRESS: temporalProc.address,
      TEMPORAL_NAMESPACE: 'default',
      TASK_QUEUE: `chaos-${runId}`,
      SIMULATORS: 'false',
      DEMO_SEED: 'false',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATA_DIR: runDir,
      ADMIN_TOKEN: adminToken,
      // Both instances decrypt the providers' passwords: one key.
      SECRETS_KEY: crypto.randomBytes(32).toString('base64'),
      WORKER_SHUTDOWN_GRACE_MS: '2000',
      VISIT_DURATION_OVERRIDE_MS: String(opts.visitDurationMs),
      // Production backoff caps deprovisioning retries at 3 minutes; a run must settle within its bound.
      VISIT_TIMING: JSON.stringify({
        provisionAttempts: 4,
        provisionInitialIntervalMs: 500,
        provisionMaxIntervalMs: 3000,
        deprovisionInitialIntervalMs: 500,
        deprovisionMaxIntervalMs: 5000,
        // The run's visits end within seconds of each other anyway; a short spread keeps its settle bound.
        endOfDaySpreadMs: 2000,
      }),
    };
    services.push(new ServiceInstance('A', apiA, env, reg, runDir, log), new ServiceInstance('B', apiB, env, reg, runDir, log));
    await Promise.all(services.map((s) => s.start()));
    log(`services A ${services[0].url} and B ${services[1].url} ready`);

    temporalConn = await Connection.connect({ address: temporalProc.address });
    const temporal = new TemporalClient({ connection: temporalConn, namespace: 'default' });

    const stats = new HttpStats();
    const ctx: RunContext = {
      opts,
      runId,
      runDir,
      startedAt: t0,
      workloadStartedAt: 0,
      rng: prng(opts.seed),
      api: undefined as unknown as ChaosApi,
      adminToken,
      receptionistToken: '',
      locationId: '',
      providers: {} as RunContext['providers'],
      sims: sims as Record<Pacs, Simulator>,
      services,
      temporalProc,
      temporal,
      records: [],
      keyAnswers: new Map(),
      violations: [],
      violationKeys: new Set(),
      faults: {
        errorWindows: 0,
        outages: 0,
        dropsQueued: { onguard: 0, genetec: 0 },
        dropsConsumed: { onguard: 0, genetec: 0 },
        refusalWindows: 0,
        signOutsDuringRefusal: 0,
        serviceKills: 0,
        unexpectedServiceExits: 0,
        temporalRestarts: 0,
        cancels: 0,
        terminates: 0,
        cliFailures: 0,
        replaysInFlight: 0,
        replaysAfterCompletion: 0,
      },
      recoveries: [],
      badgeInUse409: 0,
      samples: 0,
      temporalDownUntil: 0,
      refusalActive: false,
      databaseUrl: dbUrl.toString(),
      duplicatePeople: { onguard: 0, genetec: 0 },
      faultsStopped: false,
      stopping: false,
      log,
    };
    ctx.api = new ChaosApi(
      () => {
        const up = services.filter((s) => s.ready).map((s) => s.url);
        return up.length ? up : services.map((s) => s.url);
      },
      stats,
      () => Date.now() < ctx.temporalDownUntil,
      adminToken,
    );

    await setUp(ctx);
    log(`set up: location ${ctx.locationId}, ${opts.badgesPerProvider} badges per provider`);

    // ---- workload under faults
    ctx.workloadStartedAt = Date.now();
    const workload = new Workload(ctx);
    const faults = new FaultRunner(ctx);
    const sampler = sampleLoop(ctx);
    faults.start();
    const visitsDone = workload.run();
    const workloadDeadline = ctx.workloadStartedAt + opts.workloadTimeoutMs;
    while (!workload.allEndsIssued() && Date.now() < workloadDeadline) await sleep(500);
    log(`workload issued every visit's end (${ctx.records.length} visits); clearing faults`);
    await faults.stop();
    const settleStart = Date.now();
    ctx.temporalDownUntil = Math.min(ctx.temporalDownUntil, Date.now());

    // ---- settle: faults off, both instances up, open visits get their bounded time
    await Promise.all(
      services.map(async (s) => {
        const until = Date.now() + 120_000;
        while (!s.ready && Date.now() < until) await sleep(250);
      }),
    );
    let lastReconcile = 0;
    // An activity that died with a killed instance is retried only after its start-to-close timeout (two
    // minutes for deprovisioning): the settle lasts at least that long after the last kill.
    const lastKill = Math.max(0, ...ctx.recoveries.filter((r) => r.what !== 'temporal').map((r) => r.at));
    const settleDeadline = Math.max(settleStart + opts.settleMs, lastKill + 130_000);
    while (Date.now() < settleDeadline) {
      if (Date.now() - lastReconcile > 20_000) {
        lastReconcile = Date.now();
        await reconcile(ctx);
      }
      const open = ctx.records.filter((r) => r.visitId && !r.completed);
      if (!open.length && (await poolCredentialsOn(ctx)).length === 0) break;
      await sleep(1000);
    }
    const settledMs = Date.now() - settleStart;
    log(`settled in ${(settledMs / 1000).toFixed(1)} s`);
    ctx.stopping = true;
    await Promise.race([visitsDone, sleep(30_000)]);
    await sampler;

    // ---- checks
    await finalChecks(ctx);
    const result = summarise(ctx, stats, t0, settledMs);
    fs.writeFileSync(path.join(runDir, 'report.txt'), result.report);
    log(result.figure);
    await cleanup();
    if (result.ok && !opts.keep) {
      fs.rmSync(runDir, { recursive: true, force: true });
      result.report = result.report.replace(`run directory: ${runDir}`, `run directory: ${runDir} (removed: the run passed; --keep keeps it)`);
    }
    return result;
  } catch (err) {
    log(`run failed: ${(err as Error).stack ?? err}`);
    await cleanup();
    throw err;
  }
}

async function setUp(ctx: RunContext) {
  const { api, opts } = ctx;
  const ok = (r: { status: number; body: any }, what: string) => {
    if (r.status >= 300) throw new Error(`set-up: ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const loc = ok(await api.call('POST', '/v1/locations', { body: { name: `Chaos site ${ctx.runId}`, timezone: 'UTC', endOfDay: '23:59' } }), 'location');
  ctx.locationId = loc.id;
  const ruleIds: string[] = [];
  for (const kind of ['onguard', 'genetec'] as Pacs[]) {
    const sim = ctx.sims[kind];
    const p = ok(
      await api.call('POST', `/v1/locations/${loc.id}/providers`, {
        body: { kind, name: `${kind} simulator`, url: sim.providerUrl, ...sim.credentials },
      }),
      `${kind} provider`,
    );
    ok(await api.call('POST', `/v1/providers/${p.id}/refresh`), `${kind} refresh`);
    const types = ok(await api.call('GET', `/v1/providers/${p.id}/badge-types`), 'badge types').items as any[];
    const type = kind === 'onguard' ? types.find((t) => t.name === 'Visitor') : types.find((t) => /26/.test(t.name) && t.manualEntry);
    if (!type) throw new Error(`set-up: no visitor badge type on the ${kind} simulator`);
    const rules = ok(await api.call('GET', `/v1/providers/${p.id}/access-rules`), 'access rules').items as any[];
    const rule = kind === 'onguard' ? rules[0] : (rules.find((r) => r.name === 'Lobby visitors') ?? rules[0]);
    ruleIds.push(rule.id);
    // Card numbers clear of the simulators' seeded (foreign) badges: OnGuard's visitor range is 1000-1999.
    const first = kind === 'onguard' ? 1100 : 7000;
    const badges: PoolBadge[] = [];
    for (let i = 0; i < opts.badgesPerProvider; i++) {
      const number = String(first + i);
      const b = ok(
        await api.call('POST', `/v1/providers/${p.id}/badges`, { body: { name: `Chaos ${kind} ${number}`, uniqueId: number, badgeTypeId: type.id } }),
        'badge',
      );
      badges.push({ id: b.id, pacs: kind, number });
    }
    const setup: ProviderSetup = { id: p.id, ruleId: rule.id, badgeTypeId: type.id, badges };
    ctx.providers[kind] = setup;
  }
  const user = ok(
    await api.call('POST', '/v1/users', {
      body: { name: 'Chaos Reception', email: `reception-${ctx.runId}@chaos.example`, permissions: ['provisionBadge', 'signOut', 'viewVisits'] },
    }),
    'receptionist',
  );
  ctx.receptionistToken = user.token;
  ok(await api.call('POST', '/v1/user-groups', { body: { name: `Chaos reception ${ctx.runId}`, accessRuleIds: ruleIds, userIds: [user.id] } }), 'user group');
}

/** The reconciliation workflow another change adds: used when the API has it, skipped (404) when not. */
async function reconcile(ctx: RunContext) {
  for (const p of Object.values(ctx.providers)) {
    const r = await ctx.api.call('POST', `/v1/providers/${p.id}/reconcile`, { retryForMs: 10_000 }).catch(() => null);
    if (r && r.status < 300) ctx.log(`reconcile ${p.id}: ${r.status}`);
  }
}

function poolCards(ctx: RunContext, pacs: Pacs) {
  return new Set(ctx.providers[pacs].badges.map((b) => b.number));
}

async function readCredentials(ctx: RunContext): Promise<CredentialView[]> {
  const [og, gt] = await Promise.all([ctx.sims.onguard.ctl('GET', '/state'), ctx.sims.genetec.ctl('GET', '/state')]);
  return [...onGuardCredentials(og, poolCards(ctx, 'onguard')), ...genetecCredentials(gt, poolCards(ctx, 'genetec'))];
}

async function poolCredentialsOn(ctx: RunContext): Promise<CredentialView[]> {
  return (await readCredentials(ctx).catch(() => [])).filter((c) => c.notSwitchedOff);
}

/** Samples both simulators for cards shared by two people and people holding two cards, at the same moment. */
async function sampleLoop(ctx: RunContext) {
  while (!ctx.stopping) {
    await sampleOnce(ctx);
    await sleep(ctx.opts.sampleEveryMs);
  }
  await sampleOnce(ctx);
}

async function sampleOnce(ctx: RunContext) {
  let creds: CredentialView[];
  try {
    creds = await readCredentials(ctx);
  } catch {
    return;
  }
  ctx.samples++;
  const f = inspectSample(creds);
  for (const s of f.sharedCards) {
    violation(
      ctx,
      'twoPeopleOnOneCard',
      `${s.pacs}|${s.card}|${s.holders.join(',')}`,
      `${s.pacs} card ${s.card} active for ${s.holders.join(' and ')} at once${visitsOfCard(ctx, s.pacs, s.card)}`,
    );
  }
  for (const m of f.multiBadgeHolders) {
    violation(
      ctx,
      'visitorTwoActiveBadges',
      `${m.pacs}|${m.holder}|${m.cards.join(',')}`,
      `${m.pacs} person ${m.holder} holds active cards ${m.cards.join(', ')}${visitsOfCard(ctx, m.pacs, m.cards[0])}`,
    );
  }
}

function describeRecord(r: RunContext['records'][number]) {
  const tags = [...r.tags].join(',');
  return `#${r.n} ${r.pacs} badge ${r.badge?.number ?? '?'} plan ${r.plan}${tags ? ` [${tags}]` : ''}`;
}

function visitsOfCard(ctx: RunContext, pacs: Pacs, card: string) {
  const recs = ctx.records.filter((r) => r.pacs === pacs && r.badge?.number === card && r.visitId);
  return recs.length
    ? `; visits with this card: ${recs
        .slice(-3)
        .map((r) => `${r.visitId} (${describeRecord(r)}, last ${r.lastStatus})`)
        .join('; ')}`
    : '';
}

async function finalChecks(ctx: RunContext) {
  const { api } = ctx;
  // 1. Every visit the service accepted is completed: ours, and any the service holds that we never heard of.
  const seen = new Set<string>();
  for (const r of ctx.records.filter((x) => x.visitId)) {
    seen.add(r.visitId!);
    const v = await api.call('GET', `/v1/visits/${r.visitId}`, { retryForMs: 30_000 }).catch(() => null);
    const status = v?.body?.status;
    if (status !== 'completed') {
      const wf = await workflowState(ctx, r.visitId!);
      violation(ctx, 'visitNotCompleted', r.visitId!, `visit ${r.visitId} is ${status ?? 'unreadable'} (workflow ${wf}); ${describeRecord(r)}`);
    }
  }
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = await api.call('GET', `/v1/visits?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { retryForMs: 30_000 });
    for (const v of (r.body?.items ?? []) as any[]) {
      if (!seen.has(v.id) && v.status !== 'completed') {
        violation(
          ctx,
          'visitNotCompleted',
          v.id,
          `visit ${v.id} (accepted although its desk never saw the answer) is ${v.status} (workflow ${await workflowState(ctx, v.id)})`,
        );
      }
    }
    cursor = r.body?.nextCursor ?? undefined;
    if (!cursor) break;
  }
  // 2. No pool credential left switched on in either PACS.
  const holders = await visitsByPerson(ctx);
  for (const c of await poolCredentialsOn(ctx)) {
    const theirs = (c.holder && holders.get(`${c.pacs}|${c.holder.toLowerCase()}`)) || [];
    const recs = theirs
      .map((id) => ctx.records.find((r) => r.visitId === id))
      .filter((r): r is RunContext['records'][number] => !!r && r.badge?.number === c.card);
    const who = recs.length
      ? `; the holder's visit(s) with this card: ${recs.map((r) => `${r.visitId} (${describeRecord(r)}, last ${r.lastStatus})`).join('; ')}`
      : visitsOfCard(ctx, c.pacs, c.card);
    violation(
      ctx,
      'credentialStillActive',
      `${c.pacs}|${c.card}|${c.holder}`,
      `${c.pacs} card ${c.card} is still switched on for person ${c.holder ?? 'nobody'}${who}`,
    );
  }
  // A figure, not a check: people created twice because an answer was lost.
  try {
    const [og, gt] = await Promise.all([ctx.sims.onguard.ctl('GET', '/state'), ctx.sims.genetec.ctl('GET', '/state')]);
    ctx.duplicatePeople = duplicatePeople(og, gt);
  } catch (err) {
    ctx.log(`could not count duplicate people: ${(err as Error).message}`);
  }
  // 3. One workflow run per visit: a replayed Idempotency-Key must attach to the visit, never run it again.
  const runs = new Map<string, number>();
  try {
    for await (const wf of ctx.temporal.workflow.list({ query: `WorkflowType = 'visitWorkflow'` })) {
      runs.set(wf.workflowId, (runs.get(wf.workflowId) ?? 0) + 1);
    }
  } catch (err) {
    ctx.log(`could not list workflows: ${(err as Error).message}`);
  }
  for (const [wfId, n] of runs) {
    if (n < 2) continue;
    const r = ctx.records.find((x) => x.visitId && visitWorkflowId(x.visitId) === wfId);
    violation(ctx, 'workflowRerun', wfId, `${wfId} ran ${n} times${r ? `; ${describeRecord(r)}` : ''}`);
  }
}

/** Which visits the service recorded for each PACS person (diagnosis only: the checks read the PACS). */
async function visitsByPerson(ctx: RunContext): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const c = new PgClient({ connectionString: ctx.databaseUrl });
  try {
    await c.connect();
    const rows = await c.query<{ id: string; kind: string; refs: { personId?: string } | null }>(
      'select v.id, p.kind, v."pacsRefs" as refs from "Visit" v join "Provider" p on p.id = v."providerId"',
    );
    for (const r of rows.rows) {
      if (!r.refs?.personId) continue;
      const k = `${r.kind}|${String(r.refs.personId).toLowerCase()}`;
      (out.get(k) ?? out.set(k, []).get(k)!).push(r.id);
    }
  } catch (err) {
    ctx.log(`could not read visits by person: ${(err as Error).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
  return out;
}

async function workflowState(ctx: RunContext, visitId: string): Promise<string> {
  try {
    const handle = ctx.temporal.workflow.getHandle(visitWorkflowId(visitId));
    const d = await handle.describe();
    const pending = (d.raw.pendingActivities ?? []).map(
      (p) => `${p.activityType?.name}#${p.attempt}${p.lastFailure?.message ? ` "${p.lastFailure.message.slice(0, 80)}"` : ''}`,
    );
    let why = '';
    if (d.status.name === 'FAILED') {
      // The innermost cause is the activity's failure: its type is the reason code, its message the operator's text.
      why = await handle.result().then(
        () => '',
        (err: any) => {
          let e = err;
          while (e?.cause) e = e.cause;
          return `: ${e?.type ? `${e.type} ` : ''}${String(e?.message ?? '').slice(0, 100)}`;
        },
      );
    }
    return `${d.status.name}${why}${pending.length ? `, pending ${pending.join(', ')}` : ''}`;
  } catch (err) {
    return `not found (${(err as Error).message.slice(0, 60)})`;
  }
}

function summarise(ctx: RunContext, stats: HttpStats, t0: number, settleMs: number): ChaosResult {
  const recs = ctx.records;
  const counts = Object.fromEntries(VIOLATION_KINDS.map((k) => [k, ctx.violations.filter((v) => v.kind === k).length])) as Record<ViolationKind, number>;
  const visits = {
    planned: ctx.opts.visits,
    accepted: recs.filter((r) => r.visitId).length,
    completed: recs.filter((r) => r.completed).length,
    rejected: recs.filter((r) => r.outcome === 'rejected').length,
    gaveUp: recs.filter((r) => r.outcome === 'gaveUp').length,
    badgeInUse409: ctx.badgeInUse409,
    provisionFailedSeen: recs.reduce((n, r) => n + r.failures.length, 0),
  };
  const f = ctx.faults;
  f.unexpectedServiceExits = ctx.services.reduce((n, s) => n + s.unexpectedExits, 0);
  const sec = (ms: number | null) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)}s`);
  const recovery = ctx.recoveries
    .map((r) => {
      const name = r.what.replace(/^service (\w)#(\d+)$/, 'kill$2($1)');
      const down = r.downMs !== undefined ? `down ${sec(r.downMs)} ` : '';
      if (r.what === 'temporal') return `${name}:${down}first progress ${sec(r.firstProgressMs)} all ${r.inflight} moving ${sec(r.recoveredMs)}`;
      return r.inflight ? `${name}:${sec(r.recoveredMs)}(${r.inflight} in flight)` : `${name}:nothing in flight`;
    })
    .join(' ');
  const totalMs = Date.now() - t0;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const figure =
    `CHAOS ${total === 0 ? 'PASS' : 'FAIL'} visits accepted=${visits.accepted}/${visits.planned} completed=${visits.completed} rejected=${visits.rejected} gaveUp=${visits.gaveUp} 409=${visits.badgeInUse409} provision_failed=${visits.provisionFailedSeen}` +
    ` | violations=${total} ${VIOLATION_KINDS.map((k) => `${k}=${counts[k]}`).join(' ')}` +
    ` dupPeople=og:${ctx.duplicatePeople.onguard},gt:${ctx.duplicatePeople.genetec}` +
    ` | 5xx temporalOutage=${stats.fiveXxTemporalOutage} other=${stats.fiveXxOther} netErrors=${stats.networkErrors}` +
    ` | faults errorWindows=${f.errorWindows} outages=${f.outages} drops=og:${f.dropsConsumed.onguard}/${f.dropsQueued.onguard},gt:${f.dropsConsumed.genetec}/${f.dropsQueued.genetec}` +
    ` refusals=${f.refusalWindows}(signOuts=${f.signOutsDuringRefusal}) kills=${f.serviceKills} unexpectedExits=${f.unexpectedServiceExits} temporalRestarts=${f.temporalRestarts}` +
    ` cancels=${f.cancels} terminates=${f.terminates}${f.cliFailures ? ` cliFailures=${f.cliFailures}` : ''} replays=${f.replaysInFlight}+${f.replaysAfterCompletion}` +
    ` | recovery ${recovery || 'n/a'} | settle=${sec(settleMs)} total=${sec(totalMs)}`;
  const lines = [figure, ''];
  for (const k of VIOLATION_KINDS) {
    const vs = ctx.violations.filter((v) => v.kind === k);
    if (!vs.length) continue;
    lines.push(`${k} (${vs.length}):`);
    for (const v of vs.slice(0, 15)) lines.push(`  - ${v.detail}`);
    if (vs.length > 15) lines.push(`  … ${vs.length - 15} more in ${ctx.runDir}/chaos.log`);
  }
  if (stats.otherSamples.length) {
    lines.push('5xx outside a Temporal outage (first ones):');
    for (const s of stats.otherSamples.slice(0, 10)) lines.push(`  - ${s.status} ${s.method} ${s.path} ${s.code ?? ''} ${s.message?.slice(0, 120) ?? ''}`);
  }
  const rejections = recs.filter((r) => r.rejection).map((r) => `#${r.n}: ${r.rejection}`);
  if (rejections.length) lines.push(`sign-ins not accepted: ${rejections.slice(0, 10).join('; ')}`);
  lines.push(`run directory: ${ctx.runDir}`);
  return {
    ok: total === 0,
    figure,
    visits,
    violations: ctx.violations,
    violationCounts: counts,
    http: {
      fiveXxTemporalOutage: stats.fiveXxTemporalOutage,
      fiveXxOther: stats.fiveXxOther,
      networkErrors: stats.networkErrors,
      otherSamples: stats.otherSamples,
    },
    faults: f,
    recoveries: ctx.recoveries,
    samples: ctx.samples,
    duplicatePeople: ctx.duplicatePeople,
    totalMs,
    runDir: ctx.runDir,
    report: lines.join('\n'),
  };
}

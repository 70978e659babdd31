/**
 * The service as `npm start` runs it (embedded PGlite, or PostgreSQL with DATABASE_URL; a Temporal dev
 * server, worker, API), driven over HTTP as a guestbook would, against both simulators. Shared by the
 * benchmarks. The simulators run in processes of their own, as a real PACS is another server: in the
 * service's process they would take its event loop and its CPU, and be counted as ours.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging';
import { freePort } from '../src/temporal/dev-server';
import { start } from '../src/main';
import { ProcessRegistry } from './chaos/procs';
import { Simulator } from './chaos/services';
import { createPacsAdapter } from '../src/pacs/registry';
import type { PacsAdapter } from '../src/pacs/types';

export type Kind = 'onguard' | 'genetec';
export interface Pool {
  providerId: string;
  typeId: string;
  rule: string;
  first: number;
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

let runtimeInstalled = false;

/**
 * `databaseUrl`: a PostgreSQL database to run on; `null` for the embedded PGlite; left out, DATABASE_URL
 * decides (PGlite when it is unset). `env`: configuration on top of the bench's own (e.g. EMBEDDED_WORKER).
 */
export async function startBenchService(opts: { databaseUrl?: string | null; env?: Record<string, string> } = {}) {
  // The SDK's runtime is a process-wide singleton: a second service in the same process reuses it.
  // BENCH_CORE_METRICS=host:port exposes the SDK core's own metrics (task slots, schedule-to-start latency…).
  const coreMetrics = process.env.BENCH_CORE_METRICS;
  if (!runtimeInstalled)
    Runtime.install({
      shutdownSignals: [],
      logger: new DefaultLogger('ERROR'),
      ...(coreMetrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: coreMetrics } } } } : {}),
    });
  runtimeInstalled = true;
  const databaseUrl = opts.databaseUrl === undefined ? process.env.DATABASE_URL : (opts.databaseUrl ?? undefined);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-bench-'));
  const procs = new ProcessRegistry();
  process.once('exit', () => procs.killAll());
  const simulators = {
    onguard: new Simulator('onguard', await freePort(), procs, dataDir),
    genetec: new Simulator('genetec', await freePort(), procs, dataDir),
  };
  await Promise.all([simulators.onguard.start(), simulators.genetec.start()]);
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    LOG_LEVEL: 'error',
    SIMULATORS: 'false',
    DEMO_SEED: 'true',
    ...(process.env.WORKER_MAX_CACHED_WORKFLOWS ? { WORKER_MAX_CACHED_WORKFLOWS: process.env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
    // e.g. VISIT_TIMING='{"endOfDaySpreadMs":150000}' to try another spread of the end-of-day timers.
    ...(process.env.VISIT_TIMING ? { VISIT_TIMING: process.env.VISIT_TIMING } : {}),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...opts.env,
  });
  console.log(`database: ${config.database.kind}`);
  const t0 = Date.now();
  const running = await start(config, createLogger('error'), {
    simulators: { onguard: simulators.onguard.providerUrl, genetec: simulators.genetec.providerUrl },
  });
  console.log(`start-up (dev server, ${config.database.kind}, worker, API, demo seed): ${Date.now() - t0} ms`);
  const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
  const call = async (token: string, method: string, p: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(running.apiUrl + p, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const api = (method: string, p: string, body?: unknown) => call(demo.admin, method, p, body);
  const asReception = (method: string, p: string, body?: unknown, extra: Record<string, string> = {}) => call(demo.receptionist, method, p, body, extra);
  const simOrigins: Record<Kind, string> = { onguard: running.simulators.onguard!, genetec: running.simulators.genetec!.replace(/\/WebSdk$/, '') };
  const sim = async (kind: Kind, method: string, p: string, body?: unknown) =>
    (
      await fetch(`${simOrigins[kind]}/__sim${p}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json() as Promise<any>;
  const setLatency = async (ms: number) => {
    for (const kind of ['onguard', 'genetec'] as const) await sim(kind, 'PUT', '/faults', { latencyMs: ms });
  };

  const pools = {} as Record<Kind, Pool>;
  const providers = (await api('GET', `/v1/locations/${demo.locationId}/providers`)).body.items as any[];
  for (const p of providers) {
    const types = (await api('GET', `/v1/providers/${p.id}/badge-types`)).body.items as any[];
    const type = p.kind === 'onguard' ? types.find((t) => t.name === 'Visitor') : types.find((t) => /26/.test(t.name));
    pools[p.kind as Kind] = { providerId: p.id, typeId: type.id, rule: demo.accessRules[p.kind][0], first: p.kind === 'onguard' ? 1100 : 2100 };
  }

  /**
   * `n` pool badges alternating between the two PACS, numbered from each pool's first number plus `offset`
   * (so that successive calls can take disjoint numbers). OnGuard's Visitor type allows IDs 1000–1999 only,
   * so more than 800 in one call use its Temporary type (manual entry, no range); Genetec's 26-bit cards go
   * to 65535.
   */
  const addBadges = async (n: number, offset = 0) => {
    const badges: Array<{ id: string; kind: Kind; uniqueId: string }> = [];
    const wide = n > 800;
    if (!wide && pools.onguard.first + offset + Math.ceil(n / 2) - 1 > 1999)
      throw new Error(`OnGuard Visitor badges go up to 1999: ${n} badges from offset ${offset} do not fit`);
    let onguardType = pools.onguard.typeId;
    if (wide) {
      const types = (await api('GET', `/v1/providers/${pools.onguard.providerId}/badge-types`)).body.items as any[];
      onguardType = types.find((t) => t.name === 'Temporary').id;
    }
    for (let i = 0; i < n; i++) {
      const kind: Kind = i % 2 ? 'genetec' : 'onguard';
      const pool = pools[kind];
      const half = i >> 1;
      const uniqueId = (kind === 'onguard' ? (wide ? 20_000 : pool.first) : wide ? 30_000 : pool.first) + offset + half;
      const badgeTypeId = kind === 'onguard' ? onguardType : pool.typeId;
      const b = await api('POST', `/v1/providers/${pool.providerId}/badges`, { name: `Bench ${i}`, uniqueId: String(uniqueId), badgeTypeId });
      if (b.status !== 201) throw new Error(`adding badge ${uniqueId}: ${b.status} ${JSON.stringify(b.body)}`);
      badges.push({ id: b.body.id, kind, uniqueId: String(uniqueId) });
    }
    return badges;
  };

  const waitFor = async (id: string, status: string) => {
    for (;;) {
      const v = await asReception('GET', `/v1/visits/${id}`);
      if (v.body.status === status) return;
      if (v.body.status === 'provision_failed') throw new Error(JSON.stringify(v.body.lastError));
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Sign in as a guestbook does: one call with `Prefer: wait`, polling only if the outcome is slower. */
  const signIn = async (badge: { id: string; kind: Kind }, n: number) => {
    const v = await asReception(
      'POST',
      '/v1/visits',
      {
        locationId: demo.locationId,
        badgeId: badge.id,
        accessRuleIds: [pools[badge.kind].rule],
        visitor: { firstName: 'Bench', lastName: `Visitor${n}`, email: `bench${n}@example.com` },
      },
      { prefer: 'wait=30' },
    );
    if (v.status !== 201 && v.status !== 202) throw new Error(JSON.stringify(v.body));
    if (v.body.status !== 'active') await waitFor(v.body.id, 'active');
    return v.body.id as string;
  };

  const stop = async () => {
    await running.stop();
    procs.killAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  /** The simulators' process IDs, whose CPU is the PACS's, not ours. */
  const simulatorPids = () => [simulators.onguard.proc.pid, simulators.genetec.proc.pid];
  // `procs`: for a bench's own extra processes, stopped with the service.
  return { running, config, dataDir, demo, api, asReception, simOrigins, sim, setLatency, pools, addBadges, waitFor, signIn, simulatorPids, procs, stop };
}

/**
 * The direct peer's PACS clients: ours, against the same simulators with the same limit of 4 concurrent
 * requests per provider, called with nothing around them (no Temporal, no database).
 */
export function directAdapters(svc: { running: { simulators: { onguard?: string; genetec?: string } } }): Record<Kind, PacsAdapter> {
  const urls = svc.running.simulators;
  return {
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
}

/** The PostgreSQL server the benches create their databases on. */
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A fresh database on BENCH_DATABASE_URL's server (dropped by `drop`), or why that server is unreachable. */
export async function postgresDatabase(prefix = 'vb_bench'): Promise<{ name: string; url: string; drop: () => Promise<void> } | { unreachable: string }> {
  const admin = adminClient();
  try {
    await admin.connect();
  } catch (err) {
    return { unreachable: (err as Error).message };
  }
  const name = `${prefix}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(BENCH_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = adminClient();
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } catch {
        await c.query(`DROP DATABASE IF EXISTS ${name}`); // before PostgreSQL 13
      } finally {
        await c.end();
      }
    },
  };
}

/** Why BENCH_DATABASE_URL's server cannot be reached, or null when it can (a connection, no database made). */
export async function postgresUnreachable(): Promise<string | null> {
  const c = adminClient();
  try {
    await c.connect();
    await c.end();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const adminClient = () => new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 3000 });

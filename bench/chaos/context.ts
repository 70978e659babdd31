import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import type { ChaosApi } from './http';
import type { ChaosOptions } from './options';
import type { Pacs } from './pacs-view';
import type { ServiceInstance, Simulator } from './services';
import type { TemporalProcess } from './procs';

export interface PoolBadge {
  id: string;
  pacs: Pacs;
  number: string;
}

export interface VisitRecord {
  n: number;
  pacs: Pacs;
  /** Every Idempotency-Key this visit's sign-in used (a new one per badge tried). */
  keys: string[];
  key?: string;
  badge?: PoolBadge;
  visitId?: string;
  plan: 'signOut' | 'deprovision' | 'endOfDay';
  lastStatus?: string;
  lastChangeAt: number;
  /** What happened to the visit besides its plan: cancelled, terminated, replayed, signed out during a refusal, … */
  tags: Set<string>;
  failures: Array<{ code?: string; message?: string }>;
  outcome: 'pending' | 'accepted' | 'rejected' | 'gaveUp';
  rejection?: string;
  /** Set once the visit's ending was asked for (or, for end of day, is only waited for). */
  endIssued: boolean;
  completed: boolean;
  visitor?: Record<string, string>;
  /** Ends the stay early (a refusal window signs a few visitors out at once). */
  wake?: () => void;
}

export type ViolationKind =
  | 'visitNotCompleted'
  | 'credentialStillActive'
  | 'twoPeopleOnOneCard'
  | 'visitorTwoActiveBadges'
  | 'idempotencyKeyTwoVisits'
  | 'workflowRerun'
  | 'provisionFailedWithoutReason';

export const VIOLATION_KINDS: ViolationKind[] = [
  'visitNotCompleted',
  'credentialStillActive',
  'twoPeopleOnOneCard',
  'visitorTwoActiveBadges',
  'idempotencyKeyTwoVisits',
  'workflowRerun',
  'provisionFailedWithoutReason',
];

export interface Violation {
  kind: ViolationKind;
  detail: string;
  at: number;
}

export interface KillRecovery {
  what: string;
  at: number;
  /** Visits with an activity running on the killed instance (from Temporal's pending activities). */
  inflight: number;
  /** Until every one of them progressed (null: not within the bound). */
  recoveredMs: number | null;
  firstProgressMs: number | null;
  /** Temporal only: from SIGKILL until the restarted server listened. */
  downMs?: number;
}

export interface FaultCounters {
  errorWindows: number;
  outages: number;
  dropsQueued: Record<Pacs, number>;
  dropsConsumed: Record<Pacs, number>;
  refusalWindows: number;
  signOutsDuringRefusal: number;
  serviceKills: number;
  unexpectedServiceExits: number;
  temporalRestarts: number;
  cancels: number;
  terminates: number;
  /** `temporal workflow cancel/terminate` calls that failed (retried up to 3 times each). */
  cliFailures: number;
  replaysInFlight: number;
  replaysAfterCompletion: number;
}

export interface ProviderSetup {
  id: string;
  ruleId: string;
  badgeTypeId: string;
  badges: PoolBadge[];
}

export interface RunContext {
  opts: ChaosOptions;
  runId: string;
  runDir: string;
  startedAt: number;
  workloadStartedAt: number;
  rng: () => number;
  api: ChaosApi;
  adminToken: string;
  receptionistToken: string;
  locationId: string;
  providers: Record<Pacs, ProviderSetup>;
  sims: Record<Pacs, Simulator>;
  services: ServiceInstance[];
  temporalProc: TemporalProcess;
  temporal: Client;
  records: VisitRecord[];
  /** Idempotency-Key → visit IDs the API answered with. */
  keyAnswers: Map<string, Set<string>>;
  violations: Violation[];
  violationKeys: Set<string>;
  faults: FaultCounters;
  recoveries: KillRecovery[];
  badgeInUse409: number;
  samples: number;
  /** The run's database, read for diagnosis only (which visit a stray credential's holder belongs to). */
  databaseUrl: string;
  /** Visitors created twice in a PACS (a figure of the report). */
  duplicatePeople: Record<Pacs, number>;
  /** Set while the simulators refuse the service's password. */
  refusalActive: boolean;
  /** Set while the Temporal dev server is down or just restarted. */
  temporalDownUntil: number;
  faultsStopped: boolean;
  stopping: boolean;
  log(line: string): void;
}

export function violation(ctx: RunContext, kind: ViolationKind, dedupKey: string, detail: string) {
  const k = `${kind}|${dedupKey}`;
  if (ctx.violationKeys.has(k)) return;
  ctx.violationKeys.add(k);
  ctx.violations.push({ kind, detail, at: Date.now() });
  ctx.log(`VIOLATION ${kind}: ${detail}`);
}

export function makeLogger(file: string, verbose: boolean, t0: number) {
  return (line: string) => {
    const text = `[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`;
    fs.appendFileSync(file, text + '\n');
    if (verbose) process.stdout.write(text + '\n');
  };
}

/** Small deterministic PRNG (mulberry32), so a run's choices repeat with its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: () => number, xs: T[]): T => xs[Math.floor(rng() * xs.length)];
export const between = (rng: () => number, [lo, hi]: [number, number]) => lo + Math.floor(rng() * (hi - lo));

/**
 * What a chaos run does. `npm run chaos` uses `defaultOptions()` with its flags applied; the test suite runs
 * `smallOptions()` (test/e2e/chaos.test.ts). Every number bounds something: nothing here runs open-ended.
 */
export const FAULT_KINDS = ['latency', 'errors', 'outages', 'drops', 'refusal', 'kills', 'temporal', 'cancels', 'terminates', 'replays'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosOptions {
  visits: number;
  /** Visits in progress at once. */
  concurrency: number;
  /** Badges registered per provider; at least `concurrency` keeps sign-ins from waiting for a badge. */
  badgesPerProvider: number;
  /** The visits' "end of day": VISIT_DURATION_OVERRIDE_MS of the services. */
  visitDurationMs: number;
  /** A signed-in visitor stays a random time in this range before signing out. */
  stayMs: [number, number];
  /** Share of active visits that end by deprovision-now, and by end of day (no sign-out at all). */
  deprovisionShare: number;
  endOfDayShare: number;
  /** Share of provision_failed visits retried (at most `maxRetries` times each); the rest sign out. */
  retryShare: number;
  maxRetries: number;
  /** Share of sign-ins that pick from GET provisioning-options, and that deliberately pick a badge in use. */
  optionsPickShare: number;
  conflictPickShare: number;
  /** Share of visits whose sign-in is replayed while in flight, and after completion. */
  replayInFlightShare: number;
  replayAfterCompletionShare: number;
  /** Share of visits by returning visitors (same e-mail, so the same person in the PACS). */
  regularShare: number;

  faults: Record<FaultKind, boolean>;
  /** Error-rate windows (all PACS requests of one simulator fail with 500/503 at `errorRate`). */
  errorEveryMs: number;
  errorWindowMs: number;
  errorRate: number;
  /** Outage windows (connections reset), alternating between the simulators. */
  outageEveryMs: number;
  outageWindowMs: number;
  /** A drop-after-commit on creates is queued on each simulator this often (when none is pending). */
  dropEveryMs: number;
  /** Windows in which both simulators refuse the service's password; some visitors sign out inside each. */
  refusalAtMs: number[];
  refusalWindowMs: number;
  signOutsPerRefusal: number;
  /** SIGKILL of a service instance (alternating), each restarted at once. */
  serviceKills: number;
  killEveryMs: number;
  /** SIGKILL and restart of the Temporal dev server, at these offsets from the workload's start. */
  temporalRestartAtMs: number[];
  /** Visit workflows cancelled / terminated through the Temporal CLI, spread over the workload. */
  cancels: number;
  terminates: number;
  cancelEveryMs: number;

  /** Hard bound of the workload phase; the run then settles whatever is still open. */
  workloadTimeoutMs: number;
  /** After faults are cleared: how long open visits may take to complete. */
  settleMs: number;
  /** PACS state is sampled this often for "two people on one card" and "two badges per visitor". */
  sampleEveryMs: number;
  seed: number;
  /** Progress lines on stdout. */
  verbose: boolean;
  /** Keep the run directory (logs, Temporal database) even when the run passed. */
  keep: boolean;
}

export function defaultOptions(over: Partial<ChaosOptions> = {}): ChaosOptions {
  const visits = over.visits ?? 500;
  const base: ChaosOptions = {
    visits,
    concurrency: 24,
    badgesPerProvider: 40,
    visitDurationMs: 45_000,
    stayMs: [2_000, 25_000],
    deprovisionShare: 0.12,
    endOfDayShare: 0.12,
    retryShare: 0.7,
    maxRetries: 2,
    optionsPickShare: 0.2,
    conflictPickShare: 0.03,
    replayInFlightShare: 0.05,
    replayAfterCompletionShare: 0.05,
    regularShare: 0.15,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, true])) as Record<FaultKind, boolean>,
    errorEveryMs: 20_000,
    errorWindowMs: 4_000,
    errorRate: 0.2,
    outageEveryMs: 45_000,
    outageWindowMs: 5_000,
    dropEveryMs: 2_000,
    refusalAtMs: [25_000, 150_000, 300_000],
    refusalWindowMs: 8_000,
    signOutsPerRefusal: 3,
    serviceKills: 12,
    killEveryMs: 30_000,
    temporalRestartAtMs: [70_000, 250_000],
    cancels: 5,
    terminates: 5,
    cancelEveryMs: 12_000,
    workloadTimeoutMs: 20 * 60_000,
    settleMs: 120_000,
    sampleEveryMs: 1_500,
    seed: Date.now() % 1_000_000,
    verbose: true,
    keep: false,
  };
  return { ...base, ...over, faults: { ...base.faults, ...over.faults } };
}

/** About 70 visits, two service kills, one Temporal restart, a few cancels and terminates: for `npm test`. */
export function smallOptions(over: Partial<ChaosOptions> = {}): ChaosOptions {
  return defaultOptions({
    // The workload must outlast the last planned fault: on a fast machine 60 visits were done in 48 s, before
    // the second kill (due at 40 s, after both instances are ready again and an activity is found to hit).
    visits: 72,
    concurrency: 12,
    badgesPerProvider: 16,
    visitDurationMs: 25_000,
    stayMs: [1_000, 12_000],
    errorEveryMs: 12_000,
    errorWindowMs: 3_000,
    outageEveryMs: 25_000,
    outageWindowMs: 3_000,
    refusalAtMs: [18_000],
    refusalWindowMs: 6_000,
    serviceKills: 2,
    killEveryMs: 15_000,
    temporalRestartAtMs: [32_000],
    cancels: 2,
    terminates: 2,
    cancelEveryMs: 8_000,
    workloadTimeoutMs: 150_000,
    settleMs: 45_000,
    conflictPickShare: 0.05,
    sampleEveryMs: 1_000,
    ...over,
  });
}

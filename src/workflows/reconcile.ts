import type { RetryPolicy } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { BookkeepingActivities, PacsActivities } from '../activities';
import type { ReconcileSummary, ReconcileTrigger } from '../activities/reconcile';
import { reconcileWorkflowId } from './ids';
import { FAILURES_NEEDING_A_PERSON, PROVIDER_LEVEL_FAILURES } from '../pacs/errors';
import { runForProvider, type ScheduledOutcome } from './scheduled';

/** Pool badges compared per activity call: bounded work per attempt, a heartbeat after each badge. */
export const BADGES_PER_CALL = 50;

/**
 * Retrying cannot fix these: a person must (credentials, licence, TLS), or the provider is gone. Decided
 * by this workflow's policy rather than marked by the activities; a failure of one badge is a finding,
 * not a reason to stop, so only the provider-level failures a person must fix, plus our own two.
 */
const NON_RETRYABLE = [...PROVIDER_LEVEL_FAILURES.filter((c) => FAILURES_NEEDING_A_PERSON.includes(c)), 'RECONCILE_RUN_NOT_FOUND', 'TEMPORAL_CLIENT_MISSING'];

// Bookkeeping against our own database: retry until it lands.
const db = proxyActivities<BookkeepingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
});

// The next scheduled run tries again in minutes: a few retries ride out a blip, then the run fails with
// the PACS's reason, recorded on the run and visible in the Temporal UI.
const retry: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE,
};

// Describes every open visit's workflow, a few at a time, with a heartbeat after each few.
const temporalChecks = proxyActivities<BookkeepingActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry });

const pacs = proxyActivities<PacsActivities>({ startToCloseTimeout: '2 minutes', retry });

// One badge can take several PACS requests queued behind the provider's connection limit; the heartbeat
// after each badge is what shows the page is still moving, and lets a retry resume after the last one.
const sweep = proxyActivities<PacsActivities>({ startToCloseTimeout: '15 minutes', heartbeatTimeout: '2 minutes', retry });

export interface ReconcileInput {
  providerId: string;
  trigger?: ReconcileTrigger;
}

function reasonOf(err: unknown): { code: string; message: string } {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure && e.type && /^[A-Z][A-Z0-9_]+$/.test(e.type)) return { code: e.type, message: e.message };
  if (e instanceof TimeoutFailure) {
    return { code: 'PACS_TIMEOUT', message: 'A reconciliation step took too long. Check the server load and the network path; the next run tries again.' };
  }
  const m = e instanceof Error ? e.message : String(e);
  return { code: 'RECONCILE_FAILED', message: `Reconciliation failed: ${m}` };
}

/**
 * Reconciles one provider: closes visits whose workflow can no longer close them (terminated, failed,
 * timed out, cancelled, missing), then compares every pool badge with the PACS. Started with the ID
 * `reconcile-<providerId>`, so runs of one provider never overlap. Every run is recorded
 * (GET /v1/providers/:id/reconciliation); a failed run is recorded and then fails with the PACS's code.
 */
export async function reconcileProvider(input: ReconcileInput): Promise<ReconcileSummary> {
  let runId: string;
  try {
    ({ runId } = await db.beginReconcileRun({ providerId: input.providerId, trigger: input.trigger ?? 'api' }));
  } catch (err) {
    const reason = reasonOf(err);
    throw ApplicationFailure.create({ type: reason.code, message: reason.message, nonRetryable: true });
  }
  try {
    const stranded = await temporalChecks.findStrandedVisits({ runId });
    for (const s of stranded) await pacs.closeStrandedVisit({ runId, visitId: s.visitId, reason: s.reason });
    let after: string | null = null;
    for (;;) {
      const page: { nextCursor: string | null } = await sweep.sweepPoolBadges({ runId, after, limit: BADGES_PER_CALL });
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    return await db.finishReconcileRun({ runId });
  } catch (err) {
    const reason = isCancellation(err) ? { code: 'RECONCILE_CANCELLED', message: 'The reconciliation was cancelled.' } : reasonOf(err);
    // Recorded even when cancelled, so the run does not stay "running" for ever.
    await CancellationScope.nonCancellable(() => db.failReconcileRun({ runId, error: reason }));
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.create({ type: reason.code, message: reason.message, nonRetryable: true });
  }
}

/** What the provider's schedule starts (see runForProvider). */
export function scheduledReconcile(input: { providerId: string }): Promise<ScheduledOutcome<ReconcileSummary>> {
  return runForProvider(reconcileProvider, reconcileWorkflowId(input.providerId), input.providerId);
}

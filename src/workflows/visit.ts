import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type RetryPolicy,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BookkeepingActivities, PacsActivities } from '../activities';
import { FAILURES_NEEDING_A_PERSON } from '../pacs/errors';
import { SA } from './search-attributes';
import { describeFailure, switchOffActivityOptions, switchOffUntilDone } from './switch-off';
import {
  DEFAULT_VISIT_TIMING,
  END_REASONS,
  deprovisionNowSignal,
  retrySignal,
  outcomeUpdate,
  retryUpdate,
  signOutSignal,
  stateQuery,
  type VisitError,
  type VisitInput,
  type VisitState,
  type VisitStatus,
} from './visit-contract';

export * from './visit-contract';

/**
 * Runs started before this patch keep the first version's behaviour to the end (their histories must
 * replay): one deprovisioning activity retried by Temporal, no cancellation clean-up, roll-back only of a
 * credential this run saw issued. Runs started after it switch off in reported rounds, end the visit on
 * Cancel, and roll back whatever an issue attempt may have created.
 */
export const END_GUARANTEE_PATCH = 'end-guarantee-v2';

/**
 * Runs started after this patch provision in two PACS activities (checks, then issue-and-grant) instead
 * of six, and keep their database bookkeeping in local activities on the workflow's own worker: fewer
 * task-queue round trips between a visitor at the desk and an active badge.
 */
export const FAST_PROVISION_PATCH = 'fast-provision-v3';

/**
 * One visit, from sign-in to badge switched off. Guarantees (product brief, "Visit lifecycle"):
 * provision after the seeds' checks, each failing with its own reason; stay active until sign-out,
 * the end of the location's day, or "deprovision now"; then switch the badge off, retrying every failure
 * until it is done. Cancel from the Temporal UI ends the visit the same way.
 */
export async function visitWorkflow(input: VisitInput): Promise<VisitState> {
  const timing = { ...DEFAULT_VISIT_TIMING, ...input.timing };
  const v2 = patched(END_GUARANTEE_PATCH);
  const v3 = v2 && patched(FAST_PROVISION_PATCH);
  // Database bookkeeping runs on our own queue (v3: as local activities in the workflow's worker); PACS
  // calls on the provider's queue (see docs/architecture.md).
  const bookkeepingRetry: RetryPolicy = { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['VISIT_NOT_FOUND'] };
  const db = v3
    ? proxyLocalActivities<BookkeepingActivities>({ startToCloseTimeout: '10 seconds', retry: bookkeepingRetry })
    : proxyActivities<BookkeepingActivities>({
        // A row update takes milliseconds; a killed worker's bookkeeping is retried after this long.
        startToCloseTimeout: '10 seconds',
        retry: bookkeepingRetry,
      });
  const provisionPacs = proxyActivities<PacsActivities>({
    taskQueue: input.pacsTaskQueue,
    // A visitor is waiting at reception. Activities heartbeat, so a crashed worker's call is retried
    // elsewhere after the heartbeat timeout rather than after the whole start-to-close timeout.
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '5 seconds',
    // On Cancel, wait for an in-flight PACS call to end before switching off: a credential issued after
    // the clean-up looked would otherwise be left behind.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: timing.provisionInitialIntervalMs,
      maximumInterval: timing.provisionMaxIntervalMs,
      backoffCoefficient: 2,
      maximumAttempts: timing.provisionAttempts,
      nonRetryableErrorTypes: [...FAILURES_NEEDING_A_PERSON],
    },
  });
  // v2: one attempt per round; the workflow schedules the next (src/workflows/switch-off.ts).
  const switchOffPacs = proxyActivities<PacsActivities>(switchOffActivityOptions(input.pacsTaskQueue));
  // First version: Temporal retries without an attempt limit.
  const legacyDeprovisionPacs = proxyActivities<PacsActivities>({
    taskQueue: input.pacsTaskQueue,
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: timing.deprovisionInitialIntervalMs,
      maximumInterval: timing.deprovisionMaxIntervalMs,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: ['PROVIDER_NOT_FOUND', 'VISIT_NOT_FOUND'],
    },
  });

  const state: VisitState = { visitId: input.visitId, status: 'provisioning', signOutRequested: false, attempts: 0 };
  let endRequested: 'signOut' | 'deprovisionNow' | null = null;
  let retryRequested = false;
  /** The last status the Visit row is known to hold (the API reads the row). */
  let recordedStatus: VisitStatus = 'provisioning';

  setHandler(stateQuery, () => state);
  setHandler(outcomeUpdate, async () => {
    await condition(() => recordedStatus !== 'provisioning');
    return { status: recordedStatus };
  });
  setHandler(signOutSignal, () => {
    state.signOutRequested = true;
    endRequested ??= 'signOut';
  });
  setHandler(deprovisionNowSignal, () => {
    endRequested ??= 'deprovisionNow';
  });
  setHandler(retrySignal, () => {
    if (state.status === 'provision_failed') retryRequested = true;
  });
  setHandler(
    retryUpdate,
    () => {
      retryRequested = true;
      return { accepted: true as const };
    },
    {
      validator: () => {
        if (state.status !== 'provision_failed') {
          throw new Error(`The visit is ${state.status}; only a visit whose provisioning failed can be retried.`);
        }
      },
    },
  );

  const showDetails = () => {
    if (!v2) return;
    const lines = [`**${state.status}** · badge ${input.badgeNumber} · ${input.visitorName}`];
    if (state.endsAt) lines.push(`Ends at ${state.endsAt}.`);
    const e = state.lastError;
    if (e) {
      lines.push(`**${e.code}**: ${e.message}`);
      if (e.during) lines.push(`While ${e.during}: attempt ${e.attempts} failed; next attempt at ${e.nextAttemptAt}.`);
    }
    setCurrentDetails(lines.join('\n\n'));
  };

  const transition = async (status: VisitStatus, detail?: string, error?: VisitError | null) => {
    state.status = status;
    if (error !== undefined) state.lastError = error ?? undefined;
    upsertSearchAttributes([{ key: SA.status, value: status }]);
    showDetails();
    await db.recordVisitStatus({ visitId: input.visitId, status, detail, error });
    recordedStatus = status;
  };

  if (!input.resume) {
    upsertSearchAttributes([
      { key: SA.visitId, value: input.visitId },
      { key: SA.locationId, value: input.locationId },
      { key: SA.providerId, value: input.providerId },
      { key: SA.badgeId, value: input.badgeId },
      { key: SA.badgeUniqueId, value: input.badgeNumber },
      { key: SA.visitorName, value: input.visitorName },
      { key: SA.status, value: 'provisioning' },
    ]);
  }

  if (!v2) return lifecycle();
  try {
    return await lifecycle();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancel in the Temporal UI means "end the visit now": switch off, release, complete.
    log.info('visit cancelled; switching the badge off', { visitId: input.visitId });
    return CancellationScope.nonCancellable(() => finish(END_REASONS.cancelled));
  }

  async function lifecycle(): Promise<VisitState> {
    const { endsAt } = await db.beginVisit({ visitId: input.visitId });
    state.endsAt = endsAt;
    if (input.resume) {
      state.status = 'deprovisioning';
      recordedStatus = 'deprovisioning';
      return finish(input.resume.reason, input.resume);
    }
    // Workflow time is replay-safe; the time-zone arithmetic that produced endsAt ran in an activity.
    const msUntilEnd = () => Math.max(0, Date.parse(endsAt) - Date.now());

    // Provision, and on failure wait for a retry, sign-out or the end of the day.
    for (;;) {
      if (endRequested) break;
      state.attempts++;
      const failure = await provision(endsAt);
      if (!failure) {
        await transition('active', `badge ${input.badgeNumber} active until ${endsAt}`, null);
        break;
      }
      // Cleared before the status is announced: a retry sent as soon as an operator sees
      // provision_failed can arrive while that status is still being recorded.
      retryRequested = false;
      await transition('provision_failed', failure.message, failure);
      const woke = await condition(() => retryRequested || endRequested !== null, msUntilEnd());
      if (!woke) break; // end of day: nothing to keep open for
      if (endRequested) break;
      await transition('provisioning', 'retry requested by an operator');
    }

    if (state.status === 'active') {
      const early = await condition(() => endRequested !== null, msUntilEnd());
      log.info('visit ending', { visitId: input.visitId, reason: early ? endRequested : 'endOfDay' });
    }
    return finish(endRequested ? END_REASONS[endRequested] : END_REASONS.endOfDay);
  }

  /** Switches the badge off until done, gives it back to the pool, completes the visit. */
  async function finish(reason: string, resumed?: VisitInput['resume']): Promise<VisitState> {
    if (!resumed) await transition('deprovisioning', reason);
    await deprovision('switching the badge off', { reason, resumed });
    await db.releaseBadge({ visitId: input.visitId });
    // A switch-off error is history once the badge is off; a provisioning failure stays on the record.
    await transition('completed', `badge ${input.badgeNumber} released (${reason})`, state.lastError?.during ? null : undefined);
    return state;
  }

  /** Returns null on success, or the reason it failed; leaves nothing half-granted behind. */
  async function provision(endsAt: string): Promise<VisitError | null> {
    let issuing = false;
    try {
      if (v3) {
        const { personId } = await provisionPacs.prepareProvision({ visitId: input.visitId });
        state.personId = personId;
        issuing = true;
        const { credentialId } = await provisionPacs.issueAndGrant({ visitId: input.visitId, personId, endsAt });
        state.credentialId = credentialId;
        return null;
      }
      await provisionPacs.precheckConfiguration({ visitId: input.visitId });
      const { personId } = await provisionPacs.ensureVisitorInPacs({ visitId: input.visitId });
      state.personId = personId;
      await provisionPacs.checkBadgeAvailable({ visitId: input.visitId, personId });
      await provisionPacs.checkVisitorHasNoOtherBadge({ visitId: input.visitId, personId });
      issuing = true;
      const { credentialId } = await provisionPacs.issueCredential({ visitId: input.visitId, personId, endsAt });
      state.credentialId = credentialId;
      await provisionPacs.grantAccessRules({ visitId: input.visitId, personId, credentialId });
      return null;
    } catch (err) {
      if (v2 && isCancellation(err)) throw err;
      const reason = describeFailure(err);
      // v2: an issue attempt that failed may still have created the credential (its answer was lost).
      if (state.credentialId || (v2 && issuing)) {
        // The credential exists but access was not (fully) granted: switch it all off again.
        await deprovision('switching off the half-issued credential');
        state.credentialId = undefined;
      }
      return reason;
    }
  }

  // Works from what the database recorded, not from this run's memory: an earlier worker may have
  // issued a credential just before it crashed.
  async function deprovision(during: string, ending?: { reason: string; resumed?: VisitInput['resume'] }) {
    if (!v2) {
      await legacyDeprovisionPacs.revokeAndDeactivate({ visitId: input.visitId });
      return;
    }
    await switchOffUntilDone(
      {
        attempt: () => switchOffPacs.revokeAndDeactivate({ visitId: input.visitId }),
        report: (error) => {
          state.lastError = error;
          showDetails();
          return db.recordSwitchOffFailure({ visitId: input.visitId, error });
        },
        afterFailure: async (error) => {
          // Only the final switch-off carries over: a roll-back during provisioning is bounded by the day.
          if (ending && workflowInfo().historyLength > timing.continueAsNewAfterEvents) {
            await continueAsNew<typeof visitWorkflow>({ ...input, resume: { reason: ending.reason, attempts: error.attempts ?? 0, since: error.since } });
          }
        },
      },
      timing,
      during,
      ending?.resumed,
    );
    state.credentialId = undefined;
  }
}

import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type RetryPolicy,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BookkeepingActivities, PacsActivities } from '../activities';
import { FAILURES_NEEDING_A_PERSON } from '../pacs/errors';
import { initialVisitAttributes, SA } from './search-attributes';
import { describeFailure, failureCause, switchOffActivityOptions, switchOffUntilDone } from './switch-off';
import { approvalRefusal, approvedNote, deniedReason } from './approval';
import { currentDetails } from './visit-details';
import {
  DEFAULT_VISIT_TIMING,
  END_REASONS,
  approveUpdate,
  endOfDayOffsetMs,
  denyUpdate,
  deprovisionNowSignal,
  failedBeforeIssue,
  laterProvisionActivityId,
  pacsRetryingSignal,
  retrySignal,
  outcomeUpdate,
  retryUpdate,
  senderOf,
  signOutSignal,
  stateQuery,
  type ApprovalDecision,
  type VisitActorRef,
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
 * Runs started after this patch at a location whose badges work only once approved
 * (`requiresApproval`) issue the credential inactive, wait in `awaiting_approval` for the approve or deny
 * update, and activate and grant on approval (src/workflows/approval.ts has the phase's rules).
 */
export const APPROVAL_PATCH = 'approval-v4';

/**
 * Runs started after this patch keep the `VisitErrorCode` search attribute in step with the visit's
 * current failure, so operators can filter on a reason code in the Temporal UI.
 */
export const OPERATOR_VIEW_PATCH = 'operator-view-v4';

/**
 * Runs started after this patch provision in one PACS activity (`provisionVisit`: checks, then issue and
 * grant) instead of two: one workflow task and one task-queue round trip fewer between the visitor at the
 * desk and an active badge. A failure before issuing says so, and nothing is rolled back for it.
 */
export const ONE_CALL_PROVISION_PATCH = 'one-call-provision-v5';

/**
 * Runs that reach their end after this patch give the badge back and record `completed` in one local
 * activity (one transaction) instead of two: the last workflow task of every visit does half the work.
 */
export const RELEASE_AND_COMPLETE_PATCH = 'release-and-complete-v6';

/**
 * Runs started after this patch have every change above, recorded by this one marker instead of one each
 * (each marker comes with an upsert of the TemporalChangeVersion search attribute: two history events and
 * a visibility write per patch, per visit), and end in one activity where the PACS activities run on the
 * workflow's own task queue (`finishInOneCall`); `provisionVisit` records `active` itself, so no local activity
 * follows it either. Older runs replay through the patches above, which their histories hold.
 */
export const VISIT_V7_PATCH = 'visit-v7';

/**
 * Runs started after this patch have everything v7 has, and make the first attempt of a provision and of
 * each switch-off a local activity, run by the worker inside the workflow task that asks for it, where the
 * PACS calls run on the workflow's own task queue: a visit's sign-in and its end are then one workflow task
 * each, with no activity task between them and no second task to take the answer. Only a first attempt that
 * fails for a reason worth retrying goes on as before, as ordinary activities on the same schedule, so an
 * operator finds a failing call under Pending Activities as always. Older runs replay as they were.
 */
export const VISIT_V8_PATCH = 'visit-v8';

/**
 * One visit, from sign-in to badge switched off. Guarantees (product brief, "Visit lifecycle"):
 * provision after the seeds' checks, each failing with its own reason; stay active until sign-out,
 * the end of the location's day, or "deprovision now"; then switch the badge off, retrying every failure
 * until it is done. Cancel from the Temporal UI ends the visit the same way.
 */
export async function visitWorkflow(input: VisitInput): Promise<VisitState> {
  const timing = { ...DEFAULT_VISIT_TIMING, ...input.timing };
  const v8 = patched(VISIT_V8_PATCH);
  const v7 = v8 || patched(VISIT_V7_PATCH);
  const v2 = v7 || patched(END_GUARANTEE_PATCH);
  const v3 = v7 || (v2 && patched(FAST_PROVISION_PATCH));
  const approvalV4 = v3 && input.requiresApproval === true && (v7 || patched(APPROVAL_PATCH));
  const operatorView = v7 || (v3 && patched(OPERATOR_VIEW_PATCH));
  const oneCall = v7 || (v3 && patched(ONE_CALL_PROVISION_PATCH));
  // v7: the end in one activity, where that activity runs on the workflow's own queue (see finishInOneCall).
  const oneCallSwitchOff = v7 && !input.pacsQueueApart;
  // v8: first attempts in the workflow task, where the PACS calls run in the workflow's own worker.
  const firstAttemptLocal = v8 && !input.pacsQueueApart;
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
  // VISIT_DAY_OVER: an approval that comes after the end of the day is never carried out.
  const provisionNotRetried = [...FAILURES_NEEDING_A_PERSON, 'VISIT_DAY_OVER'];
  /** A provisioning PACS activity retried by Temporal from `initialIntervalMs`, up to `maximumAttempts`. */
  const provisionOptions = (initialIntervalMs: number, maximumAttempts: number): ActivityOptions => ({
    taskQueue: input.pacsTaskQueue,
    // A visitor is waiting at reception. Activities heartbeat, so a crashed worker's call is retried
    // elsewhere after the heartbeat timeout rather than after the whole start-to-close timeout.
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '5 seconds',
    // On Cancel, wait for an in-flight PACS call to end before switching off: a credential issued after
    // the clean-up looked would otherwise be left behind.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: initialIntervalMs,
      maximumInterval: timing.provisionMaxIntervalMs,
      backoffCoefficient: 2,
      maximumAttempts,
      nonRetryableErrorTypes: provisionNotRetried,
    },
  });
  const provisionPacs = proxyActivities<PacsActivities>(provisionOptions(timing.provisionInitialIntervalMs, timing.provisionAttempts));
  /**
   * v8: a first attempt in the workflow's own worker, inside the workflow task. A worker that dies in it is
   * noticed when the workflow task times out (10 s), and the attempt runs again on another worker.
   */
  const firstPacs = proxyLocalActivities<PacsActivities>({
    startToCloseTimeout: '1 minute',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 1 },
  });
  /**
   * v8: what follows a first attempt that failed for a reason worth retrying: the rest of the schedule above.
   * Attempt k here is attempt k + 1 of the visit's, so its retries start at the schedule's second wait.
   */
  const laterProvisionPacs = proxyActivities<PacsActivities>(
    provisionOptions(Math.min(timing.provisionInitialIntervalMs * 2, timing.provisionMaxIntervalMs), Math.max(1, timing.provisionAttempts - 1)),
  );
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

  const state: VisitState = { visitId: input.visitId, status: 'provisioning', attempts: 0 };
  let endRequested: 'signOut' | 'deprovisionNow' | null = null;
  let retryRequested = false;
  // Who asked for the ending and for the last retry, for the timeline and the audit log.
  let endedBy: VisitActorRef | undefined;
  let retryBy: VisitActorRef | undefined;
  /** The last status the Visit row is known to hold (the API reads the row). */
  let recordedStatus: VisitStatus = 'provisioning';
  /** approval-v4: the host's (or security's) answer while awaiting approval; an approval outlives a failed activation. */
  let decision: (ApprovalDecision & { approved: boolean; decidedBy: VisitActorRef }) | null = null;

  setHandler(stateQuery, () => state);
  setHandler(outcomeUpdate, async () => {
    await condition(() => recordedStatus !== 'provisioning');
    return { status: recordedStatus };
  });
  setHandler(signOutSignal, (arg) => {
    if (!endRequested) endedBy = senderOf(arg);
    endRequested ??= 'signOut';
  });
  setHandler(deprovisionNowSignal, (arg) => {
    if (!endRequested) endedBy = senderOf(arg);
    endRequested ??= 'deprovisionNow';
  });
  setHandler(pacsRetryingSignal, (r) => {
    // The last attempt's notice, or one after the outcome, is not a retry.
    if (state.status !== 'provisioning' || r.attempt >= timing.provisionAttempts) return;
    const delay = Math.min(timing.provisionInitialIntervalMs * 2 ** (r.attempt - 1), timing.provisionMaxIntervalMs);
    state.retrying = { ...r, nextAttemptAt: new Date(Date.now() + delay).toISOString() };
    showDetails();
  });
  setHandler(retrySignal, () => {
    if (state.status === 'provision_failed') {
      retryRequested = true;
      retryBy = senderOf();
    }
  });
  setHandler(
    retryUpdate,
    (arg?: { actor?: { userId: string } }) => {
      retryRequested = true;
      retryBy = senderOf(arg);
      return { accepted: true as const };
    },
    {
      validator: (_arg?: { actor?: { userId: string } }) => {
        if (state.status !== 'provision_failed') {
          throw new Error(`The visit is ${state.status}; only a visit whose provisioning failed can be retried.`);
        }
      },
    },
  );

  const decidable = (what: string) => (_d?: ApprovalDecision) => {
    const refusal = approvalRefusal(
      {
        status: state.status,
        endsAt: state.endsAt,
        decided: decision ? (decision.approved ? 'approved' : 'denied') : null,
        ending: endRequested !== null,
        now: Date.now(),
      },
      what,
    );
    if (refusal) throw new Error(refusal);
  };
  setHandler(
    approveUpdate,
    async (d?: ApprovalDecision) => {
      decision ??= { approved: true, by: d?.by, decidedBy: senderOf(d) };
      // Answers with the outcome (active, or provision_failed and why), so a caller can wait for the doors.
      await condition(() => recordedStatus !== 'awaiting_approval' && recordedStatus !== 'provisioning');
      return { status: recordedStatus };
    },
    { validator: decidable('approved') },
  );
  setHandler(
    denyUpdate,
    (d?: ApprovalDecision) => {
      decision ??= { approved: false, by: d?.by, reason: d?.reason, decidedBy: senderOf(d) };
      return { accepted: true as const };
    },
    { validator: decidable('denied') },
  );

  // Metadata, not a command: every run, old or new, shows the current layout.
  const showDetails = () => {
    if (v2) setCurrentDetails(currentDetails(input, state, endsAtLabel));
  };
  /** Keeps the reason-code search attribute in step with the current failure (operator-view-v4). */
  const errorCodeAttribute = (error: VisitError | null | undefined) =>
    operatorView && error !== undefined ? [{ key: SA.errorCode, value: error ? error.code : null }] : [];
  let endsAtLabel: string | undefined;
  /** How many endings this run has had (a Cancel during a switch-off is a second): keys what each records. */
  let endings = 0;

  /** The status where operators see it: the search attributes and the workflow's current details. */
  const show = (status: VisitStatus, error?: VisitError | null) => {
    state.status = status;
    if (error !== undefined) state.lastError = error ?? undefined;
    upsertSearchAttributes([{ key: SA.status, value: status }, ...errorCodeAttribute(error)]);
    showDetails();
  };
  const transition = async (status: VisitStatus, detail?: string, error?: VisitError | null, actor?: VisitActorRef, record = db.recordVisitStatus) => {
    show(status, error);
    await record({ visitId: input.visitId, status, detail, error, ...(actor ? { actor } : {}) });
    recordedStatus = status;
  };

  if (!input.resume) {
    const initial = initialVisitAttributes(input);
    // The API sets them all at start (filterable before the first task); a visit started another way, or
    // by an API from before providerId and badgeId were among them, gets them here. The start event
    // decides, so every replay takes the same branch; no patch marker, which would cost the event saved.
    const started = workflowInfo().typedSearchAttributes;
    if (initial.some(({ key, value }) => started.get(key) !== value)) upsertSearchAttributes(initial);
  }

  if (!v2) return lifecycle();
  try {
    return await lifecycle();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancel in the Temporal UI means "end the visit now": switch off, release, complete.
    log.info('visit cancelled; switching the badge off', { visitId: input.visitId });
    return CancellationScope.nonCancellable(() => finish(END_REASONS.cancelled, undefined, { system: 'Temporal UI' }));
  }

  /** How a visit ends, and who ended it (for the timeline and the audit log). */
  type Ending = { reason: string; by?: VisitActorRef };
  // Function declarations below, not consts: the code above returns into lifecycle() before reaching them.
  /** The ending asked for (sign-out, deprovision-now), or else the end of the day. */
  function endingNow(): Ending {
    return endRequested ? { reason: END_REASONS[endRequested], by: endedBy } : { reason: END_REASONS.endOfDay, by: { system: 'end of day' } };
  }

  /** The lifecycle in docs/architecture.md: provision until active, wait for the end, switch off until done. */
  async function lifecycle(): Promise<VisitState> {
    const begun = await db.beginVisit({ visitId: input.visitId });
    const endsAt = begun.endsAt;
    state.endsAt = endsAt;
    // Histories from before the label existed replay with the bare instant.
    endsAtLabel = begun.endsAtLabel;
    if (input.resume) {
      state.status = 'deprovisioning';
      recordedStatus = 'deprovisioning';
      return finish(input.resume.reason, input.resume, input.resume.by);
    }
    const ended = await provisionUntilActive(endsAt);
    const ending = ended ?? (await waitForTheEnd(endsAt));
    return finish(ending.reason, undefined, ending.by);
  }

  function activeDetail(endsAt: string) {
    return `badge ${input.badgeNumber} active until ${endsAt}`;
  }
  function releasedDetail(reason: string) {
    return `badge ${input.badgeNumber} released (${reason})`;
  }

  /** Workflow time is replay-safe; the time-zone arithmetic that produced endsAt ran in an activity. */
  function msUntil(endsAt: string) {
    return Math.max(0, Date.parse(endsAt) - Date.now());
  }
  function endOfDaySummary(endsAt: string) {
    return `end of day ${endsAtLabel ?? endsAt}`;
  }

  /**
   * Phase 1: provision (after approval, where the location asks for it); on failure wait for a retry, a
   * sign-out or the end of the day. Returns null once the badge is active, else how the visit ends.
   */
  async function provisionUntilActive(endsAt: string): Promise<Ending | null> {
    for (;;) {
      if (endRequested) return endingNow();
      state.attempts++;
      // approval-v4: until someone approves, the credential is issued inactive and access is not granted.
      const pending = approvalV4 && !decision?.approved;
      let failure = await provision(endsAt, pending);
      state.retrying = undefined;
      if (!failure && pending) {
        const ended = await awaitApproval(() => msUntil(endsAt));
        if (ended) return { reason: ended, by: endRequested ? endedBy : decision ? decision.decidedBy : { system: 'end of day' } };
        failure = await activate(endsAt);
      }
      if (!failure) {
        if (v7 && !pending) {
          // v7: provisionVisit recorded `active` itself, with the badge switched on.
          show('active', null);
          recordedStatus = 'active';
        } else await transition('active', activeDetail(endsAt), null);
        return null;
      }
      // Cleared before the status is announced: a retry sent as soon as an operator sees
      // provision_failed can arrive while that status is still being recorded.
      retryRequested = false;
      await transition('provision_failed', failure.message, failure);
      const woke = await condition(() => retryRequested || endRequested !== null, msUntil(endsAt), {
        summary: `${endOfDaySummary(endsAt)}, or a retry or sign-out`,
      });
      if (!woke || endRequested) return endingNow(); // the end of the day: nothing to keep open for
      await transition('provisioning', 'retry requested by an operator', undefined, retryBy);
    }
  }

  /** Phase 2: the badge is active until sign-out, deprovision-now or the end of the day. */
  async function waitForTheEnd(endsAt: string): Promise<Ending> {
    // v8: each visit at its own offset within the spread, so a location's visits do not all end in one instant.
    const spread = v8 ? endOfDayOffsetMs(input.visitId, timing.endOfDaySpreadMs) : 0;
    const early = await condition(() => endRequested !== null, msUntil(endsAt) + spread, { summary: endOfDaySummary(endsAt) });
    log.info('visit ending', { visitId: input.visitId, reason: early ? endRequested : 'endOfDay' });
    return endingNow();
  }

  /**
   * approval-v4: the credential exists, inactive; waits for approve, deny, sign-out or the end of the day. Returns
   * null once approved, else why the visit ends.
   */
  async function awaitApproval(msUntilEnd: () => number): Promise<string | null> {
    await transition('awaiting_approval', `badge ${input.badgeNumber} issued inactive; waiting for approval`);
    const woke = await condition(() => decision !== null || endRequested !== null, msUntilEnd(), {
      summary: `approval, deny, sign-out or end of day ${endsAtLabel ?? state.endsAt}`,
    });
    if (endRequested) return END_REASONS[endRequested];
    if (!woke || !decision) return END_REASONS.notApproved;
    if (!decision.approved) return deniedReason(decision);
    // Provisioning again until the badge is on: a failed activation's roll-back shows here, not as "awaiting".
    await transition('provisioning', `${approvedNote(decision)}; switching the badge on`, undefined, decision.decidedBy);
    return null;
  }

  /** approval-v4: approval switches the inactive credential on and grants access in one PACS activity. */
  async function activate(endsAt: string): Promise<VisitError | null> {
    try {
      await provisionPacs.activateAndGrant.executeWithOptions({ summary: `switch badge ${input.badgeNumber} on and grant its access rules (approved)` }, [
        { visitId: input.visitId, personId: state.personId!, credentialId: state.credentialId!, endsAt },
      ]);
      return null;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const reason = describeFailure(err);
      await deprovision('switching off the half-activated credential');
      return reason;
    }
  }

  /** Phase 3: switches the badge off until done, gives it back to the pool, completes the visit. */
  async function finish(reason: string, resumed?: VisitInput['resume'], by?: VisitActorRef): Promise<VisitState> {
    const ending = ++endings;
    if (oneCallSwitchOff) return finishInOneCall(reason, ending, resumed, by);
    if (!resumed) await transition('deprovisioning', reason, undefined, by);
    await deprovision('switching the badge off', { reason, resumed, by });
    // A switch-off error is history once the badge is off; a provisioning failure stays on the record.
    const error = state.lastError?.during ? null : undefined;
    const detail = releasedDetail(reason);
    if (v7 || patched(RELEASE_AND_COMPLETE_PATCH)) {
      await transition('completed', detail, error, by, db.releaseBadgeAndRecordStatus);
    } else {
      await db.releaseBadge({ visitId: input.visitId });
      await transition('completed', detail, error, by);
    }
    return state;
  }

  /**
   * v7: one activity (`switchOffAndComplete`) records the ending, switches the badge off, gives it back and
   * records `completed`: no local activity before or after the PACS call. The `deprovisioning` search
   * attribute is set when an attempt fails, with its reason code; an attempt that succeeds goes straight to
   * `completed`. A provider served from a task queue of its own (an on-premises connector) keeps the
   * separate steps, so that with that worker down the visit still says at once that it is being switched off.
   */
  async function finishInOneCall(reason: string, ending: number, resumed?: VisitInput['resume'], by?: VisitActorRef): Promise<VisitState> {
    state.status = 'deprovisioning';
    showDetails();
    const detail = releasedDetail(reason);
    const actor = by ? { actor: by } : {};
    // A switch-off error is history once the badge is off (a resumed run continues after failures).
    const clearedError = () => (state.lastError?.during || resumed ? null : undefined);
    let attempts = 0;
    await switchOffUntilDone(
      {
        attempt: () => {
          const args = {
            visitId: input.visitId,
            ending,
            ...(resumed ? {} : { announce: { detail: reason, ...actor } }),
            completed: { detail, ...(clearedError() === null ? { error: null } : {}), ...actor },
          };
          // v8: the first attempt of this ending in the workflow task; the rounds after it as activities.
          if (firstAttemptLocal && attempts++ === 0) return firstPacs.switchOffAndComplete(args);
          return switchOffPacs.switchOffAndComplete.executeWithOptions({ summary: `switch badge ${input.badgeNumber} off and release it (${reason})` }, [args]);
        },
        report: (error) => {
          recordedStatus = 'deprovisioning';
          show('deprovisioning', error);
          return db.recordSwitchOffFailure({ visitId: input.visitId, error });
        },
        afterFailure: (error) => continueAsNewIfLong(error, { reason, by }),
      },
      timing,
      'switching the badge off',
      resumed,
    );
    state.credentialId = undefined;
    show('completed', clearedError());
    recordedStatus = 'completed';
    return state;
  }

  /** Returns null on success, or the reason it failed; leaves nothing half-granted behind. */
  async function provision(endsAt: string, inactive = false): Promise<VisitError | null> {
    let issuing = false;
    try {
      if (oneCall) {
        issuing = true;
        const args = {
          visitId: input.visitId,
          endsAt,
          ...(inactive ? { inactive } : {}),
          // v7: the activity records `active` once the badge is on: no local activity after it.
          ...(v7 && !inactive ? { active: { detail: activeDetail(endsAt), attempt: state.attempts } } : {}),
        };
        const summary = inactive
          ? `check the PACS configuration, badge ${input.badgeNumber} and ${input.visitorName}; issue the badge inactive until ${endsAtLabel ?? endsAt}, to wait for approval`
          : `check the PACS configuration, badge ${input.badgeNumber} and ${input.visitorName}; issue the badge until ${endsAtLabel ?? endsAt} and grant its access rules`;
        const done = firstAttemptLocal
          ? await provisionFirstLocally(args, summary)
          : await provisionPacs.provisionVisit.executeWithOptions({ summary }, [args]);
        state.personId = done.personId;
        state.credentialId = done.credentialId;
        return null;
      }
      if (v3) {
        const { personId } = await provisionPacs.prepareProvision.executeWithOptions(
          { summary: `check the PACS configuration, badge ${input.badgeNumber} and ${input.visitorName}` },
          [{ visitId: input.visitId }],
        );
        state.personId = personId;
        issuing = true;
        const { credentialId } = inactive
          ? await provisionPacs.issueInactive.executeWithOptions(
              { summary: `issue badge ${input.badgeNumber} inactive until ${endsAtLabel ?? endsAt}, to wait for approval` },
              [{ visitId: input.visitId, personId, endsAt }],
            )
          : await provisionPacs.issueAndGrant.executeWithOptions(
              { summary: `issue badge ${input.badgeNumber} until ${endsAtLabel ?? endsAt} and grant its access rules` },
              [{ visitId: input.visitId, personId, endsAt }],
            );
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
      const cause = failureCause(err);
      if (oneCall && cause instanceof ApplicationFailure && failedBeforeIssue(cause.details)) issuing = false;
      // v2: an issue attempt that failed may still have created the credential (its answer was lost).
      if (state.credentialId || (v2 && issuing)) {
        // The credential exists but access was not (fully) granted: switch it all off again.
        await deprovision('switching off the half-issued credential');
        state.credentialId = undefined;
      }
      return reason;
    }
  }

  /**
   * v8: the provision's first attempt in the workflow task. A failure worth retrying goes on as activities
   * after the first wait of the schedule: the same attempts, waits and retry notices as one activity
   * retried by Temporal. A failure that needs a person, and a cancellation, are what they always were.
   */
  async function provisionFirstLocally(args: Parameters<PacsActivities['provisionVisit']>[0], summary: string) {
    try {
      return await firstPacs.provisionVisit(args);
    } catch (err) {
      if (isCancellation(err) || !worthRetrying(err) || timing.provisionAttempts <= 1) throw err;
    }
    await sleep(timing.provisionInitialIntervalMs, { summary: 'wait before provisioning attempt 2' });
    return laterProvisionPacs.provisionVisit.executeWithOptions({ summary, activityId: laterProvisionActivityId(state.attempts, 1) }, [args]);
  }

  /** What the provision's retry policy would retry: not a failure that needs a person. */
  function worthRetrying(err: unknown): boolean {
    const cause = failureCause(err);
    if (!(cause instanceof ApplicationFailure)) return true;
    return !provisionNotRetried.includes(cause.type ?? '');
  }

  // Works from what the database recorded, not from this run's memory: an earlier worker may have
  // issued a credential just before it crashed.
  async function deprovision(during: string, ending?: { reason: string; resumed?: VisitInput['resume']; by?: VisitActorRef }) {
    if (!v2) {
      await legacyDeprovisionPacs.revokeAndDeactivate({ visitId: input.visitId });
      return;
    }
    await switchOffUntilDone(
      {
        attempt: () =>
          switchOffPacs.revokeAndDeactivate.executeWithOptions({ summary: `switch badge ${input.badgeNumber} off (${during})` }, [{ visitId: input.visitId }]),
        report: (error) => {
          state.lastError = error;
          if (operatorView) upsertSearchAttributes(errorCodeAttribute(error));
          showDetails();
          return db.recordSwitchOffFailure({ visitId: input.visitId, error });
        },
        // Only the final switch-off carries over: a roll-back during provisioning is bounded by the day.
        afterFailure: async (error) => (ending ? continueAsNewIfLong(error, ending) : undefined),
      },
      timing,
      during,
      ending?.resumed,
    );
    state.credentialId = undefined;
  }

  /** A switch-off outage long enough to fill the history goes on in a new run, with its count and start. */
  async function continueAsNewIfLong(error: VisitError, ending: { reason: string; by?: VisitActorRef }) {
    if (workflowInfo().historyLength > timing.continueAsNewAfterEvents) {
      await continueAsNew<typeof visitWorkflow>({
        ...input,
        resume: { reason: ending.reason, attempts: error.attempts ?? 0, since: error.since, ...(ending.by ? { by: ending.by } : {}) },
      });
    }
  }
}

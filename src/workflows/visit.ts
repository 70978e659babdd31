import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SA } from './search-attributes';
import {
  DEFAULT_VISIT_TIMING,
  deprovisionNowSignal,
  retrySignal,
  retryUpdate,
  signOutSignal,
  stateQuery,
  type VisitError,
  type VisitInput,
  type VisitState,
  type VisitStatus,
} from './visit-contract';

export * from './visit-contract';

/** Errors a person must fix; Temporal must not retry them (src/pacs/errors.ts is the catalogue). */
const NON_RETRYABLE = [
  'PACS_TLS',
  'PACS_BAD_RESPONSE',
  'PACS_AUTH',
  'PACS_LICENSE',
  'PACS_FORBIDDEN',
  'PACS_NOT_FOUND',
  'PACS_VALIDATION',
  'PACS_CONFLICT',
  'BADGE_TYPE_MISSING',
  'BADGE_TYPE_NOT_MANUAL',
  'BADGE_ALREADY_ASSIGNED',
  'VISITOR_HAS_ACTIVE_BADGE',
  'BADGE_ID_OUT_OF_RANGE',
  'ACCESS_RULE_MISSING',
  'PROVIDER_NOT_FOUND',
  'SECRET_UNREADABLE',
  'VISIT_NOT_FOUND',
];

/**
 * One visit, from sign-in to badge switched off. Guarantees (product brief, "Visit lifecycle"):
 * provision after the seeds' checks, each failing with its own reason; stay active until sign-out,
 * the end of the location's day, or "deprovision now"; deprovision with retries until it is done.
 */
export async function visitWorkflow(input: VisitInput): Promise<VisitState> {
  const timing = { ...DEFAULT_VISIT_TIMING, ...input.timing };
  // Database bookkeeping runs on our own queue; PACS calls on the provider's queue (see docs/architecture.md).
  const db = proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
  });
  const provisionPacs = proxyActivities<Activities>({
    taskQueue: input.pacsTaskQueue,
    // A visitor is waiting at reception: a crashed worker's activity is retried after at most this long.
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: timing.provisionInitialIntervalMs,
      maximumInterval: timing.provisionMaxIntervalMs,
      backoffCoefficient: 2,
      maximumAttempts: timing.provisionAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  const deprovisionPacs = proxyActivities<Activities>({
    taskQueue: input.pacsTaskQueue,
    startToCloseTimeout: '2 minutes',
    // No attempt limit: a badge left active after the visitor left is the failure we exist to prevent.
    // Auth/licence errors keep retrying too, so fixing the provider's credentials lets it finish.
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

  setHandler(stateQuery, () => state);
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

  const transition = async (status: VisitStatus, detail?: string, error?: VisitError | null) => {
    state.status = status;
    if (error !== undefined) state.lastError = error ?? undefined;
    upsertSearchAttributes([{ key: SA.status, value: status }]);
    await db.recordVisitStatus({ visitId: input.visitId, status, detail, error });
  };

  upsertSearchAttributes([
    { key: SA.visitId, value: input.visitId },
    { key: SA.locationId, value: input.locationId },
    { key: SA.providerId, value: input.providerId },
    { key: SA.badgeId, value: input.badgeId },
    { key: SA.badgeUniqueId, value: input.badgeNumber },
    { key: SA.visitorName, value: input.visitorName },
    { key: SA.status, value: 'provisioning' },
  ]);
  const { endsAt } = await db.beginVisit({ visitId: input.visitId });
  state.endsAt = endsAt;
  // Workflow time is replay-safe; the time-zone arithmetic that produced endsAt ran in an activity.
  const msUntilEnd = () => Math.max(0, Date.parse(endsAt) - Date.now());

  // Provision, and on failure wait for a retry, sign-out or the end of the day.
  for (;;) {
    if (endRequested) break;
    state.attempts++;
    const failure = await provision();
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

  const reason = endRequested === 'signOut' ? 'signed out' : endRequested === 'deprovisionNow' ? 'deprovisioned on request' : 'end of day';
  await transition('deprovisioning', reason);
  await deprovision();
  await db.releaseBadge({ visitId: input.visitId });
  await transition('completed', `badge ${input.badgeNumber} released (${reason})`);
  return state;

  /** Returns null on success, or the reason it failed; leaves nothing half-granted behind. */
  async function provision(): Promise<VisitError | null> {
    try {
      await provisionPacs.precheckConfiguration({ visitId: input.visitId });
      const { personId } = await provisionPacs.ensureVisitorInPacs({ visitId: input.visitId });
      state.personId = personId;
      await provisionPacs.checkBadgeAvailable({ visitId: input.visitId, personId });
      await provisionPacs.checkVisitorHasNoOtherBadge({ visitId: input.visitId, personId });
      const { credentialId } = await provisionPacs.issueCredential({ visitId: input.visitId, personId, endsAt });
      state.credentialId = credentialId;
      await provisionPacs.grantAccessRules({ visitId: input.visitId, personId, credentialId });
      return null;
    } catch (err) {
      const reason = describeFailure(err);
      if (state.credentialId) {
        // The credential exists but access was not (fully) granted: switch it all off again.
        await deprovision();
        state.credentialId = undefined;
      }
      return reason;
    }
  }

  // Works from what the database recorded, not from this run's memory: an earlier worker may have
  // issued a credential just before it crashed.
  async function deprovision() {
    await deprovisionPacs.revokeAndDeactivate({ visitId: input.visitId });
  }
}

function describeFailure(err: unknown): VisitError {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { code: cause.type ?? 'PROVISION_FAILED', message: cause.message };
  }
  if (cause instanceof Error && cause.name === 'TimeoutFailure') {
    return { code: 'PACS_TIMEOUT', message: 'The access control system did not answer in time after several attempts. Check that it is reachable, then retry.' };
  }
  return { code: 'PROVISION_FAILED', message: cause instanceof Error ? cause.message : String(cause) };
}

import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

// The visit workflow's contract with the API and with operators in the Temporal UI. Importable from
// both workflow and Node code (no I/O here).

export const VISIT_STATUSES = ['provisioning', 'awaiting_approval', 'active', 'provision_failed', 'deprovisioning', 'completed'] as const;
export type VisitStatus = (typeof VISIT_STATUSES)[number];
/** A visit in any of these still holds its badge, or will switch it off. */
export const OPEN_VISIT_STATUSES = VISIT_STATUSES.filter((s) => s !== 'completed');

export const visitWorkflowId = (visitId: string) => `visit-${visitId}`;

export interface VisitTiming {
  /** Provisioning retries transient PACS failures this many times before reporting provision_failed. */
  provisionAttempts: number;
  provisionInitialIntervalMs: number;
  provisionMaxIntervalMs: number;
  /** Deprovisioning never gives up; this caps the backoff between attempts. */
  deprovisionInitialIntervalMs: number;
  deprovisionMaxIntervalMs: number;
  /**
   * A switch-off that keeps failing (say, for a weekend of refused credentials) adds events with every
   * attempt; past this history length the run continues as a new run of the same workflow ID.
   */
  continueAsNewAfterEvents: number;
  /**
   * visit-v8: an active visit's end-of-day timer fires this much later at most, each visit at its own offset
   * (from its ID), so that a location's thousands of visits ending at the same minute reach the Temporal
   * server and the PACS spread over these seconds rather than all in the same instant. The badge's hard
   * expiry in the PACS is the end of the day itself.
   */
  endOfDaySpreadMs: number;
}

export const DEFAULT_VISIT_TIMING: VisitTiming = {
  provisionAttempts: 6,
  provisionInitialIntervalMs: 2_000,
  provisionMaxIntervalMs: 30_000,
  deprovisionInitialIntervalMs: 2_000,
  deprovisionMaxIntervalMs: 180_000,
  continueAsNewAfterEvents: 5_000,
  endOfDaySpreadMs: 15_000,
};

/** This visit's offset within the end-of-day spread: the same on every replay and in every run (FNV-1a of the ID). */
export function endOfDayOffsetMs(visitId: string, spreadMs: number): number {
  if (spreadMs <= 0) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < visitId.length; i++) {
    h ^= visitId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % Math.floor(spreadMs);
}

/** IDs only: visitor details and PACS credentials are read by activities, never carried in history. */
export interface VisitInput {
  visitId: string;
  locationId: string;
  providerId: string;
  badgeId: string;
  badgeNumber: string;
  visitorName: string;
  /** Task queue of the worker that talks to this provider's PACS (an on-premises connector, or ours). */
  pacsTaskQueue: string;
  /**
   * `pacsTaskQueue` is not the queue the workflow runs on: the PACS calls wait for a worker of their own. In
   * the input rather than compared in the workflow, because a replay runs on a queue of its own.
   */
  pacsQueueApart?: boolean;
  timing?: Partial<VisitTiming>;
  /**
   * The location's `activation` was "on-approval" at sign-in: the credential is issued inactive and the
   * visit waits in `awaiting_approval` for the approve or deny update (runs with the approval patch only).
   */
  requiresApproval?: boolean;
  /** Set by continue-as-new: the previous run was already switching the badge off. */
  resume?: { reason: string; attempts: number; since?: string; by?: VisitActorRef };
}

export interface VisitError {
  code: string;
  message: string;
  /** The part of `message` that says what to do (the PACS catalogue's guidance), when the failure carried it. */
  whatToDo?: string;
  /** While switching a badge off keeps failing: what it was doing, attempts so far, since when, next try. */
  during?: string;
  attempts?: number;
  since?: string;
  nextAttemptAt?: string;
}

/** A provisioning PACS call failed and Temporal will try it again (sent by the activity, best effort). */
export interface PacsRetrying {
  activity: string;
  /** The attempt that failed. */
  attempt: number;
  code: string;
  message: string;
  whatToDo?: string;
}

export interface VisitState {
  visitId: string;
  status: VisitStatus;
  endsAt?: string;
  personId?: string;
  credentialId?: string;
  lastError?: VisitError;
  /** While a provisioning PACS call is being retried: the failed attempt and when the next one is due. */
  retrying?: PacsRetrying & { nextAttemptAt: string };
  attempts: number;
}

/** Why a visit ended, as the timeline and the completed visit say it. */
export const END_REASONS = {
  signOut: 'signed out',
  deprovisionNow: 'deprovisioned on request',
  endOfDay: 'end of day',
  cancelled: 'cancelled by an operator',
  notApproved: 'end of day before anyone approved the visit',
} as const;

/**
 * Who caused a visit event, as the workflow passes it to the activity that records it: a user's id (the
 * activity looks the name up, so histories hold no staff names) or a system actor. The API always puts
 * `actor: { userId }` in what it sends; a signal or update without one came from the Temporal UI.
 */
export type VisitActorRef = { userId: string } | { system: 'visit workflow' | 'end of day' | 'reconciliation' | 'Temporal UI' };

/** Reception (or the guestbook) signs the visitor out. */
export const signOutSignal = defineSignal<[{ by?: string; actor?: { userId: string } }?]>('signOut');
/** An operator switches the badge off now, e.g. a lost badge. Same effect as sign-out, recorded differently. */
export const deprovisionNowSignal = defineSignal<[{ reason?: string; actor?: { userId: string } }?]>('deprovisionNow');
/** Retry a failed provision; send from the Temporal UI ("Send signal", name `retry`, no input). */
export const retrySignal = defineSignal('retry');
/** The same retry as an update, so the API learns at once whether the visit was in a retryable state. */
// The Temporal UI may send it without input: the handler takes the argument as optional.
export const retryUpdate = defineUpdate<{ accepted: true }, [{ actor?: { userId: string } }]>('retryProvision');

/** The actor a signal or update named; none means it was sent from the Temporal UI. */
export const senderOf = (arg?: { actor?: { userId: string } }): VisitActorRef =>
  arg?.actor?.userId ? { userId: arg.actor.userId } : { system: 'Temporal UI' };
export const stateQuery = defineQuery<VisitState>('state');
/** From the provisioning activities: an attempt failed and will be retried, for the workflow's current details. */
export const pacsRetryingSignal = defineSignal<[PacsRetrying]>('pacsCallRetrying');
/**
 * Resolves once the sign-in has an outcome recorded in the database (active, provision_failed, or
 * already ending): what `POST /v1/visits` with `Prefer: wait=N` waits on.
 */
export const outcomeUpdate = defineUpdate<{ status: VisitStatus }, []>('waitForOutcome');

/** Who approved or denied, and (deny) why: what the timeline and the closed visit say. */
export interface ApprovalDecision {
  by?: string;
  /** Who decided, for the audit log; none means the Temporal UI. */
  actor?: { userId: string };
  reason?: string;
}
/**
 * A host (or security) lets the visitor in: the inactive credential is activated and the access rules
 * granted. Resolves with the status that follows (active, or provision_failed with its reason).
 * Refused unless the visit is awaiting approval. Temporal UI: "Send update", name `approve`, input `{}`.
 */
export const approveUpdate = defineUpdate<{ status: VisitStatus }, [ApprovalDecision]>('approve');
/**
 * Turned away: everything is switched off and the visit closes with the reason.
 * Refused unless the visit is awaiting approval. Temporal UI: "Send update", name `deny`, input `{"reason": "…"}`.
 */
export const denyUpdate = defineUpdate<{ accepted: true }, [ApprovalDecision]>('deny');

/**
 * One-call provisioning (`provisionVisit`): a failure raised before anything was issued says so in its
 * first detail, beside the operator's `whatToDo`, so the workflow rolls back only what may exist.
 */
export interface ProvisionFailureDetail {
  whatToDo?: string;
  beforeIssue?: boolean;
}
export const failedBeforeIssue = (details: readonly unknown[] | null | undefined): boolean =>
  (details?.[0] as ProvisionFailureDetail | undefined)?.beforeIssue === true;

/**
 * visit-v8: the activity that carries on a provision after `before` attempts made in the workflow task has
 * an ID that says so, so that whoever reads its attempt from Temporal (the API's retry view) counts the
 * visit's attempts, not the activity's.
 */
export const laterProvisionActivityId = (round: number, before: number) => `provision-${round}-after-${before}`;
export const attemptsBeforeActivity = (activityId: string | null | undefined): number => {
  const m = /^provision-\d+-after-(\d+)$/.exec(activityId ?? '');
  return m ? Number(m[1]) : 0;
};

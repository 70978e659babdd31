import { defineSignal } from '@temporalio/workflow';

// The webhook delivery workflow's contract with the API and the outbox. Importable from both workflow and
// Node code (no I/O here).

export const webhookWorkflowId = (subscriptionId: string) => `webhook-${subscriptionId}`;

/** New rows are in the outbox: wakes an idle delivery workflow (never interrupts a backoff). */
export const webhookEventsSignal = defineSignal('webhookEvents');
/** The subscription changed (URL, enabled, deleted) or a delivery was queued again: look again now, even mid-backoff. */
export const webhookChangedSignal = defineSignal('webhookChanged');

export interface WebhookTiming {
  /** One POST may take this long before it counts as failed (the receiver timed out). */
  timeoutMs: number;
  /** Wait after the first failed attempt; doubles after each further one, up to maxIntervalMs. */
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** A delivery still failing this long after it was queued is given up (status failed; it can be redelivered). */
  giveUpAfterMs: number;
  /** An idle workflow looks at the outbox this often even without a signal: a lost wake-up delays, never loses. */
  idlePollMs: number;
  /** Past this history length the workflow continues as new. */
  continueAsNewAfterEvents: number;
  /**
   * A badge still on this long after it should have been switched off is overdue (the threshold of the
   * visits_deprovision_overdue metric); visit.deprovision_overdue is sent once when a switch-off failure
   * is past it.
   */
  overdueAfterMs: number;
}

export const DEFAULT_WEBHOOK_TIMING: WebhookTiming = {
  timeoutMs: 10_000,
  initialIntervalMs: 5_000,
  maxIntervalMs: 3_600_000,
  giveUpAfterMs: 24 * 3_600_000,
  idlePollMs: 300_000,
  continueAsNewAfterEvents: 2_000,
  overdueAfterMs: 300_000,
};

/** What the delivery workflow does next, as the outbox says (IDs and timings only: no payloads, no secrets). */
export type WebhookNext = { kind: 'stop'; reason: string } | { kind: 'idle'; pollMs: number } | { kind: 'deliver'; deliveryId: string; timeoutMs: number };

/** How one attempt went; the activity has recorded it and moved the delivery on. */
export type WebhookAttemptOutcome = { outcome: 'delivered' | 'failed' | 'gone' | 'skipped' } | { outcome: 'retry'; retryInMs: number };

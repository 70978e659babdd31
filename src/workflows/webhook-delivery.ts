import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BookkeepingActivities } from '../activities';
import { DEFAULT_WEBHOOK_TIMING, webhookChangedSignal, webhookEventsSignal, type WebhookAttemptOutcome } from './webhook-contract';

export interface WebhookDeliveryInput {
  subscriptionId: string;
}

/**
 * Delivers one subscription's outbox, oldest first, one POST at a time: events of a visit arrive in the
 * order they happened. A failed POST is retried after a doubling wait (the activity says how long and
 * when to give up), so the head of the queue holds back later events rather than overtaking them. Runs
 * while the subscription is enabled (ID webhook-<subscriptionId>); visit workflows never wait for it:
 * the transaction that records a visit event writes the outbox row, and a signal wakes this workflow.
 * Carries IDs only: the payload and the signing secret are read by the activity.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<{ stopped: string }> {
  const outbox = proxyActivities<BookkeepingActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  let events = 0;
  let changes = 0;
  setHandler(webhookEventsSignal, () => void events++);
  setHandler(webhookChangedSignal, () => void changes++);

  for (;;) {
    if (workflowInfo().historyLength > DEFAULT_WEBHOOK_TIMING.continueAsNewAfterEvents || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof webhookDeliveryWorkflow>(input);
    }
    const seen = { events, changes };
    const next = await outbox.nextWebhookDelivery({ subscriptionId: input.subscriptionId });
    if (next.kind === 'stop') return { stopped: next.reason };
    if (next.kind === 'idle') {
      await condition(() => events !== seen.events || changes !== seen.changes, next.pollMs);
      continue;
    }
    // One attempt per activity: the schedule between attempts is this loop's, so every attempt is recorded.
    const post = proxyActivities<BookkeepingActivities>({
      startToCloseTimeout: next.timeoutMs + 30_000,
      heartbeatTimeout: '5 seconds',
      retry: { maximumAttempts: 1 },
    });
    let result: WebhookAttemptOutcome;
    try {
      result = await post.attemptWebhookDelivery({ deliveryId: next.deliveryId });
    } catch {
      // The worker died mid-POST or the database was away: the delivery is still pending; look again soon.
      result = { outcome: 'retry', retryInMs: 1_000 };
    }
    if (result.outcome === 'retry') {
      // Only a change of the subscription (or a redelivery) cuts the wait short; new events queue behind.
      await condition(() => changes !== seen.changes, result.retryInMs);
    }
  }
}

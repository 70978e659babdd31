import { proxyActivities } from '@temporalio/workflow';
import type { PacsActivities } from '../activities';
import { FAILURES_NEEDING_A_PERSON } from '../pacs/errors';

// Reception is waiting at the desk for the answer; a few quick retries ride out a blip, then the error
// (with what to do) is the answer. The card is already out of the pool in our database either way.
const { syncCardLostState } = proxyActivities<PacsActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...FAILURES_NEEDING_A_PERSON, 'BADGE_NOT_FOUND'],
  },
});

/** Records a card's lost (or found) status in the PACS, on the provider's task queue (a worker that reaches it). */
export async function syncCardLost(input: { badgeId: string }) {
  return syncCardLostState(input);
}

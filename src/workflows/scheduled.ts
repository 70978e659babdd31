import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, ChildWorkflowFailure, executeChild } from '@temporalio/workflow';

export interface ScheduledOutcome<R> {
  skipped: boolean;
  reason?: 'already-running' | 'provider-deleted';
  result?: R;
}

/**
 * What a provider's schedule starts. Schedules suffix workflow IDs with a timestamp, so this starts the
 * real run as a child under the per-provider ID; if an admin's run is already going, that one counts. A
 * provider deleted while its schedule stayed (Temporal was down then) is nothing to fail about: the next
 * start-up removes the schedule.
 */
export async function runForProvider<R>(
  workflow: (input: { providerId: string; trigger?: 'api' | 'schedule' }) => Promise<R>,
  workflowId: string,
  providerId: string,
): Promise<ScheduledOutcome<R>> {
  try {
    const result = await executeChild(workflow, { workflowId, args: [{ providerId, trigger: 'schedule' }] });
    return { skipped: false, result };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { skipped: true, reason: 'already-running' };
    if (err instanceof ChildWorkflowFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'PROVIDER_NOT_FOUND') {
      return { skipped: true, reason: 'provider-deleted' };
    }
    throw err;
  }
}

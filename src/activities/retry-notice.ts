import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isTransientFailure } from '../pacs/errors';
import { boundedWait } from '../temporal/bounded-wait';
import { attemptsBeforeActivity, pacsRetryingSignal } from '../workflows/visit-contract';

/**
 * Wraps a provisioning activity so that an attempt failing with a transient PACS error tells its workflow
 * before Temporal retries it: the workflow cannot see its activities' retries, and an operator looking at
 * the visit should read "attempt 2 failed, next at …" rather than a silent "provisioning". Best effort: the
 * activity's own failure is what counts, so a notice that cannot be sent in two seconds is dropped.
 */
export function announcingRetries<A extends unknown[], R>(temporal: Client | undefined, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      if (temporal && err instanceof ApplicationFailure && err.type && isTransientFailure(err.type)) {
        await announce(temporal, err).catch(() => undefined);
      }
      throw err;
    }
  };
}

async function announce(temporal: Client, failure: ApplicationFailure) {
  let info: Context['info'];
  try {
    info = Context.current().info;
  } catch {
    return; // called outside an activity
  }
  const whatToDo = (failure.details?.[0] as { whatToDo?: unknown } | undefined)?.whatToDo;
  if (!info.workflowExecution) return;
  const { workflowId, runId } = info.workflowExecution;
  await boundedWait(temporal, 2_000, () =>
    temporal.workflow.getHandle(workflowId, runId).signal(pacsRetryingSignal, {
      activity: info.activityType,
      // visit-v8: an activity carrying on after attempts made in the workflow task says so in its ID.
      attempt: info.attempt + attemptsBeforeActivity(info.activityId),
      code: failure.type!,
      message: failure.message,
      ...(typeof whatToDo === 'string' ? { whatToDo } : {}),
    }),
  );
}

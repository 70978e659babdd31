import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  sleep,
  TimeoutFailure,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { VisitError, VisitTiming } from './visit-contract';

/**
 * Switching a badge off never gives up: every failure is retried — refused credentials and a lapsed
 * licence included, since an operator fixing the provider must be enough for the next attempt to finish.
 * The workflow owns the schedule (one activity attempt per round, then a timer) rather than Temporal's
 * activity retry, so that between attempts it can say what is failing: in the Visit row (the API), in
 * the workflow's current details (the Temporal UI) and through the overdue metric.
 */
export interface SwitchOffSteps {
  /** One attempt at revoking access and deactivating the credential. */
  attempt(): Promise<unknown>;
  /** Records a failed attempt where operators look (Visit.lastError, timeline). */
  report(error: VisitError): Promise<unknown>;
  /** Called after each failed attempt has been reported, e.g. to continue as new. */
  afterFailure?(error: VisitError): Promise<void>;
}

/**
 * How a switch-off attempt runs: one attempt per round (the workflow schedules the next), heartbeating so
 * a dead worker is noticed in seconds, and on Cancel the call in flight is waited for, not abandoned.
 */
export function switchOffActivityOptions(taskQueue: string): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '5 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 1 },
  };
}

export async function switchOffUntilDone(
  steps: SwitchOffSteps,
  timing: Pick<VisitTiming, 'deprovisionInitialIntervalMs' | 'deprovisionMaxIntervalMs'>,
  during: string,
  resume: { attempts: number; since?: string } = { attempts: 0 },
): Promise<{ attempts: number }> {
  let attempts = resume.attempts;
  let since = resume.since;
  let delay = Math.min(timing.deprovisionInitialIntervalMs * 2 ** Math.max(0, attempts - 1), timing.deprovisionMaxIntervalMs);
  for (;;) {
    attempts++;
    try {
      await steps.attempt();
      return { attempts };
    } catch (err) {
      if (isCancellation(err)) throw err;
      since ??= new Date().toISOString();
      const error: VisitError = {
        ...describeFailure(err),
        during,
        attempts,
        since,
        nextAttemptAt: new Date(Date.now() + delay).toISOString(),
      };
      await steps.report(error);
      await steps.afterFailure?.(error);
      await sleep(delay, { summary: `wait before switch-off attempt ${attempts + 1}` });
      delay = Math.min(delay * 2, timing.deprovisionMaxIntervalMs);
    }
  }
}

/** What an activity failed with: an activity's failure wraps it; a local activity's (visit-v8) comes bare. */
export function failureCause(err: unknown): unknown {
  return err instanceof ActivityFailure ? err.cause : err;
}

/** The reason code and operator message of an activity's failure. */
export function describeFailure(err: unknown): VisitError {
  const cause = failureCause(err);
  if (cause instanceof ApplicationFailure) {
    // src/activities/failures.ts puts the catalogue's guidance in the details, for the UI to set apart.
    const whatToDo = (cause.details?.[0] as { whatToDo?: unknown } | undefined)?.whatToDo;
    return { code: cause.type ?? 'PROVISION_FAILED', message: cause.message, ...(typeof whatToDo === 'string' ? { whatToDo } : {}) };
  }
  if (cause instanceof TimeoutFailure) {
    return cause.timeoutType === 'HEARTBEAT' || cause.timeoutType === 'START_TO_CLOSE'
      ? {
          code: 'PACS_TIMEOUT',
          message:
            'The call to the access control system did not finish in time (the server was slow, or the worker running it stopped). It is retried; if it persists, check the server load and the network path.',
        }
      : { code: 'PACS_TIMEOUT', message: 'The access control system did not answer in time after several attempts. Check that it is reachable, then retry.' };
  }
  if (cause instanceof Error && cause.name === 'TimeoutFailure') {
    return {
      code: 'PACS_TIMEOUT',
      message: 'The access control system did not answer in time after several attempts. Check that it is reachable, then retry.',
    };
  }
  return { code: 'PROVISION_FAILED', message: cause instanceof Error ? cause.message : String(cause) };
}

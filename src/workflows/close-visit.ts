import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { BookkeepingActivities, PacsActivities } from '../activities';
import { SA } from './search-attributes';
import { switchOffActivityOptions, switchOffUntilDone } from './switch-off';
import { DEFAULT_VISIT_TIMING, type VisitActorRef, type VisitTiming } from './visit-contract';

export interface CloseVisitInput {
  visitId: string;
  /** The provider's PACS task queue. */
  pacsTaskQueue: string;
  /** Why the visit is being closed, as its timeline will say it. */
  reason: string;
  /** Who closes it: the user whose sign-out found the workflow closed, or reconciliation. */
  actor?: VisitActorRef;
  timing?: Partial<VisitTiming>;
}

export const closeVisitWorkflowId = (visitId: string) => `visit-close-${visitId}`;

/**
 * Finishes a visit whose own workflow can no longer do it (terminated, failed, timed out, or never
 * started): switches the badge off with the same never-give-up rounds as the visit workflow, gives it
 * back to the pool and completes the visit. Started by a sign-out that finds the visit workflow closed,
 * and by reconciliation.
 */
export async function closeVisitWorkflow(input: CloseVisitInput): Promise<{ visitId: string; attempts: number }> {
  const timing = { ...DEFAULT_VISIT_TIMING, ...input.timing };
  const db = proxyActivities<BookkeepingActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['VISIT_NOT_FOUND'] },
  });
  const pacs = proxyActivities<PacsActivities>(switchOffActivityOptions(input.pacsTaskQueue));
  upsertSearchAttributes([
    { key: SA.visitId, value: input.visitId },
    { key: SA.status, value: 'deprovisioning' },
  ]);
  setCurrentDetails(`Closing visit ${input.visitId}: ${input.reason}`);
  await db.recordVisitStatus({ visitId: input.visitId, status: 'deprovisioning', detail: input.reason, actor: input.actor });
  const { attempts } = await switchOffUntilDone(
    {
      attempt: () => pacs.revokeAndDeactivate({ visitId: input.visitId }),
      report: (error) => {
        setCurrentDetails(
          `Closing visit ${input.visitId}: ${input.reason}\n\n**${error.code}**: ${error.message}\n\nAttempt ${error.attempts} failed; next at ${error.nextAttemptAt}.`,
        );
        return db.recordSwitchOffFailure({ visitId: input.visitId, error });
      },
    },
    timing,
    'switching the badge off',
  );
  await db.releaseBadge({ visitId: input.visitId });
  upsertSearchAttributes([{ key: SA.status, value: 'completed' }]);
  await db.recordVisitStatus({
    visitId: input.visitId,
    status: 'completed',
    detail: `badge released (${input.reason})`,
    error: attempts > 1 ? null : undefined,
    actor: input.actor,
  });
  return { visitId: input.visitId, attempts };
}

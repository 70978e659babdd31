import type { Client } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { boundedWait } from '../../temporal/bounded-wait';
import { attemptsBeforeActivity, stateQuery, type VisitError, type VisitInput } from '../../workflows/visit-contract';

/** Markdown must not let a visitor's name or a badge name format the operator's page. */
const md = (s: string) => s.replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`);

/**
 * What the Temporal UI shows for a visit workflow before anyone opens it: the list's summary line and the
 * workflow page's fixed details. Start-time metadata, so the workflow's input stays IDs only.
 */
export function visitWorkflowMetadata(
  input: Pick<VisitInput, 'visitId' | 'badgeNumber' | 'visitorName'>,
  more: {
    badgeName: string;
    company?: string;
    location: { name: string; timezone: string; endOfDay: string };
    provider: { name: string; kind: string };
  },
): { staticSummary: string; staticDetails: string } {
  const kind = more.provider.kind === 'onguard' ? 'OnGuard' : 'Genetec Security Center';
  return {
    staticSummary: `${md(input.visitorName)} · badge ${md(input.badgeNumber)} · ${md(more.location.name)}`,
    staticDetails: [
      `**Visitor** ${md(input.visitorName)}${more.company ? ` (${md(more.company)})` : ''}`,
      `**Badge** ${md(more.badgeName)}, number ${md(input.badgeNumber)}`,
      `**Location** ${md(more.location.name)} (end of day ${more.location.endOfDay} ${more.location.timezone})`,
      `**Provider** ${md(more.provider.name)} (${kind})`,
      `**Visit** ${input.visitId}`,
    ].join('\n\n'),
  };
}

/**
 * The provisioning PACS call Temporal is retrying, if any, as the API's `lastError` shape: the Visit row
 * only learns of transient failures once the retries give up, and an integrator should not see a silent
 * `provisioning` for a minute. Best effort: an unreachable Temporal leaves the row's view as it is.
 */
export async function provisioningRetry(client: Client, workflowId: string): Promise<VisitError | null> {
  const described = await boundedWait(client, 2_000, () => client.workflow.getHandle(workflowId).describe()).catch(() => null);
  // visit-v8: an activity carrying on after a first attempt in the workflow task counts that one too.
  const attemptOf = (a: { attempt?: number | null; activityId?: string | null }) => (a.attempt ?? 0) + attemptsBeforeActivity(a.activityId);
  if (!described || described.status.name !== 'RUNNING') return null;
  const pending = described.raw.pendingActivities?.find((a) => attemptOf(a) > 1 && a.lastFailure);
  if (!pending?.lastFailure) {
    // A first attempt that ran inside the workflow task is no pending activity. While the workflow waits for
    // the next one (nothing pending, no task running), the notice that attempt sent is in its state.
    if (described.raw.pendingActivities?.length || described.raw.pendingWorkflowTask) return null;
    return firstAttemptRetry(client, workflowId);
  }
  const failure = pending.lastFailure;
  const next = optionalTsToDate(pending.nextAttemptScheduleTime);
  return {
    code: failure.applicationFailureInfo?.type || (failure.timeoutFailureInfo ? 'PACS_TIMEOUT' : 'PROVISION_FAILED'),
    message: failure.message ?? '',
    during: provisioningDuring(pending.activityType?.name ?? 'a PACS call'),
    attempts: attemptOf(pending) - 1,
    ...(next ? { nextAttemptAt: next.toISOString() } : {}),
  };
}

/** `lastError.during` while a PACS call of the sign-in is retried (the API contract, visit-schemas.ts). */
const provisioningDuring = (activity: string) => `provisioning (${activity})`;

/** The retry notice of a provisioning attempt made inside the workflow task (visit-v8), as `lastError`. */
async function firstAttemptRetry(client: Client, workflowId: string): Promise<VisitError | null> {
  const state = await boundedWait(client, 2_000, () => client.workflow.getHandle(workflowId).query(stateQuery)).catch(() => null);
  const r = state?.status === 'provisioning' ? state.retrying : undefined;
  if (!r) return null;
  return {
    code: r.code,
    message: r.message,
    ...(r.whatToDo ? { whatToDo: r.whatToDo } : {}),
    during: provisioningDuring(r.activity),
    attempts: r.attempt,
    nextAttemptAt: r.nextAttemptAt,
  };
}

import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { BookkeepingActivities, PacsActivities } from '../activities';
import { refreshWorkflowId } from './ids';
import type { RefreshResult } from '../domain/sync';
import { runForProvider, type ScheduledOutcome } from './scheduled';
import { FAILURES_NEEDING_A_PERSON } from '../pacs/errors';

// A refresh is usually waited on by an admin in the browser: a few quick retries ride out a blip,
// after that the error (with what to do) is worth more than more waiting. Non-retryable PACS codes
// (credentials, licence, TLS) fail at once.
const { refreshProviderCatalog } = proxyActivities<PacsActivities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...FAILURES_NEEDING_A_PERSON],
  },
});

// Bookkeeping against our own database: retry until it lands.
const { recordRefreshFailure } = proxyActivities<BookkeepingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

export interface RefreshInput {
  providerId: string;
  trigger?: 'api' | 'schedule';
}

/** The PACS's reason if there is one, else a generic code; the message is what the admin reads. */
function reasonOf(err: unknown): { code: string; message: string } {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure && e.type && /^[A-Z][A-Z0-9_]+$/.test(e.type)) return { code: e.type, message: e.message };
  if (e instanceof TimeoutFailure) {
    return {
      code: 'PACS_TIMEOUT',
      message: 'Listing access rules and badge types took longer than 5 minutes. Check the server load and the network path, then refresh again.',
    };
  }
  const m = e instanceof Error ? e.message : String(e);
  return { code: 'REFRESH_FAILED', message: `Refreshing the provider failed: ${m}` };
}

/**
 * Syncs a provider's access rules and badge types. Started with the workflow ID `refresh-<providerId>`,
 * so there is never more than one per provider; a failure is written to the provider (refreshStatus
 * "failed", lastRefreshError) and then fails the workflow with the PACS's code as its type.
 */
export async function refreshProvider(input: RefreshInput): Promise<RefreshResult> {
  try {
    return await refreshProviderCatalog(input.providerId);
  } catch (err) {
    const reason = reasonOf(err);
    if (reason.code !== 'PROVIDER_NOT_FOUND') await recordRefreshFailure(input.providerId, reason);
    throw ApplicationFailure.create({ type: reason.code, message: reason.message, nonRetryable: true });
  }
}

/** What the provider's schedule starts (see runForProvider). */
export function scheduledRefresh(input: { providerId: string }): Promise<ScheduledOutcome<RefreshResult>> {
  return runForProvider(refreshProvider, refreshWorkflowId(input.providerId), input.providerId);
}

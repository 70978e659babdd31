import { proxyActivities } from '@temporalio/workflow';
import type { PacsActivities } from '../activities';
import type { DryRunRequest, DryRunResult } from '../domain/dry-run';

// One attempt, like the connection test: the dry run creates things on the server, and its own clean-up runs
// inside the activity; a silent retry would hide the failure the admin is looking for.
const { dryRunProvider } = proxyActivities<PacsActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 1 },
});

/** Runs the provider's dry run on a worker that can reach the PACS (its task queue). */
export async function dryRun(input: DryRunRequest): Promise<DryRunResult> {
  return dryRunProvider(input);
}

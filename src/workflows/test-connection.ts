import { proxyActivities } from '@temporalio/workflow';
import type { PacsActivities } from '../activities';
import type { TestConnectionResult } from '../pacs/types';

// One attempt: a diagnostic that silently retries would hide the very failure the admin is looking for.
const { testProviderConnection } = proxyActivities<PacsActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { maximumAttempts: 1 },
});

export interface TestConnectionInput {
  providerId: string;
}

/** Runs the provider's connection test on a worker that can reach the PACS (its task queue). */
export async function testConnection(input: TestConnectionInput): Promise<TestConnectionResult> {
  return testProviderConnection(input.providerId);
}

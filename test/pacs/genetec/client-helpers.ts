import type { GenetecSimulator } from '../../../src/simulators/genetec/server';
import type { BadgeTypeRef, ProviderConnection } from '../../../src/pacs/types';

export const STANDARD_26: BadgeTypeRef = {
  externalId: '00000000-0000-0000-0000-000000000200',
  details: { formatId: '00000000-0000-0000-0000-000000000200' },
};

/** What an admin would type for this simulator, with overrides for the case under test. */
export function connFor(sim: GenetecSimulator, over: Partial<ProviderConnection> = {}): ProviderConnection {
  return {
    kind: 'genetec',
    url: sim.providerUrl,
    username: sim.credentials.username,
    password: sim.credentials.password,
    applicationId: sim.credentials.applicationId,
    tls: { verify: true },
    maxConcurrentRequests: 4,
    timeoutMs: 5000,
    ...over,
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

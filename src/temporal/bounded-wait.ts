import type { Client } from '@temporalio/client';

export class WaitTimeout extends Error {
  constructor(ms: number) {
    super(`no outcome within ${ms} ms`);
  }
}

/**
 * Wait at most `ms` for a Temporal call (a workflow's result, an update's outcome), then abandon it.
 *
 * Abandoning means aborting: an abandoned long poll left running keeps a gRPC call open, and when the
 * connection closes under it the SDK's retry timer re-opens the call on the closed channel and throws
 * "Channel has been shut down" from a timer — an uncaught exception in whatever runs next.
 */
export async function boundedWait<T>(client: Client, ms: number, call: () => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const outcome = client.withAbortSignal(abort.signal, call);
  outcome.catch(() => undefined);
  try {
    return await Promise.race([
      outcome,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WaitTimeout(ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

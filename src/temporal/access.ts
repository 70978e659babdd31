import type { Client } from '@temporalio/client';

/** The API process's way into Temporal: a client, the main task queue, and a cheap liveness probe. */
export interface TemporalAccess {
  client: Client;
  taskQueue: string;
  /** Resolves when the Temporal frontend answers within a short deadline. */
  ping(): Promise<void>;
}

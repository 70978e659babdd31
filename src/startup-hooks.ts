import type { Client } from '@temporalio/client';
import { ensureRefreshSchedules } from './admin/schedules';
import type { AppConfig } from './config';
import type { Db } from './db/client';
import type { Logger } from './logging';

export interface StartedContext {
  config: AppConfig;
  db: Db;
  client: Client;
  secretsKey: Buffer;
  simulators: { onguard?: string; genetec?: string };
  log: Logger;
  app: unknown;
}

/** Work after everything is up (refresh schedules, the demo seed); returns lines for the banner. */
export async function onStarted(ctx: StartedContext): Promise<string[]> {
  await ensureRefreshSchedules({ client: ctx.client, db: ctx.db, defaultTaskQueue: ctx.config.temporal.taskQueue, log: ctx.log });
  return [];
}

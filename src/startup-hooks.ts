import type { Client } from '@temporalio/client';
import { ensureReconcileSchedules, ensureRefreshSchedules } from './admin/schedules';
import type { AppConfig } from './config';
import type { Db } from './db/client';
import type { Logger } from './logging';
import { seedDemo } from './demo/seed';
import { ensureDeliveryWorkflows } from './webhooks/outbox';

export interface StartedContext {
  config: AppConfig;
  db: Db;
  client: Client;
  secretsKey: Buffer;
  simulators: { onguard?: string; genetec?: string };
  log: Logger;
  apiUrl: string;
}

/** Work after everything is up (refresh and reconciliation schedules, the demo seed); returns lines for the banner. */
export async function onStarted(ctx: StartedContext): Promise<string[]> {
  await ensureRefreshSchedules({ client: ctx.client, db: ctx.db, defaultTaskQueue: ctx.config.temporal.taskQueue, log: ctx.log });
  await ensureReconcileSchedules({ client: ctx.client, db: ctx.db, defaultTaskQueue: ctx.config.temporal.taskQueue, log: ctx.log });
  await ensureDeliveryWorkflows(ctx.db, { temporal: ctx.client, logger: ctx.log, webhookTaskQueue: ctx.config.temporal.taskQueue });
  if (!ctx.config.demoSeed) return [];
  try {
    const demo = await seedDemo({ db: ctx.db, apiUrl: ctx.apiUrl, dataDir: ctx.config.dataDir, simulators: ctx.simulators, log: ctx.log });
    if (!demo) return [];
    return [
      `Demo location  ${demo.locationId} (5 OnGuard and 5 Genetec badges)`,
      `Demo tokens    ${ctx.config.dataDir}/demo.json (receptionist and admin; README shows a visit end to end)`,
    ];
  } catch (err) {
    // The service is up either way; a failed demo is worth a warning, not a crash.
    ctx.log.warn({ err: (err as Error).message }, 'demo seed failed');
    return [`Demo seed failed: ${(err as Error).message}`];
  }
}

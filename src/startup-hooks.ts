import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ensureReconcileSchedules, ensureRefreshSchedules } from './domain/schedules';
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
    const file = path.resolve(ctx.config.dataDir, 'demo.json');
    const rel = path.relative(process.cwd(), file);
    // As the README writes it for the default DATA_DIR; absolute when the data lives elsewhere.
    const shown = rel.startsWith('..') || path.isAbsolute(rel) ? file : `./${rel}`;
    const numbers = (list: Array<{ number: string }>) => (list.length ? `${list[0].number}–${list[list.length - 1].number}` : 'none');
    // The tokens are secrets, and this banner ends up in terminals' scrollback and container logs: it
    // says where they are and how to read them (exactly as the README's walkthrough does), not what they are.
    return [
      `Demo location  ${demo.locationId} (OnGuard badges ${numbers(demo.badges.onguard)}, Genetec badges ${numbers(demo.badges.genetec)})`,
      `Demo tokens    in ${shown} (not printed). For the README walkthrough:`,
      `                 TOKEN=$(node -p "require('${shown}').receptionist")`,
      `               Admin token: .admin of the same file.`,
    ];
  } catch (err) {
    // The service is up either way; a failed demo is worth a warning, not a crash.
    ctx.log.warn({ err: (err as Error).message }, 'demo seed failed');
    return [`Demo seed failed: ${(err as Error).message}`];
  }
}

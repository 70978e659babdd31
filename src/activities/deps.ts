import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import type { Db } from '../db/client';
import type { Logger } from '../logging';
import type { PacsRegistry } from '../pacs/registry';
import type { WebhookTiming } from '../workflows/webhook-contract';

/** What every activity factory is built from; its own module so the factories and index.ts do not import each other. */
export interface ActivityDeps {
  db: Db;
  pacs: PacsRegistry;
  logger: Logger;
  /** Injectable clock so tests can place "now" (e.g. after the end of day). */
  now?: () => Date;
  /** Tests only: a visit lasts this long instead of until the location's end of day. */
  visitDurationOverrideMs?: number;
  /**
   * Temporal client, for activities that look at other workflows (reconciliation asks whether a visit's
   * workflow is still running). Optional so activity tests without Temporal still build; the activities
   * that need it fail with TEMPORAL_CLIENT_MISSING.
   */
  temporal?: Client;
  /** Decrypts webhook signing secrets (SECRETS_KEY); webhook deliveries fail without it. */
  secretsKey?: Buffer;
  /**
   * The main task queue, where webhook delivery workflows run (never a provider's on-premises queue: the
   * POSTs go out from the service). Without it, events are still queued and wait for the delivery
   * workflow's next poll.
   */
  webhookTaskQueue?: string;
  /** Webhook delivery timing (tests shorten it); DEFAULT_WEBHOOK_TIMING otherwise. */
  webhookTiming?: Partial<WebhookTiming>;
}

/** The activities' dependencies as a configured service wires them (npm start and npm run worker alike). */
export function activityDepsFor(config: AppConfig, parts: { db: Db; pacs: PacsRegistry; logger: Logger; temporal: Client; secretsKey: Buffer }): ActivityDeps {
  return {
    ...parts,
    visitDurationOverrideMs: config.visitOverrides.durationMs,
    webhookTaskQueue: config.temporal.taskQueue,
    webhookTiming: config.webhookTiming,
  };
}

import path from 'node:path';
import { z } from 'zod';
import type { VisitTiming } from '../workflows/visit-contract';
import type { WebhookTiming } from '../workflows/webhook-contract';

/**
 * The one place configuration is read. Every variable is documented in docs/configuration.md; the test
 * test/config/compose.test.ts checks docker-compose.yml against this schema, so keep the two together.
 */
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const visitTimingSchema = z
  .object({
    provisionAttempts: z.number().int().min(1),
    provisionInitialIntervalMs: z.number().int().min(1),
    provisionMaxIntervalMs: z.number().int().min(1),
    deprovisionInitialIntervalMs: z.number().int().min(1),
    deprovisionMaxIntervalMs: z.number().int().min(1),
    continueAsNewAfterEvents: z.number().int().min(50),
    endOfDaySpreadMs: z.number().int().min(0).max(300_000),
  })
  .partial()
  .strict();

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('data'),
  /** PostgreSQL connection string. Unset: the embedded PGlite database under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** An existing Temporal frontend (host:port). Unset: a local dev server is started. */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  /** Path to the `temporal` CLI used for the dev server; default: PATH, then .tools/bin. */
  TEMPORAL_CLI: z.string().optional(),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TASK_QUEUE: z.string().min(1).default('visitor-badges'),
  /** `npm run worker` only: comma-separated task queues to serve (an on-premises connector's provider queue). */
  WORKER_TASK_QUEUES: z.string().optional(),
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Workflows a worker keeps in memory; 0 turns the cache off (docs/configuration.md has the measurements). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(100),
  /** `npm start` only: run a worker in the same process (default). Off: the API alone; workers run with `npm run worker`. */
  EMBEDDED_WORKER: bool.default(true),
  /** Bootstrap admin: a user with every permission whose bearer token is this value. */
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  /** 32-byte key (base64) that encrypts PACS passwords at rest. Unset: DATA_DIR/secrets.key (0600). */
  SECRETS_KEY: z.string().optional(),
  /** Start the bundled Genetec and OnGuard simulators (default on the embedded setup only). */
  SIMULATORS: bool.optional(),
  ONGUARD_SIM_PORT: port.default(18080),
  GENETEC_SIM_PORT: port.default(14590),
  /** Seed a demo location wired to both simulators (default on when the simulators run). */
  DEMO_SEED: bool.optional(),
  /** Default minutes between scheduled refreshes of each provider. */
  REFRESH_INTERVAL_MINUTES: z.coerce.number().int().min(1).default(60),
  /** Default minutes between scheduled reconciliations of each provider (stranded visits, stray badges). */
  RECONCILE_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(5),
  /** A request's headers and body must have arrived within this (slow clients hold sockets). */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /** A request's headers must have arrived within this; capped at HTTP_REQUEST_TIMEOUT_MS. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(10_000),
  /** Webhooks: one POST may take this long before it counts as failed (a timeout). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Webhooks: wait after the first failed attempt; doubles after each further one up to WEBHOOK_RETRY_MAX_MS. */
  WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().min(100).default(5_000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(100).default(3_600_000),
  /** Webhooks: a delivery still failing this many hours after it was queued is given up (it can be redelivered). */
  WEBHOOK_GIVE_UP_AFTER_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(24),
  /**
   * Tests and chaos runs only: a visit ends this many milliseconds after it begins instead of at the
   * location's end of day, so the end-of-day path runs within a test's time.
   */
  VISIT_DURATION_OVERRIDE_MS: z.coerce.number().int().min(1000).optional(),
  /** Tests and chaos runs only: JSON overriding the visit workflow's retry timing (VisitTiming). */
  VISIT_TIMING: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return undefined;
      const parsed = visitTimingSchema.safeParse(safeJson(s));
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `VISIT_TIMING must be a JSON object of VisitTiming numbers: ${z.prettifyError(parsed.error)}` });
        return z.NEVER;
      }
      return parsed.data;
    }),
});

export type Env = z.infer<typeof envSchema>;

export interface AppConfig {
  env: Env['NODE_ENV'];
  http: { host: string; port: number; requestTimeoutMs: number; headersTimeoutMs: number };
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };
  temporal: {
    /** null: start a local dev server. */
    address: string | null;
    namespace: string;
    tls: { ca?: string; cert?: string; key?: string } | null;
    apiKey?: string;
    cliPath?: string;
    devPort: number;
    uiPort: number;
    taskQueue: string;
    /** Queues `npm run worker` serves; defaults to [taskQueue]. */
    workerTaskQueues: string[];
    shutdownGraceMs: number;
    /** Workflows a worker keeps in memory between tasks; unset: the SDK's default (sized from the heap limit). */
    maxCachedWorkflows?: number;
    /** Run a worker inside `npm start` (EMBEDDED_WORKER). */
    embeddedWorker?: boolean;
  };
  adminToken?: string;
  secretsKey?: string;
  simulators: { enabled: boolean; onguardPort: number; genetecPort: number };
  demoSeed: boolean;
  refreshIntervalMinutes: number;
  reconcileIntervalMinutes: number;
  /** Webhook delivery timing (WEBHOOK_*). */
  webhookTiming: Partial<WebhookTiming>;
  /** Tests and chaos runs only (VISIT_DURATION_OVERRIDE_MS, VISIT_TIMING). */
  visitOverrides: { durationMs?: number; timing?: Partial<VisitTiming> };
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const embedded = !e.DATABASE_URL && !e.TEMPORAL_ADDRESS;
  const simulators = e.SIMULATORS ?? embedded;
  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS, headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    dataDir,
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? null,
      namespace: e.TEMPORAL_NAMESPACE,
      tls: e.TEMPORAL_TLS ? { ca: e.TEMPORAL_TLS_CA, cert: e.TEMPORAL_TLS_CERT, key: e.TEMPORAL_TLS_KEY } : null,
      apiKey: e.TEMPORAL_API_KEY,
      cliPath: e.TEMPORAL_CLI,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      taskQueue: e.TASK_QUEUE,
      workerTaskQueues: (e.WORKER_TASK_QUEUES ?? e.TASK_QUEUE)
        .split(',')
        .map((q) => q.trim())
        .filter(Boolean),
      shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      embeddedWorker: e.EMBEDDED_WORKER,
    },
    adminToken: e.ADMIN_TOKEN,
    secretsKey: e.SECRETS_KEY,
    simulators: { enabled: simulators, onguardPort: e.ONGUARD_SIM_PORT, genetecPort: e.GENETEC_SIM_PORT },
    demoSeed: e.DEMO_SEED ?? simulators,
    refreshIntervalMinutes: e.REFRESH_INTERVAL_MINUTES,
    reconcileIntervalMinutes: e.RECONCILE_INTERVAL_MINUTES,
    webhookTiming: {
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      initialIntervalMs: e.WEBHOOK_RETRY_INITIAL_MS,
      maxIntervalMs: Math.max(e.WEBHOOK_RETRY_MAX_MS, e.WEBHOOK_RETRY_INITIAL_MS),
      giveUpAfterMs: Math.round(e.WEBHOOK_GIVE_UP_AFTER_HOURS * 3_600_000),
    },
    visitOverrides: { durationMs: e.VISIT_DURATION_OVERRIDE_MS, timing: e.VISIT_TIMING },
  };
}

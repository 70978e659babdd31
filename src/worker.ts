import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { activityDepsFor } from './activities/deps';
import { loadConfig } from './config';
import { loadSecretsKey } from './config/secrets';
import { openDatabase } from './db/client';
import { createLogger } from './logging';
import { PacsRegistry } from './pacs/registry';
import { connectClient, connectWorker } from './temporal/connection';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  shutdownGraceMs: number;
  /** WORKER_MAX_CACHED_WORKFLOWS (default 100); unset here keeps the SDK default (tests). */
  maxCachedWorkflows?: number;
  /** Pre-built bundle (tests share one); otherwise src/workflows is bundled at start. */
  workflowBundle?: { code: string };
}

/**
 * The worker runs the visit, refresh, reconciliation and test-connection workflows and the PACS activities. It can
 * run inside `npm start` or alone (`npm run worker`), e.g. as an on-premises connector serving a provider's
 * task queue next to the PACS with outbound connections only.
 */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities(opts.deps),
    // In-flight PACS calls get this long to finish before the worker gives up on them; Temporal then
    // retries them elsewhere, and every activity is idempotent.
    shutdownGraceTime: opts.shutdownGraceMs,
    maxConcurrentActivityTaskExecutions: 50,
    // Half the workflow-task polls on the queue that evicted visits come back through (the default is 2 of 10):
    // at six o'clock nearly every visit is evicted. 1,000 visits switched off in 44.1 s with it, 49.1–50.9 s without;
    // 5,000 in 233.3 s with it, 222.2 s without (npm run bench:sweep -- --postgres, one run each): no clear gain at
    // that size. Autoscaling pollers were tried and stalled the 1,000-visit sweep at 3 visits/s.
    nonStickyToStickyPollRatio: 1,
    // A visit cached on a worker that died waits this long before another worker picks it up (default 10 s).
    stickyQueueScheduleToStartTimeout: '3 seconds',
    // Every open visit is a cached workflow; a bound trades memory for replaying evicted ones on their next task.
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
  });
}

/** `npm run worker`: the worker alone, on the task queues WORKER_TASK_QUEUES names. */
export async function runWorker() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is required to run the worker on its own (npm start runs everything).');
  const db = await openDatabase(config.database);
  const secretsKey = loadSecretsKey(config);
  const pacs = new PacsRegistry(db.prisma, secretsKey);
  const connection = await connectWorker(config.temporal, config.temporal.address);
  // Reconciliation activities describe visit workflows: a client beside the worker connection, outbound too.
  const client = await connectClient(config.temporal, config.temporal.address);
  const queues = config.temporal.workerTaskQueues;
  const workers = await Promise.all(
    queues.map((taskQueue) =>
      createWorker({
        connection,
        namespace: config.temporal.namespace,
        taskQueue,
        deps: activityDepsFor(config, { db: db.prisma, pacs, logger: log, temporal: client, secretsKey }),
        shutdownGraceMs: config.temporal.shutdownGraceMs,
        maxCachedWorkflows: config.temporal.maxCachedWorkflows,
      }),
    ),
  );
  log.info({ taskQueues: queues }, 'worker running');
  await Promise.all(workers.map((w) => w.run()));
  await pacs.closeAll();
  await client.connection.close();
  await connection.close();
  await db.close();
}

if (require.main === module) {
  runWorker().catch((err) => {
    process.stderr.write(`Worker failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

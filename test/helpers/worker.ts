import './quiet-sdk';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import { createLogger } from '../../src/logging';
import { PacsRegistry } from '../../src/pacs/registry';
import { createWorker } from '../../src/worker';
import type { Db } from '../../src/db/client';
import type { ActivityDeps } from '../../src/activities';
import { testClient, testNativeConnection } from './temporal';

let bundle: Promise<{ code: string }> | undefined;
/** Bundling the workflows takes seconds; do it once per test file. */
export function workflowBundle() {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error } as never,
  });
  return bundle;
}

export interface RunningWorker {
  worker: Worker;
  pacs: PacsRegistry;
  stop(): Promise<void>;
}

/** A real worker on the test Temporal server serving `taskQueue`, with the real activities. */
export async function startTestWorker(opts: { db: Db; secretsKey: Buffer; taskQueue: string; deps?: Partial<ActivityDeps> }): Promise<RunningWorker> {
  const connection = await testNativeConnection();
  const client = await testClient();
  const pacs = new PacsRegistry(opts.db, opts.secretsKey);
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: opts.taskQueue,
    deps: { db: opts.db, pacs, logger: createLogger('silent'), temporal: client, secretsKey: opts.secretsKey, webhookTaskQueue: opts.taskQueue, ...opts.deps },
    shutdownGraceMs: 1000,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    pacs,
    stop() {
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await pacs.closeAll();
        await client.connection.close();
        await connection.close();
      })();
      return stopped;
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker polls its task queues. */
  ready: Promise<void>;
  /** SIGKILL: no graceful shutdown, in-flight activities are simply lost, as in a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `npm run worker` (src/worker.ts) as its own process against the test database and Temporal server, so
 * a test can kill it the way a host dies.
 */
export function startWorkerProcess(opts: { databaseUrl: string; secretsKey: Buffer; taskQueues: string[] }): WorkerProcess {
  // Node itself with tsx as a loader: the tsx CLI would run the worker in a grandchild that a SIGKILL of
  // the child leaves running.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'worker.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
      SECRETS_KEY: opts.secretsKey.toString('base64'),
      WORKER_TASK_QUEUES: opts.taskQueues.join(','),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { activityDepsFor } from './activities/deps';
import { createApp } from './api/app';
import { ensureBootstrapAdmin } from './api/auth';
import { createHttpServer } from './api/server';
import { loadConfig, type AppConfig } from './config';
import { loadSecretsKey } from './config/secrets';
import { openDatabase } from './db/client';
import { createLogger, type Logger } from './logging';
import { PacsRegistry } from './pacs/registry';
import { startGenetecSimulator } from './simulators/genetec/server';
import { startOnGuardSimulator } from './simulators/onguard/server';
import { connectClient, connectWorker } from './temporal/connection';
import { startDevServer } from './temporal/dev-server';
import { createWorker } from './worker';
import { onStarted } from './startup-hooks';
import { assertPortFree, explainStartError } from './port-in-use';

/**
 * `npm start`: the whole service in one process. On the embedded defaults that is a Temporal dev
 * server (persisted under data/, with its Web UI), PGlite under data/, both PACS simulators, the worker
 * and the API. With TEMPORAL_ADDRESS / DATABASE_URL set, those are used instead and nothing is started.
 * `elsewhere.simulators`: the provider URLs of simulators already running on their own, for the demo seed.
 */
export async function start(config: AppConfig, log: Logger, elsewhere: { simulators?: { onguard: string; genetec: string } } = {}) {
  const stack: Array<{ name: string; stop: () => Promise<unknown> }> = [];
  const stopAll = async () => {
    for (const s of stack.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        log.warn({ component: s.name, err: (err as Error).message }, 'error while stopping');
      }
    }
  };
  try {
    const secretsKey = loadSecretsKey(config);
    // Simulators already running in processes of their own (the benchmarks: a real PACS is another server).
    const sims: { onguard?: string; genetec?: string } = { ...elsewhere.simulators };
    if (config.simulators.enabled) {
      // Their state lives beside the database's, so active visits still match the badges after a restart.
      const og = await startOnGuardSimulator({ port: config.simulators.onguardPort, stateFile: path.join(config.dataDir, 'simulators', 'onguard.json') });
      stack.push({ name: 'onguard simulator', stop: () => og.close() });
      const gt = await startGenetecSimulator({ port: config.simulators.genetecPort, stateFile: path.join(config.dataDir, 'simulators', 'genetec.json') });
      stack.push({ name: 'genetec simulator', stop: () => gt.close() });
      sims.onguard = og.providerUrl;
      sims.genetec = gt.providerUrl;
    }

    const db = await openDatabase(config.database);
    stack.push({ name: 'database', stop: () => db.close() });
    await ensureBootstrapAdmin(db.prisma, config.adminToken);

    let address = config.temporal.address;
    let uiUrl: string | null = null;
    if (!address) {
      await assertPortFree(config.temporal.devPort);
      await assertPortFree(config.temporal.uiPort);
      const dev = await startDevServer({
        cliPath: config.temporal.cliPath,
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        dbFile: `${config.dataDir}/temporal.sqlite`,
        namespace: config.temporal.namespace,
      });
      stack.push({ name: 'temporal dev server', stop: () => dev.stop() });
      address = dev.address;
      uiUrl = dev.uiUrl;
    }

    const client = await connectClient(config.temporal, address);
    stack.push({ name: 'temporal client', stop: () => client.connection.close() });
    if (config.temporal.embeddedWorker !== false) await startEmbeddedWorker(config, { address, db, secretsKey, client, log, stack });
    else log.info('EMBEDDED_WORKER=false: no worker in this process; visits wait for one started with `npm run worker`');

    const app = createApp({
      db,
      temporal: {
        client,
        taskQueue: config.temporal.taskQueue,
        ping: () => client.connection.withDeadline(Date.now() + 2500, () => client.workflowService.getSystemInfo({})).then(() => undefined),
      },
      logger: log,
      config: {
        temporal: config.temporal,
        refreshIntervalMinutes: config.refreshIntervalMinutes,
        reconcileIntervalMinutes: config.reconcileIntervalMinutes,
        secretsKey,
        visitTiming: config.visitOverrides.timing,
      },
    });
    const server = createHttpServer(app, config.http);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, resolve);
    });
    stack.push({
      name: 'api',
      stop: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    });
    const apiUrl = `http://${config.http.host}:${(server.address() as AddressInfo).port}`;
    const extra = await onStarted({ config, db: db.prisma, client, secretsKey, simulators: sims, log, apiUrl });
    return { apiUrl, uiUrl, temporalAddress: address, simulators: sims, extra, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The worker beside the API (`npm start`); stopped after the API so it drains in-flight activities. */
async function startEmbeddedWorker(
  config: AppConfig,
  env: {
    address: string;
    db: Awaited<ReturnType<typeof openDatabase>>;
    secretsKey: Buffer;
    client: Awaited<ReturnType<typeof connectClient>>;
    log: Logger;
    stack: Array<{ name: string; stop: () => Promise<unknown> }>;
  },
) {
  const nativeConnection = await connectWorker(config.temporal, env.address);
  const pacs = new PacsRegistry(env.db.prisma, env.secretsKey);
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: activityDepsFor(config, { db: env.db.prisma, pacs, logger: env.log, temporal: env.client, secretsKey: env.secretsKey }),
    shutdownGraceMs: config.temporal.shutdownGraceMs,
    maxCachedWorkflows: config.temporal.maxCachedWorkflows,
  });
  const workerDone = worker.run().catch((err: unknown) => {
    // A worker that dies must not leave the dev server and simulators behind: stop everything.
    env.log.fatal({ err: (err as Error).message }, 'worker failed; shutting down');
    process.kill(process.pid, 'SIGTERM');
  });
  env.stack.push({
    name: 'worker',
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
      await pacs.closeAll();
      await nativeConnection.close();
    },
  });
}

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // We stop the worker ourselves, after the API, so it drains in-flight activities in order.
  // The SDK's own INFO lines (webpack output, worker state) drown the banner; keep its warnings.
  const sdkLevel = config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN';
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger(sdkLevel) });
  const running = await start(config, log);
  const lines = [
    `API            ${running.apiUrl}/v1`,
    `OpenAPI        ${running.apiUrl}/openapi.json`,
    `Temporal       ${running.temporalAddress}`,
    ...(running.uiUrl ? [`Temporal UI    ${running.uiUrl}`] : []),
    ...(running.simulators.onguard ? [`OnGuard sim    ${running.simulators.onguard}`] : []),
    ...(running.simulators.genetec ? [`Genetec sim    ${running.simulators.genetec}`] : []),
    ...running.extra,
  ];
  process.stdout.write(`\nVisitor badges is running.\n  ${lines.join('\n  ')}\nCtrl-C stops everything.\n\n`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.temporal.shutdownGraceMs + 20_000);
    force.unref();
    await running.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP')); // terminal closed: without this the dev server is orphaned
  // After the terminal is gone, writes to it fail with EIO/EPIPE; shutting down must not die of that.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

if (require.main === module) {
  main().catch((err) => {
    let message = (err as Error).message;
    try {
      message = explainStartError(err, loadConfig());
    } catch {
      // The configuration itself was the problem: its message says so already.
    }
    process.stderr.write(`Start-up failed: ${message}\n`);
    process.exit(1);
  });
}

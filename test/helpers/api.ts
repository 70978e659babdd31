import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { ensureBootstrapAdmin } from '../../src/api/auth';
import { createHttpServer, DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from '../../src/api/server';
import { createLogger } from '../../src/logging';
import type { VisitTiming } from '../../src/workflows/visit-contract';
import { createTestDatabase } from './db';
import { testClient } from './temporal';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApi {
  url: string;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  temporal: Client;
  taskQueue: string;
  secretsKey: Buffer;
  /** Every log line the app wrote, for secret-leak assertions. */
  logs: string[];
  call(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The real app on a real port, against a fresh PostgreSQL database and the test Temporal server. */
export async function startTestApi(
  opts: { taskQueue?: string; temporalPing?: () => Promise<void>; visitTiming?: Partial<VisitTiming>; httpTimeouts?: Partial<HttpTimeouts> } = {},
): Promise<TestApi> {
  const db = await createTestDatabase();
  await ensureBootstrapAdmin(db.prisma, ADMIN_TOKEN);
  const temporal = await testClient();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const taskQueue = opts.taskQueue ?? `api-test-${crypto.randomBytes(4).toString('hex')}`;
  const secretsKey = crypto.randomBytes(32);
  const app = createApp({
    db,
    temporal: {
      client: temporal,
      taskQueue,
      ping: opts.temporalPing ?? (() => temporal.workflowService.getSystemInfo({}).then(() => undefined)),
    },
    logger: createLogger('debug', sink),
    config: {
      temporal: { address: null, namespace: 'default', tls: null, devPort: 0, uiPort: 0, taskQueue, workerTaskQueues: [taskQueue], shutdownGraceMs: 1000 },
      refreshIntervalMinutes: 60,
      // A week: every provider a test creates gets a reconciliation schedule, and one firing every 5 minutes
      // in the middle of another test (closing its visits, counting its PACS requests) would make it flaky.
      reconcileIntervalMinutes: 7 * 24 * 60,
      secretsKey,
      // No end-of-day spread unless a test asks for one: a test waiting for the end of the day waits for it alone.
      visitTiming: { endOfDaySpreadMs: 0, ...opts.visitTiming },
    },
  });
  const server = createHttpServer(app, { ...DEFAULT_HTTP_TIMEOUTS, ...opts.httpTimeouts });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    db,
    temporal,
    taskQueue,
    secretsKey,
    logs,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const token = o.token === undefined ? ADMIN_TOKEN : o.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (o.raw !== undefined) body = o.raw;
      else if (o.body !== undefined) body = JSON.stringify(o.body);
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* non-JSON, e.g. /metrics */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await temporal.connection.close();
      await db.drop();
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/search-attributes';
import { findTemporalCli, MISSING_CLI_HELP } from './cli';

export interface DevServerOptions {
  cliPath?: string;
  port: number;
  uiPort: number;
  /** SQLite file; omitted means in-memory (tests). */
  dbFile?: string;
  headless?: boolean;
  namespace?: string;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * What a single-node server needs to hand a visit's tasks on without waiting (docs/operations.md, "Temporal
 * settings for speed", says the same for a cluster of your own):
 * - eager activities: a PACS call on the workflow's own queue comes back in the answer to the workflow task
 *   that scheduled it, with no trip through matching;
 * - the search-attribute cache: the CLI turns it off so attributes registered while running are seen at
 *   once; ours are all registered by flag at start, and with it off every visit's attribute updates read the
 *   attribute list from SQLite.
 * Eager activities measured in the end-of-day sweep of 1,000 visits on PostgreSQL (`npm run bench:sweep --
 * --postgres`): 52.6 s with them, 56.1 s and 187 more PACS requests than the switch-offs need without.
 * One task-queue partition was tried and left out: it did not shorten the sweep (97 s with it, 104 s
 * without, one run each, before the SQLite settings below).
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, boolean | number> = {
  'system.enableActivityEagerExecution': true,
  'system.forceSearchAttributesCacheRefreshOnRead': false,
};

/**
 * The dev server's SQLite file in write-ahead-log mode, synced at checkpoints rather than at every commit:
 * a workflow task's writes no longer wait for a journal file to be written, synced and deleted. Measured
 * with 80 visits at concurrency 10 on PostgreSQL: the dev server's CPU per visit went from 71–78 ms to
 * 52–56 ms. A killed process loses nothing committed (WAL with NORMAL is durable across process crashes);
 * only a power cut or kernel crash can lose the last commits. Run a Temporal cluster of your own where
 * that matters (docs/operations.md).
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

/**
 * Starts `temporal server start-dev` as a child process: the real Temporal server (SQLite persistence,
 * Web UI), not a fake. Our custom search attributes are registered by flag so operators can filter on
 * them from the first visit.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = findTemporalCli(opts.cliPath);
  if (!cli) throw new Error(MISSING_CLI_HELP);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'error'];
  args.push('--namespace', opts.namespace ?? 'default');
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
    for (const pragma of DEV_SERVER_SQLITE_PRAGMAS) args.push('--sqlite-pragma', pragma);
  }
  for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  // Its own process group, so that stopping it never leaves the UI server or children behind.
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
    opts.log?.(b.toString());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited (code ${child.exitCode}):\n${output}`);
    if (await canConnect(opts.port)) break;
    if (Date.now() > deadline) {
      killGroup(child);
      throw new Error(`Temporal dev server did not listen on ${address} within 60s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address,
    uiUrl: opts.headless ? null : `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

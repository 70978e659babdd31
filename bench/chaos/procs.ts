import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/cli';
import { canConnect, startDevServer, type DevServer } from '../../src/temporal/dev-server';

/**
 * Every process a chaos run starts, each in its own process group, so that one SIGKILL of the group takes
 * the process and anything it spawned. `killAll` is synchronous because it also runs from process 'exit',
 * where nothing asynchronous runs any more: a harness that dies must not leave servers behind.
 */
export class ProcessRegistry {
  private readonly live = new Set<ChildProcess>();

  track(child: ChildProcess) {
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
  }

  killAll() {
    for (const c of this.live) killGroup(c, 'SIGKILL');
    this.live.clear();
  }
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TypeScript entry point of this repository run with plain node + tsx's loader: one process, one pid. */
export interface NodeProcessSpec {
  name: string;
  script: string;
  args?: string[];
  env?: Record<string, string>;
  logFile: string;
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnNode(reg: ProcessRegistry, spec: NodeProcessSpec): RunningProcess {
  const out = fs.openSync(spec.logFile, 'a');
  // `tsx file.ts` would fork a second node process; a SIGKILL of the first would orphan it.
  const child = spawn(process.execPath, ['--import', 'tsx', spec.script, ...(spec.args ?? [])], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  reg.track(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  if (!child.pid) throw new Error(`could not start ${spec.name}`);
  return { name: spec.name, child, pid: child.pid, exited };
}

/** Waits until `probe` resolves true, or throws after `timeoutMs` (or when the process died). */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, proc?: RunningProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${what}: ${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode})`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** The Temporal dev server as its own process, on a persistent SQLite file that survives SIGKILL and restart. */
export class TemporalProcess {
  private server: DevServer | null = null;
  constructor(
    private readonly reg: ProcessRegistry,
    readonly port: number,
    private readonly uiPort: number,
    readonly dbFile: string,
    private readonly logFile: string,
  ) {}

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  async start() {
    // startDevServer registers our search attributes, exactly as `npm start` does.
    this.server = await startDevServer({
      port: this.port,
      uiPort: this.uiPort,
      headless: true,
      dbFile: this.dbFile,
      log: (line) => fs.appendFileSync(this.logFile, line),
    });
    this.reg.track(this.server.process);
  }

  async sigkill() {
    const p = this.server?.process;
    if (!p) return;
    const exited = new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));
    killGroup(p, 'SIGKILL');
    await exited;
    // The port must be free before the new server binds it.
    await waitUntil('temporal port released', async () => !(await canConnect(this.port)), 10_000);
  }

  async stop() {
    await this.server?.stop();
  }
}

export function ensureDir(dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export const repoPath = (...p: string[]) => path.join(PROJECT_ROOT, ...p);

import path from 'node:path';
import type { Pacs } from './pacs-view';
import { killGroup, spawnNode, waitUntil, type ProcessRegistry, type RunningProcess } from './procs';

/** A PACS simulator in its own process (`npm run simulator`), driven through its /__sim controls. */
export class Simulator {
  proc!: RunningProcess;
  constructor(
    readonly kind: Pacs,
    readonly port: number,
    private readonly reg: ProcessRegistry,
    private readonly logDir: string,
  ) {}

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }
  get providerUrl() {
    return this.kind === 'genetec' ? `${this.origin}/WebSdk` : this.origin;
  }
  /** The simulators' start-up defaults (src/simulators/cli.ts). */
  get credentials() {
    return this.kind === 'genetec'
      ? { username: 'admin', password: 'genetec-sim-password', applicationId: 'VB-SIMULATOR-APP-ID' }
      : { username: 'admin', password: 'onguard-sim-password', applicationId: 'OPEN_ACCESS_NON_PRODUCTION' };
  }

  async start() {
    this.proc = spawnNode(this.reg, {
      name: `${this.kind} simulator`,
      script: 'src/simulators/cli.ts',
      args: [this.kind, '--port', String(this.port), '--host', '127.0.0.1'],
      logFile: path.join(this.logDir, `${this.kind}-sim.log`),
    });
    await waitUntil(`${this.kind} simulator`, async () => (await fetch(`${this.origin}/__sim/faults`)).ok, 60_000, this.proc);
  }

  async ctl(method: string, p: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.origin}/__sim${p}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${this.kind} simulator ${method} /__sim${p}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Refuse the service's password (or accept it again): change it in the simulator, as an admin would. */
  async refuseCredentials(refuse: boolean) {
    const { username, password } = this.credentials;
    const pw = refuse ? `${password}-rotated` : password;
    if (this.kind === 'genetec') {
      // Every Web SDK request carries Basic auth: the change bites at the next request.
      await this.ctl('PUT', '/config', { users: [{ username, password: pw }] });
    } else {
      // OnGuard checks the password at log-on only; ending the sessions makes the client log on again.
      await this.ctl('POST', '/seed', { users: [{ user_name: username, password: pw }] });
      await this.ctl('POST', '/session/expire', {});
    }
  }

  /** Queues one drop-after-commit on creates, unless one is still pending. Returns whether it queued. */
  async queueDrop(): Promise<boolean> {
    if (this.kind === 'genetec') {
      const d = await this.ctl('GET', '/drop-next');
      if (d.queued.length) return false;
      await this.ctl('POST', '/drop-next', { count: 1 });
      return true;
    }
    const q = (await this.ctl('GET', '/next-error')) as any[];
    if (q.some((e) => e.mode === 'drop')) return false;
    await this.ctl('POST', '/next-error', { mode: 'drop', path: '/instances', method: 'POST' });
    return true;
  }

  async clearFaults() {
    await this.ctl('DELETE', '/faults');
    if (this.kind === 'genetec') await this.ctl('DELETE', '/drop-next');
    else await this.ctl('DELETE', '/next-error');
    await this.refuseCredentials(false);
  }

  async stop() {
    killGroup(this.proc.child, 'SIGTERM');
    const t = setTimeout(() => killGroup(this.proc.child, 'SIGKILL'), 5000);
    await this.proc.exited;
    clearTimeout(t);
  }
}

/**
 * One service instance: `src/main.ts` (API + worker) with DATABASE_URL and TEMPORAL_ADDRESS set and the
 * embedded simulators off, as in production. Restarted when it dies, whether we killed it or not.
 */
export class ServiceInstance {
  proc: RunningProcess | null = null;
  ready = false;
  starts = 0;
  private killedByUs = false;
  private stopped = false;
  unexpectedExits = 0;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly reg: ProcessRegistry,
    private readonly logDir: string,
    private readonly log: (line: string) => void,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.ready = false;
    this.killedByUs = false;
    this.starts++;
    const proc = spawnNode(this.reg, {
      name: `service ${this.name}`,
      script: 'src/main.ts',
      env: { ...this.env, PORT: String(this.port) },
      logFile: path.join(this.logDir, `service-${this.name}.log`),
    });
    this.proc = proc;
    void proc.exited.then(({ code, signal }) => {
      this.ready = false;
      if (this.stopped || this.killedByUs || this.proc !== proc) return;
      this.unexpectedExits++;
      this.log(`service ${this.name} (pid ${proc.pid}) exited by itself (${code ?? signal}); restarting`);
      if (this.unexpectedExits <= 20)
        setTimeout(() => void this.start().catch((e) => this.log(`service ${this.name} restart failed: ${(e as Error).message}`)), 1000);
    });
    await waitUntil(`service ${this.name}`, async () => (await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5000) })).ok, 180_000, proc);
    this.ready = true;
  }

  /** SIGKILL: no drain, no goodbye; in-flight activities are left to Temporal's timeouts. */
  async sigkill(): Promise<number | null> {
    const p = this.proc;
    if (!p) return null;
    this.killedByUs = true;
    this.ready = false;
    killGroup(p.child, 'SIGKILL');
    await p.exited;
    return p.pid;
  }

  async stop() {
    this.stopped = true;
    const p = this.proc;
    if (!p) return;
    killGroup(p.child, 'SIGTERM');
    const t = setTimeout(() => killGroup(p.child, 'SIGKILL'), 8000);
    await p.exited;
    clearTimeout(t);
  }
}

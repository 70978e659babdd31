import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envSchema } from '../../src/config';
import { canConnect, freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { dockerCmd } from '../config/dockerfile';
import { createEmptyDatabase } from '../helpers/db';

/**
 * The service as it is started for real: a separate process (its own process group, like a terminal's
 * foreground job), real ports, the real Temporal dev server, stopped by Ctrl-C (SIGINT to the group), by
 * closing the terminal (SIGHUP to the group) or, as Docker does, by SIGTERM to the one process it started. What a user would notice is checked: the banner,
 * the API, the Web UI, readiness, data surviving a restart, and that stopping leaves nothing running behind
 * (a stray `temporal server start-dev` keeps the ports and the SQLite file, and the next start fails).
 */
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..', '..');
const ADMIN_TOKEN = `e2e-admin-${crypto.randomBytes(8).toString('hex')}`;
// Start-up bundles the workflows and starts the dev server; on 2 busy cores that can take a minute or more.
const START_TIMEOUT_MS = 150_000;
// main.ts force-exits after WORKER_SHUTDOWN_GRACE_MS (default 10 s) + 20 s; a clean stop is well within.
const STOP_TIMEOUT_MS = 30_000;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once every process holding its stdout/stderr has gone, i.e. the whole tree has exited. */
  closed: Promise<void>;
  api: string;
}

const running = new Set<Started>();
const devServers = new Set<DevServer>();
const tempDirs: string[] = [];

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Our environment minus every variable the app reads, so a developer's shell settings do not leak in. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const appKeys = new Set(Object.keys(envSchema.shape));
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || appKeys.has(k) || k.startsWith('npm_')) continue;
    env[k] = v;
  }
  // The dev server binary found by the tests is the one `npm start` should use too.
  if (process.env.TEMPORAL_CLI) env.TEMPORAL_CLI = process.env.TEMPORAL_CLI;
  return env;
}

/** package.json's start script (`tsx src/main.ts`) without npm and sh in between: the service's own exit code. */
const TSX_START = [process.execPath, path.join('node_modules', '.bin', 'tsx'), path.join('src', 'main.ts')];
const NPM_START = ['npm', 'start'];

async function launch(argv: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(argv[0], argv.slice(1), {
    cwd: ROOT,
    env: { ...cleanEnv(), LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const started: Started = { child, output: () => out, exited, closed, api: `http://127.0.0.1:${env.PORT}` };
  running.add(started);

  const deadline = Date.now() + START_TIMEOUT_MS;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`${argv.join(' ')} exited during start-up:\n${out}`);
    if (out.includes('Visitor badges is running.')) {
      const r = await fetch(`${started.api}/readyz`).catch(() => null);
      if (r?.status === 200) return started;
    }
    if (Date.now() > deadline) throw new Error(`${argv.join(' ')} was not ready within ${START_TIMEOUT_MS / 1000}s:\n${out}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Ctrl-C: SIGINT to the whole process group, as a terminal does. Closing the terminal: SIGHUP to the group.
 * Docker: SIGTERM to the one process it started.
 */
async function stop(s: Started, how: 'ctrl-c' | 'hang-up' | 'docker-stop'): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const t0 = Date.now();
  if (how === 'ctrl-c') process.kill(-s.child.pid!, 'SIGINT');
  else if (how === 'hang-up') process.kill(-s.child.pid!, 'SIGHUP');
  else process.kill(s.child.pid!, 'SIGTERM');
  const result = await Promise.race([s.exited, new Promise<null>((r) => setTimeout(() => r(null), STOP_TIMEOUT_MS))]);
  if (!result) throw new Error(`not stopped within ${STOP_TIMEOUT_MS / 1000}s of ${how}:\n${s.output()}`);
  running.delete(s);
  return { ...result, ms: Date.now() - t0 };
}

interface Proc {
  pid: number;
  cmdline: string;
}

/**
 * Processes that belong to a run: command line mentions its data directory or one of its ports (the dev
 * server has `--db-filename <dir>/temporal.sqlite --port N --ui-port M`), or its environment has its
 * DATA_DIR (npm, tsx and node children, esbuild's service).
 */
function processesOf(dataDir: string, ports: number[]): Proc[] {
  const found: Proc[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    let environ: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    if (!cmdline) continue; // zombie or kernel thread
    const tokens = cmdline.split(/[\s=:]+/);
    if (cmdline.includes(dataDir) || ports.some((p) => tokens.includes(String(p))) || environ.split('\0').includes(`DATA_DIR=${dataDir}`)) {
      found.push({ pid: Number(entry), cmdline });
    }
  }
  return found;
}

async function expectNothingLeft(dataDir: string, ports: number[]) {
  // Children are reaped a moment after the parent exits.
  let left: Proc[] = [];
  for (let i = 0; i < 20; i++) {
    left = processesOf(dataDir, ports);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(left).toEqual([]);
  for (const p of ports) expect({ port: p, open: await canConnect(p) }).toEqual({ port: p, open: false });
}

function tempDir(prefix: string) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

async function call(api: string, method: string, url: string, body?: unknown, token: string | null = ADMIN_TOKEN) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(api + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

afterEach(async () => {
  // A failed test must not leave its stack running for the next one (or the next developer).
  for (const s of running) {
    try {
      process.kill(-s.child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  running.clear();
  for (const d of devServers) await d.stop().catch(() => undefined);
  devServers.clear();
});

afterAll(async () => {
  for (const d of tempDirs) {
    // The dev server a SIGKILLed run left behind is ours: stop it by pid before removing its directory.
    for (const p of processesOf(d, [])) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(d, { recursive: true, force: true });
  }
});

describe('npm start (embedded defaults)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let ports: number[];
  let locationId: string;

  beforeAll(async () => {
    dataDir = tempDir('vb-e2e-start-');
    ports = await distinctFreePorts(5);
    const [PORT, TEMPORAL_DEV_PORT, TEMPORAL_UI_PORT, ONGUARD_SIM_PORT, GENETEC_SIM_PORT] = ports.map(String);
    env = { DATA_DIR: dataDir, PORT, TEMPORAL_DEV_PORT, TEMPORAL_UI_PORT, ONGUARD_SIM_PORT, GENETEC_SIM_PORT, ADMIN_TOKEN, DEMO_SEED: 'false' };
  });

  it('starts everything, serves the API and the Temporal UI, and Ctrl-C stops it all with exit 0', async () => {
    const app = await launch(TSX_START, env);
    const [PORT, , UI_PORT, OG_PORT, GT_PORT] = ports;
    const banner = app.output();
    expect(banner).toContain(`http://127.0.0.1:${PORT}/v1`);
    expect(banner).toContain(`Temporal UI    http://127.0.0.1:${UI_PORT}`);
    expect(banner).toContain(`http://127.0.0.1:${OG_PORT}`);
    expect(banner).toContain(`http://127.0.0.1:${GT_PORT}`);

    // While it runs, the orphan check below sees the stack (so an empty result after stopping means something).
    const whileRunning = processesOf(dataDir, ports).map((p) => p.cmdline);
    expect(whileRunning.some((c) => c.includes('server start-dev'))).toBe(true);
    expect(whileRunning.some((c) => c.includes('src/main.ts'))).toBe(true);

    const ready = await call(app.api, 'GET', '/readyz', undefined, null);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { database: { ok: true }, temporal: { ok: true } } });

    // The Temporal Web UI is served by the dev server on TEMPORAL_UI_PORT.
    const ui = await fetch(`http://127.0.0.1:${UI_PORT}/`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);

    const openapi = await call(app.api, 'GET', '/openapi.json', undefined, null);
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toMatch(/^3\./);
    expect(openapi.body.paths['/v1/locations'].post).toBeDefined();

    // ADMIN_TOKEN is the bootstrap admin's bearer token; without a token the API refuses.
    expect((await call(app.api, 'GET', '/v1/locations', undefined, null)).status).toBe(401);
    const created = await call(app.api, 'POST', '/v1/locations', { name: 'E2E HQ', timezone: 'Europe/Berlin', endOfDay: '18:00' });
    expect(created.status).toBe(201);
    locationId = created.body.id;

    const bad = await call(app.api, 'POST', '/v1/locations', { name: '', timezone: 'Mars/Olympus_Mons', endOfDay: '25:00' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['endOfDay', 'name', 'timezone']);

    const stopped = await stop(app, 'ctrl-c');
    expect({ code: stopped.code, signal: stopped.signal }).toEqual({ code: 0, signal: null });
    await expectNothingLeft(dataDir, ports);
  });

  it('`npm start` keeps its data across a restart on the same DATA_DIR (PGlite and the Temporal SQLite file)', async () => {
    expect(locationId).toBeDefined(); // set by the previous test
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(true);

    const app = await launch(NPM_START, env);
    const again = await call(app.api, 'GET', `/v1/locations/${locationId}`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: locationId, name: 'E2E HQ', timezone: 'Europe/Berlin', endOfDay: '18:00' });
    // The Temporal state survived too: the namespace's history is in the SQLite file, and the server accepts
    // the same search attributes on restart (it would refuse to start on a mismatch).
    expect((await call(app.api, 'GET', '/readyz', undefined, null)).status).toBe(200);

    const stopped = await stop(app, 'ctrl-c');
    // npm returns once the service has stopped. Its status is the service's 0, except where /bin/sh is dash
    // (Debian, Ubuntu): dash, which npm runs the script with, got the SIGINT too and re-raises it on exit,
    // so the shell sees 130 as after any Ctrl-C. The service's own exit 0 is asserted in the test above.
    expect([JSON.stringify({ code: 0, signal: null }), JSON.stringify({ code: null, signal: 'SIGINT' })]).toContain(
      JSON.stringify({ code: stopped.code, signal: stopped.signal }),
    );
    await expectNothingLeft(dataDir, ports);
  });

  it('stops everything when its terminal is closed (SIGHUP), instead of leaving the dev server behind', async () => {
    const app = await launch(TSX_START, { ...env, LOG_LEVEL: 'info' });
    await stop(app, 'hang-up');
    // tsx's own wrapper process dies of the SIGHUP at once; the service (same process group) shuts down
    // in order and exits, closing the output pipes it inherited.
    const closed = await Promise.race([app.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS))]);
    expect(closed).toBe(true);
    expect(app.output()).toMatch(/"signal":"SIGHUP","msg":"shutting down"/);
    expect(app.output()).toMatch(/"msg":"stopped"/);
    await expectNothingLeft(dataDir, ports);
  });
});

describe('npm start with the demo: the first five minutes', () => {
  it('says where the demo tokens are, keeps badge numbers, names the variable of a taken port, and the simulators still match an active visit after a restart', async () => {
    const dataDir = tempDir('vb-e2e-demo-');
    const ports = await distinctFreePorts(5);
    const [PORT, TEMPORAL_DEV_PORT, TEMPORAL_UI_PORT, ONGUARD_SIM_PORT, GENETEC_SIM_PORT] = ports.map(String);
    const env = { DATA_DIR: dataDir, PORT, TEMPORAL_DEV_PORT, TEMPORAL_UI_PORT, ONGUARD_SIM_PORT, GENETEC_SIM_PORT };
    const app = await launch(TSX_START, env);
    const demoFile = path.join(dataDir, 'demo.json');
    const demo = JSON.parse(fs.readFileSync(demoFile, 'utf8'));
    expect(demo.badges.onguard.map((b: { number: string }) => b.number)).toEqual(['1001', '1002', '1003', '1004', '1005']);
    expect(demo.badges.genetec[0]).toEqual({ id: expect.any(String), number: '2001', name: 'Lobby badge 1' });
    const banner = app.output();
    expect(banner).toContain('OnGuard badges 1001–1005, Genetec badges 2001–2005');
    expect(banner).toContain(`TOKEN=$(node -p "require('${demoFile}').receptionist")`);
    expect(banner).not.toContain(demo.receptionist);
    expect(banner).not.toContain(demo.admin);

    // The README walkthrough's sign-in, on the first OnGuard badge, with the token read as the banner says.
    const token = execFileSync(process.execPath, ['-p', `require('${demoFile}').receptionist`], { encoding: 'utf8' }).trim();
    const signIn = await fetch(`${app.api}/v1/visits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', prefer: 'wait=30' },
      body: JSON.stringify({
        locationId: demo.locationId,
        badgeId: demo.badges.onguard[0].id,
        accessRuleIds: [demo.accessRules.onguard[0]],
        visitor: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
      }),
    });
    const visit = (await signIn.json()) as { id: string; status: string };
    expect({ status: signIn.status, visit: visit.status }).toEqual({ status: 201, visit: 'active' });

    // A second start on the same ports says which variable moves the one that is taken.
    await expect(launch(TSX_START, { ...env, DATA_DIR: tempDir('vb-e2e-demo-2-') })).rejects.toThrow(
      new RegExp(`Port ${ONGUARD_SIM_PORT}, wanted by the OnGuard simulator, is already in use.*ONGUARD_SIM_PORT=${Number(ONGUARD_SIM_PORT) + 1} npm start`),
    );

    await stop(app, 'ctrl-c');
    const again = await launch(TSX_START, env);
    // The simulator came back with the visit's card still switched on, as the database says it is.
    const sim = (await (await fetch(`http://127.0.0.1:${ONGUARD_SIM_PORT}/__sim/state`)).json()) as { instances: { Lnl_Badge: Array<{ ID: number }> } };
    const card = sim.instances.Lnl_Badge.filter((b: { ID: number }) => b.ID === 1001);
    expect(card).toEqual([expect.objectContaining({ ID: 1001, STATUS: 1 })]);
    const out = await fetch(`${again.api}/v1/visits/${visit.id}/sign-out`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, prefer: 'wait=30' },
    });
    expect({ status: out.status, visit: ((await out.json()) as { status: string }).status }).toEqual({ status: 200, visit: 'completed' });

    // And the audit log names the receptionist for both.
    const audit = await call(again.api, 'GET', `/v1/audit?entityId=${visit.id}`, undefined, demo.admin);
    expect(audit.status).toBe(200);
    const byAction = Object.fromEntries(audit.body.items.map((e: { action: string; actor: { name: string } }) => [e.action, e.actor.name]));
    expect(byAction).toMatchObject({ sign_in: 'Demo receptionist', sign_out: 'Demo receptionist', completed: 'Demo receptionist' });

    await stop(again, 'ctrl-c');
    await expectNothingLeft(dataDir, ports);
  });
});

describe('the Docker image command against an existing Temporal and PostgreSQL', () => {
  it('reports readiness per dependency (503 naming temporal while it is down, 200 once back) and stops on SIGTERM', async () => {
    const tmp = tempDir('vb-e2e-ext-');
    const [temporalPort, uiPort, PORT] = await distinctFreePorts(3);
    const dbFile = path.join(tmp, 'temporal-external.sqlite');
    const startTemporal = async () => {
      const s = await startDevServer({ port: temporalPort, uiPort, headless: true, dbFile });
      devServers.add(s);
      return s;
    };
    let temporal = await startTemporal();
    const db = await createEmptyDatabase('vb_e2e');
    try {
      // The Dockerfile's CMD, run from the project root as from the image's WORKDIR, configured like the
      // compose file's app service (production, no simulators, no demo).
      const cmd = dockerCmd().map((a) => (a === 'node' ? process.execPath : a));
      const app = await launch(cmd, {
        NODE_ENV: 'production',
        DATA_DIR: path.join(tmp, 'data'),
        PORT: String(PORT),
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        DATABASE_URL: db.url,
        ADMIN_TOKEN,
        SECRETS_KEY: crypto.randomBytes(32).toString('base64'),
        SIMULATORS: 'false',
        DEMO_SEED: 'false',
      });
      // Nothing embedded was started: no simulators, no dev server of its own.
      expect(app.output()).not.toContain('Temporal UI');
      expect(app.output()).not.toContain('OnGuard sim');
      // It migrated the PostgreSQL database and the admin token works there.
      expect((await call(app.api, 'POST', '/v1/locations', { name: 'External', timezone: 'UTC', endOfDay: '23:00' })).status).toBe(201);

      await temporal.stop();
      devServers.delete(temporal);
      const down = await waitForReadyz(app.api, 503);
      expect(down.body.failing).toEqual(['temporal']);
      expect(down.body.checks.database.ok).toBe(true);

      temporal = await startTemporal(); // same port, same --db-filename
      const up = await waitForReadyz(app.api, 200);
      expect(up.body.status).toBe('ready');
      // The process rode out the outage instead of crashing.
      expect(app.child.exitCode).toBeNull();

      // `docker stop`: SIGTERM to the container's process only. The service drains and exits 0.
      const stopped = await stop(app, 'docker-stop');
      expect({ code: stopped.code, signal: stopped.signal }).toEqual({ code: 0, signal: null });
      await expectNothingLeft(path.join(tmp, 'data'), [PORT]);
    } finally {
      await temporal.stop();
      devServers.delete(temporal);
      await db.drop();
    }
  });
});

async function waitForReadyz(api: string, status: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: Awaited<ReturnType<typeof call>> | undefined;
  while (Date.now() < deadline) {
    last = await call(api, 'GET', '/readyz', undefined, null).catch(() => undefined);
    if (last?.status === status) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`/readyz did not answer ${status} within ${timeoutMs / 1000}s; last: ${JSON.stringify(last?.body)}`);
}

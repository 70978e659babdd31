import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run setup` (scripts/setup.js) in a scratch project: a copy of the script next to stand-ins for npm,
 * Prisma's generator, the migration CLI and the Temporal release archive, with a PATH that has no Go and
 * no `temporal`. So each step's decision (run or skip) and the no-Go download fallback are exercised for
 * real, without reinstalling this checkout's node_modules or reaching the internet.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const FAKE_CLI = (version: string) => `#!/bin/sh\necho "temporal version ${version} (Server 1.29.1, UI 2.42.1)"\n`;

let tmp: string;
let project: string;
let bin: string;
let archive: Buffer;
let server: http.Server;
let archiveUrl: string;
let downloads = 0;

function writeFile(p: string, content: string, mode?: number) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content, { mode });
}

/** Sets a file's mtime `secondsAgo` in the past, to order "installed" against "lockfile changed". */
function age(p: string, secondsAgo: number) {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(p, t, t);
}

function makeProject() {
  project = fs.mkdtempSync(path.join(tmp, 'project-'));
  fs.mkdirSync(path.join(project, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'setup.js'), path.join(project, 'scripts', 'setup.js'));
  writeFile(path.join(project, 'package-lock.json'), '{}');
  writeFile(path.join(project, 'prisma', 'schema.prisma'), '// schema');
  // Stand-in generator: records the call and writes the client like the real one.
  writeFile(
    path.join(project, 'scripts', 'prisma.js'),
    `const fs=require('fs'),p=require('path');fs.appendFileSync(p.join(__dirname,'..','calls.log'),'prisma '+process.argv.slice(2).join(' ')+'\\n');` +
      `fs.mkdirSync(p.join(__dirname,'..','src','generated','prisma'),{recursive:true});fs.writeFileSync(p.join(__dirname,'..','src','generated','prisma','client.ts'),'');`,
  );
  // Stand-in migration CLI run through the real tsx, as setup.js does.
  writeFile(
    path.join(project, 'src', 'db', 'migrate-cli.ts'),
    `import fs from 'node:fs';\nfs.appendFileSync(${JSON.stringify(path.join(project, 'calls.log'))}, 'migrate ' + process.env.DATABASE_URL + '\\n');\nif (process.env.DATABASE_URL!.includes('unreachable')) { console.error('connect ECONNREFUSED'); process.exit(1); }\n`,
  );
  fs.mkdirSync(path.join(project, 'node_modules'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', 'tsx'), path.join(project, 'node_modules', 'tsx'));
}

/** An installed project: node_modules newer than the lockfile, client newer than the schema. */
function markInstalled() {
  writeFile(path.join(project, 'node_modules', '.package-lock.json'), '{}');
  writeFile(path.join(project, 'src', 'generated', 'prisma', 'client.ts'), '');
  age(path.join(project, 'package-lock.json'), 60);
  age(path.join(project, 'prisma', 'schema.prisma'), 60);
}

const calls = () => {
  const f = path.join(project, 'calls.log');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n') : [];
};

function runSetup(env: Record<string, string | undefined> = {}): Promise<{ code: number | null; out: string }> {
  const base: Record<string, string | undefined> = { ...process.env };
  // Under `npm test`, npm_execpath would make setup.js run the real npm; DATABASE_URL/TEMPORAL_CLI are per test.
  for (const k of Object.keys(base)) if (k.startsWith('npm_') || k === 'DATABASE_URL' || k === 'TEMPORAL_CLI' || k === 'DATA_DIR') delete base[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(project, 'scripts', 'setup.js')], {
      cwd: project,
      env: { ...base, PATH: bin, TEMPORAL_CLI_ARCHIVE_URL: archiveUrl, ...env } as NodeJS.ProcessEnv,
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('close', (code) => resolve({ code, out }));
  });
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-setup-'));
  // PATH with only what setup.js may use here: node, tar (+gzip), and a stand-in npm. No go, no temporal.
  bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  for (const tool of ['tar', 'gzip']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${tool} is needed for this test`);
    fs.symlinkSync(found, path.join(bin, tool));
  }
  writeFile(
    path.join(bin, 'npm'),
    "#!/usr/bin/env node\nconst fs = require('fs');\nfs.appendFileSync('calls.log', ['npm', ...process.argv.slice(2)].join(' ') + '\\n');\n" +
      "fs.mkdirSync('node_modules', { recursive: true });\nfs.writeFileSync('node_modules/.package-lock.json', '{}');\n",
    0o755,
  );
  // The release archive's layout: a tar.gz with `temporal` at its root.
  const src = path.join(tmp, 'archive');
  writeFile(path.join(src, 'temporal'), FAKE_CLI('1.5.1'), 0o755);
  writeFile(path.join(src, 'LICENSE'), 'MIT');
  spawnSync('tar', ['-czf', path.join(tmp, 'temporal.tar.gz'), '-C', src, 'temporal', 'LICENSE']);
  archive = fs.readFileSync(path.join(tmp, 'temporal.tar.gz'));
  server = http.createServer((req, res) => {
    downloads++;
    // Like temporal.download: a redirect to the file.
    if (req.url?.startsWith('/cli/archive/')) {
      res.writeHead(302, { location: '/files/temporal_cli_1.5.1_linux_amd64.tar.gz' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  archiveUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cli/archive/v1.5.1?platform=linux&arch=amd64`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  makeProject();
  downloads = 0;
});

describe('npm run setup', () => {
  it('on a fresh clone without Go installs everything; a second run skips every step and changes nothing', async () => {
    const first = await runSetup();
    expect(first.out).toContain('downloaded the release archive');
    expect(first.code).toBe(0);
    expect(calls()).toEqual(['npm ci --no-audit --no-fund', 'prisma generate']);
    const cli = path.join(project, '.tools', 'bin', 'temporal');
    expect(spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout).toContain('temporal version 1.5.1');
    expect(downloads).toBe(2); // the redirect and the file
    // Each step reports how long it took.
    expect(first.out).toMatch(/✓ npm dependencies: .*\(\d+(\.\d)? s\)/);

    const before = fs.statSync(cli).mtimeMs;
    const second = await runSetup();
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/npm dependencies: skipped/);
    expect(second.out).toMatch(/Temporal CLI: skipped: \.tools\/bin\/temporal is v1\.5\.1/);
    expect(second.out).toMatch(/Prisma client: skipped/);
    expect(second.out).toMatch(/Database: nothing to do: DATABASE_URL is unset.*PGlite/);
    expect(calls()).toHaveLength(2);
    expect(downloads).toBe(2);
    expect(fs.statSync(cli).mtimeMs).toBe(before);
  });

  it('reinstalls dependencies when package-lock.json changed, and regenerates the client after them', async () => {
    markInstalled();
    writeFile(path.join(project, '.tools', 'bin', 'temporal'), FAKE_CLI('1.5.1'), 0o755);
    age(path.join(project, 'node_modules', '.package-lock.json'), 120); // lockfile now newer (git pull)
    const r = await runSetup();
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['npm ci --no-audit --no-fund', 'prisma generate']);
  });

  it('regenerates the Prisma client only when schema.prisma changed', async () => {
    markInstalled();
    writeFile(path.join(project, '.tools', 'bin', 'temporal'), FAKE_CLI('1.5.1'), 0o755);
    age(path.join(project, 'src', 'generated', 'prisma', 'client.ts'), 120); // schema now newer
    const r = await runSetup();
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['prisma generate']);
  });

  it('replaces a .tools/bin/temporal of another version', async () => {
    markInstalled();
    writeFile(path.join(project, '.tools', 'bin', 'temporal'), FAKE_CLI('1.4.0'), 0o755);
    const r = await runSetup();
    expect(r.code).toBe(0);
    expect(r.out).toContain('is not v1.5.1 (1.4.0): reinstalling');
    expect(spawnSync(path.join(project, '.tools', 'bin', 'temporal'), ['--version'], { encoding: 'utf8' }).stdout).toContain('1.5.1');
  });

  it('uses TEMPORAL_CLI when it is set, and installs nothing', async () => {
    markInstalled();
    const own = path.join(tmp, 'own-temporal');
    writeFile(own, FAKE_CLI('1.5.1'), 0o755);
    const r = await runSetup({ TEMPORAL_CLI: own });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`skipped: using TEMPORAL_CLI=${own}`);
    expect(fs.existsSync(path.join(project, '.tools'))).toBe(false);
    expect(downloads).toBe(0);
  });

  it('when the CLI cannot be obtained, fails and says what it tried and how to fix it', async () => {
    markInstalled();
    const r = await runSetup({ TEMPORAL_CLI_ARCHIVE_URL: 'http://127.0.0.1:1/cli/archive/v1.5.1', TEMPORAL_CLI: '/nonexistent/temporal' });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('TEMPORAL_CLI=/nonexistent/temporal: not an executable file');
    expect(r.out).toContain('PATH: no `temporal`');
    expect(r.out).toContain('.tools/bin/temporal: absent');
    expect(r.out).toContain('go install: `go` is not on PATH');
    expect(r.out).toMatch(/download http:\/\/127\.0\.0\.1:1\/cli\/archive\/v1\.5\.1: .*(ECONNREFUSED|fetch failed)/);
    expect(r.out).toMatch(/install Go/);
    expect(r.out).toMatch(/TEMPORAL_ADDRESS/);
    // Nothing after the failed step ran.
    expect(r.out).not.toContain('▸ Prisma client');
  });

  it('applies migrations when DATABASE_URL is set, and fails set-up when they fail', async () => {
    markInstalled();
    writeFile(path.join(project, '.tools', 'bin', 'temporal'), FAKE_CLI('1.5.1'), 0o755);
    const ok = await runSetup({ DATABASE_URL: 'postgresql://vb:s3cret@db.example:5432/vb' });
    expect(ok.code).toBe(0);
    expect(calls()).toEqual(['migrate postgresql://vb:s3cret@db.example:5432/vb']);
    // The password is not echoed.
    expect(ok.out).toContain('migrations applied to postgresql://vb:***@db.example:5432/vb');
    expect(ok.out).not.toContain('s3cret');

    const bad = await runSetup({ DATABASE_URL: 'postgresql://vb@unreachable:5432/vb' });
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/✗ Database failed/);
  });
});

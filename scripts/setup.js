#!/usr/bin/env node
'use strict';
// `npm run setup`: everything a fresh clone needs before `npm start` and `npm test`, in one command.
// It runs before node_modules exists, so it uses Node's built-ins only. Every step checks first and skips
// work that is already done, so a second run takes seconds and changes nothing.
//
//   1. npm dependencies   `npm ci` when node_modules is missing or older than package-lock.json
//   2. Temporal CLI       the dev server binary: TEMPORAL_CLI or PATH, else .tools/bin/temporal (Go build,
//                         else the official release archive)
//   3. Prisma client      `node scripts/prisma.js generate` when schema.prisma is newer than the client
//   4. Database           with DATABASE_URL: apply migrations; else PGlite is created on first start
//
// Environment read here (besides the app's own variables, see docs/configuration.md):
//   TEMPORAL_CLI               use this binary, install nothing
//   TEMPORAL_CLI_ARCHIVE_URL   where to download the release archive from (a mirror); default temporal.download
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
/**
 * Pinned: v1.6 and later carry `replace` directives in go.mod, which `go install pkg@version` refuses.
 * v1.5.1 embeds Temporal Server 1.29.1 and UI 2.42.1.
 */
const TEMPORAL_CLI_VERSION = '1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const EXE = process.platform === 'win32' ? '.exe' : '';
const TOOLS_BIN = path.join(ROOT, '.tools', 'bin');
const LOCAL_CLI = path.join(TOOLS_BIN, `temporal${EXE}`);

class StepError extends Error {}

// ---------------------------------------------------------------------------------------------- helpers

const mtimeMs = (p) => {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return null;
  }
};

function isExecutableFile(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
    for (const ext of exts) {
      const p = path.join(dir, cmd + ext);
      if (isExecutableFile(p)) return p;
    }
  }
  return null;
}

/** Runs a command with its output shown; throws with what to do when it fails. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.error) throw new StepError(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new StepError(`\`${[path.basename(cmd), ...args].join(' ')}\` exited with ${r.status ?? r.signal}`);
}

function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

// ------------------------------------------------------------------------------------------------ steps

let npmInstalled = false;

function npmDependencies() {
  const lock = path.join(ROOT, 'package-lock.json');
  // npm writes node_modules/.package-lock.json at the end of every successful install, so it is older
  // than package-lock.json exactly when the lockfile changed since (git pull) or the install never finished.
  const installed = mtimeMs(path.join(ROOT, 'node_modules', '.package-lock.json'));
  if (installed !== null && installed >= mtimeMs(lock)) return 'skipped: node_modules is up to date with package-lock.json';
  const why =
    installed !== null
      ? 'package-lock.json changed'
      : fs.existsSync(path.join(ROOT, 'node_modules'))
        ? 'node_modules is incomplete'
        : 'node_modules is missing';
  console.log(`  ${why}: npm ci`);
  // Under `npm run setup`, npm_execpath is the npm that runs us: use it rather than whatever is on PATH.
  const npmCli = process.env.npm_execpath;
  if (npmCli && /\.c?js$/.test(npmCli)) run(process.execPath, [npmCli, 'ci', '--no-audit', '--no-fund']);
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund'], { shell: process.platform === 'win32' });
  npmInstalled = true;
  return `installed (${why})`;
}

/** The version a `temporal` binary reports, or null when it cannot run. */
function reportedVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return null;
  const m = /temporal version (\S+)/.exec(r.stdout);
  return m ? m[1] : r.stdout.trim() || null;
}

/**
 * Release archives report their version (`temporal version 1.5.1 (...)`), but a `go install` build
 * reports 0.0.0-DEV. Go records the module version in the binary's build info as plain text
 * ("mod\tgithub.com/temporalio/cli\tv1.5.1\t"), so scan for it: works without Go on PATH, ~0.3 s.
 */
function hasPinnedVersion(bin) {
  const reported = reportedVersion(bin);
  if (reported === null) return { ok: false, reported: 'does not run' };
  if (reported === TEMPORAL_CLI_VERSION || reported === `v${TEMPORAL_CLI_VERSION}`) return { ok: true, reported };
  const needle = Buffer.from(`mod\tgithub.com/temporalio/cli\tv${TEMPORAL_CLI_VERSION}\t`);
  const fd = fs.openSync(bin, 'r');
  try {
    const chunk = Buffer.alloc(8 << 20);
    let carry = Buffer.alloc(0);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const buf = Buffer.concat([carry, chunk.subarray(0, n)]);
      if (buf.includes(needle)) return { ok: true, reported: `${reported}, built from cli v${TEMPORAL_CLI_VERSION}` };
      carry = buf.subarray(Math.max(0, buf.length - needle.length));
    }
  } finally {
    fs.closeSync(fd);
  }
  return { ok: false, reported };
}

function installWithGo(tried) {
  const go = which('go');
  if (!go) {
    tried.push('go install: `go` is not on PATH');
    return false;
  }
  console.log(
    `  go install ${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION} into .tools/bin\n` +
      '  (the first build compiles the Temporal server: several minutes on a small machine; Go keeps its module\n' +
      '  and build caches outside this clone, so later installs take seconds)',
  );
  // Only GOBIN changes: GOMODCACHE and GOCACHE stay where the user's Go keeps them.
  const r = spawnSync(go, ['install', `${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, GOBIN: TOOLS_BIN },
  });
  if (r.status !== 0 || !isExecutableFile(LOCAL_CLI)) {
    tried.push(`go install ${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION} with GOBIN=${TOOLS_BIN}: failed (exit ${r.status ?? r.signal ?? r.error?.message})`);
    return false;
  }
  return true;
}

function archiveUrl() {
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[process.platform];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  if (process.env.TEMPORAL_CLI_ARCHIVE_URL) return process.env.TEMPORAL_CLI_ARCHIVE_URL;
  if (!platform || !arch) return null;
  return `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${platform}&arch=${arch}`;
}

/**
 * The fallback for machines without Go: the official release archive (a .tar.gz with `temporal` at its
 * root; a .zip on Windows), the same URL the CLI's install.sh uses. The real URL could not be exercised
 * where this was written (no internet besides the npm registry and Go proxy); test/config/setup.test.ts
 * runs this code path against a local server through TEMPORAL_CLI_ARCHIVE_URL.
 */
async function installFromArchive(tried) {
  const url = archiveUrl();
  if (!url) {
    tried.push(`download: no release archive for ${process.platform}/${process.arch}`);
    return false;
  }
  console.log(`  downloading ${url}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-'));
  try {
    const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(300_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const zip = process.platform === 'win32';
    const archive = path.join(tmp, zip ? 'temporal.zip' : 'temporal.tar.gz');
    fs.writeFileSync(archive, Buffer.from(await res.arrayBuffer()));
    // tar ships with Linux, macOS and Windows 10+ (bsdtar, which also reads .zip).
    const r = spawnSync('tar', [zip ? '-xf' : '-xzf', archive, '-C', tmp], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar could not extract the archive: ${r.stderr || r.error?.message}`);
    const extracted = path.join(tmp, `temporal${EXE}`);
    if (!fs.existsSync(extracted)) throw new Error(`the archive has no temporal${EXE} at its root`);
    fs.mkdirSync(TOOLS_BIN, { recursive: true });
    // Copy to a temporary name, then rename: an interrupted download never leaves a half-written CLI.
    fs.copyFileSync(extracted, `${LOCAL_CLI}.partial`);
    fs.chmodSync(`${LOCAL_CLI}.partial`, 0o755);
    fs.renameSync(`${LOCAL_CLI}.partial`, LOCAL_CLI);
    return true;
  } catch (err) {
    const cause = err.cause ? ` (${err.cause.code || err.cause.message})` : '';
    tried.push(`download ${url}: ${err.message}${cause}`);
    return false;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function temporalCli() {
  const tried = [];
  const explicit = process.env.TEMPORAL_CLI;
  if (explicit) {
    if (isExecutableFile(explicit)) return `skipped: using TEMPORAL_CLI=${explicit} (${reportedVersion(explicit) ?? 'version unknown'})`;
    tried.push(`TEMPORAL_CLI=${explicit}: not an executable file`);
  }
  const onPath = which('temporal');
  if (onPath && path.resolve(onPath) !== LOCAL_CLI) {
    const v = reportedVersion(onPath);
    const note = v === TEMPORAL_CLI_VERSION ? '' : `; the tested version is ${TEMPORAL_CLI_VERSION}`;
    return `skipped: using ${onPath} from PATH (version ${v ?? 'unknown'}${note})`;
  }
  tried.push('PATH: no `temporal`');

  if (fs.existsSync(LOCAL_CLI)) {
    const check = hasPinnedVersion(LOCAL_CLI);
    if (check.ok) return `skipped: .tools/bin/temporal is v${TEMPORAL_CLI_VERSION} (${check.reported})`;
    console.log(`  .tools/bin/temporal is not v${TEMPORAL_CLI_VERSION} (${check.reported}): reinstalling`);
    tried.push(`.tools/bin/temporal: present but not v${TEMPORAL_CLI_VERSION} (${check.reported})`);
  } else {
    tried.push('.tools/bin/temporal: absent');
  }

  let how = null;
  if (installWithGo(tried)) how = 'built with go install';
  else if (await installFromArchive(tried)) how = 'downloaded the release archive';
  if (how) {
    const check = hasPinnedVersion(LOCAL_CLI);
    if (check.ok) return `installed .tools/bin/temporal v${TEMPORAL_CLI_VERSION} (${how})`;
    tried.push(`${how}, but the result reports ${check.reported}`);
  }
  throw new StepError(
    'The Temporal CLI (it contains the dev server `npm start` and the tests run) could not be obtained.\n' +
      `  Tried:\n${tried.map((t) => `    - ${t}`).join('\n')}\n` +
      '  Fix one of:\n' +
      `    - install Go >= 1.25 (https://go.dev/dl/) and run \`npm run setup\` again;\n` +
      `    - download temporal v${TEMPORAL_CLI_VERSION} for your platform (https://github.com/temporalio/cli/releases/tag/v${TEMPORAL_CLI_VERSION})\n` +
      '      and put it on PATH, in .tools/bin/temporal, or set TEMPORAL_CLI=/path/to/temporal;\n' +
      '    - set TEMPORAL_CLI_ARCHIVE_URL to a mirror of the release archive;\n' +
      '    - or skip the dev server: set TEMPORAL_ADDRESS to an existing Temporal service (docs/configuration.md).',
  );
}

function prismaClient() {
  const schema = path.join(ROOT, 'prisma', 'schema.prisma');
  // The generator writes client.ts on every run, so its mtime is the time of the last generate.
  const generated = mtimeMs(path.join(ROOT, 'src', 'generated', 'prisma', 'client.ts'));
  if (!npmInstalled && generated !== null && generated >= mtimeMs(schema)) return 'skipped: src/generated/prisma is newer than prisma/schema.prisma';
  const why = generated === null ? 'missing' : npmInstalled ? 'dependencies were reinstalled' : 'schema.prisma changed';
  console.log(`  ${why}: node scripts/prisma.js generate (offline)`);
  run(process.execPath, [path.join(ROOT, 'scripts', 'prisma.js'), 'generate']);
  return `generated (${why})`;
}

function database() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const dir = path.join(process.env.DATA_DIR || 'data', 'pglite');
    return `nothing to do: DATABASE_URL is unset, so the embedded PGlite database (${dir}) is created and migrated on the first \`npm start\``;
  }
  console.log(`  applying migrations to ${redact(url)}`);
  const tsx = require.resolve('tsx/cli', { paths: [ROOT] });
  run(process.execPath, [tsx, path.join(ROOT, 'src', 'db', 'migrate-cli.ts')]);
  return `migrations applied to ${redact(url)}`;
}

// --------------------------------------------------------------------------------------------- Chromium

/**
 * test/e2e/temporal-ui.test.ts looks at the Temporal UI in a real Chromium (driven by playwright-core, which
 * downloads no browser). The service never needs one, so a missing browser is reported, not fatal.
 */
async function chromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return found ? `found ${found}` : 'not found: `npm test` needs it for the Temporal UI test; install it (`apt-get install -y chromium`) or set CHROMIUM_PATH';
}

// ------------------------------------------------------------------------------------------------- main

const fmt = (ms) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

async function main() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 10)) {
    console.error(`Node ${process.versions.node} is too old: this project needs Node >= 20.10 (package.json "engines").`);
    process.exit(1);
  }
  const steps = [
    ['npm dependencies', npmDependencies],
    ['Temporal CLI', temporalCli],
    ['Prisma client', prismaClient],
    ['Database', database],
    ['Chromium (tests only)', chromium],
  ];
  const started = Date.now();
  for (const [name, fn] of steps) {
    const t0 = Date.now();
    console.log(`▸ ${name}`);
    try {
      const result = await fn();
      console.log(`✓ ${name}: ${result} (${fmt(Date.now() - t0)})`);
    } catch (err) {
      console.error(`✗ ${name} failed after ${fmt(Date.now() - t0)}: ${err.message}`);
      if (!(err instanceof StepError)) console.error(err.stack);
      process.exit(1);
    }
  }
  console.log(`\nSet-up complete in ${fmt(Date.now() - started)}. Next: \`npm start\` (everything in one process) or \`npm test\`.`);
}

module.exports = { TEMPORAL_CLI_VERSION, TEMPORAL_CLI_MODULE };

if (require.main === module) main();

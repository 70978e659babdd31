#!/usr/bin/env node
'use strict';
// `node scripts/new-migration.js <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL
// that takes the database from the committed prisma/schema.prisma to the one in the working tree.
//
// Why not `prisma migrate dev`: Prisma 7's migrate commands need a schema-engine binary that cannot be
// downloaded offline, and Prisma 6's WASM engine (package alias prisma-migrate-cli, see scripts/prisma.js)
// refuses --from-url, --from-migrations and --shadow-database-url when it runs through a driver adapter.
// A diff between two datamodels works, so the "before" side is the schema as git has it.
//
//   node scripts/new-migration.js add_visit_note                 # from HEAD's schema.prisma
//   node scripts/new-migration.js add_visit_note --from main     # from another revision
//   node scripts/new-migration.js add_visit_note --from-file old.prisma --dry-run
//
// test/db/migrations.test.ts then proves that the migrations produce exactly what schema.prisma describes.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SCHEMA = path.join(ROOT, 'prisma', 'schema.prisma');
const MIGRATIONS = path.join(ROOT, 'prisma', 'migrations');

function fail(message) {
  console.error(message);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { name: null, from: 'HEAD', fromFile: null, dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--from') opts.from = argv[++i];
    else if (a === '--from-file') opts.fromFile = argv[++i];
    else if (a === '--dry-run') opts.dryRun = true;
    else if (!a.startsWith('-') && !opts.name) opts.name = a;
    else fail(`unknown argument ${a}`);
  }
  if (!opts.name || !/^[a-z0-9][a-z0-9_]*$/.test(opts.name)) {
    fail('usage: node scripts/new-migration.js <name: lower_snake_case> [--from <git revision> | --from-file <schema.prisma>] [--dry-run]');
  }
  return opts;
}

/** Prisma 6 wants `url` in the datasource block, which Prisma 7's schema must not have: add it to a copy. */
const withUrl = (schema) => schema.replace(/provider\s*=\s*"postgresql"/, 'provider = "postgresql"\n  url      = env("DATABASE_URL")');

function previousSchema(opts) {
  if (opts.fromFile) return fs.readFileSync(opts.fromFile, 'utf8');
  const r = spawnSync('git', ['show', `${opts.from}:prisma/schema.prisma`], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) fail(`cannot read prisma/schema.prisma at ${opts.from}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

function diff(fromSchema, toSchema) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-migration-'));
  try {
    fs.writeFileSync(path.join(tmp, 'from.prisma'), withUrl(fromSchema));
    fs.writeFileSync(path.join(tmp, 'to.prisma'), withUrl(toSchema));
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'prisma-migrate-cli', 'build', 'index.js'),
        'migrate',
        'diff',
        '--config',
        path.join(ROOT, 'prisma', 'migrate-cli', 'prisma.config.ts'),
        '--from-schema-datamodel',
        path.join(tmp, 'from.prisma'),
        '--to-schema-datamodel',
        path.join(tmp, 'to.prisma'),
        '--script',
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          // The driver adapter connects even for a datamodel-only diff (nothing is read or written).
          DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
          ...process.env,
          // Any existing file: the engines are never executed, only looked for (see scripts/prisma.js).
          PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
          PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY || process.execPath,
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
          CHECKPOINT_DISABLE: '1',
        },
      },
    );
    if (r.status !== 0) fail(`prisma migrate diff failed:\n${r.stderr || r.stdout}`);
    return r.stdout;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** UTC yyyymmddhhmmss, later than every existing migration so the runner's sort order is the creation order. */
function nextTimestamp() {
  const now = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const last = fs
    .readdirSync(MIGRATIONS)
    .map((d) => /^(\d{14})_/.exec(d)?.[1])
    .filter(Boolean)
    .sort()
    .pop();
  if (!last || now > last) return now;
  return String(BigInt(last) + 1n);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const sql = diff(previousSchema(opts), fs.readFileSync(SCHEMA, 'utf8'));
  if (/^-- This is an empty migration\./m.test(sql) || !sql.trim()) {
    console.log(`prisma/schema.prisma has no changes since ${opts.fromFile ?? opts.from}: no migration written.`);
    return;
  }
  if (opts.dryRun) {
    process.stdout.write(sql);
    return;
  }
  const dir = path.join(MIGRATIONS, `${nextTimestamp()}_${opts.name}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
  console.log(
    `wrote ${path.relative(ROOT, dir)}/migration.sql — review it, then:\n` +
      '  npm run prisma:generate      # the client for the new schema\n' +
      '  node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js test/db   # migrations == schema, PGlite too',
  );
}

main();

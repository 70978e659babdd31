'use strict';
// Runs Prisma's CLIs without the network. Prisma 7's CLI downloads a schema-engine binary at start-up;
// `generate` never executes it, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file is enough.
// `migrate diff` needs a real engine: Prisma 6's WASM engine (package alias prisma-migrate-cli) provides
// one through a driver adapter (it connects to PostgreSQL, DATABASE_URL, even for a from-empty diff), but Prisma 6 wants `url` in the datasource block, which Prisma 7
// forbids, so it reads a temporary copy of the schema with the url added.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const schema = path.join(root, 'prisma', 'schema.prisma');
const engineEnv = () => ({
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY || process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
});

function generate() {
  const r = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate', '--schema', schema], {
    cwd: root,
    env: engineEnv(),
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('prisma generate failed');
}

/** SQL that creates the schema from nothing, per schema.prisma (no database needed). */
function sqlFromSchema() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-prisma-'));
  const copy = path.join(tmp, 'schema.prisma');
  fs.writeFileSync(copy, fs.readFileSync(schema, 'utf8').replace(/provider\s*=\s*"postgresql"/, 'provider = "postgresql"\n  url      = env("DATABASE_URL")'));
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'prisma-migrate-cli', 'build', 'index.js'),
      'migrate',
      'diff',
      '--config',
      path.join(root, 'prisma', 'migrate-cli', 'prisma.config.ts'),
      '--from-empty',
      '--to-schema-datamodel',
      copy,
      '--script',
    ],
    { cwd: root, env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres', ...engineEnv() }, encoding: 'utf8' },
  );
  fs.rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`prisma migrate diff failed:\n${r.stderr}`);
  return r.stdout.replace(/-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n?/, '');
}

module.exports = { generate, sqlFromSchema };

if (require.main === module) {
  const cmd = process.argv[2];
  if (cmd === 'generate') generate();
  else if (cmd === 'schema-sql') process.stdout.write(sqlFromSchema());
  else {
    console.error('usage: node scripts/prisma.js generate|schema-sql');
    process.exit(2);
  }
}

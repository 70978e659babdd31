// Config for the Prisma 6 CLI (package alias "prisma-migrate-cli"), used only for `migrate diff`:
// Prisma 7's CLI needs a schema-engine binary it cannot download here, Prisma 6 runs a WASM engine
// through a driver adapter. See docs/architecture.md, "Database".
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';

import { defineConfig } from 'prisma-migrate-cli/config';
export default defineConfig({
  schema: path.join(__dirname, '..', 'schema.prisma'),
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () =>
    // A short idle timeout lets the CLI exit as soon as it is done (11 s → 2.5 s per diff).
    new PrismaPg({ connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', idleTimeoutMillis: 100 }),
});

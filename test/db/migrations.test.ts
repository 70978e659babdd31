import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../../src/db/client';
import { applyMigrations, listMigrations } from '../../src/db/migrate';
import { createEmptyDatabase } from '../helpers/db';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sqlFromSchema } = require('../../scripts/prisma.js') as { sqlFromSchema(): string };

/** Columns, types, nullability, defaults, constraints and indexes: what "the schema" means to PostgreSQL. */
async function catalog(url: string): Promise<string[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const cols = await c.query(
      `select table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length, datetime_precision
         from information_schema.columns where table_schema = 'public' and table_name <> '_app_migrations'
         order by table_name, column_name`,
    );
    const idx = await c.query(
      `select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' and tablename <> '_app_migrations' order by indexname`,
    );
    const fks = await c.query(
      `select conname, pg_get_constraintdef(oid) as def from pg_constraint where connamespace = 'public'::regnamespace and contype in ('f','c') order by conname`,
    );
    return [...cols.rows.map((r) => JSON.stringify(r)), ...idx.rows.map((r) => JSON.stringify(r)), ...fks.rows.map((r) => JSON.stringify(r))];
  } finally {
    await c.end();
  }
}

describe('database schema', () => {
  it('the migrations produce exactly the schema in prisma/schema.prisma', async () => {
    const fromMigrations = await createEmptyDatabase('vb_mig');
    const fromSchema = await createEmptyDatabase('vb_schema');
    try {
      const db = await openDatabase({ kind: 'postgres', url: fromMigrations.url });
      await db.close();
      const c = new Client({ connectionString: fromSchema.url });
      await c.connect();
      await c.query(sqlFromSchema());
      await c.end();
      const a = await catalog(fromMigrations.url);
      const b = await catalog(fromSchema.url);
      expect(a.length).toBeGreaterThan(50);
      expect(a).toEqual(b);
    } finally {
      await fromMigrations.drop();
      await fromSchema.drop();
    }
  });

  it('applies to the embedded PGlite database and is idempotent there', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-pglite-'));
    try {
      const db = await openDatabase({ kind: 'pglite', dir });
      const loc = await db.prisma.location.create({ data: { name: 'Berlin HQ', timezone: 'Europe/Berlin', endOfDay: '18:00' } });
      await db.close();
      // Reopen: persisted on disk, no migration re-applied.
      const again = await openDatabase({ kind: 'pglite', dir });
      expect((await again.prisma.location.findUnique({ where: { id: loc.id } }))?.name).toBe('Berlin HQ');
      await again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const empty = await createEmptyDatabase('vb_drift');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-mig-'));
    const c = new Client({ connectionString: empty.url });
    await c.connect();
    const runner = {
      exec: async (sql: string) => void (await c.query(sql)),
      query: async (sql: string, p?: unknown[]) => (await c.query(sql, p as unknown[])).rows,
      withLock: <T>(fn: () => Promise<T>) => fn(),
    };
    try {
      fs.mkdirSync(path.join(dir, '001_a'));
      fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'create table t (id int);');
      expect(await applyMigrations(runner, dir)).toEqual(['001_a']);
      expect(await applyMigrations(runner, dir)).toEqual([]);
      fs.writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'create table t (id bigint);');
      await expect(applyMigrations(runner, dir)).rejects.toThrow(/was changed after it was applied/);
      expect(listMigrations(dir)).toHaveLength(1);
    } finally {
      await c.end();
      await empty.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

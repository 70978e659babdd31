import fs from 'node:fs';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import type { AppConfig } from '../config';
import { applyMigrations, type SqlRunner } from './migrate';

export type Db = PrismaClient;

export interface Database {
  prisma: Db;
  kind: 'postgres' | 'pglite';
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the configured database and applies pending migrations. PostgreSQL goes through the `pg`
 * adapter; the embedded default is PGlite (PostgreSQL compiled to WASM) persisted on disk, so the same
 * SQL migrations and the same Prisma client serve both.
 */
export async function openDatabase(config: AppConfig['database'], opts: { migrate?: boolean } = {}): Promise<Database> {
  if (config.kind === 'postgres') {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: config.url, max: 10 });
    // An idle connection the server closes (PostgreSQL restarted, failed over, or the database dropped)
    // is emitted here; unhandled, it would crash the whole process. The pool discards that connection and
    // the next query opens a new one.
    pool.on('error', () => undefined);
    if (opts.migrate !== false) await applyMigrations(pgRunner(pool));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return {
      prisma,
      kind: 'postgres',
      ping: async () => void (await pool.query('select 1')),
      close: async () => {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }
  fs.mkdirSync(config.dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const pglite = await PGlite.create(config.dir);
  if (opts.migrate !== false) {
    await applyMigrations({
      exec: async (sql) => void (await pglite.exec(sql)),
      query: async (sql, params) => (await pglite.query<Record<string, unknown>>(sql, params)).rows,
      // PGlite is single-connection and in-process: no other migrator can race us.
      withLock: (fn) => fn(),
    });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: 'pglite',
    ping: async () => void (await pglite.query('select 1')),
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

function pgRunner(pool: import('pg').Pool): SqlRunner {
  return {
    exec: async (sql) => void (await pool.query(sql)),
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    withLock: async (fn) => {
      const client = await pool.connect();
      try {
        // Two processes starting at once (API and worker containers) must not both migrate.
        await client.query('select pg_advisory_lock(727274)');
        return await fn();
      } finally {
        await client.query('select pg_advisory_unlock(727274)').catch(() => undefined);
        client.release();
      }
    },
  };
}

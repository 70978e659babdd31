import crypto from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type Database } from '../../src/db/client';

/** Server-level connection used to create and drop per-test databases. */
export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrl(name: string): string {
  const u = new URL(adminDatabaseUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminDatabaseUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createEmptyDatabase(prefix = 'vb_test'): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database "${name}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}

/** A fresh, migrated PostgreSQL database for one test file; `drop()` removes it. */
export async function createTestDatabase(): Promise<Database & { url: string; drop(): Promise<void> }> {
  const empty = await createEmptyDatabase();
  const db = await openDatabase({ kind: 'postgres', url: empty.url });
  return Object.assign(db, {
    url: empty.url,
    drop: async () => {
      await db.close();
      await empty.drop();
    },
  });
}

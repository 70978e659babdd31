import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SqlRunner {
  exec(sql: string): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'prisma', 'migrations');

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies prisma/migrations/* in order, each in its own transaction, recording them in
 * `_app_migrations`. We run the SQL ourselves because Prisma's migrate engine cannot be downloaded on
 * offline machines and cannot target PGlite; the SQL files are still the ones Prisma generates.
 * An applied migration whose file changed afterwards is refused: that is drift, not something to paper over.
 */
export async function applyMigrations(runner: SqlRunner, dir = MIGRATIONS_DIR): Promise<string[]> {
  return runner.withLock(async () => {
    await runner.exec(
      `create table if not exists "_app_migrations" (name text primary key, checksum text not null, applied_at timestamptz not null default now())`,
    );
    const applied = new Map((await runner.query(`select name, checksum from "_app_migrations"`)).map((r) => [String(r.name), String(r.checksum)]));
    const done: string[] = [];
    for (const m of listMigrations(dir)) {
      const previous = applied.get(m.name);
      if (previous) {
        if (previous !== m.checksum) {
          throw new Error(`Migration ${m.name} was changed after it was applied; add a new migration instead.`);
        }
        continue;
      }
      const escapedName = m.name.replace(/'/g, "''");
      await runner.exec(`begin;\n${m.sql}\ninsert into "_app_migrations"(name, checksum) values ('${escapedName}', '${m.checksum}');\ncommit;`);
      done.push(m.name);
    }
    return done;
  });
}

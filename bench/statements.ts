import pg from 'pg';

/**
 * Counts the SQL statements the service sends to PostgreSQL (BEGIN and COMMIT included): the service runs
 * in this process, so every query goes through node-postgres' `Client.prototype.query`. A bench-only
 * instrument; PGlite's queries do not pass here.
 */
let sent = 0;
let installed = false;

export function countStatements(): () => number {
  if (!installed) {
    const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
      sent++;
      return query.apply(this, args);
    };
    installed = true;
  }
  const start = sent;
  return () => sent - start;
}

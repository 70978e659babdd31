import pg from 'pg';

/**
 * The SQL statements the service sends to PostgreSQL (BEGIN and COMMIT included): the service runs in this
 * process, so every query goes through node-postgres' `Client.prototype.query`, wrapped here once. A
 * bench-only instrument; PGlite's queries do not pass here.
 */
const seen = { sent: 0, answered: 0, answeredMs: 0 };
let installed = false;

function install() {
  if (installed) return;
  installed = true;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
    seen.sent++;
    const t = performance.now();
    const r = query.apply(this, args);
    // Timed from the call to the answer (a pooled connection is already held here): the promise form only,
    // which is the one Prisma's adapter uses.
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      const done = () => {
        seen.answered++;
        seen.answeredMs += performance.now() - t;
      };
      void (r as Promise<unknown>).then(done, done);
    }
    return r;
  };
}

/** Statements sent from now on. */
export function countStatements(): () => number {
  install();
  const start = seen.sent;
  return () => seen.sent - start;
}

/** Statements answered since the previous call, and the milliseconds they took together. */
export function statementTimes(): () => { answered: number; ms: number } {
  install();
  let last = { ...seen };
  return () => {
    const now = { ...seen };
    const d = { answered: now.answered - last.answered, ms: now.answeredMs - last.answeredMs };
    last = now;
    return d;
  };
}

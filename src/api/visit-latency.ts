import type { Database } from '../db/client';
import type { HistogramData, Metrics } from './metrics';

/** Seconds. A sign-in normally activates in a few seconds; a PACS outage stretches it to minutes or hours. */
export const LATENCY_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600] as const;

/**
 * Event IDs, behind the newest one seen, within which an event committed late (its transaction took its ID
 * before others that committed first) is still counted. Our transactions last milliseconds; this is a few
 * hundred visits' worth of events.
 */
const LATE_COMMIT_WINDOW = 2_000;

// From the visit's timeline (VisitEvent), written by the worker: the API that is scraped need not be the
// process that ran the visit, so both are read from the database. A histogram's candidates are the timeline
// entries of one status; each query yields the candidates with an ID in ($1, $2], and for the ones that end a
// wait (a visit's first "active"; its first "completed" after the sign-out request) the wait in seconds, else
// null. "First" is a correlated look-up per entry on (visitId, at): a NOT EXISTS here was planned as an
// anti-join over every visit's entries.
interface Histogram {
  status: 'active' | 'completed';
  candidates: string;
}

const SIGN_IN_TO_ACTIVE: Histogram = {
  status: 'active',
  candidates: `
  SELECT e.id::float8 AS id,
    CASE WHEN e.id = (SELECT p.id FROM "VisitEvent" p WHERE p."visitId" = e."visitId" AND p.status = 'active' ORDER BY p.at, p.id LIMIT 1)
      THEN extract(epoch FROM (e.at - v."createdAt"))::float8 END AS s
  FROM "VisitEvent" e JOIN "Visit" v ON v.id = e."visitId"
  WHERE e.id > $1::bigint AND e.id <= $2::bigint AND e.status = 'active'`,
};

const SIGN_OUT_TO_RELEASED: Histogram = {
  status: 'completed',
  candidates: `
  SELECT e.id::float8 AS id,
    CASE WHEN v."signOutRequestedAt" IS NOT NULL AND e.at >= v."signOutRequestedAt" AND e.id = (
        SELECT p.id FROM "VisitEvent" p
        WHERE p."visitId" = e."visitId" AND p.status = 'completed' AND p.at >= v."signOutRequestedAt"
        ORDER BY p.at, p.id LIMIT 1)
      THEN extract(epoch FROM (e.at - v."signOutRequestedAt"))::float8 END AS s
  FROM "VisitEvent" e JOIN "Visit" v ON v.id = e."visitId"
  WHERE e.id > $1::bigint AND e.id <= $2::bigint AND e.status = 'completed'`,
};

/** The waits bucketed in the database: one row however many visits there are (the first scrape). */
function bucketed(candidates: string) {
  const buckets = LATENCY_BUCKETS.map((le, i) => `count(*) FILTER (WHERE s <= ${le})::int AS b${i}`).join(', ');
  return `WITH d AS (${candidates}) SELECT count(s)::int AS n, coalesce(sum(greatest(s, 0)), 0)::float8 AS total, ${buckets} FROM d`;
}

const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * A cumulative histogram over every visit, kept up to date from the timeline entries added since the last
 * scrape: the first scrape reads the whole history once (bucketed in the database), later ones only what is
 * new, so a scrape costs the same after a year of visits as on the first day. Prometheus' counter semantics
 * hold (counts only grow), which `rate()` in deploy/prometheus/alerts.yml needs.
 */
function latencyHistogram(db: Database, h: Histogram) {
  const query = <T>(sql: string, lo: number, hi: number) => db.prisma.$queryRawUnsafe<T[]>(sql, lo, hi);
  const counts = LATENCY_BUCKETS.map(() => 0);
  let n = 0;
  let sum = 0;
  /** Candidates with an ID up to `floor` are counted, or given up on; `seen` holds those above it. */
  let floor: number | null = null;
  let newest = 0;
  const seen = new Set<number>();
  const observe = (row: { id: number; s: number | null }) => {
    if (row.id <= (floor ?? 0) || seen.has(row.id)) return;
    seen.add(row.id);
    newest = Math.max(newest, row.id);
    if (row.s === null) return;
    LATENCY_BUCKETS.forEach((le, i) => {
      if (row.s! <= le) counts[i]++;
    });
    n++;
    sum += Math.max(row.s, 0);
  };

  async function catchUp() {
    if (floor === null) {
      const [{ max }] = await db.prisma.$queryRawUnsafe<Array<{ max: number }>>(`SELECT coalesce(max(id), 0)::float8 AS max FROM "VisitEvent"`);
      const start = Math.max(0, max - LATE_COMMIT_WINDOW);
      const [row] = await query<Record<string, number>>(bucketed(h.candidates), 0, start);
      LATENCY_BUCKETS.forEach((_, i) => (counts[i] += Number(row?.[`b${i}`] ?? 0)));
      n += Number(row?.n ?? 0);
      sum += Number(row?.total ?? 0);
      floor = newest = start;
    }
    for (const row of await query<{ id: number; s: number | null }>(h.candidates, newest, NO_LIMIT)) observe(row);
    // A candidate that committed after a newer one was seen: noticed when the window holds more than we saw
    // (an index range count, no look-ups), then read.
    const [{ total }] = await query<{ total: number }>(
      `SELECT count(*)::int AS total FROM "VisitEvent" WHERE id > $1::bigint AND id <= $2::bigint AND status = '${h.status}'`,
      floor,
      newest,
    );
    if (Number(total) !== seen.size) for (const row of await query<{ id: number; s: number | null }>(h.candidates, floor, newest)) observe(row);
    const slid = Math.max(floor, newest - LATE_COMMIT_WINDOW);
    for (const id of seen) if (id <= slid) seen.delete(id);
    floor = slid;
  }

  let pending: Promise<void> = Promise.resolve();
  return async (): Promise<HistogramData[]> => {
    // One catch-up at a time: two scrapes at once must not count the same entries twice.
    pending = pending.then(catchUp, catchUp);
    await pending;
    return [{ buckets: LATENCY_BUCKETS.map((le, i) => ({ le, count: counts[i] })), count: n, sum }];
  };
}

/** Histograms of how long a visitor waits for the badge, and how long a returned badge stays switched on. */
export function registerVisitLatencyMetrics(metrics: Metrics, db: Database): void {
  metrics.histogramFrom(
    'visits_sign_in_to_active_seconds',
    'From sign-in (POST /v1/visits) to the badge switched on in the PACS (the visit\'s first "active" event).',
    latencyHistogram(db, SIGN_IN_TO_ACTIVE),
  );
  metrics.histogramFrom(
    'visits_sign_out_to_released_seconds',
    'From the sign-out request to the badge switched off and back in the pool (the visit\'s "completed" event).',
    latencyHistogram(db, SIGN_OUT_TO_RELEASED),
  );
}

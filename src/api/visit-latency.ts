import type { Database } from '../db/client';
import type { HistogramData, Metrics } from './metrics';

/** Seconds. A sign-in normally activates in a few seconds; a PACS outage stretches it to minutes or hours. */
export const LATENCY_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600] as const;

/**
 * `SELECT` of one histogram over `durations` (a query yielding a column `s`, in seconds), bucketed in the
 * database so a scrape reads one row however many visits there are. The bounds are constants, not input.
 */
function bucketed(durations: string) {
  const buckets = LATENCY_BUCKETS.map((le, i) => `count(*) FILTER (WHERE s <= ${le})::int AS b${i}`).join(', ');
  return `WITH d AS (${durations}) SELECT count(*)::int AS n, coalesce(sum(greatest(s, 0)), 0)::float8 AS total, ${buckets} FROM d`;
}

// From the visit's timeline (VisitEvent), written by the worker: the API that is scraped need not be the
// process that ran the visit, so both are read from the database at scrape time, over every visit.
const SIGN_IN_TO_ACTIVE = bucketed(`
  SELECT extract(epoch FROM (a.at - v."createdAt"))::float8 AS s
  FROM "Visit" v
  JOIN LATERAL (SELECT min(e.at) AS at FROM "VisitEvent" e WHERE e."visitId" = v.id AND e.status = 'active') a ON a.at IS NOT NULL`);

const SIGN_OUT_TO_RELEASED = bucketed(`
  SELECT extract(epoch FROM (c.at - v."signOutRequestedAt"))::float8 AS s
  FROM "Visit" v
  JOIN LATERAL (
    SELECT min(e.at) AS at FROM "VisitEvent" e
    WHERE e."visitId" = v.id AND e.status = 'completed' AND e.at >= v."signOutRequestedAt"
  ) c ON c.at IS NOT NULL
  WHERE v."signOutRequestedAt" IS NOT NULL`);

type Row = Record<string, number>;

async function read(db: Database, sql: string): Promise<HistogramData[]> {
  const [row] = await db.prisma.$queryRawUnsafe<Row[]>(sql);
  if (!row) return [];
  return [{ buckets: LATENCY_BUCKETS.map((le, i) => ({ le, count: Number(row[`b${i}`]) })), count: Number(row.n), sum: Number(row.total) }];
}

/** Histograms of how long a visitor waits for the badge, and how long a returned badge stays switched on. */
export function registerVisitLatencyMetrics(metrics: Metrics, db: Database): void {
  metrics.histogramFrom(
    'visits_sign_in_to_active_seconds',
    'From sign-in (POST /v1/visits) to the badge switched on in the PACS (the visit\'s first "active" event).',
    () => read(db, SIGN_IN_TO_ACTIVE),
  );
  metrics.histogramFrom(
    'visits_sign_out_to_released_seconds',
    'From the sign-out request to the badge switched off and back in the pool (the visit\'s "completed" event).',
    () => read(db, SIGN_OUT_TO_RELEASED),
  );
}

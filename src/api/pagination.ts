import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// Rows are created by this service, so a cursor's instant lies between these; anything else was forged
// (and years beyond PostgreSQL's range used to reach the database as a 500).
const EARLIEST = 0;
const LATEST = Date.UTC(9999, 11, 31);

export interface Cursor {
  createdAt: Date;
  id: string;
}

/**
 * Decodes a cursor this API issued, or null. Cursors are base64url("<ISO instant>|<uuid>") and are
 * checked field by field, so whatever a client forges is either a position in the list or a 400.
 */
export function decodeCursor(cursor: string): Cursor | null {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (parts.length !== 2) return null;
  const [at, id] = parts;
  if (!ISO_MS.test(at) || !UUID.test(id)) return null;
  const createdAt = new Date(at);
  const t = createdAt.getTime();
  // Round-tripping rejects 2020-02-31 and other dates Date quietly moves.
  if (Number.isNaN(t) || t < EARLIEST || t > LATEST || createdAt.toISOString() !== at) return null;
  return { createdAt, id: id.toLowerCase() };
}

const cursorParam = z.string().refine((c) => decodeCursor(c) !== null, { message: 'not a cursor returned by this API; start again without it' });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: cursorParam.optional(),
});

export function encodeCursor(row: Cursor): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

/** Prisma where/orderBy fragments for a keyset page; fetch limit+1 rows and pass them to `page`. */
export function keyset(cursor: string | undefined) {
  // pageQuery has validated it: a cursor that does not decode here never gets this far.
  const c = cursor ? decodeCursor(cursor) : null;
  return {
    where: c ? { OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gt: c.id } }] } : {},
    orderBy: [{ createdAt: 'asc' as const }, { id: 'asc' as const }],
  };
}

export function page<T extends { createdAt: Date; id: string }, R>(rows: T[], limit: number, map: (r: T) => R) {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  return { items: items.map(map), ...(more ? { nextCursor: encodeCursor(items[items.length - 1]) } : {}) };
}

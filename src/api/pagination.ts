import { z } from 'zod';
import { badRequest } from '../errors';

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

/** Opaque keyset cursor over (createdAt, id), stable while rows are inserted. */
export function decodeCursor(cursor: string | undefined): { createdAt: Date; id: string } | null {
  if (!cursor) return null;
  try {
    const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    const createdAt = new Date(at);
    if (!id || Number.isNaN(createdAt.getTime())) throw new Error('bad');
    return { createdAt, id };
  } catch {
    throw badRequest('Invalid query: cursor: not a cursor returned by this API', { issues: [{ path: 'query.cursor', message: 'invalid cursor' }] });
  }
}

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

/** Prisma where/orderBy fragments for a keyset page; fetch limit+1 rows and pass them to `page`. */
export function keyset(cursor: string | undefined) {
  const c = decodeCursor(cursor);
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

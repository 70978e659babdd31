import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import type { CatalogAccessRule, CatalogBadgeType } from '../pacs/types';

export interface SyncCounts {
  /** New in the PACS. */
  added: number;
  /** Renamed or otherwise changed in the PACS, or back after having been missing. */
  updated: number;
  /** Gone from the PACS since the previous refresh (marked "missing", never deleted). */
  missing: number;
  /** Present and unchanged. */
  unchanged: number;
  /** All items currently missing, including those already missing before this refresh. */
  totalMissing: number;
}

import { badgeProblem, type BadgeProblemCode } from './badge-rules';

export type { BadgeProblemCode };

export interface FlaggedUserGroup {
  id: string;
  name: string;
  missingAccessRules: Array<{ id: string; externalId: string; name: string }>;
}

export interface FlaggedBadge {
  id: string;
  name: string;
  uniqueId: string;
  badgeType: { id: string; name: string; status: string };
  problem: BadgeProblemCode;
  message: string;
}

export interface RefreshResult {
  providerId: string;
  accessRules: SyncCounts;
  badgeTypes: SyncCounts;
  /** Configuration that references items the PACS no longer has, and badges their type no longer allows. */
  flagged: { userGroups: FlaggedUserGroup[]; badges: FlaggedBadge[] };
  refreshedAt: string;
}

const emptyCounts = (): SyncCounts => ({ added: 0, updated: 0, missing: 0, unchanged: 0, totalMissing: 0 });

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Parses a decimal ID bound; PACS ranges can exceed 2^53, so they live as BigInt. The column is a signed
 * 64-bit integer: an "unlimited" unsigned maximum from the PACS is clamped, which allows the same IDs.
 */
function toBig(v: string | number | null | undefined): bigint | null {
  if (v === null || v === undefined || v === '') return null;
  try {
    const n = BigInt(v);
    return n > INT64_MAX ? INT64_MAX : n < INT64_MIN ? INT64_MIN : n;
  } catch {
    return null;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));
}
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * Brings the provider's access rules and badge types in line with what the PACS listed, keyed by the
 * PACS's own IDs. Items the PACS no longer lists become "missing" rather than being deleted, because user
 * groups and badges reference them and an admin has to decide what replaces them. Running it twice with
 * the same catalogue changes nothing the second time.
 */
export async function syncCatalog(
  db: Db,
  providerId: string,
  catalog: { accessRules: CatalogAccessRule[]; badgeTypes: CatalogBadgeType[] },
  now: Date,
): Promise<RefreshResult> {
  const accessRules = emptyCounts();
  const badgeTypes = emptyCounts();
  // A PACS listing the same ID twice (paging overlap) must not make the upsert fail.
  const rules = dedupe(catalog.accessRules);
  const types = dedupe(catalog.badgeTypes);

  await db.$transaction(
    async (tx) => {
      // Bulk statements for the common cases (new, unchanged, gone), so a PACS with thousands of
      // cardholder groups refreshes in a handful of round trips; renames are few and go one by one.
      const existingRules = new Map((await tx.accessRule.findMany({ where: { providerId } })).map((r) => [r.externalId, r]));
      const newRules: Array<{ providerId: string; externalId: string; name: string; status: string; lastSeenAt: Date }> = [];
      const seenRuleIds: string[] = [];
      for (const r of rules) {
        const cur = existingRules.get(r.externalId);
        if (!cur) {
          newRules.push({ providerId, externalId: r.externalId, name: r.name, status: 'active', lastSeenAt: now });
          accessRules.added++;
        } else if (cur.name !== r.name || cur.status !== 'active') {
          await tx.accessRule.update({ where: { id: cur.id }, data: { name: r.name, status: 'active', lastSeenAt: now } });
          accessRules.updated++;
        } else {
          seenRuleIds.push(cur.id);
          accessRules.unchanged++;
        }
        existingRules.delete(r.externalId);
      }
      // One insert gives every row the same createdAt; spreading them by a millisecond keeps lists (ordered
      // by createdAt, id) in the PACS's own order instead of random UUID order.
      const base = Date.now() - newRules.length;
      if (newRules.length) await tx.accessRule.createMany({ data: newRules.map((r, i) => ({ ...r, createdAt: new Date(base + i) })) });
      if (seenRuleIds.length) await tx.accessRule.updateMany({ where: { id: { in: seenRuleIds } }, data: { lastSeenAt: now } });
      const goneRules = [...existingRules.values()];
      const newlyGoneRules = goneRules.filter((g) => g.status !== 'missing').map((g) => g.id);
      if (newlyGoneRules.length) await tx.accessRule.updateMany({ where: { id: { in: newlyGoneRules } }, data: { status: 'missing' } });
      accessRules.missing = newlyGoneRules.length;
      accessRules.totalMissing = goneRules.length;

      const existingTypes = new Map((await tx.badgeType.findMany({ where: { providerId } })).map((t) => [t.externalId, t]));
      for (const t of types) {
        const cur = existingTypes.get(t.externalId);
        const data = {
          name: t.name,
          manualEntry: t.manualEntry,
          idMin: toBig(t.idRange?.min),
          idMax: toBig(t.idRange?.max),
          details: t.details && Object.keys(t.details).length ? (t.details as Prisma.InputJsonObject) : Prisma.DbNull,
        };
        if (!cur) {
          await tx.badgeType.create({ data: { providerId, externalId: t.externalId, ...data, status: 'active', lastSeenAt: now } });
          badgeTypes.added++;
        } else if (
          cur.name !== data.name ||
          cur.manualEntry !== data.manualEntry ||
          cur.idMin !== data.idMin ||
          cur.idMax !== data.idMax ||
          !sameJson(cur.details, data.details === Prisma.DbNull ? null : data.details) ||
          cur.status !== 'active'
        ) {
          await tx.badgeType.update({ where: { id: cur.id }, data: { ...data, status: 'active', lastSeenAt: now } });
          badgeTypes.updated++;
        } else {
          await tx.badgeType.update({ where: { id: cur.id }, data: { lastSeenAt: now } });
          badgeTypes.unchanged++;
        }
        existingTypes.delete(t.externalId);
      }
      for (const gone of existingTypes.values()) {
        if (gone.status !== 'missing') {
          await tx.badgeType.update({ where: { id: gone.id }, data: { status: 'missing' } });
          badgeTypes.missing++;
        }
        badgeTypes.totalMissing++;
      }
    },
    { timeout: 60_000, maxWait: 10_000 },
  );

  return {
    providerId,
    accessRules,
    badgeTypes,
    flagged: await flaggedConfiguration(db, providerId),
    refreshedAt: now.toISOString(),
  };
}

function dedupe<T extends { externalId: string }>(items: T[]): T[] {
  const m = new Map<string, T>();
  for (const i of items) m.set(i.externalId, i);
  return [...m.values()];
}

/** User groups and badges of this provider that point at missing items or that their type no longer allows. */
export async function flaggedConfiguration(db: Db, providerId: string): Promise<RefreshResult['flagged']> {
  const missingRules = await db.accessRule.findMany({
    where: { providerId, status: 'missing', userGroups: { some: {} } },
    select: { id: true, externalId: true, name: true, userGroups: { select: { userGroup: { select: { id: true, name: true } } } } },
  });
  const groups = new Map<string, FlaggedUserGroup>();
  for (const r of missingRules) {
    for (const { userGroup } of r.userGroups) {
      const g = groups.get(userGroup.id) ?? { id: userGroup.id, name: userGroup.name, missingAccessRules: [] };
      g.missingAccessRules.push({ id: r.id, externalId: r.externalId, name: r.name });
      groups.set(userGroup.id, g);
    }
  }
  const badges = await db.securityBadge.findMany({
    where: { providerId },
    include: { badgeType: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const flaggedBadges: FlaggedBadge[] = [];
  for (const b of badges) {
    const p = badgeProblem(b.uniqueId, b.badgeType);
    if (p) {
      flaggedBadges.push({
        id: b.id,
        name: b.name,
        uniqueId: b.uniqueId,
        badgeType: { id: b.badgeType.id, name: b.badgeType.name, status: b.badgeType.status },
        ...p,
      });
    }
  }
  return { userGroups: [...groups.values()].sort((a, b) => a.name.localeCompare(b.name)), badges: flaggedBadges };
}

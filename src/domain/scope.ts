import type { Db } from '../db/client';
import { DomainError } from './errors';

/**
 * Which locations a user works at. A user with `allLocations` works everywhere; anyone else at the
 * locations of their user groups: those a group names explicitly and those of the access rules it lets
 * them assign. Nothing else widens it: a user in no group works nowhere (fail closed), and removing a
 * user from a group can only narrow what they see. docs/configuration.md, "Locations a user works at".
 */
export interface Scope {
  allLocations: boolean;
  /** Empty when allLocations: then every location is in scope. */
  locationIds: string[];
}

export const GLOBAL_SCOPE: Scope = { allLocations: true, locationIds: [] };

export async function loadScope(db: Db, user: { id: string; allLocations: boolean }): Promise<Scope> {
  if (user.allLocations) return GLOBAL_SCOPE;
  const member = { userGroup: { members: { some: { userId: user.id } } } };
  const rows = await db.location.findMany({
    where: {
      OR: [{ userGroups: { some: member } }, { providers: { some: { accessRules: { some: { userGroups: { some: member } } } } } }],
    },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  return { allLocations: false, locationIds: rows.map((r) => r.id) };
}

/** `undefined` means a trusted internal caller (a workflow, a test): no location restriction. */
export function inScope(scope: Scope | undefined, locationId: string): boolean {
  return !scope || scope.allLocations || scope.locationIds.includes(locationId);
}

/**
 * A Prisma filter for a `locationId` column: `where: { locationId: scopeFilter(scope) }`. undefined,
 * which Prisma ignores, for unrestricted callers.
 */
export function scopeFilter(scope: Scope | undefined): { in: string[] } | undefined {
  return !scope || scope.allLocations ? undefined : { in: scope.locationIds };
}

/**
 * Outside the caller's locations a thing answers exactly like one that does not exist, so IDs of other
 * sites cannot be confirmed by probing.
 */
export function assertInScope(scope: Scope | undefined, locationId: string, what: string, id: string): void {
  if (!inScope(scope, locationId)) throw new DomainError('notFound', 'NOT_FOUND', `${what} ${id} does not exist.`);
}

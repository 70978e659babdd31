import type { Db } from '../db/client';
import { DomainError } from './errors';
import { inScope, type Scope } from './scope';
import { badgeProblem } from './badge-rules';
import { ruleDisplayName } from './providers';

/**
 * Who may hand out what. Shared by the provisioning-options endpoint and by POST /v1/visits (through
 * src/api/provision-selection.ts), so the button the receptionist sees and the request the API accepts can
 * never disagree.
 */

/** Visit statuses in which the visit still holds (or may still hold) its badge and provider. */
export const OPEN_VISIT_STATUSES = ['provisioning', 'awaiting_approval', 'active', 'provision_failed', 'deprovisioning'] as const;

export interface Caller {
  id: string;
  permissions: readonly string[];
  /** The API's callers always carry one; omitted only by trusted internal callers. */
  scope?: Scope;
}

/**
 * Access rules the user may assign: those of every user group they belong to, active only (a rule the
 * PACS no longer has cannot be granted). `locationId` narrows to the location's providers.
 */
export async function allowedAccessRuleIds(db: Db, userId: string, opts: { locationId?: string; includeMissing?: boolean } = {}): Promise<Set<string>> {
  const rows = await db.accessRule.findMany({
    where: {
      ...(opts.includeMissing ? {} : { status: 'active' }),
      ...(opts.locationId ? { provider: { locationId: opts.locationId } } : {}),
      userGroups: { some: { userGroup: { members: { some: { userId } } } } },
    },
    select: { id: true },
  });
  return new Set(rows.map((r) => r.id));
}

/** A badge is free when no visit holds it (Visit.activeBadgeId is unique, so at most one can). */
export async function isBadgeFree(db: Db, badgeId: string): Promise<boolean> {
  return (await db.visit.count({ where: { activeBadgeId: badgeId } })) === 0;
}

/** The open visit holding the badge, if any. */
export async function badgeHolder(db: Db, badgeId: string) {
  return db.visit.findFirst({ where: { activeBadgeId: badgeId }, select: { id: true, status: true, workflowId: true } });
}

export interface Reason {
  code: 'NO_PROVISION_PERMISSION' | 'NO_PROVIDER' | 'NO_ACCESS_RULES_AT_LOCATION' | 'NOT_IN_GROUP_WITH_RULES' | 'NO_FREE_BADGES';
  message: string;
}

/** Why a badge of the pool is not offered: held by an open visit, or out of the pool (SecurityBadge.status). */
export const UNAVAILABLE_REASONS = ['in_use', 'not_returned', 'lost', 'retired'] as const;
export type UnavailableReason = (typeof UNAVAILABLE_REASONS)[number];

/** The card's own state, whoever holds it: null when it is in the pool. */
export function badgeOutOfPool(b: { status: string }): Exclude<UnavailableReason, 'in_use'> | null {
  if (b.status === 'available') return null;
  return b.status === 'not_returned' || b.status === 'lost' ? b.status : 'retired';
}

export const OUT_OF_POOL_TEXT: Record<Exclude<UnavailableReason, 'in_use'>, string> = {
  not_returned: 'was not returned by its last visitor (status not_returned)',
  lost: 'is reported lost (status lost)',
  retired: 'is retired (status retired)',
};

export interface ProvisioningOptions {
  locationId: string;
  canProvision: boolean;
  reasons: Reason[];
  badges: Array<{
    id: string;
    name: string;
    uniqueId: string;
    providerId: string;
    providerName: string;
    providerKind: string;
    badgeType: { id: string; name: string };
  }>;
  accessRules: Array<{ id: string; externalId: string; name: string; displayName: string; providerId: string; providerName: string }>;
  /** Badges of the location not offered, and why (visitId: the open visit holding it, or the one that kept it). */
  unavailable: Array<{ badgeId: string; name: string; uniqueId: string; providerId: string; reason: UnavailableReason; visitId?: string }>;
}

/**
 * What the caller can hand out at a location, and — when it is nothing — why, in the order of the
 * seeds' "Cannot see Provision Badge button" checklist, each with what to do.
 */
export async function provisioningOptions(db: Db, caller: Caller, locationId: string): Promise<ProvisioningOptions> {
  const location = await db.location.findUnique({
    where: { id: locationId },
    include: { providers: { select: { id: true, name: true, kind: true } } },
  });
  // Another site's free badges and card numbers are not the caller's business, nor is whether it exists.
  if (!location || !inScope(caller.scope, location.id)) throw new DomainError('notFound', 'NOT_FOUND', `Location ${locationId} does not exist.`);
  const reasons: Reason[] = [];
  if (!caller.permissions.includes('provisionBadge')) {
    reasons.push({
      code: 'NO_PROVISION_PERMISSION',
      message: 'You do not have the "provisionBadge" permission. Ask an admin to add it to your user (PATCH /v1/users/:id).',
    });
  }
  const providerIds = location.providers.map((p) => p.id);
  const providerById = new Map(location.providers.map((p) => [p.id, p]));
  if (!providerIds.length) {
    reasons.push({
      code: 'NO_PROVIDER',
      message: `Location "${location.name}" has no physical access provider. An admin must add one (POST /v1/locations/${location.id}/providers), test the connection and refresh it.`,
    });
  }

  const activeRulesHere = providerIds.length ? await db.accessRule.count({ where: { providerId: { in: providerIds }, status: 'active' } }) : 0;
  if (providerIds.length && activeRulesHere === 0) {
    reasons.push({
      code: 'NO_ACCESS_RULES_AT_LOCATION',
      message: `No physical access rules are synced for "${location.name}". An admin must refresh the provider (POST /v1/providers/:id/refresh); if it still shows none, create the access levels / cardholder groups in the PACS and make sure the integration's PACS user can see them.`,
    });
  }

  const allowed = providerIds.length
    ? await db.accessRule.findMany({
        where: {
          providerId: { in: providerIds },
          status: 'active',
          userGroups: { some: { userGroup: { members: { some: { userId: caller.id } } } } },
        },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      })
    : [];
  if (activeRulesHere > 0 && allowed.length === 0) {
    reasons.push({
      code: 'NOT_IN_GROUP_WITH_RULES',
      message: `You are not in a user group that may assign at least one access rule of "${location.name}". Ask an admin to add you to such a user group, or to add this location's rules to yours (PATCH /v1/user-groups/:id).`,
    });
  }

  const allBadges = providerIds.length
    ? await db.securityBadge.findMany({
        where: { providerId: { in: providerIds } },
        include: { badgeType: true, holder: { select: { id: true } } },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      })
    : [];
  const unavailable: ProvisioningOptions['unavailable'] = [];
  for (const b of allBadges) {
    const out = badgeOutOfPool(b);
    const base = { badgeId: b.id, name: b.name, uniqueId: b.uniqueId, providerId: b.providerId };
    if (b.holder) unavailable.push({ ...base, reason: 'in_use', visitId: b.holder.id });
    else if (out) unavailable.push({ ...base, reason: out, ...(out === 'not_returned' && b.notReturnedVisitId ? { visitId: b.notReturnedVisitId } : {}) });
  }
  const badgeRows = allBadges.filter((b) => !b.holder && !badgeOutOfPool(b));
  const usable = badgeRows.filter((b) => !badgeProblem(b.uniqueId, b.badgeType));
  if (providerIds.length && usable.length === 0) {
    const broken = badgeRows.length - usable.length;
    reasons.push({
      code: 'NO_FREE_BADGES',
      message:
        `No security badge is free at "${location.name}". Sign out a visitor to return a badge, or have an admin add badges (POST /v1/providers/:id/badges).` +
        (broken
          ? ` ${broken} free badge(s) cannot be used because their badge type is missing or does not allow their ID: an admin must refresh the provider and update them.`
          : '') +
        (unavailable.some((u) => u.reason === 'not_returned' || u.reason === 'lost')
          ? ` ${unavailable.filter((u) => u.reason === 'not_returned' || u.reason === 'lost').length} badge(s) are not returned or lost: once a card is back, report it found (POST /v1/badges/:id/found).`
          : ''),
    });
  }

  return {
    locationId: location.id,
    canProvision: reasons.length === 0,
    reasons,
    badges: usable.map((b) => {
      const p = providerById.get(b.providerId)!;
      return {
        id: b.id,
        name: b.name,
        uniqueId: b.uniqueId,
        providerId: b.providerId,
        providerName: p.name,
        providerKind: p.kind,
        badgeType: { id: b.badgeType.id, name: b.badgeType.name },
      };
    }),
    accessRules: allowed.map((r) => ({
      id: r.id,
      externalId: r.externalId,
      name: r.name,
      displayName: ruleDisplayName(location.name, r.name),
      providerId: r.providerId,
      providerName: providerById.get(r.providerId)!.name,
    })),
    unavailable,
  };
}

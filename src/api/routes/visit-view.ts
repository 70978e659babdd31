import type { Prisma } from '../../generated/prisma/client';
import { actorView } from './audit-schemas';

/** A Visit row as the API answers it; its own module so visits.ts and visit-schemas.ts (which checks the two agree) do not import each other. */
export type VisitRow = Prisma.VisitGetPayload<{ include: { timeline: true; badge: true } }>;

export function visitView(v: VisitRow) {
  return {
    id: v.id,
    status: v.status,
    locationId: v.locationId,
    providerId: v.providerId,
    badgeId: v.badgeId,
    badge: { name: v.badge.name, uniqueId: v.badge.uniqueId },
    visitor: v.visitor,
    accessRuleIds: v.accessRuleIds,
    endsAt: v.endsAt,
    workflowId: v.workflowId,
    createdAt: v.createdAt,
    timeline: [...v.timeline]
      .sort((a, b) => a.at.getTime() - b.at.getTime() || Number(a.id - b.id))
      .map((e) => ({ at: e.at, status: e.status, ...(e.detail ? { detail: e.detail } : {}), ...(e.actorName ? { actor: actorView(e) } : {}) })),
    ...(v.lastError ? { lastError: v.lastError } : {}),
    ...(v.badgeReturned !== null ? { badgeReturned: v.badgeReturned } : {}),
  };
}

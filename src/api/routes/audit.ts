import { z } from 'zod';
import { AUDIT_ENTITY_TYPES } from '../../audit/record';
import { SYSTEM_ACTORS } from '../../audit/actor';
import type { Prisma } from '../../generated/prisma/client';
import { badRequest } from '../../errors';
import type { ApiContext } from '../context';
import { keyset, page, pageQuery } from '../pagination';
import { actorView, auditPage, type auditEntrySchema } from './audit-schemas';

const instant = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 instant, e.g. 2026-12-06T09:00:00Z' });

const auditQuery = pageQuery.extend({
  entityType: z.enum(AUDIT_ENTITY_TYPES).optional(),
  entityId: z.uuid().optional(),
  /** A user id, or the name of a system actor. */
  actor: z
    .union([z.uuid(), z.enum(SYSTEM_ACTORS)])
    .optional()
    .meta({ description: `A user id, or a system actor: ${SYSTEM_ACTORS.map((a) => `"${a}"`).join(', ')}` }),
  locationId: z.uuid().optional(),
  from: instant.optional().meta({ description: 'Entries at or after this instant' }),
  to: instant.optional().meta({ description: 'Entries before this instant' }),
});

type AuditRow = Prisma.AuditEntryGetPayload<object>;
const auditView = (r: AuditRow): z.output<typeof auditEntrySchema> => ({
  id: r.id,
  at: r.createdAt,
  actor: actorView(r),
  entityType: r.entityType as (typeof AUDIT_ENTITY_TYPES)[number],
  entityId: r.entityId,
  locationId: r.locationId,
  action: r.action,
  ...(r.changes && typeof r.changes === 'object' && !Array.isArray(r.changes) ? { changes: r.changes as Record<string, unknown> } : {}),
  ...(r.requestId ? { requestId: r.requestId } : {}),
});

/**
 * GET /v1/audit, read-only by design: no route writes the audit log (changes write it in their own
 * transactions) and the table refuses UPDATE and DELETE. A user sees the entries of their locations;
 * global configuration (users, user groups) only with every location.
 */
export function registerAuditRoutes({ routes, db }: ApiContext) {
  const prisma = db.prisma;
  routes.add(
    'get',
    '/audit',
    {
      operationId: 'listAuditEntries',
      summary: 'Who changed what and when: configuration changes and visit actions, oldest first',
      description:
        'Filter by entity, actor (a user id or a system actor), location and time. Entries of global configuration (users, user groups) are shown only to admins of every location.',
      tag: 'audit',
      permission: ['viewAudit', 'manageConfiguration'],
      query: auditQuery,
      response: auditPage,
    },
    async ({ query, req }) => {
      const scope = req.principal!.scope;
      if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
        const message = 'must not be after "to"';
        throw badRequest(`Invalid query: from: ${message}`, { issues: [{ path: 'query.from', message }] });
      }
      const k = keyset(query.cursor);
      const actor =
        query.actor === undefined ? {} : z.uuid().safeParse(query.actor).success ? { actorId: query.actor } : { actorType: 'system', actorName: query.actor };
      const rows = await prisma.auditEntry.findMany({
        where: {
          ...k.where,
          AND: [
            { locationId: query.locationId },
            // Global entries (locationId null) are left out by `in` for a user of some locations.
            scope.allLocations ? {} : { locationId: { in: scope.locationIds } },
            query.from || query.to
              ? { createdAt: { ...(query.from ? { gte: new Date(query.from) } : {}), ...(query.to ? { lt: new Date(query.to) } : {}) } }
              : {},
          ],
          entityType: query.entityType,
          entityId: query.entityId,
          ...actor,
        },
        orderBy: k.orderBy,
        take: query.limit + 1,
      });
      return page(rows, query.limit, auditView);
    },
  );
}

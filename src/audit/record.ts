import type { Request } from 'express';
import type { Db } from '../db/client';
import type { Prisma } from '../generated/prisma/client';
import { actorColumns, requestActor, systemActor, type Actor } from './actor';
import { diff } from './diff';

export const AUDIT_ENTITY_TYPES = ['location', 'provider', 'badge', 'userGroup', 'user', 'visit'] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/** A Prisma client or the transaction client of `$transaction(async (tx) => ...)`. */
export type DbTx = Pick<Db, 'auditEntry'>;

export interface AuditInput {
  actor: Actor;
  entityType: AuditEntityType;
  entityId: string;
  /** null for global configuration (users, user groups). */
  locationId: string | null;
  action: string;
  /** Configuration rows before and after (null on create / delete): stored as a diff without secrets. */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** What a visit action or a state change said (badge returned, reason), instead of a diff. */
  details?: Record<string, unknown>;
  requestId?: string;
}

/**
 * Appends one audit entry. Call it with the transaction client of the change itself: the entry exists
 * exactly when the change does, whatever crashes in between.
 */
export async function recordAudit(tx: DbTx, input: AuditInput): Promise<void> {
  const changes = input.before !== undefined || input.after !== undefined ? diff(input.before ?? null, input.after ?? null) : undefined;
  const body = { ...(changes ?? {}), ...(input.details ?? {}) };
  await tx.auditEntry.create({
    data: {
      ...actorColumns(input.actor),
      entityType: input.entityType,
      entityId: input.entityId,
      locationId: input.locationId,
      action: input.action,
      changes: Object.keys(body).length ? (body as Prisma.InputJsonValue) : undefined,
      requestId: input.requestId ?? null,
    },
  });
}

/** recordAudit for an API request: its caller is the actor, its X-Request-Id is kept with the entry. */
export function auditRequest(req: Request) {
  return (tx: DbTx, input: Omit<AuditInput, 'actor' | 'requestId'>) => recordAudit(tx, { ...input, actor: requestActor(req), requestId: req.requestId });
}

/** A user the service itself created or changed at start (the ADMIN_TOKEN bootstrap, the demo seed). */
export function recordUserChangedAtStart(tx: DbTx, before: Record<string, unknown> | null, after: Record<string, unknown> & { id: string }): Promise<void> {
  return recordAudit(tx, {
    actor: systemActor('service start'),
    entityType: 'user',
    entityId: after.id,
    locationId: null,
    action: before ? 'update' : 'create',
    before,
    after,
  });
}

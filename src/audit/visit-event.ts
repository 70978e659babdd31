import type { Db } from '../db/client';
import { actorColumns, systemActor, type Actor } from './actor';
import { recordAudit } from './record';
import type { VisitActorRef } from '../workflows/visit-contract';

type Tx = Pick<Db, 'visitEvent' | 'auditEntry' | 'user' | 'visit'>;

/**
 * The actor a workflow named (a user's id from the API, or a system actor), with the user's name looked
 * up here: histories carry ids, not staff names. Nothing named means the workflow acted on its own.
 */
export async function resolveActor(tx: Pick<Db, 'user'>, ref: VisitActorRef | undefined): Promise<Actor> {
  if (!ref) return systemActor('visit workflow');
  if ('system' in ref) return systemActor(ref.system);
  const u = await tx.user.findUnique({ where: { id: ref.userId }, select: { name: true } });
  return { type: 'user', id: ref.userId, name: u?.name ?? '(deleted user)' };
}

export interface VisitEventInput {
  visitId: string;
  status: string;
  detail?: string | null;
  /** Makes the entry once-only: a second entry with the same key for the visit is not written (addVisitEvent answers null). */
  key?: string | null;
  at?: Date;
  actor: Actor;
  /** The audit entry's action; defaults to the status the visit moved to. */
  action?: string;
  /** Extra audit details (e.g. badgeReturned). */
  details?: Record<string, unknown>;
  /** X-Request-Id of the API request, when one caused it. */
  requestId?: string;
  /** The visit's location, when the caller has it at hand (saves reading it again for the audit entry). */
  locationId?: string;
}

/**
 * One timeline entry with its actor. What a person or an outside cause did (a sign-in, a sign-out, the
 * end of day, reconciliation, the Temporal UI) is also an audit entry, in the same transaction; the
 * workflow's own steps (provisioned, a failed attempt) stay in the timeline only.
 */
export async function addVisitEvent(tx: Tx, e: VisitEventInput): Promise<{ id: bigint; at: Date } | null> {
  const data = { visitId: e.visitId, status: e.status, detail: e.detail ?? null, key: e.key ?? null, ...(e.at ? { at: e.at } : {}), ...actorColumns(e.actor) };
  // A keyed entry exists once (a unique index): a retried step's insert does nothing (ON CONFLICT DO NOTHING)
  // and answers null, in one statement instead of a look-up first.
  const event = e.key ? ((await tx.visitEvent.createManyAndReturn({ data: [data], skipDuplicates: true }))[0] ?? null) : await tx.visitEvent.create({ data });
  if (!event) return null;
  if (e.actor.type === 'system' && e.actor.name === 'visit workflow') return event;
  const locationId = e.locationId ?? (await tx.visit.findUnique({ where: { id: e.visitId }, select: { locationId: true } }))?.locationId ?? null;
  await recordAudit(tx, {
    actor: e.actor,
    entityType: 'visit',
    entityId: e.visitId,
    locationId,
    action: e.action ?? e.status,
    details: { status: e.status, ...(e.detail ? { detail: e.detail } : {}), ...(e.details ?? {}) },
    requestId: e.requestId,
  });
  return event;
}

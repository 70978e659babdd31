import { z } from 'zod';
import { ACTION_KINDS } from '../domain/reconciliation';
import { named } from '../api/contract';
import { END_REASONS, type VisitError, type VisitStatus } from '../workflows/visit-contract';

/**
 * The events a webhook subscription can receive, and their payloads. The bodies follow the Standard
 * Webhooks shape `{ type, timestamp, data }`; the schemas are named components of /openapi.json and its
 * `webhooks` section documents each event.
 */
export const WEBHOOK_EVENT_TYPES = [
  'visit.active',
  'visit.awaiting_approval',
  'visit.provision_failed',
  'visit.completed',
  'visit.deprovision_overdue',
  'badge.not_returned',
  'reconciliation.action',
  'provider.health',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const COMPLETION_REASONS = ['sign_out', 'end_of_day', 'deprovision_now', 'cancelled', 'reconciliation', 'denied', 'not_approved', 'other'] as const;
export type CompletionReason = (typeof COMPLETION_REASONS)[number];

const instant = z.string().meta({ description: 'ISO 8601 instant (UTC)', format: 'date-time' });
const uuid = z.string().meta({ format: 'uuid' });

const visitRef = {
  visitId: uuid,
  locationId: uuid,
  providerId: uuid,
  badge: z.object({ id: uuid, name: z.string(), uniqueId: z.string().meta({ description: 'The number on the card' }) }),
  status: z.string().meta({ description: 'The visit status after the event' }),
  endsAt: instant.nullable().meta({ description: 'When the badge expires (the location’s end of day)' }),
};

const errorRef = z.object({
  code: z.string().meta({ description: 'Reason code, e.g. BADGE_ALREADY_ASSIGNED, PACS_UNREACHABLE' }),
  message: z.string().meta({ description: 'What went wrong and what to do, for the operator' }),
});

function envelope<T extends WebhookEventType, D extends z.ZodType>(id: string, type: T, data: D, description: string) {
  return named(
    id,
    z.object({
      type: z.literal(type),
      timestamp: instant.meta({ description: 'When the event happened (not when this attempt was sent: see the webhook-timestamp header)' }),
      data,
    }),
    description,
  );
}

export const webhookPayloadSchemas = {
  'visit.active': envelope('VisitActiveEvent', 'visit.active', z.object(visitRef), 'The visitor’s badge is switched on in the access control system.'),
  'visit.awaiting_approval': envelope(
    'VisitAwaitingApprovalEvent',
    'visit.awaiting_approval',
    z.object(visitRef),
    'At a location whose badges work only once approved: the badge is issued but switched off until POST /v1/visits/{id}/approve (or /deny).',
  ),
  'visit.provision_failed': envelope(
    'VisitProvisionFailedEvent',
    'visit.provision_failed',
    z.object({ ...visitRef, error: errorRef }),
    'Provisioning failed; the visit keeps its badge reserved until a retry, a sign-out or the end of the day. `error.code` is the reason code, `error.message` tells the operator what to do.',
  ),
  'visit.completed': envelope(
    'VisitCompletedEvent',
    'visit.completed',
    z.object({
      ...visitRef,
      reason: z.enum(COMPLETION_REASONS).meta({
        description:
          'How the visit ended: sign_out (reception), end_of_day (the location’s end of day), deprovision_now (switched off on request), cancelled (Cancel in the Temporal UI), reconciliation (closed by reconciliation after its workflow was lost), denied (approval refused), not_approved (the day ended before anyone approved), other',
      }),
      detail: z.string().meta({ description: 'The timeline entry, for a person' }),
      badgeReturned: z.boolean().nullable().meta({ description: 'What reception said at sign-out; null when nobody said' }),
    }),
    'The badge is switched off and back in the pool (or kept out of it when not returned); the visit is over.',
  ),
  'visit.deprovision_overdue': envelope(
    'VisitDeprovisionOverdueEvent',
    'visit.deprovision_overdue',
    z.object({
      ...visitRef,
      error: errorRef.extend({
        attempts: z.number().int().meta({ description: 'Switch-off attempts so far' }),
        since: instant.meta({ description: 'When switching off first failed' }),
        nextAttemptAt: instant.optional(),
      }),
    }),
    'Switching the badge off keeps failing past its deadline (5 minutes after the visit should have ended, the visits_deprovision_overdue alert). Sent once per visit; retries go on until it succeeds, then visit.completed follows.',
  ),
  'badge.not_returned': envelope(
    'BadgeNotReturnedEvent',
    'badge.not_returned',
    z.object({
      badgeId: uuid,
      badgeName: z.string(),
      badgeNumber: z.string().meta({ description: 'The card number (unique ID) in the access control system' }),
      visitId: uuid,
      locationId: uuid,
      providerId: uuid,
    }),
    'A visit ended without its card coming back (sign-out with badgeReturned false): the card is switched off and kept out of the pool until POST /v1/badges/{id}/found.',
  ),
  'reconciliation.action': envelope(
    'ReconciliationActionEvent',
    'reconciliation.action',
    z.object({
      runId: uuid,
      providerId: uuid,
      locationId: uuid,
      kind: z.enum(ACTION_KINDS).meta({ description: 'What was changed (see docs/operations.md, Reconciliation)' }),
      visitId: uuid.nullable(),
      badgeId: uuid.nullable(),
      message: z.string(),
    }),
    'Reconciliation changed something in the access control system or closed a visit.',
  ),
  'provider.health': envelope(
    'ProviderHealthEvent',
    'provider.health',
    z.object({
      providerId: uuid,
      locationId: uuid,
      status: z.enum(['failing', 'ok']),
      code: z.string().nullable(),
      message: z.string(),
    }),
    'A provider’s reconciliation failed (status failing: the PACS is unreachable, refuses our credentials…) or succeeded again after failing (status ok).',
  ),
} as const satisfies Record<WebhookEventType, z.ZodType>;

export const EVENT_SUMMARIES: Record<WebhookEventType, string> = {
  'visit.active': 'A visitor badge became active',
  'visit.awaiting_approval': 'A visit waits for approval before its badge is switched on',
  'visit.provision_failed': 'Provisioning a visitor badge failed',
  'visit.completed': 'A visit ended and its badge was switched off',
  'visit.deprovision_overdue': 'Switching a badge off is overdue',
  'badge.not_returned': 'A card did not come back at the end of its visit',
  'reconciliation.action': 'Reconciliation changed something',
  'provider.health': 'A provider started or stopped failing',
};

/** The event a visit status change sends, if any. */
export function eventOfStatus(status: VisitStatus): WebhookEventType | null {
  if (status === 'active') return 'visit.active';
  if (status === 'awaiting_approval') return 'visit.awaiting_approval';
  if (status === 'provision_failed') return 'visit.provision_failed';
  if (status === 'completed') return 'visit.completed';
  return null;
}

/**
 * How a visit ended, from its completion detail. The visit and closing workflows name the reason in it
 * (END_REASONS), so the workflows need no change to tell a guestbook.
 */
export function completionReason(detail: string | undefined): CompletionReason {
  const d = detail ?? '';
  if (/closed by reconciliation/.test(d)) return 'reconciliation';
  if (d.includes(END_REASONS.cancelled)) return 'cancelled';
  if (d.includes(END_REASONS.notApproved)) return 'not_approved';
  if (/\(denied\b/.test(d)) return 'denied';
  if (d.includes(END_REASONS.deprovisionNow)) return 'deprovision_now';
  if (d.includes(END_REASONS.signOut)) return 'sign_out';
  if (d.includes(END_REASONS.endOfDay)) return 'end_of_day';
  return 'other';
}

export interface VisitForEvent {
  id: string;
  locationId: string;
  providerId: string;
  status: string;
  endsAt: Date | null;
  badgeReturned: boolean | null;
  badge: { id: string; name: string; uniqueId: string };
}

export function visitData(v: VisitForEvent) {
  return {
    visitId: v.id,
    locationId: v.locationId,
    providerId: v.providerId,
    badge: { id: v.badge.id, name: v.badge.name, uniqueId: v.badge.uniqueId },
    status: v.status,
    endsAt: v.endsAt ? v.endsAt.toISOString() : null,
  };
}

export function visitStatusData(type: WebhookEventType, v: VisitForEvent, args: { detail?: string; error?: VisitError | null }) {
  const base = visitData(v);
  if (type === 'visit.provision_failed')
    return { ...base, error: { code: args.error?.code ?? 'PROVISION_FAILED', message: args.error?.message ?? args.detail ?? '' } };
  if (type === 'visit.completed') return { ...base, reason: completionReason(args.detail), detail: args.detail ?? '', badgeReturned: v.badgeReturned };
  return base;
}

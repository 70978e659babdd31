/**
 * Webhook subscriptions as the API shows them: views, schemas and who may see which. Plain data and
 * functions (no Temporal or I/O).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { named, paged, timestamp } from './contract';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events';
import type { Scope } from '../domain/scope';

/** Standard Webhooks secrets: "whsec_" and the base64 of 24 to 64 random bytes. */
export const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
export const newSigningSecret = () => `whsec_${crypto.randomBytes(32).toString('base64')}`;
export function secretBytes(secret: string): number {
  return Buffer.from(secret.slice('whsec_'.length), 'base64').length;
}

/**
 * A subscription belongs to the locations of its filter: a user sees it only when every one of them is
 * theirs. An empty filter (every location, present and future) is for users of every location only.
 */
export function subscriptionInScope(scope: Scope | undefined, locationIds: string[]): boolean {
  if (!scope || scope.allLocations) return true;
  return locationIds.length > 0 && locationIds.every((id) => scope.locationIds.includes(id));
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export const webhookSchema = named(
  'Webhook',
  z.object({
    id: z.uuid(),
    url: z.string(),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    locationIds: z.array(z.uuid()).meta({ description: 'Locations whose events are sent; empty: every location' }),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().meta({ description: 'Why the service switched it off (e.g. the receiver answered 410 Gone); null otherwise' }),
    disabledAt: timestamp.nullable(),
    pending: z.number().int().meta({ description: 'Deliveries waiting to be sent or retried' }),
    failed: z.number().int().meta({ description: 'Deliveries given up (they can be redelivered)' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  'An outbound webhook subscription. The signing secret is write-only: POST returns it once.',
);

export const webhookCreatedSchema = named(
  'WebhookCreated',
  webhookSchema.extend({
    secret: z.string().meta({ description: 'The Standard Webhooks signing secret (whsec_…): shown once, store it in the receiver now' }),
  }),
  'The new subscription and its signing secret, shown only in this answer.',
);

export const webhookPage = paged('Webhook', webhookSchema);

export const webhookAttemptSchema = z.object({
  at: timestamp,
  durationMs: z.number().int(),
  httpStatus: z.number().int().nullable().meta({ description: 'The receiver’s answer; null when none came (timeout, connection refused)' }),
  error: z.string().nullable().meta({ description: 'Why the attempt failed; null when it succeeded' }),
});

export const webhookDeliverySchema = named(
  'WebhookDelivery',
  z.object({
    id: z.uuid(),
    webhookId: z.string().meta({ description: 'The webhook-id header: the same for every attempt and redelivery of this event' }),
    eventType: z.enum(WEBHOOK_EVENT_TYPES),
    status: z.enum(DELIVERY_STATUSES),
    visitId: z.uuid().nullable(),
    locationId: z.uuid().nullable(),
    payload: z.unknown().meta({ description: 'The body sent (see the webhooks section of this document)' }),
    createdAt: timestamp,
    queuedAt: timestamp.meta({ description: 'When it was queued, or queued again by a redelivery: retries stop giveUpAfter later' }),
    attemptCount: z.number().int().meta({ description: 'Attempts since it was (re)queued' }),
    lastAttemptAt: timestamp.nullable(),
    nextAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    lastError: z.object({ httpStatus: z.number().int().optional(), error: z.string() }).nullable(),
    attempts: z.array(webhookAttemptSchema).meta({ description: 'The latest attempts, newest first (up to 50), redeliveries included' }),
  }),
  'One event for one subscription and every attempt to deliver it.',
);

export const webhookDeliveryPage = paged('WebhookDelivery', webhookDeliverySchema);

interface SubscriptionRow {
  id: string;
  url: string;
  eventTypes: string[];
  locationIds: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function webhookView(s: SubscriptionRow, counts: { pending: number; failed: number }): z.output<typeof webhookSchema> {
  return {
    id: s.id,
    url: s.url,
    eventTypes: s.eventTypes as z.output<typeof webhookSchema>['eventTypes'],
    locationIds: s.locationIds,
    description: s.description,
    enabled: s.enabled,
    disabledReason: s.disabledReason,
    disabledAt: s.disabledAt,
    pending: counts.pending,
    failed: counts.failed,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

interface DeliveryRow {
  id: string;
  messageId: string;
  eventType: string;
  status: string;
  visitId: string | null;
  locationId: string | null;
  payload: unknown;
  createdAt: Date;
  queuedAt: Date;
  attemptCount: number;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  lastError: unknown;
  attempts: Array<{ at: Date; durationMs: number; httpStatus: number | null; error: string | null }>;
}

export const ATTEMPTS_SHOWN = 50;

export function deliveryView(d: DeliveryRow): z.output<typeof webhookDeliverySchema> {
  return {
    id: d.id,
    webhookId: d.messageId,
    eventType: d.eventType as z.output<typeof webhookDeliverySchema>['eventType'],
    status: d.status as z.output<typeof webhookDeliverySchema>['status'],
    visitId: d.visitId,
    locationId: d.locationId,
    payload: d.payload,
    createdAt: d.createdAt,
    queuedAt: d.queuedAt,
    attemptCount: d.attemptCount,
    lastAttemptAt: d.lastAttemptAt,
    nextAttemptAt: d.nextAttemptAt,
    deliveredAt: d.deliveredAt,
    lastError: (d.lastError ?? null) as z.output<typeof webhookDeliverySchema>['lastError'],
    attempts: d.attempts.map((a) => ({ at: a.at, durationMs: a.durationMs, httpStatus: a.httpStatus, error: a.error })),
  };
}

import { z } from 'zod';
import { VISIT_STATUSES } from '../../workflows/visit-contract';
import { named, paged, timestamp, type HeaderParam } from '../contract';
import { actorSchema } from './audit-schemas';
import type { visitView } from './visit-view';

/**
 * The documented shape of a visit (visitView in ./visit-view.ts) and the visit routes' contract metadata,
 * kept out of visits.ts so the handlers there stay as they are.
 */
export const visitSchema = named(
  'Visit',
  z.object({
    id: z.uuid(),
    status: z.enum(VISIT_STATUSES),
    locationId: z.uuid(),
    providerId: z.uuid(),
    badgeId: z.uuid(),
    badge: z.object({ name: z.string(), uniqueId: z.string().meta({ description: 'The card number' }) }),
    visitor: z.object({ firstName: z.string(), lastName: z.string(), email: z.string().optional(), company: z.string().optional() }),
    accessRuleIds: z.array(z.uuid()),
    endsAt: timestamp.nullable().meta({ description: "When the badge is switched off unless signed out earlier (the location's end of day)" }),
    workflowId: z.string().meta({ description: 'The visit workflow in Temporal' }),
    createdAt: timestamp,
    timeline: z.array(z.object({ at: timestamp, status: z.string(), detail: z.string().optional(), actor: actorSchema.optional() })),
    lastError: z
      .object({
        code: z.string(),
        message: z.string(),
        whatToDo: z.string().optional().meta({ description: "The part of message that says what to do, when the failure came with the catalogue's guidance" }),
        during: z.string().optional().meta({
          description:
            'Set while a failing call is being retried: "switching the badge off", "switching off the half-issued credential", or "provisioning (<activity>)" while a PACS call of the sign-in is retried',
        }),
        attempts: z.number().int().optional(),
        since: z.string().optional(),
        nextAttemptAt: z.string().optional(),
      })
      .optional()
      .meta({ description: 'Why the visit is stuck or retrying, and what to do' }),
    badgeReturned: z.boolean().optional().meta({ description: 'What reception said at sign-out: false when the visitor kept the card' }),
  }),
  'A visit: a badge switched on in the PACS for a visitor, until sign-out or the end of the day.',
);
export const visitPage = paged('Visit', visitSchema);

// visitView's fields, but for the JSON columns and the status string the schema names precisely.
type Loose = 'visitor' | 'lastError' | 'status';
const matches: [Omit<ReturnType<typeof visitView>, Loose>] extends [Omit<z.output<typeof visitSchema>, Loose>] ? true : never = true;
void matches;

export const idempotencyKeyHeader: HeaderParam = {
  name: 'Idempotency-Key',
  description:
    'Makes the sign-in safe to retry: a repeat with the same key (same user) answers the first visit with `Idempotent-Replayed: true` instead of starting another; the same key with a different sign-in answers 422 IDEMPOTENCY_KEY_MISMATCH. Up to 200 printable ASCII characters without spaces.',
  schema: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/),
};

const temporalDown = 'TEMPORAL_UNAVAILABLE: Temporal is not reachable; retry (with the same Idempotency-Key for a sign-in)';

export const visitResponses = {
  create: {
    409: 'BADGE_IN_USE: another open visit holds the badge; BADGE_NOT_RETURNED, BADGE_LOST or BADGE_RETIRED: the card is out of the pool (see its status). Choose a free one from GET /v1/locations/{id}/provisioning-options',
    422: 'IDEMPOTENCY_KEY_MISMATCH: the key was used for a different sign-in; send a new key',
    503: temporalDown,
  },
  end: { 503: temporalDown },
  retry: { 409: 'VISIT_NOT_RETRYABLE (only a visit whose provisioning failed) or VISIT_CLOSED' },
  approve: {
    409: 'VISIT_NOT_AWAITING_APPROVAL (only a visit awaiting approval, and only once), VISIT_DAY_OVER (its day ended: the badge is off) or VISIT_CLOSED',
    503: temporalDown,
  },
  deny: {
    409: 'VISIT_NOT_AWAITING_APPROVAL (only a visit awaiting approval, and only once), VISIT_DAY_OVER or VISIT_CLOSED',
    503: temporalDown,
  },
} as const;

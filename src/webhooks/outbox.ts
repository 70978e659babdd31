import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../db/client';
import type { Logger } from '../logging';
import { webhookChangedSignal, webhookEventsSignal, webhookWorkflowId } from '../workflows/webhook-contract';
import { eventOfStatus, visitStatusData, visitData, type WebhookEventType } from './events';
import type { VisitError, VisitStatus } from '../workflows/visit-contract';

/**
 * The outbox: a webhook event is queued by the same transaction that records what happened, one row per
 * matching enabled subscription. The row's `sourceKey` (unique per subscription) names what produced it,
 * so a retried activity never queues an event twice, and a rolled-back transaction queues nothing.
 * Delivery is the per-subscription workflow's job (src/workflows/webhook-delivery.ts).
 */
type Tx = Prisma.TransactionClient;

/** `webhook-id`: msg_ and 24 random bytes, unique across every subscription. */
export const newMessageId = () => `msg_${crypto.randomBytes(18).toString('base64url')}`;

/**
 * Enabled subscriptions that want `type`, with their location filters: one small query, and on the visit
 * path (no subscriber, the common case) the only one webhooks add.
 */
async function wanting(tx: Tx, type: WebhookEventType) {
  return tx.webhookSubscription.findMany({ where: { enabled: true, eventTypes: { has: type } }, select: { id: true, locationIds: true } });
}

/** Of `subs`, those whose location filter takes `locationId` (an empty filter takes every location). */
const at = (subs: Array<{ id: string; locationIds: string[] }>, locationId: string) =>
  subs.filter((s) => !s.locationIds.length || s.locationIds.includes(locationId)).map((s) => s.id);

async function subscribers(tx: Tx, type: WebhookEventType, locationId: string) {
  return at(await wanting(tx, type), locationId);
}

/** Queues one event for every subscriber; returns the subscriptions that got a new row. */
export async function queueEvent(
  tx: Tx,
  e: { type: WebhookEventType; sourceKey: string; locationId: string; visitId?: string | null; at: Date; data: unknown },
  subs?: string[],
): Promise<string[]> {
  const ids = subs ?? (await subscribers(tx, e.type, e.locationId));
  if (!ids.length) return [];
  const payload = { type: e.type, timestamp: e.at.toISOString(), data: e.data } as unknown as Prisma.InputJsonValue;
  const queued: string[] = [];
  for (const subscriptionId of ids) {
    const r = await tx.webhookDelivery.createMany({
      data: [
        {
          subscriptionId,
          messageId: newMessageId(),
          eventType: e.type,
          sourceKey: e.sourceKey,
          locationId: e.locationId,
          visitId: e.visitId ?? null,
          payload,
          queuedAt: e.at,
        },
      ],
      skipDuplicates: true,
    });
    if (r.count) queued.push(subscriptionId);
  }
  return queued;
}

const visitInclude = { badge: { select: { id: true, name: true, uniqueId: true } } } as const;

/** After a visit status is recorded (same transaction): visit.active, visit.provision_failed, visit.completed. */
export async function queueVisitStatusEvent(
  tx: Tx,
  args: { visitId: string; eventId: bigint; status: VisitStatus; detail?: string; error?: VisitError | null; at: Date },
): Promise<string[]> {
  const type = eventOfStatus(args.status);
  if (!type) return [];
  const candidates = await wanting(tx, type);
  if (!candidates.length) return [];
  const visit = await tx.visit.findUnique({ where: { id: args.visitId }, include: visitInclude });
  if (!visit) return [];
  const subs = at(candidates, visit.locationId);
  if (!subs.length) return [];
  return queueEvent(
    tx,
    { type, sourceKey: `visit-event:${args.eventId}`, locationId: visit.locationId, visitId: visit.id, at: args.at, data: visitStatusData(type, visit, args) },
    subs,
  );
}

/**
 * After a failed switch-off attempt is recorded (same transaction): visit.deprovision_overdue once the
 * badge should have been off for `overdueAfterMs` — by the visit's end or since switching off first
 * failed, the condition of the visits_deprovision_overdue metric. Once per visit and subscription.
 */
export async function queueOverdueEvent(tx: Tx, args: { visitId: string; error: VisitError; now: Date; overdueAfterMs: number }): Promise<string[]> {
  if (!args.error.during) return [];
  const candidates = await wanting(tx, 'visit.deprovision_overdue');
  if (!candidates.length) return [];
  const visit = await tx.visit.findUnique({ where: { id: args.visitId }, include: visitInclude });
  if (!visit) return [];
  const limit = args.now.getTime() - args.overdueAfterMs;
  const since = args.error.since ? Date.parse(args.error.since) : NaN;
  const overdue = (visit.endsAt && visit.endsAt.getTime() < limit) || since < limit;
  if (!overdue) return [];
  const subs = at(candidates, visit.locationId);
  if (!subs.length) return [];
  return queueEvent(
    tx,
    {
      type: 'visit.deprovision_overdue',
      sourceKey: `visit.deprovision_overdue:${visit.id}`,
      locationId: visit.locationId,
      visitId: visit.id,
      at: args.now,
      data: {
        ...visitData(visit),
        error: {
          code: args.error.code,
          message: args.error.message,
          attempts: args.error.attempts ?? 0,
          since: args.error.since ?? args.now.toISOString(),
          ...(args.error.nextAttemptAt ? { nextAttemptAt: args.error.nextAttemptAt } : {}),
        },
      },
    },
    subs,
  );
}

/**
 * Wakes the delivery workflows of `subscriptionIds` after the transaction committed, starting any that
 * is not running. Not awaited by the visit path: a wake-up that is lost (the process died right after the
 * commit) only delays delivery until the workflow's idle poll, and a workflow that is not running is
 * started by the next event or at the next start of the service.
 */
export function wakeDeliveries(
  deps: { temporal?: Client; logger: Logger; webhookTaskQueue?: string },
  subscriptionIds: string[],
  why: 'events' | 'changed' = 'events',
): Promise<void> {
  if (!subscriptionIds.length || !deps.temporal || !deps.webhookTaskQueue) return Promise.resolve();
  const client = deps.temporal;
  const taskQueue = deps.webhookTaskQueue;
  return Promise.all(
    subscriptionIds.map((subscriptionId) =>
      // By name: activities importing the workflow module would close a (type) import cycle through activities/index.ts.
      client.workflow.signalWithStart('webhookDeliveryWorkflow', {
        workflowId: webhookWorkflowId(subscriptionId),
        taskQueue,
        args: [{ subscriptionId }],
        signal: why === 'events' ? webhookEventsSignal : webhookChangedSignal,
        signalArgs: [],
      }),
    ),
  ).then(
    () => undefined,
    (err: unknown) =>
      deps.logger.warn({ subscriptionIds, err: (err as Error).message }, 'could not wake webhook delivery; it is picked up at its next poll or start'),
  );
}

/**
 * At start: every enabled subscription's delivery workflow runs (started if something had ended it, e.g.
 * Terminate in the Temporal UI), and looks at its outbox once.
 */
export async function ensureDeliveryWorkflows(db: Db, deps: { temporal: Client; logger: Logger; webhookTaskQueue: string }) {
  const subs = await db.webhookSubscription.findMany({ where: { enabled: true }, select: { id: true } });
  await wakeDeliveries(
    deps,
    subs.map((s) => s.id),
  );
}

import type { Request } from 'express';
import { z } from 'zod';
import {
  ATTEMPTS_SHOWN,
  DELIVERY_STATUSES,
  SECRET_PATTERN,
  deliveryView,
  newSigningSecret,
  secretBytes,
  subscriptionInScope,
  webhookCreatedSchema,
  webhookDeliveryPage,
  webhookDeliverySchema,
  webhookPage,
  webhookSchema,
  webhookView,
} from '../webhook-schemas';
import { encryptSecret } from '../../config/secrets';
import { badRequest, conflict, notFound } from '../../errors';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/events';
import { wakeDeliveries } from '../../webhooks/outbox';
import { webhookChangedSignal, webhookWorkflowId } from '../../workflows/webhook-contract';
import type { ApiContext } from '../context';
import { decodeCursor, page, pageQuery } from '../pagination';
import { text } from '../text';
import { uuidParam } from '../validate';

/** Webhooks are configuration: the same permission as providers and user groups (docs/operations.md, "Webhooks"). */
const admin = ['manageConfiguration'] as const;

const url = z
  .string()
  .max(2000)
  .superRefine((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must be an http:// or https:// URL, not ${u.protocol}` });
    // The URL is shown in every answer: a password in it would be a secret in the API.
    else if (u.username || u.password)
      ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password; authenticate the receiver by the signature' });
    else if (u.hash) ctx.addIssue({ code: 'custom', message: 'must not contain a #fragment (it is never sent)' });
  })
  .meta({ description: 'Where events are POSTed: http:// or https://, no credentials', format: 'uri' });

const secret = z
  .string()
  .regex(SECRET_PATTERN, 'must be a Standard Webhooks secret: whsec_ followed by base64')
  .refine((s) => secretBytes(s) >= 24 && secretBytes(s) <= 64, 'must hold 24 to 64 bytes (base64 after whsec_)');

const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length * 2)
  .transform((a) => [...new Set(a)]);
const locationIds = z
  .array(z.uuid({ message: 'must be the id of a location from GET /v1/locations' }))
  .max(1000)
  .transform((a) => [...new Set(a)]);

const webhookCreate = z.strictObject({
  url,
  eventTypes,
  /** Empty or absent: every location (users of every location only). */
  locationIds: locationIds.default([]),
  description: text({ max: 500 }).nullable().optional(),
  enabled: z.boolean().default(true),
  /** A secret of your own (whsec_…); otherwise one is generated. Returned once either way. */
  secret: secret.optional(),
});
const webhookPatch = z.strictObject({
  url: url.optional(),
  eventTypes: eventTypes.optional(),
  locationIds: locationIds.optional(),
  description: text({ max: 500 }).nullable().optional(),
  /** true also re-enables a subscription the service switched off (410 Gone). */
  enabled: z.boolean().optional(),
  /** Replaces the signing secret (write-only: never returned). */
  secret: secret.optional(),
});

const deliveriesQuery = pageQuery.extend({ status: z.enum(DELIVERY_STATUSES).optional() });
const deliveryParams = z.object({ id: z.uuid({ message: 'must be a UUID' }), deliveryId: z.uuid({ message: 'must be a UUID' }) });

export function registerWebhookRoutes(ctx: ApiContext) {
  const { routes, db, temporal, logger, config } = ctx;
  const prisma = db.prisma;
  const wakeDeps = { temporal: temporal.client, logger, webhookTaskQueue: temporal.taskQueue };

  // From the database at scrape time, like the visit gauges: the same on every API instance.
  const deliveriesGauge = ctx.metrics.gauge('webhook_deliveries', 'Webhook deliveries by status (pending: queued or being retried; failed: given up).', [
    'status',
  ]);
  const oldestPending = ctx.metrics.gauge(
    'webhook_oldest_pending_seconds',
    'Age of the oldest webhook delivery still pending: a receiver that keeps failing holds its queue.',
  );
  const disabledGauge = ctx.metrics.gauge('webhook_subscriptions_disabled', 'Webhook subscriptions the service switched off (the receiver answered 410 Gone).');
  ctx.metrics.onCollect(async () => {
    const rows = await prisma.webhookDelivery.groupBy({ by: ['status'], where: { status: { in: ['pending', 'failed'] } }, _count: { _all: true } });
    for (const st of ['pending', 'failed']) deliveriesGauge.set({ status: st }, rows.find((r) => r.status === st)?._count._all ?? 0);
    const oldest = await prisma.webhookDelivery.findFirst({ where: { status: 'pending' }, orderBy: { queuedAt: 'asc' }, select: { queuedAt: true } });
    oldestPending.set({}, oldest ? Math.max(0, (Date.now() - oldest.queuedAt.getTime()) / 1000) : 0);
    disabledGauge.set({}, await prisma.webhookSubscription.count({ where: { enabled: false, disabledReason: { not: null } } }));
  });

  async function counts(ids: string[]) {
    const rows = ids.length
      ? await prisma.webhookDelivery.groupBy({
          by: ['subscriptionId', 'status'],
          where: { subscriptionId: { in: ids }, status: { in: ['pending', 'failed'] } },
          _count: { _all: true },
        })
      : [];
    return (id: string) => ({
      pending: rows.find((r) => r.subscriptionId === id && r.status === 'pending')?._count._all ?? 0,
      failed: rows.find((r) => r.subscriptionId === id && r.status === 'failed')?._count._all ?? 0,
    });
  }

  async function view(id: string) {
    const s = await prisma.webhookSubscription.findUniqueOrThrow({ where: { id } });
    return webhookView(s, (await counts([id]))(id));
  }

  /** The subscription, if all of its locations are the caller's; 404 otherwise. */
  async function load(id: string, req: Request) {
    const s = await prisma.webhookSubscription.findUnique({ where: { id } });
    if (!s || !subscriptionInScope(req.principal!.scope, s.locationIds)) throw notFound('Webhook', id);
    return s;
  }

  /** Every location exists and is the caller's (400 naming each one that is not, as user groups do). */
  async function checkLocations(req: Request, ids: string[]) {
    const scope = req.principal!.scope;
    if (!ids.length) {
      if (scope.allLocations) return;
      throw badRequest('Invalid body: locationIds: name at least one of your locations (an empty filter, every location, is for users of every location)', {
        issues: [{ path: 'locationIds', message: 'name at least one of your locations (an empty filter, every location, is for users of every location)' }],
      });
    }
    const found = new Set(
      (await prisma.location.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((l) => l.id).filter((id) => subscriptionInScope(scope, [id])),
    );
    const issues = ids.flatMap((id, i) => (found.has(id) ? [] : [{ path: `locationIds.${i}`, message: `location ${id} does not exist` }]));
    if (issues.length) throw badRequest(`Invalid body: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }

  /** Tells a running delivery workflow to look again (it stops when the subscription is gone or disabled). */
  async function nudge(id: string) {
    await temporal.client.workflow
      .getHandle(webhookWorkflowId(id))
      .signal(webhookChangedSignal)
      .catch(() => undefined);
  }

  routes.add(
    'post',
    '/webhooks',
    {
      operationId: 'createWebhook',
      summary: 'Subscribe a receiver to events (Standard Webhooks); the signing secret is returned once',
      description:
        'Events of the given types at the given locations are POSTed to `url`, signed with the webhook-id, webhook-timestamp and webhook-signature headers of the Standard Webhooks specification. ' +
        'The answer carries the signing secret; it is never shown again (PATCH replaces it). Payloads are in the `webhooks` section of this document.',
      tag: 'webhooks',
      permission: [...admin],
      body: webhookCreate,
      status: 201,
      response: webhookCreatedSchema,
    },
    async ({ body, req }) => {
      await checkLocations(req, body.locationIds);
      const signingSecret = body.secret ?? newSigningSecret();
      const s = await prisma.webhookSubscription.create({
        data: {
          url: body.url,
          eventTypes: body.eventTypes,
          locationIds: body.locationIds,
          description: body.description ?? null,
          enabled: body.enabled,
          secretCiphertext: encryptSecret(config.secretsKey, signingSecret),
          createdById: req.principal!.id,
        },
      });
      if (s.enabled) await wakeDeliveries(wakeDeps, [s.id], 'changed');
      return { ...webhookView(s, { pending: 0, failed: 0 }), secret: signingSecret };
    },
  );

  routes.add(
    'get',
    '/webhooks',
    {
      operationId: 'listWebhooks',
      summary: 'Webhook subscriptions whose locations are all the caller’s',
      tag: 'webhooks',
      permission: [...admin],
      query: pageQuery,
      response: webhookPage,
    },
    async ({ query, req }) => {
      const c = query.cursor ? decodeCursor(query.cursor) : null;
      // A handful of rows: the "all locations mine" filter is applied here rather than in SQL.
      const rows = (
        await prisma.webhookSubscription.findMany({
          where: c ? { OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gt: c.id } }] } : {},
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        })
      ).filter((s) => subscriptionInScope(req.principal!.scope, s.locationIds));
      const shown = rows.slice(0, query.limit + 1);
      const count = await counts(shown.map((s) => s.id));
      return page(shown, query.limit, (s) => webhookView(s, count(s.id)));
    },
  );

  routes.add(
    'get',
    '/webhooks/{id}',
    {
      operationId: 'getWebhook',
      summary: 'A webhook subscription (disabledReason says why the service switched it off)',
      tag: 'webhooks',
      permission: [...admin],
      params: uuidParam,
      response: webhookSchema,
    },
    async ({ params, req }) => {
      await load(params.id, req);
      return view(params.id);
    },
  );

  routes.add(
    'patch',
    '/webhooks/{id}',
    {
      operationId: 'updateWebhook',
      summary: 'Change a webhook subscription: URL, events, locations, enabled, or a new signing secret',
      description:
        'Enabling a subscription the service switched off (410 Gone) resumes delivery of what is still pending; a change of URL applies to the next attempt.',
      tag: 'webhooks',
      permission: [...admin],
      params: uuidParam,
      body: webhookPatch,
      response: webhookSchema,
    },
    async ({ params, body, req }) => {
      const cur = await load(params.id, req);
      if (body.locationIds) await checkLocations(req, body.locationIds);
      const s = await prisma.webhookSubscription.update({
        where: { id: cur.id },
        data: {
          ...(body.url !== undefined ? { url: body.url } : {}),
          ...(body.eventTypes ? { eventTypes: body.eventTypes } : {}),
          ...(body.locationIds ? { locationIds: body.locationIds } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.secret ? { secretCiphertext: encryptSecret(config.secretsKey, body.secret) } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled, disabledReason: null, disabledAt: body.enabled ? null : new Date() } : {}),
        },
      });
      if (s.enabled) await wakeDeliveries(wakeDeps, [s.id], 'changed');
      else await nudge(s.id);
      return view(s.id);
    },
  );

  routes.add(
    'delete',
    '/webhooks/{id}',
    {
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook subscription with its deliveries; nothing more is sent',
      tag: 'webhooks',
      permission: [...admin],
      params: uuidParam,
      response: null,
    },
    async ({ params, req }) => {
      await load(params.id, req);
      await prisma.webhookSubscription.delete({ where: { id: params.id } });
      await nudge(params.id);
      return undefined;
    },
  );

  routes.add(
    'get',
    '/webhooks/{id}/deliveries',
    {
      operationId: 'listWebhookDeliveries',
      summary: 'Deliveries of a webhook subscription, newest first, each with its attempts',
      description: 'Filter with ?status=pending|delivered|failed. Each delivery lists its latest attempts: time, HTTP status or error, duration.',
      tag: 'webhooks',
      permission: [...admin],
      params: uuidParam,
      query: deliveriesQuery,
      response: webhookDeliveryPage,
    },
    async ({ params, query, req }) => {
      await load(params.id, req);
      const c = query.cursor ? decodeCursor(query.cursor) : null;
      const rows = await prisma.webhookDelivery.findMany({
        where: {
          subscriptionId: params.id,
          ...(query.status ? { status: query.status } : {}),
          ...(c ? { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
        include: { attempts: { orderBy: [{ at: 'desc' }, { id: 'desc' }], take: ATTEMPTS_SHOWN } },
      });
      return page(rows, query.limit, deliveryView);
    },
  );

  routes.add(
    'post',
    '/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    {
      operationId: 'redeliverWebhook',
      summary: 'Send a delivery again (same webhook-id), behind what is already queued',
      description:
        'Queues a delivered or failed event again with its original webhook-id and payload, so receivers that dedupe by webhook-id still can; it is retried like a new event. 202 with the delivery, now pending.',
      tag: 'webhooks',
      permission: [...admin],
      params: deliveryParams,
      status: 202,
      response: webhookDeliverySchema,
      responses: {
        409: 'WEBHOOK_DISABLED: enable the subscription first (PATCH enabled: true); DELIVERY_PENDING: it is queued already',
      },
    },
    async ({ params, req }) => {
      const s = await load(params.id, req);
      const d = await prisma.webhookDelivery.findFirst({ where: { id: params.deliveryId, subscriptionId: s.id } });
      if (!d) throw notFound('Delivery', params.deliveryId);
      if (!s.enabled)
        throw conflict(
          'WEBHOOK_DISABLED',
          `Webhook ${s.id} is disabled${s.disabledReason ? ` (${s.disabledReason})` : ''}. Enable it (PATCH /v1/webhooks/${s.id} { "enabled": true }) first.`,
        );
      // Only if it is not pending: two redeliveries at once queue it once.
      const n = await prisma.$executeRaw`
        UPDATE "WebhookDelivery"
        SET "status" = 'pending', "seq" = nextval(pg_get_serial_sequence('"WebhookDelivery"', 'seq')), "queuedAt" = now(),
            "attemptCount" = 0, "nextAttemptAt" = NULL, "deliveredAt" = NULL
        WHERE "id" = ${d.id}::uuid AND "status" <> 'pending'`;
      if (!n) throw conflict('DELIVERY_PENDING', `Delivery ${d.id} is queued already; it is sent (or retried) in turn.`);
      await wakeDeliveries(wakeDeps, [s.id], 'changed');
      const row = await prisma.webhookDelivery.findUniqueOrThrow({
        where: { id: d.id },
        include: { attempts: { orderBy: [{ at: 'desc' }, { id: 'desc' }], take: ATTEMPTS_SHOWN } },
      });
      return deliveryView(row);
    },
  );
}

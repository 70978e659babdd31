import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/events';
import { newMessageId } from '../../src/webhooks/outbox';
import { webhookWorkflowId } from '../../src/workflows/webhook-contract';
import { startTestApi, type TestApi } from '../helpers/api';
import { createLocation, ok } from './admin/helpers';

/**
 * The webhook subscription API without a worker (delivery is test/e2e/webhooks.test.ts): what it accepts,
 * what it refuses and how, that the signing secret is shown once, and what /openapi.json says.
 */
describe('webhook subscriptions API', () => {
  let api: TestApi;
  let locationId: string;
  const hook = (over: Record<string, unknown> = {}) => ({
    url: 'https://guestbook.example.com/hooks',
    eventTypes: ['visit.active'],
    locationIds: [locationId],
    ...over,
  });

  beforeAll(async () => {
    api = await startTestApi();
    locationId = (await createLocation(api, 'Hook site')).id;
  });
  afterAll(async () => {
    for (const w of await api.db.prisma.webhookSubscription.findMany({ select: { id: true } })) {
      await api.temporal.workflow
        .getHandle(webhookWorkflowId(w.id))
        .terminate('test over')
        .catch(() => undefined);
    }
    await api.close();
  });

  it.each([
    ['an ftp URL', { url: 'ftp://guestbook.example.com/hooks' }, 'url', /http:\/\/ or https:\/\//],
    ['a relative URL', { url: '/hooks' }, 'url', /absolute/],
    ['a URL with a password', { url: 'https://user:pw@guestbook.example.com/hooks' }, 'url', /user name or password/],
    ['an unknown event type', { eventTypes: ['visit.exploded'] }, 'eventTypes.0', /visit\.active/],
    ['no event type', { eventTypes: [] }, 'eventTypes', /.+/],
    ['a location that does not exist', { locationIds: [crypto.randomUUID()] }, 'locationIds.0', /does not exist/],
    ['a secret in the wrong format', { secret: 'hunter2' }, 'secret', /whsec_/],
    ['a secret too short', { secret: `whsec_${Buffer.alloc(8).toString('base64')}` }, 'secret', /24 to 64 bytes/],
    ['an unknown field', { retries: 3 }, 'retries', /not a known field/],
  ])('refuses %s with a 400 naming the field', async (_what, over, path, message) => {
    const r = await api.call('POST', '/v1/webhooks', { body: hook(over) });
    expect(r.status).toBe(400);
    const issue = r.body.error.details.issues.find((i: { path: string }) => i.path === path);
    expect(issue?.message).toMatch(message);
  });

  it('returns the signing secret once, stores it encrypted and never shows it again', async () => {
    const created = ok(await api.call('POST', '/v1/webhooks', { body: hook({ description: 'Front desk guestbook' }) }), 'create');
    expect(created).toMatchObject({ enabled: true, eventTypes: ['visit.active'], locationIds: [locationId], pending: 0, failed: 0, disabledReason: null });
    // A secret the receiver's library accepts.
    const signed = new Webhook(created.secret).sign('msg_1', new Date(), '{}');
    expect(signed).toMatch(/^v1,/);
    const row = await api.db.prisma.webhookSubscription.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secretCiphertext).not.toContain(created.secret.slice('whsec_'.length));
    for (const path of [`/v1/webhooks/${created.id}`, '/v1/webhooks?limit=200']) {
      const r = await api.call('GET', path);
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).not.toContain(created.secret);
      expect(JSON.stringify(r.body)).not.toMatch(/"secret"/);
    }
    // A secret of one's own is taken (write-only: PATCH answers without it).
    const own = `whsec_${crypto.randomBytes(32).toString('base64')}`;
    const patched = ok(
      await api.call('PATCH', `/v1/webhooks/${created.id}`, { body: { secret: own, eventTypes: ['visit.active', 'visit.completed', 'visit.active'] } }),
      'patch',
    );
    expect(patched.eventTypes).toEqual(['visit.active', 'visit.completed']);
    expect(JSON.stringify(patched)).not.toContain(own);
    expect(api.logs.join('\n')).not.toContain(created.secret);
    expect(api.logs.join('\n')).not.toContain(own);
  });

  it('lists deliveries newest first, filters by status, and refuses a redelivery of one still queued', async () => {
    const created = ok(await api.call('POST', '/v1/webhooks', { body: hook() }), 'create');
    const mk = (status: string, sourceKey: string) =>
      api.db.prisma.webhookDelivery.create({
        data: {
          subscriptionId: created.id,
          messageId: newMessageId(),
          eventType: 'visit.active',
          sourceKey,
          locationId,
          payload: { type: 'visit.active', timestamp: new Date().toISOString(), data: {} },
          status,
        },
      });
    const pending = await mk('pending', 'a');
    const failed = await mk('failed', 'b');
    const all = ok(await api.call('GET', `/v1/webhooks/${created.id}/deliveries`), 'list');
    expect(all.items.map((d: { id: string }) => d.id)).toEqual([failed.id, pending.id]);
    expect(ok(await api.call('GET', `/v1/webhooks/${created.id}/deliveries?status=failed`), 'list').items.map((d: { id: string }) => d.id)).toEqual([
      failed.id,
    ]);
    expect((await api.call('GET', `/v1/webhooks/${created.id}/deliveries?status=lost`)).status).toBe(400);
    expect((await api.call('GET', `/v1/webhooks/${created.id}`)).body).toMatchObject({ pending: 1, failed: 1 });
    const again = await api.call('POST', `/v1/webhooks/${created.id}/deliveries/${pending.id}/redeliver`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('DELIVERY_PENDING');
    const requeued = ok(await api.call('POST', `/v1/webhooks/${created.id}/deliveries/${failed.id}/redeliver`), 'redeliver');
    expect(requeued).toMatchObject({ id: failed.id, webhookId: failed.messageId, status: 'pending', attemptCount: 0 });
    // It goes behind what is queued.
    const rows = await api.db.prisma.webhookDelivery.findMany({ where: { subscriptionId: created.id }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.id)).toEqual([pending.id, failed.id]);
    expect((await api.call('DELETE', `/v1/webhooks/${created.id}`)).status).toBe(204);
    expect(await api.db.prisma.webhookDelivery.count({ where: { subscriptionId: created.id } })).toBe(0);
    expect((await api.call('GET', `/v1/webhooks/${created.id}`)).status).toBe(404);
  });

  it('documents every event in the OpenAPI webhooks section, with its payload schema and the signature headers', async () => {
    const doc = ok(await api.call('GET', '/openapi.json', { token: null }), 'doc');
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    for (const type of WEBHOOK_EVENT_TYPES) {
      const op = doc.webhooks[type].post;
      const ref: string = op.requestBody.content['application/json'].schema.$ref;
      const schema = doc.components.schemas[ref.replace('#/components/schemas/', '')];
      expect(schema.properties.type).toMatchObject({ const: type });
      expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    }
    for (const op of ['createWebhook', 'listWebhooks', 'getWebhook', 'updateWebhook', 'deleteWebhook', 'listWebhookDeliveries', 'redeliverWebhook']) {
      expect(JSON.stringify(doc.paths)).toContain(`"operationId":"${op}"`);
    }
  });
});

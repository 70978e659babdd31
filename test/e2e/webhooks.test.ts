import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { webhookPayloadSchemas } from '../../src/webhooks/events';
import { webhookWorkflowId } from '../../src/workflows/webhook-contract';
import type { WebhookTiming } from '../../src/workflows/webhook-contract';
import { rotatePassword } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { workflowBundle } from '../helpers/worker';

/** Replayed by test/workflows/webhook-replay.test.ts; `RECORD_HISTORY=1` re-records it. */
const DELIVERY_FIXTURE = path.join(__dirname, '..', 'fixtures', 'webhook-delivery-history.json');

/**
 * Outbound webhooks end to end: the API, a real Temporal server, a worker, each simulator over HTTP, and
 * a guestbook's endpoint over real HTTP that verifies every Standard Webhooks signature with the
 * `standardwebhooks` package and answers errors or nothing at all when told to.
 */
const FAST_WEBHOOKS: Partial<WebhookTiming> = {
  timeoutMs: 1_000,
  initialIntervalMs: 200,
  maxIntervalMs: 1_000,
  giveUpAfterMs: 10 * 60_000,
  idlePollMs: 2_000,
  overdueAfterMs: 500,
};
const ALL_EVENTS = ['visit.active', 'visit.provision_failed', 'visit.completed', 'visit.deprovision_overdue', 'reconciliation.action', 'provider.health'];

describe.each(['onguard', 'genetec'] as const)('webhooks on %s', (kind) => {
  let env: VisitEnv;
  let rx: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let hook: { id: string; secret: string };
  let nextBadge = kind === 'onguard' ? 1700 : 2700;
  const receivers: Array<{ close(): Promise<void> }> = [];
  let firstRun: Awaited<ReturnType<ReturnType<VisitEnv['api']['temporal']['workflow']['getHandle']>['fetchHistory']>> | undefined;

  beforeAll(async () => {
    env = await startVisitEnv(kind, { deps: { webhookTiming: FAST_WEBHOOKS } });
    rx = await startWebhookReceiver();
    receivers.push(rx);
    const created = await env.api.call('POST', '/v1/webhooks', {
      body: { url: rx.url, eventTypes: ALL_EVENTS, locationIds: [env.locationId], description: 'Guestbook' },
    });
    expect(created.status).toBe(201);
    hook = created.body;
    expect(hook.secret).toMatch(/^whsec_/);
    rx.setSecret(hook.secret);
  }, 120_000);

  afterEach(async () => {
    rx.setMode({ answer: 'ok' });
    await env.simCall('PUT', '/__sim/faults', { outage: false });
  });

  afterAll(async () => {
    for (const s of (await env?.api.db.prisma.webhookSubscription.findMany({ select: { id: true } })) ?? []) {
      await env.api.temporal.workflow
        .getHandle(webhookWorkflowId(s.id))
        .terminate('test over')
        .catch(() => undefined);
    }
    for (const r of receivers) await r.close();
    await env?.close();
  });

  const newBadge = () => env.addBadge(String(++nextBadge));
  const eventsOf = (visitId: string) => rx.accepted().filter((r) => r.body?.data?.visitId === visitId);
  const signOut = async (visitId: string) =>
    expect((await env.api.call('POST', `/v1/visits/${visitId}/sign-out`, { token: env.receptionist.token })).status).toBe(202);
  let visitors = 0;
  async function activeVisit() {
    // Each its own visitor: one person may hold one active badge.
    const n = ++visitors;
    const v = await env.signIn(await newBadge(), { firstName: 'Hook', lastName: `Visitor ${n}`, email: `hook-${n}-${kind}@example.com` });
    expect(v.status).toBe(202);
    await env.waitFor(v.body.id, 'active');
    return v.body.id as string;
  }
  /** Events redelivered on request: those arrive twice by design, with the same webhook-id. */
  const redelivered = new Set<string>();
  function expectOncePerWebhookId() {
    const ids = rx
      .accepted()
      .map((r) => r.webhookId)
      .filter((id) => !redelivered.has(id));
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  }
  async function deliveries(query = '') {
    const r = await env.api.call('GET', `/v1/webhooks/${hook.id}/deliveries?limit=200${query}`);
    expect(r.status).toBe(200);
    return r.body.items as any[];
  }

  it('sends each visit event, signed, once and in order: provision_failed, active, deprovision_overdue, completed', async () => {
    await env.simCall('PUT', '/__sim/faults', { outage: true });
    const v = await env.signIn(await newBadge());
    const failed = await env.waitFor(v.body.id, 'provision_failed');
    await env.simCall('PUT', '/__sim/faults', { outage: false });
    expect((await env.api.call('POST', `/v1/visits/${v.body.id}/retry`, { token: env.receptionist.token })).status).toBe(202);
    const active = await env.waitFor(v.body.id, 'active');

    // The switch-off keeps failing past its deadline: the guestbook hears of it before the visit ends.
    await env.simCall('PUT', '/__sim/faults', { outage: true });
    await signOut(v.body.id);
    const overdue = await rx.until('visit.deprovision_overdue', () => eventsOf(v.body.id).find((e) => e.type === 'visit.deprovision_overdue'));
    expect((await env.api.call('GET', `/v1/visits/${v.body.id}`)).body.status).toBe('deprovisioning');
    await env.simCall('PUT', '/__sim/faults', { outage: false });
    await env.waitFor(v.body.id, 'completed');
    const events = await rx.until('visit.completed', () => eventsOf(v.body.id).some((e) => e.type === 'visit.completed') && eventsOf(v.body.id));

    expect(events.map((e) => e.type)).toEqual(['visit.provision_failed', 'visit.active', 'visit.deprovision_overdue', 'visit.completed']);
    expect(events.every((e) => e.verified)).toBe(true);
    const [pf, act, , done] = events.map((e) => e.body);
    expect(pf.data).toMatchObject({
      visitId: v.body.id,
      locationId: env.locationId,
      providerId: env.providerId,
      status: 'provision_failed',
      error: { code: failed.lastError.code },
    });
    expect(pf.data.error.message).toBe(failed.lastError.message);
    expect(act.data).toMatchObject({ status: 'active', badge: { uniqueId: active.badge.uniqueId }, endsAt: new Date(active.endsAt).toISOString() });
    expect(overdue.body.data.error).toMatchObject({ code: expect.any(String), attempts: expect.any(Number), since: expect.any(String) });
    expect(done.data).toMatchObject({ status: 'completed', reason: 'sign_out' });
    expect(Date.parse(done.timestamp)).toBeGreaterThanOrEqual(Date.parse(act.timestamp));
    expectOncePerWebhookId();

    // Every attempt is on record: the receiver can see the last event a moment before its delivery records the answer.
    let mine: any[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      mine = (await deliveries()).filter((d) => d.visitId === v.body.id);
      if (mine.length === 4 && mine.every((d) => d.status !== 'pending')) break;
    }
    expect(mine.map((d) => d.eventType).sort()).toEqual(['visit.active', 'visit.completed', 'visit.deprovision_overdue', 'visit.provision_failed']);
    for (const d of mine) {
      expect(d).toMatchObject({ status: 'delivered', attemptCount: 1 });
      expect(d.attempts[0]).toMatchObject({ httpStatus: 200, error: null, durationMs: expect.any(Number) });
      expect(events.map((e) => e.webhookId)).toContain(d.webhookId);
    }
  });

  it('retries through 500s and timeouts, in order, and every event arrives exactly once per webhook-id', async () => {
    rx.setMode({ answer: 'status', status: 500 });
    const before = rx.received.length;
    const a = await activeVisit();
    await signOut(a);
    const b = await activeVisit();
    expect((await env.api.call('POST', `/v1/visits/${b}/deprovision`)).status).toBe(202);
    await rx.until('three 500s', () => rx.received.slice(before).filter((r) => r.answered === 500).length >= 3);
    rx.setMode({ answer: 'hang' });
    const hangFrom = rx.received.length;
    await rx.until('two timed-out attempts', () => rx.received.length >= hangFrom + 2, 20_000);
    rx.setMode({ answer: 'ok' });

    for (const [visitId, reason] of [
      [a, 'sign_out'],
      [b, 'deprovision_now'],
    ]) {
      const events = await rx.until(`both events of ${visitId}`, () => eventsOf(visitId).length >= 2 && eventsOf(visitId));
      expect(events.map((e) => e.type)).toEqual(['visit.active', 'visit.completed']);
      expect(events[1].body.data.reason).toBe(reason);
    }
    expectOncePerWebhookId();
    const retried = (await deliveries('&status=delivered')).filter((d) => d.visitId === a && d.eventType === 'visit.active')[0];
    expect(retried.attemptCount).toBeGreaterThanOrEqual(4);
    const statuses = retried.attempts.map((t: any) => t.httpStatus);
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(500);
    expect(retried.attempts.some((t: any) => t.httpStatus === null && /did not answer within 1000 ms/.test(t.error))).toBe(true);
    // The same webhook-id on every attempt: what the receiver dedupes by.
    expect(new Set(rx.received.filter((r) => r.body?.data?.visitId === a && r.type === 'visit.active').map((r) => r.webhookId)).size).toBe(1);
  });

  it('delivers what was in flight across a worker restart', async () => {
    rx.setMode({ answer: 'hang' });
    const v = await activeVisit();
    await rx.until('an attempt held by the receiver', () => rx.received.some((r) => r.body?.data?.visitId === v && r.answered === null));
    await env.restartWorker();
    rx.setMode({ answer: 'ok' });
    await signOut(v);
    const events = await rx.until('both events', () => eventsOf(v).length >= 2 && eventsOf(v));
    expect(events.map((e) => e.type)).toEqual(['visit.active', 'visit.completed']);
    expectOncePerWebhookId();
  });

  it('redelivers on request with the same webhook-id and records the new attempt', async () => {
    const d = (await deliveries('&status=delivered'))[0];
    const accepted = rx.accepted().filter((r) => r.webhookId === d.webhookId).length;
    redelivered.add(d.webhookId);
    const r = await env.api.call('POST', `/v1/webhooks/${hook.id}/deliveries/${d.id}/redeliver`);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ id: d.id, webhookId: d.webhookId, status: 'pending' });
    await rx.until('the redelivery', () => rx.accepted().filter((x) => x.webhookId === d.webhookId).length === accepted + 1);
    let row: any;
    for (let i = 0; i < 100 && !(row?.status === 'delivered' && row.attempts.length > d.attempts.length); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      row = (await deliveries()).find((x) => x.id === d.id);
    }
    expect(row).toMatchObject({ status: 'delivered', attemptCount: 1, webhookId: d.webhookId });
    expect(row.attempts.length).toBe(d.attempts.length + 1);
    expect(row.payload).toEqual(d.payload);
    // Not found under another subscription's id.
    const other = await env.api.call('POST', `/v1/webhooks/${crypto.randomUUID()}/deliveries/${d.id}/redeliver`);
    expect(other.status).toBe(404);
  });

  it('a receiver answering 410 Gone disables its subscription; enabling it again resumes', async () => {
    const gone = await startWebhookReceiver();
    receivers.push(gone);
    const created = (await env.api.call('POST', '/v1/webhooks', { body: { url: gone.url, eventTypes: ['visit.active'], locationIds: [env.locationId] } })).body;
    gone.setSecret(created.secret);
    gone.setMode({ answer: 'status', status: 410 });
    const v1 = await activeVisit();
    await gone.until('a 410', () => gone.received.some((r) => r.answered === 410));
    let sub: any;
    for (let i = 0; i < 100; i++) {
      sub = (await env.api.call('GET', `/v1/webhooks/${created.id}`)).body;
      if (!sub.enabled) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sub).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/410 Gone/), failed: 1 });
    // Nothing more is queued for it.
    const v2 = await activeVisit();
    expect(await env.api.db.prisma.webhookDelivery.count({ where: { subscriptionId: created.id } })).toBe(1);
    expect(
      (
        await env.api.call(
          'POST',
          `/v1/webhooks/${created.id}/deliveries/${(await env.api.db.prisma.webhookDelivery.findFirstOrThrow({ where: { subscriptionId: created.id } })).id}/redeliver`,
        )
      ).status,
    ).toBe(409);
    gone.setMode({ answer: 'ok' });
    const enabled = await env.api.call('PATCH', `/v1/webhooks/${created.id}`, { body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
    const v3 = await activeVisit();
    await gone.until('the event after re-enabling', () => gone.accepted().some((r) => r.body.data.visitId === v3));
    expect(gone.accepted().some((r) => r.body.data.visitId === v2)).toBe(false);
    for (const v of [v1, v2, v3]) await signOut(v);
  });

  it('sends reconciliation actions, the visit it closed, and provider health', async () => {
    const v = await activeVisit();
    const row = await env.api.db.prisma.visit.findUniqueOrThrow({ where: { id: v } });
    await env.api.temporal.workflow.getHandle(row.workflowId).terminate('lost');
    const run = await env.api.call('POST', `/v1/providers/${env.providerId}/reconcile`);
    expect(run.status).toBe(200);
    const action = await rx.until('reconciliation.action', () => rx.accepted().find((r) => r.type === 'reconciliation.action' && r.body.data.visitId === v));
    expect(action.body.data).toMatchObject({ kind: 'visit_closed', providerId: env.providerId, locationId: env.locationId, runId: run.body.id });
    const closed = await rx.until('visit.completed', () => eventsOf(v).find((e) => e.type === 'visit.completed'));
    expect(closed.body.data.reason).toBe('reconciliation');

    await rotatePassword(env, 'rotated-elsewhere-1');
    try {
      const failedRun = await env.api.call('POST', `/v1/providers/${env.providerId}/reconcile`);
      expect(failedRun.status).toBeGreaterThanOrEqual(400);
      const failing = await rx.until('provider.health failing', () =>
        rx.accepted().find((r) => r.type === 'provider.health' && r.body.data.status === 'failing'),
      );
      expect(failing.body.data).toMatchObject({ providerId: env.providerId, locationId: env.locationId, code: 'PACS_AUTH' });
    } finally {
      await rotatePassword(env, env.sim.credentials.password);
    }
    expect((await env.api.call('POST', `/v1/providers/${env.providerId}/reconcile`)).status).toBe(200);
    const ok = await rx.until('provider.health ok', () => rx.accepted().find((r) => r.type === 'provider.health' && r.body.data.status === 'ok'));
    expect(ok.body.data).toMatchObject({ providerId: env.providerId, code: null });
    expectOncePerWebhookId();
  });

  it('says how a visit ended: cancelled in the Temporal UI, end of day', async () => {
    const cancelled = await activeVisit();
    await env.api.temporal.workflow.getHandle(`visit-${cancelled}`).cancel();
    const c = await rx.until('cancelled', () => eventsOf(cancelled).find((e) => e.type === 'visit.completed'));
    expect(c.body.data.reason).toBe('cancelled');
    // A day that ends two seconds after sign-in.
    await env.restartWorker({ webhookTiming: FAST_WEBHOOKS, visitDurationOverrideMs: 2_000 });
    try {
      const v = await activeVisit();
      const done = await rx.until('end of day', () => eventsOf(v).find((e) => e.type === 'visit.completed'));
      expect(done.body.data).toMatchObject({ reason: 'end_of_day', detail: expect.stringMatching(/end of day/) });
    } finally {
      await env.restartWorker();
    }
  });

  it('gives a delivery up once it has failed for its whole retry window, says so, and moves on', async () => {
    await env.restartWorker({ webhookTiming: { ...FAST_WEBHOOKS, giveUpAfterMs: 1_500 } });
    try {
      rx.setMode({ answer: 'status', status: 503 });
      const v = await activeVisit();
      let failed: any;
      // Up to 60 s: on a loaded machine an attempt cut short by the worker restart above waits for its
      // activity's timeout before the next one; the window itself is 1.5 s.
      for (let i = 0; i < 600 && !failed; i++) {
        if (i) await new Promise((r) => setTimeout(r, 100));
        failed = (await deliveries('&status=failed')).find((d) => d.visitId === v && d.eventType === 'visit.active');
      }
      expect(failed).toMatchObject({ nextAttemptAt: null, lastError: { httpStatus: 503 } });
      // Given up no sooner than the window after it was queued (how many attempts fit depends on the load).
      expect(failed.attemptCount).toBeGreaterThanOrEqual(1);
      expect(Date.parse(failed.lastAttemptAt) - Date.parse(failed.queuedAt)).toBeGreaterThanOrEqual(1_500);
      expect(failed.attempts.every((a: any) => a.httpStatus === 503)).toBe(true);
      expect((await env.api.call('GET', `/v1/webhooks/${hook.id}`)).body.failed).toBeGreaterThanOrEqual(1);
      // The events queued behind it are not held back for ever.
      rx.setMode({ answer: 'ok' });
      await signOut(v);
      await rx.until('the next event', () => eventsOf(v).find((e) => e.type === 'visit.completed'));
      expect(eventsOf(v).some((e) => e.type === 'visit.active')).toBe(false);
    } finally {
      await env.restartWorker();
    }
  }, 120_000);

  it('a receiver that does not answer does not slow the visit path', async () => {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const timed = async () => {
      const times: number[] = [];
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const n = ++visitors;
        const t0 = Date.now();
        const r = await env.signIn(
          await newBadge(),
          { firstName: 'Fast', lastName: `Visitor ${n}`, email: `fast-${n}-${kind}@example.com` },
          { prefer: 'wait=10' },
        );
        times.push(Date.now() - t0);
        expect(r.status).toBe(201);
        expect(r.body.status).toBe('active');
        ids.push(r.body.id);
      }
      return { times, ids };
    };
    rx.setMode({ answer: 'hang' });
    const stuck = await timed();
    // Nothing of these visits has reached the guestbook: the visits did not wait for it.
    expect(stuck.ids.some((id) => eventsOf(id).length)).toBe(false);
    firstRun = await env.api.temporal.workflow.getHandle(webhookWorkflowId(hook.id)).fetchHistory();
    // Switched off, its delivery workflow ends; switched on again, a new run starts.
    expect((await env.api.call('PATCH', `/v1/webhooks/${hook.id}`, { body: { enabled: false } })).status).toBe(200);
    const none = await timed();
    console.log(
      `[measure] ${kind}: sign-in to active (Prefer: wait), median of 5: ${median(stuck.times)} ms with the receiver not answering, ${median(none.times)} ms with no subscription`,
    );
    expect((await env.api.call('PATCH', `/v1/webhooks/${hook.id}`, { body: { enabled: true } })).body.enabled).toBe(true);
    rx.setMode({ answer: 'ok' });
    for (const id of stuck.ids) await rx.until('the held events', () => eventsOf(id).find((e) => e.type === 'visit.active'));
    for (const id of [...stuck.ids, ...none.ids]) await signOut(id);
    for (const id of stuck.ids) await rx.until('completed', () => eventsOf(id).find((e) => e.type === 'visit.completed'));
    // Events that happened while it was switched off are not sent afterwards.
    expect(none.ids.some((id) => eventsOf(id).some((e) => e.type === 'visit.active'))).toBe(false);
    expectOncePerWebhookId();
  });

  it('sends payloads that match the documented schemas', () => {
    const got = rx.accepted();
    expect(new Set(got.map((r) => r.type))).toEqual(new Set(ALL_EVENTS));
    for (const r of got) {
      const parsed = webhookPayloadSchemas[r.type as keyof typeof webhookPayloadSchemas].safeParse(r.body);
      expect({ type: r.type, issues: parsed.error?.issues ?? [] }).toEqual({ type: r.type, issues: [] });
    }
  });

  it('never puts the signing secret in the API, the logs or a workflow history', async () => {
    const got = await env.api.call('GET', `/v1/webhooks/${hook.id}`);
    expect(JSON.stringify(got.body)).not.toContain(hook.secret);
    expect(JSON.stringify((await env.api.call('GET', '/v1/webhooks')).body)).not.toContain(hook.secret);
    expect(env.api.logs.join('\n')).not.toContain(hook.secret);
    const history = await env.api.temporal.workflow.getHandle(webhookWorkflowId(hook.id)).fetchHistory();
    const text = JSON.stringify(history);
    expect(text).not.toContain(hook.secret);
    expect(text).not.toContain(hook.secret.slice('whsec_'.length));
    // The first run: retries, wake-ups, worker restarts, a redelivery, a give-up; it replays against the current code.
    expect(firstRun).toBeDefined();
    expect(JSON.stringify(firstRun)).not.toContain(hook.secret.slice('whsec_'.length));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, firstRun!, webhookWorkflowId(hook.id));
    if (process.env.RECORD_HISTORY === '1' && kind === 'onguard') fs.writeFileSync(DELIVERY_FIXTURE, historyToJSON(firstRun!));
  });
});

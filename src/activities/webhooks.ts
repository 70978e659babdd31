import { Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import type { ActivityDeps } from './deps';
import { decryptSecret } from '../config/secrets';
import { Prisma } from '../generated/prisma/client';
import { DEFAULT_WEBHOOK_TIMING, type WebhookAttemptOutcome, type WebhookNext } from '../workflows/webhook-contract';

const USER_AGENT = 'visitor-badges-webhooks/1';

/** Delivered events (and their attempts) are kept this long for GET …/deliveries and redelivery. */
const DELIVERED_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * Webhook delivery activities: the delivery workflow passes IDs; the payload and the signing secret are
 * read here, so neither enters a workflow history.
 */
export function createWebhookActivities(deps: ActivityDeps) {
  const { db } = deps;
  const timing = { ...DEFAULT_WEBHOOK_TIMING, ...deps.webhookTiming };
  const now = () => (deps.now ? deps.now() : new Date());

  return {
    /** The subscription's oldest pending delivery, or idle, or stop (disabled or deleted). */
    async nextWebhookDelivery({ subscriptionId }: { subscriptionId: string }): Promise<WebhookNext> {
      const sub = await db.webhookSubscription.findUnique({ where: { id: subscriptionId }, select: { enabled: true } });
      if (!sub) return { kind: 'stop', reason: 'deleted' };
      if (!sub.enabled) return { kind: 'stop', reason: 'disabled' };
      const next = await db.webhookDelivery.findFirst({ where: { subscriptionId, status: 'pending' }, orderBy: { seq: 'asc' }, select: { id: true } });
      if (!next) {
        // Idle is the quiet moment to drop what no one needs any more (failed ones stay for redelivery).
        await db.webhookDelivery.deleteMany({
          where: { subscriptionId, status: 'delivered', deliveredAt: { lt: new Date(now().getTime() - DELIVERED_RETENTION_MS) } },
        });
        return { kind: 'idle', pollMs: timing.idlePollMs };
      }
      return { kind: 'deliver', deliveryId: next.id, timeoutMs: timing.timeoutMs };
    },

    /**
     * One signed POST of a delivery, recorded as an attempt; moves the delivery on: delivered (2xx),
     * subscription disabled (410 Gone), given up (still failing `giveUpAfterMs` after it was queued), or
     * retried after a doubling wait.
     */
    async attemptWebhookDelivery({ deliveryId }: { deliveryId: string }): Promise<WebhookAttemptOutcome> {
      const d = await db.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { subscription: true } });
      if (!d || d.status !== 'pending' || !d.subscription.enabled) return { outcome: 'skipped' };
      const body = JSON.stringify(d.payload);
      const sentAt = now();
      let signature: string | null = null;
      try {
        if (!deps.secretsKey) throw new Error('no key');
        signature = new Webhook(decryptSecret(deps.secretsKey, d.subscription.secretCiphertext)).sign(d.messageId, sentAt, body);
      } catch {
        // Recorded as a failed attempt, so GET …/deliveries says what to do; retried like any other failure.
      }

      const ctx = activityContext();
      const beat = ctx ? setInterval(() => ctx.heartbeat(), 1000) : undefined;
      const started = performance.now();
      let httpStatus: number | null = null;
      let error: string | null = null;
      try {
        if (!signature) {
          throw Object.assign(
            new Error(
              'The signing secret cannot be decrypted with this SECRETS_KEY (it changed since the subscription was made): set a new secret with PATCH /v1/webhooks/:id { "secret" } and give it to the receiver.',
            ),
            {
              code: 'SECRET_UNREADABLE',
            },
          );
        }
        const res = await request(d.subscription.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            'webhook-id': d.messageId,
            'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
            'webhook-signature': signature,
          },
          body,
          signal: AbortSignal.timeout(timing.timeoutMs),
          headersTimeout: timing.timeoutMs,
          bodyTimeout: timing.timeoutMs,
        });
        httpStatus = res.statusCode;
        // The body is not ours to keep; reading it frees the connection.
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        if (httpStatus < 200 || httpStatus > 299) error = `The receiver answered HTTP ${httpStatus}.`;
      } catch (err) {
        error = describeRequestError(err, timing.timeoutMs);
      } finally {
        if (beat) clearInterval(beat);
      }
      const durationMs = Math.round(performance.now() - started);
      const at = now();
      const attempts = d.attemptCount + 1;
      const ok = error === null;
      const gone = httpStatus === 410;
      const expired = !ok && !gone && at.getTime() - d.queuedAt.getTime() >= timing.giveUpAfterMs;
      const retryInMs = Math.min(timing.initialIntervalMs * 2 ** (attempts - 1), timing.maxIntervalMs);
      const key = ctx
        ? `${ctx.info.workflowExecution?.runId ?? ctx.info.workflowType}/${ctx.info.activityId}/${ctx.info.attempt}`
        : `${deliveryId}/${at.getTime()}`;

      await db.$transaction(async (tx) => {
        await tx.webhookAttempt.createMany({ data: [{ deliveryId, at, durationMs, httpStatus, error, key }], skipDuplicates: true });
        await tx.webhookDelivery.update({
          where: { id: deliveryId },
          data: {
            attemptCount: attempts,
            lastAttemptAt: at,
            ...(ok
              ? { status: 'delivered', deliveredAt: at, nextAttemptAt: null, lastError: Prisma.DbNull }
              : {
                  status: gone || expired ? 'failed' : 'pending',
                  nextAttemptAt: gone || expired ? null : new Date(at.getTime() + retryInMs),
                  lastError: { ...(httpStatus !== null ? { httpStatus } : {}), error: error ?? '' } as Prisma.InputJsonValue,
                }),
          },
        });
        if (gone) {
          await tx.webhookSubscription.update({
            where: { id: d.subscriptionId },
            data: {
              enabled: false,
              disabledAt: at,
              disabledReason: `The receiver answered 410 Gone at ${at.toISOString()}: it no longer wants these events. Enable the subscription again (PATCH) to resume.`,
            },
          });
        }
      });
      deps.logger.info({ subscriptionId: d.subscriptionId, deliveryId, eventType: d.eventType, httpStatus, durationMs, ok, attempts }, 'webhook attempt');
      if (ok) return { outcome: 'delivered' };
      if (gone) return { outcome: 'gone' };
      if (expired) {
        deps.logger.warn({ subscriptionId: d.subscriptionId, deliveryId, attempts }, 'webhook delivery given up');
        return { outcome: 'failed' };
      }
      return { outcome: 'retry', retryInMs };
    },
  };
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function describeRequestError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.code === 'SECRET_UNREADABLE') return e.message ?? 'The signing secret cannot be decrypted.';
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') {
    return `The receiver did not answer within ${timeoutMs} ms.`;
  }
  if (e?.code === 'ECONNREFUSED') return 'The receiver refused the connection (nothing listens at that address).';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'The receiver’s host name does not resolve.';
  return `The request failed: ${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(err)}`;
}

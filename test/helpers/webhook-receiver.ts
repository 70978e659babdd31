import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers the next requests: 200, an error status, or no answer at all (a timeout). */
export type ReceiverMode = { answer: 'ok' } | { answer: 'status'; status: number } | { answer: 'hang' };

export interface Received {
  webhookId: string;
  type: string;
  body: any;
  /** The answer it got (null: none, the receiver hung). */
  answered: number | null;
  verified: boolean;
  at: number;
}

/**
 * A guestbook's webhook endpoint over real HTTP: verifies each request's Standard Webhooks signature with
 * the `standardwebhooks` package (what a receiver would use), answers as told, and keeps what arrived.
 * `accepted` is what it took in: signed correctly and answered 2xx.
 */
export async function startWebhookReceiver() {
  let secret: string | null = null;
  let mode: ReceiverMode = { answer: 'ok' };
  const received: Received[] = [];
  const hung = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let verified = false;
      let body: any;
      try {
        body = new Webhook(secret ?? 'whsec_' + Buffer.alloc(32).toString('base64')).verify(raw, headers);
        verified = true;
      } catch {
        body = safeJson(raw);
      }
      const entry: Received = { webhookId: headers['webhook-id'], type: body?.type, body, answered: null, verified, at: Date.now() };
      received.push(entry);
      if (!verified) {
        entry.answered = 400;
        res.writeHead(400).end('bad signature');
      } else if (mode.answer === 'hang') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
      } else {
        entry.answered = mode.answer === 'ok' ? 200 : mode.status;
        res.writeHead(entry.answered, { 'content-type': 'text/plain' }).end(entry.answered === 200 ? 'thanks' : 'no');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    url,
    received,
    setSecret(s: string) {
      secret = s;
    },
    setMode(m: ReceiverMode) {
      mode = m;
      if (m.answer !== 'hang') for (const r of hung) r.destroy();
    },
    /** Verified and answered 2xx: what the guestbook took in. */
    accepted() {
      return received.filter((r) => r.verified && r.answered !== null && r.answered >= 200 && r.answered < 300);
    },
    async until<T>(what: string, fn: () => T | undefined | false | null, timeoutMs = 30_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = fn();
        if (v) return v;
        if (Date.now() > deadline)
          throw new Error(
            `receiver: ${what} did not happen within ${timeoutMs} ms; received ${JSON.stringify(received.map((r) => [r.type, r.answered, r.verified]))}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function safeJson(s: string) {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

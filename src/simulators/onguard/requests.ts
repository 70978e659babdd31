import type { Request } from 'express';

/**
 * Inspection and one-shot failures for tests: the log answers "what exactly did the client send" (version,
 * type_name placement, headers present), and queued errors force "a 401 on the next call" style cases
 * that random fault rates cannot make deterministic.
 */
export interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  status?: number;
  applicationId?: string;
  hasSessionToken: boolean;
}

const LOG_LIMIT = 1000;

export class RequestLog {
  private entries: LoggedRequest[] = [];

  record(req: Request, body: unknown): LoggedRequest {
    const entry: LoggedRequest = {
      at: new Date().toISOString(),
      method: req.method,
      path: req.path,
      query: { ...(req.query as Record<string, unknown>) },
      body: redact(body),
      applicationId: req.get('application-id') ?? undefined,
      hasSessionToken: Boolean(req.get('session-token')),
    };
    this.entries.push(entry);
    if (this.entries.length > LOG_LIMIT) this.entries.splice(0, this.entries.length - LOG_LIMIT);
    return entry;
  }

  list(limit = LOG_LIMIT): LoggedRequest[] {
    return JSON.parse(JSON.stringify(this.entries.slice(-limit), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }

  clear() {
    this.entries = [];
  }
}

function redact(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = /password|token/i.test(k) ? '***' : v;
  return out;
}

export interface ForcedError {
  /**
   * before: answer the error instead of handling the request (nothing happens server-side);
   * after: handle it, then answer the error (it happened, the client is told otherwise);
   * drop: handle it, then cut the connection without an answer (the lost-response case a client
   * must re-check after, docs/pacs/onguard-openaccess.md §6.2).
   */
  mode: 'before' | 'after' | 'drop';
  status: number;
  code: string;
  message: string;
  /** How many matching requests still get it. */
  remaining: number;
  /** How many matching requests pass untouched before it applies (e.g. the third create of a sequence). */
  skip?: number;
  path?: string;
  method?: string;
}

export class ForcedErrors {
  private queue: ForcedError[] = [];

  push(e: ForcedError) {
    this.queue.push(e);
  }

  /** Takes the first queued error that applies to this request, if any. */
  take(method: string, path: string): ForcedError | undefined {
    const e = this.queue.find((q) => (!q.path || path.includes(q.path)) && (!q.method || q.method.toUpperCase() === method.toUpperCase()));
    if (!e) return undefined;
    if (e.skip && e.skip > 0) {
      e.skip--;
      return undefined;
    }
    if (--e.remaining <= 0) this.queue.splice(this.queue.indexOf(e), 1);
    return e;
  }

  list(): ForcedError[] {
    return [...this.queue];
  }

  clear() {
    this.queue = [];
  }
}

import { sleep } from './procs';

/**
 * The chaos client of the service API: what a guestbook that tries hard would do. A network error or a
 * 5xx is retried with the same request (the same Idempotency-Key for a sign-in), on any live instance.
 * Every 5xx is counted: those inside a Temporal outage window apart from the rest, which have no excuse.
 */
export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
  attempts: number;
}

export interface FiveXx {
  at: number;
  method: string;
  path: string;
  status: number;
  code?: string;
  message?: string;
}

export class HttpStats {
  requests = 0;
  networkErrors = 0;
  /** 5xx answered while Temporal was down or restarting (plus a short grace): expected 503s. */
  fiveXxTemporalOutage = 0;
  /** Every other 5xx. */
  fiveXxOther = 0;
  otherSamples: FiveXx[] = [];
  byStatus: Record<string, number> = {};
  gaveUp = 0;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Keep retrying network errors and 5xx for this long (default 90 s). 0: one attempt. */
  retryForMs?: number;
}

export class ChaosApi {
  constructor(
    private readonly urls: () => string[],
    readonly stats: HttpStats,
    /** True while Temporal is down or just restarted: a 503 then is the documented answer. */
    private readonly temporalOutage: () => boolean,
    private readonly defaultToken: string,
  ) {}

  async call(method: string, path: string, o: CallOptions = {}): Promise<ApiAnswer> {
    const retryFor = o.retryForMs ?? 90_000;
    const deadline = Date.now() + retryFor;
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      const urls = this.urls();
      const base = urls[Math.floor(Math.random() * urls.length)];
      const inOutageBefore = this.temporalOutage();
      this.stats.requests++;
      let res: Response;
      let text: string;
      try {
        res = await fetch(base + path, {
          method,
          headers: {
            authorization: `Bearer ${o.token ?? this.defaultToken}`,
            ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...o.headers,
          },
          body: o.body === undefined ? undefined : JSON.stringify(o.body),
          signal: AbortSignal.timeout(30_000),
        });
        text = await res.text();
      } catch {
        this.stats.networkErrors++;
        if (Date.now() >= deadline) {
          this.stats.gaveUp++;
          throw new Error(`${method} ${path}: no answer after ${attempt} attempts`);
        }
        await sleep(delay);
        delay = Math.min(2000, delay * 2);
        continue;
      }
      let body: any;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      this.stats.byStatus[res.status] = (this.stats.byStatus[res.status] ?? 0) + 1;
      if (res.status >= 500) {
        if (inOutageBefore || this.temporalOutage()) this.stats.fiveXxTemporalOutage++;
        else {
          this.stats.fiveXxOther++;
          if (this.stats.otherSamples.length < 20) {
            this.stats.otherSamples.push({ at: Date.now(), method, path, status: res.status, code: body?.error?.code, message: body?.error?.message });
          }
        }
        if (Date.now() < deadline) {
          await sleep(delay);
          delay = Math.min(2000, delay * 2);
          continue;
        }
        this.stats.gaveUp++;
      }
      return { status: res.status, body, headers: res.headers, attempts: attempt };
    }
  }
}

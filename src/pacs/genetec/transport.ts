import { GENETEC_DEFAULT_BASE_URI } from './format-table';
import type { Agent } from 'undici';
import { pacsError, PacsError } from '../errors';
import { send } from '../http';
import type { ProviderConnection } from '../types';
import { createDispatcher } from '../http';
import { parseEnvelope } from './envelope';
import { failError, httpStatusError, type FailContext, type HttpContext } from './errors';
import { encodeQ } from './query';

/**
 * One Web SDK endpoint: base URL, preemptive Basic auth, keep-alive pool and session keep-alive.
 *
 * The server opens a session per (user, application ID) on the first request and drops it after 5 idle
 * minutes [C-2nd S-GUIDE]; opening one means a directory log-on and an entity-cache build, so a `GET /` ping
 * keeps it warm [C-obs S-LQ WebSdkKeepSessionAlive]. Pings stop once the client has been unused for
 * `keepAliveMaxIdleMs`, so an idle provider does not hold an SDK connection of the licence forever.
 */
export interface TransportOptions {
  /** Ping when the session has been idle this long; 0 disables pings. Default 4 minutes. */
  keepAliveMs?: number;
  /** Stop pinging after this long without real work. Default 30 minutes. */
  keepAliveMaxIdleMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_KEEPALIVE_MS = 240_000;
const DEFAULT_KEEPALIVE_MAX_IDLE_MS = 30 * 60_000;

/** The admin may type an origin or a URL with the Base URI; a bare origin gets the default `/WebSdk`. */
export function webSdkBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw pacsError('PACS_VALIDATION', `The provider URL '${url}' is not a valid URL (expected e.g. https://server:4590/WebSdk).`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw pacsError('PACS_VALIDATION', `The provider URL must start with http:// or https://, not ${u.protocol}//.`);
  }
  u.username = '';
  u.password = '';
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${path === '' ? `/${GENETEC_DEFAULT_BASE_URI}` : path}/`;
}

export class WebSdkTransport {
  readonly baseUrl: string | null;
  private readonly configError: PacsError | null = null;
  private readonly dispatcher: Agent;
  private readonly authorization: string;
  readonly timeoutMs: number;
  readonly http: HttpContext;
  private readonly keepAliveMs: number;
  private readonly keepAliveMaxIdleMs: number;
  private lastRequestAt = 0;
  private lastWorkAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private pinging = false;
  private closed = false;

  constructor(conn: ProviderConnection, opts: TransportOptions = {}) {
    let base: string | null = null;
    try {
      base = webSdkBaseUrl(conn.url);
    } catch (e) {
      // Reported on first use rather than thrown from the constructor, so the registry can still build it.
      this.configError = e as PacsError;
    }
    this.baseUrl = base;
    this.dispatcher = createDispatcher(conn);
    const appId = conn.applicationId?.trim();
    // user;appId:password [C S-STUDIO, S-CAM, S-HID, S-BULAC, S-LQ, S-VRFID]; sent on every request.
    const user = appId ? `${conn.username};${appId}` : conn.username;
    this.authorization = `Basic ${Buffer.from(`${user}:${conn.password}`, 'utf8').toString('base64')}`;
    this.timeoutMs = conn.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const host = base ? new URL(base).host : 'the server';
    this.http = { host, basePath: base ? new URL(base).pathname : `/${GENETEC_DEFAULT_BASE_URI}/`, hasApplicationId: Boolean(appId) };
    this.keepAliveMs = opts.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    this.keepAliveMaxIdleMs = opts.keepAliveMaxIdleMs ?? DEFAULT_KEEPALIVE_MAX_IDLE_MS;
  }

  get isHttps(): boolean {
    return this.baseUrl?.startsWith('https:') ?? false;
  }

  /**
   * Sends one request and returns `Rsp.Result`. Every failure becomes a PacsError: transport (network, TLS,
   * timeout), HTTP status, a body that is not the envelope, or a Fail envelope mapped with `context`.
   */
  async call(method: 'GET' | 'POST' | 'DELETE', path: string, q: string | undefined, context: FailContext, ping = false): Promise<unknown> {
    if (this.configError) throw this.configError;
    if (this.closed)
      throw pacsError('PACS_UNREACHABLE', 'The Genetec client was closed (the provider was reconfigured); the call will be retried with a new client.');
    const url = `${this.baseUrl}${path}${q === undefined ? '' : `?q=${encodeQ(q)}`}`;
    if (!ping) this.lastWorkAt = Date.now();
    this.ensureTimer();
    let res;
    try {
      res = await send(this.dispatcher, url, {
        method,
        headers: { authorization: this.authorization, accept: 'text/json' },
        // POSTs carry no body [C S-STUDIO, S-BULAC set Content-Length: 0].
        body: method === 'POST' ? '' : undefined,
        timeoutMs: this.timeoutMs,
      });
    } catch (e) {
      throw this.explainTransport(e);
    } finally {
      this.lastRequestAt = Date.now();
    }
    if (res.status !== 200) {
      const loc = res.headers.location;
      throw httpStatusError(res.status, this.http, Array.isArray(loc) ? loc[0] : loc);
    }
    const env = parseEnvelope(res.text, this.http.host);
    if (env.status === 'Ok') return env.result;
    if (env.status === 'Fail') throw failError(env.sdkErrorCode, env.message, context);
    throw pacsError('PACS_VALIDATION', `${this.http.host} answered Status "${env.value}" instead of Ok (for reports this can mean too many results).`);
  }

  /** Adds the Genetec-specific fix to transport errors from the shared HTTP layer. */
  private explainTransport(e: unknown): PacsError {
    if (!(e instanceof PacsError)) return pacsError('PACS_UNREACHABLE', `Request to ${this.http.host} failed.`, { cause: e });
    const cause = e.extra.cause;
    if (e.code === 'PACS_TLS') {
      return pacsError('PACS_TLS', `The TLS certificate of ${this.http.host} was not accepted (${String(cause ?? 'handshake failed')}).`, {
        cause,
        provider: 'genetec',
      });
    }
    if (e.code === 'PACS_UNREACHABLE') {
      return pacsError('PACS_UNREACHABLE', `Could not connect to ${this.http.host} (${String(cause || 'connection failed')}).`, { cause, provider: 'genetec' });
    }
    return e;
  }

  private ensureTimer() {
    if (this.timer || this.closed || this.keepAliveMs <= 0) return;
    const tick = Math.max(20, Math.min(30_000, Math.floor(this.keepAliveMs / 4)));
    this.timer = setInterval(() => void this.keepAlive(), tick);
    // Pings must never keep a worker process alive on their own.
    this.timer.unref();
  }

  private async keepAlive() {
    if (this.closed || this.pinging) return;
    const now = Date.now();
    if (now - this.lastWorkAt > this.keepAliveMaxIdleMs) return;
    if (now - this.lastRequestAt < this.keepAliveMs) return;
    this.pinging = true;
    try {
      await this.call('GET', '', undefined, 'read', true);
    } catch {
      // A failed ping only costs a slower next request; the next real call reports any lasting problem.
    } finally {
      this.pinging = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    let timeout: NodeJS.Timeout | undefined;
    // Graceful first; a hung request must not hold close() for the full request timeout.
    await Promise.race([
      this.dispatcher.close(),
      new Promise<void>((resolve) => {
        timeout = setTimeout(() => {
          void this.dispatcher.destroy().then(resolve, resolve);
        }, 1000);
        timeout.unref();
      }),
    ]).catch(() => undefined);
    if (timeout) clearTimeout(timeout);
  }
}

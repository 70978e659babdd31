import type { Agent } from 'undici';
import { inProviderTerms, pacsError, PacsError } from '../errors';
import { createDispatcher, send, type HttpResponse } from '../http';
import type { ProviderConnection } from '../types';
import { mapErrorResponse, readErrorBody } from './errors';
import { parseJson, toJson } from './json';
import { isObject, type PropertyMap } from './properties';
import { SessionKeeper } from './session';

import { BASE_PATH } from './evidence';

export { BASE_PATH };
/** The API version every real client sends (S1 `version` "in the format 1.0"; S2, S3, S6, S7, S8). */
export const API_VERSION = '1.0';
/** The spec's maximum page size (S1 `maximum: 100`). */
export const PAGE_SIZE = 100;
/** Guards against a server that ignores page_number and would otherwise be paged forever. */
const MAX_PAGES = 10_000;

export interface ApiOptions {
  now?: () => number;
  /** Default 4 minutes: below any plausible inactivity timeout, rare enough to cost nothing. */
  keepaliveIdleMs?: number;
  /** Default 5 minutes before token_expiration_time (S3). */
  renewBeforeMs?: number;
}

export function apiBaseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  return trimmed.toLowerCase().endsWith(BASE_PATH) ? trimmed : trimmed + BASE_PATH;
}

interface CallOptions {
  query?: Record<string, string | number | undefined>;
  typeName?: string;
  propertyValueMap?: PropertyMap;
  /** Other body fields (login). */
  body?: Record<string, unknown>;
  timeoutMs?: number;
}

/**
 * The OpenAccess wire protocol: URLs, headers, `version`, `type_name` in query and body, the session
 * (with exactly one re-login and retry on a 401), paging, and turning every answer that is not a 2xx
 * JSON object into a PacsError that names the operation but never the password or a session token.
 */
export class OpenAccessApi {
  readonly baseUrl: string;
  readonly session: SessionKeeper;
  private readonly dispatcher: Agent;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly conn: ProviderConnection,
    opts: ApiOptions = {},
  ) {
    this.baseUrl = apiBaseUrl(conn.url);
    this.dispatcher = createDispatcher(conn);
    this.timeoutMs = conn.timeoutMs ?? 15_000;
    this.now = opts.now ?? Date.now;
    this.session = new SessionKeeper({
      login: () => this.login(),
      keepalive: (token) => this.keepalive(token),
      logout: (token) => this.logout(token),
      now: this.now,
      keepaliveIdleMs: opts.keepaliveIdleMs ?? 4 * 60_000,
      renewBeforeMs: opts.renewBeforeMs ?? 5 * 60_000,
    });
  }

  /** Calls that need no session: GET /version and GET /directories. */
  async anonymous(path: string): Promise<PropertyMap> {
    const res = await this.exchange('GET', path, {}, undefined);
    return this.interpret(res, `GET ${path}`, {});
  }

  /** An authenticated call; a 401 other than a licence refusal gets one re-login and one retry. */
  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, opts: CallOptions = {}): Promise<PropertyMap> {
    const operation = `${method} ${path}${opts.typeName ? ` (${opts.typeName})` : ''}`;
    let s = await this.session.get();
    let res = await this.exchange(method, path, opts, s.token);
    if (res.status === 401 && !isLicenceError(res)) {
      this.session.invalidate(s);
      s = await this.session.get();
      res = await this.exchange(method, path, opts, s.token);
    }
    const body = this.interpret(res, operation, { typeName: opts.typeName });
    this.session.touched();
    return body;
  }

  /** Every instance matching the filter, following total_pages at the maximum page size. */
  async listAll(typeName: string, filter?: string): Promise<PropertyMap[]> {
    const items: PropertyMap[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.call('GET', '/instances', {
        typeName,
        query: { type_name: typeName, filter, page_number: page, page_size: PAGE_SIZE },
      });
      const list = itemsOf(res, `GET /instances (${typeName})`);
      items.push(...list);
      const totalPages = Number(res.total_pages);
      // total_pages is [C]; a server without it is paged until a short page.
      const more = Number.isFinite(totalPages) ? page < totalPages : list.length === PAGE_SIZE;
      if (!more || list.length === 0) break;
    }
    return items;
  }

  /** The first page only: for lookups by a unique key. */
  async find(typeName: string, filter: string): Promise<PropertyMap[]> {
    const res = await this.call('GET', '/instances', {
      typeName,
      query: { type_name: typeName, filter, page_number: 1, page_size: PAGE_SIZE },
    });
    return itemsOf(res, `GET /instances (${typeName})`);
  }

  async create(typeName: string, propertyValueMap: PropertyMap): Promise<PropertyMap> {
    const res = await this.call('POST', '/instances', { typeName, propertyValueMap });
    return pvmOf(res, `POST /instances (${typeName})`);
  }

  async update(typeName: string, propertyValueMap: PropertyMap): Promise<void> {
    // The PUT answer's contents are [U]; callers re-read when they need the result.
    await this.call('PUT', '/instances', { typeName, propertyValueMap });
  }

  async remove(typeName: string, propertyValueMap: PropertyMap): Promise<void> {
    await this.call('DELETE', '/instances', { typeName, propertyValueMap });
  }

  async close(): Promise<void> {
    try {
      await this.session.close();
    } finally {
      await this.dispatcher.close().catch(() => undefined);
    }
  }

  /** Removes the password and any session token this client has held from a text. */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.conn.password, ...this.session.tokens()]) {
      if (secret && secret.length >= 3) out = out.split(secret).join('***');
    }
    return out;
  }

  // ------------------------------------------------------------------ session operations

  private async login(): Promise<{ token: string; expiresAt: number }> {
    const body: Record<string, unknown> = { user_name: this.conn.username, password: this.conn.password };
    // Omitted rather than empty when unset: empty means the internal directory either way (S3, S5).
    if (this.conn.directoryId) body.directory_id = this.conn.directoryId;
    const res = await this.exchange('POST', '/authentication', { body }, undefined);
    const r = this.interpret(res, 'POST /authentication', { login: true });
    const token = r.session_token;
    if (typeof token !== 'string' || token === '') {
      throw pacsError('PACS_BAD_RESPONSE', 'The login answer carried no session_token.', { httpStatus: res.status });
    }
    return { token, expiresAt: this.localExpiry(r.token_expiration_time, res) };
  }

  /**
   * token_expiration_time is the server's clock; measured against the server's Date header it becomes a
   * lifetime, which survives clock skew between us and the PACS. Without it, absolute time is used.
   */
  private localExpiry(expiration: unknown, res: HttpResponse): number {
    const now = this.now();
    const exp = typeof expiration === 'string' ? Date.parse(expiration) : NaN;
    // No expiry announced [U]: assume a short life and let the 401 path cover the rest.
    if (Number.isNaN(exp)) return now + 20 * 60_000;
    const dateHeader = res.headers.date;
    const serverNow = Date.parse(Array.isArray(dateHeader) ? dateHeader[0] : (dateHeader ?? ''));
    return Number.isNaN(serverNow) ? exp : now + (exp - serverNow);
  }

  private async keepalive(token: string): Promise<boolean> {
    const res = await this.exchange('GET', '/keepalive', {}, token);
    if (res.status === 401) return false;
    this.interpret(res, 'GET /keepalive', {});
    return true;
  }

  private async logout(token: string): Promise<void> {
    const res = await this.exchange('DELETE', '/authentication', { timeoutMs: Math.min(this.timeoutMs, 5_000) }, token);
    if (res.status !== 401) this.interpret(res, 'DELETE /authentication', {});
  }

  // ------------------------------------------------------------------ wire

  private async exchange(method: string, path: string, opts: CallOptions, token: string | undefined): Promise<HttpResponse> {
    const query = new URLSearchParams({ version: API_VERSION });
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') query.set(k, String(v));
    if (opts.typeName && !query.has('type_name')) query.set('type_name', opts.typeName);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.conn.applicationId) headers['Application-Id'] = this.conn.applicationId;
    if (token) headers['Session-Token'] = token;
    let body: string | undefined;
    if (method !== 'GET') {
      const payload: Record<string, unknown> = { ...opts.body };
      // type_name in the body as well as the query: both are accepted (S1) and it helps reading logs.
      if (opts.typeName) payload.type_name = opts.typeName;
      if (opts.propertyValueMap) payload.property_value_map = opts.propertyValueMap;
      if (Object.keys(payload).length > 0) {
        body = toJson(payload);
        headers['Content-Type'] = 'application/json';
      }
    }
    try {
      return await send(this.dispatcher, `${this.baseUrl}${path}?${query.toString()}`, {
        method,
        headers,
        body,
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
      });
    } catch (err) {
      if (err instanceof PacsError) throw inProviderTerms(err, 'onguard');
      throw pacsError('PACS_UNREACHABLE', this.redact(`${method} ${path} failed: ${(err as Error).message}`), { provider: 'onguard' });
    }
  }

  private interpret(res: HttpResponse, operation: string, ctx: { typeName?: string; login?: boolean }): PropertyMap {
    if (res.status >= 200 && res.status < 300) {
      let parsed: unknown;
      try {
        parsed = parseJson(res.text);
      } catch {
        parsed = undefined;
      }
      if (!isObject(parsed)) {
        throw pacsError('PACS_BAD_RESPONSE', `${operation} answered HTTP ${res.status} with ${describeBody(res)} instead of an OpenAccess JSON object.`, {
          httpStatus: res.status,
        });
      }
      return parsed;
    }
    throw mapErrorResponse({
      operation,
      typeName: ctx.typeName,
      login: ctx.login,
      httpStatus: res.status,
      text: res.text,
      headers: res.headers,
      redact: (s) => this.redact(s),
    });
  }
}

function isLicenceError(res: HttpResponse): boolean {
  return /invalidapplicationid$/i.test(readErrorBody(res.text, res.headers)?.code ?? '');
}

function describeBody(res: HttpResponse): string {
  const type = res.headers['content-type'];
  const t = Array.isArray(type) ? type[0] : type;
  if (!res.text) return 'an empty body';
  return t ? `a ${t.split(';')[0]} body` : 'a body that is not JSON';
}

function itemsOf(res: PropertyMap, operation: string): PropertyMap[] {
  if (!Array.isArray(res.item_list)) {
    throw pacsError('PACS_BAD_RESPONSE', `${operation} answered without an item_list.`);
  }
  return res.item_list.map((item) => {
    if (!isObject(item) || !isObject(item.property_value_map)) {
      throw pacsError('PACS_BAD_RESPONSE', `${operation} answered with an item that has no property_value_map.`);
    }
    return item.property_value_map;
  });
}

function pvmOf(res: PropertyMap, operation: string): PropertyMap {
  if (!isObject(res.property_value_map)) {
    throw pacsError('PACS_BAD_RESPONSE', `${operation} answered without a property_value_map.`);
  }
  return res.property_value_map;
}

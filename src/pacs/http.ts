import crypto from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { pacsError, PacsError } from './errors';
import type { ProviderConnection } from './types';

/**
 * One keep-alive connection pool per PACS server, shared by its client. `connections` bounds how many
 * requests are in flight at once (these servers are licensed per connection and slow); undici queues
 * the rest. TLS verification is on unless the admin turned it off; a pinned SHA-256 fingerprint
 * replaces CA verification for the self-signed certificates these servers ship with.
 */
export function createDispatcher(conn: Pick<ProviderConnection, 'tls' | 'maxConcurrentRequests'>): Agent {
  const pin = conn.tls.fingerprint ? normalizeFingerprint(conn.tls.fingerprint) : null;
  const base = buildConnector({
    rejectUnauthorized: pin ? false : conn.tls.verify,
    ca: pin ? undefined : (conn.tls.caCert ?? undefined),
    // A resumed TLS session presents no peer certificate, which would defeat (and falsely fail) the pin.
    ...(pin ? { maxCachedSessions: 0 } : {}),
    timeout: 10_000,
  });
  const connect: buildConnector.connector = (opts, callback) =>
    base(opts, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null);
      if (pin && 'getPeerCertificate' in socket) {
        const seen = normalizeFingerprint((socket as TLSSocket).getPeerCertificate().fingerprint256 ?? '');
        if (seen !== pin) {
          socket.destroy();
          const e = new Error(`certificate fingerprint ${seen} does not match the pinned ${pin}`) as Error & { code: string };
          e.code = 'CERT_FINGERPRINT_MISMATCH';
          return callback(e, null);
        }
      }
      callback(null, socket);
    });
  return new Agent({
    connect,
    connections: Math.max(1, conn.maxConcurrentRequests),
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
  });
}

export function normalizeFingerprint(fp: string): string {
  return fp.replace(/[^0-9a-f]/gi, '').toUpperCase();
}

/** SHA-256 fingerprint of a PEM certificate, in the colon form admins copy from browsers. */
export function fingerprintOfPem(pem: string): string {
  return new crypto.X509Certificate(pem).fingerprint256;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Performs one request with a hard timeout, mapping transport failures to typed PacsErrors. */
export async function send(
  dispatcher: Dispatcher,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpResponse> {
  try {
    const res = await request(url, {
      dispatcher,
      method: init.method as Dispatcher.HttpMethod,
      headers: init.headers,
      body: init.body,
      // undici closes the connection after a DELETE (or GET) that carries a body unless told not to, and
      // OnGuard's DELETE /instances requires one: without this every removal costs a new connection (a full
      // TLS handshake against a real server) and the per-provider connection cap stops holding.
      reset: false,
      headersTimeout: init.timeoutMs,
      bodyTimeout: init.timeoutMs,
      signal: AbortSignal.timeout(init.timeoutMs + 1000),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    throw transportError(err, url);
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_FINGERPRINT_MISMATCH',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

export function transportError(err: unknown, url: string): PacsError {
  if (err instanceof PacsError) return err;
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const host = safeHost(url);
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(e.message ?? '')) {
    return pacsError('PACS_TLS', `TLS handshake with ${host} failed (${code || e.message}).`, { cause: code });
  }
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return pacsError('PACS_TIMEOUT', `${host} did not answer in time.`, { cause: code || e.name });
  }
  return pacsError('PACS_UNREACHABLE', `Could not reach ${host} (${code || e.message}).`, { cause: code });
}

/** The host of a URL for an operator's message (never the path or query, which can carry secrets). */
export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

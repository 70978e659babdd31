import http from 'node:http';
import type { RequestListener } from 'node:http';

export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within this; 408 and the connection closes. */
  requestTimeoutMs: number;
  /** The headers must arrive within this (at most requestTimeoutMs). */
  headersTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 };

/**
 * The API's HTTP server, shared by `npm start` and the tests so both cut slow clients off alike. Node's
 * default lets a client take 300 s to send a 1 MB body a byte at a time, holding a socket and a parser
 * the whole while; our bodies are a few kilobytes.
 */
export function createHttpServer(app: RequestListener, timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS): http.Server {
  const requestTimeout = timeouts.requestTimeoutMs;
  return http.createServer(
    {
      requestTimeout,
      // Node refuses a headers timeout longer than the request timeout.
      headersTimeout: Math.min(timeouts.headersTimeoutMs, requestTimeout),
      // Node checks the two timeouts only this often (default 30 s, which would double a 30 s limit).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeout / 4))),
    },
    app,
  );
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPacsError, type PacsError } from '../../../src/pacs/errors';
import { OnGuardClient, type OnGuardClientOptions } from '../../../src/pacs/onguard/client';
import type { ProviderConnection } from '../../../src/pacs/types';
import type { OnGuardSimulatorOptions } from '../../../src/simulators/onguard/server';
import { SimHarness, useSimHarness } from '../../simulators/onguard/helpers';

export { SimHarness };

export function connFor(h: SimHarness, overrides: Partial<ProviderConnection> = {}): ProviderConnection {
  const { sim } = h;
  return {
    kind: 'onguard',
    url: sim.providerUrl,
    username: sim.credentials.username,
    password: sim.credentials.password,
    applicationId: sim.credentials.applicationId,
    directoryId: null,
    tls: { verify: true },
    maxConcurrentRequests: 4,
    timeoutMs: 3_000,
    ...overrides,
  };
}

/** Clients made by a test are closed after it, so no pool or keepalive timer outlives the file. */
export class Clients {
  private all: OnGuardClient[] = [];
  make(h: SimHarness, overrides: Partial<ProviderConnection> = {}, opts: OnGuardClientOptions = {}): OnGuardClient {
    const c = new OnGuardClient(connFor(h, overrides), opts);
    this.all.push(c);
    return c;
  }
  async closeAll() {
    const all = this.all;
    this.all = [];
    await Promise.all(all.map((c) => c.close().catch(() => undefined)));
  }
}

/** Runs the call and returns the PacsError it must fail with. */
export async function failure(p: Promise<unknown>): Promise<PacsError> {
  try {
    await p;
  } catch (err) {
    if (isPacsError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

export async function routeCount(h: SimHarness, route: string): Promise<number> {
  return (await h.control('GET', '/stats')).json.byRoute[route] ?? 0;
}

/** An HTTP server that is not OpenAccess (a proxy's login page, a wrong port). */
export async function foreignServer(status: number, body: string, type = 'text/html'): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
export async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** useSimHarness for client tests: the clients a test made are closed before the next one and at the end. */
export function useClientHarness(set: (h: SimHarness) => void, opts: { start?: OnGuardSimulatorOptions; reset?: boolean } = {}): Clients {
  const clients = new Clients();
  useSimHarness(set, { ...opts, beforeClose: () => clients.closeAll() });
  return clients;
}

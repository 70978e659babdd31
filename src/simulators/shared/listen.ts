import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { fingerprintOfPem } from '../../pacs/http';
import type { SimulatorControls } from './faults';

export interface ListenOptions {
  port?: number;
  host?: string;
  /** Serve HTTPS with a freshly generated self-signed certificate, as these servers ship. */
  tls?: boolean;
}

export interface RunningSimulator {
  /** Origin, e.g. http://127.0.0.1:18080 */
  origin: string;
  port: number;
  /** PEM of the self-signed certificate when tls is on (tests feed it as a CA or pin its fingerprint). */
  certificatePem?: string;
  fingerprint256?: string;
  close(): Promise<void>;
}

let cachedCert: { key: string; cert: string } | undefined;

/** Self-signed certificate for localhost/127.0.0.1, generated once per process (key generation is slow). */
export function selfSignedCertificate(): { key: string; cert: string } {
  if (!cachedCert) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const selfsigned = require('selfsigned') as typeof import('selfsigned');
    const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      days: 3650,
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    cachedCert = { key: pems.private, cert: pems.cert };
  }
  return cachedCert;
}

export async function listen(app: Express, controls: SimulatorControls, opts: ListenOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const cert = opts.tls ? selfSignedCertificate() : undefined;
  const server = cert ? https.createServer({ key: cert.key, cert: cert.cert }, app) : http.createServer(app);
  server.on(cert ? 'secureConnection' : 'connection', controls.onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `${cert ? 'https' : 'http'}://${host}:${port}`,
    port,
    certificatePem: cert?.cert,
    fingerprint256: cert ? fingerprintOfPem(cert.cert) : undefined,
    close: () =>
      new Promise<void>((resolve) => {
        controls.releaseHung();
        controls.dropConnections();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

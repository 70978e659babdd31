import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { AppConfig } from '../config';

function tlsOptions(tls: AppConfig['temporal']['tls']) {
  if (!tls) return undefined;
  return {
    serverRootCACertificate: tls.ca ? fs.readFileSync(tls.ca) : undefined,
    clientCertPair: tls.cert && tls.key ? { crt: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) } : undefined,
  };
}

export async function connectClient(t: AppConfig['temporal'], address: string): Promise<Client> {
  const connection = await Connection.connect({ address, tls: tlsOptions(t.tls), apiKey: t.apiKey });
  return new Client({ connection, namespace: t.namespace });
}

export async function connectWorker(t: AppConfig['temporal'], address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address, tls: tlsOptions(t.tls), apiKey: t.apiKey });
}

import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import './quiet-sdk';

/** Address of the dev server global-setup started for this run. */
export function temporalAddress(): string {
  const a = process.env.TEST_TEMPORAL_ADDRESS;
  if (!a) throw new Error('TEST_TEMPORAL_ADDRESS is unset: run tests through jest (test/global-setup.ts starts the server).');
  return a;
}

export async function testClient(): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: temporalAddress() }), namespace: 'default' });
}

export function testNativeConnection(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporalAddress() });
}

export const uniqueTaskQueue = (name: string) => `${name}-${Math.random().toString(36).slice(2, 10)}`;

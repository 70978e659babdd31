import net from 'node:net';
import type { AppConfig } from './config';

/** Each port `npm start` listens on, with the variable that moves it (docs/configuration.md). */
export function portVariables(config: AppConfig): Array<{ port: number; variable: string; what: string }> {
  return [
    { port: config.http.port, variable: 'PORT', what: 'the API' },
    { port: config.simulators.onguardPort, variable: 'ONGUARD_SIM_PORT', what: 'the OnGuard simulator' },
    { port: config.simulators.genetecPort, variable: 'GENETEC_SIM_PORT', what: 'the Genetec simulator' },
    { port: config.temporal.devPort, variable: 'TEMPORAL_DEV_PORT', what: 'the Temporal dev server' },
    { port: config.temporal.uiPort, variable: 'TEMPORAL_UI_PORT', what: 'the Temporal Web UI' },
  ];
}

/**
 * Node's "listen EADDRINUSE: address already in use 127.0.0.1:3000" names neither what wanted the port
 * nor how to move it; this says both. Other errors keep their own message.
 */
export function explainStartError(err: unknown, config: AppConfig): string {
  const e = err as NodeJS.ErrnoException & { port?: number };
  const message = e instanceof Error ? e.message : String(err);
  if (e?.code !== 'EADDRINUSE') return message;
  const port = e.port ?? Number(/:(\d+)\s*$/.exec(message)?.[1]);
  const hit = portVariables(config).find((p) => p.port === port);
  if (!hit) return `${message}. Stop whatever uses port ${port}, or see docs/configuration.md for the variable that moves it.`;
  return (
    `Port ${port}, wanted by ${hit.what}, is already in use (another \`npm start\` still running?). ` +
    `Stop whatever uses it, or choose another port: ${hit.variable}=${port + 1} npm start`
  );
}

/**
 * Fails with EADDRINUSE when something listens on the port already. The Temporal dev server is a child
 * process that only reports a taken port in its own log, and our readiness check would connect to
 * whatever else is listening there.
 */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

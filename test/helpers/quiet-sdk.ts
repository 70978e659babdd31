import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

/**
 * The Temporal SDK's own log (worker state changes, every failed activity attempt with its stack trace)
 * is kept in memory instead of printed: a passing run printed over a thousand lines of it. When a test
 * fails, test/quiet-sdk-environment.js prints what was collected since that test began.
 * TEST_SDK_LOG=1 prints it as it happens instead (debugging a hang).
 */
const g = globalThis as { __sdkLog?: string[] };
const buffer = (g.__sdkLog ??= []);
const live = process.env.TEST_SDK_LOG === '1';
const LIMIT = 2000;

function format(e: LogEntry): string {
  const at = new Date(Number(e.timestampNanos / 1_000_000n)).toISOString();
  const meta =
    e.meta && Object.keys(e.meta).length ? ` ${JSON.stringify(e.meta, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))}` : '';
  return `${at} [${e.level}] ${e.message}${meta}`;
}

try {
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger((process.env.TEST_SDK_LOG_LEVEL as LogLevel | undefined) ?? 'INFO', (e) => {
      const line = format(e);
      if (live) process.stderr.write(`${line}\n`);
      else {
        buffer.push(line);
        if (buffer.length > LIMIT) buffer.splice(0, buffer.length - LIMIT);
      }
    }),
  });
} catch {
  // Already installed in this module registry: the first install's logger stays.
}

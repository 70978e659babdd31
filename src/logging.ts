import pino, { type Logger, type DestinationStream } from 'pino';

/**
 * Paths that may hold secrets anywhere in a log record. Redaction is the last line of defence: code
 * should not log these in the first place, and test/api/admin/providers.test.ts and test/api/visits.test.ts check captured logs.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  '*.headers["session-token"]',
  'sessionToken',
  '*.sessionToken',
  'secretsKey',
  'adminToken',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'visitor-badges' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };

import { ApplicationFailure } from '@temporalio/activity';
import { isPacsError } from '../pacs/errors';

/** Error codes (besides PacsError's) that retrying cannot fix. */
const PERMANENT_CODES = new Set(['PROVIDER_NOT_FOUND', 'SECRET_UNREADABLE', 'VISIT_NOT_FOUND']);

/**
 * Turns what an activity threw into a failure Temporal carries to the workflow, the API and the UI: the
 * type is the error code and the message is the operator's text. Only codes, never causes, go into the
 * failure: a cause could hold a request with credentials.
 */
export function toActivityFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure) return err;
  if (isPacsError(err)) {
    return ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: !err.retryable });
  }
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && PERMANENT_CODES.has(code)) {
    return ApplicationFailure.create({ type: code, message: (err as Error).message, nonRetryable: true });
  }
  return err instanceof Error ? err : new Error(String(err));
}

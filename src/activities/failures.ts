import { ApplicationFailure } from '@temporalio/activity';
import { isPacsError, SERVICE_FAILURE_CODES } from '../pacs/errors';

const SERVICE_CODES: ReadonlySet<string> = new Set(SERVICE_FAILURE_CODES);

/**
 * Turns what an activity threw into a failure Temporal carries to the workflow, the API and the UI: the
 * type is the error code and the message is the operator's text. Only codes, never causes, go into the
 * failure: a cause could hold a request with credentials.
 *
 * Never non-retryable: whether a code is worth retrying is the calling workflow's decision (its retry
 * policy's `nonRetryableErrorTypes`, from FAILURES_NEEDING_A_PERSON). A non-retryable failure would
 * override that policy, and switching a badge off must keep retrying through refused credentials.
 */
export function toActivityFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure) return err;
  if (isPacsError(err)) {
    return ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: false, details: [{ whatToDo: err.whatToDo }] });
  }
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && SERVICE_CODES.has(code)) {
    return ApplicationFailure.create({ type: code, message: (err as Error).message, nonRetryable: false });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * What went wrong, in the domain's words. The domain layer knows no HTTP: src/api maps each kind to its
 * status (src/api/app.ts), so the same failure reads the same to every caller (API, CLI, tests).
 */
export type DomainErrorKind =
  /** The thing named does not exist. */
  | 'notFound'
  /** The request contradicts the current state (a secret that no longer decrypts, a badge in use). */
  | 'conflict'
  /** A workflow did not answer within the wait the caller gave it; it may still finish. */
  | 'timedOut'
  /** The PACS (or the workflow talking to it) failed; the code says how. */
  | 'upstreamFailed';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * Typed PACS errors. `retryable` separates what Temporal should retry (network, timeouts, 5xx) from what
 * a person must fix (credentials, licence, validation, conflicts). Every message says what to do, in the
 * words of the seeds' troubleshooting sections, because operators read it verbatim in the Temporal UI.
 */
/** Failures of the connection to the server as a whole: transport, server, credentials, licence, permissions. */
const CONNECTION_CODES = [
  // transport and server
  'PACS_UNREACHABLE',
  'PACS_TIMEOUT',
  'PACS_SERVER_ERROR',
  'PACS_TLS',
  'PACS_BAD_RESPONSE',
  // configuration and permissions
  'PACS_AUTH',
  'PACS_LICENSE',
  'PACS_FORBIDDEN',
] as const;

export const PACS_ERROR_CODES = [
  ...CONNECTION_CODES,
  'PACS_NOT_FOUND',
  // request-level
  'PACS_VALIDATION',
  'PACS_CONFLICT',
  // provisioning checks (the "Cannot provision/de-provision a badge" checklist)
  'BADGE_TYPE_MISSING',
  'BADGE_TYPE_NOT_MANUAL',
  'BADGE_ALREADY_ASSIGNED',
  'VISITOR_HAS_ACTIVE_BADGE',
  'BADGE_ID_OUT_OF_RANGE',
  'ACCESS_RULE_MISSING',
] as const;
export type PacsErrorCode = (typeof PACS_ERROR_CODES)[number];

/**
 * The service's own failure codes that activities report by type, besides PacsError's: the provider was
 * deleted (src/pacs/registry.ts), its password no longer decrypts (src/config/secrets.ts), the visit is
 * gone (src/activities/visit.ts).
 */
export const SERVICE_FAILURE_CODES = ['PROVIDER_NOT_FOUND', 'SECRET_UNREADABLE', 'VISIT_NOT_FOUND'] as const;

const RETRYABLE: ReadonlySet<PacsErrorCode> = new Set(['PACS_UNREACHABLE', 'PACS_TIMEOUT', 'PACS_SERVER_ERROR']);

/**
 * Failures that only a person can fix (credentials, licence, configuration, the seeds' checks), plus the
 * service's own configuration failures. This is the one list: workflows whose retry policy should stop at
 * these name it in `nonRetryableErrorTypes`; activities never mark a failure non-retryable themselves, so
 * a workflow that must not give up (switching a badge off) can keep retrying every one of them.
 */
export const FAILURES_NEEDING_A_PERSON: readonly string[] = [...PACS_ERROR_CODES.filter((c) => !RETRYABLE.has(c)), ...SERVICE_FAILURE_CODES];

/**
 * Failures that concern a provider as a whole — its connection, credentials, licence — or our own set-up,
 * rather than one badge or person: a sweep over many badges (reconciliation) stops at these instead of
 * recording one finding per badge.
 */
export const PROVIDER_LEVEL_FAILURES: readonly string[] = [...CONNECTION_CODES, 'PROVIDER_NOT_FOUND', 'SECRET_UNREADABLE'];

export class PacsError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: PacsErrorCode,
    message: string,
    readonly extra: { httpStatus?: number; pacsCode?: string; cause?: unknown } = {},
  ) {
    super(message);
    this.name = 'PacsError';
    this.retryable = RETRYABLE.has(code);
  }
}

export const isPacsError = (e: unknown): e is PacsError => e instanceof PacsError;

/** Operator guidance per code, appended by clients after the specific detail. */
export const WHAT_TO_DO: Record<PacsErrorCode, string> = {
  PACS_UNREACHABLE:
    'Check the server URL and port, that the firewall allows this service to reach it, and that the OnGuard OpenAccess service / Genetec Web-based SDK role is running.',
  PACS_TIMEOUT: 'The server did not answer in time; it will be retried. If it persists, check the server load and the network path.',
  PACS_SERVER_ERROR: 'The access control server reported an internal error; it will be retried. If it persists, check the server logs.',
  PACS_TLS:
    "The server's certificate was not trusted. Add its CA certificate or pin its SHA-256 fingerprint in the provider's TLS settings (these servers ship self-signed certificates).",
  PACS_BAD_RESPONSE: 'The server answered with something that is not the expected API. Check the URL path (Genetec: /WebSdk; OnGuard: the server root) and any proxy in between.',
  PACS_AUTH: "The username or password was refused. Update the provider's credentials; for Genetec use a local (not Active Directory) user with the \"Log on using the SDK\" privilege.",
  PACS_LICENSE:
    'The licence does not allow this integration. OnGuard: the Application-Id must be licensed for OpenAccess (OpenAccess Application Support and Partner Integration IPC-052-TNGST01). Genetec: the SDK add-on (GSC-1SDK-TRACTIONGUEST-VM) must be in the Security Center licence.',
  PACS_FORBIDDEN: "The PACS user lacks a permission. Grant the permissions listed in docs/configuration.md to the integration's PACS user.",
  PACS_NOT_FOUND: 'The item no longer exists in the access control system. Refresh the provider and check the configuration.',
  PACS_VALIDATION: 'The access control system rejected the request. Read the detail, fix the data in the PACS or here, then retry.',
  PACS_CONFLICT: 'The access control system reports a conflict with existing data. Resolve it in the PACS, then retry.',
  BADGE_TYPE_MISSING:
    'The badge type no longer exists in the access control system. Refresh the provider, update the security badge to a current badge type, then retry.',
  BADGE_TYPE_NOT_MANUAL:
    'The badge type allocates IDs automatically. In OnGuard set the badge type to "Manual Entry" with a range of allowed badge IDs, refresh the provider, then retry.',
  BADGE_ALREADY_ASSIGNED:
    'The badge ID is assigned to someone in the access control system. Search for the badge ID in the PACS, remove it from that person, then retry.',
  VISITOR_HAS_ACTIVE_BADGE:
    'The visitor already holds an active badge in the access control system. Search for the visitor in the PACS, remove or deactivate that badge, then retry.',
  BADGE_ID_OUT_OF_RANGE:
    "The badge ID is outside the range allowed for its badge type. Check the badge type's ID range in the PACS, fix the badge or its type, refresh, then retry.",
  ACCESS_RULE_MISSING:
    'An access rule of this visit no longer exists in the access control system. Refresh the provider and choose current access rules.',
};

export function pacsError(code: PacsErrorCode, detail: string, extra?: PacsError['extra']): PacsError {
  return new PacsError(code, `${detail} ${WHAT_TO_DO[code]}`, extra);
}

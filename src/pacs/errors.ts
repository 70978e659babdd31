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

/** A code Temporal retries by itself (network, timeout, 5xx): the rest wait for a person. */
export const isTransientFailure = (code: string): boolean => RETRYABLE.has(code as PacsErrorCode);

export type PacsProviderKind = 'onguard' | 'genetec';

export class PacsError extends Error {
  readonly retryable: boolean;
  /** What happened, without the guidance (the message is `detail` then `whatToDo`). */
  readonly detail: string;
  readonly whatToDo: string;
  constructor(
    readonly code: PacsErrorCode,
    message: string,
    readonly extra: { httpStatus?: number; pacsCode?: string; cause?: unknown; provider?: PacsProviderKind; detail?: string; whatToDo?: string } = {},
  ) {
    super(message);
    this.name = 'PacsError';
    this.retryable = RETRYABLE.has(code);
    this.detail = extra.detail ?? message;
    this.whatToDo = extra.whatToDo ?? '';
  }
}

export const isPacsError = (e: unknown): e is PacsError => e instanceof PacsError;

/**
 * Operator guidance per code, appended by clients after the specific detail. It says only what to do:
 * the detail already says what happened, and operators read both in one line.
 */
export const WHAT_TO_DO: Record<PacsErrorCode, string> = {
  PACS_UNREACHABLE: "Check the server URL and port, that the firewall lets this service reach it, and that the PACS's API service is running.",
  PACS_TIMEOUT: 'The call will be retried. If it persists, check the server load and the network path.',
  PACS_SERVER_ERROR: 'The call will be retried. If it persists, check the server logs.',
  PACS_TLS: "Add the server's CA certificate or pin its SHA-256 fingerprint in the provider's TLS settings (these servers ship self-signed certificates).",
  PACS_BAD_RESPONSE: 'Check the URL path (Genetec: /WebSdk; OnGuard: the server root) and any proxy in between.',
  PACS_AUTH: 'Update the provider\'s credentials; for Genetec use a local (not Active Directory) user with the "Log on using the SDK" privilege.',
  PACS_LICENSE:
    'OnGuard: the Application-Id must be licensed for OpenAccess (OpenAccess Application Support and Partner Integration IPC-052-TNGST01). Genetec: the SDK add-on (GSC-1SDK-TRACTIONGUEST-VM) must be in the Security Center licence.',
  PACS_FORBIDDEN: "Grant the permissions listed in docs/configuration.md to the integration's PACS user.",
  PACS_NOT_FOUND: 'Refresh the provider and check the configuration.',
  PACS_VALIDATION: 'Fix the data in the PACS or here, then retry.',
  PACS_CONFLICT: 'Resolve the conflict in the PACS, then retry.',
  BADGE_TYPE_MISSING: 'Refresh the provider, update the security badge to a current badge type, then retry.',
  BADGE_TYPE_NOT_MANUAL: 'In OnGuard set the badge type to "Manual Entry" with a range of allowed badge IDs, refresh the provider, then retry.',
  BADGE_ALREADY_ASSIGNED: 'Search for the badge ID in the PACS, remove it from that person, then retry.',
  VISITOR_HAS_ACTIVE_BADGE: 'Search for the visitor in the PACS, remove or deactivate that badge, then retry.',
  BADGE_ID_OUT_OF_RANGE: "Check the badge type's ID range in the PACS, fix the badge or its type, refresh, then retry.",
  ACCESS_RULE_MISSING: 'Refresh the provider and choose current access rules.',
};

/** The same guidance in the words of the one product the provider is: no "OnGuard … / Genetec …" choices. */
const WHAT_TO_DO_BY_PROVIDER: Record<PacsProviderKind, Partial<Record<PacsErrorCode, string>>> = {
  onguard: {
    PACS_UNREACHABLE: 'Check the server URL and port, that the firewall lets this service reach it, and that the OnGuard OpenAccess service is running.',
    PACS_BAD_RESPONSE: 'Check that the URL is the OnGuard server root and any proxy in between.',
    PACS_AUTH: "Update the provider's credentials (the OnGuard username or password).",
    PACS_LICENSE: 'The Application-Id must be licensed for OpenAccess (OpenAccess Application Support and Partner Integration IPC-052-TNGST01).',
    BADGE_ALREADY_ASSIGNED: 'Search for the badge ID in OnGuard, remove it from that person, then retry.',
    VISITOR_HAS_ACTIVE_BADGE: 'Search for the visitor in OnGuard, remove or deactivate that badge, then retry.',
    BADGE_ID_OUT_OF_RANGE: "Check the badge type's ID range in OnGuard, fix the badge or its type, refresh the provider, then retry.",
    PACS_VALIDATION: 'Fix the data in OnGuard or here, then retry.',
    PACS_CONFLICT: 'Resolve the conflict in OnGuard, then retry.',
  },
  genetec: {
    PACS_UNREACHABLE:
      'Check the server URL and port (default 4590), that the firewall lets this service reach it, that the Web-based SDK role is running, and that its "Use SSL connection" matches the URL\'s http/https.',
    PACS_TLS:
      'With "Use SSL connection" on, the Web-based SDK role presents a self-signed certificate issued to the server\'s host name: add that certificate as the provider\'s CA certificate or pin its SHA-256 fingerprint.',
    PACS_BAD_RESPONSE:
      "The provider URL must end with the Base URI of the Web-based SDK role (default /WebSdk, e.g. https://server:4590/WebSdk); check the role's Base URI in Config Tool and any proxy in between.",
    PACS_AUTH: 'Update the provider\'s credentials: a local (not Active Directory) Security Center user with the "Log on using the SDK" privilege.',
    PACS_LICENSE: 'The Security Center licence must include the SDK add-on GSC-1SDK-TRACTIONGUEST-VM for this application ID.',
    BADGE_ALREADY_ASSIGNED: 'Search for the card number in Security Center, remove it from that cardholder, then retry.',
    VISITOR_HAS_ACTIVE_BADGE: 'Search for the visitor in Security Center, remove or deactivate that credential, then retry.',
    BADGE_ID_OUT_OF_RANGE: "Check the card format's number range in Security Center, fix the badge or its type, refresh the provider, then retry.",
    PACS_VALIDATION: 'Fix the data in Security Center or here, then retry.',
    PACS_CONFLICT: 'Resolve the conflict in Security Center, then retry.',
  },
};

/** The product an operator searches in, by the name its own screens use. */
export function pacsProductName(provider: string): string {
  return provider === 'onguard' ? 'OnGuard' : provider === 'genetec' ? 'Security Center' : 'the access control system';
}

export function whatToDo(code: PacsErrorCode, provider?: PacsProviderKind): string {
  return (provider && WHAT_TO_DO_BY_PROVIDER[provider][code]) ?? WHAT_TO_DO[code];
}

/** Every wording of a code's guidance, to tell whether a message already carries one. */
export function guidanceVariants(code: PacsErrorCode): string[] {
  return [WHAT_TO_DO[code], ...Object.values(WHAT_TO_DO_BY_PROVIDER).flatMap((m) => (m[code] ? [m[code]] : []))];
}

export function pacsError(code: PacsErrorCode, detail: string, extra: PacsError['extra'] = {}): PacsError {
  const advice = whatToDo(code, extra.provider);
  return new PacsError(code, `${detail} ${advice}`, { ...extra, detail, whatToDo: advice });
}

/** The error in the words of the provider it came from (a client's shared layers do not know it). */
export function inProviderTerms(err: PacsError, provider: PacsProviderKind): PacsError {
  if (err.extra.provider || !err.extra.whatToDo) return err;
  return pacsError(err.code, err.detail, { ...err.extra, provider });
}

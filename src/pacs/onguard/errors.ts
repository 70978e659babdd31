import { pacsError, type PacsError, type PacsErrorCode } from '../errors';
import { isObject } from './properties';
import { parseJson } from './json';

/**
 * Turns an OpenAccess error answer into a PacsError. Classification is by HTTP status first, as the
 * evidence advises (docs/pacs/onguard-openaccess.md §4), with `error.code` refining it: the two codes seen on real servers
 * (invalidapplicationid, invalidrequestitem) and the codes our simulator invents for cases whose real
 * code is unknown. A real server that reports those cases differently still lands on a sensible generic
 * code (PACS_VALIDATION), and the client's own pre-checks (badge ID lookup before create) catch the
 * important ones before the server has to.
 */
export interface OpenAccessErrorBody {
  code: string;
  message: string;
}

/** The envelope from the body, else the `error` header the spec describes (S3 saw it in the body). */
export function readErrorBody(text: string, headers: Record<string, string | string[] | undefined>): OpenAccessErrorBody | null {
  try {
    const body = parseJson(text);
    if (isObject(body) && isObject(body.error)) {
      return { code: String(body.error.code ?? ''), message: String(body.error.message ?? '') };
    }
  } catch {
    // not JSON: fall through to the header
  }
  const header = headers['error'];
  const h = Array.isArray(header) ? header[0] : header;
  if (h) {
    try {
      const parsed = parseJson(h);
      if (isObject(parsed)) return { code: String(parsed.code ?? ''), message: String(parsed.message ?? '') };
    } catch {
      return { code: '', message: h };
    }
  }
  return null;
}

/** Suffixes of `error.code` that name a provisioning check; all but the first two are simulator inventions. */
const CODE_MAP: Array<[suffix: string, code: PacsErrorCode]> = [
  ['.invalidapplicationid', 'PACS_LICENSE'],
  ['.duplicatebadgeid', 'BADGE_ALREADY_ASSIGNED'],
  ['.badgeidoutofrange', 'BADGE_ID_OUT_OF_RANGE'],
  ['.activebadgelimit', 'VISITOR_HAS_ACTIVE_BADGE'],
  ['.badgetypenotmanual', 'BADGE_TYPE_NOT_MANUAL'],
  ['.duplicateitem', 'PACS_CONFLICT'],
  ['.itemreferenced', 'PACS_CONFLICT'],
  ['.permissiondenied', 'PACS_FORBIDDEN'],
];

/** "The property X did not exist or contained an invalid value." is the one real wording (S2). */
const INVALID_PROPERTY = /the property (\w+) did not exist/i;

export interface ErrorContext {
  /** e.g. "POST /instances (Lnl_Badge)" — names the operation, never its secrets. */
  operation: string;
  typeName?: string;
  /** The call was the login itself: a 401 means the credentials. */
  login?: boolean;
  httpStatus: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
  redact(s: string): string;
}

export function mapErrorResponse(ctx: ErrorContext): PacsError {
  const { httpStatus: status } = ctx;
  const body = readErrorBody(ctx.text, ctx.headers);
  const said = body && (body.message || body.code) ? ` OnGuard said: "${ctx.redact(body.message || body.code)}"${body.code ? ` (${body.code})` : ''}.` : '';
  const extra = { httpStatus: status, pacsCode: body?.code || undefined, provider: 'onguard' as const };
  const make = (code: PacsErrorCode, detail: string) => pacsError(code, ctx.redact(detail) + said, extra);
  const pacsCode = (body?.code ?? '').toLowerCase();

  if (status >= 500 || status === 429) return make('PACS_SERVER_ERROR', `OnGuard answered HTTP ${status} to ${ctx.operation}.`);
  if (status === 408) return make('PACS_TIMEOUT', `OnGuard timed out processing ${ctx.operation}.`);
  const mapped = CODE_MAP.find(([suffix]) => pacsCode.endsWith(suffix))?.[1];
  if (mapped === 'PACS_LICENSE') return make('PACS_LICENSE', `OnGuard refused the Application-Id on ${ctx.operation}.`);
  if (status === 401) {
    return make('PACS_AUTH', ctx.login ? 'OnGuard refused the login.' : `OnGuard refused the session on ${ctx.operation} even after logging in again.`);
  }
  if (status === 403 || mapped === 'PACS_FORBIDDEN') return make('PACS_FORBIDDEN', `The OnGuard user may not perform ${ctx.operation}.`);
  if (!body) {
    return make(
      'PACS_BAD_RESPONSE',
      `${ctx.operation} answered HTTP ${status} without an OpenAccess error body${status === 404 ? ' (is this the OnGuard server?)' : ''}.`,
    );
  }
  if (status === 404) return make('PACS_NOT_FOUND', `${ctx.operation} found nothing to act on.`);
  if (mapped) return make(mapped, `OnGuard rejected ${ctx.operation}.`);
  const property = INVALID_PROPERTY.exec(body.message)?.[1]?.toLowerCase();
  if (ctx.typeName === 'Lnl_Badge' && property === 'type') return make('BADGE_TYPE_MISSING', `OnGuard does not know the badge type.`);
  if (ctx.typeName === 'Lnl_AccessLevelAssignment' && property === 'accesslevelid') {
    return make('ACCESS_RULE_MISSING', 'OnGuard does not know the access level.');
  }
  return make('PACS_VALIDATION', `OnGuard rejected ${ctx.operation}.`);
}

import { pacsError, PacsError, type PacsErrorCode } from '../errors';

/**
 * Maps HTTP statuses and Fail envelopes to PacsErrors. Only `InvalidOperation` is a code seen on a real
 * server [C-obs S-HTP]; the codes for a missing entity, a duplicate card or an assigned credential are
 * unknown [I], so those are recognised by code or message wording, and the server's own words are kept in
 * the message for the operator.
 */
export interface HttpContext {
  host: string;
  basePath: string;
  hasApplicationId: boolean;
}

export function httpStatusError(status: number, ctx: HttpContext, location?: string): PacsError {
  const extra = { httpStatus: status, provider: 'genetec' as const };
  if (status === 401) {
    return pacsError('PACS_AUTH', `${ctx.host} refused the log-on (HTTP 401): a wrong username or password, or a user the Web SDK does not accept.`, extra);
  }
  if (status === 403) {
    return pacsError(
      'PACS_LICENSE',
      `${ctx.host} answered HTTP 403 Forbidden. ${
        ctx.hasApplicationId ? 'The configured SDK application ID' : 'No SDK application ID is configured, so the request'
      } is not covered by the Security Center licence (some servers also answer 403 for a wrong username or password, so check those too).`,
      extra,
    );
  }
  if (status === 404) {
    return pacsError('PACS_BAD_RESPONSE', `${ctx.host} answered HTTP 404 for ${ctx.basePath}.`, extra);
  }
  if (status >= 300 && status < 400) {
    return pacsError(
      'PACS_BAD_RESPONSE',
      `${ctx.host} redirected the request${location ? ` to ${safeLocation(location)}` : ''} (HTTP ${status}). Use the final URL as the provider URL (for example https instead of http when "Use SSL connection" is on).`,
      extra,
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    return pacsError('PACS_SERVER_ERROR', `${ctx.host} answered HTTP ${status}.`, extra);
  }
  if (status === 406) {
    return pacsError('PACS_BAD_RESPONSE', `${ctx.host} refused Accept: text/json (HTTP 406); the Web SDK must be Security Center 5.8 or later.`, extra);
  }
  return pacsError(
    'PACS_BAD_RESPONSE',
    `${ctx.host} answered HTTP ${status} to a Web SDK request, which usually means the path or query was not understood.`,
    extra,
  );
}

function safeLocation(loc: string): string {
  try {
    const u = new URL(loc);
    u.username = '';
    u.password = '';
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'another address';
  }
}

/** What the failing request was doing, to choose the provisioning-specific code. */
export type FailContext = 'read' | 'createCredential' | 'assignCredential' | 'groups' | 'write';

export function failError(sdkErrorCode: string, message: string, context: FailContext): PacsError {
  const text = `${sdkErrorCode} ${message}`;
  const detail = `Security Center refused the request (${sdkErrorCode}: ${message}).`;
  const extra = { pacsCode: sdkErrorCode };
  const code = ((): PacsErrorCode => {
    if (/not ?found|does not exist|doesn't exist|unknown entity|no entity/i.test(text)) return 'PACS_NOT_FOUND';
    if (/out of range|outside the range/i.test(text)) return 'BADGE_ID_OUT_OF_RANGE';
    if (/already assigned|assigned to another|CredentialAlreadyAssigned/i.test(text)) return 'BADGE_ALREADY_ASSIGNED';
    if (/duplicate|already exists/i.test(text)) return context === 'createCredential' ? 'BADGE_ALREADY_ASSIGNED' : 'PACS_CONFLICT';
    if (/already a member|AlreadyMember/i.test(text)) return 'PACS_CONFLICT';
    if (/privilege|access denied|not allowed|unauthori[sz]ed|permission/i.test(text)) return 'PACS_FORBIDDEN';
    return 'PACS_VALIDATION';
  })();
  return pacsError(code, detail, extra);
}

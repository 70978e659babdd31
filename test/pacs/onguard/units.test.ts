import { apiBaseUrl } from '../../../src/pacs/onguard/api';
import { mapErrorResponse } from '../../../src/pacs/onguard/errors';
import { eqText, quote } from '../../../src/pacs/onguard/filters';
import { JsonInt, parseJson, toJson } from '../../../src/pacs/onguard/json';
import { boolOf, idOf, prop } from '../../../src/pacs/onguard/properties';
import { compileFilter, parseFilter } from '../../../src/simulators/onguard/filter';

/** The client's pure pieces, where a wrong branch would not show in a happy simulator run. */
describe('provider URL', () => {
  it.each([
    ['https://acs.example:8080', 'https://acs.example:8080/api/access/onguard/openaccess'],
    ['https://acs.example:8080/', 'https://acs.example:8080/api/access/onguard/openaccess'],
    ['https://acs.example:8080/api/access/onguard/openaccess/', 'https://acs.example:8080/api/access/onguard/openaccess'],
    [' https://acs.example:8080/API/Access/OnGuard/OpenAccess ', 'https://acs.example:8080/API/Access/OnGuard/OpenAccess'],
  ])('%s → %s', (input, expected) => expect(apiBaseUrl(input)).toBe(expected));
});

describe('JSON with int64 badge IDs', () => {
  it('reads integers beyond 2^53 as exact strings and leaves strings and small numbers alone', () => {
    expect(parseJson('{"ID":9007199254740993123,"s":"9007199254740993123","n":13239,"f":1.12345678901234567}')).toEqual({
      ID: '9007199254740993123',
      s: '9007199254740993123',
      n: 13239,
      f: 1.1234567890123457,
    });
  });

  it('writes JsonInt as bare digits', () => {
    expect(toJson({ ID: new JsonInt('9007199254740993123'), PERSONID: 4 })).toBe('{"ID":9007199254740993123,"PERSONID":4}');
    expect(() => new JsonInt('12a')).toThrow(TypeError);
  });
});

describe('case-insensitive property reads', () => {
  it('finds keys in any casing and normalises numeric IDs', () => {
    const m = { BadgeKey: 13239, name: 'Lobby', ID: ' 0042 ', flag: 'TRUE', big: '9007199254740993123' };
    expect(prop(m, 'BADGEKEY')).toBe(13239);
    expect(idOf(m, 'badgekey')).toBe('13239');
    expect(idOf(m, 'id')).toBe('42');
    expect(idOf(m, 'big')).toBe('9007199254740993123');
    expect(idOf(m, 'name')).toBeNull();
    expect(boolOf(m, 'FLAG')).toBe(true);
    expect(boolOf(m, 'missing')).toBeNull();
  });
});

describe('filter quoting', () => {
  it('picks a quote the value does not contain, so the simulator reads back exactly the value', () => {
    for (const value of ['plain@example.com', "o'brien@example.com", 'say "hi"', `both ' and "`, 'back\\slash "q" \'']) {
      const node = parseFilter(eqText('EMAIL', value));
      const match = compileFilter(node, { resolve: () => ({ name: 'EMAIL', kind: 'string' }), parseDate: () => null });
      expect(match({ EMAIL: value })).toBe(true);
    }
    expect(quote('a"b')).toBe("'a\"b'");
  });
});

describe('error mapping by status and code', () => {
  const map = (status: number, text: string, extra: Partial<Parameters<typeof mapErrorResponse>[0]> = {}) =>
    mapErrorResponse({ operation: 'GET /instances', httpStatus: status, text, headers: {}, redact: (s) => s, ...extra });
  const env = (code: string, message = 'm') => JSON.stringify({ error: { code, message }, version: '1.0' });

  it.each([
    [500, 'oops', 'PACS_SERVER_ERROR', true],
    [503, env('x.y'), 'PACS_SERVER_ERROR', true],
    [429, '', 'PACS_SERVER_ERROR', true],
    [408, '', 'PACS_TIMEOUT', true],
    [401, env('openaccess.general.invalidapplicationid'), 'PACS_LICENSE', false],
    [401, env('openaccess.general.whatever'), 'PACS_AUTH', false],
    [403, '', 'PACS_FORBIDDEN', false],
    [404, env('openaccess.general.itemnotfound'), 'PACS_NOT_FOUND', false],
    [404, '<html>', 'PACS_BAD_RESPONSE', false],
    [400, '<html>', 'PACS_BAD_RESPONSE', false],
    [400, env('openaccess.general.invalidrequestitem'), 'PACS_VALIDATION', false],
    [400, env('openaccess.general.duplicatebadgeid'), 'BADGE_ALREADY_ASSIGNED', false],
    [400, env('openaccess.general.badgeidoutofrange'), 'BADGE_ID_OUT_OF_RANGE', false],
    [400, env('openaccess.general.activebadgelimit'), 'VISITOR_HAS_ACTIVE_BADGE', false],
    [400, env('openaccess.general.badgetypenotmanual'), 'BADGE_TYPE_NOT_MANUAL', false],
    [400, env('openaccess.general.duplicateitem'), 'PACS_CONFLICT', false],
    [409, env('something.else'), 'PACS_VALIDATION', false],
  ])('HTTP %i %s → %s', (status, text, code, retryable) => {
    const e = map(status, text);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.extra.httpStatus).toBe(status);
  });

  it('names the failing property: TYPE on a badge is BADGE_TYPE_MISSING, AccessLevelID on an assignment ACCESS_RULE_MISSING', () => {
    const msg = (p: string) => env('openaccess.general.invalidrequestitem', `The property ${p} did not exist or contained an invalid value.`);
    expect(map(400, msg('TYPE'), { typeName: 'Lnl_Badge' }).code).toBe('BADGE_TYPE_MISSING');
    expect(map(400, msg('AccessLevelID'), { typeName: 'Lnl_AccessLevelAssignment' }).code).toBe('ACCESS_RULE_MISSING');
    expect(map(400, msg('PERSONID'), { typeName: 'Lnl_Badge' }).code).toBe('PACS_VALIDATION');
  });

  it('falls back to an `error` header when the body carries no envelope (the spec’s wording, S3)', () => {
    const e = map(400, '', { headers: { error: JSON.stringify({ code: 'openaccess.general.invalidrequestitem', message: 'From the header.' }) } });
    expect(e.code).toBe('PACS_VALIDATION');
    expect(e.message).toContain('From the header.');
    expect(e.extra.pacsCode).toBe('openaccess.general.invalidrequestitem');
  });

  it('a 401 at login is about the credentials; afterwards about the session', () => {
    expect(map(401, env('openaccess.general.invalidcredentials'), { login: true }).message).toContain('OnGuard refused the login.');
    expect(map(401, env('openaccess.general.invalidsession')).message).toContain('even after logging in again');
  });

  it('scrubs secrets from what the server said', () => {
    const e = map(400, env('openaccess.general.invalidrequestitem', 'password hunter2 rejected'), { redact: (s) => s.split('hunter2').join('***') });
    expect(e.message).toContain('password *** rejected');
    expect(e.message).not.toContain('hunter2');
  });
});

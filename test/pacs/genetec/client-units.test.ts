import { dotted, guidList, parseEnvelope, resultList, stateOf } from '../../../src/pacs/genetec/envelope';
import { failError, httpStatusError } from '../../../src/pacs/genetec/errors';
import { checkCard, formatExpression, formatOfBadgeType, parseCardNumber } from '../../../src/pacs/genetec/formats';
import { dashless, encodeQ, escapeValue, isoUtc } from '../../../src/pacs/genetec/query';
import { webSdkBaseUrl } from '../../../src/pacs/genetec/transport';
import { literal, splitTopLevel } from '../../../src/simulators/genetec/query-parser';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'no error';
};

describe('Genetec client building blocks', () => {
  it('normalises the provider URL: bare origin gets /WebSdk, a given Base URI is kept as typed, credentials are dropped', () => {
    expect(webSdkBaseUrl('https://gsc.example:4590')).toBe('https://gsc.example:4590/WebSdk/');
    expect(webSdkBaseUrl('https://gsc.example:4590/')).toBe('https://gsc.example:4590/WebSdk/');
    expect(webSdkBaseUrl(' http://10.0.0.5:4590/WebSDK/ ')).toBe('http://10.0.0.5:4590/WebSDK/');
    expect(webSdkBaseUrl('https://u:p@gsc.example/Sdk?x=1#y')).toBe('https://gsc.example/Sdk/');
    expect(codeOf(() => webSdkBaseUrl('gsc.example:4590'))).toBe('PACS_VALIDATION');
    expect(codeOf(() => webSdkBaseUrl('ftp://gsc.example'))).toBe('PACS_VALIDATION');
  });

  it('escapes values so the server reads them back unchanged (round trip through the simulator parser)', () => {
    for (const v of ['Smith, John', 'Jean-Luc (JL)', 'a\\b', '{braced}', 'x=y@z.com', 'plain']) {
      const token = `Name=${escapeValue(v)}`;
      expect(splitTopLevel(`${token},Guid`, ',')).toEqual([token, 'Guid']);
      expect(literal(token.slice(5))).toBe(v);
    }
    expect(escapeValue('Suite #4')).toBe('Suite 4');
    expect(escapeValue('line\nbreak')).toBe('line break');
  });

  it('formats GUIDs dashless, dates as UTC seconds and percent-encodes the whole q', () => {
    expect(dashless('{5EED0000-0000-4000-8000-000000000401}')).toBe('5eed0000000040008000000000000401');
    expect(isoUtc(new Date('2025-03-01T10:20:30.456+02:00'))).toBe('2025-03-01T08:20:30Z');
    expect(encodeQ('entity=a,Name=b c@d')).toBe('entity%3Da%2CName%3Db%20c%40d');
  });

  it('parses envelopes, stripping a BOM and telling XML, legacy JSON and other statuses apart', () => {
    expect(parseEnvelope('\uFEFF{"Rsp":{"Status":"Ok"}}', 'h')).toEqual({ status: 'Ok', result: undefined });
    expect(parseEnvelope('{"Rsp":{"Status":"Fail","Result":{"SdkErrorCode":"InvalidOperation","Message":"m"}}}', 'h')).toEqual({
      status: 'Fail',
      sdkErrorCode: 'InvalidOperation',
      message: 'm',
    });
    expect(parseEnvelope('{"Rsp":{"Status":"TooManyResults"}}', 'h')).toMatchObject({ status: 'Other', value: 'TooManyResults' });
    const xml = codeOf(() => parseEnvelope('<rsp status="ok"/>', 'h'));
    expect(xml).toBe('PACS_BAD_RESPONSE');
    let legacy = '';
    try {
      parseEnvelope('{"rsp":{"status":"ok"}}', 'h');
    } catch (e) {
      legacy = (e as Error).message;
    }
    expect(legacy).toMatch(/legacy/);
  });

  it('reads collections in every encoding, single or array results, nested or flat dotted reads', () => {
    const g = '5eed0000-0000-4000-8000-000000000401';
    expect(guidList([g])).toEqual([g]);
    expect(guidList([{ Guid: g.replace(/-/g, '').toUpperCase() }])).toEqual([g]);
    expect(guidList({ item: [{ Guid: g }] })).toEqual([g]);
    expect(guidList({ item: { Guid: g } })).toEqual([g]);
    expect(guidList(null)).toEqual([]);
    expect(resultList({ a: 1 })).toEqual([{ a: 1 }]);
    expect(resultList(undefined)).toEqual([]);
    expect(dotted({ Cardholder: { Guid: g } }, 'Cardholder.Guid')).toBe(g);
    expect(dotted({ 'Cardholder.Guid': g }, 'Cardholder.Guid')).toBe(g);
    expect(stateOf({ State: 'Active' })).toBe('Active');
    expect(stateOf('Inactive')).toBe('Inactive');
  });

  it.each([
    [401, 'PACS_AUTH'],
    [403, 'PACS_LICENSE'],
    [404, 'PACS_BAD_RESPONSE'],
    [302, 'PACS_BAD_RESPONSE'],
    [400, 'PACS_BAD_RESPONSE'],
    [406, 'PACS_BAD_RESPONSE'],
    [429, 'PACS_SERVER_ERROR'],
    [500, 'PACS_SERVER_ERROR'],
    [502, 'PACS_SERVER_ERROR'],
  ])('maps HTTP %i to %s', (status, code) => {
    const e = httpStatusError(status, { host: 'gsc:4590', basePath: '/WebSdk/', hasApplicationId: true }, 'https://user:pw@gsc/x');
    expect(e.code).toBe(code);
    expect(e.message).not.toContain('pw');
  });

  it.each([
    ['SimPlaceholderEntityNotFound', 'The entity x does not exist', 'read', 'PACS_NOT_FOUND'],
    ['UnknownEntity', 'Entity not found', 'write', 'PACS_NOT_FOUND'],
    ['SimPlaceholderDuplicateCredential', 'already exists', 'createCredential', 'BADGE_ALREADY_ASSIGNED'],
    ['SimPlaceholderDuplicateCredential', 'already exists', 'write', 'PACS_CONFLICT'],
    ['SimPlaceholderCredentialAlreadyAssigned', 'assigned to another cardholder', 'assignCredential', 'BADGE_ALREADY_ASSIGNED'],
    ['SimPlaceholderValueOutOfRange', 'The card number 70000 is out of range', 'createCredential', 'BADGE_ID_OUT_OF_RANGE'],
    ['SimPlaceholderAlreadyMember', 'already a member', 'groups', 'PACS_CONFLICT'],
    ['InvalidOperation', 'The property ActivationDate has no setter', 'write', 'PACS_VALIDATION'],
    ['InsufficientPrivileges', 'The user lacks the privilege', 'write', 'PACS_FORBIDDEN'],
  ] as const)('maps Fail %s (%s) in %s to %s', (sdk, msg, ctx, code) => {
    const e = failError(sdk, msg, ctx);
    expect(e.code).toBe(code);
    expect(e.message).toContain(msg);
    expect(e.extra.pacsCode).toBe(sdk);
  });

  it('builds format tokens and checks ranges from the documented table', () => {
    const std = formatOfBadgeType({ externalId: '00000000000000000000000000000200' });
    expect(formatExpression(std, 1500n, 7)).toBe('WiegandStandardCredentialFormat(7,1500)');
    const h10302 = formatOfBadgeType({ externalId: '00000000-0000-0000-0000-000000000400' });
    expect(formatExpression(h10302, 34359738367n, 7)).toBe('WiegandH10302CredentialFormat(34359738367)');
    expect(codeOf(() => checkCard(h10302, 34359738368n, 0))).toBe('BADGE_ID_OUT_OF_RANGE');
    expect(codeOf(() => checkCard(std, 65535n, 255))).toBe('no error');
    expect(codeOf(() => checkCard(std, 1n, 256))).toBe('PACS_VALIDATION');
    expect(codeOf(() => parseCardNumber('-1'))).toBe('PACS_VALIDATION');
    expect(parseCardNumber(' 0042 ')).toBe(42n);
  });

  it('needs the field names of a custom format, and refuses badge types that name no format', () => {
    const custom = formatOfBadgeType({
      externalId: '5eedf0a7-0000-4000-8000-000000000040',
      details: { name: 'Site 40', fields: { facility: 'Facility code', card: 'Card number' }, cardRange: { min: '0', max: '10' } },
    });
    expect(formatExpression(custom, 5n, 1)).toBe('CustomCredentialFormat(5eedf0a7000040008000000000000040,{{Facility code,1},{Card number,5}})');
    expect(codeOf(() => checkCard(custom, 11n, 1))).toBe('BADGE_ID_OUT_OF_RANGE');
    const unknown = formatOfBadgeType({ externalId: '5eedf0a7-0000-4000-8000-000000000041' });
    expect(codeOf(() => formatExpression(unknown, 1n, 0))).toBe('BADGE_TYPE_MISSING');
    expect(codeOf(() => formatOfBadgeType({ externalId: 'visitor-badge' }))).toBe('BADGE_TYPE_MISSING');
  });
});

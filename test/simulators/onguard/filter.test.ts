import { compileFilter, FilterError, parseFilter, type FilterContext, type RowValue, type ValueKind } from '../../../src/simulators/onguard/filter';
import { parseDate } from '../../../src/simulators/onguard/clock';
import { SimHarness } from './helpers';

const KINDS: Record<string, ValueKind> = {
  ID: 'int64',
  PERSONID: 'int',
  STATUS: 'int',
  EMAIL: 'string',
  LASTNAME: 'string',
  ACTIVATE: 'datetime',
  ALLOWEDVISITORS: 'bool',
};
const ctx: FilterContext = {
  resolve: (name) => {
    const key = Object.keys(KINDS).find((k) => k.toLowerCase() === name.toLowerCase());
    return key ? { name: key, kind: KINDS[key] } : null;
  },
  parseDate: (t) => parseDate(t, 0),
};

const rows: Array<Record<string, RowValue>> = [
  { ID: 1, PERSONID: 10, STATUS: 1, EMAIL: 'ada@example.com', LASTNAME: 'Lovelace', ACTIVATE: '2024-05-01T08:00:00+00:00', ALLOWEDVISITORS: true },
  { ID: 2, PERSONID: 10, STATUS: 2, EMAIL: null, LASTNAME: "O'Brien", ACTIVATE: null, ALLOWEDVISITORS: false },
  { ID: 1944, PERSONID: 11, STATUS: 1, EMAIL: 'Grace@Example.com', LASTNAME: 'Hopper "Amazing"', ACTIVATE: '2024-06-01T08:00:00+02:00', ALLOWEDVISITORS: true },
  { ID: 123456789012345678n, PERSONID: 12, STATUS: 4, EMAIL: 'x_y@example.org', LASTNAME: 'Big', ACTIVATE: null, ALLOWEDVISITORS: null },
];

const ids = (filter: string) => rows.filter(compileFilter(parseFilter(filter), ctx)).map((r) => String(r.ID));

describe('filter language: parsing', () => {
  it('parses comparisons, AND binding tighter than OR, and parentheses', () => {
    expect(parseFilter('A = 1 OR B = 2 AND C = 3')).toEqual({
      kind: 'or',
      left: { kind: 'compare', property: 'A', op: '=', value: 1, position: 0 },
      right: {
        kind: 'and',
        left: { kind: 'compare', property: 'B', op: '=', value: 2, position: 9 },
        right: { kind: 'compare', property: 'C', op: '=', value: 3, position: 19 },
      },
    });
    const grouped = parseFilter('(A = 1 OR B = 2) AND C = 3');
    expect(grouped?.kind).toBe('and');
  });

  it('reads double- and single-quoted strings, with doubled or backslash-escaped quotes', () => {
    expect(parseFilter('EMAIL = "foo@bar.com"')).toMatchObject({ value: 'foo@bar.com' });
    expect(parseFilter("LASTNAME = 'O''Brien'")).toMatchObject({ value: "O'Brien" });
    expect(parseFilter('LASTNAME = "say \\"hi\\""')).toMatchObject({ value: 'say "hi"' });
    expect(parseFilter('LASTNAME = "a""b"')).toMatchObject({ value: 'a"b' });
  });

  it('reads bare numbers (negative, decimal, beyond 2^53), null and booleans; keywords in any case', () => {
    expect(parseFilter('ID=13239')).toMatchObject({ value: 13239 });
    expect(parseFilter('ID = -5')).toMatchObject({ value: -5 });
    expect(parseFilter('ID = 1.5')).toMatchObject({ value: 1.5 });
    expect(parseFilter('ID = 123456789012345678901')).toMatchObject({ value: 123456789012345678901n });
    expect(parseFilter('EMAIL = null')).toMatchObject({ value: null, op: '=' });
    expect(parseFilter('EMAIL is NOT null')).toMatchObject({ value: null, op: '!=' });
    expect(parseFilter('X = TRUE')).toMatchObject({ value: true });
    expect(parseFilter('a=1 and b=2 Or c=3')?.kind).toBe('or');
    expect(parseFilter('Name LIKE "La%"')).toMatchObject({ op: 'like' });
    expect(parseFilter('Name not like "La%"')).toMatchObject({ op: 'not like' });
    expect(parseFilter('A <> 1')).toMatchObject({ op: '!=' });
  });

  it('treats an empty or blank filter as no filter', () => {
    expect(parseFilter('')).toBeNull();
    expect(parseFilter('   ')).toBeNull();
  });

  it.each([
    ['EMAIL = "open', /Unterminated string/],
    ['ID =', /Expected a value/],
    ['ID 5', /Expected an operator/],
    ['= 5', /Expected a property name/],
    ['ID = 5 5', /Unexpected text after the filter/],
    ['(ID = 5', /Expected '\)'/],
    ['ID = 5)', /Unexpected text/],
    ['ID = 5 AND', /Expected a property name/],
    ['ID ~ 5', /Unexpected character '~'/],
    ['ID like 5', /LIKE needs a quoted pattern/],
    ['EMAIL is 5', /Expected NULL after IS/],
    ['ID = 5abc', /Unexpected character after number/],
    ['and = 1', /Expected a property name/],
  ])('rejects %s with a positioned FilterError', (src, message) => {
    expect(() => parseFilter(src)).toThrow(FilterError);
    expect(() => parseFilter(src)).toThrow(message);
  });
});

describe('filter language: evaluation', () => {
  it('= and != on numbers, including numbers quoted as strings (S9 sends ID="1944")', () => {
    expect(ids('ID = 1944')).toEqual(['1944']);
    expect(ids('ID = "1944"')).toEqual(['1944']);
    expect(ids('STATUS != 1')).toEqual(['2', '123456789012345678']);
    expect(ids('ID = 123456789012345678')).toEqual(['123456789012345678']);
  });

  it('matches property names case-insensitively (S2 filters BADGEKEY, S3 email)', () => {
    expect(ids('personid = 10 and Status = 1')).toEqual(['1']);
  });

  it('compares text case-insensitively, like SQL Server default collation', () => {
    expect(ids('email = "grace@example.com"')).toEqual(['1944']);
    expect(ids('EMAIL = "ADA@EXAMPLE.COM"')).toEqual(['1']);
  });

  it('supports like with % and _, case-insensitive and anchored', () => {
    expect(ids('LASTNAME like "lo%"')).toEqual(['1']);
    expect(ids('EMAIL like "%@example.com"')).toEqual(['1', '1944']);
    expect(ids('EMAIL like "x_y@%"')).toEqual(['123456789012345678']);
    expect(ids('EMAIL like "example"')).toEqual([]);
    expect(ids('EMAIL not like "%.com"')).toEqual(['123456789012345678']);
  });

  it('AND, OR, NOT and parentheses combine as in SQL', () => {
    expect(ids('PERSONID = 10 AND STATUS = 1 OR PERSONID = 12')).toEqual(['1', '123456789012345678']);
    expect(ids('PERSONID = 10 AND (STATUS = 1 OR STATUS = 2)')).toEqual(['1', '2']);
    expect(ids('NOT STATUS = 1')).toEqual(['2', '123456789012345678']);
  });

  it('< and > order numbers and dates; dates compare as instants whatever their offset', () => {
    expect(ids('ID > 2 AND ID < 2000')).toEqual(['1944']);
    expect(ids('ID >= 2')).toEqual(['2', '1944', '123456789012345678']);
    expect(ids('ACTIVATE > "2024-05-01T09:00:00"')).toEqual(['1944']);
    expect(ids('ACTIVATE < "2024-06-01T07:00:00Z"')).toEqual(['1', '1944']);
  });

  it('null: = null and IS NULL find unset values; any other comparison with an unset value is false', () => {
    expect(ids('EMAIL = null')).toEqual(['2']);
    expect(ids('EMAIL IS NULL')).toEqual(['2']);
    expect(ids('EMAIL != null')).toEqual(['1', '1944', '123456789012345678']);
    expect(ids('EMAIL != "ada@example.com"')).toEqual(['1944', '123456789012345678']);
  });

  it('booleans compare with true/false or 1/0', () => {
    expect(ids('ALLOWEDVISITORS = true')).toEqual(['1', '1944']);
    expect(ids('ALLOWEDVISITORS = 0')).toEqual(['2']);
  });

  it('rejects unknown properties and values of the wrong kind at compile time', () => {
    expect(() => compileFilter(parseFilter('NOPE = 1'), ctx)).toThrow(/Unknown property NOPE/);
    expect(() => compileFilter(parseFilter('ID = "abc"'), ctx)).toThrow(/not a valid int64 value/);
    expect(() => compileFilter(parseFilter('ACTIVATE > "yesterday"'), ctx)).toThrow(/not a valid datetime/);
    expect(() => compileFilter(parseFilter('ID > null'), ctx)).toThrow(/Only = and != compare with null/);
  });
});

describe('filter language over HTTP', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await SimHarness.start();
    await h.login();
  });
  afterAll(() => h.close());

  it('filters in the query string, URL-encoded (S8)', async () => {
    const r = await h.list('Lnl_Badge', 'ID = 1500 OR (personid = 2 AND STATUS = 1)');
    expect(r.status).toBe(200);
    expect(r.json.item_list.map((i: any) => i.property_value_map.ID).sort((a: number, b: number) => a - b)).toEqual([1500, 100001]);
  });

  it('filters in a JSON body on GET (S9 get_panels_filtered)', async () => {
    const r = await h.send('GET', '/instances', { type_name: 'Lnl_Visitor', filter: "email = 'VICTOR.VISITOR@example.com'" });
    expect(r.status).toBe(200);
    expect(r.json.item_list).toHaveLength(1);
    expect(r.json.item_list[0].property_value_map.LASTNAME).toBe('Visitor');
  });

  it('answers a parse error with the 400 envelope and keeps serving', async () => {
    for (const bad of ['ID = ', 'ID = "unterminated', 'ID == = 3', 'NOSUCH = 1', 'ID = "abc"', '((((']) {
      const r = await h.list('Lnl_Badge', bad);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: { code: 'openaccess.general.invalidfilter', message: expect.stringMatching(/^Invalid filter: /) }, version: '1.0' });
    }
    expect((await h.list('Lnl_Badge', 'ID = 1500')).status).toBe(200);
  });

  it('filters /count the same way', async () => {
    const r = await h.get('/count', { type_name: 'Lnl_AccessLevel', filter: 'Name like "Access level 1%"' });
    expect(r.status).toBe(200);
    // IDs 100..130 are named "Access level 100".."Access level 130"; 11..99 are "Access level 011".. .
    expect(r.json).toEqual({ total_items: 31, version: '1.0' });
  });
});

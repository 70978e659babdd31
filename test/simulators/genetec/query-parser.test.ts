import { literal, parseCall, parseEntityQuery, parseEntityRef, parseToken, splitTopLevel, tokenize } from '../../../src/simulators/genetec/query-parser';
import { SdkFailure } from '../../../src/simulators/genetec/sdk-failure';
import { startHarness, type SimHarness } from './sim-helpers';

const failsWith = (fn: () => unknown, re: RegExp) => {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SdkFailure);
  expect((err as SdkFailure).sdkErrorCode).toBe('InvalidOperation');
  expect((err as SdkFailure).message).toMatch(re);
};

describe('q= language: splitting', () => {
  it('splits at top-level commas only, not inside () or {}', () => {
    expect(splitTopLevel('entity=x,Status.Activate(a,b),Format=F(1,{2,3}),Guid', ',')).toEqual([
      'entity=x',
      'Status.Activate(a,b)',
      'Format=F(1,{2,3})',
      'Guid',
    ]);
  });

  it('keeps escaped commas inside a token and unescapes them in the value', () => {
    const parts = splitTopLevel('Name=Hi\\, this is a message,Guid', ',');
    expect(parts).toEqual(['Name=Hi\\, this is a message', 'Guid']);
    const t = parseToken(parts[0]);
    expect(t).toMatchObject({ kind: 'set', prop: 'Name' });
    expect(literal((t as { value: string }).value)).toBe('Hi, this is a message');
  });

  it('treats escaped brackets as data, so unbalanced escaped brackets are fine', () => {
    expect(splitTopLevel('Name=a\\(b,c', ',')).toEqual(['Name=a\\(b', 'c']);
    expect(literal('a\\(b\\)\\\\c')).toBe('a(b)\\c');
  });

  it('handles nesting several levels deep', () => {
    expect(splitTopLevel('A=f(g(h(1,2),{3,(4,5)}),6),B', ',')).toEqual(['A=f(g(h(1,2),{3,(4,5)}),6)', 'B']);
  });

  it('strips an outer {…} value delimiter from literals', () => {
    expect(literal('{Lobby, east}')).toBe('Lobby, east');
    expect(literal('{a}{b}')).toBe('{a}{b}');
  });

  it.each([
    ['entity=x,Name=(unclosed', /Missing '\)'/],
    ['entity=x,Name=closed)', /Unbalanced '\)'/],
    ['entity=x,F(1,{2)}', /Unbalanced/],
    ['entity=x,Name=oops\\', /dangling escape/],
    ['entity=x,Name=a#b', /'#' is not allowed/],
  ])('rejects %s', (q, re) => failsWith(() => tokenize(q), re));
});

describe('q= language: tokens', () => {
  it('classifies every token form', () => {
    expect(parseToken('Name')).toEqual({ kind: 'read', path: ['Name'], raw: 'Name' });
    expect(parseToken('Cardholder.Guid')).toMatchObject({ kind: 'read', path: ['Cardholder', 'Guid'] });
    expect(parseToken('Name=Jean-Luc Picard')).toMatchObject({ kind: 'set', prop: 'Name', value: 'Jean-Luc Picard' });
    expect(parseToken('Credentials@abc@def')).toMatchObject({ kind: 'add', prop: 'Credentials', items: ['abc', 'def'], clear: false });
    expect(parseToken('Members@(abc)')).toMatchObject({ kind: 'add', prop: 'Members', items: ['abc'] });
    expect(parseToken('Groups*@g1')).toMatchObject({ kind: 'add', prop: 'Groups', items: ['g1'], clear: true });
    expect(parseToken('Groups*')).toMatchObject({ kind: 'clear', prop: 'Groups' });
    expect(parseToken('Credentials-abc')).toMatchObject({ kind: 'remove', prop: 'Credentials', items: ['abc'] });
    expect(parseToken('Status.Deactivate()')).toMatchObject({ kind: 'call', target: ['Status', 'Deactivate'], args: [] });
    expect(parseToken('Status.Activate(2025-01-01T00:00:00, 2025-01-02T00:00:00)')).toMatchObject({
      kind: 'call',
      args: ['2025-01-01T00:00:00', '2025-01-02T00:00:00'],
    });
    expect(parseToken('  Guid  ')).toMatchObject({ kind: 'read', path: ['Guid'] });
  });

  it('parses entity references: dashed, 32-hex, braced GUIDs, LogicalId and NewEntity (case-insensitive, spaces trimmed)', () => {
    const g = '5eed0000-0000-4000-8000-000000000401';
    expect(parseEntityRef(g)).toEqual({ kind: 'guid', guid: g });
    expect(parseEntityRef(g.replace(/-/g, '').toUpperCase())).toEqual({ kind: 'guid', guid: g });
    expect(parseEntityRef(`{${g}}`)).toEqual({ kind: 'guid', guid: g });
    expect(parseEntityRef('LogicalId(door, 1)')).toEqual({ kind: 'logicalId', type: 'Door', id: 1 });
    expect(parseEntityRef('newentity(cardholdergroup)')).toEqual({ kind: 'new', type: 'CardholderGroup', subType: undefined });
    expect(parseEntityRef('NewEntity(AccessRule,Permanent)')).toEqual({ kind: 'new', type: 'AccessRule', subType: 'Permanent' });
  });

  it('groups tokens into clauses', () => {
    const clauses = parseEntityQuery('entity=00000000000000000000000000000008,Name,entity=NewEntity(Visitor),Name=A,Guid');
    expect(clauses).toHaveLength(2);
    expect(clauses[0].tokens.map((t) => t.raw)).toEqual(['Name']);
    expect(clauses[1].ref).toEqual({ kind: 'new', type: 'Visitor', subType: undefined });
    expect(clauses[1].tokens.map((t) => t.kind)).toEqual(['set', 'read']);
  });

  it('parses call expressions used as values and refuses near-misses', () => {
    expect(parseCall('SpecificActivationPeriod(a,b)')).toEqual({ name: 'SpecificActivationPeriod', args: ['a', 'b'] });
    expect(parseCall('F(a)(b)')).toBeUndefined();
    expect(parseCall('plain')).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['Name', /must start with entity=/],
    ['entity=x', /Could not parse the entity reference/],
    ['entity=LogicalId(Spaceship,1)', /Unknown entity type/],
    ['entity=LogicalId(Door,-1)', /Invalid logical ID/],
    ['entity=NewEntity(Warp)', /Unknown entity type/],
    ['entity=00000000000000000000000000000008,,Name', /empty token/],
    ['entity=00000000000000000000000000000008,Name,', /empty token/],
    ['entity=00000000000000000000000000000008,9Name', /Could not parse the token/],
    ['entity=00000000000000000000000000000008,Name!', /Could not parse the token/],
    ['entity=00000000000000000000000000000008,Members@', /collection item is missing/],
    ['entity=00000000000000000000000000000008,Groups*x', /Could not parse the token/],
  ])('malformed %p fails with InvalidOperation', (q, re) => failsWith(() => parseEntityQuery(q), re));
});

describe('q= language over HTTP: malformed queries give a Fail envelope, never a crash', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it.each([
    'entity=(((,Name',
    'entity=00000000000000000000000000000008,Name=)',
    'entity=00000000000000000000000000000008,Name=\\',
    'entity=00000000000000000000000000000008,#',
    'Name,Guid',
    ',,,',
    'entity=NewEntity(Visitor),Status.Activate(not-a-date),Guid',
    'entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(x,y),Guid',
    'entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(1),Guid',
    'entity=NewEntity(Credential),Format=<UndecodedWiegand><BitLength>zz</BitLength></UndecodedWiegand>,Guid',
    'entity=NewEntity(Door),Guid',
    'entity=00000000000000000000000000000008,NoSuchProperty',
    'entity=00000000000000000000000000000008,Name.Length.Deeper',
    'entity=00000000000000000000000000000008,Explode()',
    'entity=ffffffffffffffffffffffffffffffff,Name',
  ])('%s', async (q) => {
    for (const method of ['GET', 'POST']) {
      const r = await h.api('/entity', { q, method });
      expect(r.status).toBe(200);
      expect(r.json.Rsp.Status).toBe('Fail');
      expect(typeof r.json.Rsp.Result.SdkErrorCode).toBe('string');
      expect(r.json.Rsp.Result.Message.length).toBeGreaterThan(0);
    }
  });

  it('survives 300 random queries built from the language alphabet without a 5xx', async () => {
    const alphabet = [
      'entity=',
      'NewEntity(',
      'Visitor',
      ')',
      '(',
      '{',
      '}',
      ',',
      '\\',
      '@',
      '-',
      '*',
      '=',
      'Name',
      'Guid',
      '.',
      'x',
      '0',
      ' ',
      '#',
      '%',
      'Status.Activate(',
    ];
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const q = Array.from({ length: 1 + rnd(12) }, () => alphabet[rnd(alphabet.length)]).join('');
      const r = await h.api('/entity', { rawQuery: `?q=${encodeURIComponent(q)}`, method: i % 2 ? 'POST' : 'GET' });
      statuses.add(r.status);
      expect(r.status).toBe(200);
      expect(['Ok', 'Fail']).toContain(r.json?.Rsp?.Status);
    }
    expect([...statuses]).toEqual([200]);
  });

  it('answers a Fail envelope for a missing q and for broken percent-encoding', async () => {
    expect((await h.api('/entity')).json.Rsp.Result.Message).toMatch(/q is required/);
    const r = await h.api('/entity', { rawQuery: '?q=entity%3D%ZZ' });
    expect(r.status).toBe(200);
    expect(r.json.Rsp.Status).toBe('Fail');
  });

  it('reads a value with escaped commas exactly as sent', async () => {
    const created = await h.ok('/entity', 'entity=NewEntity(Cardholder),Name=Smith\\, John (ACME),Guid', 'POST');
    const back = await h.ok('/entity', `entity=${created.Guid},Name`);
    expect(back.Name).toBe('Smith, John (ACME)');
  });
});

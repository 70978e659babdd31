import { Agent, request } from 'undici';
import { SEED } from '../../../src/simulators/genetec/store';
import { simEntity, startHarness, type SimHarness } from './sim-helpers';

/**
 * The Genetec simulator answers the exact requests that public Web SDK clients send to real Security Center
 * servers: their URL encoding, headers (Accept variants, the Basic user `user;appId`), query expressions and
 * value formats, and the answer shapes they parse. Each case names the client and file it was read from; the
 * shapes are restated here as data, nothing is copied. Source keys are those of the evidence file
 * /work/shared/docs/pacs/genetec-websdk.md §0.
 */

/** How each client turns its `q` text into URL bytes. */
const ENCODINGS = {
  /** URLSearchParams (S-CAM): everything but alphanumerics and *-._ escaped, spaces as '+'. */
  searchParams: (q: string) => new URLSearchParams({ q }).toString().slice(2),
  /**
   * The query left as written and escaped by the HTTP library only where a URL cannot carry the character:
   * Perl URI (S-BULAC), httpx (S-HTP), .NET System.Uri (S-STUDIO, S-LQ, S-VRFID's XML format). `=`, `,`, `@`,
   * `(`, `)` stay literal.
   */
  asWritten: (q: string) => q.replace(/[ <>"{}|\\^`]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')),
  /** .NET HttpUtility.UrlEncode on a fragment (S-VRFID): lower-case hex, spaces as '+', ()*!-._ literal. */
  httpUtility: (s: string) =>
    encodeURIComponent(s)
      .replace(/%20/g, '+')
      .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
};

/** Standard 26-bit Wiegand as S-BULAC computes it: even parity over the first 12 bits, odd over the last 12, hex padded to 32 digits. */
function wiegand26Raw(facility: number, card: number): string {
  const data = facility.toString(2).padStart(8, '0') + card.toString(2).padStart(16, '0');
  const ones = (s: string) => [...s].filter((b) => b === '1').length;
  const bits = String(ones(data.slice(0, 12)) % 2) + data + String(1 - (ones(data.slice(12)) % 2));
  return BigInt('0b' + bits)
    .toString(16)
    .toUpperCase()
    .padStart(32, '0');
}

describe('Genetec simulator: request shapes of public Web SDK clients', () => {
  let h: SimHarness;
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(async () => {
    await dispatcher.close();
    await h.close();
  });

  /** One request with exactly these bytes: path and query as given, only the headers listed. */
  async function send(method: string, pathAndQuery: string, headers: Record<string, string>) {
    const res = await request(`${h.sim.providerUrl}${pathAndQuery}`, { method: method as 'GET', headers, dispatcher });
    const text = await res.body.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, text, json };
  }
  const basicOf = (userField: string, password = h.sim.credentials.password) => 'Basic ' + Buffer.from(`${userField}:${password}`).toString('base64');
  const userField = () => `${h.sim.credentials.username};${h.sim.credentials.applicationId}`;
  const json = (extra: Record<string, string> = {}) => ({ authorization: basicOf(userField()), accept: 'text/json', ...extra });
  const okResult = (r: { status: number; json: any; text: string }) => {
    if (r.status !== 200 || r.json?.Rsp?.Status !== 'Ok') throw new Error(`expected an Ok envelope, got HTTP ${r.status} ${r.text}`);
    return r.json.Rsp.Result;
  };
  const simEntitiesNamed = async (name: string) => (await h.ctl('GET', '/state')).entities.filter((e: { Name: string }) => e.Name === name);
  /** The text of each data cell of an old-XML report (header cells carry no text of their own). */
  const rowCells = (xml: string) => [...xml.matchAll(/<Row><Cell name="[^"]+">([^<]*)<\/Cell><\/Row>/g)].map((m) => m[1]);
  /** The value of the first element `name` in an XML text (the tests only read leaf values). */
  const xmlValue = (xml: string, name: string) => new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`).exec(xml)?.[1];

  describe('connection, credentials and Accept variants', () => {
    it('CamStreamer src/node/events/GenetecAgent.ts checkConnection: GET on the base URL without a trailing slash, btoa("user;appId:pass")', async () => {
      const r = await send('GET', '', json());
      expect(r.text).toBe('{"Rsp":{"Status":"Ok"}}');
    });

    it('GenetecSC-MCP src/genetec_mcp/client.py: httpx auth=("user;appId", password) plus Content-Type: application/json on a body-less call', async () => {
      const r = await send('GET', '/', { ...json(), 'content-type': 'application/json' });
      expect(okResult(r)).toBeUndefined();
    });

    it('the Basic user field must carry the application ID (S-STUDIO Request.cs, S-BULAC, S-VRFID config): an unlicensed one is 403, a wrong password 401', async () => {
      expect((await send('GET', '/', json({ authorization: basicOf(`${h.sim.credentials.username};SOME-OTHER-APP`) }))).status).toBe(403);
      expect((await send('GET', '/', json({ authorization: basicOf(userField(), 'wrong') }))).status).toBe(401);
    });

    it('Genetec WebSDKStudio Requests/Request.cs and CreateHttpWebRequest: NetworkCredential challenge, KeepAlive off, Content-Length: 0', async () => {
      // .NET sends the first request without credentials and answers the Basic challenge.
      const headers = { accept: 'text/json', connection: 'close', 'content-length': '0' };
      const q = `/entity?q=${ENCODINGS.asWritten('entity=NewEntity(Cardholder),Name=Challenged,Guid')}`;
      const res = await request(`${h.sim.providerUrl}${q}`, { method: 'POST', headers, dispatcher });
      await res.body.text();
      expect(res.statusCode).toBe(401);
      expect(String(res.headers['www-authenticate'])).toMatch(/^Basic/);
      expect((await simEntitiesNamed('Challenged')).length).toBe(0);
      expect(okResult(await send('POST', q, { ...headers, authorization: basicOf(userField()) })).Guid).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('Genetec WebSDKStudio WebSdkStudioWindow.xaml: Accept text/xml answers the new XML envelope', async () => {
      const r = await send('GET', '/', json({ accept: 'text/xml' }));
      expect(r.text).toBe('<WebSdk><Rsp><Status>Ok</Status></Rsp></WebSdk>');
      const read = await send('GET', `/entity?q=${ENCODINGS.asWritten(`entity=${SEED.groups.visitors},Name`)}`, json({ accept: 'text/xml' }));
      expect(read.text).toBe('<WebSdk><Rsp><Status>Ok</Status><Result><Name>Visitors</Name></Result></Rsp></WebSdk>');
    });

    it('Genetec WebSDKStudio WebSdkStudioWindow.xaml: Accept application/xml answers the old XML <rsp status="ok">', async () => {
      const r = await send('GET', '/', json({ accept: 'application/xml' }));
      expect(r.text).toBe('<rsp status="ok"></rsp>');
    });

    it('Security Center developer guide digest (S-GUIDE §8): webRequest.Accept = "text/JSON" in capitals selects the new JSON', async () => {
      expect((await send('GET', '/', json({ accept: 'text/JSON' }))).text).toBe('{"Rsp":{"Status":"Ok"}}');
    });

    it('lucasquintanilla/Genetec.WebSdk WebSdk.cs GetPingAsync: Accept application/jsonrequest answers {"rsp":{"status":"ok"}}', async () => {
      const r = await send('GET', '/', json({ accept: 'application/jsonrequest' }));
      expect(r.json).toEqual({ rsp: { status: 'ok' } });
    });
  });

  describe('reports', () => {
    it('CamStreamer GenetecAgent.ts getAllCameraGuids: URLSearchParams q=EntityTypes@<type> answers [{"Guid"}] (here with CardholderGroup)', async () => {
      const rows = okResult(await send('GET', `/report/EntityConfiguration?q=${ENCODINGS.searchParams('EntityTypes@CardholderGroup')}`, json()));
      expect(rows).toEqual(expect.arrayContaining([{ Guid: SEED.groups.visitors }]));
    });

    it('GenetecSC-MCP client.py search_entities: EntityTypes@T,Name=x,NameSearchMode=Contains,Page=n,PageSize=m written unencoded', async () => {
      const q = 'EntityTypes@Cardholder,Name=Example,NameSearchMode=Contains,Page=1,PageSize=20';
      expect(okResult(await send('GET', `/report/EntityConfiguration?q=${ENCODINGS.asWritten(q)}`, json()))).toEqual([{ Guid: SEED.cardholders.existing }]);
    });

    it('lucasquintanilla/Genetec.WebSdk Queries/EntityConfigurationQuery.cs: PageSize without Page, a bare DownloadAllRelatedData, no Accept; QueryResponse.cs reads Row/Cell[@name]', async () => {
      // HttpClient with NetworkCredential and no Accept header: the old XML comes back.
      const q = 'EntityTypes@Cardholder,Name=Alex,PageSize=5,LogicalId=1,NameSearchMode=Contains,DownloadAllRelatedData';
      const r = await send('GET', `/report/EntityConfiguration?q=${ENCODINGS.asWritten(q)}`, { authorization: basicOf(userField()) });
      expect(r.text).toMatch(/^<rsp status="ok"><QueryResult><HeaderRow><Cell><HeaderColumnName>Guid<\/HeaderColumnName><\/Cell><\/HeaderRow>/);
      expect(rowCells(r.text)).toEqual([SEED.cardholders.existing]);
    });

    it('VRFID CardHolderController.cs: EntityTypes%40CardholderGroup with the @ percent-encoded by hand', async () => {
      expect(okResult(await send('GET', '/report/EntityConfiguration?q=EntityTypes%40CardholderGroup', json()))).toContainEqual({
        Guid: SEED.groups.allCardholders,
      });
    });

    it('VRFID CredentialController.cs: UniqueIds@LicensePlateCredentialFormat(<plate>) through HttpUtility.UrlEncode finds the plate', async () => {
      const created = okResult(
        await send(
          'POST',
          `/entity?q=${ENCODINGS.asWritten('entity=NewEntity(Credential),Name=Plate,Format=LicensePlateCredentialFormat(ABC123),Guid')}`,
          json(),
        ),
      );
      const rows = okResult(
        await send('GET', `/report/CredentialConfiguration?q=${ENCODINGS.httpUtility('UniqueIds@LicensePlateCredentialFormat(ABC123)')}`, json()),
      );
      expect(rows).toEqual([{ Guid: created.Guid }]);
    });
  });

  describe('entity reads', () => {
    it('CamStreamer GenetecAgent.ts getCameraDetails: ten entity=<g>,<props> clauses in one URLSearchParams q answer an array, one clause an object', async () => {
      const guids = [SEED.groups.allCardholders, SEED.groups.visitors, SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors, SEED.groups.dataCentreEscort];
      const ten = [...guids, ...guids].map((g) => `entity=${g},Guid,Name`).join(',');
      const many = okResult(await send('GET', `/entity?q=${ENCODINGS.searchParams(ten)}`, json()));
      expect(many).toHaveLength(10);
      expect(many[1]).toEqual({ Guid: SEED.groups.visitors, Name: 'Visitors' });
      expect(okResult(await send('GET', `/entity?q=${ENCODINGS.searchParams(`entity=${guids[0]},Guid,Name`)}`, json()))).toEqual({
        Guid: guids[0],
        Name: 'All cardholders',
      });
    });

    it('GenetecSC-MCP client.py get_entity: Guid,Name,EntityType,LogicalId,Description,IsOnline,RunningState (base Entity properties)', async () => {
      const q = `entity=${SEED.cardholders.existing},Guid,Name,EntityType,LogicalId,Description,IsOnline,RunningState`;
      expect(okResult(await send('GET', `/entity?q=${ENCODINGS.asWritten(q)}`, json()))).toEqual({
        Guid: SEED.cardholders.existing,
        Name: 'Alex Example',
        EntityType: 'Cardholder',
        LogicalId: 1,
        Description: expect.any(String),
        IsOnline: true,
        RunningState: 'Running',
      });
    });

    it('GenetecSC-MCP "Correções de Bugs - 2025.11.08.md" and Genetec.WebSdk Entities/Entity.cs: CreatedOn and ModifiedOn are readable dates', async () => {
      const before = Date.now() - 1000;
      const { Guid } = okResult(await send('POST', `/entity?q=${ENCODINGS.asWritten('entity=NewEntity(Cardholder),Name=Dated,Guid')}`, json()));
      const r = okResult(await send('GET', `/entity?q=${ENCODINGS.asWritten(`entity=${Guid},Name,Description,EntityType,ModifiedOn,CreatedOn`)}`, json()));
      expect(Date.parse(r.CreatedOn)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(r.ModifiedOn)).toBeGreaterThanOrEqual(Date.parse(r.CreatedOn));
    });

    it('Genetec WebSDKStudio WebSdkStudioWindow.xaml.cs: entity/LogicalId(Type, N) with a space, entity/basic, entity/exists', async () => {
      expect(okResult(await send('GET', `/entity/${ENCODINGS.asWritten('LogicalId(Cardholder, 1)')}`, json())).Guid).toBe(SEED.cardholders.existing);
      expect(okResult(await send('GET', `/entity/basic/${SEED.cardholders.existing}`, json()))).toMatchObject({
        Name: 'Alex Example',
        CreatedOn: expect.any(String),
      });
      expect(okResult(await send('GET', `/entity/exists/${SEED.cardholders.existing}`, json()))).toEqual({ Value: true });
    });

    it('lucasquintanilla/Genetec.WebSdk WebSdk.cs GetEntityAsync: entity/LogicalID(Type,N) in application/jsonrequest nests the entity under rsp.entity', async () => {
      const r = await send('GET', '/entity/LogicalID(Cardholder,1)', json({ accept: 'application/jsonrequest' }));
      expect(r.json.rsp).toMatchObject({ status: 'ok', entity: { Guid: SEED.cardholders.existing, Name: 'Alex Example' } });
    });

    it('a read of an unknown property fails the whole query with InvalidOperation (S-HTP), in every serialisation', async () => {
      const q = `/entity?q=${ENCODINGS.asWritten(`entity=${SEED.cardholders.existing},NoSuchProperty`)}`;
      expect(okResultOrFail(await send('GET', q, json()))).toMatchObject({ SdkErrorCode: 'InvalidOperation' });
      const legacy = await send('GET', q, { authorization: basicOf(userField()) });
      expect(legacy.text).toMatch(/^<rsp status="fail"><error><code>InvalidOperation<\/code><message>[^<]+<\/message><\/error><\/rsp>$/);
      const legacyJson = await send('GET', q, json({ accept: 'application/jsonrequest' }));
      expect(legacyJson.json).toEqual({ rsp: { status: 'fail', error: { code: 'InvalidOperation', message: expect.any(String) } } });
    });
  });

  describe('creations and changes', () => {
    it('GenetecSC-MCP client.py create_visitor: POST NewEntity(Visitor),Name=<first last>,…,Arrival=…Z,Departure=…Z,Guid with a space in the name', async () => {
      const q =
        'entity=NewEntity(Visitor),Name=John Doe,FirstName=John,LastName=Doe,EmailAddress=john.doe@example.com,Arrival=2030-11-08T09:00:00Z,Departure=2030-11-08T18:00:00Z,Guid';
      const { Guid } = okResult(await send('POST', `/entity?q=${ENCODINGS.asWritten(q)}`, { ...json(), 'content-type': 'application/json' }));
      expect(await simEntity(h, Guid)).toMatchObject({
        Name: 'John Doe',
        EntityType: 'Visitor',
        Arrival: '2030-11-08T09:00:00Z',
        Departure: '2030-11-08T18:00:00Z',
      });
    });

    it('Genetec WebSDKStudio WebSdkStudioWindow.xaml.cs CreateVisitor: Departure in .NET round-trip format ("O": 7 fraction digits and an offset)', async () => {
      // DateTime.Now.ToString("O") on a machine west of UTC (the sample's authors are in Montréal); a "+hh:mm"
      // offset would reach a server unescaped and read as a space, which the sample does not guard against.
      const { Guid } = okResult(
        await send('POST', `/entity?q=${ENCODINGS.asWritten('entity=NewEntity(Visitor),Departure=2030-12-11T10:15:30.1234567-05:00,Guid')}`, json()),
      );
      expect(Date.parse((await simEntity(h, Guid)).Departure)).toBe(Date.parse('2030-12-11T15:15:30.123Z'));
    });

    it('Genetec WebSDKStudio WebSdkStudioWindow.xaml.cs: Credentials@LogicalId(Credential, 3) assigns and Credentials-LogicalId(Credential, 3) releases', async () => {
      const post = (q: string) => send('POST', `/entity?q=${ENCODINGS.asWritten(q)}`, json());
      okResult(
        await post('entity=NewEntity(Cardholder),LogicalId=2,Name=MyCardholder,FirstName=MyFirstName,LastName=MyLastName,EmailAddress=MyEmail@Email.com'),
      );
      okResult(
        await post(
          'entity=NewEntity(Credential),LogicalId=3,Name=MyPlateCredential,Format=LicensePlateCredentialFormat(WEBSDK),ActivationMode=RelativeDeactivation(6.00:00:00)',
        ),
      );
      okResult(await post('entity=LogicalId(Cardholder, 2),Credentials@LogicalId(Credential, 3)'));
      const read = () => send('GET', `/entity?q=${ENCODINGS.asWritten('entity=LogicalId(Credential, 3),CardholderGuid')}`, json()).then(okResult);
      const holder = okResult(await send('GET', `/entity/${ENCODINGS.asWritten('LogicalId(Cardholder, 2)')}`, json())).Guid;
      expect((await read()).CardholderGuid).toBe(holder);
      okResult(await post('entity=LogicalId(Cardholder, 2),Credentials-LogicalId(Credential, 3)'));
      expect((await read()).CardholderGuid).toBe('00000000-0000-0000-0000-000000000000');
    });

    it('Genetec WebSDKStudio WebSdkStudioWindow.xaml.cs: NewEntity(CardholderGroup),LogicalId=4 then AddCardholderIntoGroup/RemoveCardholderFromGroup on LogicalId(CardholderGroup, 4)', async () => {
      const post = (q: string) => send('POST', `/entity?q=${ENCODINGS.asWritten(q)}`, json());
      okResult(await post('entity=NewEntity(CardholderGroup),Name=MyCardHolderGroup,LogicalId=4'));
      okResult(await post(`entity=LogicalId(CardholderGroup, 4),AddCardholderIntoGroup(${SEED.cardholders.existing})`));
      const members = () => send('GET', `/entity?q=${ENCODINGS.asWritten('entity=LogicalId(CardholderGroup, 4),Members')}`, json()).then(okResult);
      expect((await members()).Members).toEqual([SEED.cardholders.existing]);
      okResult(await post(`entity=LogicalId(CardholderGroup, 4),RemoveCardholderFromGroup(${SEED.cardholders.existing})`));
      expect((await members()).Members).toEqual([]);
    });

    it('Genetec WebSDKStudio WebSdkStudioWindow.xaml.cs: DELETE entity/LogicalId(Type, N)', async () => {
      okResult(await send('POST', `/entity?q=${ENCODINGS.asWritten('entity=NewEntity(Cardholder),LogicalId=7,Name=ToDelete')}`, json()));
      okResult(await send('DELETE', `/entity/${ENCODINGS.asWritten('LogicalId(Cardholder, 7)')}`, json()));
      expect(okResult(await send('GET', `/entity/exists/${ENCODINGS.asWritten('LogicalId(Cardholder, 7)')}`, json()))).toEqual({ Value: false });
    });

    it('lucasquintanilla/Genetec.WebSdk WebSdk.cs CreateEntityAsync: NewEntity(T),Name=x,guid (lower-case token) in application/jsonrequest answers rsp.Guid', async () => {
      const r = await send(
        'POST',
        `/entity?q=${ENCODINGS.asWritten('entity=NewEntity(Cardholder),Name=Legacy,guid')}`,
        json({ accept: 'application/jsonrequest' }),
      );
      expect(r.json).toEqual({ rsp: { status: 'ok', Guid: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
      const del = await send('DELETE', `/entity/${r.json.rsp.Guid}`, json({ accept: 'application/jsonrequest' }));
      expect(del.json).toEqual({ rsp: { status: 'ok' } });
    });
  });

  describe('BULAC koha C4/Spaces/SCA.pm: no Accept header, Content-Length: 0, answers parsed as the old XML', () => {
    const bulac = () => ({ authorization: basicOf(userField()), 'content-length': '0' });
    const call = (method: string, service: string) => send(method, `/${ENCODINGS.asWritten(service)}`, bulac());

    it('create_cardholder, create_card (UndecodedWiegand, CardholderGuid=), add_to_public_partition, retrieve_card_uuid, retrieve_cardholder_uuid', async () => {
      const holder = await call('POST', 'entity?q=entity=NewEntity(Cardholder),FirstName=Marie,LastName=Curie,Name=Marie Curie,Guid');
      expect(holder.text).toMatch(/^<rsp status="ok"><Guid>[0-9a-f-]{36}<\/Guid><\/rsp>$/);
      const holderGuid = xmlValue(holder.text, 'Guid')!;

      const format = `<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>${wiegand26Raw(12, 3456)}</Raw></UndecodedWiegand>`;
      const card = await call('POST', `entity?q=entity=NewEntity(Credential),Name=123456,CardholderGuid=${holderGuid},Format=${format},Guid`);
      const cardGuid = xmlValue(card.text, 'Guid')!;
      expect(cardGuid).toMatch(/^[0-9a-f-]{36}$/);
      expect((await call('POST', `entity?q=entity=${cardGuid},InsertIntoPartition(00000000-0000-0000-0000-00000000000b)`)).text).toBe(
        '<rsp status="ok"></rsp>',
      );
      expect((await simEntity(h, cardGuid)).Format).toMatchObject({ FacilityCode: 12, CardId: 3456, BitLength: 26 });

      const found = await call('GET', 'report/EntityConfiguration?q=EntityTypes@Credential,Name=123456');
      expect(found.text).toMatch(
        /^<rsp status="ok"><QueryResult><HeaderRow>.*<\/HeaderRow><Row><Cell name="Guid">[0-9a-f-]{36}<\/Cell><\/Row><\/QueryResult><\/rsp>$/,
      );
      expect(rowCells(found.text)).toEqual([cardGuid]);
      expect(xmlValue((await call('GET', `entity?q=entity=${cardGuid},Name`)).text, 'Name')).toBe('123456');
      // Cardholder.Guid reads back as a plain <Guid> child of <rsp>.
      expect(xmlValue((await call('GET', `entity?q=entity=${cardGuid},Cardholder.Guid`)).text, 'Guid')).toBe(holderGuid);
    });

    it('set_state_entity and add_group_to_cardholder: State=Active,ActivationMode=SpecificActivationPeriod(UTC a,b); Groups- then Groups@; State=Inactive; DELETE', async () => {
      const holderGuid = xmlValue((await call('POST', 'entity?q=entity=NewEntity(Cardholder),FirstName=Ada,LastName=Byron,Name=Ada Byron,Guid')).text, 'Guid')!;
      // format_date_sca: local midnight and 23:59:59 converted to UTC, no zone suffix.
      expect(
        (await call('POST', `entity?q=entity=${holderGuid},State=Active,ActivationMode=SpecificActivationPeriod(2030-01-04T23:00:00,2030-01-31T22:59:59)`))
          .text,
      ).toBe('<rsp status="ok"></rsp>');
      expect(xmlValue((await call('GET', `entity?q=entity=${holderGuid},State`)).text, 'State')).toBe('Inactive');
      expect((await call('POST', `entity?q=entity=${holderGuid},Groups-${SEED.groups.lobbyVisitors}`)).text).toBe('<rsp status="ok"></rsp>');
      expect((await call('POST', `entity?q=entity=${holderGuid},Groups@${SEED.groups.lobbyVisitors}`)).text).toBe('<rsp status="ok"></rsp>');
      expect((await simEntity(h, SEED.groups.lobbyVisitors)).Members).toContain(holderGuid);
      expect((await call('POST', `entity?q=entity=${SEED.credentials.unassigned},State=Inactive`)).text).toBe('<rsp status="ok"></rsp>');
      expect((await call('DELETE', `entity/${holderGuid}`)).text).toBe('<rsp status="ok"></rsp>');
    });

    it('EntityTypes@Cardholdergroup (its casing) with Name=<group name>', async () => {
      const r = await call('GET', 'report/EntityConfiguration?q=EntityTypes@Cardholdergroup,Name=Lobby visitors');
      expect(rowCells(r.text)).toEqual([SEED.groups.lobbyVisitors]);
    });
  });

  describe('VRFID Integration API: HttpUtility.UrlEncode fragments joined with %2C, Accept: text/json', () => {
    const vrfid = (...fragments: string[]) => `/entity?q=${fragments.map(ENCODINGS.httpUtility).join('%2C')}`;

    it('CardHolderController.cs: NewEntity(Cardholder),Name,FirstName,LastName,EmailAddress,MobilePhoneNumber,Guid, then Status.Activate(a,b) with …Z dates', async () => {
      const q = 'entity=NewEntity(Cardholder),Name=Jane Roe,FirstName=Jane,LastName=Roe,EmailAddress=jane@example.com,MobilePhoneNumber=+15550100,Guid';
      const { Guid } = okResult(await send('POST', `/entity?q=${ENCODINGS.asWritten(q)}`, json()));
      okResult(await send('POST', `/entity?q=${ENCODINGS.asWritten(`entity=${Guid},Status.Activate(2030-01-01T08:00:00Z,2030-01-02T08:00:00Z)`)}`, json()));
      expect((await simEntity(h, Guid)).Status).toMatchObject({ ActivationDate: '2030-01-01T08:00:00Z', ExpirationDate: '2030-01-02T08:00:00Z' });
    });

    it('CardHolderController.cs: entity=<group>%2CMembers@<member> and Members-(<member>)', async () => {
      okResult(await send('POST', vrfid(`entity=${SEED.groups.floor3Visitors}`, `Members@${SEED.cardholders.existing}`), json()));
      expect((await simEntity(h, SEED.groups.floor3Visitors)).Members).toContain(SEED.cardholders.existing);
      okResult(await send('POST', vrfid(`entity=${SEED.groups.floor3Visitors}`, `Members-(${SEED.cardholders.existing})`), json()));
      expect((await simEntity(h, SEED.groups.floor3Visitors)).Members).not.toContain(SEED.cardholders.existing);
    });

    it('CredentialController.cs: entity=<holder>,Credentials@<credential> encoded as one fragment; Status.Deactivate() on the credential', async () => {
      okResult(
        await send('POST', `/entity?q=${ENCODINGS.httpUtility(`entity=${SEED.cardholders.existing},Credentials@${SEED.credentials.unassigned}`)}`, json()),
      );
      expect((await simEntity(h, SEED.credentials.unassigned)).CardholderGuid).toBe(SEED.cardholders.existing);
      okResult(await send('POST', `/entity?q=${ENCODINGS.httpUtility(`entity=${SEED.credentials.unassigned}`)},Status.Deactivate()`, json()));
      expect((await simEntity(h, SEED.credentials.unassigned)).Status.State).toBe('Inactive');
    });

    it('CardHolderController.cs: Groups*@<group> replaces the group membership', async () => {
      okResult(await send('POST', vrfid(`entity=${SEED.cardholders.existing}`, `Groups*@${SEED.groups.dataCentreEscort}`), json()));
      const groups = okResult(await send('GET', `/entity?q=${ENCODINGS.asWritten(`entity=${SEED.cardholders.existing},Groups`)}`, json())).Groups;
      expect(groups).toEqual([SEED.groups.dataCentreEscort]);
    });

    it('CredentialController.cs CreateWiegandCredential: the UndecodedWiegand XML unescaped in the URL, FormatType a dashed GUID', async () => {
      const q = `entity=NewEntity(Credential),Name=W-12-3456,Format=<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>${wiegand26Raw(12, 3456)}</Raw></UndecodedWiegand>,Guid`;
      const { Guid } = okResult(await send('POST', `/entity?q=${ENCODINGS.asWritten(q)}`, json()));
      expect((await simEntity(h, Guid)).Format).toMatchObject({ FacilityCode: 12, CardId: 3456 });
    });

    it('CredentialController.cs: NewEntity(Credential),Format=KeypadCredentialFormat(<code>),Guid with the code Uri.EscapeDataString-ed', async () => {
      const { Guid } = okResult(
        await send('POST', `/entity?q=entity=NewEntity(Credential),Format=KeypadCredentialFormat(${encodeURIComponent('4711')}),Guid`, json()),
      );
      expect((await simEntity(h, Guid)).Format).toMatchObject({ Text: '4711' });
    });
  });

  function okResultOrFail(r: { status: number; json: any }) {
    expect(r.status).toBe(200);
    return r.json.Rsp.Result;
  }
});

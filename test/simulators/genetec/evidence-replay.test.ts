import { startHarness, type SimHarness } from './sim-helpers';

/**
 * Replays the request/response examples quoted in docs/pacs/genetec-websdk.md against the simulator. Each
 * case names its source key; a failure here means the simulator drifted from the evidence.
 */
describe('Genetec simulator replays the documented examples', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  it('S-HID: GET / with Accept: text/json answers exactly {"Rsp":{"Status":"Ok"}}', async () => {
    const r = await h.api('/');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"Rsp":{"Status":"Ok"}}');
  });

  it('S-WIKI troubleshooting: curl without credentials gets 401 Unauthorized', async () => {
    expect((await h.api('/', { auth: null })).status).toBe(401);
  });

  it('S-WIKI constants: the built-in entities carry their constant GUIDs', async () => {
    const r = await h.ok(
      '/entity',
      [
        'entity=00000000000000000000000000000008,Name,EntityType',
        'entity=0000000000000000000000000000000D,Name,EntityType',
        'entity=0000000000000000000000000000000A,Name,EntityType',
        'entity=00000000-0000-0000-0000-000000000009,Name,EntityType',
        'entity=00000000000000000000000000000007,EntityType',
      ].join(','),
    );
    expect(r).toEqual([
      { Name: 'All cardholders', EntityType: 'CardholderGroup' },
      { Name: 'Visitors', EntityType: 'CardholderGroup' },
      { Name: 'All open rule', EntityType: 'AccessRule' },
      { Name: 'Lockdown rule', EntityType: 'AccessRule' },
      { EntityType: 'SystemConfiguration' },
    ]);
  });

  it('S-STUDIO / S-WIKI web-sdk-users: NewEntity(Visitor)…,Departure=…,Guid returns Rsp.Result.Guid', async () => {
    const r = await h.api('/entity', { q: 'entity=NewEntity(Visitor),FirstName=John,LastName=Doe,Departure=2030-01-01T17:00:00,Guid', method: 'POST' });
    expect(r.json).toEqual({
      Rsp: { Status: 'Ok', Result: { Guid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) } },
    });
  });

  it('S-HTP: a visitor created without Name is called New_Visitor_<32 hex>', async () => {
    const { Guid } = await h.ok('/entity', 'entity=NewEntity(Visitor),Guid', 'POST');
    expect((await h.ok('/entity', `entity=${Guid},Name`)).Name).toBe(`New_Visitor_${Guid.replace(/-/g, '')}`);
  });

  it('S-HTP: ActivationDate on a visitor fails with "The property ActivationDate has no setter"', async () => {
    expect(await h.fail('/entity', 'entity=NewEntity(Visitor),ActivationDate=2030-01-01T08:00:00,Guid', 'POST')).toEqual({
      SdkErrorCode: 'InvalidOperation',
      Message: 'The property ActivationDate has no setter',
    });
  });

  it("S-HTP: Page on an activity report fails with \"Could not find property 'Page' from filter: 'Page=1'\"", async () => {
    const r = await h.api('/report/DoorActivity', { q: 'Page=1' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      Rsp: { Status: 'Fail', Result: { SdkErrorCode: 'InvalidOperation', Message: "Could not find property 'Page' from filter: 'Page=1'" } },
    });
  });

  it('S-BULAC: EntityTypes@Cardholdergroup (odd casing) lists cardholder groups as [{"Guid":…}]', async () => {
    const rows = await h.ok('/report/EntityConfiguration', 'EntityTypes@Cardholdergroup');
    expect(rows).toContainEqual({ Guid: '00000000-0000-0000-0000-000000000008' });
  });

  it('S-GUIDE / S-LQ: PageSize+1 rows signal another page', async () => {
    expect(await h.ok('/report/EntityConfiguration', 'EntityTypes@CardholderGroup,Page=1,PageSize=20')).toHaveLength(21);
  });

  it('S-STUDIO: escaped commas keep a message in one value (Hi\\, this is a message)', async () => {
    const { Guid } = await h.ok('/entity', 'entity=NewEntity(Cardholder),Description=Hi\\, this is a message,Guid', 'POST');
    expect((await h.ok('/entity', `entity=${Guid},Description`)).Description).toBe('Hi, this is a message');
  });

  it('S-STUDIO / S-VRFID: a licence-plate credential is created, then found by UniqueIds (S-GUIDE JXB443)', async () => {
    const { Guid } = await h.ok('/entity', 'entity=NewEntity(Credential),Name=Plate,Format=LicensePlateCredentialFormat(JXB443),Guid', 'POST');
    expect(await h.ok('/report/CredentialConfiguration', 'UniqueIds@LicensePlateCredentialFormat(JXB443)')).toEqual([{ Guid }]);
    expect(await h.ok('/report/CredentialConfiguration', 'UniqueIds@JXB443')).toEqual([{ Guid }]);
  });

  it('S-VRFID / S-STUDIO: assign with Credentials@, S-DAP: an assigned credential has a non-empty CardholderGuid', async () => {
    const { Guid: person } = await h.ok('/entity', 'entity=NewEntity(Cardholder),Name=Jane,Guid', 'POST');
    const { Guid: cred } = await h.ok('/entity', 'entity=NewEntity(Credential),Format=KeypadCredentialFormat(123456),Guid', 'POST');
    expect((await h.ok('/entity', `entity=${cred},CardholderGuid`)).CardholderGuid).toBe('00000000-0000-0000-0000-000000000000');
    await h.ok('/entity', `entity=${person},Credentials@${cred}`, 'POST');
    expect((await h.ok('/entity', `entity=${cred},CardholderGuid`)).CardholderGuid).toBe(person);
  });

  it('S-PHP: GET entity/<credential> exposes Result.Format.CardId and Result.Cardholder.Status.State', async () => {
    const r = await h.ok('/entity/5eed0000-0000-4000-8000-000000000501');
    expect(r.Format.CardId).toBe(1500);
    expect(r.Cardholder.Status.State).toBe('Active');
  });

  it('S-BULAC: State=Active,ActivationMode=SpecificActivationPeriod(…) then State=Inactive; S-VRFID: Status.Deactivate()', async () => {
    const c = '5eed0000-0000-4000-8000-000000000502';
    await h.ok('/entity', `entity=${c},State=Active,ActivationMode=SpecificActivationPeriod(2020-01-01T00:00:00,2099-01-01T00:00:00)`, 'POST');
    expect((await h.ok('/entity', `entity=${c},Status.State`)).Status.State).toBe('Active');
    await h.ok('/entity', `entity=${c},State=Inactive`, 'POST');
    expect((await h.ok('/entity', `entity=${c},Status.State`)).Status.State).toBe('Inactive');
    await h.ok('/entity', `entity=${c},Status.Activate()`, 'POST');
    await h.ok('/entity', `entity=${c},Status.Deactivate()`, 'POST');
    expect((await h.ok('/entity', `entity=${c},Status.State`)).Status.State).toBe('Inactive');
  });

  it('S-STUDIO: ActivationMode=RelativeDeactivation(6.00:00:00) counts from first use', async () => {
    const c = '5eed0000-0000-4000-8000-000000000502';
    await h.ok('/entity', `entity=${c},ActivationMode=RelativeDeactivation(6.00:00:00)`, 'POST');
    expect((await h.ok('/entity', `entity=${c},Status`)).Status).toMatchObject({ ExpirationType: 'OnFirstUse', ExpirationDuration: '6.00:00:00' });
  });

  it('S-STUDIO / S-VRFID: AddCardholderIntoGroup, S-GUIDE: Members@(x), S-VRFID: Groups*@g replaces memberships', async () => {
    const { Guid: p } = await h.ok('/entity', 'entity=NewEntity(Cardholder),Name=P,Guid', 'POST');
    await h.ok('/entity', `entity=5eed0000-0000-4000-8000-000000000101,AddCardholderIntoGroup(${p})`, 'POST');
    await h.ok('/entity', `entity=5eed0000-0000-4000-8000-000000000102,Members@(${p})`, 'POST');
    expect((await h.ok('/entity', `entity=${p},Groups`)).Groups).toHaveLength(2);
    await h.ok('/entity', `entity=${p},Groups*@0000000000000000000000000000000D`, 'POST');
    expect((await h.ok('/entity', `entity=${p},Groups`)).Groups).toEqual(['00000000-0000-0000-0000-00000000000d']);
  });

  it('S-BULAC: InsertIntoPartition(<root partition …000B>) is accepted', async () => {
    await h.ok('/entity', 'entity=NewEntity(Cardholder),Name=Part,InsertIntoPartition(0000000000000000000000000000000B),Guid', 'POST');
  });

  it('S-HTP bug #1: entity=<g> with no property names returns no data', async () => {
    expect(await h.api('/entity', { q: 'entity=00000000000000000000000000000008' }).then((r) => r.json)).toEqual({ Rsp: { Status: 'Ok' } });
  });

  it('S-STUDIO / S-LQ / S-BULAC: DELETE entity/<guid> answers Ok', async () => {
    const { Guid } = await h.ok('/entity', 'entity=NewEntity(Cardholder),Name=Gone,Guid', 'POST');
    expect((await h.api(`/entity/${Guid}`, { method: 'DELETE' })).json).toEqual({ Rsp: { Status: 'Ok' } });
    expect(await h.ok(`/entity/exists/${Guid}`)).toEqual({ Value: false });
  });

  it('S-STUDIO Request.cs: an application ID not in the licence is forbidden with 403', async () => {
    expect((await h.api('/', { auth: h.basic('admin', 'SOME-DEMO-ID') })).status).toBe(403);
  });
});

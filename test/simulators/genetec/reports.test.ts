import { SEED, tenantGroupGuid } from '../../../src/simulators/genetec/store';
import { startHarness, type SimHarness } from './sim-helpers';

const EC = '/report/EntityConfiguration';
const CC = '/report/CredentialConfiguration';
const guids = (rows: Array<{ Guid: string }>) => rows.map((r) => r.Guid);

describe('Genetec simulator: EntityConfiguration report', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  it('returns GUID rows only, for the requested entity types', async () => {
    const rows = await h.ok(EC, 'EntityTypes@AccessRule');
    expect(rows.every((r: object) => Object.keys(r).join() === 'Guid')).toBe(true);
    expect(new Set(guids(rows))).toEqual(new Set(Object.values(SEED.accessRules)));
    const mixed = guids(await h.ok(EC, 'EntityTypes@Cardholder@Credential'));
    expect(mixed.sort()).toEqual([SEED.cardholders.existing, SEED.credentials.assigned, SEED.credentials.unassigned].sort());
  });

  it('matches entity types case-insensitively and answers an empty list for known types it does not store', async () => {
    expect(guids(await h.ok(EC, 'EntityTypes@cardholdergroup')).length).toBe(5 + SEED.tenantGroupCount);
    expect(await h.ok(EC, 'EntityTypes@Door')).toEqual([]);
    expect((await h.fail(EC, 'EntityTypes@Starship')).Message).toMatch(/Unknown entity type 'Starship'/);
  });

  it('pages 1-based and returns PageSize+1 rows while another page exists', async () => {
    const total = 5 + SEED.tenantGroupCount; // 35 groups
    const page1 = guids(await h.ok(EC, 'EntityTypes@CardholderGroup,Page=1,PageSize=20'));
    const page2 = guids(await h.ok(EC, 'EntityTypes@CardholderGroup,Page=2,PageSize=20'));
    expect(page1).toHaveLength(21);
    expect(page2).toHaveLength(total - 20);
    // The extra row is the first row of the next page.
    expect(page1[20]).toBe(page2[0]);
    expect(new Set([...page1.slice(0, 20), ...page2]).size).toBe(total);
    expect(await h.ok(EC, 'EntityTypes@CardholderGroup,Page=3,PageSize=20')).toEqual([]);
  });

  it('returns exactly PageSize rows on the last full page (no phantom extra row)', async () => {
    await h.ctl('POST', '/reset', { tenantGroups: 15 }); // 20 groups
    expect(await h.ok(EC, 'EntityTypes@CardholderGroup,Page=1,PageSize=20')).toHaveLength(20);
    expect(await h.ok(EC, 'EntityTypes@CardholderGroup,Page=1,PageSize=19')).toHaveLength(20);
  });

  it('rejects bad paging values', async () => {
    expect((await h.fail(EC, 'EntityTypes@CardholderGroup,Page=0')).Message).toMatch(/Page/);
    expect((await h.fail(EC, 'EntityTypes@CardholderGroup,PageSize=abc')).Message).toMatch(/PageSize/);
  });

  it('filters by Name with StartsWith by default, Contains and Is, without case', async () => {
    const starts = guids(await h.ok(EC, 'EntityTypes@CardholderGroup,Name=tenant group 0'));
    expect(starts).toEqual(Array.from({ length: 9 }, (_, i) => tenantGroupGuid(i + 1)));
    const contains = guids(await h.ok(EC, 'EntityTypes@CardholderGroup,Name=visitors,NameSearchMode=Contains'));
    expect(contains.sort()).toEqual([SEED.groups.floor3Visitors, SEED.groups.lobbyVisitors, SEED.groups.visitors].sort());
    expect(guids(await h.ok(EC, 'EntityTypes@CardholderGroup,Name=Visitors,NameSearchMode=Is'))).toEqual([SEED.groups.visitors]);
    expect(guids(await h.ok(EC, 'EntityTypes@CardholderGroup,Name=Visitor,NameSearchMode=Is'))).toEqual([]);
    expect((await h.fail(EC, 'EntityTypes@CardholderGroup,Name=x,NameSearchMode=Fuzzy')).Message).toMatch(/NameSearchMode/);
  });

  it('filters by Description and LogicalId, and ignores DownloadAllRelatedData', async () => {
    expect(guids(await h.ok(EC, 'EntityTypes@CardholderGroup,Description=data centre,DownloadAllRelatedData=true'))).toEqual([SEED.groups.dataCentreEscort]);
    expect(guids(await h.ok(EC, 'EntityTypes@Cardholder,LogicalId=1'))).toEqual([SEED.cardholders.existing]);
  });

  it('fails an unknown filter key with the message seen on real servers', async () => {
    const f = await h.fail(EC, 'EntityTypes@CardholderGroup,Colour=blue');
    expect(f).toEqual({ SdkErrorCode: 'InvalidOperation', Message: "Could not find property 'Colour' from filter: 'Colour=blue'" });
  });
});

describe('Genetec simulator: CredentialConfiguration report', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  it('finds a credential by Wiegand facility code and card number', async () => {
    expect(guids(await h.ok(CC, 'UniqueIds@WiegandStandardCredentialFormat(0,1500)'))).toEqual([SEED.credentials.assigned]);
    expect(await h.ok(CC, 'UniqueIds@WiegandStandardCredentialFormat(1,1500)')).toEqual([]);
    expect(await h.ok(CC, 'UniqueIds@WiegandStandardCredentialFormat(0,1501)')).toEqual([]);
  });

  it('accepts several formats at once, other format tokens, and a bare unique ID', async () => {
    await h.ok('/entity', 'entity=NewEntity(Credential),Format=LicensePlateCredentialFormat(JXB443),Guid', 'POST');
    const csn = await h.ok('/entity', 'entity=NewEntity(Credential),Format=WiegandCsn32CredentialFormat(4000000000),Guid', 'POST');
    const both = guids(await h.ok(CC, 'UniqueIds@WiegandStandardCredentialFormat(0,1500)@WiegandCsn32CredentialFormat(4000000000)'));
    expect(both.sort()).toEqual([SEED.credentials.assigned, csn.Guid].sort());
    expect(await h.ok(CC, 'UniqueIds@JXB443')).toHaveLength(1);
    expect(await h.ok(CC, 'UniqueIds@LicensePlateCredentialFormat(jxb443)')).toHaveLength(1);
    const unique = (await h.ok('/entity', `entity=${SEED.credentials.assigned},Format`)).Format.UniqueId;
    expect(guids(await h.ok(CC, `UniqueIds@${unique}`))).toEqual([SEED.credentials.assigned]);
  });

  it('supports UnassignedOnly and paging', async () => {
    expect(guids(await h.ok(CC, 'UnassignedOnly=true'))).toEqual([SEED.credentials.unassigned]);
    expect(await h.ok(CC, 'Page=1,PageSize=1')).toHaveLength(2);
    expect(await h.ok(CC, 'Page=2,PageSize=1')).toHaveLength(1);
  });

  it('fails unknown filters and formats with a Fail envelope', async () => {
    expect((await h.fail(CC, 'CardNumber=1500')).Message).toBe("Could not find property 'CardNumber' from filter: 'CardNumber=1500'");
    expect((await h.fail(CC, 'UniqueIds@MagicCredentialFormat(1)')).SdkErrorCode).toBe('SimPlaceholderUnsupportedInSimulator');
  });

  it('rejects Page on activity reports, and unknown report types explicitly', async () => {
    expect(await h.fail('/report/DoorActivity', 'Page=1')).toEqual({
      SdkErrorCode: 'InvalidOperation',
      Message: "Could not find property 'Page' from filter: 'Page=1'",
    });
    expect(await h.ok('/report/DoorActivity', 'MaximumResultCount=10')).toEqual([]);
    expect((await h.fail('/report/AlarmActivity', 'Page=1')).Message).toMatch(/unsupported in simulator/);
  });
});

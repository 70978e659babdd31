import { simEntity, startHarness, type SimHarness } from './sim-helpers';

/**
 * The simulator's side of the credential request forms, over HTTP and with raw values written by hand (not
 * by the client's encoder): `<UndecodedWiegand>` [C] is decoded with a parity check into the same credential
 * as the numeric form, and `refuseDecodedCredentialFormat` refuses the decoded form [I].
 */
describe('Genetec simulator: credential request forms', () => {
  let h: SimHarness;
  const xml = (suffix: string, bits: number, raw: string) =>
    `<UndecodedWiegand><BitLength>${bits}</BitLength><FormatType>00000000-0000-0000-0000-000000000${suffix}</FormatType><Raw>${raw}</Raw></UndecodedWiegand>`;
  const create = async (format: string) => (await h.ok('/entity', `entity=NewEntity(Credential),Format=${format},Guid`, 'POST')).Guid as string;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  it.each([
    // 26-bit fc 18 card 4660: 1 00010010 0001001000110100 1 (both parity bits 1), as hex of the bit string
    ['200', 26, BigInt('0b1' + '00010010' + '0001001000110100' + '1').toString(16), 18, 4660],
    // H10306 fc 0x1234 card 0xABCD, both parity bits 1
    ['300', 34, BigInt('0b1' + '0001001000110100' + '1010101111001101' + '1').toString(16), 0x1234, 0xabcd],
    // Corporate 1000 35-bit fc 4095 card 0: P1=0 P2=0 … P35=1
    ['600', 35, BigInt('0b00' + '1'.repeat(12) + '0'.repeat(20) + '1').toString(16), 4095, 0],
    // H10302 card 1, padded to 32 hex digits as S-BULAC sends it
    [
      '400',
      37,
      BigInt('0b0' + '0'.repeat(34) + '10')
        .toString(16)
        .padStart(32, '0'),
      null,
      1,
    ],
  ])('decodes format …%s (%d bits) to facility and card', async (suffix, bits, raw, fc, card) => {
    const g = await create(xml(suffix, bits as number, raw as string));
    expect((await simEntity(h, g)).Format).toMatchObject({ CardId: card, FacilityCode: fc, BitLength: bits });
  });

  it('refuses a wrong parity bit or a BitLength that does not match the format', async () => {
    const good = BigInt('0b1' + '00010010' + '0001001000110100' + '1');
    expect((await h.fail('/entity', `entity=NewEntity(Credential),Format=${xml('200', 26, (good ^ (1n << 25n)).toString(16))},Guid`, 'POST')).Message).toMatch(
      /parity bit 1/,
    );
    expect((await h.fail('/entity', `entity=NewEntity(Credential),Format=${xml('200', 34, good.toString(16))},Guid`, 'POST')).Message).toMatch(/BitLength 34/);
  });

  it('refuseDecodedCredentialFormat: the decoded form fails in Format= and UniqueIds@, the undecoded form works, seeding is unaffected', async () => {
    await h.ctl('PUT', '/config', { refuseDecodedCredentialFormat: true });
    const f = await h.fail('/entity', 'entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(18,4660),Guid', 'POST');
    expect(f.SdkErrorCode).toBe('InvalidOperation');
    expect((await h.fail('/report/CredentialConfiguration', 'UniqueIds@WiegandStandardCredentialFormat(18,4660)')).SdkErrorCode).toBe('InvalidOperation');
    const raw = BigInt('0b1' + '00010010' + '0001001000110100' + '1').toString(16);
    const g = await create(xml('200', 26, raw));
    expect(await h.ok('/report/CredentialConfiguration', `UniqueIds@${xml('200', 26, raw)}`)).toEqual([{ Guid: g }]);
    const seeded = await h.ctl('POST', '/seed', { entities: [{ EntityType: 'Credential', Format: 'WiegandStandardCredentialFormat(1,2)' }] });
    expect(seeded.guids).toHaveLength(1);
  });
});

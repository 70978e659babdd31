import { SEED } from '../../../src/simulators/genetec/store';
import { simEntity, startHarness, type SimHarness } from './sim-helpers';

const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString().replace(/\.\d{3}Z$/, 'Z');
const HOUR = 3_600_000;

describe('Genetec simulator: entities and rules', () => {
  let h: SimHarness;
  const create = async (q: string) => (await h.ok('/entity', q, 'POST')).Guid as string;
  const visitor = () => create('entity=NewEntity(Visitor),Name=Vera Visitor,FirstName=Vera,LastName=Visitor,Guid');
  const cardholder = () => create('entity=NewEntity(Cardholder),Name=Carl Holder,Guid');

  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  describe('create and read', () => {
    it('creates a visitor with properties and returns Result.Guid; reads return only what is named', async () => {
      const g = await create(
        `entity=NewEntity(Visitor),Name=Ada Lovelace,FirstName=Ada,LastName=Lovelace,EmailAddress=ada@example.com,Description=visit 42,Arrival=${iso(-HOUR)},Departure=${iso(HOUR)},Guid`,
      );
      const back = await h.ok('/entity', `entity=${g.replace(/-/g, '')},Name,EmailAddress,Arrival,Departure,EntityType,State`);
      expect(back).toEqual({
        Name: 'Ada Lovelace',
        EmailAddress: 'ada@example.com',
        Arrival: iso(-HOUR),
        Departure: iso(HOUR),
        EntityType: 'Visitor',
        State: 'Active',
      });
    });

    it('names an entity New_<Type>_<32hex> when Name is omitted', async () => {
      const g = await create('entity=NewEntity(Cardholder),Guid');
      expect((await h.ok('/entity', `entity=${g},Name`)).Name).toBe(`New_Cardholder_${g.replace(/-/g, '')}`);
    });

    it('refuses ActivationDate on a visitor with the live-server message, and applies nothing', async () => {
      const before = (await h.ctl('GET', '/state')).entities.length;
      expect(await h.fail('/entity', `entity=NewEntity(Visitor),Name=X,ActivationDate=${iso(0)},Guid`, 'POST')).toEqual({
        SdkErrorCode: 'InvalidOperation',
        Message: 'The property ActivationDate has no setter',
      });
      expect((await h.ctl('GET', '/state')).entities.length).toBe(before);
    });

    it('returns an object for one clause and an array for several; no Result when nothing is read', async () => {
      expect(await h.ok('/entity', `entity=${SEED.groups.visitors},Name`)).toEqual({ Name: 'Visitors' });
      expect(await h.ok('/entity', `entity=${SEED.groups.visitors},Name,entity=${SEED.groups.allCardholders},Name`)).toEqual([
        { Name: 'Visitors' },
        { Name: 'All cardholders' },
      ]);
      const r = await h.api('/entity', { q: `entity=${SEED.groups.lobbyVisitors},Description=Updated`, method: 'POST' });
      expect(r.text).toBe('{"Rsp":{"Status":"Ok"}}');
    });

    it('reads nested values with dotted names', async () => {
      const r = await h.ok('/entity', `entity=${SEED.credentials.assigned},Cardholder.Guid,Cardholder.Name,Status.State,Format.CardId`);
      expect(r).toEqual({
        Cardholder: { Guid: SEED.cardholders.existing, Name: 'Alex Example' },
        Status: { State: 'Active' },
        Format: { CardId: 1500 },
      });
    });

    it('resolves LogicalId(Type,N) references and refuses a duplicate LogicalId', async () => {
      expect((await h.ok('/entity', 'entity=LogicalId(cardholder, 1),Name')).Name).toBe('Alex Example');
      const f = await h.fail('/entity', 'entity=NewEntity(Cardholder),LogicalId=1,Guid', 'POST');
      expect(f.SdkErrorCode).toBe('SimPlaceholderDuplicateLogicalId');
    });

    it('serves GET entity/{id}, entity/basic/{id} and entity/exists/{id}', async () => {
      const full = await h.ok(`/entity/${SEED.credentials.assigned}`);
      expect(full).toMatchObject({
        Guid: SEED.credentials.assigned,
        EntityType: 'Credential',
        CardholderGuid: SEED.cardholders.existing,
        Cardholder: { Guid: SEED.cardholders.existing, Name: 'Alex Example' },
        Format: { FormatId: '00000000-0000-0000-0000-000000000200', FacilityCode: 0, CardId: 1500, BitLength: 26 },
        Status: { State: 'Active' },
      });
      expect(Object.keys(await h.ok(`/entity/basic/${SEED.credentials.assigned}`)).sort()).toEqual([
        'CreatedOn',
        'Description',
        'EntityType',
        'Guid',
        'IsOnline',
        'LogicalId',
        'Name',
        'RunningState',
      ]);
      expect(await h.ok(`/entity/exists/${SEED.credentials.assigned.replace(/-/g, '')}`)).toEqual({ Value: true });
      expect(await h.ok('/entity/exists/0123456789abcdef0123456789abcdef')).toEqual({ Value: false });
      expect((await h.fail('/entity/0123456789abcdef0123456789abcdef')).SdkErrorCode).toBe('SimPlaceholderEntityNotFound');
      expect((await h.ok('/entity/LogicalId(Cardholder,1)')).Name).toBe('Alex Example');
    });

    it('lists the 7 built-in credential formats and one custom format on SystemConfiguration', async () => {
      const r = await h.ok('/entity', 'entity=00000000000000000000000000000007,CredentialFormats');
      const ids = r.CredentialFormats.map((f: { FormatId: string }) => f.FormatId);
      expect(ids.slice(0, 7)).toEqual(['200', '300', '400', '500', '600', '700', '800'].map((s) => `00000000-0000-0000-0000-000000000${s}`));
      expect(r.CredentialFormats).toHaveLength(8);
      expect(r.CredentialFormats[7]).toMatchObject({ IsCustomFormat: true, Fields: ['Facility code', 'Card number'] });
    });
  });

  describe('credentials', () => {
    it.each([
      [
        'WiegandStandardCredentialFormat',
        [255, 65535],
        [
          [256, 0],
          [0, 65536],
        ],
      ],
      [
        'WiegandH10306CredentialFormat',
        [65535, 65535],
        [
          [65536, 0],
          [0, 65536],
        ],
      ],
      ['WiegandH10302CredentialFormat', [34359738367], [[34359738368]]],
      [
        'WiegandH10304CredentialFormat',
        [65535, 524287],
        [
          [65536, 0],
          [0, 524288],
        ],
      ],
      [
        'WiegandCorporate1000CredentialFormat',
        [4095, 1048575],
        [
          [4096, 0],
          [0, 1048576],
        ],
      ],
      ['WiegandCsn32CredentialFormat', [4294967295], [[4294967296]]],
      [
        'Wiegand48BitCorporate1000CredentialFormat',
        [4194303, 8388607],
        [
          [4194304, 0],
          [0, 8388608],
        ],
      ],
    ])('%s accepts its maximum and refuses values beyond the documented range', async (fn, max, beyond) => {
      await create(`entity=NewEntity(Credential),Format=${fn}(${max.join(',')}),Guid`);
      for (const args of beyond) {
        const f = await h.fail('/entity', `entity=NewEntity(Credential),Format=${fn}(${args.join(',')}),Guid`, 'POST');
        expect(f.SdkErrorCode).toBe('SimPlaceholderValueOutOfRange');
        expect(f.Message).toMatch(/out of range/);
      }
    });

    it('refuses a duplicate card (same format, facility and number) and allows the same number at another facility', async () => {
      const f = await h.fail('/entity', 'entity=NewEntity(Credential),Name=Dup,Format=WiegandStandardCredentialFormat(0,1500),Guid', 'POST');
      expect(f.SdkErrorCode).toBe('SimPlaceholderDuplicateCredential');
      expect(f.Message).toContain(SEED.credentials.assigned);
      await create('entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(1,1500),Guid');
      await h.ctl('PUT', '/config', { rejectDuplicateCards: false, errorCodes: { duplicateCredential: 'Custom' } });
      await create('entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(0,1500),Guid');
    });

    it('decodes a 26-bit UndecodedWiegand value so it collides with the same card given as numbers', async () => {
      // Facility 0, card 1500, with parity: 0xBB8.
      const xml = '<UndecodedWiegand><BitLength>26</BitLength><FormatType>{00000000-0000-0000-0000-000000000200}</FormatType><Raw>BB8</Raw></UndecodedWiegand>';
      expect((await h.fail('/entity', `entity=NewEntity(Credential),Format=${xml},Guid`, 'POST')).SdkErrorCode).toBe('SimPlaceholderDuplicateCredential');
      const other = xml.replace('BB8', '30010C5'); // facility 128, card 2146, both parity bits set
      const g = await create(`entity=NewEntity(Credential),Format=${other},Guid`);
      expect((await h.ok('/entity', `entity=${g},Format`)).Format).toMatchObject({ FacilityCode: 128, CardId: 2146 });
    });

    it('accepts the custom format through CustomCredentialFormat(id,{{Field,value},…})', async () => {
      const id = '5eedf0a7000040008000000000000040';
      const g = await create(`entity=NewEntity(Credential),Format=CustomCredentialFormat(${id},{{Facility code,12},{Card number,3456}}),Guid`);
      expect((await h.ok('/entity', `entity=${g},Format`)).Format).toMatchObject({ Name: 'Simulator custom 40-bit', FacilityCode: 12, CardId: 3456 });
      const f = await h.fail(
        '/entity',
        `entity=NewEntity(Credential),Format=CustomCredentialFormat(${id},{{Facility code,12},{Card number,99999999}}),Guid`,
        'POST',
      );
      expect(f.Message).toMatch(/out of range/);
    });

    it('keeps a credential with one cardholder: Credentials@ on a held credential fails unless switched to move it', async () => {
      const v = await visitor();
      const f = await h.fail('/entity', `entity=${v},Credentials@${SEED.credentials.assigned}`, 'POST');
      expect(f.SdkErrorCode).toBe('SimPlaceholderCredentialAlreadyAssigned');
      expect((await h.fail('/entity', `entity=${SEED.credentials.assigned},CardholderGuid=${v}`, 'POST')).SdkErrorCode).toBe(
        'SimPlaceholderCredentialAlreadyAssigned',
      );
      await h.ctl('PUT', '/config', { rejectCredentialReassignment: false });
      await h.ok('/entity', `entity=${v},Credentials@${SEED.credentials.assigned}`, 'POST');
      expect((await h.ok('/entity', `entity=${SEED.credentials.assigned},CardholderGuid`)).CardholderGuid).toBe(v);
      expect((await h.ok('/entity', `entity=${SEED.cardholders.existing},Credentials`)).Credentials).toEqual([]);
    });

    it('assigns and unassigns with Credentials@ / Credentials- and CardholderGuid', async () => {
      const v = await visitor();
      await h.ok('/entity', `entity=${v},Credentials@${SEED.credentials.unassigned}`, 'POST');
      expect((await h.ok('/entity', `entity=${v},Credentials`)).Credentials).toEqual([SEED.credentials.unassigned]);
      await h.ok('/entity', `entity=${v},Credentials-${SEED.credentials.unassigned}`, 'POST');
      expect((await h.ok('/entity', `entity=${SEED.credentials.unassigned},CardholderGuid`)).CardholderGuid).toBe('00000000-0000-0000-0000-000000000000');
      await h.ok('/entity', `entity=${SEED.credentials.unassigned},CardholderGuid=${v}`, 'POST');
      await h.ok('/entity', `entity=${SEED.credentials.unassigned},CardholderGuid=00000000000000000000000000000000`, 'POST');
      expect((await h.ok('/entity', `entity=${v},Credentials`)).Credentials).toEqual([]);
    });

    it('derives the state from the activation window: Inactive before it, Expired after it', async () => {
      const mk = (card: number, a: number, b: number) =>
        create(
          `entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(9,${card}),ActivationMode=SpecificActivationPeriod(${iso(a)},${iso(b)}),Guid`,
        );
      const future = await mk(1, HOUR, 2 * HOUR);
      const past = await mk(2, -2 * HOUR, -HOUR);
      const now = await mk(3, -HOUR, HOUR);
      const state = async (g: string) => (await h.ok('/entity', `entity=${g},Status`)).Status;
      expect(await state(future)).toMatchObject({ State: 'Inactive', ActivationType: 'SpecificDate', ExpirationType: 'SpecificDate' });
      expect((await state(past)).State).toBe('Expired');
      expect((await state(now)).State).toBe('Active');
      // Moving the simulator clock past the end expires it without waiting.
      await h.ctl('PUT', '/config', { clockOffsetMs: 1.5 * HOUR });
      expect((await state(now)).State).toBe('Expired');
      expect((await state(future)).State).toBe('Active');
    });

    it('sets SpecificDeactivation, deactivates and activates through Status methods and State=', async () => {
      const c = SEED.credentials.unassigned;
      await h.ok('/entity', `entity=${c},ActivationMode=SpecificDeactivation(${iso(HOUR)})`, 'POST');
      expect((await h.ok('/entity', `entity=${c},Status`)).Status).toMatchObject({ State: 'Active', ActivationDate: null, ExpirationDate: iso(HOUR) });
      await h.ok('/entity', `entity=${c},Status.Deactivate()`, 'POST');
      expect((await h.ok('/entity', `entity=${c},State`)).State).toBe('Inactive');
      await h.ok('/entity', `entity=${c},Status.Activate(${iso(-HOUR)},${iso(2 * HOUR)})`, 'POST');
      expect((await h.ok('/entity', `entity=${c},Status`)).Status).toMatchObject({ State: 'Active', ExpirationDate: iso(2 * HOUR) });
      await h.ok('/entity', `entity=${c},State=Lost`, 'POST');
      expect((await h.ok('/entity', `entity=${c},State`)).State).toBe('Lost');
      expect((await h.fail('/entity', `entity=${SEED.cardholders.existing},State=Lost`, 'POST')).Message).toMatch(/not a valid state/);
      expect((await h.fail('/entity', `entity=${c},ActivationMode=SpecificActivationPeriod(${iso(HOUR)},${iso(0)})`, 'POST')).Message).toMatch(/after/);
    });
  });

  describe('groups and access rules', () => {
    it('adds a visitor to a group through the group methods, Members@ and Groups@; an existing membership fails', async () => {
      const v = await visitor();
      const g = SEED.groups.lobbyVisitors;
      await h.ok('/entity', `entity=${g},AddCardholderIntoGroup(${v})`, 'POST');
      expect((await h.ok('/entity', `entity=${v},Groups`)).Groups).toEqual([g]);
      expect((await h.fail('/entity', `entity=${v},Groups@${g}`, 'POST')).SdkErrorCode).toBe('SimPlaceholderAlreadyMember');
      await h.ok('/entity', `entity=${g},RemoveCardholderFromGroup(${v})`, 'POST');
      await h.ok('/entity', `entity=${g},RemoveCardholderFromGroup(${v})`, 'POST');
      await h.ok('/entity', `entity=${g},Members@(${v})`, 'POST');
      await h.ok('/entity', `entity=${v},Groups-${g}`, 'POST');
      await h.ok('/entity', `entity=${v},Groups@${g}@${SEED.groups.floor3Visitors}`, 'POST');
      expect(((await h.ok('/entity', `entity=${v},Groups`)).Groups as string[]).sort()).toEqual([g, SEED.groups.floor3Visitors].sort());
      await h.ok('/entity', `entity=${v},Groups*@${SEED.groups.visitors}`, 'POST');
      expect((await h.ok('/entity', `entity=${v},Groups`)).Groups).toEqual([SEED.groups.visitors]);
    });

    it('gives visitors door access only through cardholder groups', async () => {
      const v = await visitor();
      const rule = SEED.accessRules.lobbyDoors;
      const msg = /Visitors cannot be granted access rules directly/;
      expect((await h.fail('/entity', `entity=${rule},Members@${v}`, 'POST')).Message).toMatch(msg);
      expect((await h.fail('/entity', `entity=${v},AccessRules@${rule}`, 'POST')).Message).toMatch(msg);
      expect((await h.fail('/entity', `entity=${v},Groups@${rule}`, 'POST')).Message).toMatch(msg);
      // A cardholder may hold a rule directly; a group carries rules for its members.
      const c = await cardholder();
      await h.ok('/entity', `entity=${rule},Members@${c}`, 'POST');
      expect((await h.ok('/entity', `entity=${c},AccessRules`)).AccessRules).toEqual([rule]);
      expect((await h.ok('/entity', `entity=${SEED.groups.lobbyVisitors},AccessRules`)).AccessRules).toEqual([rule]);
    });

    it('checks a visitor out: inactive, departure now, credentials returned', async () => {
      const v = await visitor();
      await h.ok('/entity', `entity=${v},Credentials@${SEED.credentials.unassigned},Departure=${iso(HOUR)}`, 'POST');
      await h.ok('/entity', `entity=${v},Checkout()`, 'POST');
      const r = await h.ok('/entity', `entity=${v},State,CheckedOut,Credentials,Departure`);
      expect(r).toMatchObject({ State: 'Expired', CheckedOut: true, Credentials: [] });
      expect(Date.parse(r.Departure)).toBeLessThanOrEqual(Date.now());
      expect((await h.fail('/entity', `entity=${SEED.cardholders.existing},Checkout()`, 'POST')).Message).toMatch(/Could not find method/);
    });
  });

  describe('all-or-nothing and deletion', () => {
    it('applies nothing when a later clause fails', async () => {
      const v = await visitor();
      const q = `entity=${v},Name=Renamed,Credentials@${SEED.credentials.unassigned},entity=${SEED.groups.lobbyVisitors},AddCardholderIntoGroup(${v}),entity=NewEntity(Cardholder),Name=Ghost,Guid,entity=${v},NoSuchProp=1`;
      expect((await h.fail('/entity', q, 'POST')).Message).toMatch(/NoSuchProp/);
      const r = await h.ok('/entity', `entity=${v},Name,Credentials,Groups`);
      expect(r).toEqual({ Name: 'Vera Visitor', Credentials: [], Groups: [] });
      expect(await h.ok('/report/EntityConfiguration', 'EntityTypes@Cardholder,Name=Ghost')).toEqual([]);
    });

    it('deletes a person and cleans up links: credentials unassigned, memberships removed', async () => {
      const v = await visitor();
      await h.ok('/entity', `entity=${v},Credentials@${SEED.credentials.unassigned},Groups@${SEED.groups.lobbyVisitors}`, 'POST');
      expect((await h.api(`/entity/${v}`, { method: 'DELETE' })).text).toBe('{"Rsp":{"Status":"Ok"}}');
      expect((await h.ok('/entity', `entity=${SEED.credentials.unassigned},CardholderGuid`)).CardholderGuid).toBe('00000000-0000-0000-0000-000000000000');
      expect((await h.ok('/entity', `entity=${SEED.groups.lobbyVisitors},Members`)).Members).toEqual([]);
      expect((await h.fail(`/entity/${v}`, undefined, 'DELETE')).SdkErrorCode).toBe('SimPlaceholderEntityNotFound');
    });

    it('deletes a credential, which disappears from its holder, and refuses to delete built-ins', async () => {
      await h.ok(`/entity/${SEED.credentials.assigned}`, undefined, 'DELETE');
      expect((await h.ok('/entity', `entity=${SEED.cardholders.existing},Credentials`)).Credentials).toEqual([]);
      expect((await h.fail(`/entity/${SEED.groups.visitors}`, undefined, 'DELETE')).Message).toMatch(/built-in/);
    });
  });

  describe('fixtures', () => {
    it('encodes collections as GUID strings, [{Guid}] or legacy {item:[{Guid}]} as configured', async () => {
      const q = `entity=${SEED.cardholders.existing},Credentials`;
      expect((await h.ok('/entity', q)).Credentials).toEqual([SEED.credentials.assigned]);
      await h.ctl('PUT', '/config', { collectionEncoding: 'objects' });
      expect((await h.ok('/entity', q)).Credentials).toEqual([{ Guid: SEED.credentials.assigned }]);
      await h.ctl('PUT', '/config', { collectionEncoding: 'items' });
      expect((await h.ok('/entity', q)).Credentials).toEqual({ item: [{ Guid: SEED.credentials.assigned }] });
    });

    it('seeds entities through /__sim/seed under the same rules, all or nothing', async () => {
      const r = await h.ctl('POST', '/seed', {
        entities: [
          { EntityType: 'Visitor', Guid: '5eed0000-0000-4000-8000-00000000a001', Name: 'Seeded, Visitor', Groups: [SEED.groups.floor3Visitors] },
          {
            EntityType: 'Credential',
            Format: 'WiegandStandardCredentialFormat(3,33)',
            CardholderGuid: '5eed0000-0000-4000-8000-00000000a001',
            Status: { State: 'Inactive' },
          },
        ],
      });
      expect(r.guids[0]).toBe('5eed0000-0000-4000-8000-00000000a001');
      const seeded = await simEntity(h, r.guids[0]);
      expect(seeded).toMatchObject({ Name: 'Seeded, Visitor', Groups: [SEED.groups.floor3Visitors], Credentials: [r.guids[1]] });
      expect((await simEntity(h, r.guids[1])).Status.State).toBe('Inactive');
      await expect(
        h.ctl('POST', '/seed', {
          entities: [
            { EntityType: 'Cardholder', Name: 'Never stored' },
            { EntityType: 'Credential', Format: 'WiegandStandardCredentialFormat(3,33)' },
          ],
        }),
      ).rejects.toThrow(/200|500|400/);
      expect((await h.ctl('GET', '/state')).entities.some((e: { Name: string }) => e.Name === 'Never stored')).toBe(false);
    });

    it('resets to the seed, with a chosen number of tenant groups', async () => {
      await visitor();
      await h.ctl('POST', '/reset', { tenantGroups: 2 });
      const state = await h.ctl('GET', '/state');
      expect(state.entities.filter((e: { EntityType: string }) => e.EntityType === 'Visitor')).toHaveLength(0);
      expect(state.entities.filter((e: { EntityType: string }) => e.EntityType === 'CardholderGroup')).toHaveLength(7);
    });
  });
});

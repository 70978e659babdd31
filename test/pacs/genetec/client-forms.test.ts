import { GenetecClient } from '../../../src/pacs/genetec/client';
import { wiegandRawHex } from '../../../src/pacs/genetec/wiegand';
import type { BadgeTypeRef, ProviderSettings } from '../../../src/pacs/types';
import { SEED } from '../../../src/simulators/genetec/store';
import { simEntity, startHarness, type SimHarness } from '../../simulators/genetec/sim-helpers';
import { connFor, rejection, STANDARD_26 } from './client-helpers';

const HOUR = 3_600_000;
const fmt = (suffix: string): BadgeTypeRef => {
  const id = `00000000-0000-0000-0000-000000000${suffix}`;
  return { externalId: id, details: { formatId: id } };
};

describe('GenetecClient: credential request forms (UndecodedWiegand by default, decoded behind a setting)', () => {
  let h: SimHarness;
  const clients: GenetecClient[] = [];
  const make = (settings: ProviderSettings = {}) => {
    const c = new GenetecClient(connFor(h.sim, { settings }));
    clients.push(c);
    return c;
  };
  const window = () => ({ activateAt: new Date(), deactivateAt: new Date(Date.now() + HOUR) });

  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await h.ctl('POST', '/reset');
  });
  afterAll(() => h.close());

  it('by default issues and finds credentials without ever sending the decoded form', async () => {
    await h.ctl('PUT', '/config', { refuseDecodedCredentialFormat: true });
    const c = make({ facilityCode: 7 });
    expect(c.credentialForm).toBe('undecoded');
    const { personId } = await c.findOrCreateVisitor({ visitId: 'form-1', firstName: 'Una', lastName: 'Decoded' });
    const issued = await c.issueBadge({ personId, uniqueId: '4242', badgeType: STANDARD_26, ...window() });
    expect(issued.created).toBe(true);
    const cred = await simEntity(h, issued.credentialId);
    // The simulator decoded the raw bits into the same credential the numeric form would give.
    expect(cred.Format).toMatchObject({ FormatId: STANDARD_26.externalId, FacilityCode: 7, CardId: 4242, BitLength: 26 });
    expect(cred.CardholderGuid).toBe(personId);
    expect(await c.lookupBadge('4242', STANDARD_26)).toMatchObject({ exists: true, credentialId: issued.credentialId, holderId: personId });
    // A retry finds it (name search and UniqueIds with the same XML value) instead of creating another.
    expect(await c.issueBadge({ personId, uniqueId: '4242', badgeType: STANDARD_26, ...window() })).toEqual({
      credentialId: issued.credentialId,
      created: false,
    });
  });

  it('finds a card created by hand under another name through UniqueIds@<UndecodedWiegand>', async () => {
    await h.ctl('POST', '/seed', {
      entities: [{ EntityType: 'Credential', Name: 'Hand made', Format: 'WiegandStandardCredentialFormat(0,5151)', CardholderGuid: SEED.cardholders.existing }],
    });
    await h.ctl('PUT', '/config', { refuseDecodedCredentialFormat: true });
    const c = make();
    expect(await c.lookupBadge('5151', STANDARD_26)).toMatchObject({ exists: true, holderId: SEED.cardholders.existing });
    const { personId } = await c.findOrCreateVisitor({ visitId: 'form-2', firstName: 'B', lastName: 'C' });
    expect((await rejection(c.issueBadge({ personId, uniqueId: '5151', badgeType: STANDARD_26, ...window() }))).code).toBe('BADGE_ALREADY_ASSIGNED');
  });

  it('a server that refuses UniqueIds@<UndecodedWiegand> still finds our own credentials by name', async () => {
    const c = make();
    const { personId } = await c.findOrCreateVisitor({ visitId: 'form-3', firstName: 'N', lastName: 'Ame' });
    const issued = await c.issueBadge({ personId, uniqueId: '777', badgeType: STANDARD_26, ...window() });
    await h.ctl('POST', '/fail-next', {
      sdkErrorCode: 'InvalidOperation',
      message: "Could not find property 'UniqueIds'",
      pathFilter: 'report/CredentialConfiguration',
      count: 5,
    });
    expect(await c.lookupBadge('777', STANDARD_26)).toMatchObject({ exists: true, credentialId: issued.credentialId, holderId: personId });
  });

  it('genetecCredentialForm "decoded" sends WiegandStandardCredentialFormat(fc,card); a server refusing it says so', async () => {
    const c = make({ genetecCredentialForm: 'decoded' });
    const { personId } = await c.findOrCreateVisitor({ visitId: 'form-4', firstName: 'D', lastName: 'Ecoded' });
    expect((await c.issueBadge({ personId, uniqueId: '31', badgeType: STANDARD_26, ...window() })).created).toBe(true);
    await h.ctl('PUT', '/config', { refuseDecodedCredentialFormat: true });
    const e = await rejection(c.issueBadge({ personId, uniqueId: '32', badgeType: STANDARD_26, ...window() }));
    expect(e.code).toBe('PACS_VALIDATION');
    expect(e.message).toMatch(/UndecodedWiegand/);
  });

  it.each([
    ['200', 7, '65535'],
    ['300', 7, '65535'],
    ['400', 0, '34359738367'],
    ['500', 7, '524287'],
    ['600', 7, '1048575'],
    ['700', 0, '4294967295'],
    ['800', 7, '8388607'],
  ])('format …%s: the raw bits the client computes decode to the same card in the simulator', async (suffix, facility, card) => {
    await h.ctl('PUT', '/config', { refuseDecodedCredentialFormat: true });
    const c = make({ facilityCode: facility });
    const { personId } = await c.findOrCreateVisitor({ visitId: `fmt-${suffix}`, firstName: 'F', lastName: suffix });
    const issued = await c.issueBadge({ personId, uniqueId: card, badgeType: fmt(suffix), ...window() });
    const cred = await simEntity(h, issued.credentialId);
    expect(cred.Format).toMatchObject({ FormatId: fmt(suffix).externalId, CardId: Number(card) });
    if (suffix !== '400' && suffix !== '700') expect(cred.Format.FacilityCode).toBe(facility);
    expect((await c.lookupBadge(card, fmt(suffix))).credentialId).toBe(issued.credentialId);
  });

  it('the simulator refuses raw bits with a wrong parity bit', async () => {
    const good = wiegandRawHex('H10301', 3n, 1234n);
    const bad = (BigInt(`0x${good}`) ^ 1n).toString(16).toUpperCase();
    const xml = (raw: string) =>
      `<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>${raw}</Raw></UndecodedWiegand>`;
    const f = await h.fail('/entity', `entity=NewEntity(Credential),Format=${xml(bad)},Guid`, 'POST');
    expect(f.SdkErrorCode).toBe('InvalidOperation');
    expect(f.Message).toMatch(/parity bit 26/);
    const g = (await h.ok('/entity', `entity=NewEntity(Credential),Format=${xml(good)},Guid`, 'POST')).Guid;
    expect((await simEntity(h, g)).Format).toMatchObject({ FacilityCode: 3, CardId: 1234 });
  });

  it('partial result: the credential is created, the Departure write is refused; the retry finishes it', async () => {
    const c = make();
    const { personId } = await c.findOrCreateVisitor({ visitId: 'partial', firstName: 'Par', lastName: 'Tial' });
    const end = new Date(Date.now() + 2 * HOUR);
    await h.ctl('POST', '/fail-next', {
      sdkErrorCode: 'InvalidOperation',
      message: 'Injected: second part refused',
      pathFilter: 'entity',
      methodFilter: 'POST',
      queryFilter: 'Departure=',
    });
    const e = await rejection(c.issueBadge({ personId, uniqueId: '9090', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: end }));
    expect(e.message).toMatch(/second part refused/);
    // First part applied, second not.
    const state1 = await h.ctl('GET', '/state');
    const creds = state1.entities.filter((x: any) => x.EntityType === 'Credential' && x.Format?.CardId === 9090);
    expect(creds).toHaveLength(1);
    expect(creds[0].CardholderGuid).toBe(personId);
    expect((await simEntity(h, personId)).Departure ?? null).not.toBe(end.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    // The retry (what the activity does) finds the credential and writes what is missing.
    const again = await c.issueBadge({ personId, uniqueId: '9090', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: end });
    expect(again).toEqual({ credentialId: creds[0].Guid, created: false });
    expect(new Date((await simEntity(h, personId)).Departure).getTime()).toBe(Math.floor(end.getTime() / 1000) * 1000);
    expect((await h.ctl('GET', '/state')).entities.filter((x: any) => x.EntityType === 'Credential' && x.Format?.CardId === 9090)).toHaveLength(1);
  });

  describe('multi-clause writes on a server that keeps the clauses before a failing one', () => {
    it('deactivateBadge: Status.Deactivate() applied, Credentials- refused → the retry sees it and finishes', async () => {
      const c = make();
      const { personId } = await c.findOrCreateVisitor({ visitId: 'partial-deact', firstName: 'De', lastName: 'Act' });
      const { credentialId } = await c.issueBadge({ personId, uniqueId: '6060', badgeType: STANDARD_26, ...window() });
      await h.ctl('POST', '/fail-next', {
        sdkErrorCode: 'InvalidOperation',
        message: 'Injected: second clause refused',
        pathFilter: 'entity',
        methodFilter: 'POST',
        queryFilter: 'Credentials-',
        afterClauses: 1,
      });
      expect((await rejection(c.deactivateBadge({ personId, credentialId }))).message).toMatch(/second clause refused/);
      const half = await simEntity(h, credentialId);
      expect(half.Status.State).toBe('Inactive');
      expect(half.CardholderGuid).toBe(personId);
      await c.deactivateBadge({ personId, credentialId });
      const done = await simEntity(h, credentialId);
      expect(done.Status.State).toBe('Inactive');
      expect(done.CardholderGuid).toMatch(/^0{8}-/);
    });

    it('grantAccess: the first group added, the second refused → the retry adds only the missing one', async () => {
      const c = make();
      const { personId } = await c.findOrCreateVisitor({ visitId: 'partial-grant', firstName: 'Gr', lastName: 'Ant' });
      const { credentialId } = await c.issueBadge({ personId, uniqueId: '6061', badgeType: STANDARD_26, ...window() });
      const groups = [SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors];
      await h.ctl('POST', '/fail-next', {
        sdkErrorCode: 'InvalidOperation',
        message: 'Injected: second group refused',
        pathFilter: 'entity',
        methodFilter: 'POST',
        queryFilter: 'AddCardholderIntoGroup',
        afterClauses: 1,
      });
      expect((await rejection(c.grantAccess({ personId, credentialId, accessRuleExternalIds: groups }))).message).toMatch(/second group refused/);
      expect((await simEntity(h, personId)).Groups).toHaveLength(1);
      await c.grantAccess({ personId, credentialId, accessRuleExternalIds: groups });
      expect([...(await simEntity(h, personId)).Groups].sort()).toEqual([...groups].sort());
    });
  });
});

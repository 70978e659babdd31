import { GenetecClient, visitMarker } from '../../../src/pacs/genetec/client';
import { SEED } from '../../../src/simulators/genetec/store';
import { simEntity, startHarness, type SimHarness } from '../../simulators/genetec/sim-helpers';
import { connFor, rejection, STANDARD_26 } from './client-helpers';

const HOUR = 3_600_000;

describe('GenetecClient against the simulator: operations', () => {
  let h: SimHarness;
  let client: GenetecClient;
  const visit = (n: number, extra: Record<string, unknown> = {}) => ({
    visitId: `visit-${n}`,
    firstName: 'Ada',
    lastName: `Lovelace ${n}`,
    email: `ada${n}@example.com`,
    ...extra,
  });
  const stats = () => h.ctl('GET', '/stats');

  beforeAll(async () => {
    h = await startHarness();
  });
  beforeEach(async () => {
    await h.ctl('POST', '/reset');
    client = new GenetecClient(connFor(h.sim));
  });
  afterEach(() => client.close());
  afterAll(() => h.close());

  describe('testConnection', () => {
    it('passes reachability, credentials and licence over http', async () => {
      const r = await client.testConnection();
      expect(r.ok).toBe(true);
      expect(r.steps.map((s) => [s.name, s.ok])).toEqual([
        ['reachability', true],
        ['credentials', true],
        ['licence', true],
      ]);
      const s = await stats();
      expect(s.byRoute['GET /']).toBe(1);
      expect(s.byRoute['GET report/EntityConfiguration']).toBe(1);
    });

    it('accepts a bare origin as the provider URL and appends /WebSdk', async () => {
      const bare = new GenetecClient(connFor(h.sim, { url: `${h.sim.origin}/` }));
      expect((await bare.testConnection()).ok).toBe(true);
      await bare.close();
    });
  });

  describe('catalogues', () => {
    it('lists every cardholder group as an access rule, paging at PageSize+1 and reading names 10 at a time', async () => {
      const paged = new GenetecClient(connFor(h.sim), { pageSize: 20 });
      const rules = await paged.listAccessRules();
      await paged.close();
      expect(rules).toHaveLength(5 + SEED.tenantGroupCount);
      expect(rules).toContainEqual({ externalId: SEED.groups.lobbyVisitors, name: 'Lobby visitors' });
      expect(rules).toContainEqual({ externalId: SEED.groups.allCardholders, name: 'All cardholders' });
      expect(rules.filter((r) => r.name.startsWith('Tenant group'))).toHaveLength(SEED.tenantGroupCount);
      const s = await stats();
      expect(s.byRoute['GET report/EntityConfiguration']).toBe(2);
      expect(s.byRoute['GET entity']).toBe(4);
    });

    it('still lists the groups when one disappears between the report and the name read', async () => {
      await h.ctl('POST', '/fail-next', {
        sdkErrorCode: 'SimPlaceholderEntityNotFound',
        message: 'The entity does not exist',
        pathFilter: '/entity',
        methodFilter: 'GET',
      });
      const rules = await client.listAccessRules();
      expect(rules).toHaveLength(5 + SEED.tenantGroupCount);
    });

    it('lists credential formats as manual-entry badge types with their card-number range', async () => {
      const types = await client.listBadgeTypes();
      expect(types).toHaveLength(8);
      const std = types.find((t) => t.externalId === '00000000-0000-0000-0000-000000000200');
      expect(std).toEqual({
        externalId: '00000000-0000-0000-0000-000000000200',
        name: 'Standard 26-bit',
        manualEntry: true,
        idRange: { min: '0', max: '65535' },
        details: {
          formatId: '00000000-0000-0000-0000-000000000200',
          name: 'Standard 26-bit',
          bitLength: 26,
          facilityCodeRange: { min: 0, max: 255 },
          cardRange: { min: '0', max: '65535' },
        },
      });
      expect(types.find((t) => t.name === 'H10302 37-bit')?.idRange).toEqual({ min: '0', max: '34359738367' });
      const custom = types.find((t) => t.name === 'Simulator custom 40-bit');
      expect(custom?.details).toMatchObject({ fields: { facility: 'Facility code', card: 'Card number' }, facilityCodeRange: { min: 0, max: 65535 } });
    });

    it('falls back to the documented built-in formats when the server refuses CredentialFormats', async () => {
      await h.ctl('POST', '/fail-next', { sdkErrorCode: 'InvalidOperation', message: "Could not find property 'CredentialFormats'", pathFilter: '/entity' });
      const types = await client.listBadgeTypes();
      expect(types.map((t) => t.name)).toEqual([
        'Standard 26-bit',
        'H10306 34-bit',
        'H10302 37-bit',
        'H10304 37-bit',
        'Corporate 1000 35-bit',
        'CSN 32-bit',
        'Corporate 1000 48-bit',
      ]);
    });
  });

  describe('findOrCreateVisitor', () => {
    it('creates a Visitor with name, e-mail, arrival and the visit marker', async () => {
      const r = await client.findOrCreateVisitor(visit(1));
      expect(r.created).toBe(true);
      const e = await simEntity(h, r.personId);
      expect(e).toMatchObject({
        EntityType: 'Visitor',
        Name: 'Ada Lovelace 1',
        FirstName: 'Ada',
        LastName: 'Lovelace 1',
        EmailAddress: 'ada1@example.com',
        Description: visitMarker('visit-1'),
      });
      expect(Math.abs(Date.parse(e.Arrival) - Date.now())).toBeLessThan(60_000);
    });

    it('finds the same person on a second call for the same visit', async () => {
      const a = await client.findOrCreateVisitor(visit(2));
      const b = await client.findOrCreateVisitor(visit(2));
      expect(b).toEqual({ personId: a.personId, created: false });
    });

    it('finds a returning visitor by exact name and e-mail, but not a namesake with another e-mail', async () => {
      const first = await client.findOrCreateVisitor(visit(3));
      const again = await client.findOrCreateVisitor({ ...visit(3), visitId: 'visit-3b', email: 'ADA3@example.com' });
      expect(again).toEqual({ personId: first.personId, created: false });
      const namesake = await client.findOrCreateVisitor({ ...visit(3), visitId: 'visit-3c', email: 'other@example.com' });
      expect(namesake.created).toBe(true);
      expect(namesake.personId).not.toBe(first.personId);
    });

    it("does not take a longer name that contains the visitor's for the visitor, even with the same e-mail", async () => {
      // The name search is NameSearchMode=Contains [C-obs]: "Ada Lovelace 9" also finds "Ada Lovelace 90".
      const longer = await client.findOrCreateVisitor({ ...visit(90), email: 'ada9@example.com' });
      const v = await client.findOrCreateVisitor(visit(9));
      expect(v.created).toBe(true);
      expect(v.personId).not.toBe(longer.personId);
    });

    it('creates a plain Cardholder (no Arrival) when the provider is set so, and keeps special characters intact', async () => {
      const c = new GenetecClient(connFor(h.sim, { settings: { personEntityType: 'Cardholder' } }));
      const r = await c.findOrCreateVisitor({ visitId: 'v,4', firstName: 'Jean-Luc (JL)', lastName: "O'Neil, Jr. #1", email: null });
      await c.close();
      const e = await simEntity(h, r.personId);
      expect(e).toMatchObject({ EntityType: 'Cardholder', FirstName: 'Jean-Luc (JL)', LastName: "O'Neil, Jr. 1", Description: visitMarker('v,4') });
      expect(e.Arrival).toBeUndefined();
    });
  });

  describe('badges', () => {
    it('looks up a card held by someone, a free card, and an unknown card', async () => {
      expect(await client.lookupBadge('1500', STANDARD_26)).toEqual({
        exists: true,
        credentialId: SEED.credentials.assigned,
        holderId: SEED.cardholders.existing,
        holderName: 'Alex Example',
        active: true,
      });
      expect(await client.lookupBadge('1600', STANDARD_26)).toMatchObject({
        exists: true,
        credentialId: SEED.credentials.unassigned,
        holderId: null,
        active: true,
      });
      expect(await client.lookupBadge('4242', STANDARD_26)).toEqual({ exists: false });
    });

    it('uses the provider facility code in the lookup', async () => {
      const fc5 = new GenetecClient(connFor(h.sim, { settings: { facilityCode: 5 } }));
      expect(await fc5.lookupBadge('1500', STANDARD_26)).toEqual({ exists: false });
      await fc5.close();
    });

    it('refuses out-of-range and non-numeric card numbers before calling the server', async () => {
      const e = await rejection(client.lookupBadge('70000', STANDARD_26));
      expect(e.code).toBe('BADGE_ID_OUT_OF_RANGE');
      expect(e.message).toMatch(/0–65535.*Standard 26-bit/);
      expect((await rejection(client.lookupBadge('12a', STANDARD_26))).code).toBe('PACS_VALIDATION');
      const fc = new GenetecClient(connFor(h.sim, { settings: { facilityCode: 300 } }));
      expect((await rejection(fc.lookupBadge('1', STANDARD_26))).message).toMatch(/facility code 300/);
      await fc.close();
      expect((await stats()).requests).toBe(0);
    });

    it('issues a new credential with a hard expiry, and sets the visitor departure to match', async () => {
      const { personId } = await client.findOrCreateVisitor(visit(5));
      const activateAt = new Date(Date.now() - 60_000);
      const deactivateAt = new Date(Date.now() + 8 * HOUR);
      const issued = await client.issueBadge({ personId, uniqueId: '4242', badgeType: STANDARD_26, activateAt, deactivateAt });
      expect(issued.created).toBe(true);
      const cred = await simEntity(h, issued.credentialId);
      expect(cred).toMatchObject({
        CardholderGuid: personId,
        Format: { FormatId: '00000000-0000-0000-0000-000000000200', FacilityCode: 0, CardId: 4242 },
        Status: { State: 'Active', ExpirationType: 'SpecificDate' },
      });
      expect(Date.parse(cred.Status.ExpirationDate)).toBe(Math.floor(deactivateAt.getTime() / 1000) * 1000);
      expect(Date.parse((await simEntity(h, personId)).Departure)).toBe(Math.floor(deactivateAt.getTime() / 1000) * 1000);
      expect(await client.activeBadgesOf(personId)).toEqual([{ credentialId: issued.credentialId, uniqueId: '4242' }]);
    });

    it('issues a custom-format credential through CustomCredentialFormat', async () => {
      const custom = (await client.listBadgeTypes()).find((t) => t.name === 'Simulator custom 40-bit')!;
      const { personId } = await client.findOrCreateVisitor(visit(6));
      const issued = await client.issueBadge({
        personId,
        uniqueId: '3000000',
        badgeType: { externalId: custom.externalId, details: custom.details },
        activateAt: new Date(),
        deactivateAt: new Date(Date.now() + HOUR),
      });
      expect((await simEntity(h, issued.credentialId)).Format).toMatchObject({ Name: 'Simulator custom 40-bit', CardId: 3000000 });
      expect((await rejection(client.lookupBadge('5000000', { externalId: custom.externalId, details: custom.details }))).code).toBe('BADGE_ID_OUT_OF_RANGE');
    });

    it('refuses a card that someone else holds, naming the holder', async () => {
      const { personId } = await client.findOrCreateVisitor(visit(7));
      const e = await rejection(
        client.issueBadge({ personId, uniqueId: '1500', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: new Date(Date.now() + HOUR) }),
      );
      expect(e.code).toBe('BADGE_ALREADY_ASSIGNED');
      expect(e.retryable).toBe(false);
      expect(e.message).toMatch(/Card 1500 \(Standard 26-bit, facility code 0\) is assigned to Alex Example/);
    });

    it('takes a free card from the pool: assigns and activates the existing credential', async () => {
      await h.ctl('POST', '/seed', { entities: [] });
      const { personId } = await client.findOrCreateVisitor(visit(8));
      const issued = await client.issueBadge({
        personId,
        uniqueId: '1600',
        badgeType: STANDARD_26,
        activateAt: new Date(),
        deactivateAt: new Date(Date.now() + HOUR),
      });
      expect(issued).toEqual({ credentialId: SEED.credentials.unassigned, created: false });
      expect(await client.lookupBadge('1600', STANDARD_26)).toMatchObject({ holderId: personId, active: true });
    });

    it('reports only active credentials of a person', async () => {
      await h.ctl('POST', '/seed', {
        entities: [
          { EntityType: 'Cardholder', Guid: '5eed0000-0000-4000-8000-00000000b001', Name: 'Multi' },
          { EntityType: 'Credential', Format: 'WiegandStandardCredentialFormat(0,11)', CardholderGuid: '5eed0000-0000-4000-8000-00000000b001' },
          {
            EntityType: 'Credential',
            Format: 'WiegandStandardCredentialFormat(0,12)',
            CardholderGuid: '5eed0000-0000-4000-8000-00000000b001',
            Status: { State: 'Inactive' },
          },
          {
            EntityType: 'Credential',
            Format: 'WiegandStandardCredentialFormat(0,13)',
            CardholderGuid: '5eed0000-0000-4000-8000-00000000b001',
            Status: { ActivationDate: '2020-01-01T00:00:00Z', ExpirationDate: '2020-01-02T00:00:00Z' },
          },
        ],
      });
      expect((await client.activeBadgesOf('5eed0000-0000-4000-8000-00000000b001')).map((b) => b.uniqueId)).toEqual(['11']);
      expect(await client.activeBadgesOf(SEED.cardholders.existing)).toEqual([{ credentialId: SEED.credentials.assigned, uniqueId: '1500' }]);
    });
  });

  describe('access and deprovisioning', () => {
    it('grants cardholder groups, skipping memberships that exist, and revokes them (absent = success)', async () => {
      const { personId } = await client.findOrCreateVisitor(visit(9));
      const groups = [SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors];
      await client.grantAccess({ personId, credentialId: '', accessRuleExternalIds: groups });
      expect(new Set((await simEntity(h, personId)).Groups)).toEqual(new Set(groups));
      const posts = (await stats()).byRoute['POST entity'];
      await client.grantAccess({ personId, credentialId: '', accessRuleExternalIds: [SEED.groups.lobbyVisitors] });
      expect((await stats()).byRoute['POST entity']).toBe(posts);
      await client.grantAccess({ personId, credentialId: '', accessRuleExternalIds: [...groups, SEED.groups.dataCentreEscort] });
      expect((await simEntity(h, personId)).Groups).toHaveLength(3);

      await client.revokeAccess({ personId, credentialId: '', accessRuleExternalIds: [SEED.groups.lobbyVisitors, SEED.groups.visitors] });
      expect(new Set((await simEntity(h, personId)).Groups)).toEqual(new Set([SEED.groups.floor3Visitors, SEED.groups.dataCentreEscort]));
      await client.revokeAccess({ personId, credentialId: '', accessRuleExternalIds: [SEED.groups.lobbyVisitors] });
      await client.revokeAccess({ personId: '0123456789abcdef0123456789abcdef', credentialId: '', accessRuleExternalIds: groups });
    });

    it('reports a cardholder group that no longer exists as ACCESS_RULE_MISSING', async () => {
      const { personId } = await client.findOrCreateVisitor(visit(10));
      await h.api(`/entity/${SEED.groups.floor3Visitors}`, { method: 'DELETE' });
      const e = await rejection(
        client.grantAccess({ personId, credentialId: '', accessRuleExternalIds: [SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors] }),
      );
      expect(e.code).toBe('ACCESS_RULE_MISSING');
      expect(e.message).toContain(SEED.groups.floor3Visitors);
      expect((await simEntity(h, personId)).Groups).toEqual([]);
    });

    it('deactivates the credential and frees the card; repeating it, or for a deleted credential, succeeds', async () => {
      const { personId } = await client.findOrCreateVisitor(visit(11));
      const { credentialId } = await client.issueBadge({
        personId,
        uniqueId: '777',
        badgeType: STANDARD_26,
        activateAt: new Date(),
        deactivateAt: new Date(Date.now() + HOUR),
      });
      await client.deactivateBadge({ personId, credentialId });
      expect(await client.lookupBadge('777', STANDARD_26)).toEqual({ exists: true, credentialId, holderId: null, holderName: null, active: false });
      expect(await client.activeBadgesOf(personId)).toEqual([]);
      await client.deactivateBadge({ personId, credentialId });
      await h.api(`/entity/${credentialId}`, { method: 'DELETE' });
      await client.deactivateBadge({ personId, credentialId });
    });

    it('can keep the credential on the person when release is switched off', async () => {
      const keep = new GenetecClient(connFor(h.sim), { releaseOnDeactivate: false });
      const { personId } = await keep.findOrCreateVisitor(visit(12));
      const { credentialId } = await keep.issueBadge({
        personId,
        uniqueId: '778',
        badgeType: STANDARD_26,
        activateAt: new Date(),
        deactivateAt: new Date(Date.now() + HOUR),
      });
      await keep.deactivateBadge({ personId, credentialId });
      expect(await keep.lookupBadge('778', STANDARD_26)).toMatchObject({ holderId: personId, active: false });
      await keep.close();
    });

    it('runs a full visit twice with the same physical card', async () => {
      for (const n of [13, 14]) {
        const { personId } = await client.findOrCreateVisitor(visit(n));
        expect(await client.activeBadgesOf(personId)).toEqual([]);
        const { credentialId } = await client.issueBadge({
          personId,
          uniqueId: '900',
          badgeType: STANDARD_26,
          activateAt: new Date(),
          deactivateAt: new Date(Date.now() + HOUR),
        });
        await client.grantAccess({ personId, credentialId, accessRuleExternalIds: [SEED.groups.lobbyVisitors] });
        expect(await client.lookupBadge('900', STANDARD_26)).toMatchObject({ holderId: personId, active: true });
        await client.revokeAccess({ personId, credentialId, accessRuleExternalIds: [SEED.groups.lobbyVisitors] });
        await client.deactivateBadge({ personId, credentialId });
      }
      const creds = (await h.ctl('GET', '/state')).entities.filter((e: any) => e.EntityType === 'Credential' && e.Format?.CardId === 900);
      expect(creds).toHaveLength(1);
    });
  });
});

import { GenetecClient } from '../../../src/pacs/genetec/client';
import { SEED, tenantGroupGuid } from '../../../src/simulators/genetec/store';
import { startHarness, type SimHarness } from '../../simulators/genetec/sim-helpers';
import { connFor } from './client-helpers';

/** getBadgeType and findAccessRules: the provision precheck's lookups by ID, against the simulator over HTTP. */
describe('GenetecClient against the simulator: lookups by ID', () => {
  let h: SimHarness;
  let client: GenetecClient;
  const STANDARD_26 = '00000000-0000-0000-0000-000000000200';
  const stats = () => h.ctl('GET', '/stats');
  const remove = (guid: string) => h.ok(`/entity/${guid.replace(/-/g, '')}`, undefined, 'DELETE');

  beforeAll(async () => {
    h = await startHarness();
  });
  beforeEach(async () => {
    await h.ctl('POST', '/reset');
    client = new GenetecClient(connFor(h.sim));
    await client.testConnection(); // logs on, so the counts below are the lookups only
    await h.ctl('POST', '/stats/reset');
  });
  afterEach(() => client.close());
  afterAll(() => h.close());

  describe('getBadgeType', () => {
    it('finds a credential format by its FormatId with one read of the system configuration', async () => {
      expect(await client.getBadgeType(STANDARD_26)).toMatchObject({
        externalId: STANDARD_26,
        name: 'Standard 26-bit',
        manualEntry: true,
        idRange: { min: '0', max: '65535' },
      });
      expect((await stats()).requests).toBe(1);
      expect((await stats()).byRoute['GET entity']).toBe(1);
    });

    it('answers null for a format the server does not have, and for a malformed ID without asking', async () => {
      expect(await client.getBadgeType('0badf00d-0000-4000-8000-000000000999')).toBeNull();
      expect(await client.getBadgeType('standard-26')).toBeNull();
      expect((await stats()).requests).toBe(1);
    });
  });

  describe('findAccessRules', () => {
    it('finds several cardholder groups with one batched entity read', async () => {
      const found = await client.findAccessRules([SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors, tenantGroupGuid(7)]);
      expect(found).toEqual([
        { externalId: SEED.groups.lobbyVisitors, name: 'Lobby visitors' },
        { externalId: SEED.groups.floor3Visitors, name: 'Floor 3 visitors' },
        { externalId: tenantGroupGuid(7), name: expect.stringMatching(/^Tenant group/) },
      ]);
      const s = await stats();
      expect(s.requests).toBe(1);
      expect(s.byRoute['GET entity']).toBe(1);
    });

    it('leaves out a group deleted in Security Center (its batch fails, then each is read alone)', async () => {
      await remove(SEED.groups.floor3Visitors);
      await h.ctl('POST', '/stats/reset');
      const found = await client.findAccessRules([SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors, SEED.groups.dataCentreEscort]);
      expect(found.map((r) => r.externalId)).toEqual([SEED.groups.lobbyVisitors, SEED.groups.dataCentreEscort]);
      expect((await stats()).requests).toBe(4);
    });

    it('finds nothing for a deleted group, an entity that is not a cardholder group, an empty list or a malformed ID', async () => {
      await remove(SEED.groups.dataCentreEscort);
      await h.ctl('POST', '/stats/reset');
      expect(await client.findAccessRules([SEED.groups.dataCentreEscort])).toEqual([]);
      expect(await client.findAccessRules([SEED.accessRules.lobbyDoors])).toEqual([]);
      expect(await client.findAccessRules([])).toEqual([]);
      expect(await client.findAccessRules(['lobby'])).toEqual([]);
      expect((await stats()).requests).toBe(2);
    });
  });
});

import crypto from 'node:crypto';
import { GenetecClient, visitMarker } from '../../../src/pacs/genetec/client';
import { SEED } from '../../../src/simulators/genetec/store';
import { startHarness, type SimHarness } from '../../simulators/genetec/sim-helpers';
import { connFor, STANDARD_26 } from './client-helpers';

/** The two reads reconciliation adds to the adapter, against the Genetec simulator over HTTP. */
describe('GenetecClient against the simulator: reads for reconciliation', () => {
  let h: SimHarness;
  let client: GenetecClient;

  beforeAll(async () => {
    h = await startHarness();
  });
  beforeEach(async () => {
    await h.ctl('POST', '/reset');
    client = new GenetecClient(connFor(h.sim));
  });
  afterEach(() => client.close());
  afterAll(() => h.close());

  it('accessRulesOf lists the person’s cardholder groups, and follows grants and revocations', async () => {
    const { personId } = await client.findOrCreateVisitor({ visitId: crypto.randomUUID(), firstName: 'Rita', lastName: 'Reads' });
    const { credentialId } = await client.issueBadge({
      personId,
      uniqueId: '4242',
      badgeType: STANDARD_26,
      activateAt: new Date(Date.now() - 60_000),
      deactivateAt: new Date(Date.now() + 3_600_000),
    });
    expect(await client.accessRulesOf({ personId, credentialId })).toEqual([]);
    await client.grantAccess({ personId, credentialId, accessRuleExternalIds: [SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors] });
    expect((await client.accessRulesOf({ personId, credentialId })).sort()).toEqual([SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors].sort());
    await client.revokeAccess({ personId, credentialId, accessRuleExternalIds: [SEED.groups.floor3Visitors] });
    expect(await client.accessRulesOf({ personId, credentialId })).toEqual([SEED.groups.lobbyVisitors]);
  });

  it('accessRulesOf is empty for a person who does not exist or an ID that is not a GUID', async () => {
    expect(await client.accessRulesOf({ personId: crypto.randomUUID(), credentialId: '' })).toEqual([]);
    expect(await client.accessRulesOf({ personId: 'not-a-guid', credentialId: '' })).toEqual([]);
  });

  it('visitMarkerOf returns the visit ID stored in the Description of a person we created', async () => {
    const visitId = crypto.randomUUID();
    const { personId } = await client.findOrCreateVisitor({ visitId, firstName: 'Mark', lastName: 'Ed', email: 'mark.ed@example.com' });
    expect(await client.visitMarkerOf(personId)).toBe(visitId);
    expect(visitMarker(visitId).endsWith(visitId)).toBe(true);
  });

  it('visitMarkerOf is null for the site’s own cardholders and for unknown people', async () => {
    expect(await client.visitMarkerOf(SEED.cardholders.existing)).toBeNull();
    const r = await h.ctl('POST', '/seed', { entities: [{ EntityType: 'Visitor', Name: 'Walk In', Description: 'signed in at the desk' }] });
    expect(await client.visitMarkerOf(r.guids[0])).toBeNull();
    expect(await client.visitMarkerOf(crypto.randomUUID())).toBeNull();
    expect(await client.visitMarkerOf('not-a-guid')).toBeNull();
  });
});

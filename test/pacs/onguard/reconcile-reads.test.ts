import crypto from 'node:crypto';
import type { OnGuardClient } from '../../../src/pacs/onguard/client';
import { SimHarness, useClientHarness } from './helpers';

/** The two reads reconciliation adds to the adapter, against the OnGuard simulator over HTTP. */
let h: SimHarness;
const clients = useClientHarness((x) => (h = x));
let client: OnGuardClient;

beforeEach(() => {
  client = clients.make(h);
});

describe('accessRulesOf', () => {
  it('lists the access levels assigned to the badge, and follows grants and revocations', async () => {
    // Seeded badge 13000 (ID 1500) carries levels 1 and 2.
    expect((await client.accessRulesOf({ personId: '1', credentialId: '13000' })).sort()).toEqual(['1', '2']);
    const { personId } = await client.findOrCreateVisitor({ visitId: crypto.randomUUID(), firstName: 'Rita', lastName: 'Reads' });
    const { credentialId } = await client.issueBadge({
      personId,
      uniqueId: '1234',
      badgeType: { externalId: '2' },
      activateAt: new Date(Date.now() - 60_000),
      deactivateAt: new Date(Date.now() + 3_600_000),
    });
    expect(await client.accessRulesOf({ personId, credentialId })).toEqual([]);
    await client.grantAccess({ personId, credentialId, accessRuleExternalIds: ['3', '4'] });
    expect((await client.accessRulesOf({ personId, credentialId })).sort()).toEqual(['3', '4']);
    await client.revokeAccess({ personId, credentialId, accessRuleExternalIds: ['3'] });
    expect(await client.accessRulesOf({ personId, credentialId })).toEqual(['4']);
  });

  it('answers nothing for a badge that has no key or does not exist', async () => {
    expect(await client.accessRulesOf({ personId: '1', credentialId: '' })).toEqual([]);
    expect(await client.accessRulesOf({ personId: '1', credentialId: '99999' })).toEqual([]);
  });
});

describe('visitMarkerOf', () => {
  it('returns the visit ID findOrCreateVisitor stored on a visitor it created', async () => {
    const visitId = crypto.randomUUID();
    const { personId } = await client.findOrCreateVisitor({ visitId, firstName: 'Mark', lastName: 'Ed', email: 'mark.ed@example.com' });
    expect(await client.visitMarkerOf(personId)).toBe(visitId);
  });

  it('reads the configured marker field', async () => {
    const visitId = crypto.randomUUID();
    const custom = clients.make(h, { settings: { visitMarkerField: 'DEPARTMENT' } });
    await h.control('POST', '/seed', { visitors: [{ ID: 700, FIRSTNAME: 'Dee', LASTNAME: 'Partment', DEPARTMENT: visitId, SSNO: 'x' }] });
    expect(await custom.visitMarkerOf('700')).toBe(visitId);
    expect(await client.visitMarkerOf('700')).toBeNull();
  });

  it('is null for the site’s own people: cardholders, visitors entered by hand, unknown IDs', async () => {
    expect(await client.visitMarkerOf('1')).toBeNull(); // cardholder Ada Lovelace
    expect(await client.visitMarkerOf('3')).toBeNull(); // seeded visitor, no marker
    await h.control('POST', '/seed', { visitors: [{ ID: 701, FIRSTNAME: 'Sam', LASTNAME: 'Ssn', SSNO: '078-05-1120' }] });
    expect(await client.visitMarkerOf('701')).toBeNull();
    expect(await client.visitMarkerOf('424242')).toBeNull();
  });
});

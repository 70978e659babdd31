import { isPacsError } from '../../../src/pacs/errors';
import { GenetecClient } from '../../../src/pacs/genetec/client';
import { startHarness, type SimHarness } from '../../simulators/genetec/sim-helpers';
import { connFor, rejection, STANDARD_26 } from './client-helpers';

const HOUR = 3_600_000;

/**
 * A create that Security Center applied but whose answer never arrived (the simulator's drop-after-commit):
 * the call fails as a transient error, and the retry the visit workflow makes must find what the first
 * attempt created instead of creating a second visitor or credential.
 */
describe('GenetecClient: a create whose answer is lost', () => {
  let h: SimHarness;
  let client: GenetecClient;
  beforeAll(async () => {
    h = await startHarness();
  });
  beforeEach(() => {
    client = new GenetecClient(connFor(h.sim));
  });
  afterEach(async () => {
    await client.close();
    await h.ctl('POST', '/reset');
  });
  afterAll(() => h.close());

  const entities = async () => (await h.ctl('GET', '/state')).entities as any[];

  it('creates exactly one visitor: the failed call is retryable and the retry finds it', async () => {
    const v = { visitId: 'lost-visitor-1', firstName: 'Lotte', lastName: 'Lost', email: 'lotte@example.com' };
    await h.ctl('POST', '/drop-next', { entityType: 'Visitor' });
    const err = await rejection(client.findOrCreateVisitor(v));
    expect(isPacsError(err) && err.retryable).toBe(true);
    const again = await client.findOrCreateVisitor(v);
    expect(again.created).toBe(false);
    const visitors = (await entities()).filter((e) => e.EntityType === 'Visitor' && e.LastName === 'Lost');
    expect(visitors.map((e) => e.Guid)).toEqual([again.personId]);
    expect((await h.ctl('GET', '/drop-next')).dropped).toBe(1);
  });

  it('creates exactly one credential, assigned to the visitor, with the window of the retry', async () => {
    const { personId } = await client.findOrCreateVisitor({ visitId: 'lost-cred-1', firstName: 'Carl', lastName: 'Card' });
    const args = { personId, uniqueId: '5151', badgeType: STANDARD_26, activateAt: new Date(), deactivateAt: new Date(Date.now() + HOUR) };
    await h.ctl('POST', '/drop-next', { entityType: 'Credential' });
    const err = await rejection(client.issueBadge(args));
    expect(isPacsError(err) && err.retryable).toBe(true);
    const again = await client.issueBadge(args);
    const creds = (await entities()).filter((e) => e.EntityType === 'Credential' && e.Format?.CardId === 5151);
    expect(creds).toHaveLength(1);
    expect(creds[0]).toMatchObject({ Guid: again.credentialId, CardholderGuid: personId });
    expect(creds[0].Status.State).toBe('Active');
    expect(await client.activeBadgesOf(personId)).toEqual([{ credentialId: again.credentialId, uniqueId: '5151' }]);
  });
});

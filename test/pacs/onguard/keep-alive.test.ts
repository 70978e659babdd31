import { createDispatcher, send } from '../../../src/pacs/http';
import { apiBaseUrl } from '../../../src/pacs/onguard/api';
import { type SimHarness, useSimHarness } from '../../simulators/onguard/helpers';

/**
 * OnGuard's DELETE /instances carries a JSON body. HTTP clients tend to close the connection after a
 * body on a DELETE; ours must keep it, or each removal opens a new connection (a TLS handshake against a
 * real server) and more requests run at once than the provider's connection cap allows.
 */
describe('keep-alive with DELETE bodies (OnGuard)', () => {
  let h: SimHarness;
  useSimHarness((x) => (h = x));

  it('sends ten DELETEs with a JSON body over one connection', async () => {
    const dispatcher = createDispatcher({ tls: { verify: true }, maxConcurrentRequests: 1 });
    try {
      await h.control('POST', '/stats/reset');
      const url = `${apiBaseUrl(h.sim.providerUrl)}/instances?version=1.0`;
      for (let i = 0; i < 10; i++) {
        const r = await send(dispatcher, url, {
          method: 'DELETE',
          headers: { 'content-type': 'application/json', 'application-id': h.sim.credentials.applicationId },
          body: JSON.stringify({ type_name: 'Lnl_AccessLevelAssignment', property_value_map: { ACCESSLEVELID: 1, BADGEKEY: i } }),
          timeoutMs: 3_000,
        });
        expect(r.status).toBeGreaterThanOrEqual(200); // refused without a session; the connection is what counts
      }
      const stats = (await h.control('GET', '/stats')).json;
      expect(stats.requests).toBe(10);
      expect(stats.connections).toBe(1);
    } finally {
      await dispatcher.close();
    }
  });
});

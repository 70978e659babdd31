import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { pacsBadge } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';
import { workflowBundle } from '../helpers/worker';

/**
 * Determinism: histories of real visits replay against the current workflow code. The recorded fixture
 * (test/fixtures/visit-history.json, a full visit from sign-in to sign-out made by an earlier version)
 * guards deployed visits against an incompatible change; so does test/fixtures/visit-history-v2.json,
 * recorded after the end-guarantee patch. Fixtures stay as recorded: a later patch adds a fixture of its
 * own rather than replacing one.
 */
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'visit-history.json');
/**
 * Each later fixture was recorded right after a patch (v2: end-guarantee, switch-off rounds and Cancel;
 * v3: fast provisioning with local bookkeeping; approval: approval-v4, a visit awaiting approval, approved
 * and signed out; operator: operator-view-v4, the VisitErrorCode search attribute kept in step with the
 * failure, through switch-off rounds and a Cancel; one-call: one-call-provision-v5, provisioning in one
 * PACS activity, through a failed check, a retry and a sign-out; start-attributes: the same visit once the
 * API set every search attribute at start, recorded before release-and-complete-v6 folded the release into
 * the last status; release-complete and release-complete-rounds: the same two kinds of visit as
 * start-attributes and operator, recorded with release-and-complete-v6 and before visit-v7 folded the patches
 * into one and the end into one activity; v7, v7-rounds and v7-approval: the start-attributes, operator and
 * approval kinds of visit recorded with visit-v7, before visit-v8 ran first attempts as local activities). `RECORD_HISTORY=1` re-records start-attributes, operator and
 * approval, each from the test that produces its kind of visit.
 */
const fixture = (f: string) => path.join(__dirname, '..', 'fixtures', f);
const FIXTURES = [
  'visit-history-v2.json',
  'visit-history-v3.json',
  'visit-history-approval.json',
  'visit-history-operator.json',
  'visit-history-one-call.json',
  'visit-history-start-attributes.json',
  'visit-history-release-complete.json',
  'visit-history-release-complete-rounds.json',
  'visit-history-v7.json',
  'visit-history-v7-rounds.json',
  'visit-history-v7-approval.json',
].map(fixture);

describe('visit workflow replay', () => {
  let env: VisitEnv;
  beforeAll(async () => {
    env = await startVisitEnv('onguard');
  }, 120_000);
  afterAll(() => env?.close());

  it('replays the history of a complete visit, with a retry in it, without non-determinism', async () => {
    const badgeId = await env.addBadge('1801');
    // A failure, an operator retry, then sign-out: every branch of the workflow appears in the history.
    await env.simCall('POST', '/__sim/seed', {
      badgeTypes: [{ ID: 2, Name: 'Visitor', BADGETYPECLASS: 3, manualEntry: false, idRange: { min: 1000, max: 1999 } }],
    });
    const v = await env.signIn(badgeId, { firstName: 'Replay', lastName: 'Me' });
    await env.waitFor(v.body.id, 'provision_failed');
    await env.simCall('POST', '/__sim/seed', {
      badgeTypes: [{ ID: 2, Name: 'Visitor', BADGETYPECLASS: 3, manualEntry: true, idRange: { min: 1000, max: 1999 } }],
    });
    await env.api.call('POST', `/v1/visits/${v.body.id}/retry`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'active');
    await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(v.body.id, 'completed');
    expect((await pacsBadge(env, '1801')).active).toBe(false);

    const handle = env.api.temporal.workflow.getHandle(`visit-${v.body.id}`);
    await handle.result();
    const history = await handle.fetchHistory();
    expect(history.events?.length).toBeGreaterThan(20);
    // No secret may be in a history: the provider password is only read inside activities.
    expect(JSON.stringify(history)).not.toContain(env.sim.credentials.password);
    const bundle = await workflowBundle();
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, `visit-${v.body.id}`);
    if (process.env.RECORD_HISTORY === '1') fs.writeFileSync(fixture('visit-history-start-attributes.json'), historyToJSON(history));
  });

  it('replays a history with switch-off rounds through an outage and a Cancel', async () => {
    const badgeId = await env.addBadge('1802');
    const v = await env.signIn(badgeId, { firstName: 'Replay', lastName: 'Rounds' });
    await env.waitFor(v.body.id, 'active');
    await env.simCall('PUT', '/__sim/faults', { outage: true });
    try {
      await env.api.call('POST', `/v1/visits/${v.body.id}/sign-out`, { token: env.receptionist.token });
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !((await env.api.call('GET', `/v1/visits/${v.body.id}`)).body.lastError?.attempts >= 2)) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const handle = env.api.temporal.workflow.getHandle(`visit-${v.body.id}`);
      // Cancel while it is still switching off: it goes on switching off, then completes.
      await handle.cancel();
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await env.simCall('PUT', '/__sim/faults', { outage: false });
    }
    const done = await env.waitFor(v.body.id, 'completed');
    expect(done.timeline.map((e: { detail?: string }) => e.detail).join('\n')).toMatch(/could not finish switching the badge off yet/);
    expect((await pacsBadge(env, '1802')).active).toBe(false);
    const handle = env.api.temporal.workflow.getHandle(`visit-${v.body.id}`);
    await handle.result();
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `visit-${v.body.id}`);
    if (process.env.RECORD_HISTORY === '1') fs.writeFileSync(fixture('visit-history-operator.json'), historyToJSON(history));
  });

  it('replays visits that waited for approval: one approved, one denied', async () => {
    await env.api.call('PATCH', `/v1/locations/${env.locationId}`, { body: { activation: 'on-approval' } });
    try {
      const approvedBadge = await env.addBadge('1803');
      const deniedBadge = await env.addBadge('1804');
      const a = await env.signIn(approvedBadge, { firstName: 'Replay', lastName: 'Approved' });
      const d = await env.signIn(deniedBadge, { firstName: 'Replay', lastName: 'Denied' });
      await env.waitFor(a.body.id, 'awaiting_approval');
      await env.waitFor(d.body.id, 'awaiting_approval');
      expect((await env.api.call('POST', `/v1/visits/${a.body.id}/approve`, { headers: { prefer: 'wait=20' } })).body.status).toBe('active');
      expect((await env.api.call('POST', `/v1/visits/${d.body.id}/deny`, { body: { reason: 'not expected' } })).status).toBe(202);
      await env.api.call('POST', `/v1/visits/${a.body.id}/sign-out`, { token: env.receptionist.token });
      await env.waitFor(a.body.id, 'completed');
      await env.waitFor(d.body.id, 'completed');
      const bundle = await workflowBundle();
      for (const v of [d, a]) {
        const handle = env.api.temporal.workflow.getHandle(`visit-${v.body.id}`);
        await handle.result();
        const history = await handle.fetchHistory();
        await Worker.runReplayHistory({ workflowBundle: bundle }, history, `visit-${v.body.id}`);
        if (v === a && process.env.RECORD_HISTORY === '1') fs.writeFileSync(fixture('visit-history-approval.json'), historyToJSON(history));
      }
    } finally {
      await env.api.call('PATCH', `/v1/locations/${env.locationId}`, { body: { activation: 'on-sign-in' } });
    }
  });

  it('replays the recorded history of an earlier version', async () => {
    expect(fs.existsSync(FIXTURE)).toBe(true);
    const history = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'recorded-visit');
  });

  it.each(FIXTURES.map((f) => [path.basename(f), f]))('replays the recorded history %s', async (_name, file) => {
    expect(fs.existsSync(file)).toBe(true);
    const history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, path.basename(file));
  });
});

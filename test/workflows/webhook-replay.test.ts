import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/worker';

/**
 * Determinism of the webhook delivery workflow: a recorded history (test/fixtures/webhook-delivery-history.json,
 * made by test/e2e/webhooks.test.ts with RECORD_HISTORY=1: attempts answered 500 or timing out, backoff
 * timers, wake-up signals, a worker restart, a redelivery) must replay against the current code, so running
 * delivery workflows survive a deployment. A change that breaks it needs patched() and a new fixture.
 */
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'webhook-delivery-history.json');

describe('webhook delivery workflow replay', () => {
  it('replays a recorded delivery history without non-determinism', async () => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
    const raw = fs.readFileSync(FIXTURE, 'utf8');
    // Attempts, backoff timers and wake-up signals are what must keep replaying.
    for (const type of ['EVENT_TYPE_TIMER_FIRED', 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED']) expect(raw).toContain(type);
    expect(history.events!.length).toBeGreaterThan(100);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'webhook-fixture');
  });
});

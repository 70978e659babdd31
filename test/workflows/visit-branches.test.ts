import crypto from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { BookkeepingActivities, PacsActivities } from '../../src/activities';
import { FAILURES_NEEDING_A_PERSON } from '../../src/pacs/errors';
import {
  END_REASONS,
  approveUpdate,
  endOfDayOffsetMs,
  denyUpdate,
  deprovisionNowSignal,
  outcomeUpdate,
  retrySignal,
  retryUpdate,
  signOutSignal,
  stateQuery,
  visitWorkflow,
  visitWorkflowId,
  type VisitError,
  type VisitStatus,
  type VisitTiming,
} from '../../src/workflows/visit';
import { SA } from '../../src/workflows/search-attributes';
import { temporalAddress, uniqueTaskQueue } from '../helpers/temporal';
import { workflowBundle } from '../helpers/worker';

/**
 * Every branch of the visit workflow in seconds: the real workflow code on the dev server jest's global
 * setup started, with stub activities scripted per visit. The end-to-end tests (test/e2e/visit-*.test.ts)
 * prove the same paths against the simulators; these catch a change to the workflow's logic first.
 */

/** Short waits everywhere, so a branch that sleeps (retries, switch-off rounds) finishes in well under a second. */
const FAST: VisitTiming = {
  provisionAttempts: 3,
  provisionInitialIntervalMs: 20,
  provisionMaxIntervalMs: 50,
  deprovisionInitialIntervalMs: 20,
  deprovisionMaxIntervalMs: 50,
  continueAsNewAfterEvents: 5_000,
  endOfDaySpreadMs: 0,
};

/** How one visit's activities behave: each hook gets the 1-based call number. Unset hooks succeed. */
interface Script {
  prepare?(call: number): Promise<void> | void;
  issue?(call: number): Promise<void> | void;
  revoke?(call: number): Promise<void> | void;
  activate?(call: number): Promise<void> | void;
  /** The visit ends this long after it began (default: an hour, i.e. never during a test). */
  endsInMs?: number;
}

interface Recorded {
  calls: string[];
  statuses: Array<{ status: VisitStatus; detail?: string; error?: VisitError | null }>;
  switchOffFailures: VisitError[];
  count: Record<string, number>;
}

const scripts = new Map<string, Script>();
const records = new Map<string, Recorded>();

function recordOf(visitId: string): Recorded {
  let r = records.get(visitId);
  if (!r) records.set(visitId, (r = { calls: [], statuses: [], switchOffFailures: [], count: {} }));
  return r;
}

function called(visitId: string, name: string): number {
  const r = recordOf(visitId);
  r.calls.push(name);
  r.count[name] = (r.count[name] ?? 0) + 1;
  return r.count[name];
}

const fail = (type: string) => {
  throw ApplicationFailure.create({ type, message: `stub: ${type}`, nonRetryable: false });
};

const bookkeeping: Pick<BookkeepingActivities, 'beginVisit' | 'recordVisitStatus' | 'recordSwitchOffFailure' | 'releaseBadge' | 'releaseBadgeAndRecordStatus'> =
  {
    async beginVisit({ visitId }) {
      called(visitId, 'beginVisit');
      return { endsAt: new Date(Date.now() + (scripts.get(visitId)?.endsInMs ?? 3_600_000)).toISOString(), endsAtLabel: '18:00 UTC' };
    },
    async recordVisitStatus({ visitId, status, detail, error }) {
      called(visitId, `status:${status}`);
      recordOf(visitId).statuses.push({ status, detail, error });
    },
    async recordSwitchOffFailure({ visitId, error }) {
      called(visitId, 'recordSwitchOffFailure');
      recordOf(visitId).switchOffFailures.push(error);
    },
    async releaseBadge({ visitId }) {
      called(visitId, 'releaseBadge');
    },
    // release-and-complete-v6 does both in one activity; recorded under both names, so expected calls read the same.
    async releaseBadgeAndRecordStatus(args) {
      await bookkeeping.releaseBadge(args);
      await bookkeeping.recordVisitStatus(args);
    },
  };

/** Marks a check's failure as raised before anything was issued, as the real provisionVisit does. */
const beforeIssue = (err: unknown) =>
  err instanceof ApplicationFailure
    ? ApplicationFailure.create({ type: err.type ?? undefined, message: err.message, nonRetryable: false, details: [{ beforeIssue: true }] })
    : err;

/** Endings whose `deprovisioning` the stub has recorded, by run and ending: the real activity keys it the same way. */
const announced = new Set<string>();

const pacs: Pick<
  PacsActivities,
  'provisionVisit' | 'prepareProvision' | 'issueAndGrant' | 'issueInactive' | 'activateAndGrant' | 'revokeAndDeactivate' | 'switchOffAndComplete'
> = {
  // The one-call provision (one-call-provision-v5) records its two halves under the names of the
  // activities they were before, so each branch's expected calls read the same for both versions.
  async provisionVisit({ visitId, inactive, active }) {
    const n = called(visitId, 'prepareProvision');
    try {
      await scripts.get(visitId)?.prepare?.(n);
    } catch (err) {
      throw beforeIssue(err);
    }
    const i = called(visitId, inactive ? 'issueInactive' : 'issueAndGrant');
    await scripts.get(visitId)?.issue?.(i);
    // visit-v7 records `active` in this activity: under the name it had as a step of its own.
    if (active) await bookkeeping.recordVisitStatus({ visitId, status: 'active', detail: active.detail, error: null });
    return { personId: `person-${visitId}`, credentialId: `credential-${visitId}` };
  },
  async prepareProvision({ visitId }) {
    const n = called(visitId, 'prepareProvision');
    await scripts.get(visitId)?.prepare?.(n);
    return { personId: `person-${visitId}` };
  },
  async issueAndGrant({ visitId }) {
    const n = called(visitId, 'issueAndGrant');
    await scripts.get(visitId)?.issue?.(n);
    return { credentialId: `credential-${visitId}` };
  },
  async issueInactive({ visitId }) {
    const n = called(visitId, 'issueInactive');
    await scripts.get(visitId)?.issue?.(n);
    return { credentialId: `credential-${visitId}` };
  },
  async activateAndGrant({ visitId }) {
    const n = called(visitId, 'activateAndGrant');
    await scripts.get(visitId)?.activate?.(n);
  },
  async revokeAndDeactivate({ visitId }) {
    const n = called(visitId, 'revokeAndDeactivate');
    await scripts.get(visitId)?.revoke?.(n);
    return { deactivated: true };
  },
  // visit-v7 ends in one activity: its steps under the names they had as separate activities.
  async switchOffAndComplete({ visitId, ending, announce, completed }) {
    const key = `${Context.current().info.workflowExecution?.runId}/${ending}`;
    if (announce && !announced.has(key)) {
      announced.add(key);
      await bookkeeping.recordVisitStatus({ visitId, status: 'deprovisioning', ...announce });
    }
    const result = await pacs.revokeAndDeactivate({ visitId });
    await bookkeeping.releaseBadgeAndRecordStatus({ visitId, status: 'completed', ...completed });
    return result;
  },
};

let env: TestWorkflowEnvironment;
let worker: Worker;
let connector: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('visit-branches');
/** A provider's own task queue, as an on-premises connector serves it: PACS activities only. */
const connectorQueue = uniqueTaskQueue('visit-branches-connector');

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress(), namespace: 'default' });
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...bookkeeping, ...pacs },
    stickyQueueScheduleToStartTimeout: '3 seconds',
  });
  connector = await Worker.create({ connection: env.nativeConnection, namespace: 'default', taskQueue: connectorQueue, activities: pacs });
  running = Promise.all([worker.run(), connector.run()]).then(() => undefined);
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  connector?.shutdown();
  await running;
  await env?.teardown();
});

async function startVisit(script: Script = {}, timing: Partial<VisitTiming> = {}, extra: { requiresApproval?: boolean; pacsTaskQueue?: string } = {}) {
  const visitId = crypto.randomUUID();
  scripts.set(visitId, script);
  const handle = await env.client.workflow.start(visitWorkflow, {
    workflowId: visitWorkflowId(visitId),
    taskQueue,
    args: [
      {
        visitId,
        locationId: 'location-1',
        providerId: 'provider-1',
        badgeId: 'badge-1',
        badgeNumber: '1001',
        visitorName: 'Ada Visitor',
        pacsTaskQueue: taskQueue,
        timing: { ...FAST, ...timing },
        ...extra,
        ...(extra.pacsTaskQueue ? { pacsQueueApart: true } : {}),
      },
    ],
  });
  return { visitId, handle, rec: recordOf(visitId) };
}

/** Waits until the workflow has recorded `status` (the Visit row the API reads) `times` times. */
async function recorded(visitId: string, status: VisitStatus, times = 1, withinMs = 10_000) {
  const deadline = Date.now() + withinMs;
  while (recordOf(visitId).statuses.filter((s) => s.status === status).length < times) {
    if (Date.now() > deadline) throw new Error(`visit ${visitId} never recorded ${status} (${times}×); calls: ${recordOf(visitId).calls.join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const statusesOf = (rec: Recorded) => rec.statuses.map((s) => s.status);
const detailOf = (rec: Recorded, status: VisitStatus) => rec.statuses.filter((s) => s.status === status).at(-1)?.detail;

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
/** The activity type a local activity's marker records (sdk-core's marker data is JSON). */
function localActivityType(e: HistoryEvent): string | undefined {
  const payload = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  return payload ? (JSON.parse(Buffer.from(payload).toString()) as { activity_type?: string }).activity_type : undefined;
}
/** The activities a history scheduled (not the local ones), in order. */
const scheduledActivities = (events: HistoryEvent[]) =>
  events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));

async function signOut(handle: WorkflowHandle<typeof visitWorkflow>) {
  await handle.signal(signOutSignal, { by: 'reception' });
  return handle.result();
}

describe('visit workflow branches (stub activities)', () => {
  it('provisions, stays active until sign-out, then switches the badge off and releases it', async () => {
    const { visitId, handle, rec } = await startVisit();
    await recorded(visitId, 'active');
    expect(await handle.query(stateQuery)).toMatchObject({ status: 'active', credentialId: `credential-${visitId}`, attempts: 1 });
    const end = await signOut(handle);
    expect(end).toMatchObject({ status: 'completed', personId: `person-${visitId}` });
    expect(end.credentialId).toBeUndefined();
    expect(rec.calls).toEqual([
      'beginVisit',
      'prepareProvision',
      'issueAndGrant',
      'status:active',
      'status:deprovisioning',
      'revokeAndDeactivate',
      'releaseBadge',
      'status:completed',
    ]);
    expect(detailOf(rec, 'deprovisioning')).toBe('signed out');
    expect(detailOf(rec, 'completed')).toBe('badge 1001 released (signed out)');
  });

  it('signs in and ends in one workflow task each: the PACS calls run inside them, with no activity task', async () => {
    const { visitId, handle, rec } = await startVisit();
    await recorded(visitId, 'active');
    await signOut(handle);
    const events = (await handle.fetchHistory()).events ?? [];
    // visit-v8: the first attempts are local activities, run in the workflow task that asks for them.
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(2);
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').map(localActivityType)).toEqual([
      'beginVisit',
      'provisionVisit',
      'switchOffAndComplete',
    ]);
    expect(rec.calls.slice(-4)).toEqual(['status:deprovisioning', 'revokeAndDeactivate', 'releaseBadge', 'status:completed']);
    expect((await handle.describe()).typedSearchAttributes.get(SA.status)).toBe('completed');
  });

  it('shows deprovisioning before the switch-off starts when the PACS is served from a task queue of its own', async () => {
    // An on-premises connector may be down: the visit must say at once that it is being switched off.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { visitId, handle, rec } = await startVisit({ revoke: () => held }, {}, { pacsTaskQueue: connectorQueue });
    await recorded(visitId, 'active');
    await handle.signal(signOutSignal, { by: 'reception' });
    await recorded(visitId, 'deprovisioning');
    const deadline = Date.now() + 10_000;
    while (!rec.count.revokeAndDeactivate && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect((await handle.describe()).typedSearchAttributes.get(SA.status)).toBe('deprovisioning');
    release();
    expect((await handle.result()).status).toBe('completed');
    const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : [],
    );
    expect(scheduled.at(-1)).toBe('revokeAndDeactivate');
    expect(rec.calls.slice(-4)).toEqual(['status:deprovisioning', 'revokeAndDeactivate', 'releaseBadge', 'status:completed']);
  });

  it('answers waitForOutcome with the outcome once it is recorded', async () => {
    const { handle } = await startVisit();
    expect(await handle.executeUpdate(outcomeUpdate)).toEqual({ status: 'active' });
    const failing = await startVisit({ prepare: () => fail(FAILURES_NEEDING_A_PERSON[0]) });
    expect(await failing.handle.executeUpdate(outcomeUpdate)).toEqual({ status: 'provision_failed' });
    await Promise.all([signOut(handle), signOut(failing.handle)]);
  });

  it('stops at once with provision_failed and the reason for every failure that needs a person', async () => {
    const visits = await Promise.all(FAILURES_NEEDING_A_PERSON.map((code) => startVisit({ prepare: () => fail(code) })));
    await Promise.all(visits.map((v) => recorded(v.visitId, 'provision_failed')));
    visits.forEach(({ rec }, i) => {
      const code = FAILURES_NEEDING_A_PERSON[i];
      // Not retried: the retry policy stops at these codes.
      expect(rec.count.prepareProvision).toBe(1);
      expect(rec.statuses.at(-1)).toEqual({ status: 'provision_failed', detail: `stub: ${code}`, error: { code, message: `stub: ${code}` } });
      expect(rec.calls).not.toContain('issueAndGrant');
      // Nothing was issued, so nothing is rolled back.
      expect(rec.calls).not.toContain('revokeAndDeactivate');
    });
    await Promise.all(visits.map((v) => signOut(v.handle)));
  });

  it('retries a transient failure up to the attempt limit, then reports it; a blip within the limit goes unnoticed', async () => {
    const down = await startVisit({ prepare: () => fail('PACS_UNREACHABLE') });
    const blip = await startVisit({ prepare: (n) => (n < 3 ? fail('PACS_TIMEOUT') : undefined) });
    await Promise.all([recorded(down.visitId, 'provision_failed'), recorded(blip.visitId, 'active')]);
    expect(down.rec.count.prepareProvision).toBe(FAST.provisionAttempts);
    expect(down.rec.statuses.at(-1)?.error?.code).toBe('PACS_UNREACHABLE');
    expect(blip.rec.count.prepareProvision).toBe(3);
    expect(statusesOf(blip.rec)).toEqual(['active']);
    // The first attempt ran in the workflow task; the rest of the schedule as one activity, whose ID says
    // one attempt came before it (the API's retry view counts it).
    const carriedOn = ((await blip.handle.fetchHistory()).events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes
        ? [[e.activityTaskScheduledEventAttributes.activityType?.name, e.activityTaskScheduledEventAttributes.activityId]]
        : [],
    );
    expect(carriedOn).toEqual([['provisionVisit', 'provision-1-after-1']]);
    await Promise.all([signOut(down.handle), signOut(blip.handle)]);
  });

  it('switches a half-issued credential off before reporting provision_failed', async () => {
    const code = FAILURES_NEEDING_A_PERSON[0];
    const { visitId, handle, rec } = await startVisit({ issue: () => fail(code) });
    await recorded(visitId, 'provision_failed');
    expect(rec.calls).toEqual(['beginVisit', 'prepareProvision', 'issueAndGrant', 'revokeAndDeactivate', 'status:provision_failed']);
    expect((await handle.query(stateQuery)).credentialId).toBeUndefined();
    await signOut(handle);
  });

  it('provisions again on a retry (update or signal) after provision_failed, and refuses a retry of an active visit', async () => {
    const byUpdate = await startVisit({ prepare: (n) => (n === 1 ? fail('BADGE_ALREADY_ASSIGNED') : undefined) });
    const bySignal = await startVisit({ prepare: (n) => (n === 1 ? fail('BADGE_ALREADY_ASSIGNED') : undefined) });
    await Promise.all([recorded(byUpdate.visitId, 'provision_failed'), recorded(bySignal.visitId, 'provision_failed')]);
    expect(await byUpdate.handle.executeUpdate(retryUpdate, { args: [{}] })).toEqual({ accepted: true });
    await bySignal.handle.signal(retrySignal);
    await Promise.all([recorded(byUpdate.visitId, 'active'), recorded(bySignal.visitId, 'active')]);
    for (const { rec } of [byUpdate, bySignal]) {
      expect(statusesOf(rec)).toEqual(['provision_failed', 'provisioning', 'active']);
      expect(detailOf(rec, 'provisioning')).toBe('retry requested by an operator');
      // The failure is history once the badge is active.
      expect(rec.statuses.at(-1)?.error).toBeNull();
    }
    expect((await byUpdate.handle.query(stateQuery)).attempts).toBe(2);
    const refused = await byUpdate.handle.executeUpdate(retryUpdate, { args: [{}] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refused as Error).cause)).toMatch(/The visit is active; only a visit whose provisioning failed can be retried/);
    await Promise.all([signOut(byUpdate.handle), signOut(bySignal.handle)]);
  });

  it('honours a sign-out that arrives during provisioning right after it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const { rec, handle } = await startVisit({
      prepare: async () => {
        inside();
        await gate;
      },
    });
    await entered;
    await handle.signal(signOutSignal, { by: 'reception' });
    release();
    const end = await handle.result();
    expect(end).toMatchObject({ status: 'completed' });
    expect(statusesOf(rec)).toEqual(['active', 'deprovisioning', 'completed']);
    expect(detailOf(rec, 'deprovisioning')).toBe('signed out');
  });

  it('ends a visit whose provisioning failed on sign-out, without provisioning again', async () => {
    const { visitId, handle, rec } = await startVisit({ prepare: () => fail('BADGE_ALREADY_ASSIGNED') });
    await recorded(visitId, 'provision_failed');
    await signOut(handle);
    expect(statusesOf(rec)).toEqual(['provision_failed', 'deprovisioning', 'completed']);
    expect(rec.count.prepareProvision).toBe(1);
    // A provisioning failure stays on the record of the completed visit.
    expect(rec.statuses.at(-1)?.error).toBeUndefined();
  });

  it('switches the badge off at once on deprovisionNow, recorded as such', async () => {
    const { visitId, handle, rec } = await startVisit();
    await recorded(visitId, 'active');
    await handle.signal(deprovisionNowSignal, { reason: 'lost badge' });
    const end = await handle.result();
    expect(end).toMatchObject({ status: 'completed' });
    expect(detailOf(rec, 'deprovisioning')).toBe('deprovisioned on request');
    expect(rec.calls.slice(-3)).toEqual(['revokeAndDeactivate', 'releaseBadge', 'status:completed']);
  });

  it('ends the visit at the end of the day, whether active or waiting after a failed provisioning', async () => {
    const active = await startVisit({ endsInMs: 1_500 });
    const failed = await startVisit({ endsInMs: 1_500, prepare: () => fail('BADGE_ALREADY_ASSIGNED') });
    const [a, f] = await Promise.all([active.handle.result(), failed.handle.result()]);
    expect(a.status).toBe('completed');
    expect(f.status).toBe('completed');
    expect(statusesOf(active.rec)).toEqual(['active', 'deprovisioning', 'completed']);
    expect(statusesOf(failed.rec)).toEqual(['provision_failed', 'deprovisioning', 'completed']);
    expect(detailOf(active.rec, 'deprovisioning')).toBe('end of day');
    expect(detailOf(failed.rec, 'deprovisioning')).toBe('end of day');
    expect(active.rec.count.revokeAndDeactivate).toBe(1);
  });

  it('spreads the end of the day: each active visit ends at its own offset after it, within the spread', async () => {
    const spreadMs = 3_000;
    const visits = await Promise.all(Array.from({ length: 6 }, () => startVisit({ endsInMs: 500 }, { endOfDaySpreadMs: spreadMs })));
    const ended = await Promise.all(
      visits.map(async ({ visitId, handle }) => {
        const { status, endsAt } = await handle.result();
        expect(status).toBe('completed');
        const fired = ((await handle.fetchHistory()).events ?? []).find((e) => e.timerFiredEventAttributes);
        const firedAt = tsToMs(fired!.eventTime);
        return { offset: endOfDayOffsetMs(visitId, spreadMs), lateBy: firedAt - Date.parse(endsAt!) };
      }),
    );
    for (const { offset, lateBy } of ended) {
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(spreadMs);
      // Not before the end of the day plus its own offset (the server's clock rounds to the millisecond).
      expect(lateBy).toBeGreaterThanOrEqual(offset - 5);
    }
    // Spread, not all in one instant.
    expect(new Set(ended.map((e) => Math.floor(e.offset / 100))).size).toBeGreaterThan(1);
  });

  it('retries a failing switch-off round after round, refused credentials included, reporting each, until it succeeds', async () => {
    const { visitId, handle, rec } = await startVisit({ revoke: (n) => (n <= 3 ? fail('PACS_AUTH') : undefined) });
    await recorded(visitId, 'active');
    const end = await signOut(handle);
    expect(end.status).toBe('completed');
    expect(rec.count.revokeAndDeactivate).toBe(4);
    // The first round ran in the workflow task; the rounds after a failure are activities (Pending Activities).
    expect(scheduledActivities((await handle.fetchHistory()).events ?? [])).toEqual(['switchOffAndComplete', 'switchOffAndComplete', 'switchOffAndComplete']);
    expect(rec.switchOffFailures.map((e) => [e.code, e.attempts, e.during])).toEqual([
      ['PACS_AUTH', 1, 'switching the badge off'],
      ['PACS_AUTH', 2, 'switching the badge off'],
      ['PACS_AUTH', 3, 'switching the badge off'],
    ]);
    // One "since" for the whole outage, and every report says when the next attempt comes.
    expect(new Set(rec.switchOffFailures.map((e) => e.since)).size).toBe(1);
    expect(rec.switchOffFailures.every((e) => e.nextAttemptAt)).toBe(true);
    expect(rec.calls.slice(-2)).toEqual(['releaseBadge', 'status:completed']);
    // The switch-off error is cleared once the badge is off.
    expect(rec.statuses.at(-1)?.error).toBeNull();
  });

  it('treats Cancel as "end the visit now": switches off, releases, completes', async () => {
    const { visitId, handle, rec } = await startVisit();
    await recorded(visitId, 'active');
    await handle.cancel();
    const end = await handle.result();
    expect(end.status).toBe('completed');
    expect(detailOf(rec, 'deprovisioning')).toBe('cancelled by an operator');
    expect(rec.calls.slice(-4)).toEqual(['status:deprovisioning', 'revokeAndDeactivate', 'releaseBadge', 'status:completed']);
  });

  it('goes on switching off when Cancel arrives between switch-off rounds, then completes as cancelled', async () => {
    const { visitId, handle, rec } = await startVisit(
      { revoke: (n) => (n <= 2 ? fail('PACS_UNREACHABLE') : undefined) },
      { deprovisionInitialIntervalMs: 1_000 },
    );
    await recorded(visitId, 'active');
    await handle.signal(signOutSignal, { by: 'reception' });
    const deadline = Date.now() + 10_000;
    while (rec.switchOffFailures.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await handle.cancel();
    const end = await handle.result();
    expect(end.status).toBe('completed');
    expect(rec.statuses.filter((s) => s.status === 'deprovisioning').map((s) => s.detail)).toEqual(['signed out', 'cancelled by an operator']);
    expect(rec.count.revokeAndDeactivate).toBe(3);
    expect(rec.calls.slice(-2)).toEqual(['releaseBadge', 'status:completed']);
  });

  it('continues as new during a long switch-off outage and carries the attempt count and its start over', async () => {
    const { visitId, handle, rec } = await startVisit({ revoke: (n) => (n <= 6 ? fail('PACS_UNREACHABLE') : undefined) }, { continueAsNewAfterEvents: 40 });
    await recorded(visitId, 'active');
    const firstRunId = (await handle.describe()).runId;
    const end = await signOut(handle);
    expect(end.status).toBe('completed');
    expect((await env.client.workflow.getHandle(handle.workflowId, firstRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    // A new run begins with the same visit (beginVisit again) and goes on where the last left off.
    expect(rec.count.beginVisit).toBeGreaterThan(1);
    expect(rec.switchOffFailures.map((e) => e.attempts)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(rec.switchOffFailures.map((e) => e.since)).size).toBe(1);
    expect(rec.statuses.filter((s) => s.status === 'deprovisioning')).toHaveLength(1);
    expect(rec.calls.slice(-2)).toEqual(['releaseBadge', 'status:completed']);
  });
  describe('approval before the doors open (requiresApproval)', () => {
    const approval = { requiresApproval: true };

    it('issues the badge switched off, waits in awaiting_approval, and switches it on at the approval', async () => {
      const { visitId, handle, rec } = await startVisit({}, {}, approval);
      await recorded(visitId, 'awaiting_approval');
      expect(rec.calls).toEqual(['beginVisit', 'prepareProvision', 'issueInactive', 'status:awaiting_approval']);
      expect(await handle.executeUpdate(approveUpdate, { args: [{ by: 'Hugo Host', actor: { userId: 'u-1' } }] })).toEqual({ status: 'active' });
      expect(rec.calls.slice(4)).toEqual(['status:provisioning', 'activateAndGrant', 'status:active']);
      expect(detailOf(rec, 'provisioning')).toBe('approved by Hugo Host; switching the badge on');
      // A second decision is refused: the visit is no longer waiting.
      const again = await handle.executeUpdate(denyUpdate, { args: [{}] }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((await signOut(handle)).status).toBe('completed');
    });

    it('closes a denied visit with the reason, switching the inactive credential off, never on', async () => {
      const { visitId, handle, rec } = await startVisit({}, {}, approval);
      await recorded(visitId, 'awaiting_approval');
      await handle.executeUpdate(denyUpdate, { args: [{ by: 'Hugo Host', reason: 'not expected' }] });
      const end = await handle.result();
      expect(end.status).toBe('completed');
      expect(rec.count.activateAndGrant).toBeUndefined();
      expect(rec.calls.slice(-4)).toEqual(['status:deprovisioning', 'revokeAndDeactivate', 'releaseBadge', 'status:completed']);
      expect(detailOf(rec, 'deprovisioning')).toBe('denied by Hugo Host: not expected');
    });

    it('closes at the end of the day when nobody approved, and refuses a late approval', async () => {
      const { visitId, handle, rec } = await startVisit({ endsInMs: 1_500 }, {}, approval);
      await recorded(visitId, 'awaiting_approval');
      const end = await handle.result();
      expect(end.status).toBe('completed');
      expect(detailOf(rec, 'deprovisioning')).toBe(END_REASONS.notApproved);
      expect(rec.count.activateAndGrant).toBeUndefined();
      expect(rec.count.revokeAndDeactivate).toBe(1);
      // The workflow has closed: an approval now has nothing to act on.
      await expect(handle.executeUpdate(approveUpdate, { args: [{}] })).rejects.toThrow();
    });

    it('a sign-out while awaiting approval ends the visit without switching the badge on', async () => {
      const { visitId, handle, rec } = await startVisit({}, {}, approval);
      await recorded(visitId, 'awaiting_approval');
      expect((await signOut(handle)).status).toBe('completed');
      expect(detailOf(rec, 'deprovisioning')).toBe('signed out');
      expect(rec.count.activateAndGrant).toBeUndefined();
    });

    it('rolls a failed activation back to provision_failed; a retry issues the badge active without asking again', async () => {
      const { visitId, handle, rec } = await startVisit({ activate: () => fail(FAILURES_NEEDING_A_PERSON[0]) }, {}, approval);
      await recorded(visitId, 'awaiting_approval');
      expect(await handle.executeUpdate(approveUpdate, { args: [{}] })).toMatchObject({ status: 'provision_failed' });
      // The half-activated credential is switched off before the failure is reported.
      expect(rec.calls.slice(-3)).toEqual(['activateAndGrant', 'revokeAndDeactivate', 'status:provision_failed']);
      await handle.executeUpdate(retryUpdate, { args: [{}] });
      await recorded(visitId, 'active');
      expect(rec.count.issueAndGrant).toBe(1);
      expect(rec.count.issueInactive).toBe(1);
      expect((await signOut(handle)).status).toBe('completed');
    });
  });
});

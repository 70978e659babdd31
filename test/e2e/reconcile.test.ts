import crypto from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityDeps } from '../../src/activities';
import { createReconcileActivities } from '../../src/activities/reconcile';
import { createLogger } from '../../src/logging';
import { reconcileScheduleId, refreshScheduleId } from '../../src/workflows/ids';
import { ensureReconcileSchedules } from '../../src/domain/schedules';
import { pacsBadge } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';

// Reconciliation against a real Temporal server and each simulator over HTTP: what an operator would see
// in the PACS, the badge pool, the visit's timeline and GET /v1/providers/:id/reconciliation.
describe.each(['onguard', 'genetec'] as const)('reconciliation on %s', (kind) => {
  let env: VisitEnv;
  // OnGuard's Visitor badge type allows 1000–1999; Genetec's 26-bit format any card up to 65535.
  const base = kind === 'onguard' ? 1300 : 2300;
  const providersToClean: string[] = [];

  beforeAll(async () => {
    env = await startVisitEnv(kind);
    providersToClean.push(env.providerId);
  }, 120_000);
  afterAll(async () => {
    for (const id of providersToClean) {
      await env?.api.temporal.schedule
        .getHandle(reconcileScheduleId(id))
        .delete()
        .catch(() => undefined);
      await env?.api.temporal.schedule
        .getHandle(refreshScheduleId(id))
        .delete()
        .catch(() => undefined);
    }
    await env?.close();
  });

  async function reconcile() {
    const t0 = Date.now();
    const r = await env.api.call('POST', `/v1/providers/${env.providerId}/reconcile`);
    if (r.status !== 200) throw new Error(`reconcile answered ${r.status}: ${JSON.stringify(r.body)}`);
    console.log(`[measure] ${kind}: reconciliation of ${r.body.counts.badgesChecked} pool badge(s) in ${Date.now() - t0} ms`);
    return r.body;
  }

  async function visitor(suffix: string) {
    return { firstName: 'Recon', lastName: `Visitor ${suffix}`, email: `recon-${suffix}-${kind}@example.com` };
  }

  async function activeVisit(badgeId: string, suffix: string) {
    const created = await env.signIn(badgeId, await visitor(suffix));
    expect(created.status).toBe(202);
    await env.waitFor(created.body.id, 'active');
    const row = await env.api.db.prisma.visit.findUniqueOrThrow({ where: { id: created.body.id } });
    return { id: created.body.id as string, personId: (row.pacsRefs as { personId: string }).personId };
  }

  async function signOut(visitId: string) {
    await env.api.call('POST', `/v1/visits/${visitId}/sign-out`, { token: env.receptionist.token });
    await env.waitFor(visitId, 'completed');
  }

  async function freeBadgeIds(): Promise<string[]> {
    const r = await env.api.call('GET', `/v1/providers/${env.providerId}/badges?inUse=false&limit=200`);
    return r.body.items.map((b: { id: string }) => b.id);
  }

  /** An active credential on card `uniqueId` for `personId`, put there behind the product's back. */
  async function seedActiveCredential(uniqueId: string, personId: string, badgeKey: number) {
    if (kind === 'onguard') {
      await env.simCall('POST', '/__sim/seed', { badges: [{ BADGEKEY: badgeKey, ID: Number(uniqueId), PERSONID: Number(personId), TYPE: 2, STATUS: 1 }] });
    } else {
      await env.simCall('POST', '/__sim/seed', {
        entities: [
          { EntityType: 'Credential', Format: `WiegandStandardCredentialFormat(0,${uniqueId})`, CardholderGuid: personId, Status: { State: 'Active' } },
        ],
      });
    }
    expect(await pacsBadge(env, uniqueId)).toMatchObject({ exists: true, active: true, holderId: personId });
  }

  it('closes a visit whose workflow was terminated: badge off in the PACS, back in the pool, visit completed with the reason', async () => {
    const uniqueId = String(base + 1);
    const badgeId = await env.addBadge(uniqueId);
    const visit = await activeVisit(badgeId, 'terminated');
    expect((await pacsBadge(env, uniqueId)).active).toBe(true);
    await env.api.temporal.workflow.getHandle(`visit-${visit.id}`).terminate('test: an operator terminated it');
    expect(await freeBadgeIds()).not.toContain(badgeId);

    const run = await reconcile();
    expect(run.status).toBe('ok');
    expect(run.findings).toContainEqual(expect.objectContaining({ kind: 'visit_stranded', visitId: visit.id, badgeId }));
    expect(run.actions).toContainEqual(expect.objectContaining({ kind: 'visit_closed', visitId: visit.id, badgeId }));

    const off = await pacsBadge(env, uniqueId);
    expect(off.active).toBe(false);
    expect(off.access).toEqual([]);
    expect(await freeBadgeIds()).toContain(badgeId);
    const closed = (await env.api.call('GET', `/v1/visits/${visit.id}`)).body;
    expect(closed.status).toBe('completed');
    expect(closed.timeline.at(-1)).toMatchObject({
      status: 'completed',
      detail: 'closed by reconciliation: the visit workflow was terminated',
      actor: { type: 'system', name: 'reconciliation' },
    });

    const listed = await env.api.call('GET', `/v1/providers/${env.providerId}/reconciliation`);
    expect(listed.status).toBe(200);
    expect(listed.body.items[0]).toMatchObject({ id: run.id, status: 'ok', trigger: 'api', finishedAt: expect.any(String) });
    expect(listed.body.items[0].actions).toContainEqual(expect.objectContaining({ kind: 'visit_closed', visitId: visit.id }));

    // A second run finds nothing left to do for it, and the card serves the next visitor.
    const again = await reconcile();
    expect(again.actions.filter((a: { visitId: string }) => a.visitId === visit.id)).toEqual([]);
    const next = await activeVisit(badgeId, 'after-terminated');
    expect((await pacsBadge(env, uniqueId)).active).toBe(true);
    await signOut(next.id);
  });

  it('switches off an active credential on a pool badge that no open visit holds, when the holder is one of our visitors', async () => {
    const usedBadge = await env.addBadge(String(base + 2));
    const past = await activeVisit(usedBadge, 'past');
    await signOut(past.id);

    const uniqueId = String(base + 3);
    const badgeId = await env.addBadge(uniqueId);
    await seedActiveCredential(uniqueId, past.personId, 14_000);

    const run = await reconcile();
    expect(run.findings).toContainEqual(expect.objectContaining({ kind: 'badge_active_without_visit', badgeId, visitId: past.id }));
    expect(run.actions).toContainEqual(expect.objectContaining({ kind: 'badge_deactivated', badgeId }));
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
    // Released as deprovisioning releases it, so the card can be issued again.
    const next = await activeVisit(badgeId, 'after-stray');
    await signOut(next.id);
  });

  it('recognises a person our service created by the visit marker it stored on them', async () => {
    const uniqueId = String(base + 4);
    const badgeId = await env.addBadge(uniqueId);
    const marker = crypto.randomUUID();
    let personId: string;
    if (kind === 'onguard') {
      personId = '900';
      await env.simCall('POST', '/__sim/seed', { visitors: [{ ID: 900, FIRSTNAME: 'Marked', LASTNAME: 'Visitor', SSNO: marker }] });
    } else {
      personId = crypto.randomUUID();
      await env.simCall('POST', '/__sim/seed', {
        entities: [
          {
            EntityType: 'Visitor',
            Guid: personId,
            Name: 'Marked Visitor',
            FirstName: 'Marked',
            LastName: 'Visitor',
            Description: `visitor-badges visit ${marker}`,
          },
        ],
      });
    }
    await seedActiveCredential(uniqueId, personId, 14_001);
    const run = await reconcile();
    expect(run.actions).toContainEqual(expect.objectContaining({ kind: 'badge_deactivated', badgeId, visitId: marker }));
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
  });

  it('only reports a pool card held by someone the service did not create', async () => {
    // Badge 1500 is seeded in both simulators as an active card of a site cardholder.
    const badgeId = await env.addBadge('1500');
    const run = await reconcile();
    const finding = run.findings.find((f: { kind: string; badgeId: string }) => f.badgeId === badgeId);
    expect(finding).toMatchObject({ kind: 'badge_foreign_holder' });
    expect(finding.message).toMatch(/1500/);
    expect(finding.message).toMatch(/not a visitor of this service/);
    expect(run.actions.filter((a: { badgeId: string }) => a.badgeId === badgeId)).toEqual([]);
    expect((await pacsBadge(env, '1500')).active).toBe(true);
    await env.api.call('DELETE', `/v1/badges/${badgeId}`);
  });

  it('reports an active visit whose access was taken away in the PACS, and repairs it only with reconcileRepair', async () => {
    const uniqueId = String(base + 5);
    const badgeId = await env.addBadge(uniqueId);
    const visit = await activeVisit(badgeId, 'repair');
    const row = await env.api.db.prisma.visit.findUniqueOrThrow({ where: { id: visit.id } });
    const refs = row.pacsRefs as { personId: string; credentialId: string };
    const rules = await env.api.db.prisma.accessRule.findMany({ where: { id: { in: row.accessRuleIds } } });
    // Someone removes the access in the PACS (through our own client: the simulator enforces the same rules).
    const adapter = await env.worker.pacs.forProvider(env.providerId);
    await adapter.revokeAccess({ personId: refs.personId, credentialId: refs.credentialId, accessRuleExternalIds: rules.map((r) => r.externalId) });
    expect((await pacsBadge(env, uniqueId)).access).toEqual([]);

    const reported = await reconcile();
    const finding = reported.findings.find((f: { visitId: string }) => f.visitId === visit.id);
    expect(finding).toMatchObject({ kind: 'active_visit_access_missing', badgeId });
    expect(finding.message).toMatch(/reconcileRepair/);
    expect(reported.actions.filter((a: { visitId: string }) => a.visitId === visit.id)).toEqual([]);
    expect((await pacsBadge(env, uniqueId)).access).toEqual([]);

    expect((await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { settings: { reconcileRepair: true } } })).status).toBe(200);
    try {
      const repaired = await reconcile();
      expect(repaired.actions).toContainEqual(expect.objectContaining({ kind: 'credential_repaired', visitId: visit.id, badgeId }));
      expect((await pacsBadge(env, uniqueId)).access.sort()).toEqual(rules.map((r) => r.externalId).sort());
      const timeline = (await env.api.call('GET', `/v1/visits/${visit.id}`)).body.timeline;
      expect(timeline.at(-1).detail).toMatch(/re-issued by reconciliation/);
    } finally {
      await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { settings: null } });
    }
    await signOut(visit.id);
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
  });

  it('closes a visit whose workflow never started, but not one the API may still be starting', async () => {
    const oldBadge = await env.addBadge(String(base + 6));
    const youngBadge = await env.addBadge(String(base + 7));
    const rows = { old: crypto.randomUUID(), young: crypto.randomUUID() };
    const row = (id: string, badgeId: string, createdAt: Date) => ({
      id,
      workflowId: `visit-${id}`,
      locationId: env.locationId,
      providerId: env.providerId,
      badgeId,
      activeBadgeId: badgeId,
      status: 'provisioning',
      visitor: { firstName: 'Never', lastName: 'Started' },
      accessRuleIds: env.accessRuleIds,
      createdAt,
    });
    await env.api.db.prisma.visit.create({ data: row(rows.old, oldBadge, new Date(Date.now() - 5 * 60_000)) });
    await env.api.db.prisma.visit.create({ data: row(rows.young, youngBadge, new Date()) });
    try {
      const run = await reconcile();
      expect(run.actions).toContainEqual(expect.objectContaining({ kind: 'visit_closed', visitId: rows.old }));
      expect(run.actions.filter((a: { visitId: string }) => a.visitId === rows.young)).toEqual([]);
      const old = (await env.api.call('GET', `/v1/visits/${rows.old}`)).body;
      expect(old.status).toBe('completed');
      expect(old.timeline.at(-1).detail).toBe('closed by reconciliation: the visit workflow does not exist in Temporal');
      expect((await env.api.call('GET', `/v1/visits/${rows.young}`)).body.status).toBe('provisioning');
      const free = await freeBadgeIds();
      expect(free).toContain(oldBadge);
      expect(free).not.toContain(youngBadge);
    } finally {
      await env.api.db.prisma.visit.delete({ where: { id: rows.young } });
    }
  });

  it('leaves a badge whose visit is being switched off to its workflow: no PACS lookup until it is back in the pool', async () => {
    const uniqueId = String(base + 8);
    const badgeId = await env.addBadge(uniqueId);
    const visit = await activeVisit(badgeId, 'switching-off');
    // The pool comparison one page at a time, as the reconcile workflow runs it, limited to this badge.
    const activities = createReconcileActivities({
      db: env.api.db.prisma,
      pacs: env.worker.pacs,
      logger: createLogger('silent'),
      temporal: env.api.temporal,
      secretsKey: env.api.secretsKey,
    } as unknown as ActivityDeps);
    const run = new MockActivityEnvironment({ workflowExecution: { workflowId: `reconcile-${env.providerId}`, runId: crypto.randomUUID() } });
    const { runId } = (await run.run(activities.beginReconcileRun, { providerId: env.providerId, trigger: 'api' as const })) as { runId: string };
    const before = await env.api.db.prisma.securityBadge.findFirst({
      where: { providerId: env.providerId, id: { lt: badgeId } },
      orderBy: { id: 'desc' },
      select: { id: true },
    });
    /** PACS requests made while comparing this one badge. */
    const requestsToCompare = async () => {
      const stats0 = await env.simCall('GET', '/__sim/stats');
      const page = (await run.run(activities.sweepPoolBadges, { runId, after: before?.id ?? null, limit: 1 })) as { checked: number };
      expect(page.checked).toBe(1);
      return (await env.simCall('GET', '/__sim/stats')).requests - stats0.requests;
    };

    // At six o'clock the switch-off waits behind thousands of others: here its first write hangs.
    await env.simCall('PUT', '/__sim/faults', { hangRate: 1, methodFilter: kind === 'onguard' ? 'DELETE' : 'POST' });
    try {
      await env.api.call('POST', `/v1/visits/${visit.id}/sign-out`, { token: env.receptionist.token });
      for (let i = 0; (await env.simCall('GET', '/__sim/stats')).hung < 1; i++) {
        if (i > 200) throw new Error('the switch-off never reached the PACS');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await env.api.call('GET', `/v1/visits/${visit.id}`)).body.status).toBe('deprovisioning');
      expect(await requestsToCompare()).toBe(0);
    } finally {
      await env.simCall('DELETE', '/__sim/faults');
    }
    await env.waitFor(visit.id, 'completed');
    expect((await pacsBadge(env, uniqueId)).active).toBe(false);
    // Back in the pool, the badge is compared with the PACS again.
    expect(await requestsToCompare()).toBeGreaterThan(0);
    const finished = (await run.run(activities.finishReconcileRun, { runId })) as { findings: number };
    expect(finished.findings).toBe(0);
  });

  it('has a schedule per provider that follows its interval, and runs from it', async () => {
    const d = await env.api.temporal.schedule.getHandle(reconcileScheduleId(env.providerId)).describe();
    // The test API's default (a week, so schedules never fire mid-test); production's is 5 minutes.
    expect(d.spec.intervals?.[0].every).toBe(7 * 24 * 60 * 60_000);
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledReconcile', taskQueue: env.api.taskQueue });
    expect((await env.api.call('GET', `/v1/providers/${env.providerId}`)).body.reconcileIntervalMinutes).toBe(7 * 24 * 60);

    const body = {
      kind,
      name: `${kind} second`,
      url: env.sim.providerUrl,
      username: env.sim.credentials.username,
      password: env.sim.credentials.password,
      applicationId: env.sim.credentials.applicationId,
    };
    const bad = await env.api.call('POST', `/v1/locations/${env.locationId}/providers`, { body: { ...body, reconcileIntervalMinutes: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toMatch(/reconcileIntervalMinutes/);
    const created = await env.api.call('POST', `/v1/locations/${env.locationId}/providers`, { body: { ...body, reconcileIntervalMinutes: 15 } });
    expect(created.status).toBe(201);
    providersToClean.push(created.body.id);
    const handle = env.api.temporal.schedule.getHandle(reconcileScheduleId(created.body.id));
    expect((await handle.describe()).spec.intervals?.[0].every).toBe(15 * 60_000);
    expect((await env.api.call('PATCH', `/v1/providers/${created.body.id}`, { body: { reconcileIntervalMinutes: 30 } })).body.reconcileIntervalMinutes).toBe(
      30,
    );
    expect((await handle.describe()).spec.intervals?.[0].every).toBe(30 * 60_000);
    expect((await env.api.call('DELETE', `/v1/providers/${created.body.id}`)).status).toBe(204);
    await expect(handle.describe()).rejects.toThrow(/not found/i);

    // A scheduled run is recorded like an API one.
    await env.api.temporal.schedule.getHandle(reconcileScheduleId(env.providerId)).trigger();
    const deadline = Date.now() + 30_000;
    let scheduled: any;
    while (!scheduled && Date.now() < deadline) {
      const r = await env.api.call('GET', `/v1/providers/${env.providerId}/reconciliation?status=ok&limit=5`);
      scheduled = r.body.items.find((x: { trigger: string }) => x.trigger === 'schedule');
      if (!scheduled) await new Promise((res) => setTimeout(res, 250));
    }
    expect(scheduled).toMatchObject({ status: 'ok', counts: { badgesChecked: expect.any(Number) } });
  });

  it('re-creates lost schedules at start-up and removes those of deleted providers', async () => {
    const own = env.api.temporal.schedule.getHandle(reconcileScheduleId(env.providerId));
    await own.delete();
    const orphan = crypto.randomUUID();
    await env.api.temporal.schedule.create({
      scheduleId: reconcileScheduleId(orphan),
      spec: { intervals: [{ every: '7 days' }] },
      action: { type: 'startWorkflow', workflowType: 'scheduledReconcile', args: [{ providerId: orphan }], taskQueue: env.api.taskQueue },
    });
    const out = await ensureReconcileSchedules({ client: env.api.temporal, db: env.api.db.prisma, defaultTaskQueue: env.api.taskQueue });
    expect(out.failed).toBe(0);
    expect(out.removed).toBeGreaterThanOrEqual(1);
    expect((await own.describe()).spec.intervals?.[0].every).toBe(7 * 24 * 60 * 60_000);
    await expect(env.api.temporal.schedule.getHandle(reconcileScheduleId(orphan)).describe()).rejects.toThrow(/not found/i);
  });

  it('fails and records the run when the PACS refuses the provider’s credentials, with what to do', async () => {
    const patch = (password: string) => env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { password } });
    expect((await patch('not-the-password-1')).status).toBe(200);
    try {
      const r = await env.api.call('POST', `/v1/providers/${env.providerId}/reconcile`);
      expect(r.status).toBe(502);
      expect(['PACS_AUTH', 'PACS_LICENSE']).toContain(r.body.error.code);
      const failed = (await env.api.call('GET', `/v1/providers/${env.providerId}/reconciliation?status=failed`)).body.items[0];
      expect(failed).toMatchObject({ status: 'failed', error: { code: r.body.error.code }, finishedAt: expect.any(String) });
      expect(failed.error.message).toBe(r.body.error.message);
      expect(JSON.stringify(r.body) + JSON.stringify(failed)).not.toContain('not-the-password-1');
    } finally {
      await patch(env.sim.credentials.password);
    }
    expect((await reconcile()).status).toBe('ok');
  });

  it('forgets quiet runs after 30 days but keeps runs that changed something', async () => {
    const old = new Date(Date.now() - 31 * 24 * 3_600_000);
    const oldRun = (tag: string) => ({
      providerId: env.providerId,
      trigger: 'schedule',
      workflowId: 'old',
      workflowRunId: `${tag}-${crypto.randomUUID()}`,
      status: 'ok',
      startedAt: old,
      finishedAt: old,
      createdAt: old,
    });
    const quiet = await env.api.db.prisma.reconciliationRun.create({
      data: { ...oldRun('quiet'), findings: { create: { kind: 'badge_foreign_holder', message: 'old', key: 'k' } } },
    });
    const busy = await env.api.db.prisma.reconciliationRun.create({
      data: { ...oldRun('busy'), actions: { create: { kind: 'badge_deactivated', message: 'old', key: 'k' } } },
    });
    await reconcile();
    expect(await env.api.db.prisma.reconciliationRun.findUnique({ where: { id: quiet.id } })).toBeNull();
    expect(await env.api.db.prisma.reconciliationFinding.count({ where: { runId: quiet.id } })).toBe(0);
    expect(await env.api.db.prisma.reconciliationRun.findUnique({ where: { id: busy.id } })).not.toBeNull();
  });

  it('pages runs newest first, and exports findings and actions as metrics', async () => {
    const first = await env.api.call('GET', `/v1/providers/${env.providerId}/reconciliation?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(Date.parse(first.body.items[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(first.body.items[1].createdAt));
    const second = await env.api.call('GET', `/v1/providers/${env.providerId}/reconciliation?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.length).toBeGreaterThan(0);
    expect(Date.parse(second.body.items[0].createdAt)).toBeLessThanOrEqual(Date.parse(first.body.items[1].createdAt));
    expect((await env.api.call('GET', `/v1/providers/${env.providerId}/reconciliation?cursor=nonsense`)).status).toBe(400);
    expect((await env.api.call('GET', `/v1/providers/${crypto.randomUUID()}/reconciliation`)).status).toBe(404);
    expect((await env.api.call('POST', `/v1/providers/${env.providerId}/reconcile`, { token: env.receptionist.token })).status).toBe(403);

    const metrics = (await env.api.call('GET', '/metrics')).body as string;
    const line = (name: string, k: string) =>
      metrics.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`providerId="${env.providerId}"`) && l.includes(`kind="${k}"`));
    // Every kind is exported for the provider's last run, zero included; the foreign card was deleted since.
    expect(line('reconciliation_findings', 'badge_foreign_holder')).toMatch(/ 0$/);
    expect(line('reconciliation_findings', 'visit_stranded')).toMatch(/ 0$/);
    expect(Number(line('reconciliation_actions_total', 'visit_closed')?.split(' ').pop())).toBeGreaterThanOrEqual(2);
    expect(Number(line('reconciliation_actions_total', 'badge_deactivated')?.split(' ').pop())).toBeGreaterThanOrEqual(2);
  });
});

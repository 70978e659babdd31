import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ActivityDeps } from './deps';
import type { ActionKind, FindingKind } from '../domain/reconciliation';
import { Prisma } from '../generated/prisma/client';
import { isPacsError, PROVIDER_LEVEL_FAILURES } from '../pacs/errors';
import { ProviderGoneError } from '../pacs/registry';
import type { BadgeLookup, PacsAdapter, ProviderSettings } from '../pacs/types';
import { toActivityFailure } from './failures';
import { systemActor } from '../audit/actor';
import { addVisitEvent } from '../audit/visit-event';
import { createVisitActivities } from './visit';
import { queueEvent, wakeDeliveries } from '../webhooks/outbox';

/**
 * Reconciliation activities: what closes the gaps the visit workflow cannot see from inside. A visit whose
 * workflow was terminated (or lost) never switches its badge off; a credential switched on by hand in the
 * PACS is invisible to us; an active visit's credential can be switched off by someone else. Each activity
 * takes IDs and returns IDs and counts: findings (with names and badge numbers) go to the database, never
 * into the workflow history.
 */

export type ReconcileTrigger = 'api' | 'schedule';

export interface StrandedVisit {
  visitId: string;
  reason: string;
}

export interface ReconcileSummary {
  runId: string;
  status: 'ok' | 'failed';
  visitsChecked: number;
  badgesChecked: number;
  findings: number;
  actions: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs that changed nothing are dropped after this long: a schedule every 5 minutes writes 288 runs a day
 * per provider. Runs with actions are kept, so reconciliation_actions_total (counted from them) never drops.
 */
const QUIET_RUN_RETENTION_MS = 30 * 24 * 3_600_000;

/** A visit row younger than this may be waiting for the API to start its workflow (it saves first). */
const MISSING_WORKFLOW_GRACE_MS = 60_000;

/**
 * Codes that concern the provider as a whole (its connection, credentials, licence) or our own
 * infrastructure: they fail the run, so Temporal retries it or an operator sees it. Any other PACS code
 * concerns one badge or visit and becomes a finding, so one bad record does not hide the rest.
 */
const RUN_LEVEL_CODES = new Set(PROVIDER_LEVEL_FAILURES);

/** Typed reconciliation failure; its code becomes the Temporal failure type (the workflow decides on retries). */
export class ReconcileError extends Error {
  constructor(
    readonly code: 'TEMPORAL_CLIENT_MISSING' | 'RECONCILE_RUN_NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'ReconcileError';
  }
}

function failure(err: unknown): Error {
  if (err instanceof ReconcileError) return ApplicationFailure.create({ type: err.code, message: err.message });
  return toActivityFailure(err);
}

function codeOf(err: unknown): string | undefined {
  if (isPacsError(err)) return err.code;
  if (err instanceof ApplicationFailure) return err.type ?? undefined;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a failure about one record; false for one that should fail (and retry) the whole run. */
function isItemLevel(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && /^[A-Z][A-Z0-9_]+$/.test(code) && !RUN_LEVEL_CODES.has(code);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const badgeRef = (bt: { externalId: string; details: unknown }) => ({
  externalId: bt.externalId,
  details: (bt.details ?? null) as Record<string, unknown> | null,
});

const personIdOf = (pacsRefs: unknown) => ((pacsRefs ?? {}) as { personId?: string }).personId ?? null;

function heartbeat(details?: unknown) {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* called outside an activity (not in production) */
  }
}

function heartbeatDetails<T>(): T | undefined {
  try {
    return Context.current().info.heartbeatDetails as T | undefined;
  } catch {
    return undefined;
  }
}

export function createReconcileActivities(deps: ActivityDeps) {
  const { db } = deps;
  const now = () => (deps.now ? deps.now() : new Date());
  // Switching a stranded visit off is exactly what its own workflow would have done: the same functions.
  const { bookkeeping, pacs: visitPacs } = createVisitActivities(deps);
  const visits = { ...bookkeeping, ...visitPacs };

  type Note = { kind: FindingKind | ActionKind; visitId?: string | null; badgeId?: string | null; message: string };
  const keyOf = (n: Note) => `${n.kind}:${n.visitId ?? ''}:${n.badgeId ?? ''}`;

  // Keyed per run, so an activity retried after a crash does not record the same thing twice.
  async function addFindings(runId: string, notes: Note[]) {
    if (!notes.length) return;
    await db.reconciliationFinding.createMany({
      data: notes.map((n) => ({ runId, kind: n.kind, visitId: n.visitId ?? null, badgeId: n.badgeId ?? null, message: n.message, key: keyOf(n), at: now() })),
      skipDuplicates: true,
    });
  }

  async function addAction(runId: string, n: Note & { kind: ActionKind }) {
    const at = now();
    const wake = await db.$transaction(async (tx) => {
      await tx.reconciliationAction.createMany({
        data: [{ runId, kind: n.kind, visitId: n.visitId ?? null, badgeId: n.badgeId ?? null, message: n.message, key: keyOf(n), at }],
        skipDuplicates: true,
      });
      // The guestbook hears of it through reconciliation.action (the outbox: same transaction, once per key).
      const run = await tx.reconciliationRun.findUniqueOrThrow({
        where: { id: runId },
        select: { providerId: true, provider: { select: { locationId: true } } },
      });
      const data = {
        runId,
        providerId: run.providerId,
        locationId: run.provider.locationId,
        kind: n.kind,
        visitId: n.visitId ?? null,
        badgeId: n.badgeId ?? null,
        message: n.message,
      };
      return queueEvent(tx, {
        type: 'reconciliation.action',
        sourceKey: `reconciliation.action:${runId}:${keyOf(n)}`,
        locationId: run.provider.locationId,
        visitId: n.visitId,
        at,
        data,
      });
    });
    void wakeDeliveries(deps, wake);
    deps.logger.info({ runId, kind: n.kind, visitId: n.visitId, badgeId: n.badgeId }, 'reconciliation action');
  }

  async function loadRun(runId: string) {
    const run = await db.reconciliationRun.findUnique({ where: { id: runId }, include: { provider: true } });
    if (!run) throw new ReconcileError('RECONCILE_RUN_NOT_FOUND', `Reconciliation run ${runId} is not in the database.`);
    return run;
  }

  /** Why the visit's workflow will never finish the visit, or null while it still can. */
  async function strandedReason(visit: { workflowId: string; createdAt: Date }): Promise<string | null> {
    const temporal = deps.temporal;
    if (!temporal) {
      throw new ReconcileError(
        'TEMPORAL_CLIENT_MISSING',
        'This worker was started without a Temporal client, so it cannot check visit workflows. Run a worker built by src/worker.ts (it connects one).',
      );
    }
    try {
      const d = await temporal.workflow.getHandle(visit.workflowId).describe();
      switch (d.status.name) {
        case 'TERMINATED':
          return 'the visit workflow was terminated';
        case 'FAILED':
          return 'the visit workflow failed';
        case 'TIMED_OUT':
          return 'the visit workflow timed out';
        case 'CANCELLED':
          return 'the visit workflow was cancelled';
        case 'COMPLETED':
          return 'the visit workflow completed without closing the visit';
        default:
          return null;
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (now().getTime() - visit.createdAt.getTime() < MISSING_WORKFLOW_GRACE_MS) return null;
      return 'the visit workflow does not exist in Temporal';
    }
  }

  /** Rules to take away from a person of ours: those of their past visits here, except what an open visit still needs. */
  async function rulesToRevoke(providerId: string, personVisits: Array<{ accessRuleIds: string[]; status: string }>) {
    const open = new Set(personVisits.filter((v) => v.status !== 'completed').flatMap((v) => v.accessRuleIds));
    const ids = [...new Set(personVisits.filter((v) => v.status === 'completed').flatMap((v) => v.accessRuleIds))].filter((id) => !open.has(id));
    if (!ids.length) return [];
    const rules = await db.accessRule.findMany({ where: { id: { in: ids }, providerId }, select: { externalId: true } });
    return rules.map((r) => r.externalId);
  }

  return {
    /** Opens the run's record (once per workflow run, however often Temporal retries this). */
    async beginReconcileRun(args: { providerId: string; trigger: ReconcileTrigger }): Promise<{ runId: string }> {
      try {
        const info = Context.current().info.workflowExecution;
        // Keyed on the workflow run; outside a workflow there is nothing to key a run on.
        if (!info) throw new ReconcileError('RECONCILE_RUN_NOT_FOUND', 'beginReconcileRun runs only inside the reconcileProvider workflow.');
        const provider = await db.provider.findUnique({ where: { id: args.providerId }, select: { id: true } });
        if (!provider) throw new ProviderGoneError(args.providerId);
        const run = await db.reconciliationRun.upsert({
          where: { workflowRunId: info.runId },
          create: {
            providerId: args.providerId,
            trigger: args.trigger,
            workflowId: info.workflowId,
            workflowRunId: info.runId,
            startedAt: now(),
            createdAt: now(),
          },
          update: {},
        });
        return { runId: run.id };
      } catch (err) {
        throw failure(err);
      }
    },

    /**
     * Open visits of the provider whose workflow is closed or missing in Temporal: nothing else would
     * ever switch their badges off. Needs the worker's Temporal client (ActivityDeps.temporal).
     */
    async findStrandedVisits(args: { runId: string }): Promise<StrandedVisit[]> {
      try {
        const run = await loadRun(args.runId);
        const open = await db.visit.findMany({
          where: { providerId: run.providerId, status: { not: 'completed' } },
          select: { id: true, workflowId: true, status: true, createdAt: true, badge: { select: { id: true, name: true, uniqueId: true } } },
          orderBy: { createdAt: 'asc' },
        });
        const stranded: StrandedVisit[] = [];
        const notes: Note[] = [];
        // A few describes at a time: the frontend copes, and a provider with many open visits still finishes quickly.
        for (let i = 0; i < open.length; i += 8) {
          const chunk = open.slice(i, i + 8);
          const reasons = await Promise.all(chunk.map((v) => strandedReason(v)));
          chunk.forEach((v, j) => {
            const reason = reasons[j];
            if (!reason) return;
            stranded.push({ visitId: v.id, reason });
            notes.push({
              kind: 'visit_stranded',
              visitId: v.id,
              badgeId: v.badge.id,
              message: `Visit ${v.id} is "${v.status}" with badge ${v.badge.name} (${v.badge.uniqueId}), but ${reason}: nothing would switch its badge off.`,
            });
          });
          heartbeat(i);
        }
        await addFindings(args.runId, notes);
        await db.reconciliationRun.update({ where: { id: args.runId }, data: { visitsChecked: open.length } });
        return stranded;
      } catch (err) {
        throw failure(err);
      }
    },

    /**
     * Does what the visit's workflow would have done at its end: switch the badge off in the PACS, give it
     * back to the pool, mark the visit completed with the reason in its timeline.
     */
    async closeStrandedVisit(args: { runId: string; visitId: string; reason: string }): Promise<{ closed: boolean }> {
      try {
        const visit = await db.visit.findUnique({ where: { id: args.visitId }, include: { badge: true } });
        if (!visit || (visit.status === 'completed' && !visit.activeBadgeId)) return { closed: false };
        // Looked at again right before acting: an operator may have reset or restarted it meanwhile.
        if (visit.status !== 'completed' && !(await strandedReason(visit))) return { closed: false };
        try {
          await visits.revokeAndDeactivate({ visitId: visit.id });
        } catch (err) {
          if (!isItemLevel(err)) throw err;
          await addFindings(args.runId, [
            {
              kind: 'visit_close_failed',
              visitId: visit.id,
              badgeId: visit.badgeId,
              message: `Could not switch off badge ${visit.badge.uniqueId} of stranded visit ${visit.id}; the visit keeps the badge until this is fixed. ${messageOf(err)}`,
            },
          ]);
          return { closed: false };
        }
        await visits.releaseBadge({ visitId: visit.id });
        const detail = `closed by reconciliation: ${args.reason}`;
        if (visit.status !== 'completed')
          await visits.recordVisitStatus({ visitId: visit.id, status: 'completed', detail, actor: { system: 'reconciliation' } });
        await addAction(args.runId, {
          kind: 'visit_closed',
          visitId: visit.id,
          badgeId: visit.badgeId,
          message: `Switched off badge ${visit.badge.name} (${visit.badge.uniqueId}), returned it to the pool and completed visit ${visit.id} (${detail}).`,
        });
        return { closed: true };
      } catch (err) {
        throw failure(err);
      }
    },

    /**
     * Compares up to `limit` pool badges (in ID order, after `after`) with the PACS. Heartbeats after each
     * badge with the last one done, so a retried attempt resumes there instead of starting the page again.
     */
    async sweepPoolBadges(args: { runId: string; after: string | null; limit: number }): Promise<{ checked: number; nextCursor: string | null }> {
      try {
        const run = await loadRun(args.runId);
        const providerId = run.providerId;
        const settings = (run.provider.settings ?? {}) as ProviderSettings;
        const adapter = await deps.pacs.forProvider(run.provider);
        const resumeAfter = heartbeatDetails<string>() ?? args.after;
        const badges = await db.securityBadge.findMany({
          where: { providerId, ...(resumeAfter ? { id: { gt: resumeAfter } } : {}) },
          orderBy: { id: 'asc' },
          take: args.limit,
          // The holder comes in the same statement (relation joins): see workflowOwns.
          include: { badgeType: true, holder: { select: { status: true, endsAt: true } } },
        });
        for (const badge of badges) {
          if (!workflowOwns(badge.holder)) await checkBadge(args.runId, providerId, settings, adapter, badge);
          await db.reconciliationRun.update({ where: { id: args.runId }, data: { badgesChecked: { increment: 1 } } });
          heartbeat(badge.id);
        }
        // A resumed attempt starts later but still takes `limit`, so a short page really is the last one.
        return { checked: badges.length, nextCursor: badges.length === args.limit ? badges[badges.length - 1].id : null };
      } catch (err) {
        throw failure(err);
      }
    },

    async finishReconcileRun(args: { runId: string }): Promise<ReconcileSummary> {
      const { run, wake } = await db.$transaction(async (tx) => {
        const run = await tx.reconciliationRun.update({
          where: { id: args.runId },
          data: { status: 'ok', finishedAt: now(), error: Prisma.DbNull },
          include: { _count: { select: { findings: true, actions: true } }, provider: { select: { locationId: true } } },
        });
        // provider.health "ok" only when the provider's previous finished run had failed: a recovery, not every run.
        const previous = await tx.reconciliationRun.findFirst({
          where: { providerId: run.providerId, id: { not: run.id }, status: { not: 'running' } },
          orderBy: { createdAt: 'desc' },
          select: { status: true },
        });
        const wake =
          previous?.status === 'failed'
            ? await queueEvent(tx, {
                type: 'provider.health',
                sourceKey: `provider.health:${run.id}`,
                locationId: run.provider.locationId,
                at: run.finishedAt ?? now(),
                data: {
                  providerId: run.providerId,
                  locationId: run.provider.locationId,
                  status: 'ok',
                  code: null,
                  message: 'Reconciliation succeeded again: the access control system is reachable and accepts our credentials.',
                },
              })
            : [];
        return { run, wake };
      });
      void wakeDeliveries(deps, wake);
      await db.reconciliationRun.deleteMany({
        where: { providerId: run.providerId, createdAt: { lt: new Date(now().getTime() - QUIET_RUN_RETENTION_MS) }, actions: { none: {} } },
      });
      deps.logger.info({ ...summaryOf(run), providerId: run.providerId }, 'reconciliation finished');
      return summaryOf(run);
    },

    /** Called by the workflow once it gives up, so GET …/reconciliation shows why. */
    async failReconcileRun(args: { runId: string; error: { code: string; message: string } }): Promise<ReconcileSummary> {
      const { run, wake } = await db.$transaction(async (tx) => {
        const run = await tx.reconciliationRun.update({
          where: { id: args.runId },
          data: { status: 'failed', finishedAt: now(), error: args.error as unknown as Prisma.InputJsonValue },
          include: { _count: { select: { findings: true, actions: true } }, provider: { select: { locationId: true } } },
        });
        const wake = await queueEvent(tx, {
          type: 'provider.health',
          sourceKey: `provider.health:${run.id}`,
          locationId: run.provider.locationId,
          at: run.finishedAt ?? now(),
          data: { providerId: run.providerId, locationId: run.provider.locationId, status: 'failing', code: args.error.code, message: args.error.message },
        });
        return { run, wake };
      });
      void wakeDeliveries(deps, wake);
      deps.logger.warn({ runId: run.id, providerId: run.providerId, code: args.error.code }, 'reconciliation failed');
      return summaryOf(run);
    },
  };

  /**
   * A badge whose visit is provisioning, failed, being switched off, or past its end (its switch-off about
   * to start) is its workflow's business; only a settled active visit is compared with the PACS. Such a
   * badge is not even looked up: at the end of the day thousands are being switched off at once, on the
   * connections reconciliation would take from them.
   */
  function workflowOwns(holder: { status: string; endsAt: Date | null } | null): boolean {
    return holder !== null && !(holder.status === 'active' && holder.endsAt !== null && holder.endsAt.getTime() > now().getTime());
  }

  async function checkBadge(
    runId: string,
    providerId: string,
    settings: ProviderSettings,
    adapter: PacsAdapter,
    badge: { id: string; name: string; uniqueId: string; badgeType: { externalId: string; details: unknown } },
  ) {
    const label = `${badge.name} (${badge.uniqueId})`;
    let found: BadgeLookup;
    try {
      found = await adapter.lookupBadge(badge.uniqueId, badgeRef(badge.badgeType));
    } catch (err) {
      if (!isItemLevel(err)) throw err;
      await addFindings(runId, [
        { kind: 'badge_lookup_failed', badgeId: badge.id, message: `Could not look up pool badge ${label} in the PACS. ${messageOf(err)}` },
      ]);
      return;
    }
    // Read after the PACS lookup: a sign-in that reserved the badge before we looked is seen here, so a
    // credential being issued right now is never mistaken for a stray one.
    const holder = await db.visit.findUnique({ where: { activeBadgeId: badge.id } });
    if (holder) {
      // A stranded visit this run could not close has no workflow: never re-issue its badge.
      const stranded = await db.reconciliationFinding.findFirst({ where: { runId, visitId: holder.id, kind: 'visit_stranded' }, select: { id: true } });
      if (stranded) return;
      // Only a settled active visit is expected to have its credential on and its rules granted.
      if (!workflowOwns(holder)) await checkActiveVisit(runId, settings, adapter, badge, holder, found);
      return;
    }
    if (!found.exists || !found.holderId || !found.credentialId) return;

    const holderId = found.holderId;
    const personVisits = await db.visit.findMany({
      where: { providerId, pacsRefs: { path: ['personId'], equals: holderId } },
      select: { id: true, status: true, accessRuleIds: true },
      orderBy: { createdAt: 'asc' },
    });
    const marker = personVisits.length ? null : await adapter.visitMarkerOf(holderId);
    const ours = personVisits.length > 0 || marker !== null;
    if (!ours) {
      const who = found.holderName ? `"${found.holderName}" (person ${holderId})` : `person ${holderId}`;
      await addFindings(runId, [
        {
          kind: 'badge_foreign_holder',
          badgeId: badge.id,
          message:
            `Pool badge ${label} is ${found.active ? 'active' : 'assigned (inactive)'} in the PACS, held by ${who}, who is not a visitor of this service. ` +
            'Sign-ins with it fail with BADGE_ALREADY_ASSIGNED. Check in the PACS whether the card left the visitor pool; reconciliation does not change it.',
        },
      ]);
      return;
    }
    // Findings name the visit the card was last ours under (a marker from another installation names none).
    const lastVisit = personVisits.at(-1)?.id ?? (marker && UUID.test(marker) ? marker : null);
    if (found.active) {
      await addFindings(runId, [
        {
          kind: 'badge_active_without_visit',
          visitId: lastVisit,
          badgeId: badge.id,
          message: `Pool badge ${label} is active in the PACS for one of our visitors (person ${holderId}), but no open visit holds it.`,
        },
      ]);
      const rules = await rulesToRevoke(providerId, personVisits);
      try {
        await adapter.revokeAccess({ personId: holderId, credentialId: found.credentialId, accessRuleExternalIds: rules });
        await adapter.deactivateBadge({ personId: holderId, credentialId: found.credentialId });
      } catch (err) {
        if (!isItemLevel(err)) throw err;
        await addFindings(runId, [{ kind: 'badge_lookup_failed', badgeId: badge.id, message: `Could not switch off pool badge ${label}. ${messageOf(err)}` }]);
        return;
      }
      await addAction(runId, {
        kind: 'badge_deactivated',
        visitId: lastVisit,
        badgeId: badge.id,
        message: `Switched off pool badge ${label} held by person ${holderId} in the PACS${rules.length ? ` and revoked ${rules.length} access rule(s)` : ''}.`,
      });
      return;
    }
    // Inactive but still on our visitor's record: the next sign-in with this card would fail with
    // BADGE_ALREADY_ASSIGNED. Releasing it is what deprovisioning does when releaseOnDeactivate is on.
    if (settings.releaseOnDeactivate === false) return;
    await addFindings(runId, [
      {
        kind: 'badge_assigned_without_visit',
        visitId: lastVisit,
        badgeId: badge.id,
        message: `Pool badge ${label} is inactive but still assigned to one of our visitors (person ${holderId}) in the PACS, so it cannot be issued again.`,
      },
    ]);
    try {
      await adapter.deactivateBadge({ personId: holderId, credentialId: found.credentialId });
    } catch (err) {
      if (!isItemLevel(err)) throw err;
      await addFindings(runId, [{ kind: 'badge_lookup_failed', badgeId: badge.id, message: `Could not release pool badge ${label}. ${messageOf(err)}` }]);
      return;
    }
    await addAction(runId, {
      kind: 'badge_released',
      visitId: lastVisit,
      badgeId: badge.id,
      message: `Released pool badge ${label} from person ${holderId} in the PACS.`,
    });
  }

  async function checkActiveVisit(
    runId: string,
    settings: ProviderSettings,
    adapter: PacsAdapter,
    badge: { id: string; name: string; uniqueId: string },
    visit: { id: string; providerId: string; pacsRefs: unknown; accessRuleIds: string[]; endsAt: Date | null },
    found: BadgeLookup,
  ) {
    const label = `${badge.name} (${badge.uniqueId})`;
    const personId = personIdOf(visit.pacsRefs);
    let problem: Note | null = null;
    if (!personId || !found.exists || !found.credentialId || found.holderId !== personId) {
      problem = {
        kind: 'active_visit_credential_missing',
        message: `Visit ${visit.id} is active, but badge ${label} is ${found.exists ? `assigned to ${found.holderId ? `person ${found.holderId}` : 'nobody'}` : 'not in the PACS'}, not to the visitor${personId ? ` (person ${personId})` : ''}.`,
      };
    } else if (!found.active) {
      problem = { kind: 'active_visit_credential_inactive', message: `Visit ${visit.id} is active, but badge ${label} is inactive in the PACS.` };
    } else {
      const wanted = await db.accessRule.findMany({
        where: { id: { in: visit.accessRuleIds }, providerId: visit.providerId },
        select: { externalId: true, name: true },
      });
      const held = new Set(await adapter.accessRulesOf({ personId, credentialId: found.credentialId }));
      const missing = wanted.filter((r) => !held.has(r.externalId));
      if (missing.length) {
        problem = {
          kind: 'active_visit_access_missing',
          message: `Visit ${visit.id} is active, but badge ${label} lacks access rule(s) ${missing.map((r) => `"${r.name}"`).join(', ')} in the PACS.`,
        };
      }
    }
    if (!problem) return;
    const repair = settings.reconcileRepair === true && !!personId && !!visit.endsAt;
    await addFindings(runId, [
      {
        ...problem,
        visitId: visit.id,
        badgeId: badge.id,
        message: `${problem.message} ${repair ? 'Repairing it (reconcileRepair is on).' : 'Not repaired: set the provider setting reconcileRepair to true to have reconciliation re-issue it, or sign the visitor out and in.'}`,
      },
    ]);
    if (!repair) return;
    try {
      const { credentialId } = await visits.issueCredential({ visitId: visit.id, personId: personId!, endsAt: visit.endsAt!.toISOString() });
      await visits.grantAccessRules({ visitId: visit.id, personId: personId!, credentialId });
    } catch (err) {
      if (!isItemLevel(err)) throw err;
      await addFindings(runId, [
        { kind: 'repair_failed', visitId: visit.id, badgeId: badge.id, message: `Could not re-issue badge ${label} for visit ${visit.id}. ${messageOf(err)}` },
      ]);
      return;
    }
    // The visit workflow records "deprovisioning" before it switches the badge off. If it did so while we
    // were re-issuing, its switch-off may have run before ours landed: undo the repair ourselves.
    const after = await db.visit.findUnique({ where: { id: visit.id }, select: { status: true } });
    if (after?.status !== 'active') {
      await visits.revokeAndDeactivate({ visitId: visit.id });
      await addAction(runId, {
        kind: 'repair_undone',
        visitId: visit.id,
        badgeId: badge.id,
        message: `Visit ${visit.id} ended while badge ${label} was being re-issued; switched it off again.`,
      });
      return;
    }
    await db.$transaction((tx) =>
      addVisitEvent(tx, {
        visitId: visit.id,
        status: 'active',
        detail: `badge ${badge.uniqueId} re-issued by reconciliation (${problem.kind})`,
        at: now(),
        actor: systemActor('reconciliation'),
        action: 'repair',
      }),
    );
    await addAction(runId, {
      kind: 'credential_repaired',
      visitId: visit.id,
      badgeId: badge.id,
      message: `Re-issued badge ${label} with its access rules for active visit ${visit.id}.`,
    });
  }
}

function summaryOf(run: {
  id: string;
  status: string;
  visitsChecked: number;
  badgesChecked: number;
  _count: { findings: number; actions: number };
}): ReconcileSummary {
  return {
    runId: run.id,
    status: run.status === 'ok' ? 'ok' : 'failed',
    visitsChecked: run.visitsChecked,
    badgesChecked: run.badgesChecked,
    findings: run._count.findings,
    actions: run._count.actions,
  };
}

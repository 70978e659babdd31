import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { Prisma } from '../generated/prisma/client';
import { badgeTypeProblem } from '../domain/badge-rules';
import { pacsError, pacsProductName, type PacsProviderKind } from '../pacs/errors';
import { toActivityFailure } from './failures';
import type { PacsRegistry } from '../pacs/registry';
import type { PacsAdapter, VisitorIdentity } from '../pacs/types';
import { visitWindow, wallClockLabel } from '../time/end-of-day';
import { announcingRetries } from './retry-notice';
import type { ProvisionFailureDetail, VisitActorRef, VisitError, VisitStatus } from '../workflows/visit-contract';
import { systemActor } from '../audit/actor';
import { addVisitEvent, resolveActor } from '../audit/visit-event';
import { queueEvent, queueOverdueEvent, queueVisitStatusEvent, wakeDeliveries } from '../webhooks/outbox';
import { DEFAULT_WEBHOOK_TIMING } from '../workflows/webhook-contract';

/** Visit.visitor as the API stored it: the PACS's visitor identity without the visit ID. */
type VisitorDetails = Omit<VisitorIdentity, 'visitId'>;

/** What the PACS side knows of the visit, persisted so any worker (or an operator) can finish it. */
interface PacsRefs {
  personId?: string;
  credentialId?: string;
  personCreated?: boolean;
  credentialCreated?: boolean;
}

/**
 * Visit activities, in two groups by where they run: database bookkeeping (the workflow's own worker, as
 * local activities) and PACS calls (the provider's task queue). Each takes the visit ID and reads what it needs from the database, so workflow
 * histories hold IDs only: no visitor details, no PACS credentials. Each is idempotent: Temporal may run
 * it again after a timeout or a worker crash.
 */
/** Both groups from one set of helpers (reconciliation reuses them to close stranded visits). */
export function createVisitActivities(deps: ActivityDeps) {
  const { db, pacs } = deps;
  const now = () => (deps.now ? deps.now() : new Date());

  /** The visit with what every PACS step needs: its badge (and type) and provider. Each relation is one more query. */
  async function loadVisit(visitId: string) {
    const visit = await db.visit.findUnique({
      where: { id: visitId },
      include: { badge: { include: { badgeType: true } }, provider: true },
    });
    if (!visit) throw visitNotFound(visitId);
    return visit;
  }

  async function adapterFor(provider: Parameters<PacsRegistry['forProvider']>[0]): Promise<PacsAdapter> {
    try {
      return await pacs.forProvider(provider);
    } catch (err) {
      throw toActivityFailure(err);
    }
  }

  type Loaded = { visit: Awaited<ReturnType<typeof loadVisit>>; adapter: PacsAdapter; rules?: ReturnType<typeof rulesOf> };
  /** The visit and its provider's adapter. Composite activities load them once and hand them to each step. */
  async function load(visitId: string): Promise<Loaded> {
    const visit = await loadVisit(visitId);
    return { visit, adapter: await adapterFor(visit.provider) };
  }

  /**
   * Merges into Visit.pacsRefs in one statement (keys set to undefined are removed): a read-then-write would
   * cost a second round trip on every PACS step, and the merge happens in the row's own lock.
   */
  async function saveRefs(visitId: string, patch: PacsRefs) {
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const removed = Object.keys(patch).filter((k) => patch[k as keyof PacsRefs] === undefined);
    const n =
      await db.$executeRaw`UPDATE "Visit" SET "pacsRefs" = (COALESCE("pacsRefs", '{}'::jsonb) || ${JSON.stringify(set)}::jsonb) - ${removed}::text[], "updatedAt" = ${now()} WHERE "id" = ${visitId}::uuid`;
    if (n === 0) throw visitNotFound(visitId);
  }

  async function rulesOf(visit: { accessRuleIds: string[]; providerId: string }) {
    return db.accessRule.findMany({ where: { id: { in: visit.accessRuleIds }, providerId: visit.providerId } });
  }

  /** The visit's access rules, read once per activity however many steps need them. */
  function rulesFor(loaded: Loaded) {
    loaded.rules ??= rulesOf(loaded.visit);
    return loaded.rules;
  }

  const badgeRef = (bt: { externalId: string; details: unknown }) => ({
    externalId: bt.externalId,
    details: (bt.details ?? null) as Record<string, unknown> | null,
  });

  /**
   * A status and its timeline entry, keyed on the activity that wrote them (`key`), so a retry adds neither
   * twice; `release` also ends the visit's hold on its badge in the same row update (see releaseIn).
   */
  async function recordStatusIn(tx: Prisma.TransactionClient, args: StatusArgs, key: string | null, release = false): Promise<string[]> {
    const detail = args.error ? `${args.error.code}: ${args.error.message}` : args.detail;
    // A retried attempt whose first one committed writes the same status again (harmless) and finds its
    // timeline entry taken: nothing more is recorded or queued.
    const { locationId } = await tx.visit.update({
      where: { id: args.visitId },
      data: {
        status: args.status,
        ...(release ? { activeBadgeId: null } : {}),
        ...(args.error !== undefined ? { lastError: args.error === null ? Prisma.DbNull : (args.error as unknown as Prisma.InputJsonValue) } : {}),
      },
      select: { locationId: true },
    });
    const event = await addVisitEvent(tx, {
      visitId: args.visitId,
      locationId,
      status: args.status,
      detail,
      key,
      at: now(),
      actor: await resolveActor(tx, args.actor),
    });
    if (!event) return [];
    return queueVisitStatusEvent(tx, { visitId: args.visitId, eventId: event.id, status: args.status, detail, error: args.error, at: event.at });
  }

  /**
   * Gives the badge back to the pool (the unique activeBadgeId is what reserved it); the webhook rows it
   * queued. `clearHold: false` leaves clearing activeBadgeId to the caller's own update of the row.
   */
  async function releaseIn(tx: Prisma.TransactionClient, visitId: string, clearHold = true): Promise<string[]> {
    const v = await tx.visit.findUnique({
      where: { id: visitId },
      select: { badgeId: true, activeBadgeId: true, badgeReturned: true, status: true, locationId: true, providerId: true },
    });
    if (!v) return [];
    let queued: string[] = [];
    // Reception said at sign-out that the visitor kept the card: it is switched off like any other,
    // but stays out of the pool until someone reports it found (POST /v1/badges/:id/found). Only
    // while the visit still holds it, so a retried activity changes nothing twice.
    if (v.badgeReturned === false && v.activeBadgeId) {
      const marked = await tx.securityBadge.updateMany({
        where: { id: v.activeBadgeId, status: 'available' },
        data: { status: 'not_returned', notReturnedVisitId: visitId },
      });
      if (marked.count) {
        await tx.visitEvent.createMany({
          data: [
            {
              visitId,
              status: v.status,
              detail: 'badge not returned: kept out of the pool until found',
              key: 'badge-not-returned',
              actorType: 'system',
              actorName: 'visit workflow',
            },
          ],
          skipDuplicates: true,
        });
        const badge = await tx.securityBadge.findUniqueOrThrow({ where: { id: v.activeBadgeId }, select: { id: true, name: true, uniqueId: true } });
        queued = await queueEvent(tx, {
          type: 'badge.not_returned',
          sourceKey: `badge-not-returned:${visitId}`,
          locationId: v.locationId,
          visitId,
          at: now(),
          data: { badgeId: badge.id, badgeName: badge.name, badgeNumber: badge.uniqueId, visitId, locationId: v.locationId, providerId: v.providerId },
        });
      }
    }
    if (clearHold) await tx.visit.updateMany({ where: { id: visitId }, data: { activeBadgeId: null } });
    return queued;
  }

  /** A status in its own transaction, then the webhook deliveries it queued woken. */
  async function recordStatus(args: StatusArgs, key: string | null) {
    void wakeDeliveries(deps, await db.$transaction((tx) => recordStatusIn(tx, args, key)));
  }

  /** The badge back to the pool and the visit's last status, in one transaction. */
  async function releaseAndRecordStatus(args: StatusArgs, key: string | null) {
    const wake = await db.$transaction(async (tx) => [...(await releaseIn(tx, args.visitId, false)), ...(await recordStatusIn(tx, args, key, true))]);
    void wakeDeliveries(deps, wake);
  }

  const bookkeeping = {
    /** Fixes when the visit ends (the location's end of day, DST-correct) and records it. */
    async beginVisit({ visitId }: { visitId: string }): Promise<{ endsAt: string; endsAtLabel: string }> {
      // Only what fixing the end needs: the whole visit with its badge and provider is read by the PACS activities.
      const visit = await db.visit.findUnique({
        where: { id: visitId },
        select: { endsAt: true, status: true, location: { select: { timezone: true, endOfDay: true } } },
      });
      if (!visit) throw visitNotFound(visitId);
      const label = (at: Date) => wallClockLabel(at, visit.location.timezone);
      if (visit.endsAt) return { endsAt: visit.endsAt.toISOString(), endsAtLabel: label(visit.endsAt) };
      const started = now();
      const w = deps.visitDurationOverrideMs
        ? { endsAt: new Date(started.getTime() + deps.visitDurationOverrideMs), afterHours: false }
        : visitWindow(started, visit.location.timezone, visit.location.endOfDay);
      await db.visit.update({ where: { id: visitId }, data: { endsAt: w.endsAt } });
      if (w.afterHours) {
        await addVisitEvent(db, {
          visitId,
          status: visit.status,
          detail: `signed in after the location's end of day (${visit.location.endOfDay}); badge valid until local midnight`,
          actor: systemActor('visit workflow'),
        });
      }
      return { endsAt: w.endsAt.toISOString(), endsAtLabel: label(w.endsAt) };
    },

    /** Mirrors the workflow's status into the Visit row and its timeline (GET /v1/visits reads these). */
    async recordVisitStatus(args: StatusArgs) {
      await recordStatus(args, activityKey());
    },

    /**
     * A switch-off attempt failed: the visit says so (lastError with attempts and the next attempt) while
     * it keeps retrying. The timeline gets an entry on the first failure and whenever the reason changes,
     * not one per attempt.
     */
    async recordSwitchOffFailure({ visitId, error }: { visitId: string; error: VisitError }) {
      const wake = await db.$transaction(async (tx) => {
        const v = await tx.visit.findUnique({ where: { id: visitId }, select: { status: true, lastError: true } });
        if (!v) return [];
        const prev = v.lastError as VisitError | null;
        await tx.visit.update({ where: { id: visitId }, data: { lastError: error as unknown as Prisma.InputJsonValue } });
        const overdueAfterMs = deps.webhookTiming?.overdueAfterMs ?? DEFAULT_WEBHOOK_TIMING.overdueAfterMs;
        const queued = await queueOverdueEvent(tx, { visitId, error, now: now(), overdueAfterMs });
        if (prev?.during === error.during && prev?.code === error.code) return queued;
        await addVisitEvent(tx, {
          visitId,
          status: v.status,
          detail: `${error.code}: could not finish ${error.during} yet (attempt ${error.attempts}); retrying, next attempt at ${error.nextAttemptAt}. ${error.message}`,
          at: now(),
          actor: systemActor('visit workflow'),
        });
        return queued;
      });
      void wakeDeliveries(deps, wake);
    },

    /** Gives the badge back to the pool (the unique activeBadgeId is what reserved it). */
    async releaseBadge({ visitId }: { visitId: string }) {
      const wake = await db.$transaction((tx) => releaseIn(tx, visitId));
      void wakeDeliveries(deps, wake);
    },

    /**
     * The end of every visit in one transaction (release-and-complete-v6): the badge back to the pool and the
     * last status recorded, one local activity and one commit instead of two of each.
     */
    async releaseBadgeAndRecordStatus(args: StatusArgs) {
      await releaseAndRecordStatus(args, activityKey());
    },
  };

  const pacsCalls = {
    /**
     * The seeds' "Cannot provision" checklist, items 1, 2 and 5, against the live PACS: the badge type
     * still exists there, allocates IDs by manual entry, the ID is in its range; every access rule exists.
     */
    async precheckConfiguration({ visitId }: { visitId: string }, preloaded?: Loaded) {
      const loaded = preloaded ?? (await load(visitId));
      const { visit, adapter } = loaded;
      const bt = visit.badge.badgeType;
      try {
        const rules = await rulesFor(loaded);
        // One lookup of this badge type and one of these rules, side by side, instead of both catalogues
        // (listBadgeTypes/listAccessRules stay for the admin's refresh). Failures still report in checklist order.
        const [liveType, liveRuleList] = await Promise.allSettled([
          adapter.getBadgeType(bt.externalId, (bt.details ?? null) as Record<string, unknown> | null),
          adapter.findAccessRules(rules.map((r) => r.externalId)),
        ]);
        if (liveType.status === 'rejected') throw liveType.reason;
        const live = liveType.value;
        // The stored range stands in when the PACS does not expose one (a real OnGuard does not).
        const range = live?.idRange ?? (bt.idMin !== null && bt.idMax !== null ? { min: bt.idMin.toString(), max: bt.idMax.toString() } : null);
        const problem = badgeTypeProblem(
          visit.badge.uniqueId,
          {
            name: live?.name ?? bt.name,
            status: live ? 'active' : 'missing',
            manualEntry: live?.manualEntry ?? false,
            idMin: range ? BigInt(range.min) : null,
            idMax: range ? BigInt(range.max) : null,
          },
          pacsProductName(visit.provider.kind),
        );
        if (problem) throw pacsError(problem.code, problem.fact, { provider: providerKind(visit) });
        if (rules.length !== visit.accessRuleIds.length) {
          throw pacsError('ACCESS_RULE_MISSING', 'An access rule of this visit was removed from the configuration.', { provider: providerKind(visit) });
        }
        if (liveRuleList.status === 'rejected') throw liveRuleList.reason;
        const liveRules = new Set(liveRuleList.value.map((r) => r.externalId));
        const gone = rules.filter((r) => !liveRules.has(r.externalId));
        if (gone.length) {
          throw pacsError(
            'ACCESS_RULE_MISSING',
            `Access rule(s) ${gone.map((r) => `"${r.name}"`).join(', ')} no longer exist in ${pacsProductName(visit.provider.kind)}.`,
            { provider: providerKind(visit) },
          );
        }
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** Finds the visitor in the PACS (by email, or by this visit's marker) or creates them. */
    async ensureVisitorInPacs({ visitId }: { visitId: string }, loaded?: Loaded): Promise<{ personId: string }> {
      const visit = loaded?.visit ?? (await loadVisit(visitId));
      const refs = (visit.pacsRefs ?? {}) as PacsRefs;
      if (refs.personId) return { personId: refs.personId };
      const adapter = loaded?.adapter ?? (await adapterFor(visit.provider));
      const v = visit.visitor as unknown as VisitorDetails;
      try {
        const { personId, created } = await adapter.findOrCreateVisitor({
          visitId,
          firstName: v.firstName,
          lastName: v.lastName,
          email: v.email,
          company: v.company,
        });
        await saveRefs(visitId, { personId, personCreated: created });
        return { personId };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** Checklist item 3: the badge ID is not assigned to anyone else in the PACS. */
    async checkBadgeAvailable({ visitId, personId }: { visitId: string; personId: string }, loaded?: Loaded) {
      const { visit, adapter } = loaded ?? (await load(visitId));
      try {
        const found = await adapter.lookupBadge(visit.badge.uniqueId, badgeRef(visit.badge.badgeType));
        if (found.exists && found.holderId && found.holderId !== personId) {
          throw pacsError(
            'BADGE_ALREADY_ASSIGNED',
            `Badge ID ${visit.badge.uniqueId} (${visit.badge.name}) is assigned to ${found.holderName ? `"${found.holderName}"` : `person ${found.holderId}`} in ${pacsProductName(visit.provider.kind)}${found.active ? ' and is active' : ''}.`,
            { provider: providerKind(visit) },
          );
        }
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** Checklist item 4: the visitor holds no other active badge (a re-run's own badge does not count). */
    async checkVisitorHasNoOtherBadge({ visitId, personId }: { visitId: string; personId: string }, loaded?: Loaded) {
      const { visit, adapter } = loaded ?? (await load(visitId));
      try {
        const others = (await adapter.activeBadgesOf(personId)).filter((b) => b.uniqueId !== visit.badge.uniqueId);
        if (others.length) {
          throw pacsError(
            'VISITOR_HAS_ACTIVE_BADGE',
            `The visitor already holds active badge ${others.map((b) => b.uniqueId).join(', ')} in ${pacsProductName(visit.provider.kind)}.`,
            { provider: providerKind(visit) },
          );
        }
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /**
     * Issues the credential with a hard expiry at the end of the visit, written into the PACS; `inactive`
     * (a visit awaiting approval): issued switched off, for activateAndGrant to switch on.
     */
    async issueCredential({ visitId, personId, endsAt, inactive }: { visitId: string; personId: string; endsAt: string; inactive?: boolean }, loaded?: Loaded) {
      const { visit, adapter } = loaded ?? (await load(visitId));
      try {
        const issued = await adapter.issueBadge({
          personId,
          uniqueId: visit.badge.uniqueId,
          badgeType: badgeRef(visit.badge.badgeType),
          activateAt: now(),
          deactivateAt: new Date(endsAt),
          ...(inactive ? { inactive } : {}),
        });
        await saveRefs(visitId, { credentialId: issued.credentialId, credentialCreated: issued.created });
        return { credentialId: issued.credentialId };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    async grantAccessRules({ visitId, personId, credentialId }: { visitId: string; personId: string; credentialId: string }, preloaded?: Loaded) {
      const loaded = preloaded ?? (await load(visitId));
      const rules = await rulesFor(loaded);
      const { adapter } = loaded;
      try {
        await adapter.grantAccess({ personId, credentialId, accessRuleExternalIds: rules.map((r) => r.externalId) });
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /**
     * Revokes access and deactivates the credential; "already inactive" and "absent" count as success.
     * Uses the IDs recorded in the database, falling back to a lookup by badge number for a credential
     * issued by a worker that crashed before recording it.
     */
    async revokeAndDeactivate({ visitId }: { visitId: string }) {
      const visit = await loadVisit(visitId);
      const refs = (visit.pacsRefs ?? {}) as PacsRefs;
      if (!refs.personId) return { deactivated: false };
      const adapter = await adapterFor(visit.provider);
      try {
        let credentialId = refs.credentialId;
        if (!credentialId) {
          const found = await adapter.lookupBadge(visit.badge.uniqueId, badgeRef(visit.badge.badgeType));
          if (found.exists && found.holderId === refs.personId) credentialId = found.credentialId;
        }
        const rules = await rulesOf(visit);
        if (credentialId) {
          await adapter.revokeAccess({ personId: refs.personId, credentialId, accessRuleExternalIds: rules.map((r) => r.externalId) });
          await adapter.deactivateBadge({ personId: refs.personId, credentialId });
        } else {
          await adapter.revokeAccess({ personId: refs.personId, credentialId: '', accessRuleExternalIds: rules.map((r) => r.externalId) });
        }
        await saveRefs(visitId, { credentialId: undefined });
        return { deactivated: Boolean(credentialId) };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };

  /**
   * The provisioning checks in one activity: one task-queue round trip instead of four. The configuration
   * check and finding (or creating) the visitor do not depend on each other and run side by side; so do
   * the two checks that need the visitor. A failure reports the first in the seeds' checklist order,
   * whichever finished first.
   */
  async function prepareProvision({ visitId }: { visitId: string }, preloaded?: Loaded): Promise<{ personId: string }> {
    const loaded = preloaded ?? (await load(visitId));
    const [config, person] = await Promise.allSettled([
      pacsCalls.precheckConfiguration({ visitId }, loaded),
      pacsCalls.ensureVisitorInPacs({ visitId }, loaded),
    ]);
    if (config.status === 'rejected') throw config.reason;
    if (person.status === 'rejected') throw person.reason;
    const { personId } = person.value;
    const checks = await Promise.allSettled([
      pacsCalls.checkBadgeAvailable({ visitId, personId }, loaded),
      pacsCalls.checkVisitorHasNoOtherBadge({ visitId, personId }, loaded),
    ]);
    for (const c of checks) if (c.status === 'rejected') throw c.reason;
    return { personId };
  }

  /** Issue and grant in one activity; an attempt that fails after issuing is rolled back by the workflow. */
  async function issueAndGrant(args: { visitId: string; personId: string; endsAt: string }, preloaded?: Loaded): Promise<{ credentialId: string }> {
    const loaded = preloaded ?? (await load(args.visitId));
    const { credentialId } = await pacsCalls.issueCredential(args, loaded);
    await pacsCalls.grantAccessRules({ visitId: args.visitId, personId: args.personId, credentialId }, loaded);
    return { credentialId };
  }

  /**
   * The whole provision in one activity (one-call-provision-v5): the checks, then issue and grant (or, for
   * a visit awaiting approval, issue inactive). One task-queue round trip between the visitor at the desk
   * and an active badge. A retried attempt runs the checks again; they accept the visitor's own badge, so a
   * credential half-issued by an earlier attempt does not fail them. A check's failure says nothing was
   * issued (`beforeIssue`); any later one leaves the roll-back to the workflow. With `active` (visit-v7) it
   * records the visit `active` once the badge is on, instead of a local activity after it.
   */
  async function provisionVisit(args: {
    visitId: string;
    endsAt: string;
    inactive?: boolean;
    /** visit-v7: record `active` (this detail) once the badge is on; keyed on the workflow's provisioning attempt. */
    active?: { detail: string; attempt: number };
  }): Promise<{ personId: string; credentialId: string }> {
    let loaded: Loaded;
    let personId: string;
    try {
      loaded = await load(args.visitId);
      ({ personId } = await prepareProvision({ visitId: args.visitId }, loaded));
    } catch (err) {
      throw beforeIssue(err);
    }
    const { credentialId } = args.inactive
      ? await pacsCalls.issueCredential({ visitId: args.visitId, personId, endsAt: args.endsAt, inactive: true }, loaded)
      : await issueAndGrant({ visitId: args.visitId, personId, endsAt: args.endsAt }, loaded);
    if (args.active) {
      await recordStatus(
        { visitId: args.visitId, status: 'active', detail: args.active.detail, error: null },
        runKey(`provision-${args.active.attempt}:active`),
      );
    }
    return { personId, credentialId };
  }

  /**
   * A visit awaiting approval: everything short of activation. The credential is issued inactive with its
   * hard expiry; access rules wait for the approval (activateAndGrant), so nothing opens a door before it.
   */
  async function issueInactive(args: { visitId: string; personId: string; endsAt: string }): Promise<{ credentialId: string }> {
    return pacsCalls.issueCredential({ ...args, inactive: true });
  }

  /**
   * Approval: switch the credential on (from now to the end of the visit) and grant the access rules, in one
   * activity so the doors open within seconds of the approval. Both steps are idempotent.
   */
  async function activateAndGrant(args: { visitId: string; personId: string; credentialId: string; endsAt: string }): Promise<void> {
    const loaded = await load(args.visitId);
    const end = new Date(args.endsAt);
    if (now().getTime() >= end.getTime()) {
      // Not retried because the workflow's policy lists the type: activities report, workflows decide.
      throw ApplicationFailure.create({
        type: 'VISIT_DAY_OVER',
        message: `The visit ended at ${args.endsAt}: its badge is not switched on after the end of the day.`,
        nonRetryable: false,
      });
    }
    try {
      await loaded.adapter.activateBadge({ personId: args.personId, credentialId: args.credentialId, activateAt: now(), deactivateAt: end });
    } catch (err) {
      throw toActivityFailure(err);
    }
    await pacsCalls.grantAccessRules({ visitId: args.visitId, personId: args.personId, credentialId: args.credentialId }, loaded);
  }

  /**
   * The end of a visit in one activity (visit-v7): record that it is being switched off, switch
   * the badge off, then give it back to the pool and record `completed` in one transaction. No local
   * activity on either side, so the workflow's end is two workflow tasks with nothing between them but this.
   * Both records are keyed on the workflow's ending (`ending`), not on the attempt: however many attempts
   * the switch-off takes, each is written once. A failed attempt leaves the visit `deprovisioning`, for the
   * workflow to report and retry.
   */
  async function switchOffAndComplete(args: {
    visitId: string;
    /** Which ending of this run (a Cancel during a switch-off is a second one). */
    ending: number;
    /** Why and by whom; absent when an earlier run already recorded it (continued as new). */
    announce?: { detail: string; actor?: VisitActorRef };
    /** The `completed` entry's detail, and null to clear a switch-off error that is now history. */
    completed: { detail: string; error?: null; actor?: VisitActorRef };
  }): Promise<{ deactivated: boolean }> {
    if (args.announce) {
      await recordStatus({ visitId: args.visitId, status: 'deprovisioning', ...args.announce }, runKey(`ending-${args.ending}:deprovisioning`));
    }
    const result = await pacsCalls.revokeAndDeactivate({ visitId: args.visitId });
    await releaseAndRecordStatus({ visitId: args.visitId, status: 'completed', ...args.completed }, runKey(`ending-${args.ending}:completed`));
    return result;
  }

  const heartbeatingPacsCalls = Object.fromEntries(
    Object.entries(pacsCalls).map(([name, fn]) => [name, heartbeating(fn as (...a: unknown[]) => Promise<unknown>)]),
  ) as typeof pacsCalls;
  return {
    bookkeeping,
    pacs: {
      ...heartbeatingPacsCalls,
      provisionVisit: heartbeating(announcingRetries(deps.temporal, provisionVisit)),
      prepareProvision: heartbeating(announcingRetries(deps.temporal, (a: { visitId: string }) => prepareProvision(a))),
      issueAndGrant: heartbeating(announcingRetries(deps.temporal, (a: { visitId: string; personId: string; endsAt: string }) => issueAndGrant(a))),
      issueInactive: heartbeating(announcingRetries(deps.temporal, issueInactive)),
      activateAndGrant: heartbeating(announcingRetries(deps.temporal, activateAndGrant)),
      switchOffAndComplete: heartbeating(switchOffAndComplete),
    },
  };
}

/** The visit's database bookkeeping: no PACS call, so it may run anywhere the database is reachable. */
export const createVisitBookkeepingActivities = (deps: ActivityDeps) => createVisitActivities(deps).bookkeeping;

/** The visit's PACS calls: they run on the provider's task queue, where a worker that reaches the PACS listens. */
export const createVisitPacsActivities = (deps: ActivityDeps) => createVisitActivities(deps).pacs;

/**
 * Beats every second while a PACS call runs. The workflow sets a short heartbeat timeout on PACS
 * activities, so a worker that dies mid-call (SIGKILL, lost host) is noticed within seconds and the call
 * is retried on another worker, instead of after the whole start-to-close timeout. The server starts that
 * timeout when the activity starts, so the first beat can wait a second: a call that ends sooner (most do)
 * costs Temporal no heartbeat at all.
 */
function heartbeating<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    let ctx: Context | undefined;
    try {
      ctx = Context.current();
    } catch {
      return fn(...args); // called outside an activity (tests, reconciliation helpers)
    }
    // A local activity (visit-v8's first attempts) has no heartbeat: the workflow task's timeout covers it.
    if (ctx.info.isLocal) return fn(...args);
    const timer = setInterval(() => ctx.heartbeat(), 1000);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}

/** The failure as Temporal carries it, marked as raised before anything was issued (ProvisionFailureDetail). */
function beforeIssue(err: unknown): Error {
  const failure = toActivityFailure(err);
  if (!(failure instanceof ApplicationFailure)) return failure;
  const detail: ProvisionFailureDetail = { ...((failure.details?.[0] as ProvisionFailureDetail | undefined) ?? {}), beforeIssue: true };
  return ApplicationFailure.create({
    type: failure.type ?? undefined,
    message: failure.message,
    nonRetryable: failure.nonRetryable ?? false,
    details: [detail],
  });
}

/** Reported, not decided here: the workflow's retry policy lists VISIT_NOT_FOUND as not worth retrying. */
function visitNotFound(visitId: string) {
  return ApplicationFailure.retryable(`Visit ${visitId} is not in the database.`, 'VISIT_NOT_FOUND');
}

/** Guidance in the provider's own words (src/pacs/errors.ts). */
function providerKind(visit: { provider: { kind: string } }): PacsProviderKind | undefined {
  return visit.provider.kind === 'onguard' || visit.provider.kind === 'genetec' ? visit.provider.kind : undefined;
}

/** What a bookkeeping activity records: a status, why, and who caused it. */
type StatusArgs = { visitId: string; status: VisitStatus; detail?: string; error?: VisitError | null; actor?: VisitActorRef };

/** The running activity's idempotency key (its run and activity ID); null outside an activity. */
function activityKey(): string | null {
  const info = safeActivityInfo();
  return info ? `${info.workflowExecution?.runId ?? info.workflowType}/${info.activityId}` : null;
}

/**
 * A key for what the workflow's run does once, however many activity attempts it takes (`what` names the
 * step in the workflow's own terms); null outside an activity.
 */
function runKey(what: string): string | null {
  const run = safeActivityInfo()?.workflowExecution?.runId;
  return run ? `${run}/${what}` : null;
}

function safeActivityInfo() {
  try {
    return Context.current().info;
  } catch {
    return undefined;
  }
}

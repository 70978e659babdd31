import crypto from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { Response } from 'express';
import { z } from 'zod';
import { checkProvisionSelection } from '../provision-selection';
import { assertInScope, scopeFilter, type Scope } from '../../domain/scope';
import { AppError, badRequest, conflict, notFound, unprocessable } from '../../errors';
import { Prisma } from '../../generated/prisma/client';
import { initialVisitAttributes, SA } from '../../workflows/search-attributes';
import {
  approveUpdate,
  denyUpdate,
  deprovisionNowSignal,
  outcomeUpdate,
  retryUpdate,
  signOutSignal,
  OPEN_VISIT_STATUSES,
  VISIT_STATUSES,
  visitWorkflowId,
  type VisitInput,
  type VisitTiming,
} from '../../workflows/visit-contract';
import { visitWorkflow } from '../../workflows/visit';
import { closeVisitWorkflow, closeVisitWorkflowId } from '../../workflows/close-visit';
import type { ApiContext } from '../context';
import { keyset, page, pageQuery } from '../pagination';
import { boundedWait, WaitTimeout } from '../../temporal/bounded-wait';
import { text } from '../text';
import { uuidParam } from '../validate';
import { actorColumns, requestActor } from '../../audit/actor';
import { addVisitEvent } from '../../audit/visit-event';
import { idempotencyKeyHeader, visitPage, visitResponses, visitSchema } from './visit-schemas';
import { provisioningRetry, visitWorkflowMetadata } from './visit-metadata';
import { visitView } from './visit-view';

const visitorSchema = z.object({
  firstName: text({ min: 1, max: 100 }),
  lastName: text({ min: 1, max: 100 }),
  email: z.email().max(320).optional(),
  company: text({ max: 200 }).optional(),
});

/** What to send instead, for a person reading the 400: which list each id comes from. */
const idOf = (what: string, from: string) =>
  z
    .uuid({
      error: (iss) =>
        (typeof iss.input === 'number' || typeof iss.input === 'string') && /^\s*\d+\s*$/.test(String(iss.input))
          ? `${JSON.stringify(iss.input)} looks like a card number; this is the ${what}'s id, a UUID from ${from}`
          : `must be the ${what}'s id, a UUID from ${from}`,
    })
    .meta({ description: `The ${what}'s id (a UUID) from ${from}` });

export /** Optional: no body (today's callers) means the card came back. */
const signOutBody = z
  .object({
    badgeReturned: z.boolean().optional().meta({
      description:
        'false when the visitor kept the card: it is switched off as usual but stays out of the pool (status "not_returned") until POST /v1/badges/{id}/found. Default true.',
    }),
  })
  .optional();

const visitCreate = z.object({
  locationId: idOf('location', 'GET /v1/locations'),
  badgeId: idOf('badge', 'GET /v1/providers/:id/badges or the badges of GET /v1/locations/:id/provisioning-options'),
  accessRuleIds: z
    .array(idOf('access rule', 'the accessRules of GET /v1/locations/:id/provisioning-options'))
    .min(1, { message: 'choose at least one access rule' })
    .max(50),
  visitor: visitorSchema,
});

/** Optional: a denial without a reason closes the visit as "denied by <who>". */
const denyBody = z
  .object({ reason: text({ min: 1, max: 500 }).optional().meta({ description: 'Why the visitor is turned away: kept on the closed visit' }) })
  .optional();

const visitQuery = pageQuery.extend({
  locationId: z.uuid().optional(),
  status: z.enum(VISIT_STATUSES).optional(),
  badgeId: z.uuid().optional(),
});

/** How long an approve without `Prefer: wait` waits for the workflow's answer (a refusal comes at once). */
const APPROVE_ANSWER_S = 5;

/** A badge still on this long after its visit should have ended is overdue (the alert's threshold). */
const OVERDUE_AFTER_S = 300;

const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export function registerVisitRoutes(ctx: ApiContext & { visitTiming?: Partial<VisitTiming> }) {
  const { routes, db, temporal } = ctx;
  const prisma = db.prisma;
  const started = ctx.metrics.counter('visits_started_total', 'Visits started through the API.', ['providerKind']);
  const byStatus = ctx.metrics.gauge('visits', 'Visits by status.', ['status']);
  const switchOffFailing = ctx.metrics.gauge('visits_switch_off_failing', 'Visits whose last attempt to switch the badge off failed; it is being retried.');
  const overdue = ctx.metrics.gauge(
    'visits_deprovision_overdue',
    'Visits whose badge should have been switched off more than 5 minutes ago and is not yet: alert on > 0 (docs/operations.md).',
  );
  ctx.metrics.onCollect(async () => {
    const rows = await prisma.visit.groupBy({ by: ['status'], _count: { _all: true } });
    for (const s of VISIT_STATUSES) byStatus.set({ status: s }, rows.find((r) => r.status === s)?._count._all ?? 0);
    const [late] = await prisma.$queryRaw<Array<{ failing: bigint; overdue: bigint }>>`
      SELECT
        count(*) FILTER (WHERE "lastError" ? 'during') AS failing,
        count(*) FILTER (WHERE "endsAt" < now() - make_interval(secs => ${OVERDUE_AFTER_S})
                            OR ("lastError" ? 'since' AND ("lastError"->>'since')::timestamptz < now() - make_interval(secs => ${OVERDUE_AFTER_S}))) AS overdue
      FROM "Visit" WHERE "status" IN (${Prisma.join(OPEN_VISIT_STATUSES)})`;
    switchOffFailing.set({}, Number(late?.failing ?? 0));
    overdue.set({}, Number(late?.overdue ?? 0));
  });
  const include = { timeline: true, badge: true } as const;

  type StartFacts = [
    visit: { id: string; workflowId: string; locationId: string; providerId: string; badgeId: string; visitor: unknown },
    badge: { name: string; uniqueId: string; provider: { taskQueue: string | null; name: string; kind: string } },
    location: { name: string; timezone: string; endOfDay: string; activation: string },
  ];

  /** `badge` with its provider: the caller has them loaded already (no second read on the hot path). */
  function startOptions(...[visit, badge, location]: StartFacts) {
    const v = visit.visitor as { firstName: string; lastName: string; company?: string };
    const input: VisitInput = {
      visitId: visit.id,
      locationId: visit.locationId,
      providerId: visit.providerId,
      badgeId: visit.badgeId,
      badgeNumber: badge.uniqueId,
      visitorName: `${v.firstName} ${v.lastName}`,
      pacsTaskQueue: badge.provider.taskQueue ?? temporal.taskQueue,
      ...(badge.provider.taskQueue && badge.provider.taskQueue !== temporal.taskQueue ? { pacsQueueApart: true } : {}),
      ...(ctx.visitTiming ? { timing: ctx.visitTiming } : {}),
      // Fixed at sign-in: changing the location's setting later does not change a visit under way.
      ...(location.activation === 'on-approval' ? { requiresApproval: true } : {}),
    };
    return {
      workflowId: visit.workflowId,
      taskQueue: temporal.taskQueue,
      args: [input] as [VisitInput],
      // A replayed request (Idempotency-Key, or a restart after a crash) attaches to the running visit...
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      // ...and never starts a second run of a visit whose workflow has closed: that would switch a
      // finished visit's badge back on.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Filterable from the first moment, before the workflow's first task has run.
      typedSearchAttributes: [
        ...initialVisitAttributes(input),
        { key: SA.locationName, value: location.name },
        { key: SA.providerName, value: badge.provider.name },
      ],
      ...visitWorkflowMetadata(input, { badgeName: badge.name, company: v.company, location, provider: badge.provider }),
    };
  }

  async function startWorkflow(...facts: StartFacts) {
    try {
      await temporal.client.workflow.start(visitWorkflow, startOptions(...facts));
    } catch (err) {
      // The visit's workflow ran and closed: nothing to start (reconciliation finishes a visit it left open).
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
  }

  /**
   * Starts the visit (or attaches to its running workflow) and asks for its outcome in the same call:
   * Temporal's update-with-start, one request instead of a start and then an update. Resolves once the
   * workflow is known to run; `outcome` settles when the visit is active or failed, or after `waitS`.
   */
  async function startAwaitingOutcome(waitS: number, ...facts: StartFacts): Promise<{ outcome: Promise<unknown> }> {
    const op = new WithStartWorkflowOperation(visitWorkflow, startOptions(...facts));
    const outcome = boundedWait(temporal.client, waitS * 1000, () =>
      temporal.client.workflow.executeUpdateWithStart(outcomeUpdate, { startWorkflowOperation: op }),
    ).catch(() => undefined);
    try {
      await op.workflowHandle();
    } catch {
      // No start answer (a closed visit, the wait given up before Temporal answered, an outage): a plain
      // start settles it, idempotently, and reports an unreachable Temporal as today.
      await startWorkflow(...facts);
    }
    return { outcome };
  }

  /**
   * Finishes a visit whose workflow has closed without completing it (Terminate in the Temporal UI, a
   * failed or timed-out run): switch the badge off and release it, so that reception's sign-out is never
   * a dead end.
   */
  async function closeOrphanedVisit(v: { id: string; badge: { providerId: string } }, reason: string, actor: { userId: string }) {
    const provider = await prisma.provider.findUnique({ where: { id: v.badge.providerId }, select: { taskQueue: true } });
    await temporal.client.workflow
      .start(closeVisitWorkflow, {
        workflowId: closeVisitWorkflowId(v.id),
        taskQueue: temporal.taskQueue,
        args: [
          { visitId: v.id, pacsTaskQueue: provider?.taskQueue ?? temporal.taskQueue, reason, actor, ...(ctx.visitTiming ? { timing: ctx.visitTiming } : {}) },
        ],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      })
      .catch((err) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
  }

  /**
   * `Prefer: wait=N` (RFC 7240): answer with the outcome if it comes within N seconds — 201 with the
   * visit `active` or `provision_failed` (and its reason) after a sign-in, 200 with it `completed` after a
   * sign-out — and 202 as usual otherwise, so a guestbook need not poll.
   */
  async function afterWait<T>(
    res: Response,
    waitS: number | null,
    outcome: () => Promise<unknown>,
    view: () => Promise<T & { status: string }>,
    done: (status: string) => number | null,
  ): Promise<T | undefined> {
    if (!waitS) return view();
    // The outcome's failure or lateness is not the request's: the visit row says where the visit stands.
    await boundedWait(temporal.client, waitS * 1000, outcome).catch(() => undefined);
    const v = await view();
    const status = done(v.status);
    res.setHeader('Preference-Applied', `wait=${waitS}`);
    if (status === null) return v;
    res.status(status).json(v);
    return undefined;
  }

  routes.add(
    'post',
    '/visits',
    {
      operationId: 'createVisit',
      summary:
        'Sign a visitor in: reserve the badge and start the visit workflow (202). Honours Idempotency-Key; with `Prefer: wait=N` (up to 30 s) answers 201 with the outcome when it comes in time.',
      tag: 'visits',
      permission: ['provisionBadge'],
      body: visitCreate,
      status: 202,
      headers: [idempotencyKeyHeader],
      response: visitSchema,
      responses: visitResponses.create,
    },
    async ({ body, req, res }) => {
      const principal = req.principal!;
      const keyHeader = req.header('idempotency-key');
      const key = keyHeader === undefined ? null : idempotencyKey.safeParse(keyHeader);
      if (key && !key.success)
        throw badRequest('Invalid header: Idempotency-Key: up to 200 printable ASCII characters', {
          issues: [{ path: 'headers.idempotency-key', message: 'invalid' }],
        });
      const idemKey = key?.success ? key.data : null;
      const waitS = preferredWait(req.header('prefer'));
      /** Starts (or finds) the visit's workflow; with `Prefer: wait`, in the same call that asks for its outcome. */
      const start = async (...facts: StartFacts): Promise<{ outcome?: Promise<unknown> }> => {
        if (waitS) return startAwaitingOutcome(waitS, ...facts);
        await startWorkflow(...facts);
        return {};
      };
      const signInOutcome = (visitId: string, run: { outcome?: Promise<unknown> }) =>
        afterWait(
          res,
          waitS,
          () => run.outcome ?? Promise.resolve(),
          async () => visitView(await prisma.visit.findUniqueOrThrow({ where: { id: visitId }, include })),
          (st) => (st === 'provisioning' ? null : 201),
        );

      const replay = async () => {
        if (!idemKey) return null;
        const prior = await prisma.visit.findUnique({
          where: { createdById_idempotencyKey: { createdById: principal.id, idempotencyKey: idemKey } },
          include: {
            timeline: true,
            badge: { include: { provider: { select: { taskQueue: true, name: true, kind: true } } } },
            location: { select: { name: true, timezone: true, endOfDay: true, activation: true } },
          },
        });
        if (!prior) return null;
        if (!sameSignIn(prior, body)) {
          throw unprocessable(
            'IDEMPOTENCY_KEY_MISMATCH',
            'This Idempotency-Key was already used for a different sign-in (another visitor, badge, location or access rules). Send a new key for a new sign-in.',
            { visitId: prior.id },
          );
        }
        res.setHeader('Idempotent-Replayed', 'true');
        // A finished visit is returned as it is: a late replay must not switch its badge back on.
        if (prior.status === 'completed') return visitView(prior);
        // The first request may have died between saving and starting: make sure the workflow runs.
        return signInOutcome(prior.id, await start(prior, prior.badge, prior.location));
      };
      const previous = await replay();
      if (previous !== null) return previous;

      let selection: Awaited<ReturnType<typeof checkProvisionSelection>>;
      try {
        // The same checks as GET /locations/:id/provisioning-options, so the two never disagree.
        selection = await checkProvisionSelection(prisma, principal, body);
      } catch (err) {
        // Held by the twin of this very request (same Idempotency-Key, a moment earlier)? Then it is ours.
        if (err instanceof AppError && err.code === 'BADGE_IN_USE') {
          const again = await replay();
          if (again !== null) return again;
        }
        throw err;
      }
      const { location, badge } = selection;

      const id = crypto.randomUUID();
      // The row as inserted is all the workflow's start needs; the response reads the visit afresh.
      let visit: StartFacts[0];
      try {
        visit = await prisma.$transaction(async (tx) => {
          const created = await tx.visit.create({
            data: {
              id,
              workflowId: visitWorkflowId(id),
              locationId: location.id,
              providerId: badge.providerId,
              badgeId: badge.id,
              activeBadgeId: badge.id,
              status: 'provisioning',
              visitor: body.visitor as Prisma.InputJsonValue,
              accessRuleIds: body.accessRuleIds,
              createdById: principal.id,
              idempotencyKey: idemKey,
            },
          });
          await addVisitEvent(tx, {
            visitId: id,
            locationId: location.id,
            status: 'provisioning',
            detail: `signed in by ${principal.name}`,
            actor: requestActor(req),
            requestId: req.requestId,
            action: 'sign_in',
            details: { badgeId: badge.id, badgeNumber: badge.uniqueId, accessRuleIds: body.accessRuleIds },
          });
          return created;
        });
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          // A concurrent request with the same key may have won on either unique index (the key or the
          // badge), and driver adapters do not reliably name the index: look for our key first.
          const again = await replay();
          if (again !== null) return again;
          const holder = await prisma.visit.findUnique({ where: { activeBadgeId: badge.id }, select: { id: true } });
          throw conflict('BADGE_IN_USE', `Badge ${badge.name} (${badge.uniqueId}) was just taken by another visit; choose a free badge.`, {
            visitId: holder?.id,
          });
        }
        throw err;
      }
      let run: { outcome?: Promise<unknown> };
      try {
        run = await start(visit, badge, location);
      } catch (err) {
        // The start may or may not have reached Temporal (an answer lost in an outage). Deleting the row
        // could orphan a workflow that did start, so the visit is kept: a retry with the same
        // Idempotency-Key starts or finds its workflow, and reconciliation closes it if none ever runs.
        await prisma.visitEvent
          .create({
            data: {
              visitId: id,
              status: 'provisioning',
              detail: 'the visit workflow could not be started: Temporal was not reachable',
              ...actorColumns(requestActor(req)),
            },
          })
          .catch(() => undefined);
        throw new AppError(
          503,
          'TEMPORAL_UNAVAILABLE',
          `The visit was saved but could not be started: Temporal is not reachable (${(err as Error).message}). Retry with the same Idempotency-Key; without one, the badge is released by reconciliation within minutes.`,
          { visitId: id },
        );
      }
      started.inc({ providerKind: badge.provider.kind });
      return signInOutcome(visit.id, run);
    },
  );

  // Who handles visits may read them; declared on the routes so /openapi.json lists it.
  // A host (approveVisits) finds the visits awaiting their approval (GET /v1/visits?status=awaiting_approval).
  const viewers = ['viewVisits', 'provisionBadge', 'signOut', 'manageConfiguration', 'approveVisits'] as const;

  routes.add(
    'get',
    '/visits',
    {
      operationId: 'listVisits',
      summary: "List visits at the caller's locations, filtered by location, status or badge",
      tag: 'visits',
      permission: [...viewers],
      query: visitQuery,
      response: visitPage,
    },
    async ({ query, req }) => {
      const k = keyset(query.cursor);
      const rows = await prisma.visit.findMany({
        where: {
          ...k.where,
          AND: [{ locationId: query.locationId }, { locationId: scopeFilter(req.principal!.scope) }],
          status: query.status,
          badgeId: query.badgeId,
        },
        orderBy: k.orderBy,
        take: query.limit + 1,
        include,
      });
      return page(rows, query.limit, visitView);
    },
  );

  /** With the caller's scope: another site's visit answers 404, as if it did not exist. */
  async function getVisit(id: string, scope?: Scope) {
    const v = await prisma.visit.findUnique({ where: { id }, include });
    if (!v) throw notFound('Visit', id);
    if (scope) assertInScope(scope, v.locationId, 'Visit', id);
    return v;
  }

  routes.add(
    'get',
    '/visits/{id}',
    {
      operationId: 'getVisit',
      summary: 'A visit: status, badge, timeline, last error (while a PACS call of the sign-in is being retried: which, attempts, last error, next attempt)',
      tag: 'visits',
      permission: [...viewers],
      params: uuidParam,
      response: visitSchema,
    },
    async ({ params, req }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      // A PACS call being retried leaves no trace in the row until it gives up: Temporal knows the attempt.
      const retrying = v.status === 'provisioning' ? await provisioningRetry(temporal.client, v.workflowId) : null;
      return { ...visitView(v), ...(retrying ? { lastError: retrying } : {}) };
    },
  );

  /** Ends a visit: a signal to its workflow, or, if that has closed without completing it, a closing workflow. */
  async function endVisit(v: Awaited<ReturnType<typeof getVisit>>, send: () => Promise<void>, what: string, actor: { userId: string }) {
    try {
      await send();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) {
        throw new AppError(503, 'TEMPORAL_UNAVAILABLE', `Temporal is not reachable; try again (${(err as Error).message}).`);
      }
      await closeOrphanedVisit(v, `${what}; the visit workflow had already closed`, actor).catch((e) => {
        throw new AppError(503, 'TEMPORAL_UNAVAILABLE', `Temporal is not reachable; try again (${(e as Error).message}).`);
      });
    }
  }

  routes.add(
    'post',
    '/visits/{id}/sign-out',
    {
      operationId: 'signOutVisit',
      summary: 'Sign the visitor out; the badge is switched off and returned to the pool',
      tag: 'visits',
      permission: ['signOut'],
      params: uuidParam,
      body: signOutBody,
      status: 202,
      response: visitSchema,
      responses: visitResponses.end,
    },
    async ({ params, body, req, res }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      if (v.status === 'completed') return visitView(v);
      const by = req.principal!.name;
      const waitS = preferredWait(req.header('prefer'));
      // Only the first of repeated or concurrent sign-outs signals and writes the timeline entry. What it
      // says about the card is stored before the signal: releaseBadge reads it.
      const claimed = await prisma.visit.updateMany({
        where: { id: v.id, signOutRequestedAt: null },
        data: { signOutRequestedAt: new Date(), badgeReturned: body?.badgeReturned ?? true },
      });
      if (claimed.count === 0) return visitView(v);
      try {
        const actor = { userId: req.principal!.id };
        await endVisit(v, () => temporal.client.workflow.getHandle(v.workflowId).signal(signOutSignal, { by, actor }), `signed out by ${by}`, actor);
      } catch (err) {
        // Not delivered: the next sign-out must try again rather than find it already claimed.
        await prisma.visit.updateMany({ where: { id: v.id }, data: { signOutRequestedAt: null } });
        throw err;
      }
      await prisma.$transaction((tx) =>
        addVisitEvent(tx, {
          visitId: v.id,
          locationId: v.locationId,
          status: v.status,
          detail: `sign-out requested by ${by}`,
          actor: requestActor(req),
          requestId: req.requestId,
          action: 'sign_out',
          details: { badgeReturned: body?.badgeReturned ?? true },
        }),
      );
      return afterWait(
        res,
        waitS,
        () => temporal.client.workflow.getHandle(v.workflowId).result(),
        async () => visitView(await getVisit(params.id)),
        (st) => (st === 'completed' ? 200 : null),
      );
    },
  );

  routes.add(
    'post',
    '/visits/{id}/deprovision',
    {
      operationId: 'deprovisionVisit',
      summary: 'Switch the badge off now (e.g. a lost badge); the visit then completes',
      tag: 'visits',
      permission: ['manageConfiguration', 'signOut'],
      params: uuidParam,
      status: 202,
      response: visitSchema,
      responses: visitResponses.end,
    },
    async ({ params, req }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      if (v.status === 'completed') return visitView(v);
      const by = req.principal!.name;
      const actor = { userId: req.principal!.id };
      await endVisit(
        v,
        () => temporal.client.workflow.getHandle(v.workflowId).signal(deprovisionNowSignal, { reason: `requested by ${by}`, actor }),
        `deprovisioned on request by ${by}`,
        actor,
      );
      await prisma.$transaction((tx) =>
        addVisitEvent(tx, {
          visitId: v.id,
          locationId: v.locationId,
          status: v.status,
          detail: `deprovision requested by ${by}`,
          actor: requestActor(req),
          requestId: req.requestId,
          action: 'deprovision',
        }),
      );
      return visitView(await getVisit(params.id));
    },
  );

  routes.add(
    'post',
    '/visits/{id}/retry',
    {
      operationId: 'retryVisit',
      summary: 'Retry a failed provision after fixing its cause',
      tag: 'visits',
      permission: ['provisionBadge', 'manageConfiguration'],
      params: uuidParam,
      status: 202,
      response: visitSchema,
      responses: visitResponses.retry,
    },
    async ({ params, req }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      if (v.status !== 'provision_failed') {
        throw conflict('VISIT_NOT_RETRYABLE', `The visit is ${v.status}; only a visit whose provisioning failed can be retried.`);
      }
      try {
        await temporal.client.workflow.getHandle(v.workflowId).executeUpdate(retryUpdate, { args: [{ actor: { userId: req.principal!.id } }] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw conflict('VISIT_NOT_RETRYABLE', err.cause?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError) throw conflict('VISIT_CLOSED', 'The visit workflow has already finished.');
        throw err;
      }
      return visitView(await getVisit(params.id));
    },
  );

  /**
   * Why a visit can no longer be approved or denied, before asking its workflow: its day is over (the
   * badge is switched off) or it has closed. Null while it may still be waiting.
   */
  function undecidable(v: Awaited<ReturnType<typeof getVisit>>, what: string): AppError | null {
    if (v.endsAt && v.endsAt.getTime() <= Date.now()) {
      return conflict(
        'VISIT_DAY_OVER',
        `The visit's day ended at ${v.endsAt.toISOString()}; it can no longer be ${what}. Its badge is switched off; sign the visitor in again if they are still here.`,
        { status: v.status },
      );
    }
    if (v.status === 'completed') {
      const last = [...v.timeline].sort((a, b) => a.at.getTime() - b.at.getTime() || Number(a.id - b.id)).pop();
      return conflict('VISIT_CLOSED', `The visit is closed${last?.detail ? ` (${last.detail})` : ''}; it can no longer be ${what}.`, { status: v.status });
    }
    return null;
  }

  /** A refused approve/deny update (the workflow's validator) or a finished workflow, as a 409. */
  function decisionRefused(err: unknown, v: Awaited<ReturnType<typeof getVisit>>): never {
    if (err instanceof WorkflowUpdateFailedError) {
      throw conflict('VISIT_NOT_AWAITING_APPROVAL', err.cause?.message ?? err.message, { status: v.status });
    }
    if (err instanceof WorkflowNotFoundError)
      throw conflict('VISIT_CLOSED', 'The visit workflow has already finished; the visit can no longer be approved or denied.');
    throw new AppError(503, 'TEMPORAL_UNAVAILABLE', `Temporal is not reachable; try again (${(err as Error).message}).`);
  }

  routes.add(
    'post',
    '/visits/{id}/approve',
    {
      operationId: 'approveVisit',
      summary:
        'Approve a visit awaiting approval: its badge is switched on and access granted within seconds (202). With `Prefer: wait=N` (up to 30 s) answers 200 with the outcome (active, or provision_failed and why) when it comes in time.',
      tag: 'visits',
      permission: ['approveVisits'],
      params: uuidParam,
      status: 202,
      response: visitSchema,
      responses: visitResponses.approve,
    },
    async ({ params, req, res }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      const refused = undecidable(v, 'approved');
      if (refused) throw refused;
      const waitS = preferredWait(req.header('prefer'));
      const handle = temporal.client.workflow.getHandle(v.workflowId);
      // The update resolves once the badge is on (or activation failed); a refusal (the workflow's
      // validator) comes at once. Without Prefer: wait, a few seconds are still worth waiting for the
      // refusal to be a 409 rather than a 202 that changed nothing.
      try {
        await boundedWait(temporal.client, (waitS ?? APPROVE_ANSWER_S) * 1000, () =>
          handle.executeUpdate(approveUpdate, { args: [{ by: req.principal!.name, actor: { userId: req.principal!.id } }] }),
        );
      } catch (err) {
        if (!(err instanceof WaitTimeout)) decisionRefused(err, v);
      }
      const after = visitView(await getVisit(params.id));
      if (!waitS) return after;
      res.setHeader('Preference-Applied', `wait=${waitS}`);
      if (after.status === 'awaiting_approval' || after.status === 'provisioning') return after;
      res.status(200).json(after);
      return undefined;
    },
  );

  routes.add(
    'post',
    '/visits/{id}/deny',
    {
      operationId: 'denyVisit',
      summary: 'Deny a visit awaiting approval: its (inactive) badge is switched off and the visit closes with the reason given',
      tag: 'visits',
      permission: ['approveVisits'],
      params: uuidParam,
      body: denyBody,
      status: 202,
      response: visitSchema,
      responses: visitResponses.deny,
    },
    async ({ params, body, req, res }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      const refused = undecidable(v, 'denied');
      if (refused) throw refused;
      const waitS = preferredWait(req.header('prefer'));
      const handle = temporal.client.workflow.getHandle(v.workflowId);
      try {
        await handle.executeUpdate(denyUpdate, {
          args: [{ by: req.principal!.name, actor: { userId: req.principal!.id }, ...(body?.reason ? { reason: body.reason } : {}) }],
        });
      } catch (err) {
        decisionRefused(err, v);
      }
      return afterWait(
        res,
        waitS,
        () => handle.result(),
        async () => visitView(await getVisit(params.id)),
        (st) => (st === 'completed' ? 200 : null),
      );
    },
  );
}

/** `Prefer: wait=N` (RFC 7240), capped at 30 seconds; null without it. */
function preferredWait(header: string | undefined): number | null {
  const m = header ? /(?:^|[,;\s])wait\s*=\s*"?(\d{1,4})"?/i.exec(header) : null;
  if (!m) return null;
  const n = Number(m[1]);
  return n > 0 ? Math.min(n, 30) : null;
}

/** Whether a replayed request asks for the same sign-in as the first (the IETF Idempotency-Key draft's fingerprint). */
function sameSignIn(prior: { locationId: string; badgeId: string; accessRuleIds: string[]; visitor: unknown }, body: z.infer<typeof visitCreate>): boolean {
  const canon = (x: { locationId: string; badgeId: string; accessRuleIds: string[]; visitor: unknown }) => {
    const v = (x.visitor ?? {}) as Record<string, unknown>;
    return JSON.stringify([
      x.locationId,
      x.badgeId,
      [...x.accessRuleIds].sort(),
      ['firstName', 'lastName', 'email', 'company'].map((k) => (v[k] === undefined || v[k] === null || v[k] === '' ? null : v[k])),
    ]);
  };
  return canon(prior) === canon(body);
}

import crypto from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { checkProvisionSelection } from '../../admin/permissions';
import { assertInScope, scopeFilter, type Scope } from '../../admin/scope';
import { AppError, badRequest, conflict, notFound } from '../../errors';
import { Prisma } from '../../generated/prisma/client';
import { SA } from '../../workflows/search-attributes';
import {
  deprovisionNowSignal,
  retryUpdate,
  signOutSignal,
  VISIT_STATUSES,
  visitWorkflowId,
  type VisitInput,
  type VisitTiming,
} from '../../workflows/visit-contract';
import type { visitWorkflow } from '../../workflows/visit';
import type { ApiContext } from '../app';
import { keyset, page, pageQuery } from '../pagination';
import { text } from '../text';
import { uuidParam } from '../validate';

const visitorSchema = z.object({
  firstName: text({ min: 1, max: 100 }),
  lastName: text({ min: 1, max: 100 }),
  email: z.email().max(320).optional(),
  company: text({ max: 200 }).optional(),
});

export const visitCreate = z.object({
  locationId: z.uuid(),
  badgeId: z.uuid(),
  accessRuleIds: z.array(z.uuid()).min(1, { message: 'choose at least one access rule' }).max(50),
  visitor: visitorSchema,
});

const visitQuery = pageQuery.extend({
  locationId: z.uuid().optional(),
  status: z.enum(VISIT_STATUSES).optional(),
  badgeId: z.uuid().optional(),
});

const idempotencyKey = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

type VisitRow = Prisma.VisitGetPayload<{ include: { timeline: true; badge: true } }>;

export function visitView(v: VisitRow) {
  return {
    id: v.id,
    status: v.status,
    locationId: v.locationId,
    providerId: v.providerId,
    badgeId: v.badgeId,
    badge: { name: v.badge.name, uniqueId: v.badge.uniqueId },
    visitor: v.visitor,
    accessRuleIds: v.accessRuleIds,
    endsAt: v.endsAt,
    workflowId: v.workflowId,
    createdAt: v.createdAt,
    timeline: [...v.timeline]
      .sort((a, b) => a.at.getTime() - b.at.getTime() || Number(a.id - b.id))
      .map((e) => ({ at: e.at, status: e.status, ...(e.detail ? { detail: e.detail } : {}) })),
    ...(v.lastError ? { lastError: v.lastError } : {}),
  };
}


export function registerVisitRoutes(ctx: ApiContext & { visitTiming?: Partial<VisitTiming> }) {
  const { routes, db, temporal } = ctx;
  const prisma = db.prisma;
  const started = ctx.metrics.counter('visits_started_total', 'Visits started through the API.');
  const byStatus = ctx.metrics.gauge('visits', 'Visits by status.');
  ctx.metrics.onCollect(async () => {
    const rows = await prisma.visit.groupBy({ by: ['status'], _count: { _all: true } });
    for (const s of VISIT_STATUSES) byStatus.set({ status: s }, rows.find((r) => r.status === s)?._count._all ?? 0);
  });
  const include = { timeline: true, badge: true } as const;

  /** `badge` with its provider: the caller has them loaded already (no second read on the hot path). */
  async function startWorkflow(
    visit: { id: string; workflowId: string; locationId: string; providerId: string; badgeId: string; visitor: unknown },
    badge: { uniqueId: string; provider: { taskQueue: string | null } },
  ) {
    const v = visit.visitor as { firstName: string; lastName: string };
    const input: VisitInput = {
      visitId: visit.id,
      locationId: visit.locationId,
      providerId: visit.providerId,
      badgeId: visit.badgeId,
      badgeNumber: badge.uniqueId,
      visitorName: `${v.firstName} ${v.lastName}`,
      pacsTaskQueue: badge.provider.taskQueue ?? temporal.taskQueue,
      ...(ctx.visitTiming ? { timing: ctx.visitTiming } : {}),
    };
    await temporal.client.workflow.start<typeof visitWorkflow>('visitWorkflow', {
      workflowId: visit.workflowId,
      taskQueue: temporal.taskQueue,
      args: [input],
      // A replayed request (Idempotency-Key, or a restart after a crash) attaches to the running visit.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [
        { key: SA.visitId, value: visit.id },
        { key: SA.locationId, value: visit.locationId },
        { key: SA.status, value: 'provisioning' },
      ],
    });
  }

  routes.add(
    'post',
    '/visits',
    {
      summary: 'Sign a visitor in: reserve the badge and start the visit workflow (202). Honours Idempotency-Key.',
      tag: 'visits',
      permission: ['provisionBadge'],
      body: visitCreate,
      status: 202,
    },
    async ({ body, req, res }) => {
      const principal = req.principal!;
      const keyHeader = req.header('idempotency-key');
      const key = keyHeader === undefined ? null : idempotencyKey.safeParse(keyHeader);
      if (key && !key.success) throw badRequest('Invalid header: Idempotency-Key: up to 200 printable ASCII characters', { issues: [{ path: 'headers.idempotency-key', message: 'invalid' }] });
      const idemKey = key?.success ? key.data : null;

      const replay = async () => {
        if (!idemKey) return null;
        const prior = await prisma.visit.findUnique({
          where: { createdById_idempotencyKey: { createdById: principal.id, idempotencyKey: idemKey } },
          include: { timeline: true, badge: { include: { provider: { select: { taskQueue: true } } } } },
        });
        if (!prior) return null;
        if (prior.badgeId !== body.badgeId || prior.locationId !== body.locationId) {
          throw conflict('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different visit; use a new key for a new sign-in.', { visitId: prior.id });
        }
        // The first request may have died between saving and starting: make sure the workflow runs.
        await startWorkflow(prior, prior.badge);
        res.setHeader('Idempotent-Replayed', 'true');
        return visitView(prior);
      };
      const previous = await replay();
      if (previous) return previous;

      let selection: Awaited<ReturnType<typeof checkProvisionSelection>>;
      try {
        // The same checks as GET /locations/:id/provisioning-options, so the two never disagree.
        selection = await checkProvisionSelection(prisma, principal, body);
      } catch (err) {
        // Held by the twin of this very request (same Idempotency-Key, a moment earlier)? Then it is ours.
        if (err instanceof AppError && err.code === 'BADGE_IN_USE') {
          const again = await replay();
          if (again) return again;
        }
        throw err;
      }
      const { location, badge } = selection;

      const id = crypto.randomUUID();
      let visit: VisitRow;
      try {
        visit = await prisma.visit.create({
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
            timeline: { create: { status: 'provisioning', detail: `signed in by ${principal.name}` } },
          },
          include,
        });
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          // A concurrent request with the same key may have won on either unique index (the key or the
          // badge), and driver adapters do not reliably name the index: look for our key first.
          const again = await replay();
          if (again) return again;
          const holder = await prisma.visit.findUnique({ where: { activeBadgeId: badge.id }, select: { id: true } });
          throw conflict('BADGE_IN_USE', `Badge ${badge.name} (${badge.uniqueId}) was just taken by another visit; choose a free badge.`, { visitId: holder?.id });
        }
        throw err;
      }
      try {
        await startWorkflow(visit, badge);
      } catch (err) {
        // Nothing started: give the badge back rather than leave a visit no workflow will ever finish.
        await prisma.visit.delete({ where: { id } }).catch(() => undefined);
        throw new AppError(503, 'TEMPORAL_UNAVAILABLE', `The visit could not be started: Temporal is not reachable (${(err as Error).message}). Retry with the same Idempotency-Key.`);
      }
      started.inc({ providerKind: badge.provider.kind });
      return visitView(visit);
    },
  );

  // Who handles visits may read them; declared on the routes so /openapi.json lists it.
  const viewers = ['viewVisits', 'provisionBadge', 'signOut', 'manageConfiguration'] as const;

  routes.add('get', '/visits', { summary: "List visits at the caller's locations, filtered by location, status or badge", tag: 'visits', permission: [...viewers], query: visitQuery }, async ({ query, req }) => {
    const k = keyset(query.cursor);
    const rows = await prisma.visit.findMany({
      where: { ...k.where, AND: [{ locationId: query.locationId }, { locationId: scopeFilter(req.principal!.scope) }], status: query.status, badgeId: query.badgeId },
      orderBy: k.orderBy,
      take: query.limit + 1,
      include,
    });
    return page(rows, query.limit, visitView);
  });

  /** With the caller's scope: another site's visit answers 404, as if it did not exist. */
  async function getVisit(id: string, scope?: Scope) {
    const v = await prisma.visit.findUnique({ where: { id }, include });
    if (!v) throw notFound('Visit', id);
    if (scope) assertInScope(scope, v.locationId, 'Visit', id);
    return v;
  }

  routes.add('get', '/visits/{id}', { summary: 'A visit: status, badge, timeline, last error', tag: 'visits', permission: [...viewers], params: uuidParam }, async ({ params, req }) => {
    return visitView(await getVisit(params.id, req.principal!.scope));
  });

  routes.add(
    'post',
    '/visits/{id}/sign-out',
    { summary: 'Sign the visitor out; the badge is switched off and returned to the pool', tag: 'visits', permission: ['signOut'], params: uuidParam, status: 202 },
    async ({ params, req }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      if (v.status === 'completed') return visitView(v);
      // Only the first of repeated or concurrent sign-outs signals and writes the timeline entry.
      const claimed = await prisma.visit.updateMany({ where: { id: v.id, signOutRequestedAt: null }, data: { signOutRequestedAt: new Date() } });
      if (claimed.count === 0) return visitView(v);
      try {
        await signal(v.workflowId, () => temporal.client.workflow.getHandle(v.workflowId).signal(signOutSignal, { by: req.principal!.name }));
      } catch (err) {
        // Not delivered: the next sign-out must try again rather than find it already claimed.
        await prisma.visit.updateMany({ where: { id: v.id }, data: { signOutRequestedAt: null } });
        throw err;
      }
      await prisma.visitEvent.create({ data: { visitId: v.id, status: v.status, detail: `sign-out requested by ${req.principal!.name}` } });
      return visitView(await getVisit(params.id));
    },
  );

  routes.add(
    'post',
    '/visits/{id}/deprovision',
    { summary: 'Switch the badge off now (e.g. a lost badge); the visit then completes', tag: 'visits', permission: ['manageConfiguration', 'signOut'], params: uuidParam, status: 202 },
    async ({ params, req }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      if (v.status === 'completed') return visitView(v);
      await signal(v.workflowId, () => temporal.client.workflow.getHandle(v.workflowId).signal(deprovisionNowSignal, { reason: `requested by ${req.principal!.name}` }));
      await prisma.visitEvent.create({ data: { visitId: v.id, status: v.status, detail: `deprovision requested by ${req.principal!.name}` } });
      return visitView(await getVisit(params.id));
    },
  );

  routes.add(
    'post',
    '/visits/{id}/retry',
    { summary: 'Retry a failed provision after fixing its cause', tag: 'visits', permission: ['provisionBadge', 'manageConfiguration'], params: uuidParam, status: 202 },
    async ({ params, req }) => {
      const v = await getVisit(params.id, req.principal!.scope);
      if (v.status !== 'provision_failed') {
        throw conflict('VISIT_NOT_RETRYABLE', `The visit is ${v.status}; only a visit whose provisioning failed can be retried.`);
      }
      try {
        await temporal.client.workflow.getHandle(v.workflowId).executeUpdate(retryUpdate);
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw conflict('VISIT_NOT_RETRYABLE', err.cause?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError) throw conflict('VISIT_CLOSED', 'The visit workflow has already finished.');
        throw err;
      }
      return visitView(await getVisit(params.id));
    },
  );
}

async function signal(workflowId: string, send: () => Promise<void>) {
  try {
    await send();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw conflict('VISIT_CLOSED', `The visit workflow ${workflowId} has already finished.`);
    throw new AppError(503, 'TEMPORAL_UNAVAILABLE', `Temporal is not reachable; try again (${(err as Error).message}).`);
  }
}

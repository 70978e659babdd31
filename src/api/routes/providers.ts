import { z } from 'zod';
import type { Request } from 'express';
import {
  accessRulePage,
  accessRuleView,
  badgeTypePage,
  badgeTypeView,
  providerCreate,
  providerDetailSchema,
  providerPage,
  providerPatch,
  providerSchema,
  providerView,
  genetecNeedsApplicationId,
  refreshResultSchema,
  settingsKindIssues,
  testConnectionSchema,
  dryRunResultSchema,
  tlsColumns,
} from '../provider-schemas';
import type { RefreshResult } from '../../domain/sync';
import type { TestConnectionResult } from '../../domain/providers';
import { workflowRunning } from '../contract';
import { assertInScope } from '../../domain/scope';
import { OPEN_VISIT_STATUSES, allowedAccessRuleIds } from '../../domain/permissions';
import { runDryRunWorkflow, runRefresh, runTestConnection } from '../../domain/runs';
import { deleteReconcileSchedule, deleteRefreshSchedule, upsertReconcileSchedule, upsertRefreshSchedule } from '../../domain/schedules';
import { encryptSecret } from '../../config/secrets';
import { Prisma } from '../../generated/prisma/client';
import { badRequest, conflict, notFound } from '../../errors';
import type { ApiContext } from '../context';
import { hasPermission, CONFIG_ADMIN } from '../auth';
import { keyset, page, pageQuery } from '../pagination';
import { auditRequest } from '../../audit/record';
import { uuidParam } from '../validate';

// The documented results are the workflows' result types (a compile error here means the contract drifted).
type Is<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const contractMatches: [Is<TestConnectionResult, z.output<typeof testConnectionSchema>>, Is<RefreshResult, z.output<typeof refreshResultSchema>>] = [
  true,
  true,
];
void contractMatches;

/** What provider workflows answer when the PACS or the worker is not there (src/domain/runs.ts). */
const workflowErrors = {
  409: 'SECRET_UNREADABLE: the stored password cannot be decrypted with this SECRETS_KEY; set the password again',
  502: 'The PACS answered with an error: code and message say what to fix',
  504: "PACS_TIMEOUT or no answer within waitSeconds: check that a worker serves the provider's task queue",
} as const;

const waitQuery = z.object({
  /** How long the API waits for the workflow before answering (test connection: 504; refresh: 202). */
  waitSeconds: z.coerce.number().int().min(1).max(60).default(60),
});

const dryRunBody = z.strictObject({
  visitor: z.strictObject({
    firstName: z.string().trim().min(1).max(100),
    lastName: z.string().trim().min(1).max(100),
    email: z.string().trim().email().max(200).nullable().optional(),
  }),
  /** A test badge number the admin reserved; checked against the badge type's range. */
  badgeNumber: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, { message: 'must be a badge number (digits only)' }),
  badgeTypeId: z.string().uuid().nullable().optional(),
  accessRuleIds: z.array(z.string().uuid()).max(20).optional(),
});

const dryRunQuery = z.object({
  waitSeconds: z.coerce.number().int().min(1).max(300).default(120),
});

const catalogQuery = pageQuery.extend({ status: z.enum(['active', 'missing']).optional() });

export function registerProviderRoutes(ctx: ApiContext) {
  const { routes, db, temporal, logger, config } = ctx;
  const prisma = db.prisma;

  /** The provider, if it exists at one of the caller's locations; 404 otherwise. */
  async function loadProvider(id: string, req: Request) {
    const p = await prisma.provider.findUnique({ where: { id }, include: { location: { select: { name: true } } } });
    if (!p) throw notFound('Provider', id);
    assertInScope(req.principal!.scope, p.locationId, 'Provider', id);
    return p;
  }

  async function loadLocation(id: string, req: Request) {
    const l = await prisma.location.findUnique({ where: { id } });
    if (!l) throw notFound('Location', id);
    assertInScope(req.principal!.scope, l.id, 'Location', id);
    return l;
  }

  /** A schedule that cannot be written now is recreated by ensureRefreshSchedules at the next start. */
  async function syncSchedule(p: { id: string; taskQueue: string | null; refreshIntervalMinutes: number }) {
    try {
      await upsertRefreshSchedule(temporal.client, p, temporal.taskQueue);
    } catch (err) {
      logger.warn({ providerId: p.id, err: (err as Error).message }, 'could not write the refresh schedule; it is re-created at the next start');
    }
  }

  /** Likewise for reconciliation (ensureReconcileSchedules at the next start). */
  async function syncReconcileSchedule(p: { id: string; taskQueue: string | null; reconcileIntervalMinutes: number }) {
    try {
      await upsertReconcileSchedule(temporal.client, p, temporal.taskQueue);
    } catch (err) {
      logger.warn({ providerId: p.id, err: (err as Error).message }, 'could not write the reconciliation schedule; it is re-created at the next start');
    }
  }

  /** The provider's own columns: the audit diff leaves out the location it was loaded with. */
  const providerAudit = ({ location: _l, _count: _c, ...row }: Record<string, unknown>) => row;

  routes.add(
    'post',
    '/locations/{id}/providers',
    {
      operationId: 'createProvider',
      summary: 'Connect a location to a PACS (Genetec or OnGuard); the password is write-only',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      body: providerCreate,
      status: 201,
      response: providerSchema,
    },
    async ({ params, body, req }) => {
      await loadLocation(params.id, req);
      const p = await prisma.$transaction(async (tx) => {
        const created = await tx.provider.create({
          data: {
            locationId: params.id,
            kind: body.kind,
            name: body.name,
            url: body.url,
            username: body.username,
            passwordCiphertext: encryptSecret(config.secretsKey, body.password),
            applicationId: body.applicationId ?? null,
            directoryId: body.directoryId ?? null,
            ...tlsColumns(body.tls),
            maxConcurrentRequests: body.maxConcurrentRequests,
            settings: (body.settings ?? undefined) as Prisma.InputJsonObject | undefined,
            taskQueue: body.taskQueue ?? null,
            refreshIntervalMinutes: body.refreshIntervalMinutes ?? config.refreshIntervalMinutes,
            reconcileIntervalMinutes: body.reconcileIntervalMinutes ?? config.reconcileIntervalMinutes ?? 5,
          },
          include: { location: { select: { name: true } } },
        });
        await auditRequest(req)(tx, {
          entityType: 'provider',
          entityId: created.id,
          locationId: created.locationId,
          action: 'create',
          before: null,
          after: providerAudit(created),
        });
        return created;
      });
      await syncSchedule(p);
      await syncReconcileSchedule(p);
      return providerView(p);
    },
  );

  routes.add(
    'get',
    '/locations/{id}/providers',
    {
      operationId: 'listProviders',
      summary: "List a location's providers",
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      query: pageQuery,
      response: providerPage,
    },
    async ({ params, query, req }) => {
      await loadLocation(params.id, req);
      const k = keyset(query.cursor);
      const rows = await prisma.provider.findMany({
        where: { locationId: params.id, ...k.where },
        orderBy: k.orderBy,
        take: query.limit + 1,
        include: { location: { select: { name: true } } },
      });
      return page(rows, query.limit, providerView);
    },
  );

  routes.add(
    'get',
    '/providers/{id}',
    {
      operationId: 'getProvider',
      summary: 'Get a provider, with its refresh status',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      response: providerDetailSchema,
    },
    async ({ params, req }) => {
      await loadProvider(params.id, req);
      const p = await prisma.provider.findUniqueOrThrow({
        where: { id: params.id },
        include: { location: { select: { name: true } }, _count: { select: { accessRules: true, badgeTypes: true, badges: true } } },
      });
      return { ...providerView(p), counts: p._count };
    },
  );

  routes.add(
    'patch',
    '/providers/{id}',
    {
      operationId: 'updateProvider',
      summary: 'Change a provider; omit password to keep the stored one',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      body: providerPatch,
      response: providerSchema,
    },
    async ({ params, body, req }) => {
      const cur = await loadProvider(params.id, req);
      if (body.kind && body.kind !== cur.kind) {
        const message = `cannot change from "${cur.kind}" to "${body.kind}": synced access rules and badge types belong to one kind of PACS; create a new provider instead`;
        throw badRequest(`Invalid body: kind: ${message}`, { issues: [{ path: 'kind', message }] });
      }
      const applicationId = body.applicationId !== undefined ? body.applicationId : cur.applicationId;
      if (cur.kind === 'genetec' && !applicationId) {
        throw badRequest(`Invalid body: applicationId: ${genetecNeedsApplicationId.message}`, {
          issues: [{ path: 'applicationId', message: genetecNeedsApplicationId.message }],
        });
      }
      const settingsIssues = settingsKindIssues(cur.kind as 'onguard' | 'genetec', body.settings);
      if (settingsIssues.length)
        throw badRequest(`Invalid body: ${settingsIssues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues: settingsIssues });
      const p = await prisma.$transaction(async (tx) => {
        const updated = await tx.provider.update({
          where: { id: params.id },
          data: {
            name: body.name,
            url: body.url,
            username: body.username,
            ...(body.password !== undefined ? { passwordCiphertext: encryptSecret(config.secretsKey, body.password) } : {}),
            applicationId: body.applicationId,
            directoryId: body.directoryId,
            ...tlsColumns(body.tls),
            maxConcurrentRequests: body.maxConcurrentRequests,
            ...(body.settings !== undefined ? { settings: body.settings === null ? Prisma.DbNull : (body.settings as Prisma.InputJsonObject) } : {}),
            taskQueue: body.taskQueue,
            refreshIntervalMinutes: body.refreshIntervalMinutes,
            reconcileIntervalMinutes: body.reconcileIntervalMinutes,
          },
          include: { location: { select: { name: true } } },
        });
        await auditRequest(req)(tx, {
          entityType: 'provider',
          entityId: updated.id,
          locationId: updated.locationId,
          action: 'update',
          before: providerAudit(cur),
          after: providerAudit(updated),
        });
        return updated;
      });
      if (p.taskQueue !== cur.taskQueue || p.refreshIntervalMinutes !== cur.refreshIntervalMinutes) await syncSchedule(p);
      if (p.taskQueue !== cur.taskQueue || p.reconcileIntervalMinutes !== cur.reconcileIntervalMinutes) await syncReconcileSchedule(p);
      return providerView(p);
    },
  );

  routes.add(
    'delete',
    '/providers/{id}',
    {
      operationId: 'deleteProvider',
      summary: 'Delete a provider with its badges, synced access rules, badge types, refresh and reconciliation schedules',
      description:
        'Refused (409) while an open visit uses the provider, and for providers with visit history, which is kept for audit; edit such a provider instead.',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      response: null,
      responses: { 409: 'PROVIDER_IN_USE (open visits use it) or PROVIDER_HAS_HISTORY (past visits reference it; edit it instead)' },
    },
    async ({ params, req }) => {
      const p = await loadProvider(params.id, req);
      const open = await prisma.visit.findMany({
        where: { providerId: p.id, status: { in: [...OPEN_VISIT_STATUSES] } },
        select: { id: true, status: true },
        take: 100,
      });
      if (open.length) {
        throw conflict(
          'PROVIDER_IN_USE',
          `Provider "${p.name}" is used by ${open.length} open visit(s). Sign those visitors out (or wait until they are deprovisioned), then delete it.`,
          { visits: open },
        );
      }
      const closed = await prisma.visit.count({ where: { providerId: p.id } });
      if (closed) {
        throw conflict(
          'PROVIDER_HAS_HISTORY',
          `Provider "${p.name}" has ${closed} past visit(s), which are kept for audit and reference it. Edit the provider (URL, credentials) instead of deleting it.`,
          { visits: closed },
        );
      }
      await prisma.$transaction(async (tx) => {
        await tx.securityBadge.deleteMany({ where: { providerId: p.id } });
        // Access rules, badge types and user-group links cascade.
        const gone = await tx.provider.delete({ where: { id: p.id } });
        await auditRequest(req)(tx, {
          entityType: 'provider',
          entityId: gone.id,
          locationId: gone.locationId,
          action: 'delete',
          before: providerAudit(gone),
          after: null,
        });
      });
      try {
        await deleteRefreshSchedule(temporal.client, p.id);
      } catch (err) {
        logger.warn({ providerId: p.id, err: (err as Error).message }, 'could not delete the refresh schedule; it is removed at the next start');
      }
      try {
        await deleteReconcileSchedule(temporal.client, p.id);
      } catch (err) {
        logger.warn({ providerId: p.id, err: (err as Error).message }, 'could not delete the reconciliation schedule; it is removed at the next start');
      }
    },
  );

  routes.add(
    'post',
    '/providers/{id}/test-connection',
    {
      operationId: 'testProviderConnection',
      summary: 'Test reachability, TLS, credentials and licence; lists OnGuard directories',
      description: 'Runs the testConnection workflow on the provider’s task queue and waits for its answer (504 after waitSeconds).',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      query: waitQuery,
      response: testConnectionSchema,
      responses: workflowErrors,
    },
    async ({ params, query, req }) => {
      const p = await loadProvider(params.id, req);
      return runTestConnection(temporal, p, query.waitSeconds * 1000);
    },
  );

  routes.add(
    'post',
    '/providers/{id}/dry-run',
    {
      operationId: 'dryRunProvider',
      summary: 'First day on a real server: provision and deprovision a test visitor on a reserved badge number',
      description:
        'Runs the dryRun workflow on the provider’s task queue: test connection, badge lookup, visitor, credential (trying the preferred request form, then the alternative), access rules, deactivation, and clean-up whatever happens. Each step reports the request form, the server’s answer and, on failure, what to change. The request form the server accepted is recorded in the provider’s settings.',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      query: dryRunQuery,
      body: dryRunBody,
      response: dryRunResultSchema,
      responses: workflowErrors,
    },
    async ({ params, query, body, req }) => {
      const p = await loadProvider(params.id, req);
      return runDryRunWorkflow(temporal, p, body, query.waitSeconds * 1000);
    },
  );

  routes.add(
    'post',
    '/providers/{id}/refresh',
    {
      operationId: 'refreshProvider',
      summary: 'Sync access rules and badge types from the PACS',
      description:
        'Runs (or joins) the provider’s refreshProvider workflow. 200 with the counts; 202 { status: "running" } if it takes longer than waitSeconds; 502/504 with the PACS error and what to do.',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      query: waitQuery,
      response: refreshResultSchema,
      responses: { 202: { description: 'Still running after waitSeconds', schema: workflowRunning }, ...workflowErrors },
    },
    async ({ params, query, res, req }) => {
      const p = await loadProvider(params.id, req);
      // The sync itself is the refresh workflow's; who asked for it is the request's.
      await auditRequest(req)(prisma, { entityType: 'provider', entityId: p.id, locationId: p.locationId, action: 'refresh_requested' });
      const outcome = await runRefresh(temporal, p, query.waitSeconds * 1000);
      if (outcome.done) return outcome.result;
      res.status(202).json({ status: 'running', workflowId: outcome.workflowId, taskQueue: outcome.taskQueue });
      return undefined;
    },
  );

  routes.add(
    'get',
    '/providers/{id}/access-rules',
    {
      operationId: 'listAccessRules',
      summary: 'Synced access rules (Genetec cardholder groups, OnGuard access levels)',
      description:
        "Admins see all of the provider's rules; other users only those their user groups let them assign. 404 for a provider outside the caller's locations.",
      tag: 'providers',
      params: uuidParam,
      query: catalogQuery,
      response: accessRulePage,
    },
    async ({ params, query, req }) => {
      await loadProvider(params.id, req);
      const restrictTo = hasPermission(req, 'manageConfiguration') ? null : await allowedAccessRuleIds(prisma, req.principal!.id, { includeMissing: true });
      const k = keyset(query.cursor);
      const rows = await prisma.accessRule.findMany({
        where: {
          providerId: params.id,
          ...(query.status ? { status: query.status } : {}),
          ...(restrictTo ? { id: { in: [...restrictTo] } } : {}),
          ...k.where,
        },
        orderBy: k.orderBy,
        take: query.limit + 1,
      });
      return page(rows, query.limit, accessRuleView);
    },
  );

  routes.add(
    'get',
    '/providers/{id}/badge-types',
    {
      operationId: 'listBadgeTypes',
      summary: 'Synced badge types with ID range and manual entry',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      query: catalogQuery,
      response: badgeTypePage,
    },
    async ({ params, query, req }) => {
      await loadProvider(params.id, req);
      const k = keyset(query.cursor);
      const rows = await prisma.badgeType.findMany({
        where: { providerId: params.id, ...(query.status ? { status: query.status } : {}), ...k.where },
        orderBy: k.orderBy,
        take: query.limit + 1,
      });
      return page(rows, query.limit, badgeTypeView);
    },
  );
}

import type { Request } from 'express';
import { z } from 'zod';
import { assertInScope } from '../../domain/scope';
import { ACTION_KINDS, FINDING_KINDS, reconciliationRunPage, reconciliationRunSchema, reconciliationRunView, runInclude } from '../reconciliation-schemas';
import { workflowRunning } from '../contract';
import { runReconcile } from '../../domain/runs';
import { notFound } from '../../errors';
import { CONFIG_ADMIN } from '../auth';
import type { ApiContext } from '../context';
import { decodeCursor, page, pageQuery } from '../pagination';
import { auditRequest } from '../../audit/record';
import { uuidParam } from '../validate';

const waitQuery = z.object({
  /** How long the API waits for the run before answering 202. */
  waitSeconds: z.coerce.number().int().min(1).max(60).default(60),
});

const runsQuery = pageQuery.extend({ status: z.enum(['running', 'ok', 'failed']).optional() });

export function registerReconciliationRoutes(ctx: ApiContext) {
  const { routes, db, temporal, metrics } = ctx;
  const prisma = db.prisma;

  /** The provider, if it exists at one of the caller's locations; 404 otherwise. */
  async function loadProvider(id: string, req: Request) {
    const p = await prisma.provider.findUnique({ where: { id }, select: { id: true, taskQueue: true, locationId: true } });
    if (!p) throw notFound('Provider', id);
    assertInScope(req.principal!.scope, p.locationId, 'Provider', id);
    return p;
  }

  // From the database at scrape time, so every API instance reports the same, whichever worker ran the reconciliation.
  const findingsGauge = metrics.gauge('reconciliation_findings', 'Findings of the last finished reconciliation run, by provider and kind.', [
    'providerId',
    'kind',
  ]);
  const actionsTotal = metrics.counter(
    'reconciliation_actions_total',
    'Changes made by reconciliation (badges switched off, visits closed), by provider and kind.',
    ['providerId', 'kind'],
  );
  const lastSuccess = metrics.gauge('reconciliation_last_success_timestamp_seconds', 'When the last successful reconciliation run of a provider finished.', [
    'providerId',
  ]);
  metrics.onCollect(async () => {
    const latest = await prisma.$queryRaw<Array<{ providerId: string; runId: string; lastOk: Date | null }>>`
      SELECT DISTINCT ON (r."providerId") r."providerId", r."id" AS "runId",
        (SELECT max(o."finishedAt") FROM "ReconciliationRun" o WHERE o."providerId" = r."providerId" AND o."status" = 'ok') AS "lastOk"
      FROM "ReconciliationRun" r WHERE r."status" <> 'running'
      ORDER BY r."providerId", r."createdAt" DESC`;
    const counts = latest.length
      ? await prisma.reconciliationFinding.groupBy({ by: ['runId', 'kind'], where: { runId: { in: latest.map((l) => l.runId) } }, _count: { _all: true } })
      : [];
    findingsGauge.clear();
    lastSuccess.clear();
    for (const l of latest) {
      for (const kind of FINDING_KINDS) {
        const n = counts.find((c) => c.runId === l.runId && c.kind === kind)?._count._all ?? 0;
        findingsGauge.set({ providerId: l.providerId, kind }, n);
      }
      if (l.lastOk) lastSuccess.set({ providerId: l.providerId }, Math.floor(l.lastOk.getTime() / 1000));
    }
    const actions = await prisma.$queryRaw<Array<{ providerId: string; kind: string; n: number }>>`
      SELECT r."providerId", a."kind", count(*)::int AS n
      FROM "ReconciliationAction" a JOIN "ReconciliationRun" r ON r."id" = a."runId"
      GROUP BY r."providerId", a."kind"`;
    actionsTotal.clear();
    for (const a of actions) if ((ACTION_KINDS as readonly string[]).includes(a.kind)) actionsTotal.set({ providerId: a.providerId, kind: a.kind }, a.n);
  });

  routes.add(
    'post',
    '/providers/{id}/reconcile',
    {
      operationId: 'reconcileProvider',
      summary: 'Reconcile the provider now: close stranded visits, compare pool badges with the PACS',
      description:
        'Runs (or joins) the provider’s reconcileProvider workflow, which also runs on a schedule every reconcileIntervalMinutes. ' +
        '200 with the run, its findings and actions; 202 { status: "running" } if it takes longer than waitSeconds; 502/504 with the PACS error and what to do.',
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      query: waitQuery,
      response: reconciliationRunSchema,
      responses: {
        202: { description: 'Still running after waitSeconds', schema: workflowRunning },
        409: 'SECRET_UNREADABLE: the stored password cannot be decrypted with this SECRETS_KEY; set the password again',
        502: 'The PACS answered with an error: code and message say what to fix',
        504: "PACS_TIMEOUT or no answer: check that a worker serves the provider's task queue",
      },
    },
    async ({ params, query, req, res }) => {
      const p = await loadProvider(params.id, req);
      await auditRequest(req)(prisma, { entityType: 'provider', entityId: p.id, locationId: p.locationId, action: 'reconcile_requested' });
      const outcome = await runReconcile(temporal, p, query.waitSeconds * 1000);
      if (!outcome.done) {
        res.status(202).json({ status: 'running', workflowId: outcome.workflowId, taskQueue: outcome.taskQueue });
        return undefined;
      }
      const run = await prisma.reconciliationRun.findUniqueOrThrow({ where: { id: outcome.result.runId }, include: runInclude });
      return reconciliationRunView(run);
    },
  );

  routes.add(
    'get',
    '/providers/{id}/reconciliation',
    {
      operationId: 'listReconciliationRuns',
      summary: 'Reconciliation runs of a provider, newest first, with their findings and actions',
      description: `Each run lists up to ${runInclude.findings.take} findings and actions; counts are complete. Filter with ?status=running|ok|failed.`,
      tag: 'providers',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      query: runsQuery,
      response: reconciliationRunPage,
    },
    async ({ params, query, req }) => {
      await loadProvider(params.id, req);
      // Newest first (what an operator asks for), so the shared ascending keyset is mirrored here.
      const c = query.cursor ? decodeCursor(query.cursor) : null;
      const rows = await prisma.reconciliationRun.findMany({
        where: {
          providerId: params.id,
          ...(query.status ? { status: query.status } : {}),
          ...(c ? { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
        include: runInclude,
      });
      return page(rows, query.limit, reconciliationRunView);
    },
  );
}

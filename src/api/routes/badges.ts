import type { Request } from 'express';
import { z } from 'zod';
import { idRangeSchema, jsonId } from '../provider-schemas';
import { named, paged, timestamp } from '../contract';
import { assertInScope } from '../../domain/scope';
import { badgeProblem } from '../../domain/badge-rules';
import { runCardLostSync, type CardLostOutcome } from '../../domain/runs';
import type { Db } from '../../db/client';
import { badRequest, conflict, notFound } from '../../errors';
import type { Prisma } from '../../generated/prisma/client';
import { CONFIG_ADMIN } from '../auth';
import type { ApiContext } from '../context';
import { keyset, page, pageQuery } from '../pagination';
import { text } from '../text';
import { auditRequest } from '../../audit/record';
import { uuidParam } from '../validate';

/** Reception finds and loses cards too. */
const cardKeepers = ['manageConfiguration', 'signOut'] as const;

/** SecurityBadge.status; see docs/operations.md, "Cards not returned, lost or retired". */
export const BADGE_STATUSES = ['available', 'not_returned', 'lost', 'retired'] as const;
type BadgeStatus = (typeof BADGE_STATUSES)[number];

const UNIQUE_ID_MESSAGE = 'The badge unique ID only supports numbers (digits 0–9); any letters or symbols are a validation error';

/** Digits only, as the seeds require; a JSON number is accepted too. Leading zeros are dropped: 007 and 7 are the same card number. */
const uniqueId = z
  .union([z.string(), z.number().int().nonnegative()], { message: UNIQUE_ID_MESSAGE })
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^\d{1,20}$/, { message: UNIQUE_ID_MESSAGE }))
  .transform((v) => v.replace(/^0+(?=\d)/, ''));

const badgeCreate = z.object({
  name: text({ min: 1, max: 200 }),
  uniqueId,
  badgeTypeId: z.uuid({ message: 'must be the id of a badge type from GET /v1/providers/:id/badge-types' }),
});
const badgeIdParams = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
/** How long reception waits for the PACS to record a lost (or found) card; 0 answers at once ("pending"). */
const cardLostQuery = z.object({
  waitSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(30)
    .default(5)
    .meta({ description: 'Seconds to wait for the PACS to record it (default 5); after that `pacs.lostState` is "pending" and it goes on in the background' }),
});

type BadgeRow = {
  id: string;
  providerId: string;
  name: string;
  uniqueId: string;
  badgeTypeId: string;
  status: string;
  notReturnedVisitId: string | null;
  retiredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  badgeType: { id: string; name: string; status: string; manualEntry: boolean; idMin: bigint | null; idMax: bigint | null };
  provider: { locationId: string; name: string };
  holder: { id: string; status: string } | null;
};

const badgeInclude = {
  badgeType: true,
  provider: { select: { locationId: true, name: true } },
  holder: { select: { id: true, status: true } },
} as const;

export const badgeSchema = named(
  'Badge',
  z.object({
    id: z.uuid().meta({ description: 'The badge id: what POST /v1/visits takes as badgeId' }),
    providerId: z.uuid(),
    providerName: z.string(),
    locationId: z.uuid(),
    name: z.string(),
    uniqueId: z.string().meta({ description: 'The card number in the PACS (digits)' }),
    badgeTypeId: z.uuid(),
    badgeType: z.object({ id: z.uuid(), name: z.string(), status: z.string(), manualEntry: z.boolean(), idRange: idRangeSchema.optional() }),
    badgeTypeName: z.string(),
    badgeTypeStatus: z.string().meta({ description: '"missing" once a refresh no longer finds the type in the PACS: update the badge to a current type' }),
    inUse: z.boolean(),
    status: z
      .enum(BADGE_STATUSES)
      .meta({ description: 'available (in the pool), not_returned (the visitor kept it at sign-out), lost or retired; only available badges are provisioned' }),
    notReturnedVisitId: z.uuid().nullable().meta({ description: 'status not_returned: the visit whose visitor kept the card' }),
    retiredAt: timestamp.nullable(),
    visitId: z.uuid().nullable().meta({ description: 'The open visit holding the badge' }),
    problem: z
      .object({ code: z.enum(['BADGE_TYPE_MISSING', 'BADGE_TYPE_NOT_MANUAL', 'BADGE_ID_OUT_OF_RANGE']), message: z.string() })
      .nullable()
      .meta({ description: 'Why this badge cannot be provisioned right now' }),
    createdAt: timestamp,
    updatedAt: timestamp,
    pacs: z
      .object({
        lostState: z.enum(['recorded', 'no_credential', 'not_supported', 'pending', 'failed']),
        message: z.string(),
      })
      .optional()
      .meta({ description: 'Answers of POST /v1/badges/{id}/lost and /found only: what the PACS holds now (Genetec: the credential State Lost)' }),
  }),
  "A security badge of a provider's pool.",
);
const badgePage = paged('Badge', badgeSchema);

export function badgeView(b: BadgeRow): z.output<typeof badgeSchema> {
  const problem = badgeProblem(b.uniqueId, b.badgeType);
  return {
    id: b.id,
    providerId: b.providerId,
    providerName: b.provider.name,
    locationId: b.provider.locationId,
    name: b.name,
    uniqueId: b.uniqueId,
    badgeTypeId: b.badgeTypeId,
    badgeType: {
      id: b.badgeType.id,
      name: b.badgeType.name,
      status: b.badgeType.status,
      manualEntry: b.badgeType.manualEntry,
      ...(b.badgeType.idMin !== null || b.badgeType.idMax !== null ? { idRange: { min: jsonId(b.badgeType.idMin), max: jsonId(b.badgeType.idMax) } } : {}),
    },
    badgeTypeName: b.badgeType.name,
    /** "missing" once a refresh no longer finds the type in the PACS: update the badge to a current type. */
    badgeTypeStatus: b.badgeType.status,
    inUse: !!b.holder,
    status: (BADGE_STATUSES as readonly string[]).includes(b.status) ? (b.status as BadgeStatus) : 'retired',
    notReturnedVisitId: b.notReturnedVisitId,
    retiredAt: b.retiredAt,
    visitId: b.holder?.id ?? null,
    /** Why this badge cannot be provisioned right now (badge type gone, not manual entry, ID out of range). */
    problem: problem ? { code: problem.problem, message: problem.message } : null,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

function fieldError(path: string, message: string) {
  return badRequest(`Invalid body: ${path}: ${message}`, { issues: [{ path, message }] });
}

/** The seeds' rules for a security badge: a current, manual-entry badge type of this provider, and an ID in its range. */
async function checkBadgeType(db: Db, providerId: string, badgeTypeId: string, uid: string) {
  const t = await db.badgeType.findUnique({ where: { id: badgeTypeId } });
  if (!t || t.providerId !== providerId) {
    throw fieldError(
      'badgeTypeId',
      `is not a badge type of this provider. Refresh the provider (POST /v1/providers/${providerId}/refresh) and pick one from GET /v1/providers/${providerId}/badge-types; if the type is still not listed, create it in the PACS and give the integration's PACS user visibility of it`,
    );
  }
  const problem = badgeProblem(uid, t);
  if (problem) throw fieldError(problem.problem === 'BADGE_ID_OUT_OF_RANGE' ? 'uniqueId' : 'badgeTypeId', problem.message);
  return t;
}

async function holderOrThrow(db: Db, badge: { id: string; name: string; uniqueId: string }, action: string) {
  const holder = await db.visit.findFirst({ where: { activeBadgeId: badge.id }, select: { id: true, status: true } });
  if (holder) {
    throw conflict('BADGE_IN_USE', `Badge "${badge.name}" (${badge.uniqueId}) is held by an open visit and cannot be ${action}. Sign the visitor out first.`, {
      visits: [holder],
    });
  }
}

/** The badge's own columns for the audit diff, without the provider, type and holder it was loaded with. */
const badgeColumns = (b: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(b).filter(([, v]) => v === null || v instanceof Date || typeof v !== 'object'));

export function registerBadgeRoutes({ routes, db, temporal, metrics }: ApiContext) {
  const prisma = db.prisma;
  // Cards that did not come back (not_returned) and lost ones, next to the pool: what end of day leaves out.
  const byStatus = metrics.gauge('badges', 'Pool badges by status: available, not_returned (a visit ended without the card), lost, retired.', ['status']);
  metrics.onCollect(async () => {
    const rows = await prisma.securityBadge.groupBy({ by: ['status'], _count: { _all: true } });
    for (const st of BADGE_STATUSES) byStatus.set({ status: st }, rows.find((r) => r.status === st)?._count._all ?? 0);
  });
  const inPacs = async (badge: { id: string; providerId: string }, lost: boolean, waitSeconds: number): Promise<CardLostOutcome> => {
    const provider = await prisma.provider.findUniqueOrThrow({ where: { id: badge.providerId }, select: { id: true, taskQueue: true } });
    return runCardLostSync(temporal, provider, badge.id, lost, waitSeconds * 1000);
  };

  /** A state change (lost, found, retired) in one transaction with its audit entry; returns whether it happened. */
  async function changeStatus(
    req: Request,
    id: string,
    locationId: string,
    action: string,
    where: Prisma.SecurityBadgeWhereInput,
    data: Prisma.SecurityBadgeUpdateManyMutationInput,
  ) {
    return prisma.$transaction(async (tx) => {
      const before = await tx.securityBadge.findUniqueOrThrow({ where: { id } });
      const done = await tx.securityBadge.updateMany({ where: { id, ...where }, data });
      if (done.count) {
        const after = await tx.securityBadge.findUniqueOrThrow({ where: { id } });
        await auditRequest(req)(tx, { entityType: 'badge', entityId: id, locationId, action, before: badgeColumns(before), after: badgeColumns(after) });
      }
      return done.count > 0;
    });
  }

  /** Provider and badge answer 404 outside the caller's locations, as if they did not exist. */
  async function loadProvider(id: string, req: Request) {
    const p = await prisma.provider.findUnique({ where: { id } });
    if (!p) throw notFound('Provider', id);
    assertInScope(req.principal!.scope, p.locationId, 'Provider', id);
    return p;
  }

  async function loadBadge(id: string, req: Request) {
    const b = await prisma.securityBadge.findUnique({ where: { id }, include: { provider: { select: { locationId: true } } } });
    if (!b) throw notFound('Badge', id);
    assertInScope(req.principal!.scope, b.provider.locationId, 'Badge', id);
    return b;
  }

  async function takenCheck(providerId: string, uid: string, exceptId?: string) {
    const other = await prisma.securityBadge.findUnique({ where: { providerId_uniqueId: { providerId, uniqueId: uid } } });
    if (other && other.id !== exceptId) {
      throw conflict('BADGE_ID_TAKEN', `Badge ID ${uid} is already registered for this provider as "${other.name}".`, { badgeId: other.id });
    }
  }

  routes.add(
    'post',
    '/providers/{id}/badges',
    {
      operationId: 'createBadge',
      summary: "Register a security badge in the provider's pool",
      tag: 'badges',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      body: badgeCreate,
      status: 201,
      response: badgeSchema,
      responses: { 409: 'BADGE_ID_TAKEN: the provider already has a badge with this unique ID' },
    },
    async ({ params, body, req }) => {
      const provider = await loadProvider(params.id, req);
      await checkBadgeType(prisma, params.id, body.badgeTypeId, body.uniqueId);
      await takenCheck(params.id, body.uniqueId);
      const b = await prisma.$transaction(async (tx) => {
        const created = await tx.securityBadge.create({
          data: { providerId: params.id, name: body.name, uniqueId: body.uniqueId, badgeTypeId: body.badgeTypeId },
          include: badgeInclude,
        });
        await auditRequest(req)(tx, {
          entityType: 'badge',
          entityId: created.id,
          locationId: provider.locationId,
          action: 'create',
          before: null,
          after: badgeColumns(created),
        });
        return created;
      });
      return badgeView(b);
    },
  );

  routes.add(
    'get',
    '/providers/{id}/badges',
    {
      operationId: 'listBadges',
      summary: "The provider's security badges, with badge type status and the visit holding each",
      tag: 'badges',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      query: pageQuery.extend({ inUse: z.enum(['true', 'false']).optional(), status: z.enum(BADGE_STATUSES).optional() }),
      response: badgePage,
    },
    async ({ params, query, req }) => {
      await loadProvider(params.id, req);
      const k = keyset(query.cursor);
      const rows = await prisma.securityBadge.findMany({
        where: {
          providerId: params.id,
          ...(query.inUse === 'true' ? { holder: { isNot: null } } : query.inUse === 'false' ? { holder: { is: null } } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...k.where,
        },
        orderBy: k.orderBy,
        take: query.limit + 1,
        include: badgeInclude,
      });
      return page(rows, query.limit, badgeView);
    },
  );

  routes.add(
    'get',
    '/badges/{id}',
    { operationId: 'getBadge', summary: 'Get a security badge', tag: 'badges', permission: [...CONFIG_ADMIN], params: badgeIdParams, response: badgeSchema },
    async ({ params, req }) => {
      await loadBadge(params.id, req);
      return badgeView(await prisma.securityBadge.findUniqueOrThrow({ where: { id: params.id }, include: badgeInclude }));
    },
  );

  routes.add(
    'patch',
    '/badges/{id}',
    {
      operationId: 'updateBadge',
      summary: 'Change a security badge (refused while a visit holds it)',
      tag: 'badges',
      permission: [...CONFIG_ADMIN],
      params: badgeIdParams,
      body: badgeCreate.partial(),
      response: badgeSchema,
      responses: { 409: 'BADGE_IN_USE (an open visit holds it: sign the visitor out first) or BADGE_ID_TAKEN' },
    },
    async ({ params, body, req }) => {
      const cur = await loadBadge(params.id, req);
      await holderOrThrow(prisma, cur, 'changed');
      const uid = body.uniqueId ?? cur.uniqueId;
      // Renaming a badge whose type went missing must stay possible; the type is checked when it or the ID changes.
      if (body.badgeTypeId !== undefined || body.uniqueId !== undefined) {
        await checkBadgeType(prisma, cur.providerId, body.badgeTypeId ?? cur.badgeTypeId, uid);
      }
      if (body.uniqueId !== undefined) await takenCheck(cur.providerId, uid, cur.id);
      const b = await prisma.$transaction(async (tx) => {
        const updated = await tx.securityBadge.update({
          where: { id: cur.id },
          data: { name: body.name, uniqueId: body.uniqueId, badgeTypeId: body.badgeTypeId },
          include: badgeInclude,
        });
        await auditRequest(req)(tx, {
          entityType: 'badge',
          entityId: cur.id,
          locationId: cur.provider.locationId,
          action: 'update',
          before: badgeColumns(cur),
          after: badgeColumns(updated),
        });
        return updated;
      });
      return badgeView(b);
    },
  );

  routes.add(
    'delete',
    '/badges/{id}',
    {
      operationId: 'deleteBadge',
      summary: 'Remove a security badge from the pool (refused while a visit holds it)',
      description: 'Badges referenced by past visits are kept for audit (409 BADGE_HAS_HISTORY).',
      tag: 'badges',
      permission: [...CONFIG_ADMIN],
      params: badgeIdParams,
      response: null,
      responses: {
        409: 'BADGE_IN_USE (an open visit holds it) or BADGE_HAS_HISTORY (past visits reference it: retire it instead with POST /v1/badges/{id}/retire)',
      },
    },
    async ({ params, req }) => {
      const cur = await loadBadge(params.id, req);
      await holderOrThrow(prisma, cur, 'deleted');
      const history = await prisma.visit.count({ where: { badgeId: cur.id } });
      if (history) {
        throw conflict(
          'BADGE_HAS_HISTORY',
          `Badge "${cur.name}" (${cur.uniqueId}) was used by ${history} past visit(s), which are kept for audit and reference it; it cannot be deleted. Retire it instead (POST /v1/badges/${cur.id}/retire): a retired badge is never handed out again and keeps its history.`,
          { visits: history },
        );
      }
      await prisma.$transaction(async (tx) => {
        const gone = await tx.securityBadge.delete({ where: { id: cur.id } });
        await auditRequest(req)(tx, {
          entityType: 'badge',
          entityId: cur.id,
          locationId: cur.provider.locationId,
          action: 'delete',
          before: badgeColumns(gone),
          after: null,
        });
      });
    },
  );

  const view = async (id: string) => badgeView(await prisma.securityBadge.findUniqueOrThrow({ where: { id }, include: badgeInclude }));

  routes.add(
    'post',
    '/badges/{id}/lost',
    {
      operationId: 'markBadgeLost',
      summary: 'Report a card lost: it stays out of the pool until found',
      description:
        "From available or not_returned. The card is already switched off in the PACS (it is only switched on while a visit holds it); where the PACS has a lost state it is recorded there too (Genetec: the credential's State=Lost), and `pacs` says what the PACS holds. Repeating it answers the badge as it is.",
      tag: 'badges',
      permission: [...cardKeepers],
      params: badgeIdParams,
      query: cardLostQuery,
      response: badgeSchema,
      responses: { 409: 'BADGE_IN_USE (an open visit holds it: sign the visitor out with {"badgeReturned": false}) or BADGE_RETIRED' },
    },
    async ({ params, query, req }) => {
      const cur = await loadBadge(params.id, req);
      await holderOrThrow(prisma, cur, 'reported lost');
      const done = await changeStatus(req, cur.id, cur.provider.locationId, 'lost', { status: { in: ['available', 'not_returned'] } }, { status: 'lost' });
      if (!done) {
        const now = await prisma.securityBadge.findUniqueOrThrow({ where: { id: cur.id } });
        if (now.status !== 'lost')
          throw conflict('BADGE_RETIRED', `Badge "${cur.name}" (${cur.uniqueId}) is ${now.status}; a retired badge cannot be reported lost.`, {
            status: now.status,
          });
      }
      const pacs = await inPacs(cur, true, query.waitSeconds);
      return { ...(await view(cur.id)), pacs: { lostState: pacs.state, message: pacs.message } };
    },
  );

  routes.add(
    'post',
    '/badges/{id}/found',
    {
      operationId: 'markBadgeFound',
      summary: 'A card not returned or lost is back: return it to the pool (status available)',
      tag: 'badges',
      permission: [...cardKeepers],
      params: badgeIdParams,
      query: cardLostQuery,
      response: badgeSchema,
      responses: {
        409: 'BADGE_NOT_MISSING: only a not_returned or lost badge can be found (an available one is already in the pool; a retired one stays retired)',
      },
    },
    async ({ params, query, req }) => {
      const cur = await loadBadge(params.id, req);
      const done = await changeStatus(
        req,
        cur.id,
        cur.provider.locationId,
        'found',
        { status: { in: ['not_returned', 'lost'] } },
        { status: 'available', notReturnedVisitId: null },
      );
      if (!done) {
        const now = await prisma.securityBadge.findUniqueOrThrow({ where: { id: cur.id } });
        throw conflict(
          'BADGE_NOT_MISSING',
          `Badge "${cur.name}" (${cur.uniqueId}) is ${now.status}; only a badge that is not_returned or lost can be reported found.`,
          { status: now.status },
        );
      }
      const pacs = await inPacs(cur, false, query.waitSeconds);
      return { ...(await view(cur.id)), pacs: { lostState: pacs.state, message: pacs.message } };
    },
  );

  routes.add(
    'post',
    '/badges/{id}/retire',
    {
      operationId: 'retireBadge',
      summary: 'Retire a card: never handed out again, its visits kept (instead of DELETE, which history refuses)',
      description: 'From any status; refused while a visit holds it. Repeating it answers the badge as it is.',
      tag: 'badges',
      permission: [...CONFIG_ADMIN],
      params: badgeIdParams,
      response: badgeSchema,
      responses: { 409: 'BADGE_IN_USE: an open visit holds it; sign the visitor out first' },
    },
    async ({ params, req }) => {
      const cur = await loadBadge(params.id, req);
      await holderOrThrow(prisma, cur, 'retired');
      await changeStatus(req, cur.id, cur.provider.locationId, 'retire', { status: { not: 'retired' } }, { status: 'retired', retiredAt: new Date() });
      return view(cur.id);
    },
  );
}

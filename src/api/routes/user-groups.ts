import type { Request } from 'express';
import { z } from 'zod';
import { ruleDisplayName } from '../../domain/providers';
import { inScope, type Scope } from '../../domain/scope';
import { badRequest, conflict, notFound } from '../../errors';
import { named, paged, timestamp } from '../contract';
import { CONFIG_ADMIN } from '../auth';
import type { ApiContext } from '../context';
import { keyset, page, pageQuery } from '../pagination';
import { text } from '../text';
import { auditRequest } from '../../audit/record';
import { uuidParam } from '../validate';

const ids = (what: string) => z.array(z.uuid({ message: `must be the id of ${what}` })).max(1000);

const groupCreate = z.object({
  name: text({ min: 1, max: 200 }),
  /** Access rules of any location that the group's users may assign; their locations join the users' scope. */
  accessRuleIds: ids('an access rule from GET /v1/providers/:id/access-rules').default([]),
  userIds: ids('a user from GET /v1/users').default([]),
  /** Locations the group's users work at without assigning rules there (viewers, site admins). */
  locationIds: ids('a location from GET /v1/locations').default([]),
});
const groupPatch = z.object({
  name: groupCreate.shape.name.optional(),
  /** Replaces the group's rules. */
  accessRuleIds: ids('an access rule from GET /v1/providers/:id/access-rules').optional(),
  /** Replaces the group's members. */
  userIds: ids('a user from GET /v1/users').optional(),
  /** Replaces the group's locations. */
  locationIds: ids('a location from GET /v1/locations').optional(),
});

const groupInclude = {
  accessRules: {
    include: {
      accessRule: { include: { provider: { select: { id: true, name: true, kind: true, location: { select: { id: true, name: true } } } } } },
    },
  },
  members: { include: { user: { select: { id: true, name: true, email: true } } } },
  locations: { include: { location: { select: { id: true, name: true } } } },
} as const;

type GroupRow = {
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
  accessRules: Array<{
    accessRule: {
      id: string;
      externalId: string;
      name: string;
      status: string;
      provider: { id: string; name: string; kind: string; location: { id: string; name: string } };
    };
  }>;
  members: Array<{ user: { id: string; name: string; email: string } }>;
  locations: Array<{ location: { id: string; name: string } }>;
};

const idName = z.object({ id: z.uuid(), name: z.string() });
export const userGroupSchema = named(
  'UserGroup',
  z.object({
    id: z.uuid(),
    name: z.string(),
    locationIds: z.array(z.uuid()),
    locations: z.array(idName),
    accessRuleIds: z.array(z.uuid()),
    accessRules: z.array(
      z.object({
        id: z.uuid(),
        externalId: z.string(),
        name: z.string(),
        displayName: z.string(),
        status: z.string().meta({ description: '"missing" once a refresh no longer finds it in the PACS: it can no longer be assigned' }),
        providerId: z.uuid(),
        providerName: z.string(),
        locationId: z.uuid(),
        locationName: z.string(),
      }),
    ),
    userIds: z.array(z.uuid()),
    users: z.array(idName.extend({ email: z.string() })),
    hasMissingAccessRules: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  'Which users work at which locations and may assign which access rules.',
);
const userGroupPage = paged('UserGroup', userGroupSchema);
const nameTaken = { 409: 'USER_GROUP_NAME_TAKEN: another user group has this name' } as const;

/** What the audit log compares: names and the ids of rules, members and locations. */
const groupAudit = (g: {
  name: string;
  accessRules: Array<{ accessRuleId: string }>;
  members: Array<{ userId: string }>;
  locations: Array<{ locationId: string }>;
}) => ({
  name: g.name,
  accessRuleIds: g.accessRules.map((r) => r.accessRuleId).sort(),
  userIds: g.members.map((m) => m.userId).sort(),
  locationIds: g.locations.map((l) => l.locationId).sort(),
});

export function userGroupView(g: GroupRow): z.output<typeof userGroupSchema> {
  const rules = g.accessRules
    .map(({ accessRule: r }) => ({
      id: r.id,
      externalId: r.externalId,
      name: r.name,
      displayName: ruleDisplayName(r.provider.location.name, r.name),
      /** "missing" once a refresh no longer finds it in the PACS: it can no longer be assigned. */
      status: r.status,
      providerId: r.provider.id,
      providerName: r.provider.name,
      locationId: r.provider.location.id,
      locationName: r.provider.location.name,
    }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  const users = g.members.map((m) => m.user).sort((a, b) => a.name.localeCompare(b.name));
  const locations = g.locations.map((l) => l.location).sort((a, b) => a.name.localeCompare(b.name));
  return {
    id: g.id,
    name: g.name,
    locationIds: locations.map((l) => l.id),
    locations,
    accessRuleIds: rules.map((r) => r.id),
    accessRules: rules,
    userIds: users.map((u) => u.id),
    users,
    hasMissingAccessRules: rules.some((r) => r.status !== 'active'),
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

/**
 * A group is within a site admin's reach when everything it grants lies at their locations: its
 * locations and the locations of its access rules. Otherwise it answers 404, like one that does not exist.
 */
function reach(scope: Scope) {
  if (scope.allLocations) return {};
  const ids = { in: scope.locationIds };
  return { locations: { every: { locationId: ids } }, accessRules: { every: { accessRule: { provider: { locationId: ids } } } } };
}

export function registerUserGroupRoutes({ routes, db }: ApiContext) {
  const prisma = db.prisma;

  async function loadGroup(id: string, req: Request) {
    const g = await prisma.userGroup.findFirst({
      where: { id, ...reach(req.principal!.scope) },
      include: { accessRules: { select: { accessRuleId: true } } },
    });
    if (!g) throw notFound('User group', id);
    return g;
  }

  /**
   * Every id must exist (400 naming its index). A rule the PACS no longer has may stay in a group that
   * already lists it — so a PATCH of other fields does not fail — but cannot be newly added. Rules and
   * locations outside a site admin's locations are reported as not existing.
   */
  async function checkRefs(scope: Scope, body: { accessRuleIds?: string[]; userIds?: string[]; locationIds?: string[] }, current: Set<string> = new Set()) {
    const issues: Array<{ path: string; message: string }> = [];
    if (body.accessRuleIds?.length) {
      const found = new Map(
        (
          await prisma.accessRule.findMany({
            where: { id: { in: body.accessRuleIds } },
            select: { id: true, name: true, status: true, provider: { select: { locationId: true } } },
          })
        )
          .filter((r) => inScope(scope, r.provider.locationId))
          .map((r) => [r.id, r]),
      );
      body.accessRuleIds.forEach((id, i) => {
        const r = found.get(id);
        if (!r)
          issues.push({
            path: `accessRuleIds.${i}`,
            message: `access rule ${id} does not exist; refresh the provider and use an id from GET /v1/providers/:id/access-rules`,
          });
        else if (r.status !== 'active' && !current.has(id)) {
          issues.push({
            path: `accessRuleIds.${i}`,
            message: `access rule "${r.name}" no longer exists in the access control system; refresh the provider and choose a current rule`,
          });
        }
      });
    }
    if (body.locationIds?.length) {
      const found = new Set(
        (await prisma.location.findMany({ where: { id: { in: body.locationIds } }, select: { id: true } })).map((l) => l.id).filter((id) => inScope(scope, id)),
      );
      body.locationIds.forEach((id, i) => {
        if (!found.has(id)) issues.push({ path: `locationIds.${i}`, message: `location ${id} does not exist` });
      });
    }
    if (body.userIds?.length) {
      const found = new Set((await prisma.user.findMany({ where: { id: { in: body.userIds } }, select: { id: true } })).map((u) => u.id));
      body.userIds.forEach((id, i) => {
        if (!found.has(id)) issues.push({ path: `userIds.${i}`, message: `user ${id} does not exist` });
      });
    }
    if (issues.length) throw badRequest(`Invalid body: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }

  /** Names are unique across sites; the other group's id is only shown to those who may open it. */
  async function nameFree(scope: Scope, name: string, exceptId?: string) {
    const other = await prisma.userGroup.findUnique({ where: { name } });
    if (other && other.id !== exceptId) {
      throw conflict('USER_GROUP_NAME_TAKEN', `A user group named "${name}" already exists.`, scope.allLocations ? { userGroupId: other.id } : undefined);
    }
  }

  routes.add(
    'post',
    '/user-groups',
    {
      operationId: 'createUserGroup',
      summary: 'Create a user group: which users work at which locations and may assign which access rules',
      tag: 'user-groups',
      permission: [...CONFIG_ADMIN],
      body: groupCreate,
      status: 201,
      response: userGroupSchema,
      responses: nameTaken,
    },
    async ({ body, req }) => {
      await nameFree(req.principal!.scope, body.name);
      await checkRefs(req.principal!.scope, body);
      const g = await prisma.$transaction(async (tx) => {
        const created = await tx.userGroup.create({
          data: {
            name: body.name,
            accessRules: { create: [...new Set(body.accessRuleIds)].map((accessRuleId) => ({ accessRuleId })) },
            members: { create: [...new Set(body.userIds)].map((userId) => ({ userId })) },
            locations: { create: [...new Set(body.locationIds)].map((locationId) => ({ locationId })) },
          },
          include: groupInclude,
        });
        await auditRequest(req)(tx, {
          entityType: 'userGroup',
          entityId: created.id,
          locationId: null,
          action: 'create',
          before: null,
          after: groupAudit(created),
        });
        return created;
      });
      return userGroupView(g);
    },
  );

  routes.add(
    'get',
    '/user-groups',
    {
      operationId: 'listUserGroups',
      summary: 'List user groups',
      tag: 'user-groups',
      permission: [...CONFIG_ADMIN],
      query: pageQuery,
      response: userGroupPage,
    },
    async ({ query, req }) => {
      const k = keyset(query.cursor);
      const rows = await prisma.userGroup.findMany({
        where: { ...k.where, ...reach(req.principal!.scope) },
        orderBy: k.orderBy,
        take: query.limit + 1,
        include: groupInclude,
      });
      return page(rows, query.limit, userGroupView);
    },
  );

  routes.add(
    'get',
    '/user-groups/{id}',
    {
      operationId: 'getUserGroup',
      summary: 'Get a user group',
      tag: 'user-groups',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      response: userGroupSchema,
    },
    async ({ params, req }) => {
      await loadGroup(params.id, req);
      return userGroupView(await prisma.userGroup.findUniqueOrThrow({ where: { id: params.id }, include: groupInclude }));
    },
  );

  routes.add(
    'patch',
    '/user-groups/{id}',
    {
      operationId: 'updateUserGroup',
      summary: 'Rename a user group or replace its access rules, users or locations',
      tag: 'user-groups',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      body: groupPatch,
      response: userGroupSchema,
      responses: nameTaken,
    },
    async ({ params, body, req }) => {
      const cur = await loadGroup(params.id, req);
      if (body.name !== undefined) await nameFree(req.principal!.scope, body.name, cur.id);
      await checkRefs(req.principal!.scope, body, new Set(cur.accessRules.map((r) => r.accessRuleId)));
      const g = await prisma.$transaction(async (tx) => {
        const before = groupAudit(await tx.userGroup.findUniqueOrThrow({ where: { id: cur.id }, include: groupInclude }));
        if (body.accessRuleIds) {
          await tx.userGroupAccessRule.deleteMany({ where: { userGroupId: cur.id } });
          await tx.userGroupAccessRule.createMany({ data: [...new Set(body.accessRuleIds)].map((accessRuleId) => ({ userGroupId: cur.id, accessRuleId })) });
        }
        if (body.userIds) {
          await tx.userGroupMember.deleteMany({ where: { userGroupId: cur.id } });
          await tx.userGroupMember.createMany({ data: [...new Set(body.userIds)].map((userId) => ({ userGroupId: cur.id, userId })) });
        }
        if (body.locationIds) {
          await tx.userGroupLocation.deleteMany({ where: { userGroupId: cur.id } });
          await tx.userGroupLocation.createMany({ data: [...new Set(body.locationIds)].map((locationId) => ({ userGroupId: cur.id, locationId })) });
        }
        // Always touch the row so updatedAt reflects membership and rule changes too.
        const after = await tx.userGroup.update({ where: { id: cur.id }, data: { name: body.name ?? cur.name }, include: groupInclude });
        await auditRequest(req)(tx, { entityType: 'userGroup', entityId: cur.id, locationId: null, action: 'update', before, after: groupAudit(after) });
        return after;
      });
      return userGroupView(g);
    },
  );

  routes.add(
    'delete',
    '/user-groups/{id}',
    { operationId: 'deleteUserGroup', summary: 'Delete a user group', tag: 'user-groups', permission: [...CONFIG_ADMIN], params: uuidParam, response: null },
    async ({ params, req }) => {
      await loadGroup(params.id, req);
      await prisma.$transaction(async (tx) => {
        const before = groupAudit(await tx.userGroup.findUniqueOrThrow({ where: { id: params.id }, include: groupInclude }));
        await tx.userGroup.delete({ where: { id: params.id } });
        await auditRequest(req)(tx, { entityType: 'userGroup', entityId: params.id, locationId: null, action: 'delete', before, after: null });
      });
    },
  );
}

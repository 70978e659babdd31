import { z } from 'zod';
import { conflict, notFound } from '../../errors';
import { named, paged, timestamp } from '../contract';
import type { ApiContext } from '../context';
import { hashToken, newToken, PERMISSIONS, permissionSchema, CONFIG_ADMIN } from '../auth';
import { keyset, page, pageQuery } from '../pagination';
import { text } from '../text';
import { auditRequest } from '../../audit/record';
import { uuidParam } from '../validate';

const permissions = z.array(permissionSchema).max(PERMISSIONS.length);
/** Without it a user works only at the locations of their user groups: none until they join one. */
const allLocations = z.boolean();

export const userCreate = z.object({
  name: text({ min: 1, max: 200 }),
  email: z
    .email()
    .max(320)
    .transform((e) => e.toLowerCase()),
  permissions: permissions.default([]),
  allLocations: allLocations.default(false),
});
const userPatch = z.object({
  name: text({ min: 1, max: 200 }).optional(),
  permissions: permissions.optional(),
  allLocations: allLocations.optional(),
  /** Issue a new token (returned once); the old one stops working. */
  rotateToken: z.boolean().optional(),
});

export const userSchema = named(
  'User',
  z.object({
    id: z.uuid(),
    name: z.string(),
    email: z.string(),
    permissions: z.array(z.string()),
    allLocations: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);
const createdUserSchema = named('CreatedUser', userSchema.extend({ token: z.string().meta({ description: 'The API token, shown this once' }) }));
const updatedUserSchema = named(
  'UpdatedUser',
  userSchema.extend({ token: z.string().optional().meta({ description: 'The new token, once, when rotateToken was true' }) }),
);
const userPage = paged('User', userSchema);
export const principalSchema = named(
  'Principal',
  z.object({
    id: z.uuid(),
    name: z.string(),
    email: z.string(),
    permissions: z.array(permissionSchema),
    scope: z.object({ allLocations: z.boolean(), locationIds: z.array(z.uuid()).meta({ description: 'Empty when allLocations' }) }),
  }),
);

type UserRow = { id: string; name: string; email: string; permissions: string[]; allLocations: boolean; createdAt: Date; updatedAt: Date };
export const userView = (u: UserRow): z.output<typeof userSchema> => ({
  id: u.id,
  name: u.name,
  email: u.email,
  permissions: u.permissions,
  allLocations: u.allLocations,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

export function registerUserRoutes({ routes, db }: ApiContext) {
  const prisma = db.prisma;
  // Accounts are not tied to one location, and a site admin who could set allLocations or another admin's
  // permissions could widen their own reach: user accounts are for admins of every location.
  const globalAdmin = { permission: [...CONFIG_ADMIN], allLocations: true };

  routes.add(
    'post',
    '/users',
    {
      operationId: 'createUser',
      summary: 'Create a user; the API token is in the response, once',
      tag: 'users',
      ...globalAdmin,
      body: userCreate,
      status: 201,
      response: createdUserSchema,
      responses: { 409: 'EMAIL_TAKEN: a user with this email exists' },
    },
    async ({ body, req }) => {
      if (await prisma.user.findUnique({ where: { email: body.email } })) {
        throw conflict('EMAIL_TAKEN', `A user with email ${body.email} already exists.`);
      }
      const token = newToken();
      const user = await prisma.$transaction(async (tx) => {
        const u = await tx.user.create({ data: { ...body, permissions: [...new Set(body.permissions)], tokenHash: hashToken(token) } });
        await auditRequest(req)(tx, { entityType: 'user', entityId: u.id, locationId: null, action: 'create', before: null, after: u });
        return u;
      });
      return { ...userView(user), token };
    },
  );

  routes.add(
    'get',
    '/users',
    { operationId: 'listUsers', summary: 'List users', tag: 'users', ...globalAdmin, query: pageQuery, response: userPage },
    async ({ query }) => {
      const k = keyset(query.cursor);
      const rows = await prisma.user.findMany({ where: k.where, orderBy: k.orderBy, take: query.limit + 1 });
      return page(rows, query.limit, userView);
    },
  );

  routes.add(
    'get',
    '/users/{id}',
    { operationId: 'getUser', summary: 'Get a user', tag: 'users', ...globalAdmin, params: uuidParam, response: userSchema },
    async ({ params }) => {
      const u = await prisma.user.findUnique({ where: { id: params.id } });
      if (!u) throw notFound('User', params.id);
      return userView(u);
    },
  );

  routes.add(
    'patch',
    '/users/{id}',
    {
      operationId: 'updateUser',
      summary: 'Change a user, or rotate their token',
      tag: 'users',
      ...globalAdmin,
      params: uuidParam,
      body: userPatch,
      response: updatedUserSchema,
    },
    async ({ params, body, req }) => {
      const before = await prisma.user.findUnique({ where: { id: params.id } });
      if (!before) throw notFound('User', params.id);
      const token = body.rotateToken ? newToken() : undefined;
      const u = await prisma.$transaction(async (tx) => {
        const after = await tx.user.update({
          where: { id: params.id },
          data: {
            name: body.name,
            permissions: body.permissions ? [...new Set(body.permissions)] : undefined,
            allLocations: body.allLocations,
            tokenHash: token ? hashToken(token) : undefined,
          },
        });
        await auditRequest(req)(tx, { entityType: 'user', entityId: after.id, locationId: null, action: 'update', before, after });
        return after;
      });
      return { ...userView(u), ...(token ? { token } : {}) };
    },
  );

  routes.add(
    'delete',
    '/users/{id}',
    { operationId: 'deleteUser', summary: 'Delete a user', tag: 'users', ...globalAdmin, params: uuidParam, response: null },
    async ({ params, req }) => {
      if (!(await prisma.user.findUnique({ where: { id: params.id } }))) throw notFound('User', params.id);
      await prisma.$transaction(async (tx) => {
        const gone = await tx.user.delete({ where: { id: params.id } });
        await auditRequest(req)(tx, { entityType: 'user', entityId: gone.id, locationId: null, action: 'delete', before: gone, after: null });
      });
    },
  );

  routes.add(
    'get',
    '/me',
    { operationId: 'getMe', summary: 'The caller, with the locations they work at (scope)', tag: 'users', response: principalSchema },
    ({ req }) => req.principal,
  );
}

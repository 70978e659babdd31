import { z } from 'zod';
import { conflict, notFound } from '../../errors';
import type { ApiContext } from '../app';
import { hashToken, newToken, PERMISSIONS, permissionSchema } from '../auth';
import { keyset, page, pageQuery } from '../pagination';
import { text } from '../text';
import { uuidParam } from '../validate';

const permissions = z.array(permissionSchema).max(PERMISSIONS.length);
/** Without it a user works only at the locations of their user groups: none until they join one. */
const allLocations = z.boolean();

export const userCreate = z.object({
  name: text({ min: 1, max: 200 }),
  email: z.email().max(320).transform((e) => e.toLowerCase()),
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

type UserRow = { id: string; name: string; email: string; permissions: string[]; allLocations: boolean; createdAt: Date; updatedAt: Date };
export const userView = (u: UserRow) => ({
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
  const admin = ['manageConfiguration'] as const;
  // Accounts are not tied to one location, and a site admin who could set allLocations or another admin's
  // permissions could widen their own reach: user accounts are for admins of every location.
  const globalAdmin = { permission: [...admin], allLocations: true };

  routes.add(
    'post',
    '/users',
    { summary: 'Create a user; the API token is in the response, once', tag: 'users', ...globalAdmin, body: userCreate, status: 201 },
    async ({ body }) => {
      if (await prisma.user.findUnique({ where: { email: body.email } })) {
        throw conflict('EMAIL_TAKEN', `A user with email ${body.email} already exists.`);
      }
      const token = newToken();
      const user = await prisma.user.create({ data: { ...body, permissions: [...new Set(body.permissions)], tokenHash: hashToken(token) } });
      return { ...userView(user), token };
    },
  );

  routes.add('get', '/users', { summary: 'List users', tag: 'users', ...globalAdmin, query: pageQuery }, async ({ query }) => {
    const k = keyset(query.cursor);
    const rows = await prisma.user.findMany({ where: k.where, orderBy: k.orderBy, take: query.limit + 1 });
    return page(rows, query.limit, userView);
  });

  routes.add('get', '/users/{id}', { summary: 'Get a user', tag: 'users', ...globalAdmin, params: uuidParam }, async ({ params }) => {
    const u = await prisma.user.findUnique({ where: { id: params.id } });
    if (!u) throw notFound('User', params.id);
    return userView(u);
  });

  routes.add(
    'patch',
    '/users/{id}',
    { summary: 'Change a user, or rotate their token', tag: 'users', ...globalAdmin, params: uuidParam, body: userPatch },
    async ({ params, body }) => {
      if (!(await prisma.user.findUnique({ where: { id: params.id } }))) throw notFound('User', params.id);
      const token = body.rotateToken ? newToken() : undefined;
      const u = await prisma.user.update({
        where: { id: params.id },
        data: {
          name: body.name,
          permissions: body.permissions ? [...new Set(body.permissions)] : undefined,
          allLocations: body.allLocations,
          tokenHash: token ? hashToken(token) : undefined,
        },
      });
      return { ...userView(u), ...(token ? { token } : {}) };
    },
  );

  routes.add('delete', '/users/{id}', { summary: 'Delete a user', tag: 'users', ...globalAdmin, params: uuidParam }, async ({ params }) => {
    if (!(await prisma.user.findUnique({ where: { id: params.id } }))) throw notFound('User', params.id);
    await prisma.user.delete({ where: { id: params.id } });
  });

  routes.add('get', '/me', { summary: 'The caller, with the locations they work at (scope)', tag: 'users' }, ({ req }) => req.principal);
}

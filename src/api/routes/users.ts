import { z } from 'zod';
import { conflict, notFound } from '../../errors';
import type { ApiContext } from '../app';
import { hashToken, newToken, permissionSchema } from '../auth';
import { keyset, page, pageQuery } from '../pagination';
import { uuidParam } from '../validate';

export const userCreate = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320).transform((e) => e.toLowerCase()),
  permissions: z.array(permissionSchema).max(4).default([]),
});
const userPatch = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  permissions: z.array(permissionSchema).max(4).optional(),
  /** Issue a new token (returned once); the old one stops working. */
  rotateToken: z.boolean().optional(),
});

type UserRow = { id: string; name: string; email: string; permissions: string[]; createdAt: Date; updatedAt: Date };
export const userView = (u: UserRow) => ({
  id: u.id,
  name: u.name,
  email: u.email,
  permissions: u.permissions,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

export function registerUserRoutes({ routes, db }: ApiContext) {
  const prisma = db.prisma;
  const admin = ['manageConfiguration'] as const;

  routes.add(
    'post',
    '/users',
    { summary: 'Create a user; the API token is in the response, once', tag: 'users', permission: [...admin], body: userCreate, status: 201 },
    async ({ body }) => {
      if (await prisma.user.findUnique({ where: { email: body.email } })) {
        throw conflict('EMAIL_TAKEN', `A user with email ${body.email} already exists.`);
      }
      const token = newToken();
      const user = await prisma.user.create({ data: { ...body, permissions: [...new Set(body.permissions)], tokenHash: hashToken(token) } });
      return { ...userView(user), token };
    },
  );

  routes.add('get', '/users', { summary: 'List users', tag: 'users', permission: [...admin], query: pageQuery }, async ({ query }) => {
    const k = keyset(query.cursor);
    const rows = await prisma.user.findMany({ where: k.where, orderBy: k.orderBy, take: query.limit + 1 });
    return page(rows, query.limit, userView);
  });

  routes.add('get', '/users/{id}', { summary: 'Get a user', tag: 'users', permission: [...admin], params: uuidParam }, async ({ params }) => {
    const u = await prisma.user.findUnique({ where: { id: params.id } });
    if (!u) throw notFound('User', params.id);
    return userView(u);
  });

  routes.add(
    'patch',
    '/users/{id}',
    { summary: 'Change a user, or rotate their token', tag: 'users', permission: [...admin], params: uuidParam, body: userPatch },
    async ({ params, body }) => {
      if (!(await prisma.user.findUnique({ where: { id: params.id } }))) throw notFound('User', params.id);
      const token = body.rotateToken ? newToken() : undefined;
      const u = await prisma.user.update({
        where: { id: params.id },
        data: {
          name: body.name,
          permissions: body.permissions ? [...new Set(body.permissions)] : undefined,
          tokenHash: token ? hashToken(token) : undefined,
        },
      });
      return { ...userView(u), ...(token ? { token } : {}) };
    },
  );

  routes.add('delete', '/users/{id}', { summary: 'Delete a user', tag: 'users', permission: [...admin], params: uuidParam }, async ({ params }) => {
    if (!(await prisma.user.findUnique({ where: { id: params.id } }))) throw notFound('User', params.id);
    await prisma.user.delete({ where: { id: params.id } });
  });

  routes.add('get', '/me', { summary: 'The caller', tag: 'users' }, ({ req }) => req.principal);
}

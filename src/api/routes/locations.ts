import { z } from 'zod';
import { conflict, notFound } from '../../errors';
import type { ApiContext } from '../app';
import { keyset, page, pageQuery } from '../pagination';
import { uuidParam } from '../validate';
import { isValidTimeZone } from '../../time/end-of-day';

const timezone = z
  .string()
  .trim()
  .refine(isValidTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin"' });
const endOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a 24-hour local time "HH:MM", e.g. "18:00"' });

export const locationCreate = z.object({ name: z.string().trim().min(1).max(200), timezone, endOfDay });
const locationPatch = locationCreate.partial();

type LocationRow = { id: string; name: string; timezone: string; endOfDay: string; createdAt: Date; updatedAt: Date };
export const locationView = (l: LocationRow) => ({
  id: l.id,
  name: l.name,
  timezone: l.timezone,
  endOfDay: l.endOfDay,
  createdAt: l.createdAt,
  updatedAt: l.updatedAt,
});

export function registerLocationRoutes({ routes, db }: ApiContext) {
  const prisma = db.prisma;
  const admin = ['manageConfiguration'] as const;

  routes.add(
    'post',
    '/locations',
    { summary: 'Create a location', tag: 'locations', permission: [...admin], body: locationCreate, status: 201 },
    async ({ body }) => locationView(await prisma.location.create({ data: body })),
  );

  routes.add('get', '/locations', { summary: 'List locations', tag: 'locations', query: pageQuery }, async ({ query }) => {
    const k = keyset(query.cursor);
    const rows = await prisma.location.findMany({ where: k.where, orderBy: k.orderBy, take: query.limit + 1 });
    return page(rows, query.limit, locationView);
  });

  routes.add('get', '/locations/{id}', { summary: 'Get a location', tag: 'locations', params: uuidParam }, async ({ params }) => {
    const l = await prisma.location.findUnique({ where: { id: params.id } });
    if (!l) throw notFound('Location', params.id);
    return locationView(l);
  });

  routes.add(
    'patch',
    '/locations/{id}',
    { summary: 'Change a location', tag: 'locations', permission: [...admin], params: uuidParam, body: locationPatch },
    async ({ params, body }) => {
      if (!(await prisma.location.findUnique({ where: { id: params.id } }))) throw notFound('Location', params.id);
      return locationView(await prisma.location.update({ where: { id: params.id }, data: body }));
    },
  );

  routes.add(
    'delete',
    '/locations/{id}',
    { summary: 'Delete a location with no providers and no visits', tag: 'locations', permission: [...admin], params: uuidParam },
    async ({ params }) => {
      const l = await prisma.location.findUnique({
        where: { id: params.id },
        include: { providers: { select: { id: true, name: true } }, _count: { select: { visits: true } } },
      });
      if (!l) throw notFound('Location', params.id);
      if (l.providers.length || l._count.visits) {
        throw conflict('LOCATION_IN_USE', 'Remove the location’s providers first; locations with visit history are kept for audit.', {
          providers: l.providers,
          visits: l._count.visits,
        });
      }
      await prisma.location.delete({ where: { id: params.id } });
    },
  );
}

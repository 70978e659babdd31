import type { Request } from 'express';
import { z } from 'zod';
import { assertInScope, scopeFilter } from '../../domain/scope';
import { conflict, notFound } from '../../errors';
import { named, paged, timestamp } from '../contract';
import { CONFIG_ADMIN } from '../auth';
import type { ApiContext } from '../context';
import { keyset, page, pageQuery } from '../pagination';
import { text } from '../text';
import { uuidParam } from '../validate';
import { isValidTimeZone } from '../../time/end-of-day';
import { auditRequest } from '../../audit/record';

const timezone = text({ max: 100 }).refine(isValidTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin"' });
const endOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a 24-hour local time "HH:MM", e.g. "18:00"' });

/** Whether a visitor's badge works once provisioned, or only once a host or security approves the visit. */
export const ACTIVATIONS = ['on-sign-in', 'on-approval'] as const;
const activation = z.enum(ACTIVATIONS).meta({
  description:
    '"on-sign-in" (default): the badge works as soon as it is provisioned. "on-approval": it is issued inactive and the visit waits (status awaiting_approval) for POST /v1/visits/{id}/approve or /deny; the end of the day closes it unapproved.',
});

export const locationCreate = z.object({ name: text({ min: 1, max: 200 }), timezone, endOfDay, activation: activation.optional() });
const locationPatch = locationCreate.partial();

export const locationSchema = named(
  'Location',
  z.object({
    id: z.uuid(),
    name: z.string(),
    timezone: z.string().meta({ description: 'IANA time zone' }),
    endOfDay: z.string().meta({ description: 'Local "HH:MM" at which open visits end' }),
    activation,
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);
const locationPage = paged('Location', locationSchema);

type LocationRow = { id: string; name: string; timezone: string; endOfDay: string; activation: string; createdAt: Date; updatedAt: Date };
export const locationView = (l: LocationRow): z.output<typeof locationSchema> => ({
  id: l.id,
  name: l.name,
  timezone: l.timezone,
  endOfDay: l.endOfDay,
  activation: l.activation === 'on-approval' ? 'on-approval' : 'on-sign-in',
  createdAt: l.createdAt,
  updatedAt: l.updatedAt,
});

export function registerLocationRoutes({ routes, db }: ApiContext) {
  const prisma = db.prisma;

  routes.add(
    'post',
    '/locations',
    // A site admin's new location would lie outside their own scope: only admins of every location create them.
    {
      operationId: 'createLocation',
      summary: 'Create a location',
      tag: 'locations',
      permission: [...CONFIG_ADMIN],
      allLocations: true,
      body: locationCreate,
      status: 201,
      response: locationSchema,
    },
    async ({ body, req }) =>
      locationView(
        await prisma.$transaction(async (tx) => {
          const l = await tx.location.create({ data: body });
          await auditRequest(req)(tx, { entityType: 'location', entityId: l.id, locationId: l.id, action: 'create', before: null, after: l });
          return l;
        }),
      ),
  );

  routes.add(
    'get',
    '/locations',
    { operationId: 'listLocations', summary: 'List the locations the caller works at', tag: 'locations', query: pageQuery, response: locationPage },
    async ({ query, req }) => {
      const k = keyset(query.cursor);
      const rows = await prisma.location.findMany({ where: { ...k.where, id: scopeFilter(req.principal!.scope) }, orderBy: k.orderBy, take: query.limit + 1 });
      return page(rows, query.limit, locationView);
    },
  );

  /** The location, if it exists and the caller works there; 404 either way otherwise. */
  async function loadLocation(id: string, req: Request) {
    const l = await prisma.location.findUnique({ where: { id } });
    if (!l) throw notFound('Location', id);
    assertInScope(req.principal!.scope, l.id, 'Location', id);
    return l;
  }

  routes.add(
    'get',
    '/locations/{id}',
    { operationId: 'getLocation', summary: 'Get a location', tag: 'locations', params: uuidParam, response: locationSchema },
    async ({ params, req }) => {
      const l = await loadLocation(params.id, req);
      return locationView(l);
    },
  );

  routes.add(
    'patch',
    '/locations/{id}',
    {
      operationId: 'updateLocation',
      summary: 'Change a location',
      tag: 'locations',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      body: locationPatch,
      response: locationSchema,
    },
    async ({ params, body, req }) => {
      const before = await loadLocation(params.id, req);
      return locationView(
        await prisma.$transaction(async (tx) => {
          const l = await tx.location.update({ where: { id: params.id }, data: body });
          await auditRequest(req)(tx, { entityType: 'location', entityId: l.id, locationId: l.id, action: 'update', before, after: l });
          return l;
        }),
      );
    },
  );

  routes.add(
    'delete',
    '/locations/{id}',
    {
      operationId: 'deleteLocation',
      summary: 'Delete a location with no providers and no visits',
      tag: 'locations',
      permission: [...CONFIG_ADMIN],
      params: uuidParam,
      response: null,
      responses: { 409: 'LOCATION_IN_USE: remove its providers first; locations with visit history are kept' },
    },
    async ({ params, req }) => {
      await loadLocation(params.id, req);
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
      await prisma.$transaction(async (tx) => {
        const gone = await tx.location.delete({ where: { id: params.id } });
        await auditRequest(req)(tx, { entityType: 'location', entityId: gone.id, locationId: gone.id, action: 'delete', before: gone, after: null });
      });
    },
  );
}

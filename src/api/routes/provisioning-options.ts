import { z } from 'zod';
import { provisioningOptions, UNAVAILABLE_REASONS, type ProvisioningOptions } from '../../domain/permissions';
import { named } from '../contract';

const provisioningOptionsSchema = named(
  'ProvisioningOptions',
  z.object({
    locationId: z.uuid(),
    canProvision: z.boolean(),
    reasons: z.array(
      z.object({
        code: z.enum(['NO_PROVISION_PERMISSION', 'NO_PROVIDER', 'NO_ACCESS_RULES_AT_LOCATION', 'NOT_IN_GROUP_WITH_RULES', 'NO_FREE_BADGES']),
        message: z.string(),
      }),
    ),
    badges: z.array(
      z.object({
        id: z.uuid().meta({ description: 'Send this as badgeId to POST /v1/visits' }),
        name: z.string(),
        uniqueId: z.string(),
        providerId: z.uuid(),
        providerName: z.string(),
        providerKind: z.string(),
        badgeType: z.object({ id: z.uuid(), name: z.string() }),
      }),
    ),
    accessRules: z.array(
      z.object({ id: z.uuid(), externalId: z.string(), name: z.string(), displayName: z.string(), providerId: z.uuid(), providerName: z.string() }),
    ),
    unavailable: z
      .array(
        z.object({
          badgeId: z.uuid(),
          name: z.string(),
          uniqueId: z.string(),
          providerId: z.uuid(),
          reason: z.enum(UNAVAILABLE_REASONS),
          visitId: z.uuid().optional().meta({ description: 'in_use: the open visit holding it; not_returned: the visit whose visitor kept it' }),
        }),
      )
      .meta({
        description:
          'Badges of the location not offered and why: in_use, not_returned, lost, retired (see docs/operations.md, "Cards not returned, lost or retired")',
      }),
  }),
  'What the caller may hand out at a location (free badges, assignable access rules), or why nothing.',
);
// A compile error here means the documented shape drifted from ProvisioningOptions.
const matches: [ProvisioningOptions] extends [z.output<typeof provisioningOptionsSchema>] ? true : never = true;
void matches;
import type { ApiContext } from '../context';
import { uuidParam } from '../validate';

export function registerProvisioningOptionRoutes({ routes, db }: ApiContext) {
  routes.add(
    'get',
    '/locations/{id}/provisioning-options',
    {
      operationId: 'getProvisioningOptions',
      summary: 'Free badges and access rules the caller may hand out at a location, or why there are none',
      description:
        'canProvision is false when any reason applies: NO_PROVISION_PERMISSION, NO_PROVIDER, NO_ACCESS_RULES_AT_LOCATION, NOT_IN_GROUP_WITH_RULES, NO_FREE_BADGES (the "Cannot see Provision Badge button" checklist), each with what to do.',
      tag: 'provisioning',
      params: uuidParam,
      response: provisioningOptionsSchema,
    },
    ({ params, req }) => provisioningOptions(db.prisma, req.principal!, params.id),
  );
}

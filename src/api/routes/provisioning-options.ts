import { provisioningOptions } from '../../admin/permissions';
import type { ApiContext } from '../app';
import { uuidParam } from '../validate';

export function registerProvisioningOptionRoutes({ routes, db }: ApiContext) {
  routes.add(
    'get',
    '/locations/{id}/provisioning-options',
    {
      summary: 'Free badges and access rules the caller may hand out at a location, or why there are none',
      description:
        'canProvision is false when any reason applies: NO_PROVISION_PERMISSION, NO_PROVIDER, NO_ACCESS_RULES_AT_LOCATION, NOT_IN_GROUP_WITH_RULES, NO_FREE_BADGES (the "Cannot see Provision Badge button" checklist), each with what to do.',
      tag: 'provisioning',
      params: uuidParam,
    },
    ({ params, req }) => provisioningOptions(db.prisma, req.principal!, params.id),
  );
}

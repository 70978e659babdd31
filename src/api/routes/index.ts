import type { ApiContext } from '../context';
import { registerAuditRoutes } from './audit';
import { registerBadgeRoutes } from './badges';
import { registerProviderRoutes } from './providers';
import { registerProvisioningOptionRoutes } from './provisioning-options';
import { registerReconciliationRoutes } from './reconciliation';
import { registerUserGroupRoutes } from './user-groups';
import { registerVisitRoutes } from './visits';
import { registerWebhookRoutes } from './webhooks';

/** Feature routes beyond users and locations (providers, badges, user groups, visits). */
export function registerFeatureRoutes(ctx: ApiContext): void {
  registerVisitRoutes({ ...ctx, visitTiming: ctx.config.visitTiming });
  registerProviderRoutes(ctx);
  registerReconciliationRoutes(ctx);
  registerBadgeRoutes(ctx);
  registerUserGroupRoutes(ctx);
  registerProvisioningOptionRoutes(ctx);
  registerAuditRoutes(ctx);
  registerWebhookRoutes(ctx);
}

import type { ApiContext } from '../app';
import { registerVisitRoutes } from './visits';

/** Feature routes beyond users and locations (providers, badges, user groups, visits). */
export function registerFeatureRoutes(ctx: ApiContext): void {
  registerVisitRoutes({ ...ctx, visitTiming: ctx.config.visitTiming });
}

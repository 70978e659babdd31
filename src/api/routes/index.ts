import type { ApiContext } from '../app';

/** Feature routes beyond users and locations (providers, badges, user groups, visits). */
export function registerFeatureRoutes(_ctx: ApiContext): void {}

import type { ActivityDeps } from '.';

/** Visit provisioning and deprovisioning activities. */
export function createVisitActivities(_deps: ActivityDeps) {
  return {};
}

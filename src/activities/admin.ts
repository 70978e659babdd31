import type { ActivityDeps } from '.';

/** Test-connection and refresh activities (providers). */
export function createAdminActivities(_deps: ActivityDeps) {
  return {};
}

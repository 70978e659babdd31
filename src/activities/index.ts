import type { ActivityDeps } from './deps';
import { createAdminActivities } from './admin';
import { createReconcileActivities } from './reconcile';
import { createVisitActivities } from './visit';

export type { ActivityDeps };


/** All activities, built from their dependencies (the samples-typescript `createActivities(deps)` pattern). */
export function createActivities(deps: ActivityDeps) {
  return { ...createAdminActivities(deps), ...createVisitActivities(deps), ...createReconcileActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;

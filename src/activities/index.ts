import type { Db } from '../db/client';
import type { Logger } from '../logging';
import type { PacsRegistry } from '../pacs/registry';
import { createAdminActivities } from './admin';
import { createVisitActivities } from './visit';

export interface ActivityDeps {
  db: Db;
  pacs: PacsRegistry;
  logger: Logger;
  /** Injectable clock so tests can place "now" (e.g. after the end of day). */
  now?: () => Date;
  /** Tests only: a visit lasts this long instead of until the location's end of day. */
  visitDurationOverrideMs?: number;
}

/** All activities, built from their dependencies (the samples-typescript `createActivities(deps)` pattern). */
export function createActivities(deps: ActivityDeps) {
  return { ...createAdminActivities(deps), ...createVisitActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;

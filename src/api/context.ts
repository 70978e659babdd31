import type { AppConfig } from '../config';
import type { Database } from '../db/client';
import type { Logger } from '../logging';
import type { TemporalAccess } from '../temporal/access';
import type { VisitTiming } from '../workflows/visit-contract';
import type { Metrics } from './metrics';
import type { ApiRoutes } from './route';

export type { TemporalAccess };

// What route modules are given. Its own module so app.ts and routes/*.ts do not import each other.
export interface ApiDeps {
  db: Database;
  temporal: TemporalAccess;
  logger: Logger;
  config: Pick<AppConfig, 'temporal' | 'refreshIntervalMinutes'> & {
    /** Default for new providers; RECONCILE_INTERVAL_MINUTES (5) when omitted. */
    reconcileIntervalMinutes?: number;
    secretsKey: Buffer;
    /** Tests shorten the visit workflow's retry intervals through this. */
    visitTiming?: Partial<VisitTiming>;
  };
}

export interface ApiContext extends ApiDeps {
  routes: ApiRoutes;
  metrics: Metrics;
}

import { createAdminActivities } from './admin';
import { createCardStateActivities } from './card-state';
import type { ActivityDeps } from './deps';
import { createReconcileActivities } from './reconcile';
import { createVisitBookkeepingActivities, createVisitPacsActivities } from './visit';
import { createWebhookActivities } from './webhooks';

export type { ActivityDeps };

/*
 * Activities in two groups by where they may run, so a workflow's proxies say it in their types: a PACS
 * call proxied as bookkeeping (or the reverse) does not compile. Both follow the samples-typescript
 * `createActivities(deps)` pattern.
 */

/** Reconciliation's PACS calls; its other activities are bookkeeping. */
const RECONCILE_PACS_CALLS = ['closeStrandedVisit', 'sweepPoolBadges'] as const;
type ReconcileActivities = ReturnType<typeof createReconcileActivities>;

/**
 * Database (and Temporal visibility) bookkeeping, and webhook deliveries from the service: no PACS call, on
 * the main task queue. The visit workflow runs its bookkeeping as local activities.
 */
export function createBookkeepingActivities(deps: ActivityDeps) {
  const { closeStrandedVisit: _c, sweepPoolBadges: _s, ...reconcile } = createReconcileActivities(deps);
  const { recordRefreshFailure } = createAdminActivities(deps);
  return { ...createVisitBookkeepingActivities(deps), ...reconcile, recordRefreshFailure, ...createWebhookActivities(deps) };
}

/** Activities that call a PACS: proxied onto the provider's task queue (or run by a workflow started there). */
export function createPacsActivities(deps: ActivityDeps) {
  const reconcile = createReconcileActivities(deps);
  const pacsCalls = Object.fromEntries(RECONCILE_PACS_CALLS.map((name) => [name, reconcile[name]])) as Pick<
    ReconcileActivities,
    (typeof RECONCILE_PACS_CALLS)[number]
  >;
  const { recordRefreshFailure: _r, ...admin } = createAdminActivities(deps);
  return { ...createVisitPacsActivities(deps), ...admin, ...pacsCalls, ...createCardStateActivities(deps) };
}

export type BookkeepingActivities = ReturnType<typeof createBookkeepingActivities>;
export type PacsActivities = ReturnType<typeof createPacsActivities>;
/** Everything a worker registers. Workflows proxy by group (BookkeepingActivities, PacsActivities), not by this. */
export type Activities = BookkeepingActivities & PacsActivities;

/** Everything a worker registers: every worker can run both groups (an on-premises connector reaches the database too). */
export function createActivities(deps: ActivityDeps): Activities {
  return { ...createBookkeepingActivities(deps), ...createPacsActivities(deps) };
}

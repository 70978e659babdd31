/**
 * Temporal IDs for provider work. Pure string functions so workflow code, the API and the start-up hook
 * agree on them without importing anything with side effects.
 */

/** One ID per provider: Temporal refuses a second running execution, so refreshes never overlap. */
export const refreshWorkflowId = (providerId: string) => `refresh-${providerId}`;

export const refreshScheduleId = (providerId: string) => `refresh-schedule-${providerId}`;
export const REFRESH_SCHEDULE_PREFIX = 'refresh-schedule-';

/** Schedules append a timestamp to this; the wrapper then starts `refreshWorkflowId` as a child. */
export const scheduledRefreshWorkflowId = (providerId: string) => `refresh-scheduled-${providerId}`;

export const testConnectionWorkflowId = (providerId: string, nonce: string) => `test-connection-${providerId}-${nonce}`;

/** One ID per provider, like refresh: a second reconciliation joins the running one instead of racing it. */
export const reconcileWorkflowId = (providerId: string) => `reconcile-${providerId}`;

export const reconcileScheduleId = (providerId: string) => `reconcile-schedule-${providerId}`;
export const RECONCILE_SCHEDULE_PREFIX = 'reconcile-schedule-';

/** Schedules append a timestamp to this; the wrapper then starts `reconcileWorkflowId` as a child. */
export const scheduledReconcileWorkflowId = (providerId: string) => `reconcile-scheduled-${providerId}`;
export const dryRunWorkflowId = (providerId: string, nonce: string) => `dry-run-${providerId}-${nonce}`;
export const cardLostWorkflowId = (badgeId: string, nonce: string) => `card-lost-${badgeId}-${nonce}`;

// Every workflow the worker runs. The worker bundles this file; keep it free of Node and I/O imports.
export { visitWorkflow } from './visit';
export { closeVisitWorkflow } from './close-visit';
export { refreshProvider, scheduledRefresh } from './refresh';
export { testConnection } from './test-connection';
export { dryRun } from './dry-run';
export { reconcileProvider, scheduledReconcile } from './reconcile';
export { syncCardLost } from './card-state';
export { webhookDeliveryWorkflow } from './webhook-delivery';

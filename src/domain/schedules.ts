import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Logger } from '../logging';
import {
  RECONCILE_SCHEDULE_PREFIX,
  reconcileScheduleId,
  REFRESH_SCHEDULE_PREFIX,
  refreshScheduleId,
  scheduledReconcileWorkflowId,
  scheduledRefreshWorkflowId,
} from '../workflows/ids';
import { scheduledReconcile } from '../workflows/reconcile';
import { scheduledRefresh } from '../workflows/refresh';

export interface ScheduleTarget {
  id: string;
  taskQueue: string | null;
  refreshIntervalMinutes: number;
}

export interface ReconcileScheduleTarget {
  id: string;
  taskQueue: string | null;
  reconcileIntervalMinutes: number;
}

/** What differs between the per-provider schedules; everything else (policies, lifecycle) is shared. */
interface ScheduleKind {
  name: string;
  prefix: string;
  scheduleId(providerId: string): string;
  workflowType: typeof scheduledRefresh | typeof scheduledReconcile;
  workflowId(providerId: string): string;
  /** A scheduled run that cannot get through is retried at the next interval, not piled up. */
  executionTimeoutMs: number;
}

const REFRESH: ScheduleKind = {
  name: 'refresh',
  prefix: REFRESH_SCHEDULE_PREFIX,
  scheduleId: refreshScheduleId,
  workflowType: scheduledRefresh,
  workflowId: scheduledRefreshWorkflowId,
  executionTimeoutMs: 30 * 60_000,
};

const RECONCILE: ScheduleKind = {
  name: 'reconcile',
  prefix: RECONCILE_SCHEDULE_PREFIX,
  scheduleId: reconcileScheduleId,
  workflowType: scheduledReconcile,
  workflowId: scheduledReconcileWorkflowId,
  // Thousands of pool badges at a slow PACS take a while; past this the next run starts afresh.
  executionTimeoutMs: 60 * 60_000,
};

function scheduleBody(kind: ScheduleKind, p: { id: string; taskQueue: string | null }, everyMinutes: number, defaultTaskQueue: string) {
  return {
    spec: { intervals: [{ every: everyMinutes * 60_000 }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: kind.workflowType,
      workflowId: kind.workflowId(p.id),
      args: [{ providerId: p.id }] as [{ providerId: string }],
      taskQueue: p.taskQueue ?? defaultTaskQueue,
      workflowExecutionTimeout: kind.executionTimeoutMs,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      // After an outage one catch-up run is enough; a year of missed runs would be pointless.
      catchupWindow: 10 * 60_000,
      pauseOnFailure: false,
    },
  };
}

async function upsertSchedule(
  client: Client,
  kind: ScheduleKind,
  p: { id: string; taskQueue: string | null },
  everyMinutes: number,
  defaultTaskQueue: string,
): Promise<void> {
  const handle = client.schedule.getHandle(kind.scheduleId(p.id));
  const body = scheduleBody(kind, p, everyMinutes, defaultTaskQueue);
  try {
    await handle.update((prev) => ({ ...body, state: { paused: prev.state.paused, note: prev.state.note } }));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    try {
      await client.schedule.create({ scheduleId: kind.scheduleId(p.id), ...body, memo: { providerId: p.id } });
    } catch (e) {
      // Two API instances creating the same schedule: the other one won, which is what we wanted.
      if ((e as Error).name !== 'ScheduleAlreadyRunning') throw e;
      await handle.update((prev) => ({ ...body, state: { paused: prev.state.paused, note: prev.state.note } }));
    }
  }
}

async function deleteSchedule(client: Client, kind: ScheduleKind, providerId: string): Promise<void> {
  try {
    await client.schedule.getHandle(kind.scheduleId(providerId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/** Creates the provider's refresh schedule, or brings an existing one in line with the provider. */
export async function upsertRefreshSchedule(client: Client, p: ScheduleTarget, defaultTaskQueue: string): Promise<void> {
  await upsertSchedule(client, REFRESH, p, p.refreshIntervalMinutes, defaultTaskQueue);
}

export async function deleteRefreshSchedule(client: Client, providerId: string): Promise<void> {
  await deleteSchedule(client, REFRESH, providerId);
}

/** Creates the provider's reconciliation schedule, or brings an existing one in line with the provider. */
export async function upsertReconcileSchedule(client: Client, p: ReconcileScheduleTarget, defaultTaskQueue: string): Promise<void> {
  await upsertSchedule(client, RECONCILE, p, p.reconcileIntervalMinutes, defaultTaskQueue);
}

export async function deleteReconcileSchedule(client: Client, providerId: string): Promise<void> {
  await deleteSchedule(client, RECONCILE, providerId);
}

interface EnsureOptions {
  client: Client;
  db: Db;
  defaultTaskQueue: string;
  log?: Logger;
  /** Delete this kind's schedules whose provider is not in this database (default true). */
  removeOrphans?: boolean;
}

async function ensureSchedules(
  kind: ScheduleKind,
  opts: EnsureOptions,
  upsert: (p: { id: string; taskQueue: string | null; refreshIntervalMinutes: number; reconcileIntervalMinutes: number }) => Promise<void>,
): Promise<{ ensured: number; removed: number; failed: number }> {
  const providers = await opts.db.provider.findMany({ select: { id: true, taskQueue: true, refreshIntervalMinutes: true, reconcileIntervalMinutes: true } });
  let ensured = 0;
  let failed = 0;
  for (const p of providers) {
    try {
      await upsert(p);
      ensured++;
    } catch (err) {
      failed++;
      opts.log?.warn({ providerId: p.id, err: (err as Error).message }, `could not ensure the ${kind.name} schedule`);
    }
  }
  let removed = 0;
  if (opts.removeOrphans !== false) {
    const known = new Set(providers.map((p) => kind.scheduleId(p.id)));
    try {
      for await (const s of opts.client.schedule.list()) {
        if (s.scheduleId.startsWith(kind.prefix) && !known.has(s.scheduleId)) {
          await opts.client.schedule
            .getHandle(s.scheduleId)
            .delete()
            .catch(() => undefined);
          removed++;
        }
      }
    } catch (err) {
      opts.log?.warn({ err: (err as Error).message }, `could not list ${kind.name} schedules to remove orphans`);
    }
  }
  opts.log?.info({ ensured, removed, failed }, `${kind.name} schedules ensured`);
  return { ensured, removed, failed };
}

/**
 * At start-up: one schedule per provider (created while Temporal was unreachable, or lost with a reset
 * dev server), none for providers that no longer exist. Failures are logged, not thrown: the service
 * is useful without scheduled refreshes and the next start tries again.
 */
export function ensureRefreshSchedules(opts: EnsureOptions): Promise<{ ensured: number; removed: number; failed: number }> {
  return ensureSchedules(REFRESH, opts, (p) => upsertRefreshSchedule(opts.client, p, opts.defaultTaskQueue));
}

/** The same for reconciliation schedules; called beside ensureRefreshSchedules at start-up. */
export function ensureReconcileSchedules(opts: EnsureOptions): Promise<{ ensured: number; removed: number; failed: number }> {
  return ensureSchedules(RECONCILE, opts, (p) => upsertReconcileSchedule(opts.client, p, opts.defaultTaskQueue));
}

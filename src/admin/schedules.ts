import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Logger } from '../logging';
import { REFRESH_SCHEDULE_PREFIX, refreshScheduleId, scheduledRefreshWorkflowId } from './ids';

export interface ScheduleTarget {
  id: string;
  taskQueue: string | null;
  refreshIntervalMinutes: number;
}

function scheduleBody(p: ScheduleTarget, defaultTaskQueue: string) {
  return {
    spec: { intervals: [{ every: p.refreshIntervalMinutes * 60_000 }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'scheduledRefresh',
      workflowId: scheduledRefreshWorkflowId(p.id),
      args: [{ providerId: p.id }],
      taskQueue: p.taskQueue ?? defaultTaskQueue,
      // A scheduled run that cannot get through is retried at the next interval, not piled up.
      workflowExecutionTimeout: 30 * 60_000,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      // After an outage one catch-up run is enough; a year of missed runs would be pointless.
      catchupWindow: 10 * 60_000,
      pauseOnFailure: false,
    },
  };
}

/** Creates the provider's refresh schedule, or brings an existing one in line with the provider. */
export async function upsertRefreshSchedule(client: Client, p: ScheduleTarget, defaultTaskQueue: string): Promise<void> {
  const handle = client.schedule.getHandle(refreshScheduleId(p.id));
  const body = scheduleBody(p, defaultTaskQueue);
  try {
    await handle.update((prev) => ({ ...body, state: { paused: prev.state.paused, note: prev.state.note } }));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    try {
      await client.schedule.create({ scheduleId: refreshScheduleId(p.id), ...body, memo: { providerId: p.id } });
    } catch (e) {
      // Two API instances creating the same schedule: the other one won, which is what we wanted.
      if ((e as Error).name !== 'ScheduleAlreadyRunning') throw e;
      await handle.update((prev) => ({ ...body, state: { paused: prev.state.paused, note: prev.state.note } }));
    }
  }
}

export async function deleteRefreshSchedule(client: Client, providerId: string): Promise<void> {
  try {
    await client.schedule.getHandle(refreshScheduleId(providerId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/**
 * At start-up: one schedule per provider (created while Temporal was unreachable, or lost with a reset
 * dev server), none for providers that no longer exist. Failures are logged, not thrown: the service
 * is useful without scheduled refreshes and the next start tries again.
 */
export async function ensureRefreshSchedules(opts: {
  client: Client;
  db: Db;
  defaultTaskQueue: string;
  log?: Logger;
  /** Delete `refresh-schedule-*` schedules whose provider is not in this database (default true). */
  removeOrphans?: boolean;
}): Promise<{ ensured: number; removed: number; failed: number }> {
  const providers = await opts.db.provider.findMany({ select: { id: true, taskQueue: true, refreshIntervalMinutes: true } });
  let ensured = 0;
  let failed = 0;
  for (const p of providers) {
    try {
      await upsertRefreshSchedule(opts.client, p, opts.defaultTaskQueue);
      ensured++;
    } catch (err) {
      failed++;
      opts.log?.warn({ providerId: p.id, err: (err as Error).message }, 'could not ensure the refresh schedule');
    }
  }
  let removed = 0;
  if (opts.removeOrphans !== false) {
    const known = new Set(providers.map((p) => refreshScheduleId(p.id)));
    try {
      for await (const s of opts.client.schedule.list()) {
        if (s.scheduleId.startsWith(REFRESH_SCHEDULE_PREFIX) && !known.has(s.scheduleId)) {
          await opts.client.schedule.getHandle(s.scheduleId).delete().catch(() => undefined);
          removed++;
        }
      }
    } catch (err) {
      opts.log?.warn({ err: (err as Error).message }, 'could not list refresh schedules to remove orphans');
    }
  }
  opts.log?.info({ ensured, removed, failed }, 'refresh schedules ensured');
  return { ensured, removed, failed };
}

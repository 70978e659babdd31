import { execFile } from 'node:child_process';
import { findTemporalCli } from '../../src/temporal/cli';
import { visitWorkflowId } from '../../src/workflows/visit-contract';
import { pick, type KillRecovery, type RunContext, type VisitRecord } from './context';
import type { Pacs } from './pacs-view';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { sleep } from './procs';

/** temporal.api.enums.v1.PendingActivityState: picked up by a worker and not finished. */
const PENDING_ACTIVITY_STATE_STARTED = 2;
const PENDING_WORKFLOW_TASK_STATE_STARTED = 2;
/** What the kill caught in flight: an activity by its ID, or a workflow task (its local activities) by when it started. */
const WORKFLOW_TASK = 'workflow-task@';

/**
 * The faults of a run, each an independent loop bounded in count and stopped with the workload. PACS
 * faults go through the simulators' /__sim controls; process faults are real SIGKILLs; workflow faults go
 * through the Temporal CLI, as an operator would send them.
 */
export class FaultRunner {
  private loops: Promise<void>[] = [];

  constructor(private readonly ctx: RunContext) {}

  start() {
    const f = this.ctx.opts.faults;
    if (f.latency) this.loops.push(this.latency());
    if (f.errors) this.loops.push(this.errorWindows());
    if (f.outages) this.loops.push(this.outages());
    if (f.drops) this.loops.push(this.drops());
    if (f.refusal) this.loops.push(this.refusals());
    if (f.kills) this.loops.push(this.serviceKills());
    if (f.temporal) this.loops.push(this.temporalRestarts());
    if (f.cancels || f.terminates) this.loops.push(this.workflowCancels());
  }

  /** Stops every loop, then clears every fault in both simulators (the settle phase runs fault-free). */
  async stop() {
    this.ctx.faultsStopped = true;
    await Promise.all(this.loops);
    for (const sim of Object.values(this.ctx.sims)) {
      if (sim.kind === 'genetec') this.ctx.faults.dropsConsumed.genetec = (await sim.ctl('GET', '/drop-next')).dropped;
      else {
        const left = ((await sim.ctl('GET', '/next-error')) as any[]).filter((e) => e.mode === 'drop').length;
        this.ctx.faults.dropsConsumed.onguard = this.ctx.faults.dropsQueued.onguard - left;
      }
      await sim.clearFaults();
    }
  }

  private get sims() {
    return Object.values(this.ctx.sims);
  }

  /** Sleeps until `ms` after the workload started; false when the fault phase ended first. */
  private async until(ms: number): Promise<boolean> {
    const at = this.ctx.workloadStartedAt + ms;
    while (Date.now() < at) {
      if (this.ctx.faultsStopped) return false;
      await sleep(Math.min(200, at - Date.now()));
    }
    return !this.ctx.faultsStopped;
  }

  private async window(ms: number) {
    const end = Date.now() + ms;
    while (Date.now() < end && !this.ctx.stopping) await sleep(Math.min(200, end - Date.now()));
  }

  private async guarded(what: string, fn: () => Promise<void>) {
    try {
      await fn();
    } catch (err) {
      this.ctx.log(`fault ${what} failed: ${(err as Error).message}`);
    }
  }

  private async latency() {
    await this.guarded('latency', async () => {
      for (const s of this.sims) await s.ctl('PUT', '/faults', { latencyMs: 15, jitterMs: 60 });
    });
  }

  private async errorWindows() {
    const { opts } = this.ctx;
    for (let i = 1; await this.until(i * opts.errorEveryMs); i++) {
      const sim = this.sims[i % 2];
      const status = i % 3 === 0 ? 503 : 500;
      await this.guarded('error window', async () => {
        this.ctx.faults.errorWindows++;
        this.ctx.log(`fault: ${sim.kind} answers ${Math.round(opts.errorRate * 100)}% of requests with ${status} for ${opts.errorWindowMs} ms`);
        await sim.ctl('PUT', '/faults', { errorRate: opts.errorRate, errorStatus: status });
        await this.window(opts.errorWindowMs);
        await sim.ctl('PUT', '/faults', { errorRate: 0 });
      });
    }
  }

  private async outages() {
    const { opts } = this.ctx;
    for (let i = 1; await this.until(i * opts.outageEveryMs - opts.outageEveryMs / 3); i++) {
      const sim = this.sims[(i + 1) % 2];
      await this.guarded('outage', async () => {
        this.ctx.faults.outages++;
        this.ctx.log(`fault: ${sim.kind} outage for ${opts.outageWindowMs} ms`);
        await sim.ctl('PUT', '/faults', { outage: true });
        await this.window(opts.outageWindowMs);
        await sim.ctl('PUT', '/faults', { outage: false });
      });
    }
  }

  private async drops() {
    const { opts } = this.ctx;
    for (let i = 1; await this.until(i * opts.dropEveryMs); i++) {
      for (const sim of this.sims) {
        await this.guarded('drop-after-commit', async () => {
          if (await sim.queueDrop()) this.ctx.faults.dropsQueued[sim.kind]++;
        });
      }
    }
  }

  /** The PACS refuses the service's password while visitors sign out: deprovisioning must wait it out. */
  private async refusals() {
    const { opts, rng } = this.ctx;
    for (const at of opts.refusalAtMs) {
      if (!(await this.until(at))) return;
      await this.guarded('credential refusal', async () => {
        this.ctx.faults.refusalWindows++;
        this.ctx.log(`fault: both simulators refuse the service's credentials for ${opts.refusalWindowMs} ms`);
        for (const s of this.sims) await s.refuseCredentials(true);
        this.ctx.refusalActive = true;
        // Visits already switching off when the refusal starts meet it too.
        for (const r of this.ctx.records) if (r.visitId && r.endIssued && !r.completed) r.tags.add('endingWhenRefusalBegan');
        try {
          for (const pacs of ['onguard', 'genetec'] as Pacs[]) {
            const staying = this.ctx.records.filter(
              (r) => r.pacs === pacs && r.wake && r.lastStatus === 'active' && !r.tags.has('cancelled') && !r.tags.has('terminated'),
            );
            for (let k = 0; k < opts.signOutsPerRefusal && staying.length; k++) {
              const r = staying.splice(Math.floor(rng() * staying.length), 1)[0];
              r.plan = 'signOut';
              r.tags.add('signOutDuringRefusal');
              this.ctx.faults.signOutsDuringRefusal++;
              r.wake!();
            }
          }
          await this.window(opts.refusalWindowMs);
        } finally {
          this.ctx.refusalActive = false;
          for (const s of this.sims) await s.refuseCredentials(false);
        }
      });
    }
  }

  private async serviceKills() {
    const { opts } = this.ctx;
    for (let i = 0; i < opts.serviceKills && (await this.until((i + 1) * opts.killEveryMs)); i++) {
      const svc = this.ctx.services[i % this.ctx.services.length];
      // Both instances down at once would be an outage of the whole service, not an instance failure.
      const readyBy = Date.now() + 90_000;
      while (!this.ctx.services.every((s) => s.ready) && Date.now() < readyBy && !this.ctx.faultsStopped) await sleep(250);
      if (!svc.ready || !svc.proc || this.ctx.faultsStopped) continue;
      await this.guarded(`kill ${svc.name}`, async () => {
        const pid = svc.proc!.pid;
        // Kill at a moment when this very process runs a visit's activity (Temporal records the worker's
        // identity, pid@host), looking for one for a few seconds; PACS calls are short, so a random moment
        // would mostly hit an idle worker.
        let inflight: Array<{ visitId: string; activityId: string }> = [];
        const lookUntil = Date.now() + 8000;
        while (!inflight.length && Date.now() < lookUntil && !this.ctx.faultsStopped) {
          inflight = await this.activitiesOnWorker(pid);
          if (!inflight.length) await sleep(150);
        }
        const at = Date.now();
        await svc.sigkill();
        this.ctx.faults.serviceKills++;
        // An activity that finished between the look and the kill was not caught by it.
        inflight = await this.stillOn(pid, inflight);
        this.ctx.log(`fault: SIGKILL #${i + 1} of service ${svc.name} (pid ${pid}); ${inflight.length} visit(s) had an activity running on it`);
        const rec: KillRecovery = { what: `service ${svc.name}#${i + 1}`, at, inflight: inflight.length, recoveredMs: null, firstProgressMs: null };
        this.ctx.recoveries.push(rec);
        void this.measureRecovery(rec, pid, inflight);
        void svc
          .start()
          .then(() => this.ctx.log(`service ${svc.name} back after ${((Date.now() - at) / 1000).toFixed(1)} s`))
          .catch((e) => this.ctx.log(`service ${svc.name} restart failed: ${(e as Error).message}`));
      });
    }
  }

  /**
   * The visits with a PACS call running on this process: an activity (Temporal records the worker's identity
   * on it), or a workflow task it started, in which visit-v8 runs a provision's or a switch-off's first
   * attempt as a local activity (the identity is on the task's started event).
   */
  private async activitiesOnWorker(pid: number) {
    const open = this.ctx.records.filter((r) => r.visitId && !r.completed);
    const found = await Promise.all(
      open.map(async (r) => {
        try {
          const handle = this.ctx.temporal.workflow.getHandle(visitWorkflowId(r.visitId!));
          const d = await handle.describe();
          const activities = (d.raw.pendingActivities ?? [])
            .filter((p) => Number(p.state) === PENDING_ACTIVITY_STATE_STARTED && (p.lastWorkerIdentity ?? '').startsWith(`${pid}@`))
            .map((p) => ({ visitId: r.visitId!, activityId: String(p.activityId) }));
          const task = d.raw.pendingWorkflowTask;
          if (!task || Number(task.state) !== PENDING_WORKFLOW_TASK_STATE_STARTED) return activities;
          const started = ((await handle.fetchHistory()).events ?? []).findLast((e) => e.workflowTaskStartedEventAttributes);
          if (!(started?.workflowTaskStartedEventAttributes?.identity ?? '').startsWith(`${pid}@`)) return activities;
          return [...activities, { visitId: r.visitId!, activityId: `${WORKFLOW_TASK}${workflowTaskStart(d.raw.pendingWorkflowTask)}` }];
        } catch {
          return [];
        }
      }),
    );
    return found.flat();
  }

  /** Whether what the kill caught is still where it was: the same activity on the process, or the same workflow task not yet taken over. */
  private async stillThere(pid: number, x: { visitId: string; activityId: string }): Promise<boolean> {
    const d = await this.ctx.temporal.workflow.getHandle(visitWorkflowId(x.visitId)).describe();
    if (x.activityId.startsWith(WORKFLOW_TASK)) {
      const task = d.raw.pendingWorkflowTask;
      if (!task) return false;
      // Timed out and waiting for a worker is not progress yet; started again (on a live worker) is.
      return Number(task.state) !== PENDING_WORKFLOW_TASK_STATE_STARTED || `${WORKFLOW_TASK}${workflowTaskStart(task)}` === x.activityId;
    }
    const p = (d.raw.pendingActivities ?? []).find((a) => String(a.activityId) === x.activityId);
    return Boolean(p && (p.lastWorkerIdentity ?? '').startsWith(`${pid}@`));
  }

  private async stillOn(pid: number, inflight: Array<{ visitId: string; activityId: string }>) {
    const out: typeof inflight = [];
    for (const x of inflight) {
      try {
        if (await this.stillThere(pid, x)) out.push(x);
      } catch {
        out.push(x);
      }
    }
    return out;
  }

  /** Until every visit that had an activity on the killed process saw it finish or run on another worker. */
  private async measureRecovery(rec: KillRecovery, pid: number, inflight: Array<{ visitId: string; activityId: string }>) {
    if (!inflight.length) return;
    const waiting = new Set(inflight.map((x) => `${x.visitId}|${x.activityId}`));
    const deadline = rec.at + 240_000;
    while (waiting.size && Date.now() < deadline && !this.ctx.stopping) {
      for (const k of [...waiting]) {
        const [visitId, activityId] = k.split('|');
        try {
          if (!(await this.stillThere(pid, { visitId, activityId }))) {
            waiting.delete(k);
            rec.firstProgressMs ??= Date.now() - rec.at;
          }
        } catch {
          /* Temporal restarting: look again */
        }
      }
      if (waiting.size) await sleep(500);
    }
    if (!waiting.size) {
      rec.recoveredMs = Date.now() - rec.at;
      this.ctx.log(`${rec.what}: all ${rec.inflight} visit(s) in flight at the kill progressed after ${(rec.recoveredMs / 1000).toFixed(1)} s`);
    }
  }

  private async temporalRestarts() {
    for (const at of this.ctx.opts.temporalRestartAtMs) {
      if (!(await this.until(at))) return;
      await this.guarded('temporal restart', async () => {
        const t0 = Date.now();
        this.ctx.temporalDownUntil = Number.POSITIVE_INFINITY;
        const rec: KillRecovery = { what: 'temporal', at: t0, inflight: 0, recoveredMs: null, firstProgressMs: null };
        this.ctx.recoveries.push(rec);
        const open = this.ctx.records.filter((r) => r.visitId && !r.completed && r.lastStatus !== 'active');
        rec.inflight = open.length;
        try {
          await this.ctx.temporalProc.sigkill();
          this.ctx.faults.temporalRestarts++;
          this.ctx.log(`fault: SIGKILL Temporal dev server (${open.length} visit(s) provisioning or deprovisioning)`);
          await this.ctx.temporalProc.start();
          rec.downMs = Date.now() - t0;
          this.ctx.log(`Temporal dev server back after ${(rec.downMs / 1000).toFixed(1)} s (same database file)`);
        } finally {
          // Clients reconnect within a few seconds of the server's return; 503s until then are the documented answer.
          this.ctx.temporalDownUntil = Date.now() + 5000;
        }
        // Recovery: until every visit that was between states at the kill moved on (or the bound).
        void (async () => {
          const deadline = t0 + 240_000;
          while (Date.now() < deadline && !this.ctx.stopping) {
            const moved = open.filter((r) => r.lastChangeAt > t0 + (rec.downMs ?? 0));
            if (moved.length && rec.firstProgressMs === null) rec.firstProgressMs = Date.now() - t0;
            if (moved.length === open.length) {
              rec.recoveredMs = Date.now() - t0;
              return;
            }
            await sleep(250);
          }
        })();
      });
    }
  }

  private async workflowCancels() {
    const { opts, rng } = this.ctx;
    const plan: Array<'cancel' | 'terminate'> = [];
    for (let i = 0; i < Math.max(opts.cancels, opts.terminates); i++) {
      if (i < opts.cancels && opts.faults.cancels) plan.push('cancel');
      if (i < opts.terminates && opts.faults.terminates) plan.push('terminate');
    }
    const cli = findTemporalCli();
    if (!cli) return;
    for (let i = 0; i < plan.length && (await this.until((i + 1) * opts.cancelEveryMs)); i++) {
      const verb = plan[i];
      // A visit picked here may finish before the CLI reaches it ("already completed"): try another one.
      const tried = new Set<VisitRecord>();
      let target: VisitRecord | undefined;
      let ok = false;
      for (let pickNo = 0; pickNo < 5 && !ok; pickNo++) {
        const candidates = this.ctx.records.filter((r) => r.visitId && !r.completed && !r.tags.has('cancelled') && !r.tags.has('terminated') && !tried.has(r));
        const active = candidates.filter((r) => r.lastStatus === 'active');
        target = active.length ? pick(rng, active) : candidates.length ? pick(rng, candidates) : undefined;
        if (!target) break;
        tried.add(target);
        const args = [
          'workflow',
          verb,
          '--workflow-id',
          visitWorkflowId(target.visitId!),
          '--address',
          this.ctx.temporalProc.address,
          '--namespace',
          'default',
        ];
        if (verb === 'terminate') args.push('--reason', 'chaos run: terminated by an operator');
        let closed = false;
        for (let attempt = 1; attempt <= 3 && !ok && !closed; attempt++) {
          // Not while the Temporal server itself is down: that would test the CLI, not the visit.
          while (Date.now() < this.ctx.temporalDownUntil && !this.ctx.faultsStopped) await sleep(200);
          ok = await new Promise<boolean>((resolve) =>
            execFile(cli, args, { timeout: 20_000 }, (err, _out, stderr) => {
              if (err) {
                const said = String(stderr || err.message).trim();
                closed = /already completed|not found|already been completed/i.test(said);
                this.ctx.log(`temporal workflow ${verb} failed (attempt ${attempt}${closed ? ', the visit had already finished' : ''}): ${said.slice(0, 200)}`);
              }
              resolve(!err);
            }),
          );
          if (!ok && !closed) await sleep(2000);
        }
      }
      if (!target) continue;
      if (!ok) {
        this.ctx.faults.cliFailures++;
        continue;
      }
      target.tags.add(verb === 'cancel' ? 'cancelled' : 'terminated');
      if (verb === 'cancel') this.ctx.faults.cancels++;
      else this.ctx.faults.terminates++;
      this.ctx.log(`fault: temporal workflow ${verb} visit ${target.visitId} (#${target.n}, was ${target.lastStatus})`);
    }
  }
}

/** When a pending workflow task started, as a key (ms since the epoch). */
function workflowTaskStart(task: { startedTime?: Parameters<typeof optionalTsToMs>[0] } | null | undefined): string {
  return String(optionalTsToMs(task?.startedTime) ?? 'none');
}

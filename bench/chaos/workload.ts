import { between, pick, violation, type PoolBadge, type RunContext, type VisitRecord } from './context';
import type { Pacs } from './pacs-view';
import { sleep } from './procs';

/**
 * The reception desks: visits signed in with an Idempotency-Key, then retried, signed out, switched off
 * or left to the end of the day, with the replays a flaky network produces. It records what it saw; the
 * checks judge it.
 */
export class BadgePool {
  private free = new Map<Pacs, PoolBadge[]>();
  private owner = new Map<string, number>();
  /** Badges the service says are held although no visit of ours holds them (a stranded visit). */
  readonly quarantined = new Set<string>();

  private byId = new Map<string, PoolBadge>();

  constructor(badges: PoolBadge[]) {
    for (const b of badges) this.byId.set(b.id, b);
    for (const b of badges) (this.free.get(b.pacs) ?? this.free.set(b.pacs, []).get(b.pacs)!).push(b);
  }

  take(pacs: Pacs, n: number, rng: () => number): PoolBadge | null {
    const list = this.free.get(pacs) ?? [];
    if (!list.length) return null;
    const b = list.splice(Math.floor(rng() * list.length), 1)[0];
    this.owner.set(b.id, n);
    return b;
  }

  /** Takes this badge if it is free here. */
  takeSpecific(b: PoolBadge, n: number): boolean {
    const list = this.free.get(b.pacs) ?? [];
    const i = list.findIndex((x) => x.id === b.id);
    if (i < 0) return false;
    list.splice(i, 1);
    this.owner.set(b.id, n);
    return true;
  }

  /** A sign-in with a badge another visit of ours holds succeeded: that visit has ended; the badge is ours now. */
  transfer(b: PoolBadge, n: number) {
    this.owner.set(b.id, n);
  }

  release(b: PoolBadge, n: number) {
    if (this.owner.get(b.id) !== n) return;
    this.owner.delete(b.id);
    this.free.get(b.pacs)!.push(b);
  }

  quarantine(b: PoolBadge, n: number) {
    if (this.owner.get(b.id) === n) this.owner.delete(b.id);
    this.quarantined.add(b.id);
  }

  /** Badges other visits of ours hold right now. */
  held(pacs: Pacs, except: number): PoolBadge[] {
    const out: PoolBadge[] = [];
    for (const [id, n] of this.owner) {
      const b = this.byId.get(id);
      if (b && b.pacs === pacs && n !== except) out.push(b);
    }
    return out;
  }

  get(id: string) {
    return this.byId.get(id);
  }
}

interface Regular {
  pacs: Pacs;
  k: number;
  busy: boolean;
}

export class Workload {
  readonly pool: BadgePool;
  private regulars: Regular[] = [];
  private regularOf = new Map<number, Regular>();

  constructor(private readonly ctx: RunContext) {
    const all = [...ctx.providers.onguard.badges, ...ctx.providers.genetec.badges];
    this.pool = new BadgePool(all);
    for (const pacs of ['onguard', 'genetec'] as const) for (let k = 0; k < 6; k++) this.regulars.push({ pacs, k, busy: false });
  }

  private completions: Promise<void>[] = [];

  /**
   * Runs every visit with bounded concurrency at the desks; a visit leaves its desk once its end was asked
   * for, and is watched until completed in the background, so a visit that never completes (the failures
   * this run looks for) does not hold a desk. Resolves when each has completed or the run stops polling.
   */
  async run(): Promise<void> {
    const { opts } = this.ctx;
    let next = 0;
    const deadline = this.ctx.workloadStartedAt + opts.workloadTimeoutMs;
    const lane = async () => {
      while (next < opts.visits && Date.now() < deadline && !this.ctx.stopping) {
        const n = next++;
        const rec: VisitRecord = {
          n,
          pacs: n % 2 === 0 ? 'onguard' : 'genetec',
          keys: [],
          plan: 'signOut',
          lastChangeAt: Date.now(),
          tags: new Set(),
          failures: [],
          outcome: 'pending',
          endIssued: false,
          completed: false,
        };
        const r = this.ctx.rng();
        rec.plan = r < opts.deprovisionShare ? 'deprovision' : r < opts.deprovisionShare + opts.endOfDayShare ? 'endOfDay' : 'signOut';
        this.ctx.records.push(rec);
        try {
          await this.visit(rec);
        } catch (err) {
          rec.tags.add('harnessError');
          this.ctx.log(`visit #${n}: ${(err as Error).message}`);
        } finally {
          rec.endIssued = true;
        }
        this.completions.push(
          this.awaitCompletion(rec)
            .catch((err) => this.ctx.log(`visit #${n}: ${(err as Error).message}`))
            .finally(() => {
              const reg = this.regularOf.get(n);
              if (reg) reg.busy = false;
            }),
        );
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, lane));
    await Promise.all(this.completions);
  }

  /** Every visit that was issued its end: the fault phase may stop once all are. */
  allEndsIssued(): boolean {
    return this.ctx.records.length >= this.ctx.opts.visits && this.ctx.records.every((r) => r.endIssued);
  }

  private visitorFor(rec: VisitRecord): Record<string, string> {
    const { rng, opts, runId } = this.ctx;
    if (rng() < opts.regularShare) {
      const free = this.regulars.filter((r) => r.pacs === rec.pacs && !r.busy);
      if (free.length) {
        const reg = pick(rng, free);
        reg.busy = true;
        this.regularOf.set(rec.n, reg);
        rec.tags.add('regular');
        return { firstName: 'Regular', lastName: `Visitor ${rec.pacs} ${reg.k}`, email: `regular-${rec.pacs}-${reg.k}-${runId}@chaos.example` };
      }
    }
    return { firstName: 'Chaos', lastName: `Visitor ${rec.n}`, email: `visitor-${rec.n}-${runId}@chaos.example`, company: 'Chaos Monkeys Ltd' };
  }

  private async chooseBadge(rec: VisitRecord, attempt: number): Promise<{ badge: PoolBadge; conflicting: boolean } | null> {
    const { rng, opts } = this.ctx;
    if (attempt === 0 && rng() < opts.conflictPickShare) {
      // A receptionist picking a badge that is (as far as we know) in someone's hand: 409 BADGE_IN_USE.
      const held = this.pool.held(rec.pacs, rec.n);
      if (held.length) return { badge: pick(rng, held), conflicting: true };
    }
    if (rng() < opts.optionsPickShare) {
      const r = await this.ctx.api.call('GET', `/v1/locations/${this.ctx.locationId}/provisioning-options`, { token: this.ctx.receptionistToken });
      const offered = ((r.body?.badges ?? []) as Array<{ id: string }>)
        .map((b) => this.pool.get(b.id))
        .filter((b): b is PoolBadge => !!b && b.pacs === rec.pacs);
      for (const b of offered.sort(() => rng() - 0.5)) if (this.pool.takeSpecific(b, rec.n)) return { badge: b, conflicting: false };
    }
    const until = Date.now() + 60_000;
    while (Date.now() < until && !this.ctx.stopping) {
      const b = this.pool.take(rec.pacs, rec.n, rng);
      if (b) return { badge: b, conflicting: false };
      await sleep(250);
    }
    return null;
  }

  private async visit(rec: VisitRecord) {
    const { ctx } = this;
    const { opts, rng } = ctx;
    const visitor = this.visitorFor(rec);
    rec.visitor = visitor;
    const body = (b: PoolBadge) => ({ locationId: ctx.locationId, badgeId: b.id, accessRuleIds: [ctx.providers[rec.pacs].ruleId], visitor });

    for (let attempt = 0; attempt < 4 && !rec.visitId; attempt++) {
      const choice = await this.chooseBadge(rec, attempt);
      if (!choice) {
        rec.outcome = 'gaveUp';
        rec.rejection = 'no free badge within 60 s';
        return;
      }
      const { badge, conflicting } = choice;
      const key = `${ctx.runId}-v${rec.n}-a${attempt}`;
      rec.keys.push(key);
      const r = await this.signIn(key, body(badge));
      if (r.status === 202 && r.body?.id) {
        rec.visitId = r.body.id;
        rec.key = key;
        rec.badge = badge;
        rec.outcome = 'accepted';
        rec.lastStatus = r.body.status;
        if (conflicting) this.pool.transfer(badge, rec.n);
        break;
      }
      if (r.status === 409 && r.body?.error?.code === 'BADGE_IN_USE') {
        ctx.badgeInUse409++;
        if (!conflicting) {
          // Free as far as our desks know, held as far as the service knows: a visit that never ended holds it.
          this.pool.quarantine(badge, rec.n);
          ctx.log(`badge ${badge.pacs} ${badge.number} is held by a visit no desk holds (quarantined)`);
        }
        continue;
      }
      if (!conflicting) this.pool.release(badge, rec.n);
      rec.outcome = r.status === 0 ? 'gaveUp' : 'rejected';
      rec.rejection = `${r.status} ${r.body?.error?.code ?? ''} ${r.body?.error?.message ?? ''}`.trim();
      ctx.log(`visit #${rec.n} sign-in not accepted: ${rec.rejection}`);
      return;
    }
    if (!rec.visitId) {
      rec.outcome = 'rejected';
      rec.rejection ??= 'BADGE_IN_USE on every badge tried';
      return;
    }
    const visitId = rec.visitId;

    if (opts.faults.replays && rng() < opts.replayInFlightShare) {
      ctx.faults.replaysInFlight++;
      rec.tags.add('replayedInFlight');
      await this.signIn(rec.key!, body(rec.badge!));
    }

    // Provisioning, with operator retries of provision_failed.
    let retries = 0;
    let minTimeline = 0;
    let ended = false;
    for (;;) {
      const v = await this.waitForStatus(visitId, rec, ['active', 'provision_failed', 'completed'], minTimeline, 240_000);
      if (!v) {
        rec.tags.add('stuckProvisioning');
        break;
      }
      if (v.status === 'completed') {
        ended = true;
        break;
      }
      if (v.status === 'active') break;
      const err = v.lastError as { code?: string; message?: string } | undefined;
      rec.failures.push({ code: err?.code, message: err?.message });
      rec.tags.add(`failed:${err?.code ?? '?'}`);
      if (!err?.code || !err?.message) {
        violation(
          ctx,
          'provisionFailedWithoutReason',
          `${visitId}|${v.timeline?.length}`,
          `visit ${visitId} (#${rec.n}) is provision_failed with lastError ${JSON.stringify(err ?? null)}`,
        );
      }
      if (retries < opts.maxRetries && rng() < opts.retryShare && !ctx.stopping) {
        retries++;
        await sleep(between(rng, [500, 3000]));
        minTimeline = (v.timeline?.length ?? 0) + 1;
        const r = await ctx.api.call('POST', `/v1/visits/${visitId}/retry`, { token: ctx.receptionistToken });
        if (r.status === 202) {
          rec.tags.add('retried');
          continue;
        }
        // VISIT_NOT_RETRYABLE / VISIT_CLOSED: something else ended it meanwhile (end of day, a cancel).
      }
      rec.plan = 'signOut';
      break;
    }

    if (!ended) {
      if (rec.lastStatus === 'active' && rec.plan !== 'endOfDay') {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, between(rng, opts.stayMs));
          rec.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        rec.wake = undefined;
      }
      rec.endIssued = true;
      if (rec.plan !== 'endOfDay' || rec.lastStatus !== 'active') {
        const action = rec.plan === 'deprovision' && rec.lastStatus === 'active' ? 'deprovision' : 'sign-out';
        if (ctx.refusalActive) rec.tags.add('endDuringRefusal');
        const r = await ctx.api.call('POST', `/v1/visits/${visitId}/${action}`, { token: ctx.receptionistToken, retryForMs: 120_000 });
        if (r.status === 409) rec.tags.add(`${action}:${r.body?.error?.code ?? '409'}`);
        else if (r.status !== 202) rec.tags.add(`${action}:${r.status}`);
      }
    }
    rec.endIssued = true;
  }

  private async awaitCompletion(rec: VisitRecord) {
    const { ctx } = this;
    const { opts, rng } = ctx;
    if (!rec.visitId) return;
    const visitId = rec.visitId;
    const body = (b: PoolBadge) => ({ locationId: ctx.locationId, badgeId: b.id, accessRuleIds: [ctx.providers[rec.pacs].ruleId], visitor: rec.visitor });
    const done = await this.waitForStatus(visitId, rec, ['completed'], 0, Number.POSITIVE_INFINITY, 2000);
    if (done?.status === 'completed') {
      rec.completed = true;
      this.pool.release(rec.badge!, rec.n);
      if (opts.faults.replays && rng() < opts.replayAfterCompletionShare && !ctx.stopping) {
        ctx.faults.replaysAfterCompletion++;
        rec.tags.add('replayedAfterCompletion');
        await this.signIn(rec.key!, body(rec.badge!));
      }
    }
  }

  /** POST /v1/visits; retried on network errors and 5xx with the same key; records which visit the key named. */
  private async signIn(key: string, body: unknown) {
    const { ctx } = this;
    let r;
    try {
      r = await ctx.api.call('POST', '/v1/visits', { token: ctx.receptionistToken, body, headers: { 'idempotency-key': key }, retryForMs: 120_000 });
    } catch {
      return { status: 0, body: undefined as any };
    }
    if (r.status === 202 && r.body?.id) {
      const ids = ctx.keyAnswers.get(key) ?? ctx.keyAnswers.set(key, new Set()).get(key)!;
      ids.add(r.body.id);
      if (ids.size > 1) violation(ctx, 'idempotencyKeyTwoVisits', key, `Idempotency-Key ${key} answered with visits ${[...ids].join(', ')}`);
    }
    return r;
  }

  /** Polls GET /v1/visits/:id until one of `want` (with at least `minTimeline` events), the bound, or the end of the run. */
  private async waitForStatus(visitId: string, rec: VisitRecord, want: string[], minTimeline: number, boundMs: number, everyMs = 1000): Promise<any | null> {
    const { ctx } = this;
    const until = Date.now() + boundMs;
    while (Date.now() < until && !ctx.stopping) {
      let r;
      try {
        r = await ctx.api.call('GET', `/v1/visits/${visitId}`, { token: ctx.receptionistToken, retryForMs: 60_000 });
      } catch {
        continue;
      }
      const v = r.body;
      if (r.status === 200 && v?.status) {
        if (v.status !== rec.lastStatus) {
          rec.lastStatus = v.status;
          rec.lastChangeAt = Date.now();
        }
        if (want.includes(v.status) && (v.timeline?.length ?? 0) >= minTimeline) return v;
      }
      await sleep(everyMs);
    }
    return null;
  }
}

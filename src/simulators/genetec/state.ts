import { z } from 'zod';
import { defaultConfig, mergeConfig, type SimConfig } from './config';
import { fullJson, type Ctx } from './model';
import { seedEntities } from './seed';
import { SessionTracker } from './sessions';
import { seedStore, Store, Transaction, type Entity } from './store';

/** Everything the simulator holds besides fault settings: data, switches, sessions and queued Fail answers. */
export interface QueuedFailure {
  remaining: number;
  sdkErrorCode: string;
  message: string;
  pathFilter?: string;
  methodFilter?: string;
  /** Only requests whose decoded `q` contains this text (case-insensitive), e.g. `Departure=`. */
  queryFilter?: string;
  /**
   * `entity?q=` only: apply (and keep) the first N clauses, then answer this failure, as a real server that
   * keeps the clauses before a failing one would [I]. Without it the request fails before anything is applied.
   */
  afterClauses?: number;
}

export const failNextSchema = z
  .object({
    count: z.number().int().min(1).max(1000).default(1),
    sdkErrorCode: z.string().min(1),
    message: z.string().default('Injected failure'),
    pathFilter: z.string().optional(),
    methodFilter: z.string().optional(),
    queryFilter: z.string().min(1).optional(),
    afterClauses: z.number().int().min(1).max(100).optional(),
  })
  .strict();

/**
 * A queued "commit, then lose the answer" on creates: the next `count` requests that create an entity
 * (`NewEntity(...)`, optionally only of `entityType`) are applied, then their connection is cut without
 * an answer, the lost-response case after which a client must look before it creates again.
 */
export interface QueuedDrop {
  remaining: number;
  entityType?: string;
}

export const dropNextSchema = z
  .object({
    count: z.number().int().min(1).max(1000).default(1),
    entityType: z.string().min(1).optional(),
  })
  .strict();

export const resetBodySchema = z
  .object({
    /** Config overrides applied on top of the start-up defaults. */
    config: z.record(z.string(), z.unknown()).optional(),
    /** How many "Tenant group NN" cardholder groups to seed (default 30). */
    tenantGroups: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();

export class GenetecSimState {
  readonly store = new Store();
  readonly sessions = new SessionTracker();
  config: SimConfig;
  failures: QueuedFailure[] = [];
  drops: QueuedDrop[] = [];
  /** Creates whose answer was withheld since the last reset. */
  droppedAfterCommit = 0;

  constructor(readonly credentials: { username: string; password: string; applicationId: string }) {
    this.config = defaultConfig(credentials);
    seedStore(this.store);
  }

  reset(body: unknown) {
    const b = resetBodySchema.parse(body ?? {});
    this.config = mergeConfig(defaultConfig(this.credentials), b.config ?? {});
    this.store.clockOffsetMs = this.config.clockOffsetMs;
    this.sessions.reset();
    this.failures = [];
    this.drops = [];
    this.droppedAfterCommit = 0;
    seedStore(this.store, { tenantGroups: b.tenantGroups });
  }

  setConfig(patch: unknown): SimConfig {
    this.config = mergeConfig(this.config, patch);
    this.store.clockOffsetMs = this.config.clockOffsetMs;
    return this.config;
  }

  seed(body: unknown) {
    return seedEntities(this.store, this.config, body);
  }

  /** Takes the next queued Fail answer for this request; `pathFilter` is a prefix of the path under the base. */
  takeFailure(method: string, path: string, q = ''): QueuedFailure | undefined {
    const f = this.failures.find(
      (x) =>
        (!x.pathFilter || path.toLowerCase().startsWith(`/${x.pathFilter.replace(/^\/+/, '')}`.toLowerCase())) &&
        (!x.methodFilter || x.methodFilter.toUpperCase() === method.toUpperCase()) &&
        (!x.queryFilter || q.toLowerCase().includes(x.queryFilter.toLowerCase())),
    );
    if (!f) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.failures = this.failures.filter((x) => x !== f);
    return f;
  }

  /** The queued drop that applies to a request creating entities of these types, if any (not taken yet). */
  dropFor(createdTypes: string[]): QueuedDrop | undefined {
    if (!createdTypes.length) return undefined;
    const types = createdTypes.map((t) => t.toLowerCase());
    return this.drops.find((d) => !d.entityType || types.includes(d.entityType.toLowerCase()));
  }

  /** Counts a drop as used once its request committed; a create that failed keeps it queued. */
  consumeDrop(d: QueuedDrop) {
    d.remaining--;
    this.droppedAfterCommit++;
    if (d.remaining <= 0) this.drops = this.drops.filter((x) => x !== d);
  }

  /** For src/simulators/shared/persist.ts: entities and switches, without the credentials. */
  exportState() {
    const { users: _users, ...config } = this.config;
    return { config, entities: this.store.all(), seq: this.store.seq };
  }

  importState(saved: unknown) {
    const s = saved as { config: Record<string, unknown>; entities: Entity[]; seq: number };
    this.config = mergeConfig(defaultConfig(this.credentials), s.config);
    this.store.clockOffsetMs = this.config.clockOffsetMs;
    this.store.entities = new Map(s.entities.map((e) => [e.guid, e]));
    this.store.seq = s.seq;
  }

  snapshot() {
    // Plain GUID arrays whatever the wire encoding, so test helpers read one stable shape.
    const config: SimConfig = { ...this.config, collectionEncoding: 'guids' };
    const ctx: Ctx = { store: this.store, tx: new Transaction(this.store), config, now: this.store.now() };
    return {
      config: { ...this.config, users: this.config.users.map((u) => ({ username: u.username, password: '********' })) },
      sessions: this.sessions.snapshot(Date.now(), this.config.sessionIdleMs),
      entities: this.store.all().map((e) => fullJson(e, ctx)),
      queuedFailures: this.failures,
      queuedDrops: this.drops,
      droppedAfterCommit: this.droppedAfterCommit,
    };
  }
}

import { z } from 'zod';
import { formatLocal, parseDate, type SimClock } from './clock';
import { INVENTED_ERROR_CODES as X, SimError, invalidProperty } from './errors';
import { compileFilter, FilterError, parseFilter, type CompiledFilter, type RowValue } from './filter';
import { simOptionsSchema, type SimOptions } from './options';
import { findProp, findType, keyProps, TYPES, TYPE_NAMES, type PropDef, type TypeDef, type TypeName } from './schema';
import { ACTIVE_STATUS_ID, emptyBadge, SEED, seedState, type Row, type SeedState, type SimUser } from './seed';

/**
 * The simulator's data and the OnGuard rules that guard it. Rules run in the order of docs/pacs/onguard-openaccess.md §7 so the
 * first failure a client sees is the one a real server would most plausibly report first; each failure is
 * a SimError carrying the OpenAccess envelope code.
 */
export class OnGuardStore {
  options!: SimOptions;
  private state!: SeedState;
  private nextPersonId = 0;
  private nextBadgeKey = 0;
  /** User-defined person fields seen so far (stored in UPPERCASE like the standard ones). */
  private userFields = new Map<TypeName, Set<string>>();

  constructor(
    private readonly clock: SimClock,
    private readonly credentials: { username: string; password: string; applicationId: string },
  ) {
    this.reset();
  }

  reset() {
    this.options = simOptionsSchema.parse({ licensedApplicationIds: [this.credentials.applicationId] });
    this.state = seedState(this.credentials, this.nowIso());
    this.userFields = new Map();
    this.nextPersonId = SEED.firstPersonId;
    this.nextBadgeKey = SEED.firstBadgeKey;
  }

  setOptions(patch: Partial<SimOptions>): SimOptions {
    this.options = simOptionsSchema.parse({ ...this.options, ...patch });
    return this.options;
  }

  get users(): SimUser[] {
    return this.state.users;
  }
  get directories() {
    return this.state.directories;
  }
  get cardholderSettings() {
    return this.state.cardholderSettings;
  }
  get visitSettings() {
    return this.state.visitSettings;
  }

  nowIso(): string {
    return formatLocal(this.clock.now(), this.options.utcOffsetMinutes);
  }

  resolveType(name: unknown): TypeDef {
    if (name === undefined || name === null || name === '') throw invalidProperty('type_name');
    const t = findType(name);
    if (!t) throw new SimError(400, X.invalidType, `The type ${String(name)} is not supported.`);
    return t;
  }

  // ---------------------------------------------------------------- reads

  query(type: TypeDef, filter?: unknown, orderBy?: unknown): Row[] {
    const match = this.compile(type, filter);
    const rows = this.rows(type).filter(match);
    return rows.sort(this.comparator(type, orderBy));
  }

  /** A row as a client sees it: canonical casing, simulator-only fields hidden when asked to. */
  present(type: TypeDef, row: Row): Row {
    const out: Row = {};
    for (const p of type.props) {
      if (p.simulatorOnly && !this.options.exposeSimulatorBadgeTypeFields) continue;
      out[p.name] = row[p.name] ?? null;
    }
    for (const f of this.userFields.get(type.name) ?? []) out[f] = row[f] ?? null;
    return out;
  }

  keyOf(type: TypeDef, row: Row): Row {
    const out: Row = {};
    for (const p of keyProps(type)) out[p.name] = row[p.name];
    return out;
  }

  /** Properties a client may name in filters and writes: the type's own plus learned user fields. */
  describe(type: TypeDef): PropDef[] {
    const own = type.props.filter((p) => !p.simulatorOnly || this.options.exposeSimulatorBadgeTypeFields);
    const extra = [...(this.userFields.get(type.name) ?? [])].map((name): PropDef => ({ name, kind: 'string' }));
    return [...own, ...extra];
  }

  private compile(type: TypeDef, filter: unknown): CompiledFilter {
    if (filter !== undefined && filter !== null && typeof filter !== 'string') throw invalidProperty('filter');
    try {
      return compileFilter(parseFilter(filter ?? ''), {
        resolve: (name) => {
          const p = this.propFor(type, name);
          return p ? { name: p.name, kind: p.kind } : null;
        },
        parseDate: (text) => parseDate(text, this.options.utcOffsetMinutes),
      });
    } catch (err) {
      if (err instanceof FilterError) throw new SimError(400, X.invalidFilter, `Invalid filter: ${err.message}.`);
      throw err;
    }
  }

  private propFor(type: TypeDef, name: string): PropDef | undefined {
    const p = findProp(type, name);
    if (p) return p.simulatorOnly && !this.options.exposeSimulatorBadgeTypeFields ? undefined : p;
    const upper = name.toUpperCase();
    return this.userFields.get(type.name)?.has(upper) ? { name: upper, kind: 'string' } : undefined;
  }

  private comparator(type: TypeDef, orderBy: unknown): (a: Row, b: Row) => number {
    const keys: Array<{ name: string; dir: 1 | -1 }> = [];
    if (typeof orderBy === 'string' && orderBy.trim() !== '') {
      for (const part of orderBy.split(',')) {
        const m = /^\s*([A-Za-z_][\w.]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
        const p = m && this.propFor(type, m[1]);
        if (!m || !p) throw invalidProperty('order_by');
        keys.push({ name: p.name, dir: m[2]?.toLowerCase() === 'desc' ? -1 : 1 });
      }
    }
    for (const p of keyProps(type)) keys.push({ name: p.name, dir: 1 });
    return (a, b) => {
      for (const k of keys) {
        const c = compareValues(a[k.name], b[k.name]);
        if (c !== 0) return c * k.dir;
      }
      return 0;
    };
  }

  // ---------------------------------------------------------------- writes

  create(type: TypeDef, pvm: unknown): Row {
    this.assertWritable(type);
    const input = this.normalize(type, pvm, 'create');
    switch (type.name) {
      case 'Lnl_Visitor':
      case 'Lnl_Cardholder':
        return this.createPerson(type, input);
      case 'Lnl_Badge':
        return this.createBadge(input);
      case 'Lnl_AccessLevelAssignment':
        return this.createAssignment(input);
      default:
        throw notSupported('POST', type);
    }
  }

  update(type: TypeDef, pvm: unknown): Row {
    this.assertWritable(type);
    if (!type.updatable) throw notSupported('PUT', type);
    const input = this.normalize(type, pvm, 'update');
    const row = this.mustFind(type, input);
    const next = { ...row };
    for (const [k, v] of Object.entries(input)) if (!findProp(type, k)?.key) next[k] = v;
    if (type.name === 'Lnl_Badge') this.checkBadgeUpdate(row, next);
    if (type.name === 'Lnl_Visitor' || type.name === 'Lnl_Cardholder') {
      if (next.LASTNAME == null || next.LASTNAME === '') throw invalidProperty('LASTNAME');
    }
    next.LASTCHANGED = this.nowIso();
    Object.assign(row, next);
    if (type.name === 'Lnl_Badge' && this.options.inactiveDropsAssignments && row.STATUS !== ACTIVE_STATUS_ID) {
      this.dropAssignmentsOf(row.BADGEKEY);
    }
    return row;
  }

  remove(type: TypeDef, pvm: unknown) {
    this.assertWritable(type);
    const input = this.normalize(type, pvm, 'key');
    const row = this.mustFind(type, input);
    if (type.name === 'Lnl_Badge') this.dropAssignmentsOf(row.BADGEKEY);
    if (type.name === 'Lnl_Visitor' || type.name === 'Lnl_Cardholder') {
      const badges = this.rows(TYPES.Lnl_Badge).filter((b) => sameInt(b.PERSONID, row.ID));
      if (badges.length > 0 && this.options.deletePersonWithBadges === 'refuse') {
        throw new SimError(400, X.itemReferenced, `${type.displayName} ${String(row.ID)} still has ${badges.length} badge(s); delete them first.`);
      }
      for (const b of badges) this.remove(TYPES.Lnl_Badge, { BADGEKEY: b.BADGEKEY });
    }
    const rows = this.rows(type);
    rows.splice(rows.indexOf(row), 1);
  }

  private assertWritable(type: TypeDef) {
    if (!type.writable) throw notSupported('write', type);
  }

  private createPerson(type: TypeDef, input: Row): Row {
    if (input.LASTNAME == null || input.LASTNAME === '') throw invalidProperty('LASTNAME');
    // Visitors and cardholders share one ID sequence [I], so PERSONID on a badge is unambiguous.
    const row: Row = { ...this.blank(type), ...input, ID: this.nextPersonId++, LASTCHANGED: this.nowIso() };
    this.rows(type).push(row);
    return this.keyOf(type, row);
  }

  private createBadge(input: Row): Row {
    const row: Row = { ...emptyBadge(), ...input };
    // 1. The person must exist: the one real message we have (S2).
    if (row.PERSONID == null || !this.findPerson(row.PERSONID)) throw invalidProperty('PERSONID');
    // 2. Badge type and status must exist.
    const type = row.TYPE == null ? undefined : this.findById(TYPES.Lnl_BadgeType, row.TYPE);
    if (!type) throw invalidProperty('TYPE');
    if (row.STATUS == null || !this.findById(TYPES.Lnl_BadgeStatus, row.STATUS)) throw invalidProperty('STATUS');
    if (row.ID == null || BigInt(row.ID as number | bigint) <= 0n) throw invalidProperty('ID');
    // 3–6. Length, range, manual entry and uniqueness of the badge ID.
    this.checkBadgeId(row, type);
    // 7. The per-person active-badge limit.
    this.checkActiveLimit(row);
    row.BADGEKEY = this.nextBadgeKey++;
    row.LASTCHANGED = this.nowIso();
    this.rows(TYPES.Lnl_Badge).push(row);
    return { BADGEKEY: row.BADGEKEY };
  }

  private checkBadgeUpdate(before: Row, next: Row) {
    if (!sameInt(before.PERSONID, next.PERSONID)) {
      throw new SimError(400, X.immutableProperty, 'The property PERSONID cannot be changed after a badge is created.');
    }
    const type = this.findById(TYPES.Lnl_BadgeType, next.TYPE);
    if (!type) throw invalidProperty('TYPE');
    if (next.STATUS == null || !this.findById(TYPES.Lnl_BadgeStatus, next.STATUS)) throw invalidProperty('STATUS');
    if (!sameInt(before.ID, next.ID) || !sameInt(before.TYPE, next.TYPE)) this.checkBadgeId(next, type, before);
    if (next.STATUS === ACTIVE_STATUS_ID && before.STATUS !== ACTIVE_STATUS_ID) this.checkActiveLimit(next, before);
  }

  private checkBadgeId(row: Row, type: Row, self?: Row) {
    const id = BigInt(row.ID as number | bigint);
    const maxLen = this.state.cardholderSettings.max_badge_id_length;
    if (id.toString().length > maxLen) {
      throw new SimError(400, X.badgeIdTooLong, `Badge ID ${id} has more than the ${maxLen} digits allowed (max_badge_id_length).`);
    }
    const min = type.SIM_MIN_ID;
    const max = type.SIM_MAX_ID;
    if (this.options.enforceBadgeIdRange && min != null && max != null && (id < BigInt(min as number) || id > BigInt(max as number))) {
      throw new SimError(
        400,
        X.badgeIdOutOfRange,
        `Badge ID ${id} is outside the range ${String(min)}-${String(max)} allowed for badge type ${String(type.Name)}.`,
      );
    }
    if (this.options.enforceManualEntry && type.SIM_MANUAL_ENTRY === false) {
      throw new SimError(400, X.badgeTypeNotManual, `Badge type ${String(type.Name)} allocates badge IDs automatically; an ID cannot be entered.`);
    }
    // Unique whatever the status of the other badge [I], as S4 refuses any existing ID.
    if (this.rows(TYPES.Lnl_Badge).some((b) => b !== self && sameInt(b.ID, id))) {
      throw new SimError(400, X.duplicateBadgeId, `A badge with ID ${id} already exists.`);
    }
  }

  private checkActiveLimit(row: Row, self?: Row) {
    const limit = this.state.cardholderSettings.max_active_badges;
    if (row.STATUS !== ACTIVE_STATUS_ID || limit <= 0) return;
    const active = this.rows(TYPES.Lnl_Badge).filter((b) => b !== self && sameInt(b.PERSONID, row.PERSONID) && b.STATUS === ACTIVE_STATUS_ID).length;
    if (active >= limit) {
      throw new SimError(
        400,
        X.activeBadgeLimit,
        `Person ${String(row.PERSONID)} already has ${active} active badge(s); the system allows ${limit} (max_active_badges).`,
      );
    }
  }

  private createAssignment(input: Row): Row {
    const level = input.AccessLevelID == null ? undefined : this.findById(TYPES.Lnl_AccessLevel, input.AccessLevelID);
    if (!level) throw invalidProperty('AccessLevelID');
    const badge = this.rows(TYPES.Lnl_Badge).find((b) => sameInt(b.BADGEKEY, input.BadgeKey));
    if (input.BadgeKey == null || !badge) throw invalidProperty('BadgeKey');
    // Access levels go on active badges only (AxxonSoft docs, S11 [C-weak]).
    if (badge.STATUS !== ACTIVE_STATUS_ID) {
      throw new SimError(400, X.badgeNotActive, `Badge ${String(badge.ID)} is not active; access levels can be assigned to active badges only.`);
    }
    const existing = this.rows(TYPES.Lnl_AccessLevelAssignment).filter((a) => sameInt(a.BadgeKey, badge.BADGEKEY));
    if (existing.some((a) => sameInt(a.AccessLevelID, level.ID))) {
      throw new SimError(400, X.duplicateItem, `Access level ${String(level.Name)} is already assigned to badge ${String(badge.ID)}.`);
    }
    const limit = this.state.cardholderSettings.max_accesslevels_per_badge_total;
    if (limit > 0 && existing.length >= limit) {
      throw new SimError(400, X.accessLevelLimit, `Badge ${String(badge.ID)} already has ${limit} access levels (max_accesslevels_per_badge_total).`);
    }
    const row: Row = { Activate: null, Deactivate: null, ...input, AccessLevelID: level.ID, BadgeKey: badge.BADGEKEY };
    this.rows(TYPES.Lnl_AccessLevelAssignment).push(row);
    return { AccessLevelID: row.AccessLevelID, BadgeKey: row.BadgeKey };
  }

  private dropAssignmentsOf(badgeKey: RowValue) {
    const rows = this.rows(TYPES.Lnl_AccessLevelAssignment);
    for (let i = rows.length - 1; i >= 0; i--) if (sameInt(rows[i].BadgeKey, badgeKey)) rows.splice(i, 1);
  }

  private mustFind(type: TypeDef, input: Row): Row {
    const keys = keyProps(type);
    for (const k of keys) if (input[k.name] == null) throw invalidProperty(k.name);
    const row = this.rows(type).find((r) => keys.every((k) => sameInt(r[k.name], input[k.name])));
    if (!row) {
      const desc = keys.map((k) => `${k.name} ${String(input[k.name])}`).join(', ');
      throw new SimError(404, X.itemNotFound, `No ${type.name} with ${desc} exists.`);
    }
    return row;
  }

  // ---------------------------------------------------------------- input coercion

  /**
   * Canonicalises property names and coerces values to the property's kind, so "personid": "3" and
   * "PERSONID": 3 mean the same thing. Server-assigned properties are dropped on create and update.
   */
  normalize(type: TypeDef, pvm: unknown, mode: 'create' | 'update' | 'key' | 'seed'): Row {
    if (typeof pvm === 'string') {
      try {
        pvm = JSON.parse(pvm);
      } catch {
        throw invalidProperty('property_value_map');
      }
    }
    if (pvm === undefined || pvm === null) pvm = {};
    if (typeof pvm !== 'object' || Array.isArray(pvm)) throw invalidProperty('property_value_map');
    const out: Row = {};
    for (const [rawName, rawValue] of Object.entries(pvm as Record<string, unknown>)) {
      let prop = findProp(type, rawName);
      if (!prop) {
        if (!type.userFields || !/^[A-Za-z_][\w]*$/.test(rawName)) throw invalidProperty(rawName);
        const name = rawName.toUpperCase();
        if (!this.userFields.has(type.name)) this.userFields.set(type.name, new Set());
        this.userFields.get(type.name)!.add(name);
        prop = { name, kind: 'string' };
      }
      if (mode === 'key' && !prop.key) continue;
      if (prop.assigned && !prop.key && mode !== 'seed') continue;
      if (prop.assigned && prop.key && mode === 'create') continue;
      out[prop.name] = this.coerce(prop, rawValue);
    }
    return out;
  }

  private coerce(prop: PropDef, v: unknown): RowValue {
    if (v === null || v === undefined) return null;
    const bad = () => invalidProperty(prop.name);
    switch (prop.kind) {
      case 'int':
      case 'int64': {
        if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
        if (typeof v === 'number' && Number.isInteger(v)) return v;
        if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) {
          const big = BigInt(v.trim());
          return Number.isSafeInteger(Number(big)) ? Number(big) : big;
        }
        throw bad();
      }
      case 'bool':
        if (typeof v === 'boolean') return v;
        if (v === 0 || v === 1) return v === 1;
        if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
        throw bad();
      case 'datetime': {
        if (typeof v !== 'string') throw bad();
        if (v.trim() === '') return null;
        const t = parseDate(v, this.options.utcOffsetMinutes);
        if (t === null) throw bad();
        return formatLocal(t, this.options.utcOffsetMinutes);
      }
      case 'string': {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw bad();
        const s = String(v);
        if (prop.maxLength !== undefined && s.length > prop.maxLength) throw bad();
        return s;
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  rows(type: TypeDef): Row[] {
    return this.state.rows[type.name];
  }

  private blank(type: TypeDef): Row {
    const row: Row = {};
    for (const p of type.props) row[p.name] = null;
    return row;
  }

  findById(type: TypeDef, id: RowValue): Row | undefined {
    return this.rows(type).find((r) => sameInt(r.ID, id));
  }

  findPerson(id: RowValue): Row | undefined {
    return this.findById(TYPES.Lnl_Visitor, id) ?? this.findById(TYPES.Lnl_Cardholder, id);
  }

  // ---------------------------------------------------------------- /__sim/seed and /__sim/state

  /**
   * Merges seed data, bypassing the business rules on purpose (tests need states the API would refuse,
   * such as two active badges on one person). Rows are upserted by key; keys left out are assigned.
   */
  seed(body: unknown) {
    const input = seedSchema.parse(body);
    // All or nothing: a bad row halfway through must not leave half a seed behind.
    const backup = {
      state: structuredClone(this.state),
      nextPersonId: this.nextPersonId,
      nextBadgeKey: this.nextBadgeKey,
      userFields: new Map([...this.userFields].map(([k, v]) => [k, new Set(v)])),
    };
    try {
      return this.applySeed(input);
    } catch (err) {
      Object.assign(this, backup);
      throw err;
    }
  }

  private applySeed(input: z.infer<typeof seedSchema>) {
    const lists: Array<[keyof typeof SEED_LISTS, TypeDef]> = Object.entries(SEED_LISTS).map(([k, t]) => [k as keyof typeof SEED_LISTS, TYPES[t]]);
    for (const [field, type] of lists) {
      const rows = input[field];
      if (!rows) continue;
      if (input.replace) this.state.rows[type.name] = [];
      for (const raw of rows) this.upsert(type, field === 'badgeTypes' ? badgeTypeAliases(raw) : raw);
    }
    if (input.directories) this.state.directories = input.replace ? input.directories : mergeBy(this.state.directories, input.directories, (d) => d.ID);
    if (input.users) {
      const users = input.users.map((u, i) => ({
        userName: u.user_name,
        password: u.password,
        directoryId: u.directory_id,
        readOnly: u.read_only,
        userId: 100 + this.state.users.length + i,
      }));
      this.state.users = input.replace ? users : mergeBy(this.state.users, users, (u) => `${u.directoryId}/${u.userName.toLowerCase()}`);
    }
    Object.assign(this.state.cardholderSettings, input.cardholderSettings ?? {});
    Object.assign(this.state.visitSettings, input.visitSettings ?? {});
    return { ok: true, counts: Object.fromEntries(TYPE_NAMES.map((n) => [n, this.state.rows[n].length])) };
  }

  private upsert(type: TypeDef, raw: Record<string, unknown>) {
    const input = this.normalize(type, raw, 'seed');
    const base = type.name === 'Lnl_Badge' ? emptyBadge() : this.blank(type);
    if (type.name === 'Lnl_Visitor' || type.name === 'Lnl_Cardholder') {
      if (input.ID == null) input.ID = this.nextPersonId++;
      input.LASTCHANGED ??= this.nowIso();
    }
    if (type.name === 'Lnl_Badge' && input.BADGEKEY == null) input.BADGEKEY = this.nextBadgeKey++;
    const keys = keyProps(type);
    for (const k of keys) if (input[k.name] == null) throw invalidProperty(k.name);
    const rows = this.rows(type);
    const at = rows.findIndex((r) => keys.every((k) => sameInt(r[k.name], input[k.name])));
    const row = { ...base, ...input };
    if (at >= 0) rows[at] = row;
    else rows.push(row);
    // Later API creates must not collide with seeded keys.
    if (typeof input.ID === 'number' && (type.name === 'Lnl_Visitor' || type.name === 'Lnl_Cardholder')) {
      this.nextPersonId = Math.max(this.nextPersonId, input.ID + 1);
    }
    if (type.name === 'Lnl_Badge' && typeof input.BADGEKEY === 'number') this.nextBadgeKey = Math.max(this.nextBadgeKey, input.BADGEKEY + 1);
  }

  /** For src/simulators/shared/persist.ts: the raw state, counters and options, as JSON. */
  exportState() {
    return {
      options: this.options,
      state: this.state,
      nextPersonId: this.nextPersonId,
      nextBadgeKey: this.nextBadgeKey,
      userFields: [...this.userFields].map(([k, v]) => [k, [...v]]),
    };
  }

  importState(saved: unknown) {
    const s = saved as ReturnType<OnGuardStore['exportState']>;
    this.options = simOptionsSchema.parse(s.options);
    // Credentials are the ones this start was given, not those of the run that saved the file.
    this.state = { ...s.state, users: this.state.users };
    this.nextPersonId = s.nextPersonId;
    this.nextBadgeKey = s.nextBadgeKey;
    this.userFields = new Map(s.userFields.map(([k, v]) => [k as TypeName, new Set(v)]));
  }

  snapshot() {
    const instances = Object.fromEntries(TYPE_NAMES.map((n) => [n, this.state.rows[n].map((r) => this.present(TYPES[n], r))]));
    return plain({
      options: this.options,
      counters: { nextPersonId: this.nextPersonId, nextBadgeKey: this.nextBadgeKey },
      cardholderSettings: this.state.cardholderSettings,
      visitSettings: this.state.visitSettings,
      directories: this.state.directories,
      users: this.state.users.map((u) => ({ ...u, password: '***' })),
      instances,
    });
  }
}

const SEED_LISTS = {
  accessLevels: 'Lnl_AccessLevel',
  badgeStatuses: 'Lnl_BadgeStatus',
  badgeTypes: 'Lnl_BadgeType',
  cardholders: 'Lnl_Cardholder',
  visitors: 'Lnl_Visitor',
  badges: 'Lnl_Badge',
  assignments: 'Lnl_AccessLevelAssignment',
} as const satisfies Record<string, TypeName>;

const rowsSchema = z.array(z.record(z.string(), z.unknown())).optional();
const seedSchema = z
  .object({
    /** Replace the given lists instead of merging into them. */
    replace: z.boolean().default(false),
    accessLevels: rowsSchema,
    badgeStatuses: rowsSchema,
    /** Rows may use `manualEntry` and `idRange: {min, max} | null` for the SIM_* properties. */
    badgeTypes: rowsSchema,
    cardholders: rowsSchema,
    visitors: rowsSchema,
    badges: rowsSchema,
    assignments: rowsSchema,
    directories: z.array(z.object({ ID: z.string(), Name: z.string(), directory_type: z.number().int() })).optional(),
    users: z
      .array(
        z.object({
          user_name: z.string().min(1),
          password: z.string(),
          directory_id: z.string().default('id-1'),
          read_only: z.boolean().default(false),
        }),
      )
      .optional(),
    cardholderSettings: z
      .object({
        max_active_badges: z.number().int().min(0),
        max_badge_id_length: z.number().int().min(1).max(19),
        max_accesslevels_per_badge_standard: z.number().int().min(0),
        max_accesslevels_per_badge_temporary: z.number().int().min(0),
        max_accesslevels_per_badge_total: z.number().int().min(0),
        activate_deactivate_dates_use_time: z.boolean(),
        temporary_accesslevel_granularity: z.number().int().min(0),
      })
      .partial()
      .optional(),
    visitSettings: z.object({ default_visitor_badge_type_id: z.number().int(), default_visitor_badge_type_name: z.string() }).partial().optional(),
  })
  .strict();

function badgeTypeAliases(raw: Record<string, unknown>): Record<string, unknown> {
  const { manualEntry, idRange, ...rest } = raw as Record<string, unknown> & {
    manualEntry?: unknown;
    idRange?: { min: unknown; max: unknown } | null;
  };
  if (manualEntry !== undefined) rest.SIM_MANUAL_ENTRY = manualEntry;
  if (idRange !== undefined) {
    rest.SIM_MIN_ID = idRange?.min ?? null;
    rest.SIM_MAX_ID = idRange?.max ?? null;
  }
  return rest;
}

function mergeBy<T>(current: T[], incoming: T[], key: (t: T) => string): T[] {
  const map = new Map(current.map((c) => [key(c), c]));
  for (const i of incoming) map.set(key(i), i);
  return [...map.values()];
}

function notSupported(what: string, type: TypeDef) {
  return new SimError(405, X.operationNotSupported, `${what} is not supported on ${type.name} by this server.`);
}

/** Integer equality across number, bigint and numeric strings (badge IDs may exceed 2^53). */
export function sameInt(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return false;
  try {
    return BigInt(a as number | bigint | string) === BigInt(b as number | bigint | string);
  } catch {
    return false;
  }
}

function compareValues(a: RowValue, b: RowValue): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, 'en', { sensitivity: 'base' });
  if (typeof a === 'string' || typeof b === 'string') return String(a).localeCompare(String(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deep copy with bigints as strings, for res.json in the control API. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}

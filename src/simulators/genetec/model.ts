import type { SimConfig } from './config';
import { canonicalEntityType, EMPTY_GUID, normalizeGuid } from './constants';
import { ALL_FORMATS, formatDefinitionJson, formatJson } from './formats';
import { literal, parseCall } from './query-parser';
import { invalidOperation, SdkFailure } from './sdk-failure';
import type { CredentialEntity, Entity, PersonEntity, StatusData, StoredState, Store, Transaction } from './store';

/**
 * Entity properties as the Web SDK exposes them: PascalCase names, GUIDs dashed lower-case, dates ISO-8601
 * UTC, enums as strings [C S-PHP compares Status.State=="Active"]. The collection encoding is [I] and
 * pluggable. Property names are matched case-insensitively [I, consistent with the case-insensitive types].
 */
export interface Ctx {
  store: Store;
  tx: Transaction;
  config: SimConfig;
  now: number;
  /** Test seeding (POST /__sim/seed): not a client request, so request-form switches do not apply. */
  seeding?: boolean;
}

/** `yyyy-MM-ddTHH:mm:ss[.fff][Z|±hh:mm]` or a date; without a zone the value is taken as UTC [I, S-BULAC sends UTC]. */
export function parseDate(raw: string, what: string): string {
  const t = literal(raw);
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (!m) throw invalidOperation(`Could not convert '${t}' to a date for ${what}.`);
  const time = m[2] ? m[2].replace(/(\.\d{3})\d+$/, '$1') : '00:00:00';
  const d = new Date(`${m[1]}T${time}${m[3] ? m[3].toUpperCase() : 'Z'}`);
  if (Number.isNaN(d.getTime())) throw invalidOperation(`Could not convert '${t}' to a date for ${what}.`);
  return d.toISOString();
}

export function isoOut(d: string | null): string | null {
  return d ? d.replace(/\.000Z$/, 'Z') : null;
}

/** The visible state: the stored state narrowed by the activation window [I: evidence section 8.3]. */
export function derivedState(e: PersonEntity | CredentialEntity, now: number): StoredState {
  const s = e.status;
  if (s.state === 'Lost' || s.state === 'Stolen' || s.state === 'Requested') return s.state;
  const [start, end] = windowOf(e);
  if (end && now >= Date.parse(end)) return 'Expired';
  if (s.state !== 'Active') return s.state;
  if (start && now < Date.parse(start)) return 'Inactive';
  return 'Active';
}

function windowOf(e: PersonEntity | CredentialEntity): [string | null, string | null] {
  if (e.type === 'Visitor') return [e.arrival, e.departure];
  return [e.status.activationDate, e.status.expirationDate];
}

export function statusJson(e: PersonEntity | CredentialEntity, now: number) {
  const [start, end] = windowOf(e);
  return {
    State: derivedState(e, now),
    ActivationDate: isoOut(start),
    ExpirationDate: isoOut(end),
    ActivationType: start ? 'SpecificDate' : 'Never',
    ExpirationType: e.status.expirationDuration ? 'OnFirstUse' : end ? 'SpecificDate' : 'Never',
    ExpirationDuration: e.status.expirationDuration,
  };
}

export function encodeCollection(guids: string[], config: SimConfig): unknown {
  switch (config.collectionEncoding) {
    case 'guids':
      return guids;
    case 'objects':
      return guids.map((Guid) => ({ Guid }));
    case 'items':
      return { item: guids.map((Guid) => ({ Guid })) };
  }
}

export function notFound(ctx: Pick<Ctx, 'config'>, ref: string): SdkFailure {
  return new SdkFailure(ctx.config.errorCodes.entityNotFound, `The entity '${ref}' does not exist (simulator placeholder code).`);
}

/**
 * An entity named inside a clause (collection item, method argument): a GUID, or `LogicalId(Type,N)` as
 * Genetec's own WebSDKStudio sample sends in `Credentials@LogicalId(Credential, 3)` [C S-STUDIO].
 */
export function resolveGuid(ctx: Ctx, raw: string, what: string): Entity {
  const text = literal(raw);
  const byLogicalId = parseLogicalIdRef(text);
  if (byLogicalId) {
    const e = ctx.store.byLogicalId(byLogicalId.type, byLogicalId.id);
    if (!e) throw notFound(ctx, text);
    return e;
  }
  const guid = normalizeGuid(text);
  if (!guid) throw invalidOperation(`'${text}' is not a valid GUID or LogicalId(Type,N) for ${what}.`);
  const e = ctx.tx.get(guid);
  if (!e) throw notFound(ctx, guid);
  return e;
}

/** `LogicalId(Type, N)`, spaces and type casing as the samples write them [C-obs S-STUDIO `LogicalId(door, 1)`]. */
export function parseLogicalIdRef(text: string): { type: string; id: number } | undefined {
  const m = /^LogicalId\(\s*([A-Za-z]+)\s*,\s*(\d+)\s*\)$/i.exec(text.trim());
  if (!m) return undefined;
  const type = canonicalEntityType(m[1]);
  if (!type) throw invalidOperation(`Unknown entity type '${m[1]}' in '${text}'.`);
  return { type, id: Number(m[2]) };
}

export interface PropDef {
  name: string;
  /** Left out of `entity/basic/{id}`, whose list the developer guide gives [C-2nd S-GUIDE]. */
  notBasic?: boolean;
  get?: (e: Entity, ctx: Ctx) => unknown;
  set?: (e: Entity, raw: string, ctx: Ctx) => void;
}

const asPerson = (e: Entity) => e as PersonEntity;
const asCred = (e: Entity) => e as CredentialEntity;
const text = (raw: string) => literal(raw);

const STATES: StoredState[] = ['Active', 'Inactive', 'Expired', 'Lost', 'Stolen', 'Requested'];

function parseState(raw: string, allowed: StoredState[]): StoredState {
  const v = literal(raw).toLowerCase();
  const s = allowed.find((x) => x.toLowerCase() === v);
  if (!s) throw invalidOperation(`'${literal(raw)}' is not a valid state; expected one of ${allowed.join(', ')}.`);
  return s;
}

/** `SpecificActivationPeriod(a,b)`, `SpecificDeactivation(b)`, `RelativeDeactivation(d.hh:mm:ss)` [C-obs S-BULAC, C S-STUDIO]. */
export function applyActivationMode(status: StatusData, raw: string) {
  const call = parseCall(raw);
  const fn = call?.name.toLowerCase();
  if (call && fn === 'specificactivationperiod' && call.args.length === 2) {
    const a = parseDate(call.args[0], 'the activation date');
    const b = parseDate(call.args[1], 'the expiration date');
    if (Date.parse(b) <= Date.parse(a)) throw invalidOperation('The expiration date must be after the activation date.');
    Object.assign(status, { activationDate: a, expirationDate: b, expirationDuration: null });
    return;
  }
  if (call && fn === 'specificdeactivation' && call.args.length === 1) {
    Object.assign(status, { activationDate: null, expirationDate: parseDate(call.args[0], 'the expiration date'), expirationDuration: null });
    return;
  }
  if (call && fn === 'relativedeactivation' && call.args.length === 1) {
    const d = literal(call.args[0]);
    if (!/^(\d+\.)?\d{1,2}:\d{2}:\d{2}$/.test(d)) throw invalidOperation(`'${d}' is not a TimeSpan (d.hh:mm:ss).`);
    Object.assign(status, { expirationDate: null, expirationDuration: d });
    return;
  }
  if (!call && literal(raw).toLowerCase() === 'never') {
    Object.assign(status, { activationDate: null, expirationDate: null, expirationDuration: null });
    return;
  }
  throw invalidOperation(`'${literal(raw)}' is not a valid ActivationMode.`);
}

/** Creation time reported for seed data, which predates every test [I]. */
export const SEEDED_ON = '2020-01-01T00:00:00Z';

/**
 * Read-only properties of the SDK's base Entity class [C-2nd S-GUIDE lists CreatedOn, IsOnline and RunningState
 * among what entity/basic returns; S-LQ Entities/Entity.cs mirrors the class; S-HTP reads IsOnline and
 * RunningState through entity?q= on a live server]. ModifiedOn is obsolete in the SDK and
 * answers the current time there, so it does here. Access-control entities have no hardware behind them:
 * they report Running/online [I].
 */
const baseEntityProps: PropDef[] = [
  { name: 'CreatedOn', get: (e) => isoOut(e.createdOn ?? SEEDED_ON) },
  { name: 'ModifiedOn', get: (_e, ctx) => isoOut(new Date(ctx.now).toISOString()), notBasic: true },
  { name: 'IsOnline', get: () => true },
  { name: 'RunningState', get: () => 'Running' },
];

const common: PropDef[] = [
  { name: 'Guid', get: (e) => e.guid },
  { name: 'EntityType', get: (e) => e.type },
  {
    name: 'Name',
    get: (e) => e.name,
    set: (e, raw) => {
      const v = text(raw);
      if (v.trim() === '') throw invalidOperation('The name cannot be empty.');
      e.name = v;
    },
  },
  { name: 'Description', get: (e) => e.description, set: (e, raw) => void (e.description = text(raw)) },
  {
    name: 'LogicalId',
    get: (e) => e.logicalId,
    set: (e, raw, ctx) => {
      const v = text(raw);
      if (v === '') return void (e.logicalId = null);
      const id = Number(v);
      if (!Number.isInteger(id) || id < 0) throw invalidOperation(`'${v}' is not a valid logical ID.`);
      const other = ctx.store.byLogicalId(e.type, id);
      if (other && other.guid !== e.guid) {
        throw new SdkFailure(
          ctx.config.errorCodes.duplicateLogicalId,
          `The logical ID ${id} is already used by another ${e.type} (simulator placeholder code).`,
        );
      }
      e.logicalId = id;
    },
  },
  ...baseEntityProps,
];

function personProps(visitor: boolean): PropDef[] {
  const props: PropDef[] = [
    { name: 'FirstName', get: (e) => asPerson(e).firstName, set: (e, raw) => void (asPerson(e).firstName = text(raw)) },
    { name: 'LastName', get: (e) => asPerson(e).lastName, set: (e, raw) => void (asPerson(e).lastName = text(raw)) },
    { name: 'EmailAddress', get: (e) => asPerson(e).emailAddress, set: (e, raw) => void (asPerson(e).emailAddress = text(raw)) },
    { name: 'MobilePhoneNumber', get: (e) => asPerson(e).mobilePhoneNumber, set: (e, raw) => void (asPerson(e).mobilePhoneNumber = text(raw)) },
    { name: 'Status', get: (e, ctx) => statusJson(asPerson(e), ctx.now) },
    {
      name: 'State',
      get: (e, ctx) => derivedState(asPerson(e), ctx.now),
      // The cardholder State setter refuses Lost/Stolen [C S-LQ doc comment].
      set: (e, raw) => void (asPerson(e).status.state = parseState(raw, ['Active', 'Inactive', 'Expired'])),
    },
    {
      name: 'Credentials',
      get: (e, ctx) =>
        encodeCollection(
          ctx.store.credentialsOf(e.guid).map((c) => c.guid),
          ctx.config,
        ),
    },
    {
      name: 'Groups',
      get: (e, ctx) =>
        encodeCollection(
          ctx.store.groupsOf(e.guid).map((g) => g.guid),
          ctx.config,
        ),
    },
    {
      name: 'AccessRules',
      get: (e, ctx) =>
        encodeCollection(
          ctx.store.rulesOf(e.guid).map((r) => r.guid),
          ctx.config,
        ),
    },
    { name: 'Picture', get: () => null },
  ];
  if (visitor) {
    props.push(
      { name: 'Arrival', get: (e) => isoOut(asPerson(e).arrival), set: (e, raw) => void (asPerson(e).arrival = parseDate(raw, 'Arrival')) },
      { name: 'Departure', get: (e) => isoOut(asPerson(e).departure), set: (e, raw) => void (asPerson(e).departure = parseDate(raw, 'Departure')) },
      { name: 'CheckedOut', get: (e) => asPerson(e).checkedOut },
      // Read-only on visitors: the exact message was recorded from a live server [C-obs S-HTP].
      { name: 'ActivationDate', get: (e) => isoOut(asPerson(e).arrival) },
      { name: 'ExpirationDate', get: (e) => isoOut(asPerson(e).departure) },
      { name: 'ActivationMode' },
    );
  } else {
    props.push(
      {
        name: 'ActivationDate',
        get: (e) => isoOut(asPerson(e).status.activationDate),
        set: (e, raw) => void (asPerson(e).status.activationDate = parseDate(raw, 'ActivationDate')),
      },
      {
        name: 'ExpirationDate',
        get: (e) => isoOut(asPerson(e).status.expirationDate),
        set: (e, raw) => void (asPerson(e).status.expirationDate = parseDate(raw, 'ExpirationDate')),
      },
      { name: 'ActivationMode', set: (e, raw) => applyActivationMode(asPerson(e).status, raw) },
      { name: 'CanEscort', get: () => false },
    );
  }
  return props;
}

export function holderSummary(ctx: Ctx, guid: string | null) {
  const p = guid ? (ctx.tx.get(guid) as PersonEntity | undefined) : undefined;
  if (!p) return null;
  return { Guid: p.guid, Name: p.name, EntityType: p.type, FirstName: p.firstName, LastName: p.lastName, Status: statusJson(p, ctx.now) };
}

/** Assigns a credential to a person, honouring the one-holder rule [C S-TECH]; reassignment is [I] and behind a flag. */
export function assignCredential(ctx: Ctx, cred: CredentialEntity, holder: PersonEntity | null) {
  const target = holder?.guid ?? null;
  if (cred.cardholderGuid === target) return;
  if (target && cred.cardholderGuid && ctx.config.rejectCredentialReassignment && ctx.tx.get(cred.cardholderGuid)) {
    throw new SdkFailure(
      ctx.config.errorCodes.credentialAssigned,
      `The credential ${cred.guid} is already assigned to another cardholder; unassign it first (simulator placeholder code).`,
    );
  }
  ctx.tx.mutable(cred).cardholderGuid = target;
}

const credentialProps: PropDef[] = [
  {
    name: 'CardholderGuid',
    get: (e) => asCred(e).cardholderGuid ?? EMPTY_GUID,
    set: (e, raw, ctx) => {
      const guid = normalizeGuid(literal(raw));
      if (!guid) throw invalidOperation(`'${literal(raw)}' is not a valid GUID for CardholderGuid.`);
      if (guid === EMPTY_GUID) return assignCredential(ctx, asCred(e), null);
      const p = ctx.tx.get(guid);
      if (!p) throw notFound(ctx, guid);
      if (p.type !== 'Cardholder' && p.type !== 'Visitor') throw invalidOperation(`${guid} is a ${p.type}, not a cardholder.`);
      assignCredential(ctx, asCred(e), p);
    },
  },
  { name: 'Cardholder', get: (e, ctx) => holderSummary(ctx, asCred(e).cardholderGuid) },
  { name: 'Format', get: (e) => formatJson(asCred(e).format) },
  { name: 'UniqueId', get: (e) => (formatJson(asCred(e).format)?.UniqueId as string | undefined) ?? null },
  {
    name: 'BadgeTemplate',
    get: (e) => asCred(e).badgeTemplate ?? EMPTY_GUID,
    set: (e, raw, ctx) => {
      const guid = normalizeGuid(literal(raw));
      if (!guid) throw invalidOperation(`'${literal(raw)}' is not a valid GUID for BadgeTemplate.`);
      if (guid !== EMPTY_GUID && ctx.tx.get(guid)?.type !== 'Badge') throw notFound(ctx, guid);
      asCred(e).badgeTemplate = guid === EMPTY_GUID ? null : guid;
    },
  },
  { name: 'Status', get: (e, ctx) => statusJson(asCred(e), ctx.now) },
  { name: 'State', get: (e, ctx) => derivedState(asCred(e), ctx.now), set: (e, raw) => void (asCred(e).status.state = parseState(raw, STATES)) },
  {
    name: 'ActivationDate',
    get: (e) => isoOut(asCred(e).status.activationDate),
    set: (e, raw) => void (asCred(e).status.activationDate = parseDate(raw, 'ActivationDate')),
  },
  {
    name: 'ExpirationDate',
    get: (e) => isoOut(asCred(e).status.expirationDate),
    set: (e, raw) => void (asCred(e).status.expirationDate = parseDate(raw, 'ExpirationDate')),
  },
  { name: 'ActivationMode', set: (e, raw) => applyActivationMode(asCred(e).status, raw) },
  // Format= is handled by the executor because it runs the duplicate-card check.
];

const groupProps: PropDef[] = [
  { name: 'Members', get: (e, ctx) => encodeCollection((e as { members: string[] }).members, ctx.config) },
  {
    name: 'AccessRules',
    get: (e, ctx) =>
      encodeCollection(
        ctx.store.rulesOf(e.guid).map((r) => r.guid),
        ctx.config,
      ),
  },
];

const ruleProps: PropDef[] = [
  { name: 'Members', get: (e, ctx) => encodeCollection((e as { members: string[] }).members, ctx.config) },
  { name: 'AccessRuleType', get: (e) => (e as { ruleType: string }).ruleType },
];

const systemConfigurationProps: PropDef[] = [
  // [I]: the Platform SDK reads SystemConfiguration.CredentialFormats [C S-DAP]; the Web SDK form is unverified.
  { name: 'CredentialFormats', get: () => ALL_FORMATS.map(formatDefinitionJson) },
];

const PROPS: Record<Entity['type'], Map<string, PropDef>> = {
  Cardholder: index([...common, ...personProps(false)]),
  Visitor: index([...common, ...personProps(true)]),
  Credential: index([...common, ...credentialProps]),
  CardholderGroup: index([...common, ...groupProps]),
  AccessRule: index([...common, ...ruleProps]),
  Badge: index(common),
  SystemConfiguration: index([...common, ...systemConfigurationProps]),
  Partition: index(common),
};

function index(defs: PropDef[]): Map<string, PropDef> {
  const m = new Map<string, PropDef>();
  for (const d of defs) m.set(d.name.toLowerCase(), { ...m.get(d.name.toLowerCase()), ...d });
  return m;
}

export function propDef(e: Entity, name: string): PropDef | undefined {
  return PROPS[e.type].get(name.toLowerCase());
}

/** Reads `A` or `A.B.C`; missing properties fail the whole query [C-obs S-HTP: unknown property → InvalidOperation]. */
export function readPath(e: Entity, path: string[], ctx: Ctx): { keys: string[]; value: unknown } {
  const def = propDef(e, path[0]);
  if (!def?.get) throw invalidOperation(`Could not find property '${path[0]}' on entity type ${e.type}.`);
  let value = def.get(e, ctx);
  const keys = [def.name];
  for (const seg of path.slice(1)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw invalidOperation(`Could not find property '${seg}' of '${keys.join('.')}' on entity type ${e.type}.`);
    }
    const k = Object.keys(value).find((x) => x.toLowerCase() === seg.toLowerCase());
    if (!k) throw invalidOperation(`Could not find property '${seg}' of '${keys.join('.')}' on entity type ${e.type}.`);
    keys.push(k);
    value = (value as Record<string, unknown>)[k];
  }
  return { keys, value };
}

/** Everything `GET entity/{id}` returns; `basic` keeps the base-class properties only. */
export function fullJson(e: Entity, ctx: Ctx, basic = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of basic ? common.filter((d) => !d.notBasic) : PROPS[e.type].values()) if (def.get) out[def.name] = def.get(e, ctx);
  return out;
}

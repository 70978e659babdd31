import type { SimConfig } from './config';
import { BUILT_IN_GUIDS, normalizeGuid } from './constants';
import { cardKey, parseFormatExpression } from './formats';
import { assignCredential, notFound, parseDate, parseLogicalIdRef, propDef, readPath, resolveGuid, type Ctx } from './model';
import { literal, type Clause } from './query-parser';
import { invalidOperation, SdkFailure } from './sdk-failure';
import { emptyStatus, newGuid, type AccessRuleEntity, type CredentialEntity, type Entity, type GroupEntity, type PersonEntity, type Store } from './store';

/**
 * Applies `entity?q=` clauses. The whole request runs in one store transaction: the simulator applies all
 * clauses or none. Whether a real server keeps the clauses before a failing one is [I]; all-or-nothing is
 * the stricter contract and the one a client must not depend on either way.
 */
export function executeEntityQuery(store: Store, config: SimConfig, clauses: Clause[]): Record<string, unknown>[] {
  return store.transaction((tx) => {
    const ctx: Ctx = { store, tx, config, now: store.now() };
    return clauses.map((c) => applyClause(ctx, c));
  });
}

const CREATABLE = new Set(['Cardholder', 'Visitor', 'Credential', 'CardholderGroup', 'AccessRule']);

const VISITOR_RULE_MESSAGE = 'Visitors cannot be granted access rules directly; add the visitor to a cardholder group that has the access rule.';

function applyClause(ctx: Ctx, clause: Clause): Record<string, unknown> {
  return applyTokens(ctx, resolveRef(ctx, clause), clause.tokens);
}

export function applyTokens(ctx: Ctx, e: Entity, tokens: Clause['tokens']): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const t of tokens) {
    switch (t.kind) {
      case 'read': {
        const { keys, value } = readPath(e, t.path, ctx);
        setNested(result, keys, value);
        break;
      }
      case 'set':
        setProperty(ctx, e, t.prop, t.value);
        break;
      case 'add':
        if (t.clear) clearCollection(ctx, e, t.prop);
        for (const item of t.items) addToCollection(ctx, e, t.prop, item);
        break;
      case 'remove':
        for (const item of t.items) removeFromCollection(ctx, e, t.prop, item);
        break;
      case 'clear':
        clearCollection(ctx, e, t.prop);
        break;
      case 'call':
        callMethod(ctx, e, t.target, t.args);
        break;
    }
  }
  return result;
}

function setNested(result: Record<string, unknown>, keys: string[], value: unknown) {
  let obj = result;
  for (const k of keys.slice(0, -1)) {
    const next = obj[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) obj[k] = {};
    obj = obj[k] as Record<string, unknown>;
  }
  obj[keys[keys.length - 1]] = value;
}

function resolveRef(ctx: Ctx, clause: Clause): Entity {
  const ref = clause.ref;
  if (ref.kind === 'guid') {
    const e = ctx.tx.get(ref.guid);
    if (!e) throw notFound(ctx, ref.guid);
    return e;
  }
  if (ref.kind === 'logicalId') {
    const e = ctx.store.byLogicalId(ref.type, ref.id);
    if (!e) throw notFound(ctx, `LogicalId(${ref.type},${ref.id})`);
    return e;
  }
  return create(ctx, ref.type, ref.subType);
}

function create(ctx: Ctx, type: string, subType?: string): Entity {
  return createEntity(ctx, type, newGuid(), subType);
}

export function createEntity(ctx: Ctx, type: string, guid: string, subType?: string): Entity {
  if (!CREATABLE.has(type)) throw new SdkFailure(ctx.config.errorCodes.unsupported, `NewEntity(${type}) is unsupported in simulator.`);
  if (ctx.tx.get(guid)) throw invalidOperation(`An entity with the GUID ${guid} already exists.`);
  // Default name seen on a live server [C-obs S-HTP].
  const base = {
    guid,
    name: `New_${type}_${guid.replace(/-/g, '')}`,
    description: '',
    logicalId: null,
    seq: ctx.store.nextSeq(),
    createdOn: new Date(ctx.now).toISOString(),
  };
  switch (type) {
    case 'Cardholder':
    case 'Visitor':
      return ctx.tx.create<PersonEntity>({
        ...base,
        type,
        firstName: '',
        lastName: '',
        emailAddress: '',
        mobilePhoneNumber: '',
        status: emptyStatus(),
        arrival: null,
        departure: null,
        checkedOut: false,
      });
    case 'Credential':
      return ctx.tx.create<CredentialEntity>({ ...base, type, cardholderGuid: null, format: null, badgeTemplate: null, status: emptyStatus() });
    case 'CardholderGroup':
      return ctx.tx.create<GroupEntity>({ ...base, type, members: [] });
    default: {
      const sub = (subType ?? 'Permanent').toLowerCase();
      if (sub !== 'permanent' && sub !== 'temporary') throw invalidOperation(`Unknown access rule type '${subType}'.`);
      return ctx.tx.create<AccessRuleEntity>({ ...base, type: 'AccessRule', ruleType: sub === 'permanent' ? 'Permanent' : 'Temporary', members: [] });
    }
  }
}

function setProperty(ctx: Ctx, e: Entity, prop: string, raw: string) {
  if (e.type === 'Credential' && prop.toLowerCase() === 'format') return setFormat(ctx, e, raw);
  const def = propDef(e, prop);
  if (!def || (!def.get && !def.set)) throw invalidOperation(`Could not find property '${prop}' on entity type ${e.type}.`);
  // Message recorded from a live server for ActivationDate on a visitor [C-obs S-HTP].
  if (!def.set) throw invalidOperation(`The property ${def.name} has no setter`);
  def.set(ctx.tx.mutable(e), raw, ctx);
}

function setFormat(ctx: Ctx, cred: CredentialEntity, raw: string) {
  const value = parseFormatExpression(raw, ctx.config.errorCodes, { refuseDecoded: ctx.config.refuseDecodedCredentialFormat && !ctx.seeding });
  if (!value) throw invalidOperation(`'${literal(raw)}' is not a credential format expression.`);
  if (ctx.config.rejectDuplicateCards) {
    const key = cardKey(value);
    const other = ctx.store.ofType('Credential').find((c) => c.guid !== cred.guid && c.format && cardKey(c.format) === key);
    if (other) {
      throw new SdkFailure(
        ctx.config.errorCodes.duplicateCredential,
        `A credential with the same format and card data already exists (${other.guid}); duplicate credentials are refused (simulator placeholder code).`,
      );
    }
  }
  ctx.tx.mutable(cred).format = value;
}

const isPerson = (e: Entity): e is PersonEntity => e.type === 'Cardholder' || e.type === 'Visitor';

function collectionOf(e: Entity, prop: string): string {
  const p = prop.toLowerCase();
  const ok =
    (isPerson(e) && ['credentials', 'groups', 'accessrules'].includes(p)) || ((e.type === 'CardholderGroup' || e.type === 'AccessRule') && p === 'members');
  if (!ok) throw invalidOperation(`Could not find collection '${prop}' on entity type ${e.type}.`);
  return p;
}

function alreadyMember(ctx: Ctx, what: string): SdkFailure {
  return new SdkFailure(ctx.config.errorCodes.alreadyMember, `${what} (simulator placeholder code).`);
}

function addToCollection(ctx: Ctx, e: Entity, prop: string, item: string) {
  const coll = collectionOf(e, prop);
  const target = resolveGuid(ctx, item, prop);
  if (isPerson(e)) {
    if (coll === 'credentials') {
      if (target.type !== 'Credential') throw invalidOperation(`${target.guid} is a ${target.type}, not a credential.`);
      return assignCredential(ctx, target, e);
    }
    if (coll === 'groups') {
      if (target.type === 'AccessRule' && e.type === 'Visitor') throw invalidOperation(VISITOR_RULE_MESSAGE);
      if (target.type !== 'CardholderGroup') throw invalidOperation(`${target.guid} is a ${target.type}, not a cardholder group.`);
      return addMember(ctx, target, e);
    }
    if (e.type === 'Visitor') throw invalidOperation(VISITOR_RULE_MESSAGE);
    if (target.type !== 'AccessRule') throw invalidOperation(`${target.guid} is a ${target.type}, not an access rule.`);
    return addMember(ctx, target, e);
  }
  if (e.type === 'CardholderGroup') {
    if (!isPerson(target)) throw invalidOperation(`${target.guid} is a ${target.type}, not a cardholder or visitor.`);
    return addMember(ctx, e, target);
  }
  const rule = e as AccessRuleEntity;
  if (target.type === 'Visitor') throw invalidOperation(VISITOR_RULE_MESSAGE);
  if (target.type !== 'Cardholder' && target.type !== 'CardholderGroup') {
    throw invalidOperation(`${target.guid} is a ${target.type}; access rules apply to cardholders and cardholder groups.`);
  }
  addMember(ctx, rule, target);
}

/** Adding a membership that exists fails [C-obs S-BULAC comment]. */
function addMember(ctx: Ctx, container: GroupEntity | AccessRuleEntity, member: Entity) {
  if (container.members.includes(member.guid)) {
    throw alreadyMember(ctx, `${member.guid} is already a member of ${container.type} ${container.guid}`);
  }
  ctx.tx.mutable(container).members.push(member.guid);
}

/** Removing something that is not there is a no-op [I]. */
function removeMember(ctx: Ctx, container: GroupEntity | AccessRuleEntity, guid: string) {
  if (!container.members.includes(guid)) return;
  const c = ctx.tx.mutable(container);
  c.members = c.members.filter((m) => m !== guid);
}

function removeFromCollection(ctx: Ctx, e: Entity, prop: string, item: string) {
  const coll = collectionOf(e, prop);
  const logical = parseLogicalIdRef(literal(item));
  // Removing something absent is a no-op, so an unknown logical ID is too.
  const guid = logical ? (ctx.store.byLogicalId(logical.type, logical.id)?.guid ?? null) : normalizeGuid(literal(item));
  if (logical && !guid) return;
  if (!guid) throw invalidOperation(`'${literal(item)}' is not a valid GUID or LogicalId(Type,N) for ${prop}.`);
  if (isPerson(e)) {
    if (coll === 'credentials') {
      const c = ctx.tx.get(guid);
      if (c?.type === 'Credential' && c.cardholderGuid === e.guid) ctx.tx.mutable(c).cardholderGuid = null;
      return;
    }
    const container = ctx.tx.get(guid);
    if (container && (container.type === 'CardholderGroup' || container.type === 'AccessRule')) removeMember(ctx, container, e.guid);
    return;
  }
  removeMember(ctx, e as GroupEntity | AccessRuleEntity, guid);
}

function clearCollection(ctx: Ctx, e: Entity, prop: string) {
  const coll = collectionOf(e, prop);
  if (!isPerson(e)) {
    ctx.tx.mutable(e as GroupEntity | AccessRuleEntity).members = [];
    return;
  }
  if (coll === 'credentials') for (const c of ctx.store.credentialsOf(e.guid)) ctx.tx.mutable(c).cardholderGuid = null;
  else if (coll === 'groups') for (const g of ctx.store.groupsOf(e.guid)) removeMember(ctx, g, e.guid);
  else for (const r of ctx.store.rulesOf(e.guid)) removeMember(ctx, r, e.guid);
}

function callMethod(ctx: Ctx, e: Entity, target: string[], args: string[]) {
  const name = target.join('.').toLowerCase();
  const arity = (min: number, max: number) => {
    if (args.length < min || args.length > max) throw invalidOperation(`${target.join('.')} takes ${min === max ? min : `${min} to ${max}`} argument(s).`);
  };
  const noMethod = () => invalidOperation(`Could not find method '${target.join('.')}' on entity type ${e.type}.`);
  switch (name) {
    case 'status.activate': {
      if (!isPerson(e) && e.type !== 'Credential') throw noMethod();
      arity(0, 2);
      const m = ctx.tx.mutable(e);
      const a = args[0] ? parseDate(args[0], 'the activation date') : undefined;
      const b = args[1] ? parseDate(args[1], 'the expiration date') : undefined;
      m.status.state = 'Active';
      if (m.type === 'Visitor') {
        m.checkedOut = false;
        if (a) m.arrival = a;
        if (b) m.departure = b;
      } else {
        if (a) m.status.activationDate = a;
        if (b) m.status.expirationDate = b;
      }
      return;
    }
    case 'status.deactivate': {
      if (!isPerson(e) && e.type !== 'Credential') throw noMethod();
      arity(0, 1);
      const m = ctx.tx.mutable(e);
      if (!args[0]) m.status.state = 'Inactive';
      else if (m.type === 'Visitor') m.departure = parseDate(args[0], 'the deactivation date');
      else m.status.expirationDate = parseDate(args[0], 'the deactivation date');
      return;
    }
    case 'addcardholderintogroup':
    case 'removecardholderfromgroup': {
      if (e.type !== 'CardholderGroup') throw noMethod();
      arity(1, 1);
      const p = resolveGuid(ctx, args[0], target[0]);
      if (!isPerson(p)) throw invalidOperation(`${p.guid} is a ${p.type}, not a cardholder or visitor.`);
      if (name === 'addcardholderintogroup') addMember(ctx, e, p);
      else removeMember(ctx, e, p.guid);
      return;
    }
    case 'checkout': {
      // [I]: the Platform SDK has visitor.Checkout() [C S-DAP]; the Web SDK spelling is unverified.
      if (e.type !== 'Visitor') throw noMethod();
      arity(0, 0);
      const v = ctx.tx.mutable(e);
      v.checkedOut = true;
      v.status.state = 'Inactive';
      const nowIso = new Date(ctx.now).toISOString();
      if (!v.departure || Date.parse(v.departure) > ctx.now) v.departure = nowIso;
      for (const c of ctx.store.credentialsOf(v.guid)) ctx.tx.mutable(c).cardholderGuid = null;
      return;
    }
    case 'insertintopartition': {
      arity(1, 1);
      const p = resolveGuid(ctx, args[0], 'InsertIntoPartition');
      if (p.type !== 'Partition') throw invalidOperation(`${p.guid} is a ${p.type}, not a partition.`);
      return;
    }
    default:
      throw noMethod();
  }
}

/** `DELETE entity/{id}`: removes the entity and every link to it. */
export function deleteEntity(store: Store, config: SimConfig, rawId: string) {
  store.transaction((tx) => {
    const ctx: Ctx = { store, tx, config, now: store.now() };
    const e = resolveIdRef(ctx, rawId);
    if (BUILT_IN_GUIDS.has(e.guid)) throw invalidOperation(`The built-in entity ${e.guid} cannot be deleted.`);
    if (isPerson(e)) {
      for (const c of store.credentialsOf(e.guid)) tx.mutable(c).cardholderGuid = null;
    }
    for (const container of [...store.ofType('CardholderGroup'), ...store.ofType('AccessRule')]) {
      removeMember(ctx, container, e.guid);
    }
    tx.delete(e);
  });
}

/** `{id}` of `entity/{id}`: a GUID or LogicalId(Type,N) [C S-STUDIO, S-LQ]. */
export function resolveIdRef(ctx: Ctx, rawId: string): Entity {
  const guid = normalizeGuid(rawId);
  if (guid) {
    const e = ctx.tx.get(guid);
    if (!e) throw notFound(ctx, guid);
    return e;
  }
  const m = /^LogicalId\(\s*([A-Za-z]+)\s*,\s*(\d+)\s*\)$/i.exec(rawId.trim());
  if (m) {
    const e = ctx.store.all().find((x) => x.type.toLowerCase() === m[1].toLowerCase() && x.logicalId === Number(m[2]));
    if (!e) throw notFound(ctx, rawId);
    return e;
  }
  throw invalidOperation(`'${rawId}' is not a GUID or LogicalId(Type,N).`);
}

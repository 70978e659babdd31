import crypto from 'node:crypto';
import {
  ALL_CARDHOLDERS_GROUP_GUID,
  ALL_OPEN_RULE_GUID,
  LOCKDOWN_RULE_GUID,
  ROOT_PARTITION_GUID,
  SYSTEM_CONFIGURATION_GUID,
  VISITORS_GROUP_GUID,
} from './constants';
import { STANDARD_26_BIT, wiegandValue, type CredentialFormatValue } from './formats';
import { PLACEHOLDER_ERROR_CODES } from './sdk-failure';

/**
 * The simulator's entity store. Links have one source of truth each (a credential's holder lives on the
 * credential, group membership on the group, access-rule membership on the rule), so deleting an entity
 * cleans every link by construction and the derived collections can never disagree.
 */
export type StoredState = 'Active' | 'Inactive' | 'Expired' | 'Lost' | 'Stolen' | 'Requested';

export interface StatusData {
  state: StoredState;
  activationDate: string | null;
  expirationDate: string | null;
  /** RelativeDeactivation(d.hh:mm:ss): counted from first use, which the simulator never sees. */
  expirationDuration: string | null;
}

interface Base {
  guid: string;
  name: string;
  description: string;
  logicalId: number | null;
  /** Order of creation: the tie-breaker of report ordering, stable across rollbacks. */
  seq: number;
  /** When NewEntity created it (ISO); seeded entities have none and report SEEDED_ON. */
  createdOn?: string;
}

export interface PersonEntity extends Base {
  type: 'Cardholder' | 'Visitor';
  firstName: string;
  lastName: string;
  emailAddress: string;
  mobilePhoneNumber: string;
  status: StatusData;
  /** Visitors only: the visit window; it replaces ActivationDate/ExpirationDate [C-obs S-HTP]. */
  arrival: string | null;
  departure: string | null;
  checkedOut: boolean;
}

export interface CredentialEntity extends Base {
  type: 'Credential';
  cardholderGuid: string | null;
  format: CredentialFormatValue | null;
  badgeTemplate: string | null;
  status: StatusData;
}

export interface GroupEntity extends Base {
  type: 'CardholderGroup';
  members: string[];
}

export interface AccessRuleEntity extends Base {
  type: 'AccessRule';
  ruleType: 'Permanent' | 'Temporary';
  /** Cardholders and cardholder groups the rule applies to; never visitors [C S-TECH]. */
  members: string[];
}

export interface PlainEntity extends Base {
  type: 'Badge' | 'SystemConfiguration' | 'Partition';
}

export type Entity = PersonEntity | CredentialEntity | GroupEntity | AccessRuleEntity | PlainEntity;

export const newGuid = (): string => crypto.randomUUID();

export function emptyStatus(): StatusData {
  return { state: 'Active', activationDate: null, expirationDate: null, expirationDuration: null };
}

/** Undo log of one request, so a multi-clause query applies all or nothing. */
export class Transaction {
  private undo = new Map<string, Entity | null>();
  private seqBefore: number;
  constructor(private store: Store) {
    this.seqBefore = store.seq;
  }
  get(guid: string): Entity | undefined {
    return this.store.entities.get(guid);
  }
  /** The entity, ready to mutate: its pre-request version is kept for rollback. */
  mutable<T extends Entity>(e: T): T {
    if (!this.undo.has(e.guid)) this.undo.set(e.guid, structuredClone(e));
    return e;
  }
  create<T extends Entity>(e: T): T {
    if (!this.undo.has(e.guid)) this.undo.set(e.guid, null);
    this.store.entities.set(e.guid, e);
    return e;
  }
  delete(e: Entity) {
    this.mutable(e);
    this.store.entities.delete(e.guid);
  }
  rollback() {
    for (const [guid, before] of this.undo) {
      if (before) this.store.entities.set(guid, before);
      else this.store.entities.delete(guid);
    }
    this.store.seq = this.seqBefore;
    this.undo.clear();
  }
}

export class Store {
  entities = new Map<string, Entity>();
  seq = 0;
  clockOffsetMs = 0;

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Runs `fn` in a transaction: any exception rolls every change back before it propagates. */
  transaction<T>(fn: (tx: Transaction) => T): T {
    const tx = new Transaction(this);
    try {
      return fn(tx);
    } catch (e) {
      tx.rollback();
      throw e;
    }
  }

  /** Creation order (Map insertion order); reports impose their own ordering. */
  all(): Entity[] {
    return [...this.entities.values()];
  }

  ofType<T extends Entity['type']>(type: T): Extract<Entity, { type: T }>[] {
    return this.all().filter((e) => e.type === type) as Extract<Entity, { type: T }>[];
  }

  credentialsOf(personGuid: string): CredentialEntity[] {
    return this.ofType('Credential').filter((c) => c.cardholderGuid === personGuid);
  }

  groupsOf(personGuid: string): GroupEntity[] {
    return this.ofType('CardholderGroup').filter((g) => g.members.includes(personGuid));
  }

  rulesOf(memberGuid: string): AccessRuleEntity[] {
    return this.ofType('AccessRule').filter((r) => r.members.includes(memberGuid));
  }

  byLogicalId(type: string, id: number): Entity | undefined {
    return this.all().find((e) => e.type === type && e.logicalId === id);
  }
}

/** Deterministic GUIDs for seed entities, so docs and tests can name them. */
export const SEED = {
  systemConfiguration: SYSTEM_CONFIGURATION_GUID,
  rootPartition: ROOT_PARTITION_GUID,
  groups: {
    allCardholders: ALL_CARDHOLDERS_GROUP_GUID,
    visitors: VISITORS_GROUP_GUID,
    lobbyVisitors: '5eed0000-0000-4000-8000-000000000101',
    floor3Visitors: '5eed0000-0000-4000-8000-000000000102',
    dataCentreEscort: '5eed0000-0000-4000-8000-000000000103',
  },
  accessRules: {
    allOpen: ALL_OPEN_RULE_GUID,
    lockdown: LOCKDOWN_RULE_GUID,
    lobbyDoors: '5eed0000-0000-4000-8000-000000000201',
    floor3Doors: '5eed0000-0000-4000-8000-000000000202',
  },
  badgeTemplates: { visitor: '5eed0000-0000-4000-8000-000000000301' },
  cardholders: { existing: '5eed0000-0000-4000-8000-000000000401' },
  credentials: {
    /** Standard 26-bit, facility 0, card 1500, held by the existing cardholder and active. */
    assigned: '5eed0000-0000-4000-8000-000000000501',
    /** Standard 26-bit, facility 0, card 1600, held by nobody. */
    unassigned: '5eed0000-0000-4000-8000-000000000502',
  },
  assignedCard: { facility: 0, card: 1500 },
  unassignedCard: { facility: 0, card: 1600 },
  tenantGroupCount: 30,
} as const;

/** GUID of the n-th (1-based) "Tenant group NN". */
export const tenantGroupGuid = (n: number) => `5eed0000-0000-4000-8000-${(0x1000 + n).toString(16).padStart(12, '0')}`;

function base(store: Store, guid: string, name: string, logicalId: number | null = null): Base {
  return { guid, name, description: '', logicalId, seq: store.nextSeq() };
}

export function seedStore(store: Store, opts: { tenantGroups?: number } = {}) {
  store.entities.clear();
  store.seq = 0;
  const put = (e: Entity) => store.entities.set(e.guid, e);
  const plain = (type: PlainEntity['type'], guid: string, name: string) => put({ ...base(store, guid, name), type });
  const group = (guid: string, name: string, members: string[] = [], description = '') =>
    put({ ...base(store, guid, name), description, type: 'CardholderGroup', members });
  const rule = (guid: string, name: string, members: string[], description = '') =>
    put({ ...base(store, guid, name), description, type: 'AccessRule', ruleType: 'Permanent', members });

  plain('SystemConfiguration', SEED.systemConfiguration, 'System configuration');
  plain('Partition', SEED.rootPartition, 'Root partition');
  const existing = SEED.cardholders.existing;
  group(SEED.groups.allCardholders, 'All cardholders', [existing]);
  group(SEED.groups.visitors, 'Visitors');
  group(SEED.groups.lobbyVisitors, 'Lobby visitors', [], 'Front desk doors during business hours');
  group(SEED.groups.floor3Visitors, 'Floor 3 visitors', [], 'Lifts and floor 3 meeting rooms');
  group(SEED.groups.dataCentreEscort, 'Data centre escort', [], 'Escorted access to the data centre');
  const tenants = opts.tenantGroups ?? SEED.tenantGroupCount;
  for (let n = 1; n <= tenants; n++) group(tenantGroupGuid(n), `Tenant group ${String(n).padStart(2, '0')}`);

  rule(SEED.accessRules.allOpen, 'All open rule', []);
  rule(SEED.accessRules.lockdown, 'Lockdown rule', []);
  rule(SEED.accessRules.lobbyDoors, 'Lobby doors', [SEED.groups.lobbyVisitors, SEED.groups.visitors]);
  rule(SEED.accessRules.floor3Doors, 'Floor 3 doors', [SEED.groups.floor3Visitors]);
  plain('Badge', SEED.badgeTemplates.visitor, 'Visitor badge template');

  const person: PersonEntity = {
    ...base(store, existing, 'Alex Example', 1),
    type: 'Cardholder',
    firstName: 'Alex',
    lastName: 'Example',
    emailAddress: 'alex.example@example.com',
    mobilePhoneNumber: '',
    status: emptyStatus(),
    arrival: null,
    departure: null,
    checkedOut: false,
  };
  put(person);
  const cred = (guid: string, name: string, holder: string | null, card: { facility: number; card: number }) =>
    put({
      ...base(store, guid, name),
      type: 'Credential',
      cardholderGuid: holder,
      format: wiegandValue(STANDARD_26_BIT, card.facility, card.card, PLACEHOLDER_ERROR_CODES),
      badgeTemplate: null,
      status: emptyStatus(),
    });
  cred(SEED.credentials.assigned, 'Alex Example card 1500', existing, SEED.assignedCard);
  cred(SEED.credentials.unassigned, 'Spare card 1600', null, SEED.unassignedCard);
}

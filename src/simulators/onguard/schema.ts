import type { ValueKind } from './filter';

/**
 * The Lnl_* types the simulator serves, with each type's canonical property casing as real servers emit
 * it (docs/pacs/onguard-openaccess.md §2.3: UPPERCASE for badges, cardholders and visitors; `ID`/`Name` for access levels, badge
 * types and statuses; `AccessLevelID`/`BadgeKey` for assignments). Requests may use any casing.
 */
export interface PropDef {
  name: string;
  kind: ValueKind;
  /** Part of the key used by PUT and DELETE. */
  key?: boolean;
  /** Assigned by the server on create; a value sent by the client is ignored. */
  assigned?: boolean;
  required?: boolean;
  maxLength?: number;
  /** Exists only in this simulator (badge-ID allocation, docs/pacs/onguard-openaccess.md §3.4 [U]); hidden when the server is told to behave like a real one. */
  simulatorOnly?: boolean;
}

export interface TypeDef {
  name: TypeName;
  displayName: string;
  props: PropDef[];
  /** POST/PUT/DELETE through /instances; the reference types are seeded through /__sim instead [I]. */
  writable: boolean;
  /** PUT allowed (assignments cannot be modified, S2 harness: 405 [C-weak]). */
  updatable: boolean;
  /** Sites add user-defined fields to people (S8); unknown properties are stored instead of refused. */
  userFields: boolean;
}

export const TYPE_NAMES = [
  'Lnl_Visitor',
  'Lnl_Cardholder',
  'Lnl_Badge',
  'Lnl_BadgeType',
  'Lnl_BadgeStatus',
  'Lnl_AccessLevel',
  'Lnl_AccessLevelAssignment',
] as const;
export type TypeName = (typeof TYPE_NAMES)[number];

const s = (name: string, maxLength?: number): PropDef => ({ name, kind: 'string', maxLength });
const i = (name: string): PropDef => ({ name, kind: 'int' });
const d = (name: string): PropDef => ({ name, kind: 'datetime' });
const b = (name: string): PropDef => ({ name, kind: 'bool' });

const personProps = (): PropDef[] => [
  { name: 'ID', kind: 'int', key: true, assigned: true },
  s('FIRSTNAME', 64),
  { name: 'LASTNAME', kind: 'string', required: true, maxLength: 64 },
  s('MIDNAME', 64),
  s('EMAIL', 255),
  s('SSNO', 64),
  s('ADDR1', 128),
  s('CITY', 64),
  s('STATE', 64),
  s('ZIP', 32),
  s('PHONE', 32),
  s('OPHONE', 32),
  s('EXT', 16),
  { name: 'LASTCHANGED', kind: 'datetime', assigned: true },
];

export const TYPES: Record<TypeName, TypeDef> = {
  Lnl_Visitor: {
    name: 'Lnl_Visitor',
    displayName: 'Visitor',
    // TITLE on a visitor is text [C-weak: S3/S4 read and write it as a title]; on a cardholder it is an ID.
    props: [...personProps(), s('TITLE', 64), s('ORGANIZATION', 64)],
    writable: true,
    updatable: true,
    userFields: true,
  },
  Lnl_Cardholder: {
    name: 'Lnl_Cardholder',
    displayName: 'Cardholder',
    props: [
      ...personProps(),
      d('BDATE'),
      i('BUILDING'),
      i('DEPT'),
      i('DIVISION'),
      i('LOCATION'),
      // An ID into the titles list, 0 for none [C: a real Lnl_Cardholder capture, S7].
      i('TITLE'),
      s('FLOOR', 32),
      b('ALLOWEDVISITORS'),
    ],
    writable: true,
    updatable: true,
    userFields: true,
  },
  Lnl_Badge: {
    name: 'Lnl_Badge',
    displayName: 'Badge',
    props: [
      { name: 'BADGEKEY', kind: 'int', key: true, assigned: true },
      { name: 'ID', kind: 'int64', required: true },
      { name: 'PERSONID', kind: 'int', required: true },
      { name: 'TYPE', kind: 'int', required: true },
      i('STATUS'),
      d('ACTIVATE'),
      d('DEACTIVATE'),
      i('ISSUECODE'),
      i('USELIMIT'),
      s('PIN', 16),
      b('APBEXEMPT'),
      b('DEST_EXEMPT'),
      b('DEADBOLT_OVERRIDE'),
      b('EXTEND_STRIKE_HELD'),
      b('PASSAGE_MODE'),
      // An integer, 0 or null in a real Lnl_Badge capture (S7), not a boolean.
      i('EMBOSSED'),
      i('PRINTS'),
      d('LASTPRINT'),
      { name: 'LASTCHANGED', kind: 'datetime', assigned: true },
    ],
    writable: true,
    updatable: true,
    userFields: false,
  },
  Lnl_BadgeType: {
    name: 'Lnl_BadgeType',
    displayName: 'Badge Type',
    props: [
      { name: 'ID', kind: 'int', key: true },
      s('Name', 64),
      i('BADGETYPECLASS'),
      i('DEFAULTACCESSGROUP'),
      b('ISDISPOSABLE'),
      i('SEGMENTID'),
      b('USEMOBILECREDENTIAL'),
      { name: 'SIM_MANUAL_ENTRY', kind: 'bool', simulatorOnly: true },
      { name: 'SIM_MIN_ID', kind: 'int64', simulatorOnly: true },
      { name: 'SIM_MAX_ID', kind: 'int64', simulatorOnly: true },
    ],
    writable: false,
    updatable: false,
    userFields: false,
  },
  Lnl_BadgeStatus: {
    name: 'Lnl_BadgeStatus',
    displayName: 'Badge Status',
    props: [{ name: 'ID', kind: 'int', key: true }, s('Name', 64)],
    writable: false,
    updatable: false,
    userFields: false,
  },
  Lnl_AccessLevel: {
    name: 'Lnl_AccessLevel',
    displayName: 'Access Level',
    props: [
      { name: 'ID', kind: 'int', key: true },
      s('Name', 64),
      i('SegmentID'),
      b('HasCommandAuthority'),
      b('DownloadToIntelligentReaders'),
      b('FirstCardUnlock'),
    ],
    writable: false,
    updatable: false,
    userFields: false,
  },
  Lnl_AccessLevelAssignment: {
    name: 'Lnl_AccessLevelAssignment',
    displayName: 'Access Level Assignment',
    props: [
      { name: 'AccessLevelID', kind: 'int', key: true, required: true },
      { name: 'BadgeKey', kind: 'int', key: true, required: true },
      d('Activate'),
      d('Deactivate'),
    ],
    writable: true,
    updatable: false,
    userFields: false,
  },
};

const TYPE_BY_LOWER = new Map(TYPE_NAMES.map((n) => [n.toLowerCase(), TYPES[n]]));

/** Type names are case-insensitive on real servers (S7 requests `lnl_badge`). */
export function findType(name: unknown): TypeDef | undefined {
  return typeof name === 'string' ? TYPE_BY_LOWER.get(name.trim().toLowerCase()) : undefined;
}

const propIndex = new Map<TypeName, Map<string, PropDef>>(TYPE_NAMES.map((n) => [n, new Map(TYPES[n].props.map((p) => [p.name.toLowerCase(), p]))]));

export function findProp(type: TypeDef, name: string): PropDef | undefined {
  return propIndex.get(type.name)!.get(name.toLowerCase());
}

export const keyProps = (type: TypeDef) => type.props.filter((p) => p.key);

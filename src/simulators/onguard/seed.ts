import type { RowValue } from './filter';
import type { TypeName } from './schema';

/**
 * The data a fresh simulator starts with. It is shaped for the product's flows: enough access levels to
 * need two pages at page_size 100, the badge statuses sites usually have, visitor-class manual-entry badge
 * types with ID ranges next to an automatic one, and people already holding badges so the provisioning
 * checks ("badge already assigned", "visitor already holds a badge") can be exercised by hand.
 */
export type Row = Record<string, RowValue>;

export interface SimUser {
  userName: string;
  password: string;
  /** Directory the account lives in; "id-1" is the internal directory (S7). */
  directoryId: string;
  userId: number;
  /** Lacks the add/modify permissions of the seed guide's permission list: writes get 403. */
  readOnly: boolean;
}

export interface Directory {
  ID: string;
  Name: string;
  directory_type: number;
}

/** GET /settings/cardholder fields (S1 CardholderOptions); values are simulator defaults [I]. */
export interface CardholderSettings {
  max_active_badges: number;
  max_badge_id_length: number;
  max_accesslevels_per_badge_standard: number;
  max_accesslevels_per_badge_temporary: number;
  max_accesslevels_per_badge_total: number;
  activate_deactivate_dates_use_time: boolean;
  temporary_accesslevel_granularity: number;
}

export interface VisitSettings {
  default_visitor_badge_type_id: number;
  default_visitor_badge_type_name: string;
}

export interface SeedState {
  rows: Record<TypeName, Row[]>;
  users: SimUser[];
  directories: Directory[];
  cardholderSettings: CardholderSettings;
  visitSettings: VisitSettings;
}

export const ACTIVE_STATUS_ID = 1;
export const INACTIVE_STATUS_ID = 2;

/** Named so docs and tests refer to the same numbers. */
export const SEED = {
  accessLevelCount: 130,
  badgeTypes: { employee: 1, visitor: 2, contractorVisitor: 3, temporary: 4 },
  visitorRange: { min: 1000, max: 1999 },
  contractorRange: { min: 5000, max: 5999 },
  /** Active Visitor-type badge held by cardholder 1: "badge already assigned to a cardholder". */
  takenVisitorBadgeId: 1500,
  /** Inactive badge of cardholder 2 inside the visitor range: IDs stay unique whatever the status. */
  inactiveVisitorBadgeId: 1700,
  /** Visitor 3 already holds this active badge: "visitor already holds a badge". */
  visitorWithBadge: { personId: 3, email: 'victor.visitor@example.com', badgeId: 5001 },
  /** On no badge at all, inside the visitor range. */
  freeVisitorBadgeId: 1234,
  firstPersonId: 4,
  firstBadgeKey: 13001,
} as const;

const ACCESS_LEVEL_NAMES = [
  'Main entrance',
  'Lobby turnstiles',
  'Visitor floor 1',
  'Visitor floor 2',
  'Meeting rooms',
  'Car park',
  'Canteen',
  'Server room',
  'Warehouse',
  'Roof',
];

export function seedState(credentials: { username: string; password: string }, nowIso: string): SeedState {
  const accessLevels: Row[] = [];
  for (let id = 1; id <= SEED.accessLevelCount; id++) {
    accessLevels.push({
      ID: id,
      Name: ACCESS_LEVEL_NAMES[id - 1] ?? `Access level ${String(id).padStart(3, '0')}`,
      SegmentID: 0,
      HasCommandAuthority: false,
      DownloadToIntelligentReaders: true,
      FirstCardUnlock: false,
    });
  }
  const bt = SEED.badgeTypes;
  const badgeType = (ID: number, Name: string, cls: number, manual: boolean, range: { min: number; max: number } | null): Row => ({
    ID,
    Name,
    BADGETYPECLASS: cls,
    DEFAULTACCESSGROUP: 0,
    ISDISPOSABLE: cls === 3,
    SEGMENTID: 0,
    USEMOBILECREDENTIAL: false,
    SIM_MANUAL_ENTRY: manual,
    SIM_MIN_ID: range?.min ?? null,
    SIM_MAX_ID: range?.max ?? null,
  });
  const person = (ID: number, FIRSTNAME: string, LASTNAME: string, EMAIL: string, extra: Row = {}): Row => ({
    ID,
    FIRSTNAME,
    LASTNAME,
    MIDNAME: null,
    EMAIL,
    SSNO: null,
    TITLE: null,
    ADDR1: null,
    CITY: null,
    STATE: null,
    ZIP: null,
    PHONE: null,
    OPHONE: null,
    EXT: null,
    LASTCHANGED: nowIso,
    ...extra,
  });
  const badge = (BADGEKEY: number, ID: number, PERSONID: number, TYPE: number, STATUS: number): Row => ({
    ...emptyBadge(),
    BADGEKEY,
    ID,
    PERSONID,
    TYPE,
    STATUS,
    ACTIVATE: nowIso,
    LASTCHANGED: nowIso,
  });
  const cardholderExtra: Row = { BDATE: null, BUILDING: 0, DEPT: 0, DIVISION: 0, LOCATION: 0, FLOOR: null, ALLOWEDVISITORS: true };

  return {
    rows: {
      Lnl_AccessLevel: accessLevels,
      Lnl_BadgeStatus: [
        { ID: ACTIVE_STATUS_ID, Name: 'Active' },
        { ID: INACTIVE_STATUS_ID, Name: 'Inactive' },
        { ID: 3, Name: 'Returned' },
        { ID: 4, Name: 'Lost' },
      ],
      Lnl_BadgeType: [
        badgeType(bt.employee, 'Employee', 1, false, null),
        badgeType(bt.visitor, 'Visitor', 3, true, SEED.visitorRange),
        badgeType(bt.contractorVisitor, 'Contractor visitor', 3, true, SEED.contractorRange),
        badgeType(bt.temporary, 'Temporary', 2, true, null),
      ],
      Lnl_Cardholder: [
        person(1, 'Ada', 'Lovelace', 'ada.lovelace@example.com', cardholderExtra),
        person(2, 'Grace', 'Hopper', 'grace.hopper@example.com', cardholderExtra),
      ],
      Lnl_Visitor: [person(SEED.visitorWithBadge.personId, 'Victor', 'Visitor', SEED.visitorWithBadge.email, { ORGANIZATION: 'Acme Contractors' })],
      Lnl_Badge: [
        badge(13000, SEED.takenVisitorBadgeId, 1, bt.visitor, ACTIVE_STATUS_ID),
        badge(12999, 100001, 2, bt.employee, ACTIVE_STATUS_ID),
        badge(12998, SEED.inactiveVisitorBadgeId, 2, bt.visitor, INACTIVE_STATUS_ID),
        badge(12997, SEED.visitorWithBadge.badgeId, SEED.visitorWithBadge.personId, bt.contractorVisitor, ACTIVE_STATUS_ID),
      ],
      Lnl_AccessLevelAssignment: [
        { AccessLevelID: 1, BadgeKey: 13000, Activate: null, Deactivate: null },
        { AccessLevelID: 2, BadgeKey: 13000, Activate: null, Deactivate: null },
        { AccessLevelID: 1, BadgeKey: 12997, Activate: null, Deactivate: null },
      ],
    },
    users: [{ userName: credentials.username, password: credentials.password, directoryId: 'id-1', userId: 1, readOnly: false }],
    // Name is "Name", not the spec's "NAME" (tractionguest 454b23d, S3, S9); ID is a string (S7).
    directories: [
      { ID: 'id-1', Name: '<Internal>', directory_type: 3 },
      { ID: 'id-2', Name: 'CORP.EXAMPLE.COM', directory_type: 1 },
    ],
    cardholderSettings: {
      max_active_badges: 1,
      max_badge_id_length: 10,
      max_accesslevels_per_badge_standard: 32,
      max_accesslevels_per_badge_temporary: 32,
      max_accesslevels_per_badge_total: 64,
      activate_deactivate_dates_use_time: true,
      temporary_accesslevel_granularity: 30,
    },
    visitSettings: { default_visitor_badge_type_id: bt.visitor, default_visitor_badge_type_name: 'Visitor' },
  };
}

/** Create defaults of a badge (docs/pacs/onguard-openaccess.md §3.3: STATUS 1, ISSUECODE 0, the rest null or false). */
export function emptyBadge(): Row {
  return {
    BADGEKEY: null,
    ID: null,
    PERSONID: null,
    TYPE: null,
    STATUS: ACTIVE_STATUS_ID,
    ACTIVATE: null,
    DEACTIVATE: null,
    ISSUECODE: 0,
    USELIMIT: null,
    PIN: null,
    APBEXEMPT: false,
    DEST_EXEMPT: false,
    DEADBOLT_OVERRIDE: false,
    EXTEND_STRIKE_HELD: false,
    PASSAGE_MODE: false,
    EMBOSSED: 0,
    PRINTS: 0,
    LASTPRINT: null,
    LASTCHANGED: null,
  };
}

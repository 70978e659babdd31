/**
 * Constant GUIDs of built-in Security Center entities [C S-WIKI web-sdk-constants] and the entity-type
 * vocabulary of the simulator. Entity-type names are matched case-insensitively because real clients send
 * e.g. `Cardholdergroup` and `LogicalId(door, 1)` [C-obs S-BULAC, S-STUDIO].
 */
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
export const SYSTEM_CONFIGURATION_GUID = '00000000-0000-0000-0000-000000000007';
export const ALL_CARDHOLDERS_GROUP_GUID = '00000000-0000-0000-0000-000000000008';
export const LOCKDOWN_RULE_GUID = '00000000-0000-0000-0000-000000000009';
export const ALL_OPEN_RULE_GUID = '00000000-0000-0000-0000-00000000000a';
export const ROOT_PARTITION_GUID = '00000000-0000-0000-0000-00000000000b';
export const VISITORS_GROUP_GUID = '00000000-0000-0000-0000-00000000000d';

export const BUILT_IN_GUIDS: ReadonlySet<string> = new Set([
  SYSTEM_CONFIGURATION_GUID,
  ALL_CARDHOLDERS_GROUP_GUID,
  LOCKDOWN_RULE_GUID,
  ALL_OPEN_RULE_GUID,
  ROOT_PARTITION_GUID,
  VISITORS_GROUP_GUID,
]);

export const STORED_ENTITY_TYPES = [
  'Cardholder',
  'Visitor',
  'Credential',
  'CardholderGroup',
  'AccessRule',
  'Badge',
  'SystemConfiguration',
  'Partition',
] as const;
export type EntityType = (typeof STORED_ENTITY_TYPES)[number];

/** Types a report may name although the simulator stores none of them: they simply match nothing. */
const OTHER_KNOWN_TYPES = ['Door', 'Area', 'Camera', 'Unit', 'Schedule', 'User', 'UserGroup', 'Alarm', 'Zone', 'Elevator', 'CustomEntity', 'Role', 'Server'];

const CANONICAL = new Map<string, string>([...STORED_ENTITY_TYPES, ...OTHER_KNOWN_TYPES].map((t) => [t.toLowerCase(), t]));

export function canonicalEntityType(name: string): string | undefined {
  return CANONICAL.get(name.trim().toLowerCase());
}

const DASHED = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;
const PLAIN = /^\{?([0-9a-f]{32})\}?$/i;

/** Accepts dashed, 32-hex and braced GUIDs [C S-STUDIO, S-BULAC, S-VRFID]; returns the dashed lower-case form. */
export function normalizeGuid(s: string): string | undefined {
  const t = s.trim();
  const d = DASHED.exec(t);
  if (d) return d.slice(1, 6).join('-').toLowerCase();
  const p = PLAIN.exec(t);
  if (p) {
    const h = p[1].toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return undefined;
}

/**
 * Case-insensitive reads of OpenAccess property maps. Casing differs per type and per server version
 * (`BadgeKey` vs `BADGEKEY`, `Name` vs `NAME`, docs/pacs/onguard-openaccess.md §2.3), and numbers sometimes arrive as strings.
 */
export type PropertyMap = Record<string, unknown>;

export function prop(map: PropertyMap | undefined, name: string): unknown {
  if (!map) return undefined;
  if (name in map) return map[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(map)) if (k.toLowerCase() === lower) return map[k];
  return undefined;
}

/** An integer property as decimal digits (IDs may exceed 2^53 and arrive as strings), or null. */
export function idOf(map: PropertyMap | undefined, name: string): string | null {
  const v = prop(map, name);
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return v.trim().replace(/^(-?)0+(?=\d)/, '$1');
  return null;
}

export function textOf(map: PropertyMap | undefined, name: string): string | null {
  const v = prop(map, name);
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

export function boolOf(map: PropertyMap | undefined, name: string): boolean | null {
  const v = prop(map, name);
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string' && /^(true|false|1|0)$/i.test(v.trim())) return /^(true|1)$/i.test(v.trim());
  return null;
}

export function isObject(v: unknown): v is PropertyMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Builds OpenAccess filter strings. Numbers go bare (`BADGEKEY=13239`, S2) and text double-quoted
 * (`email = "foo@bar.com"`, S3); values are checked or quoted here so no caller input can change the
 * meaning of a filter.
 */
export function eqInt(property: string, digits: string): string {
  if (!/^\d+$/.test(digits)) throw new TypeError(`${property} must be digits`);
  return `${property} = ${digits}`;
}

export function eqText(property: string, value: string): string {
  return `${property} = ${quote(value)}`;
}

/** Plain comparisons joined without parentheses, the form real clients use (`ReaderID=8 AND PanelID=9`, S9). */
export function and(...parts: string[]): string {
  return parts.join(' AND ');
}

/**
 * Alternatives joined with OR, also without parentheses: `OR` is in the filter language [C: S3's comment lists
 * `=`, `!=`, `like`, `AND`/`OR`]; a list of `ID = n` alternatives is not seen verbatim [I]. Only for plain
 * comparisons: mixed with AND it would need the parentheses no capture shows.
 */
export function or(...parts: string[]): string {
  return parts.join(' OR ');
}

/**
 * How a quote inside a string is escaped is not documented [U]; the other quote character avoids the
 * question for every realistic value, and backslash escaping is the fallback.
 */
export function quote(value: string): string {
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * JSON for OpenAccess bodies. Badge IDs are int64 on the server (docs/pacs/onguard-openaccess.md §3.3) and our unique IDs are decimal
 * strings that may exceed 2^53, so long integer literals are read as strings and `JsonInt` writes digits
 * unquoted; plain JSON.parse/stringify would silently change the badge number.
 */
export class JsonInt {
  constructor(readonly digits: string) {
    if (!/^-?\d+$/.test(digits)) throw new TypeError('JsonInt needs decimal digits');
  }
}

export function parseJson(text: string): unknown {
  const safe = text.replace(/"(?:[^"\\]|\\.)*"|(?<![\w.+-])-?\d{16,}(?![.eE\d])/g, (m) =>
    m.startsWith('"') || Number.isSafeInteger(Number(m)) ? m : `"${m}"`,
  );
  return JSON.parse(safe);
}

export function toJson(value: unknown): string {
  const ints: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof JsonInt) {
      ints.push(v.digits);
      return `\u0000int:${ints.length - 1}`;
    }
    return v;
  });
  return ints.length === 0 ? text : text.replace(/"\\u0000int:(\d+)"/g, (_m, i: string) => ints[Number(i)]);
}

/** A JSON value for an integer given as decimal digits: a number when exact, raw digits otherwise. */
export function jsonInt(digits: string): number | JsonInt {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : new JsonInt(digits);
}

/**
 * JSON that keeps badge IDs exact. OnGuard badge IDs are int64 (docs/pacs/onguard-openaccess.md §3.3) and JSON.parse silently rounds
 * anything above 2^53, so long integer literals become bigints on the way in and are written back as bare
 * digits on the way out.
 */
const BIG_MARK = '\u0000bigint:';

export function parseJson(text: string): unknown {
  // Strings are matched first so digits inside them are left alone.
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|(?<![\w.+-])-?\d{16,}(?![.eE\d])/g, (m) => (m.startsWith('"') ? m : JSON.stringify(BIG_MARK + m)));
  return JSON.parse(marked, (_k, v) => {
    if (typeof v !== 'string' || !v.startsWith(BIG_MARK)) return v;
    const digits = v.slice(BIG_MARK.length);
    const big = BigInt(digits);
    return Number.isSafeInteger(Number(big)) ? Number(big) : big;
  });
}

export function toJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `${BIG_MARK}${marks.length - 1}`;
  });
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000bigint:(\d+)"/g, (_m, i: string) => marks[Number(i)]);
}

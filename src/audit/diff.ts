/**
 * The change between two versions of a configuration row, for the audit log: `{ field: { from, to } }`
 * for what changed. Secrets (provider passwords, token hashes, webhook secrets: any field whose name says
 * password, secret, token or ciphertext) never enter it: they show as "(set)", "(changed)" or
 * "(removed)" under their plain name ("passwordCiphertext" → "password").
 */
export type Changes = Record<string, { from?: unknown; to?: unknown } | '(set)' | '(changed)' | '(removed)'>;

const SECRET = /password|secret|token|ciphertext|hash/i;
/** Bookkeeping a person did not change (timestamps, refresh outcomes written by workflows). */
const IGNORED = new Set(['createdAt', 'updatedAt', 'lastRefreshAt', 'lastRefreshSuccessAt', 'lastRefreshError', 'refreshStatus']);

const secretName = (key: string) => key.replace(/(Ciphertext|Hash)$/, '') || key;

/** JSON-safe: BigInt as a string, Date as ISO 8601; what the audit row's Json column can hold. */
function plain(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

export function diff(before: Record<string, unknown> | null, after: Record<string, unknown> | null): Changes {
  const out: Changes = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const key of keys) {
    if (IGNORED.has(key) || key === 'id') continue;
    const from = before?.[key];
    const to = after?.[key];
    if (before && after && same(from, to)) continue;
    if (SECRET.test(key)) {
      const name = secretName(key);
      if (!before) {
        if (to !== null && to !== undefined) out[name] = '(set)';
      } else if (!after) {
        if (from !== null && from !== undefined) out[name] = '(removed)';
      } else out[name] = to === null || to === undefined ? '(removed)' : from === null || from === undefined ? '(set)' : '(changed)';
      continue;
    }
    if (!before) {
      if (to !== null && to !== undefined) out[key] = { to: plain(to) };
    } else if (!after) out[key] = { from: plain(from) };
    else out[key] = { from: plain(from), to: plain(to) };
  }
  return out;
}

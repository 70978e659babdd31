import { z } from 'zod';
import { badRequest } from '../errors';
import { unstorable } from './text';

export interface FieldIssue {
  path: string;
  message: string;
}

/** zod issues as `{ path: "visitor.firstName", message }`, the form API clients fix their input from. */
export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  const at = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || '(root)';
  return error.issues.flatMap((i) =>
    // A strict object names its unknown keys in one issue at the object; the client fixes them one by one.
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: at([...i.path, k]), message: 'is not a known field here' }))
      : [{ path: at(i.path), message: i.message }],
  );
}

const join = (prefix: string | undefined, key: string) => (prefix ? `${prefix}.${key}` : key);

/**
 * Every string of the input, keys included, whatever the schema says about it: a field whose schema
 * forgets the text rule (or a JSON value stored as is) must still not carry what PostgreSQL refuses.
 * The body's depth is bounded before parsing (see jsonDepthExceeds), so the recursion is too.
 */
function unstorableStrings(value: unknown, prefix: string | undefined, out: FieldIssue[]): void {
  if (out.length >= 20) return;
  if (typeof value === 'string') {
    const problem = unstorable(value);
    if (problem) out.push({ path: prefix || '(root)', message: problem });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorableStrings(v, join(prefix, String(i)), out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const problem = unstorable(k);
      if (problem) out.push({ path: join(prefix, k.replace(/[\u0000\uD800-\uDFFF]/g, '\uFFFD')), message: `this key ${problem}` });
      else unstorableStrings(v, join(prefix, k), out);
    }
  }
}

function fail(where: string, issues: FieldIssue[]): never {
  throw badRequest(`Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/** Parses request input or throws a 400 naming every invalid field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.infer<S> {
  const prefix = where === 'body' ? undefined : where;
  const early: FieldIssue[] = [];
  unstorableStrings(value, prefix, early);
  if (where === 'query' && value && typeof value === 'object') {
    // `?limit=1&limit=500` arrives as an array; coercion would quietly take one of them.
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') early.push({ path: join(prefix, k), message: 'must be given once, as a single value' });
    }
  }
  if (early.length) fail(where, early);
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  fail(where, fieldIssues(r.error, prefix));
}

export const uuidParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

/**
 * Whether a JSON text nests arrays and objects deeper than `max`. Run on the raw bytes before
 * JSON.parse, so a 5,000-level body costs one linear scan instead of a deep recursion in the parser,
 * the validators and the database driver.
 */
export function jsonDepthExceeds(buf: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

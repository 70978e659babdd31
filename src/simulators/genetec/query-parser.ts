import { canonicalEntityType, normalizeGuid } from './constants';
import { invalidOperation } from './sdk-failure';

/**
 * The Web SDK `q=` language [C-2nd S-GUIDE, used by S-STUDIO and the client codebases]: a comma-separated
 * sequence of tokens where `entity=<ref>` opens a clause and the following tokens apply to it. Commas split
 * only at top level (not inside `(...)` or `{...}`) and never after a `\` escape. Everything here is pure and
 * throws `SdkFailure`, which the routes turn into a Fail envelope: a malformed query must never reach a 500.
 */

export type EntityRef = { kind: 'guid'; guid: string } | { kind: 'logicalId'; type: string; id: number } | { kind: 'new'; type: string; subType?: string };

export type Token =
  | { kind: 'entity'; ref: EntityRef; raw: string }
  | { kind: 'read'; path: string[]; raw: string }
  | { kind: 'set'; prop: string; value: string; raw: string }
  | { kind: 'add'; prop: string; items: string[]; clear: boolean; raw: string }
  | { kind: 'remove'; prop: string; items: string[]; raw: string }
  | { kind: 'clear'; prop: string; raw: string }
  | { kind: 'call'; target: string[]; args: string[]; raw: string };

export interface Clause {
  ref: EntityRef;
  tokens: Exclude<Token, { kind: 'entity' }>[];
}

const MAX_QUERY_LENGTH = 64 * 1024;

/** Splits at `sep` outside brackets and escapes; brackets must balance. Escapes are kept for the caller. */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  const stack: string[] = [];
  let current = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      if (i + 1 >= s.length) throw invalidOperation(`The query ends with a dangling escape character: '${s}'`);
      current += ch + s[i + 1];
      i++;
      continue;
    }
    if (ch === '#') throw invalidOperation(`The character '#' is not allowed in a query: '${s}'`);
    if (ch === '(' || ch === '{') stack.push(ch === '(' ? ')' : '}');
    else if (ch === ')' || ch === '}') {
      if (stack.pop() !== ch) throw invalidOperation(`Unbalanced '${ch}' in '${s}'`);
    } else if (ch === sep && stack.length === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (stack.length) throw invalidOperation(`Missing '${stack[stack.length - 1]}' in '${s}'`);
  parts.push(current);
  return parts;
}

/** Removes `\` escapes: `Hi\, there` is the value `Hi, there` [C S-STUDIO]. */
export function unescapeValue(s: string): string {
  return s.replace(/\\(.)/gs, '$1');
}

/** A literal value: unescaped, with an optional `{...}` value delimiter removed. */
export function literal(raw: string): string {
  const t = raw.trim();
  if (t.startsWith('{') && t.endsWith('}') && closesAtEnd(t, 0)) return unescapeValue(t.slice(1, -1));
  return unescapeValue(t);
}

/** True when the bracket opened at `open` closes at the last character of `s`. */
function closesAtEnd(s: string, open: number): boolean {
  const stack: string[] = [];
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '(' || ch === '{') stack.push(ch === '(' ? ')' : '}');
    else if (ch === ')' || ch === '}') {
      if (stack.pop() !== ch) return false;
      if (stack.length === 0) return i === s.length - 1;
    }
  }
  return false;
}

export interface CallExpr {
  name: string;
  args: string[];
}

/** Parses `Name(arg, arg)` (escapes respected); undefined when `raw` is not a call expression. */
export function parseCall(raw: string): CallExpr | undefined {
  const t = raw.trim();
  const m = /^([A-Za-z_][A-Za-z0-9_.]*)\s*\(/.exec(t);
  if (!m) return undefined;
  const open = m[0].length - 1;
  if (!closesAtEnd(t, open)) return undefined;
  const inner = t.slice(open + 1, -1);
  const args = inner.trim() === '' ? [] : splitTopLevel(inner, ',').map((a) => a.trim());
  return { name: m[1], args };
}

/** `(x)` and `{x}` wrap a collection item [C-2nd S-GUIDE `Members@(x)`]. */
function unwrapItem(raw: string): string {
  const t = raw.trim();
  if ((t.startsWith('(') || t.startsWith('{')) && closesAtEnd(t, 0)) return unwrapItem(t.slice(1, -1));
  return unescapeValue(t);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;

export function parseToken(rawToken: string): Token {
  const raw = rawToken.trim();
  if (raw === '') throw invalidOperation('The query contains an empty token (two commas in a row or a trailing comma).');
  const m = IDENT.exec(raw);
  if (!m) throw invalidOperation(`Could not parse the token '${raw}'`);
  const name = m[0];
  const rest = raw.slice(name.length);
  if (rest === '') return { kind: 'read', path: name.split('.'), raw };
  switch (rest[0]) {
    case '=': {
      const value = rest.slice(1);
      if (name.toLowerCase() === 'entity') return { kind: 'entity', ref: parseEntityRef(value), raw };
      return { kind: 'set', prop: name, value, raw };
    }
    case '@':
      return { kind: 'add', prop: name, items: collectionItems(rest.slice(1), raw), clear: false, raw };
    case '-':
      return { kind: 'remove', prop: name, items: collectionItems(rest.slice(1), raw), raw };
    case '*': {
      if (rest === '*') return { kind: 'clear', prop: name, raw };
      if (rest[1] === '@') return { kind: 'add', prop: name, items: collectionItems(rest.slice(2), raw), clear: true, raw };
      throw invalidOperation(`Could not parse the token '${raw}'`);
    }
    case '(': {
      const call = parseCall(raw);
      if (!call) throw invalidOperation(`Could not parse the method call '${raw}'`);
      return { kind: 'call', target: name.split('.'), args: call.args, raw };
    }
    default:
      throw invalidOperation(`Could not parse the token '${raw}'`);
  }
}

function collectionItems(s: string, raw: string): string[] {
  const items = splitTopLevel(s, '@').map(unwrapItem);
  if (items.some((i) => i === '')) throw invalidOperation(`A collection item is missing in '${raw}'`);
  return items;
}

export function parseEntityRef(rawValue: string): EntityRef {
  const v = rawValue.trim();
  const guid = normalizeGuid(v);
  if (guid) return { kind: 'guid', guid };
  const call = parseCall(v);
  if (call) {
    const fn = call.name.toLowerCase();
    if (fn === 'logicalid' && call.args.length === 2) {
      const type = canonicalEntityType(unescapeValue(call.args[0]));
      const id = Number(call.args[1]);
      if (!type) throw invalidOperation(`Unknown entity type '${call.args[0]}' in '${v}'`);
      if (!Number.isInteger(id) || id < 0) throw invalidOperation(`Invalid logical ID '${call.args[1]}' in '${v}'`);
      return { kind: 'logicalId', type, id };
    }
    if (fn === 'newentity' && (call.args.length === 1 || call.args.length === 2)) {
      const type = canonicalEntityType(unescapeValue(call.args[0]));
      if (!type) throw invalidOperation(`Unknown entity type '${call.args[0]}' in '${v}'`);
      return { kind: 'new', type, subType: call.args[1] ? unescapeValue(call.args[1]) : undefined };
    }
  }
  throw invalidOperation(`Could not parse the entity reference '${v}': expected a GUID, LogicalId(Type,N) or NewEntity(Type)`);
}

export function tokenize(q: string): Token[] {
  if (q.length > MAX_QUERY_LENGTH) throw invalidOperation(`The query is longer than ${MAX_QUERY_LENGTH} characters.`);
  if (q.trim() === '') throw invalidOperation('The query is empty.');
  return splitTopLevel(q, ',').map(parseToken);
}

/** Groups an `entity?q=` expression into clauses; tokens before the first `entity=` are an error. */
export function parseEntityQuery(q: string): Clause[] {
  const clauses: Clause[] = [];
  for (const token of tokenize(q)) {
    if (token.kind === 'entity') clauses.push({ ref: token.ref, tokens: [] });
    else if (!clauses.length) throw invalidOperation(`The query must start with entity=<id>, found '${token.raw}'`);
    else clauses[clauses.length - 1].tokens.push(token);
  }
  return clauses;
}

/** Whether applying the clause could change data (used by the optional POST-only rule). */
export function isMutation(clause: Clause): boolean {
  return clause.ref.kind === 'new' || clause.tokens.some((t) => t.kind !== 'read');
}

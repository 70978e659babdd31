/**
 * The OpenAccess `filter` language: the SQL-like subset real clients use (docs/pacs/onguard-openaccess.md §2.2) — `=`, `!=`, `like`
 * with `%`, `AND`, `OR`, `<`, `>`, double- or single-quoted strings, bare numbers, `null` — plus the cheap
 * extras a WHERE clause would also take (`<>`, `<=`, `>=`, `NOT`, `IS [NOT] NULL`, parentheses, booleans).
 * Every malformed input becomes a FilterError, which the routes turn into a 400 envelope, never a crash.
 *
 * Semantics follow SQL Server, the database behind OnGuard [I]: text compares case-insensitively (default
 * collation) and a comparison against a NULL value is never true, not even `!=`.
 */

export class FilterError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(position === undefined ? message : `${message} (at character ${position + 1})`);
    this.name = 'FilterError';
  }
}

export type Literal = string | number | bigint | boolean | null;
export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'like' | 'not like';

export type FilterNode =
  | { kind: 'compare'; property: string; op: CompareOp; value: Literal; position: number }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode };

type Token =
  | { t: 'ident'; v: string; p: number }
  | { t: 'string'; v: string; p: number }
  | { t: 'number'; v: number | bigint; p: number }
  | { t: 'op'; v: string; p: number }
  | { t: 'lparen' | 'rparen' | 'end'; p: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'is', 'null', 'true', 'false']);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c === '(' ? 'lparen' : 'rparen', p: i });
      i++;
    } else if (c === '"' || c === "'") {
      const start = i;
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterError('Unterminated string', start);
        const ch = src[i];
        if (ch === '\\' && i + 1 < src.length) {
          v += src[i + 1];
          i += 2;
        } else if (ch === c && src[i + 1] === c) {
          // SQL-style doubled quote inside a string.
          v += c;
          i += 2;
        } else if (ch === c) {
          i++;
          break;
        } else {
          v += ch;
          i++;
        }
      }
      out.push({ t: 'string', v, p: start });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i))!;
      const text = m[0];
      let v: number | bigint = Number(text);
      if (!m[1] && !Number.isSafeInteger(v)) v = BigInt(text);
      out.push({ t: 'number', v, p: i });
      i += text.length;
      if (/[A-Za-z_]/.test(src[i] ?? '')) throw new FilterError('Unexpected character after number', i);
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0], p: i });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (two === '!=' || two === '<>' || two === '<=' || two === '>=' || two === '==') {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two === '==' ? '=' : two, p: i });
        i += 2;
      } else if (c === '=' || c === '<' || c === '>') {
        out.push({ t: 'op', v: c, p: i });
        i++;
      } else {
        throw new FilterError(`Unexpected character '${c}'`, i);
      }
    }
  }
  out.push({ t: 'end', p: src.length });
  return out;
}

const isKeyword = (tok: Token, kw: string) => tok.t === 'ident' && tok.v.toLowerCase() === kw;

/** Parses a filter; an empty or blank filter means "everything" and yields null. */
export function parseFilter(src: string): FilterNode | null {
  if (src.trim() === '') return null;
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const next = () => toks[pos++];

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isKeyword(peek(), 'or')) {
      next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    while (isKeyword(peek(), 'and')) {
      next();
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): FilterNode => {
    if (isKeyword(peek(), 'not')) {
      next();
      return { kind: 'not', expr: parseUnary() };
    }
    const tok = peek();
    if (tok.t === 'lparen') {
      next();
      const inner = parseOr();
      const close = next();
      if (close.t !== 'rparen') throw new FilterError("Expected ')'", close.p);
      return inner;
    }
    return parseComparison();
  };
  const parseComparison = (): FilterNode => {
    const prop = next();
    if (prop.t !== 'ident' || KEYWORDS.has(prop.v.toLowerCase())) {
      throw new FilterError('Expected a property name', prop.p);
    }
    const opTok = next();
    if (isKeyword(opTok, 'is')) {
      let op: CompareOp = '=';
      if (isKeyword(peek(), 'not')) {
        next();
        op = '!=';
      }
      const n = next();
      if (!isKeyword(n, 'null')) throw new FilterError('Expected NULL after IS', n.p);
      return { kind: 'compare', property: prop.v, op, value: null, position: prop.p };
    }
    let op: CompareOp;
    if (isKeyword(opTok, 'like')) op = 'like';
    else if (isKeyword(opTok, 'not') && isKeyword(peek(), 'like')) {
      next();
      op = 'not like';
    } else if (opTok.t === 'op') op = opTok.v as CompareOp;
    else throw new FilterError(`Expected an operator after ${prop.v}`, opTok.p);
    const valTok = next();
    let value: Literal;
    if (valTok.t === 'string' || valTok.t === 'number') value = valTok.v;
    else if (isKeyword(valTok, 'null')) value = null;
    else if (isKeyword(valTok, 'true')) value = true;
    else if (isKeyword(valTok, 'false')) value = false;
    else throw new FilterError(`Expected a value after ${prop.v} ${op}`, valTok.p);
    if ((op === 'like' || op === 'not like') && typeof value !== 'string') {
      throw new FilterError('LIKE needs a quoted pattern', valTok.p);
    }
    return { kind: 'compare', property: prop.v, op, value, position: prop.p };
  };

  const tree = parseOr();
  const rest = peek();
  if (rest.t !== 'end') throw new FilterError('Unexpected text after the filter', rest.p);
  return tree;
}

export type ValueKind = 'int' | 'int64' | 'string' | 'datetime' | 'bool';
export type RowValue = string | number | bigint | boolean | null | undefined;

/** A filter bound to one type: property names resolved to canonical casing, literals to the property kind. */
export type CompiledFilter = (row: Record<string, RowValue>) => boolean;

export interface FilterContext {
  /** Canonical name and kind of a property, or null when the type has no such property. */
  resolve(name: string): { name: string; kind: ValueKind } | null;
  parseDate(text: string): number | null;
}

export function compileFilter(node: FilterNode | null, ctx: FilterContext): CompiledFilter {
  if (!node) return () => true;
  switch (node.kind) {
    case 'and': {
      const l = compileFilter(node.left, ctx);
      const r = compileFilter(node.right, ctx);
      return (row) => l(row) && r(row);
    }
    case 'or': {
      const l = compileFilter(node.left, ctx);
      const r = compileFilter(node.right, ctx);
      return (row) => l(row) || r(row);
    }
    case 'not': {
      const e = compileFilter(node.expr, ctx);
      return (row) => !e(row);
    }
    case 'compare':
      return compileCompare(node, ctx);
  }
}

function compileCompare(node: Extract<FilterNode, { kind: 'compare' }>, ctx: FilterContext): CompiledFilter {
  const prop = ctx.resolve(node.property);
  if (!prop) throw new FilterError(`Unknown property ${node.property}`, node.position);
  const { name, kind } = prop;
  const { op } = node;

  if (node.value === null) {
    if (op !== '=' && op !== '!=') throw new FilterError(`Only = and != compare with null`, node.position);
    return op === '=' ? (row) => row[name] == null : (row) => row[name] != null;
  }

  if (op === 'like' || op === 'not like') {
    const re = likeToRegExp(node.value as string);
    const want = op === 'like';
    return (row) => row[name] != null && re.test(String(row[name])) === want;
  }

  const key = toComparable(node.value, kind, ctx, node.position);
  return (row) => {
    const raw = row[name];
    if (raw == null) return false;
    const have = toComparable(raw, kind, ctx);
    if (have === undefined) return false;
    return compare(have, key, op);
  };
}

type Comparable = number | bigint | string;

function toComparable(v: Literal | RowValue, kind: ValueKind, ctx: FilterContext, position?: number): Comparable {
  const fail = (): never => {
    throw new FilterError(`${JSON.stringify(typeof v === 'bigint' ? String(v) : v)} is not a valid ${kind} value`, position);
  };
  switch (kind) {
    case 'int':
    case 'int64': {
      if (typeof v === 'number' || typeof v === 'bigint') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      // Numeric IDs quoted as strings are accepted (S9 sends ID="1944").
      if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : BigInt(v.trim());
      }
      return fail();
    }
    case 'bool': {
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v === 0 || v === 1) return v;
      if (typeof v === 'string' && /^(true|false|0|1)$/i.test(v)) return /^(true|1)$/i.test(v) ? 1 : 0;
      return fail();
    }
    case 'datetime': {
      const t = typeof v === 'string' ? ctx.parseDate(v) : null;
      return t ?? fail();
    }
    case 'string':
      return String(v).toLowerCase();
  }
}

function compare(a: Comparable, b: Comparable, op: CompareOp): boolean {
  // Mixed number/bigint comparisons are exact in JS; strings only meet strings here.
  const lt = a < b;
  const gt = a > b;
  switch (op) {
    case '=':
      return !lt && !gt;
    case '!=':
      return lt || gt;
    case '<':
      return lt;
    case '>':
      return gt;
    case '<=':
      return !gt;
    case '>=':
      return !lt;
    default:
      return false;
  }
}

export function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/**
 * The four answer serialisations of the Web SDK, chosen per request by `Accept` [C S-STUDIO
 * WebSdkStudioWindow.xaml lists text/json, text/xml, application/xml, application/jsonrequest]. A real
 * server without `Accept: text/json` does not refuse the request: it answers in the old XML [C-2nd S-GUIDE,
 * consistent with S-BULAC, which sends no Accept and parses XML], so the simulator does the same instead of
 * answering 406. `text/json` is the one our client uses and the one modelled in full; the other three carry
 * the same data in the envelope shapes the evidence records, and their inner layout is [I] where noted.
 */
export type Serialisation = 'json' | 'xml' | 'legacyXml' | 'legacyJson';

/** What produced the answer: the old formats place results differently for each. */
export type AnswerKind = 'ping' | 'query' | 'entity' | 'report';

export interface Answer {
  ok: boolean;
  /** The text/json `Result`: data when ok, `{SdkErrorCode, Message}` when not. */
  result?: unknown;
  kind: AnswerKind;
}

export function serialisationFor(accept: string | undefined): Serialisation {
  const types = (accept ?? '').split(',').map((p) => p.split(';')[0].trim().toLowerCase());
  if (types.includes('text/json')) return 'json';
  if (types.includes('text/xml')) return 'xml';
  if (types.includes('application/jsonrequest')) return 'legacyJson';
  // No Accept, application/xml, and types the server does not know: its default, the old XML
  // [C-2nd S-GUIDE for a missing header; I for unknown types].
  return 'legacyXml';
}

export function contentTypeOf(s: Serialisation): string {
  // Real Content-Type values are undocumented [I]; clients must not rely on them.
  return s === 'json' || s === 'legacyJson' ? 'text/json; charset=utf-8' : 'text/xml; charset=utf-8';
}

export function render(s: Serialisation, a: Answer): string {
  const status = a.ok ? 'Ok' : 'Fail';
  switch (s) {
    case 'json':
      return JSON.stringify({ Rsp: a.result === undefined ? { Status: status } : { Status: status, Result: a.result } });
    case 'xml': {
      // <WebSdk><Rsp><Status>…</Status><Result>…</Result></Rsp></WebSdk> [C-2nd S-GUIDE; C S-STUDIO events parser].
      const rsp: XmlNode[] = [{ name: 'Status', text: status }];
      if (a.result !== undefined) rsp.push(fromJson('Result', a.result));
      return xml({ name: 'WebSdk', children: [{ name: 'Rsp', children: rsp }] });
    }
    case 'legacyJson':
      return JSON.stringify({ rsp: { status: status.toLowerCase(), ...legacyJson(a) } });
    case 'legacyXml':
      return xml({ name: 'rsp', attrs: { status: status.toLowerCase() }, children: legacyXml(a) });
  }
}

/*
 * The old serialisations [C S-BULAC, S-LQ]: a failure is `error{code,message}`; an `entity?q=` read puts each
 * value straight under `rsp` by its last name (S-BULAC reads `Cardholder.Guid` as `Guid` and a creation's GUID
 * as `rsp.Guid`; S-LQ reads `rsp.Guid`); `entity/{id}` nests the object under `entity` (S-LQ); a report is
 * `QueryResult/Row/Cell` with the value as the cell's text (S-BULAC, S-LQ). Several clauses in one request,
 * and the whole of the old JSON beyond the envelope and `Guid`/`entity`/`error`, are [I].
 */

function failureOf(a: Answer) {
  const r = (a.result ?? {}) as { SdkErrorCode?: string; Message?: string };
  return { code: r.SdkErrorCode ?? '', message: r.Message ?? '' };
}

function legacyJson(a: Answer): Record<string, unknown> {
  if (!a.ok) return { error: failureOf(a) };
  if (a.result === undefined) return {};
  if (a.kind === 'entity') return { entity: a.result };
  if (a.kind === 'report' && Array.isArray(a.result)) {
    return { QueryResult: { Row: a.result.map((row) => ({ Cell: cellsOf(row).map(([name, content]) => ({ name, content })) })) } };
  }
  if (Array.isArray(a.result)) return { item: a.result.map((r) => flattenLeaves(r)) };
  return flattenLeaves(a.result);
}

function legacyXml(a: Answer): XmlNode[] {
  if (!a.ok) {
    const f = failureOf(a);
    return [
      {
        name: 'error',
        children: [
          { name: 'code', text: f.code },
          { name: 'message', text: f.message },
        ],
      },
    ];
  }
  if (a.result === undefined) return [];
  if (a.kind === 'entity') return [fromJson('entity', a.result)];
  if (a.kind === 'report' && Array.isArray(a.result)) {
    // A header row naming the columns, then one row per result; each cell carries its column in a `name`
    // attribute and the value as text [C-obs S-LQ XML/QueryResponse.cs models exactly this; S-BULAC reads
    // Row/Cell/content]. The header's other fields (its `Type`) are left out [I].
    const columns = a.result.length ? cellsOf(a.result[0]).map(([k]) => k) : ['Guid'];
    const header: XmlNode = { name: 'HeaderRow', children: columns.map((c) => ({ name: 'Cell', children: [{ name: 'HeaderColumnName', text: c }] })) };
    const row = (r: unknown): XmlNode => ({
      name: 'Row',
      children: cellsOf(r).map(([name, v]) => ({ name: 'Cell', attrs: { name }, text: v === null ? '' : String(v) })),
    });
    return [{ name: 'QueryResult', children: [header, ...a.result.map(row)] }];
  }
  if (Array.isArray(a.result)) return a.result.map((r) => fromJson('item', flattenLeaves(r)));
  return Object.entries(flattenLeaves(a.result)).map(([k, v]) => fromJson(k, v));
}

const cellsOf = (row: unknown) => Object.entries((row ?? {}) as Record<string, unknown>);

function flattenLeaves(v: unknown, out: Record<string, unknown> = {}): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) flattenLeaves(x, out);
    else out[k] = x;
  }
  return out;
}

interface XmlNode {
  name: string;
  attrs?: Record<string, string>;
  text?: string;
  children?: XmlNode[];
}

/** A JSON value as an element: objects become child elements, arrays `<item>` children [C S-LQ `{item:[…]}`]. */
function fromJson(name: string, v: unknown): XmlNode {
  if (Array.isArray(v)) return { name, children: v.map((x) => fromJson('item', x)) };
  if (v !== null && typeof v === 'object') return { name, children: Object.entries(v).map(([k, x]) => fromJson(k, x)) };
  return v === null || v === undefined ? { name } : { name, text: String(v) };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function xml(n: XmlNode): string {
  const attrs = Object.entries(n.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (n.text === undefined && n.children === undefined) return `<${n.name}${attrs} />`;
  return `<${n.name}${attrs}>${n.text !== undefined ? escapeXml(n.text) : (n.children ?? []).map(xml).join('')}</${n.name}>`;
}

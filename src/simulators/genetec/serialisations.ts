/**
 * The four answer serialisations of the Web SDK, chosen per request by `Accept` [C S-STUDIO
 * WebSdkStudioWindow.xaml lists text/json, text/xml, application/xml, application/jsonrequest]. A real
 * server without `Accept: text/json` does not refuse the request: it answers in the old XML [C-2nd S-GUIDE,
 * consistent with S-BULAC, which sends no Accept and parses XML], so the simulator does the same instead of
 * answering 406. `text/json` is the one our client uses and the one modelled in full; the other three carry
 * the same data in the envelope shapes the evidence records, and their inner layout is [I] where noted.
 */
export type Serialisation = 'json' | 'xml' | 'legacyXml' | 'legacyJson';

/** What produced the answer: the legacy formats place results differently for each. */
export type AnswerKind = 'ping' | 'query' | 'entity' | 'report';

export interface Answer {
  ok: boolean;
  result?: unknown;
  kind: AnswerKind;
}

export function serialisationFor(accept: string | undefined): Serialisation {
  const types = (accept ?? '').split(',').map((p) => p.split(';')[0].trim().toLowerCase());
  if (types.includes('text/json')) return 'json';
  if (types.includes('text/xml')) return 'xml';
  if (types.includes('application/jsonrequest')) return 'legacyJson';
  // No Accept, application/xml, and anything the server does not know: its default, the old XML [C-2nd S-GUIDE; I for unknown types].
  return 'legacyXml';
}

export function contentTypeOf(s: Serialisation): string {
  // Real Content-Type values are undocumented [I]; clients must not rely on them.
  return s === 'json' || s === 'legacyJson' ? 'text/json; charset=utf-8' : 'text/xml; charset=utf-8';
}

export function render(s: Serialisation, a: Answer): string {
  switch (s) {
    case 'json':
      return JSON.stringify({ Rsp: a.result === undefined ? { Status: a.ok ? 'Ok' : 'Fail' } : { Status: a.ok ? 'Ok' : 'Fail', Result: a.result } });
    case 'xml':
      // <WebSdk><Rsp><Status>…</Status><Result>…</Result></Rsp></WebSdk> [C-2nd S-GUIDE; C S-STUDIO events parser].
      return `<WebSdk><Rsp><Status>${a.ok ? 'Ok' : 'Fail'}</Status>${a.result === undefined ? '' : element('Result', a.result)}</Rsp></WebSdk>`;
    case 'legacyJson':
      return JSON.stringify({ rsp: { status: a.ok ? 'ok' : 'fail', ...legacyBody(a, 'json') } });
    case 'legacyXml': {
      const body = legacyBody(a, 'xml');
      return `<rsp status="${a.ok ? 'ok' : 'fail'}">${Object.entries(body).map(([k, v]) => element(k, v)).join('')}</rsp>`;
    }
  }
}

/**
 * Children of the old `rsp` element / object [C S-BULAC, S-LQ]: a failure is `error{code,message}`; an
 * `entity?q=` read puts each value straight under `rsp` by its last name (S-BULAC reads `Cardholder.Guid` as
 * `Guid`, and a creation's `Guid` as `rsp.Guid`); `entity/{id}` nests the object under `entity` (S-LQ);
 * reports are `QueryResult/Row/Cell` (S-BULAC reads the GUID as the cell's text). Several clauses in one
 * request, and the cell's attribute name, are [I].
 */
function legacyBody(a: Answer, target: 'json' | 'xml'): Record<string, unknown> {
  if (!a.ok) {
    const r = (a.result ?? {}) as { SdkErrorCode?: string; Message?: string };
    return { error: { code: r.SdkErrorCode ?? '', message: r.Message ?? '' } };
  }
  if (a.result === undefined) return {};
  if (a.kind === 'entity') return { entity: a.result };
  if (a.kind === 'report' && Array.isArray(a.result)) {
    const cell = ([name, v]: [string, unknown]) => (target === 'xml' ? { [ATTR]: { Name: name }, [TEXT]: v } : { Name: name, content: v });
    const row = (r: unknown) => ({ Cell: Object.entries(r as Record<string, unknown>).map(cell) });
    return { QueryResult: { Row: a.result.map(row) } };
  }
  if (Array.isArray(a.result)) return { item: a.result.map((r) => flattenLeaves(r)) };
  return flattenLeaves(a.result);
}

function flattenLeaves(v: unknown, out: Record<string, unknown> = {}): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) flattenLeaves(x, out);
    else out[k] = x;
  }
  return out;
}

const ATTR = '\u0000attr';
const TEXT = '\u0000text';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One XML element; arrays repeat `item` children, as the old serialisation does for collections [C S-LQ]. */
function element(name: string, v: unknown): string {
  if (Array.isArray(v)) {
    // A named repeat (Row, Cell) keeps its name; an anonymous list gets <item> children.
    if (name === 'Row' || name === 'Cell' || name === 'item') return v.map((x) => element(name, x)).join('');
    return `<${name}>${v.map((x) => element('item', x)).join('')}</${name}>`;
  }
  if (v === null || v === undefined) return `<${name} />`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const attrs = o[ATTR] ? Object.entries(o[ATTR] as Record<string, unknown>).map(([k, x]) => ` ${k}="${escapeXml(String(x))}"`).join('') : '';
    if (TEXT in o) return `<${name}${attrs}>${escapeXml(String(o[TEXT] ?? ''))}</${name}>`;
    return `<${name}${attrs}>${Object.entries(o).filter(([k]) => k !== ATTR).map(([k, x]) => element(k, x)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(v))}</${name}>`;
}

import { pacsError } from '../errors';
import { normalizeGuid } from './formats';

/**
 * The `text/json` envelope: `{"Rsp":{"Status":"Ok"|"Fail","Result":…}}` [C S-CAM, S-PHP, S-VRFID, S-HTP].
 * A failure carries `Result.SdkErrorCode` and `Result.Message` [C-obs S-HTP; C-2nd S-GUIDE]. Bodies may start
 * with a UTF-8 BOM [I, S-PHP skips leading bytes], so it is stripped before parsing.
 */
export type Envelope =
  { status: 'Ok'; result: unknown } | { status: 'Fail'; sdkErrorCode: string; message: string } | { status: 'Other'; value: string; result: unknown };

export function stripBom(text: string): string {
  return text.replace(/^\uFEFF/, '');
}

export function parseEnvelope(text: string, where: string): Envelope {
  const body = stripBom(text).trim();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const looksXml = body.startsWith('<');
    throw pacsError(
      'PACS_BAD_RESPONSE',
      `${where} answered HTTP 200 with ${looksXml ? 'XML or HTML' : 'a body that is not JSON'} instead of the Web SDK's text/json. ` +
        'A proxy or login page may be in between, or the server ignored the Accept: text/json header.',
    );
  }
  const o = json as Record<string, unknown> | null;
  const rsp = (o && typeof o === 'object' ? o.Rsp : undefined) as Record<string, unknown> | undefined;
  if (!rsp || typeof rsp !== 'object') {
    // The lower-case `rsp` is the legacy JSON serialisation [C S-LQ, S-BULAC].
    const legacy = o && typeof o === 'object' && 'rsp' in o;
    throw pacsError(
      'PACS_BAD_RESPONSE',
      `${where} answered JSON without the Web SDK envelope "Rsp"${legacy ? ' (it looks like the legacy application/jsonrequest format)' : ''}.`,
    );
  }
  const status = String(rsp.Status ?? '');
  if (status === 'Ok') return { status: 'Ok', result: rsp.Result };
  if (status === 'Fail') {
    const r = (rsp.Result ?? {}) as Record<string, unknown>;
    return {
      status: 'Fail',
      sdkErrorCode: typeof r.SdkErrorCode === 'string' ? r.SdkErrorCode : String(r.SdkErrorCode ?? 'Unknown'),
      message: typeof r.Message === 'string' ? r.Message : 'no message',
    };
  }
  return { status: 'Other', value: status, result: rsp.Result };
}

/** Case-insensitive property access: .NET names are PascalCase but nothing guarantees the casing. */
export function prop(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  if (name in o) return o[name];
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

/** One clause gives an object, several an array [C S-CAM zod union, S-HTP]; absent means no data. */
export function resultList(result: unknown): unknown[] {
  if (result === undefined || result === null) return [];
  return Array.isArray(result) ? result : [result];
}

/**
 * GUID collections: plain strings, `[{Guid}]`, or the legacy `{item:[{Guid}]}` [C S-LQ]; the text/json
 * encoding is unconfirmed [I], so all three are accepted.
 */
export function guidList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : prop(v, 'item') !== undefined ? resultList(prop(v, 'item')) : [v];
  const out: string[] = [];
  for (const it of items) {
    const g = normalizeGuid(typeof it === 'string' ? it : prop(it, 'Guid'));
    if (g) out.push(g);
  }
  return out;
}

/** A nested read may come back as `{"Cardholder":{"Guid":…}}` or as a flat `"Cardholder.Guid"` key [I]. */
export function dotted(obj: unknown, path: string): unknown {
  const flat = prop(obj, path);
  if (flat !== undefined) return flat;
  return path.split('.').reduce<unknown>((o, k) => prop(o, k), obj);
}

/** `Status.State` as a string whether Status is an object or the state itself. */
export function stateOf(v: unknown): string | undefined {
  const s = typeof v === 'string' ? v : prop(v, 'State');
  return typeof s === 'string' ? s : undefined;
}

import { GENETEC_BUILT_IN_FORMATS } from '../../pacs/genetec/format-table';
import { normalizeGuid } from './constants';
import { literal, parseCall, splitTopLevel, unescapeValue } from './query-parser';
import { invalidOperation, SdkFailure, type ErrorCodes } from './sdk-failure';
import { SIM_LAYOUTS, simDecode, simEncode } from './wiegand';

/**
 * Credential formats. The seven built-in ones come from the evidence table the client uses too
 * (src/pacs/genetec/format-table.ts, with its sources); that the Web SDK accepts their expressions as
 * `Format=WiegandStandardCredentialFormat(fc,card)` is [I] (open question 1 in docs/pacs/genetec-websdk.md).
 * The Wiegand codec below (./wiegand.ts) stays the simulator's own.
 */
export interface Range {
  min: number;
  max: number;
}

export interface FormatDef {
  formatId: string;
  name: string;
  bitLength: number;
  type: 'Wiegand' | 'Custom';
  isCustom: boolean;
  facility: Range | null;
  card: Range;
  /** Web SDK expression, e.g. WiegandStandardCredentialFormat(fc,card); custom formats use CustomCredentialFormat. */
  expression?: string;
  /** Custom formats: field names for the facility code and card number. */
  fields?: { facility: string; card: string };
}

export const BUILT_IN_FORMATS: readonly FormatDef[] = GENETEC_BUILT_IN_FORMATS.map((f) => ({
  formatId: f.formatId,
  name: f.name,
  bitLength: f.bitLength,
  type: 'Wiegand' as const,
  isCustom: false,
  facility: f.facility,
  card: f.card,
  expression: f.expression,
}));

/** One site-specific format, as admins define them in Config Tool; its GUID is random in real systems. */
export const CUSTOM_FORMAT: FormatDef = {
  formatId: '5eedf0a7-0000-4000-8000-000000000040',
  name: 'Simulator custom 40-bit',
  bitLength: 40,
  type: 'Custom',
  isCustom: true,
  facility: { min: 0, max: 65_535 },
  card: { min: 0, max: 4_194_303 },
  fields: { facility: 'Facility code', card: 'Card number' },
};

export const ALL_FORMATS: readonly FormatDef[] = [...BUILT_IN_FORMATS, CUSTOM_FORMAT];

export const STANDARD_26_BIT = BUILT_IN_FORMATS[0];

/** The format value stored on a credential. */
export interface CredentialFormatValue {
  kind: 'wiegand' | 'raw' | 'keypad' | 'licensePlate';
  formatId: string | null;
  name: string;
  bitLength: number | null;
  facility: number | null;
  cardId: number | null;
  /** Keypad PIN or licence plate. */
  text: string | null;
  /** Raw Wiegand bits (hex) including parity; [I] except for Standard 26-bit, whose layout is public. */
  rawHex: string | null;
}

export function findFormat(formatId: string): FormatDef | undefined {
  const id = normalizeGuid(formatId);
  return id ? ALL_FORMATS.find((f) => f.formatId === id) : undefined;
}

/** The duplicate-card key: same format and same data means the same physical card. */
export function cardKey(f: CredentialFormatValue): string {
  switch (f.kind) {
    case 'wiegand':
      return `w|${f.formatId}|${f.facility ?? ''}|${f.cardId}`;
    case 'raw':
      return `r|${f.formatId}|${f.bitLength}|${(f.rawHex ?? '').toLowerCase()}`;
    case 'keypad':
      return `k|${f.text}`;
    case 'licensePlate':
      return `p|${(f.text ?? '').toUpperCase()}`;
  }
}

/** "Data and bit length separated by a bar" [C S-LQ CredentialFormat.cs comment]; the data encoding is [I]. */
export function uniqueIdOf(f: CredentialFormatValue): string {
  if (f.kind === 'keypad' || f.kind === 'licensePlate') return f.text ?? '';
  return `${(f.rawHex ?? '').toUpperCase()}|${f.bitLength}`;
}

export function formatJson(f: CredentialFormatValue | null): Record<string, unknown> | null {
  if (!f) return null;
  return {
    Name: f.name,
    FormatId: f.formatId,
    BitLength: f.bitLength,
    Type: f.kind === 'keypad' ? 'Keypad' : f.kind === 'licensePlate' ? 'LicensePlate' : f.kind === 'raw' ? 'Raw' : 'Wiegand',
    FacilityCode: f.facility,
    CardId: f.cardId,
    UniqueId: uniqueIdOf(f),
    RawData: f.rawHex,
    Text: f.text,
  };
}

/** What SystemConfiguration.CredentialFormats returns; shape [C S-LQ CredentialFormat.cs] plus ranges [I]. */
export function formatDefinitionJson(f: FormatDef): Record<string, unknown> {
  return {
    Name: f.name,
    FormatId: f.formatId,
    BitLength: f.bitLength,
    IsCustomFormat: f.isCustom,
    Type: f.type,
    FacilityCodeRange: f.facility ? { Min: f.facility.min, Max: f.facility.max } : null,
    CardIdRange: { Min: f.card.min, Max: f.card.max },
    ...(f.fields ? { Fields: [f.fields.facility, f.fields.card] } : {}),
  };
}

function parseInteger(raw: string, what: string): number {
  const t = unescapeValue(raw).trim();
  if (!/^\d{1,16}$/.test(t)) throw invalidOperation(`Could not parse '${t}' as a ${what}.`);
  return Number(t);
}

function checkRange(def: FormatDef, facility: number | null, card: number, codes: ErrorCodes) {
  if (def.facility && facility !== null && (facility < def.facility.min || facility > def.facility.max)) {
    throw new SdkFailure(
      codes.valueOutOfRange,
      `The facility code ${facility} is out of range for the format ${def.name} (${def.facility.min} to ${def.facility.max}).`,
    );
  }
  if (card < def.card.min || card > def.card.max) {
    throw new SdkFailure(codes.valueOutOfRange, `The card number ${card} is out of range for the format ${def.name} (${def.card.min} to ${def.card.max}).`);
  }
}

export function wiegandValue(def: FormatDef, facility: number | null, card: number, codes: ErrorCodes): CredentialFormatValue {
  checkRange(def, facility, card, codes);
  return {
    kind: 'wiegand',
    formatId: def.formatId,
    name: def.name,
    bitLength: def.bitLength,
    facility: def.facility ? (facility ?? 0) : null,
    cardId: card,
    text: null,
    rawHex: encodeRaw(def, def.facility ? (facility ?? 0) : 0, card),
  };
}

function cardBits(def: FormatDef): number {
  return Math.ceil(Math.log2(def.card.max + 1));
}

/**
 * Raw Wiegand bits (hex) for RawData/UniqueId. Built-in formats use the published layouts (./wiegand.ts,
 * parity included); the simulator's custom format has no published layout, so it gets a leading even and a
 * trailing odd parity bit over each half, which is enough for a unique ID.
 */
export function encodeRaw(def: FormatDef, facility: number, card: number): string {
  const layout = SIM_LAYOUTS[def.formatId];
  if (layout) return simEncode(layout, def.facility ? facility : null, card);
  const cb = BigInt(cardBits(def));
  const dataBits = def.bitLength - 2;
  const data = (BigInt(facility) << cb) | BigInt(card);
  const half = Math.floor(dataBits / 2);
  const bitsOf = (v: bigint, from: number, count: number) => {
    let ones = 0;
    for (let i = from; i < from + count; i++) if ((v >> BigInt(i)) & 1n) ones++;
    return ones;
  };
  const high = bitsOf(data, dataBits - half, half);
  const low = bitsOf(data, 0, dataBits - half);
  const even = BigInt(high % 2);
  const odd = BigInt(low % 2 === 0 ? 1 : 0);
  const all = (even << BigInt(dataBits + 1)) | (data << 1n) | odd;
  return all.toString(16).toUpperCase();
}

/** How a request may spell a credential format; `refuseDecoded` models a server without the decoded form. */
export interface FormatParseOptions {
  /** Refuse `Wiegand…CredentialFormat(fc,card)` (a real server might not know it: evidence [I]). */
  refuseDecoded?: boolean;
}

/**
 * Parses a `Format=` value or a `UniqueIds@` item: the Wiegand constructors, `CustomCredentialFormat(id,{{Field,v},…})`
 * [C-obs S-VRFID], `KeypadCredentialFormat(n)` [C-obs S-VRFID], `LicensePlateCredentialFormat(s)` [C S-STUDIO] and the
 * `<UndecodedWiegand>` XML [C S-BULAC, S-LQ, S-VRFID]. Returns undefined for a bare token (a raw unique ID).
 */
export function parseFormatExpression(raw: string, codes: ErrorCodes, opts: FormatParseOptions = {}): CredentialFormatValue | undefined {
  const t = raw.trim();
  if (/^<UndecodedWiegand>/i.test(unescapeValue(t))) return parseUndecodedWiegand(unescapeValue(t), codes);
  const call = parseCall(t);
  if (!call) return undefined;
  const fn = call.name.toLowerCase();
  const wiegand = BUILT_IN_FORMATS.find((f) => f.expression?.toLowerCase() === fn);
  if (wiegand) {
    if (opts.refuseDecoded) {
      // Worded like the InvalidOperation messages recorded from live servers [C-obs S-HTP]; the real answer is unknown.
      throw invalidOperation(`Could not parse the credential format '${call.name}': use the UndecodedWiegand form.`);
    }
    const arity = wiegand.facility ? 2 : 1;
    if (call.args.length !== arity) {
      throw invalidOperation(`${call.name} expects ${arity === 2 ? '(facility code, card number)' : '(card number)'}, got '${t}'.`);
    }
    const facility = arity === 2 ? parseInteger(call.args[0], 'facility code') : null;
    const card = parseInteger(call.args[arity - 1], 'card number');
    return wiegandValue(wiegand, facility, card, codes);
  }
  switch (fn) {
    case 'customcredentialformat':
      return parseCustom(call.args, t, codes);
    case 'keypadcredentialformat': {
      const pin = literal(call.args[0] ?? '');
      if (call.args.length !== 1 || !/^\d{1,16}$/.test(pin)) throw invalidOperation(`A keypad code is 1 to 16 digits, got '${t}'.`);
      return { kind: 'keypad', formatId: null, name: 'Keypad', bitLength: null, facility: null, cardId: null, text: pin, rawHex: null };
    }
    case 'licenseplatecredentialformat': {
      const plate = literal(call.args[0] ?? '');
      if (call.args.length !== 1 || plate === '') throw invalidOperation(`A licence plate is required, got '${t}'.`);
      return { kind: 'licensePlate', formatId: null, name: 'License plate', bitLength: null, facility: null, cardId: null, text: plate, rawHex: null };
    }
    default:
      throw new SdkFailure(codes.unsupported, `The credential format expression '${call.name}' is unsupported in simulator.`);
  }
}

function parseCustom(args: string[], t: string, codes: ErrorCodes): CredentialFormatValue {
  const def = args[0] ? findFormat(unescapeValue(args[0])) : undefined;
  if (!def || !def.fields) throw invalidOperation(`Unknown custom credential format in '${t}'.`);
  const values = new Map<string, string>();
  const body = (args[1] ?? '').trim();
  const inner = body.startsWith('{') && body.endsWith('}') ? body.slice(1, -1) : body;
  for (const pair of inner.trim() === '' ? [] : splitTopLevel(inner, ',')) {
    const p = pair.trim().replace(/^\{/, '').replace(/\}$/, '');
    const [k, v] = splitTopLevel(p, ',').map((x) => unescapeValue(x).trim());
    if (k === undefined || v === undefined) throw invalidOperation(`Could not parse the field '${pair}' in '${t}'.`);
    values.set(k.toLowerCase(), v);
  }
  const fc = values.get(def.fields.facility.toLowerCase());
  const card = values.get(def.fields.card.toLowerCase());
  if (fc === undefined || card === undefined) {
    throw invalidOperation(`The format ${def.name} needs the fields '${def.fields.facility}' and '${def.fields.card}'.`);
  }
  return wiegandValue(def, parseInteger(fc, 'facility code'), parseInteger(card, 'card number'), codes);
}

function parseUndecodedWiegand(xml: string, codes: ErrorCodes): CredentialFormatValue {
  const tag = (name: string) => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`, 'i').exec(xml)?.[1];
  const bitLength = Number(tag('BitLength'));
  const formatId = normalizeGuid(tag('FormatType') ?? '');
  const raw = (tag('Raw') ?? '').replace(/^0x/i, '');
  if (!Number.isInteger(bitLength) || bitLength <= 0 || !formatId || !/^[0-9a-f]+$/i.test(raw)) {
    throw invalidOperation('Could not parse the UndecodedWiegand value: BitLength, FormatType and Raw (hex) are required.');
  }
  const def = findFormat(formatId);
  const layout = def ? SIM_LAYOUTS[def.formatId] : undefined;
  if (def && layout) {
    // A built-in format: decode the bits, check parity, and store the same credential as the numeric form.
    const decoded = simDecode(layout, raw, bitLength);
    if (!decoded.ok) throw invalidOperation(`The UndecodedWiegand value is not a valid ${def.name} card: ${decoded.reason}.`);
    return wiegandValue(def, decoded.facility, decoded.card, codes);
  }
  return {
    kind: 'raw',
    formatId,
    name: def?.name ?? 'Raw card',
    bitLength,
    facility: null,
    cardId: null,
    text: null,
    rawHex: raw.toUpperCase(),
  };
}

import { pacsError } from '../errors';
import { GENETEC_BUILT_IN_FORMATS } from './format-table';

/**
 * The client's Wiegand encoder for the `<UndecodedWiegand>` credential form [C S-BULAC, S-LQ, S-VRFID]: the
 * caller computes the raw bits, parity included, and sends them as hex in `<Raw>`.
 *
 * Layouts are the published HID ones. Bit positions are 1-based in transmission order (bit 1 is sent first
 * and is the most significant bit of the raw value):
 * - Standard 26-bit H10301: 1 even parity over 2–13 · 2–9 facility (8) · 10–25 card (16) · 26 odd parity over 14–25.
 * - H10306 34-bit: 1 even over 2–17 · 2–17 facility (16) · 18–33 card (16) · 34 odd over 18–33.
 * - H10304 37-bit: 1 even over 2–19 · 2–17 facility (16) · 18–36 card (19) · 37 odd over 19–36.
 * - H10302 37-bit: 1 even over 2–19 · 2–36 card (35) · 37 odd over 19–36.
 * - Corporate 1000 35-bit: 2 even over {3–34 except every third bit from 5} · 3–14 company (12) · 15–34 card (20)
 *   · 35 odd over {2–33 except every third bit from 4} · 1 odd over 2–35 (computed last).
 * - Corporate 1000 48-bit: 2 even over {3–47 except multiples of 3} · 3–24 company (22) · 25–47 card (23)
 *   · 48 odd over {3–46 except every third bit from 5} · 1 odd over 2–48 (computed last).
 * - CSN 32-bit: the 32 bits of the serial number, no parity [I: no published Wiegand layout; Genetec lists it].
 *
 * The raw value is written as upper-case hex, left-padded with zeros to 32 digits as S-BULAC does.
 *
 * This codec is deliberately independent of the simulator's (src/simulators/genetec/wiegand.ts): a codec
 * shared by client and simulator would agree with itself and could not catch its own bugs.
 */
export type WiegandLayoutKey = 'H10301' | 'H10306' | 'H10304' | 'H10302' | 'C1K35' | 'C1K48' | 'CSN32';

interface Field {
  from: number;
  bits: number;
}

interface Parity {
  at: number;
  kind: 'even' | 'odd';
  /** Positions covered (not including `at`). */
  over: number[];
}

interface Layout {
  bitLength: number;
  facility: Field | null;
  card: Field;
  /** In the order they must be computed (a later parity bit may cover an earlier one). */
  parity: Parity[];
}

const span = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export const WIEGAND_LAYOUTS: Record<WiegandLayoutKey, Layout> = {
  H10301: {
    bitLength: 26,
    facility: { from: 2, bits: 8 },
    card: { from: 10, bits: 16 },
    parity: [
      { at: 1, kind: 'even', over: span(2, 13) },
      { at: 26, kind: 'odd', over: span(14, 25) },
    ],
  },
  H10306: {
    bitLength: 34,
    facility: { from: 2, bits: 16 },
    card: { from: 18, bits: 16 },
    parity: [
      { at: 1, kind: 'even', over: span(2, 17) },
      { at: 34, kind: 'odd', over: span(18, 33) },
    ],
  },
  H10304: {
    bitLength: 37,
    facility: { from: 2, bits: 16 },
    card: { from: 18, bits: 19 },
    parity: [
      { at: 1, kind: 'even', over: span(2, 19) },
      { at: 37, kind: 'odd', over: span(19, 36) },
    ],
  },
  H10302: {
    bitLength: 37,
    facility: null,
    card: { from: 2, bits: 35 },
    parity: [
      { at: 1, kind: 'even', over: span(2, 19) },
      { at: 37, kind: 'odd', over: span(19, 36) },
    ],
  },
  C1K35: {
    bitLength: 35,
    facility: { from: 3, bits: 12 },
    card: { from: 15, bits: 20 },
    parity: [
      { at: 2, kind: 'even', over: span(3, 34).filter((p) => p % 3 !== 2) },
      { at: 35, kind: 'odd', over: span(2, 33).filter((p) => p % 3 !== 1) },
      { at: 1, kind: 'odd', over: span(2, 35) },
    ],
  },
  C1K48: {
    bitLength: 48,
    facility: { from: 3, bits: 22 },
    card: { from: 25, bits: 23 },
    parity: [
      { at: 2, kind: 'even', over: span(3, 47).filter((p) => p % 3 !== 0) },
      { at: 48, kind: 'odd', over: span(3, 46).filter((p) => p % 3 !== 2) },
      { at: 1, kind: 'odd', over: span(2, 48) },
    ],
  },
  CSN32: { bitLength: 32, facility: null, card: { from: 1, bits: 32 }, parity: [] },
};

/** Built-in Genetec format IDs → layout, from the shared evidence table. */
const LAYOUT_BY_FORMAT_ID: Record<string, WiegandLayoutKey> = Object.fromEntries(GENETEC_BUILT_IN_FORMATS.map((f) => [f.formatId, f.layout]));

export const layoutOfFormatId = (formatId: string): WiegandLayoutKey | undefined => LAYOUT_BY_FORMAT_ID[formatId.toLowerCase()];

/** The raw Wiegand bits (parity included) as a bigint; bit position p sits at value bit (bitLength - p). */
export function wiegandBits(key: WiegandLayoutKey, facility: bigint, card: bigint): bigint {
  const l = WIEGAND_LAYOUTS[key];
  const shift = (p: number) => BigInt(l.bitLength - p);
  const put = (v: bigint, f: Field, value: bigint, what: string): bigint => {
    if (value < 0n || value >= 1n << BigInt(f.bits)) {
      throw pacsError('PACS_VALIDATION', `The ${what} ${value} does not fit the ${f.bits} bits of the ${key} layout.`);
    }
    // The field's last position holds its least significant bit.
    return v | (value << shift(f.from + f.bits - 1));
  };
  let v = 0n;
  if (l.facility) v = put(v, l.facility, facility, 'facility code');
  v = put(v, l.card, card, 'card number');
  for (const p of l.parity) {
    let ones = 0;
    for (const q of p.over) if ((v >> shift(q)) & 1n) ones++;
    const bit = p.kind === 'even' ? ones % 2 : (ones + 1) % 2;
    if (bit) v |= 1n << shift(p.at);
  }
  return v;
}

/** Raw hex as sent in `<Raw>`: upper case, zero-padded to 32 digits [C-obs S-BULAC pads to 32]. */
export function wiegandRawHex(key: WiegandLayoutKey, facility: bigint, card: bigint): string {
  return wiegandBits(key, facility, card).toString(16).toUpperCase().padStart(32, '0');
}

/** `<UndecodedWiegand><BitLength>N</BitLength><FormatType>{guid}</FormatType><Raw>hex</Raw></UndecodedWiegand>`. */
export function undecodedWiegandXml(formatId: string, key: WiegandLayoutKey, facility: bigint, card: bigint): string {
  const l = WIEGAND_LAYOUTS[key];
  return `<UndecodedWiegand><BitLength>${l.bitLength}</BitLength><FormatType>${formatId.toLowerCase()}</FormatType><Raw>${wiegandRawHex(key, facility, card)}</Raw></UndecodedWiegand>`;
}

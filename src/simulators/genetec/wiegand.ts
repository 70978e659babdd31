/**
 * The simulator's own Wiegand codec, used to decode `<UndecodedWiegand>` values [C S-BULAC, S-LQ, S-VRFID] and
 * to fill RawData on credentials created from numbers.
 *
 * It is written separately from the client's encoder (src/pacs/genetec/wiegand.ts) on purpose, working on a
 * '0'/'1' string instead of bigint masks: if both sides shared one codec, a wrong bit position or parity span
 * would be wrong the same way on both and every test would still pass. Both are checked against test vectors
 * written by hand from the published layouts.
 *
 * Each layout is written as a pattern string, one character per bit in transmission order:
 *   E/O = even/odd parity bit, F = facility (company) code bit, C = card number bit,
 * with the parity groups listed as 1-based position ranges (a group includes its own parity bit, so a valid
 * message has an even number of ones in an E group and an odd number in an O group).
 */
export interface SimLayout {
  name: string;
  pattern: string;
  /** [parity bit position, ...positions checked together with it]. */
  groups: Array<{ parityAt: number; kind: 'E' | 'O'; covers: (pos: number) => boolean }>;
}

const between = (a: number, b: number) => (p: number) => p >= a && p <= b;

export const SIM_LAYOUTS: Record<string, SimLayout> = {
  // Standard 26-bit (H10301)
  '00000000-0000-0000-0000-000000000200': {
    name: 'H10301',
    pattern: 'E' + 'F'.repeat(8) + 'C'.repeat(16) + 'O',
    groups: [
      { parityAt: 1, kind: 'E', covers: between(2, 13) },
      { parityAt: 26, kind: 'O', covers: between(14, 25) },
    ],
  },
  // H10306 34-bit
  '00000000-0000-0000-0000-000000000300': {
    name: 'H10306',
    pattern: 'E' + 'F'.repeat(16) + 'C'.repeat(16) + 'O',
    groups: [
      { parityAt: 1, kind: 'E', covers: between(2, 17) },
      { parityAt: 34, kind: 'O', covers: between(18, 33) },
    ],
  },
  // H10302 37-bit (no facility code)
  '00000000-0000-0000-0000-000000000400': {
    name: 'H10302',
    pattern: 'E' + 'C'.repeat(35) + 'O',
    groups: [
      { parityAt: 1, kind: 'E', covers: between(2, 19) },
      { parityAt: 37, kind: 'O', covers: between(19, 36) },
    ],
  },
  // H10304 37-bit
  '00000000-0000-0000-0000-000000000500': {
    name: 'H10304',
    pattern: 'E' + 'F'.repeat(16) + 'C'.repeat(19) + 'O',
    groups: [
      { parityAt: 1, kind: 'E', covers: between(2, 19) },
      { parityAt: 37, kind: 'O', covers: between(19, 36) },
    ],
  },
  // Corporate 1000 35-bit
  '00000000-0000-0000-0000-000000000600': {
    name: 'C1000-35',
    pattern: 'OE' + 'F'.repeat(12) + 'C'.repeat(20) + 'O',
    groups: [
      { parityAt: 2, kind: 'E', covers: (p) => p >= 3 && p <= 34 && p % 3 !== 2 },
      { parityAt: 35, kind: 'O', covers: (p) => p >= 2 && p <= 33 && p % 3 !== 1 },
      { parityAt: 1, kind: 'O', covers: between(2, 35) },
    ],
  },
  // CSN 32-bit: no parity [I]
  '00000000-0000-0000-0000-000000000700': { name: 'CSN32', pattern: 'C'.repeat(32), groups: [] },
  // Corporate 1000 48-bit
  '00000000-0000-0000-0000-000000000800': {
    name: 'C1000-48',
    pattern: 'OE' + 'F'.repeat(22) + 'C'.repeat(23) + 'O',
    groups: [
      { parityAt: 2, kind: 'E', covers: (p) => p >= 3 && p <= 47 && p % 3 !== 0 },
      { parityAt: 48, kind: 'O', covers: (p) => p >= 3 && p <= 46 && p % 3 !== 2 },
      { parityAt: 1, kind: 'O', covers: between(2, 48) },
    ],
  },
};

function toBitString(rawHex: string, bitLength: number): string | null {
  const bits = BigInt(`0x${rawHex}`).toString(2);
  if (bits.length > bitLength) return null;
  return bits.padStart(bitLength, '0');
}

function onesIn(bits: string, keep: (pos: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) if (keep(i + 1) && bits[i] === '1') n++;
  return n;
}

export type DecodeResult = { ok: true; facility: number | null; card: number } | { ok: false; reason: string };

/** Decodes raw Wiegand bits of a built-in layout and checks every parity bit. */
export function simDecode(layout: SimLayout, rawHex: string, bitLength: number): DecodeResult {
  if (bitLength !== layout.pattern.length) {
    return { ok: false, reason: `BitLength ${bitLength} does not match the ${layout.pattern.length}-bit ${layout.name} layout` };
  }
  const bits = toBitString(rawHex, bitLength);
  if (bits === null) return { ok: false, reason: `Raw ${rawHex} has more than ${bitLength} bits` };
  for (const g of layout.groups) {
    const ones = onesIn(bits, (p) => p === g.parityAt || g.covers(p));
    if ((g.kind === 'E' && ones % 2 !== 0) || (g.kind === 'O' && ones % 2 !== 1)) {
      return { ok: false, reason: `parity bit ${g.parityAt} of the ${layout.name} layout is wrong` };
    }
  }
  const read = (c: string) => {
    const s = [...bits].filter((_, i) => layout.pattern[i] === c).join('');
    return s === '' ? null : Number.parseInt(s, 2);
  };
  return { ok: true, facility: read('F'), card: read('C') ?? 0 };
}

/** Encodes a card for RawData (what a real server would show for the same card). */
export function simEncode(layout: SimLayout, facility: number | null, card: number): string {
  const fBits = [...layout.pattern].filter((c) => c === 'F').length;
  const cBits = [...layout.pattern].filter((c) => c === 'C').length;
  const f = fBits ? (facility ?? 0).toString(2).padStart(fBits, '0') : '';
  const c = card.toString(2).padStart(cBits, '0');
  let fi = 0;
  let ci = 0;
  const bits = [...layout.pattern].map((ch) => (ch === 'F' ? f[fi++] : ch === 'C' ? c[ci++] : '0'));
  // Parity groups in listed order: a later group may cover an earlier parity bit.
  for (const g of layout.groups) {
    const ones = onesIn(bits.join(''), (p) => p !== g.parityAt && g.covers(p));
    bits[g.parityAt - 1] = g.kind === 'E' ? String(ones % 2) : String(1 - (ones % 2));
  }
  return BigInt(`0b${bits.join('')}`)
    .toString(16)
    .toUpperCase();
}

import { undecodedWiegandXml, wiegandBits, wiegandRawHex, type WiegandLayoutKey } from '../../../src/pacs/genetec/wiegand';
import { SIM_LAYOUTS, simDecode, simEncode } from '../../../src/simulators/genetec/wiegand';

/**
 * Test vectors written by hand from the published layouts (bit 1 = first transmitted = most significant):
 * each expected string is facility bits, card bits and parity bits laid out as the layout tables say, with
 * the parity worked out on paper. Both codecs (client encoder, simulator decoder/encoder, written separately)
 * are checked against the same hand-made strings, never against each other.
 */
const FORMAT_ID: Record<WiegandLayoutKey, string> = {
  H10301: '00000000-0000-0000-0000-000000000200',
  H10306: '00000000-0000-0000-0000-000000000300',
  H10302: '00000000-0000-0000-0000-000000000400',
  H10304: '00000000-0000-0000-0000-000000000500',
  C1K35: '00000000-0000-0000-0000-000000000600',
  CSN32: '00000000-0000-0000-0000-000000000700',
  C1K48: '00000000-0000-0000-0000-000000000800',
};

const z = (n: number) => '0'.repeat(n);
const o = (n: number) => '1'.repeat(n);

// [layout, facility, card, expected bits, why]
const VECTORS: Array<[WiegandLayoutKey, number, number, string, string]> = [
  // 26-bit: P(even 2–13) | FC 8 | card 16 | P(odd 14–25)
  ['H10301', 1, 1, '1' + '00000001' + '0000000000000001' + '0', 'one 1 in 2–13 → even bit 1; one 1 in 14–25 → odd bit 0'],
  ['H10301', 255, 65535, '0' + o(8) + o(16) + '1', '12 ones in 2–13 → 0; 12 ones in 14–25 → 1'],
  ['H10301', 0, 1500, '0' + z(8) + '0000010111011100' + '0', 'S-BULAC-style card 1500 (raw BB8): 0 ones → 0; 7 ones → 0'],
  ['H10301', 18, 4660, '1' + '00010010' + '0001001000110100' + '1', 'FC 0x12, card 0x1234: 3 ones → 1; 4 ones → 1'],
  // H10306 34-bit: P(even 2–17) | FC 16 | card 16 | P(odd 18–33)
  ['H10306', 1, 1, '1' + z(15) + '1' + z(15) + '1' + '0', '1 → 1; 1 → 0'],
  ['H10306', 0x1234, 0xabcd, '1' + '0001001000110100' + '1010101111001101' + '1', '5 ones → 1; 10 ones → 1'],
  // H10304 37-bit: P(even 2–19) | FC 16 | card 19 | P(odd 19–36); bit 19 is in both groups
  ['H10304', 1, 1, '1' + z(15) + '1' + z(18) + '1' + '0', '1 one in 2–19 → 1; 1 one in 19–36 → 0'],
  ['H10304', 65535, 524287, '0' + o(35) + '1', '18 ones → 0; 18 ones → 1'],
  ['H10304', 0, 0x40000, '1' + z(16) + '1' + z(18) + '1', 'card top bit is bit 18: in the even group only → 1; odd group empty → 1'],
  // H10302 37-bit: P(even 2–19) | card 35 | P(odd 19–36)
  ['H10302', 0, 1, '0' + z(34) + '1' + '0', '0 → 0; 1 → 0'],
  ['H10302', 0, 2 ** 34, '1' + '1' + z(34) + '1', 'top card bit (bit 2) → 1; 19–36 empty → 1'],
  // Corporate 1000 35-bit: P1(odd 2–35) | P2(even 3–34 except 5,8,…,32… i.e. p%3≠2) | FC 12 (3–14) | card 20 (15–34) | P35(odd 2–33, p%3≠1)
  ['C1K35', 1, 1, '1' + '1' + '000000000001' + z(19) + '1' + '1', 'bit 14 (p%3=2) out of P2, bit 34 in → P2=1; P35 sees bits 2,14 → 1; P1 sees 4 ones → 1'],
  ['C1K35', 4095, 0, '0' + '0' + o(12) + z(20) + '1', 'P2 sees 8 of the 12 FC bits → 0; P35 sees 8 → 1; P1 sees 13 → 0'],
  // Corporate 1000 48-bit: P1(odd 2–48) | P2(even 3–47, p%3≠0) | FC 22 (3–24) | card 23 (25–47) | P48(odd 3–46, p%3≠2)
  ['C1K48', 1, 1, '0' + '1' + z(21) + '1' + z(22) + '1' + '0', 'bit 24 out of P2, bit 47 in → 1; P48 sees bit 24 → 0; P1 sees 3 → 0'],
  // CSN 32-bit: no parity [I]
  ['CSN32', 0, 0xdeadbeef, '11011110101011011011111011101111', 'the serial number as is'],
];

describe('Wiegand codecs against the published layouts', () => {
  it.each(VECTORS)('client encodes %s fc=%d card=%d bit by bit', (key, fc, card, bits) => {
    expect(bits.length).toBe(SIM_LAYOUTS[FORMAT_ID[key]].pattern.length);
    expect(wiegandBits(key, BigInt(fc), BigInt(card)).toString(2).padStart(bits.length, '0')).toBe(bits);
  });

  it.each(VECTORS)('simulator decodes %s fc=%d card=%d and checks parity', (key, fc, card, bits) => {
    const layout = SIM_LAYOUTS[FORMAT_ID[key]];
    const hex = BigInt(`0b${bits}`).toString(16);
    expect(simDecode(layout, hex, bits.length)).toEqual({ ok: true, facility: layout.pattern.includes('F') ? fc : null, card });
    expect(
      BigInt(`0x${simEncode(layout, fc, card)}`)
        .toString(2)
        .padStart(bits.length, '0'),
    ).toBe(bits);
    // Any single flipped bit breaks at least one parity group (formats with parity).
    if (key !== 'CSN32') {
      for (let i = 0; i < bits.length; i++) {
        const flipped = bits.slice(0, i) + (bits[i] === '1' ? '0' : '1') + bits.slice(i + 1);
        const r = simDecode(layout, BigInt(`0b${flipped}`).toString(16), bits.length);
        expect({ bit: i + 1, ok: r.ok }).toEqual({ bit: i + 1, ok: false });
      }
    }
  });

  it('writes Raw as upper-case hex padded to 32 digits, in the XML shape the production clients send', () => {
    expect(wiegandRawHex('H10301', 0n, 1500n)).toBe(`${z(29)}BB8`);
    expect(undecodedWiegandXml(FORMAT_ID.H10301, 'H10301', 0n, 1500n)).toBe(
      `<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>${z(29)}BB8</Raw></UndecodedWiegand>`,
    );
  });

  it('refuses values that do not fit the layout', () => {
    expect(() => wiegandBits('H10301', 256n, 0n)).toThrow(/8 bits/);
    expect(() => wiegandBits('H10301', 0n, 65536n)).toThrow(/16 bits/);
    expect(simDecode(SIM_LAYOUTS[FORMAT_ID.H10301], 'FFFFFFF', 26)).toMatchObject({ ok: false });
    expect(simDecode(SIM_LAYOUTS[FORMAT_ID.H10301], 'BB8', 34)).toMatchObject({ ok: false });
  });
});

/**
 * Evidence table of Genetec's seven built-in credential formats, shared by the client (src/pacs/genetec/formats.ts)
 * and the simulator (src/simulators/genetec/formats.ts) so the two cannot drift apart. Format IDs: [C S-BULAC]
 * for …0200/…0400, [C-obs] for the rest; facility-code and card-number ranges: [C S-TECH "About credentials"];
 * expression names mirror the Platform SDK classes [C S-DAP]. Sources and grades: docs/pacs/genetec-websdk.md.
 *
 * Data only. The Wiegand codecs (bit positions, parity) are deliberately NOT shared: the client's
 * (src/pacs/genetec/wiegand.ts) and the simulator's (src/simulators/genetec/wiegand.ts) are written
 * separately, because a codec shared by both sides would agree with itself and could not catch its own bugs.
 */
export interface BuiltInFormatEvidence {
  formatId: string;
  name: string;
  bitLength: number;
  /** The published layout the raw bits follow (the codecs each implement it on their own). */
  layout: 'H10301' | 'H10306' | 'H10304' | 'H10302' | 'C1K35' | 'C1K48' | 'CSN32';
  facility: { min: number; max: number } | null;
  card: { min: number; max: number };
  /** Built-in Wiegand constructor, e.g. WiegandStandardCredentialFormat. */
  expression: string;
}

const id = (suffix: string) => `00000000-0000-0000-0000-000000000${suffix}`;

export const GENETEC_BUILT_IN_FORMATS: readonly BuiltInFormatEvidence[] = [
  {
    formatId: id('200'),
    name: 'Standard 26-bit',
    bitLength: 26,
    layout: 'H10301',
    facility: { min: 0, max: 255 },
    card: { min: 0, max: 65_535 },
    expression: 'WiegandStandardCredentialFormat',
  },
  {
    formatId: id('300'),
    name: 'H10306 34-bit',
    bitLength: 34,
    layout: 'H10306',
    facility: { min: 0, max: 65_535 },
    card: { min: 0, max: 65_535 },
    expression: 'WiegandH10306CredentialFormat',
  },
  {
    formatId: id('400'),
    name: 'H10302 37-bit',
    bitLength: 37,
    layout: 'H10302',
    facility: null,
    card: { min: 0, max: 34_359_738_367 },
    expression: 'WiegandH10302CredentialFormat',
  },
  {
    formatId: id('500'),
    name: 'H10304 37-bit',
    bitLength: 37,
    layout: 'H10304',
    facility: { min: 0, max: 65_535 },
    card: { min: 0, max: 524_287 },
    expression: 'WiegandH10304CredentialFormat',
  },
  {
    formatId: id('600'),
    name: 'Corporate 1000 35-bit',
    bitLength: 35,
    layout: 'C1K35',
    facility: { min: 0, max: 4095 },
    card: { min: 0, max: 1_048_575 },
    expression: 'WiegandCorporate1000CredentialFormat',
  },
  {
    formatId: id('700'),
    name: 'CSN 32-bit',
    bitLength: 32,
    layout: 'CSN32',
    facility: null,
    card: { min: 0, max: 0xffff_ffff },
    expression: 'WiegandCsn32CredentialFormat',
  },
  {
    formatId: id('800'),
    name: 'Corporate 1000 48-bit',
    bitLength: 48,
    layout: 'C1K48',
    facility: { min: 0, max: 4_194_303 },
    card: { min: 0, max: 8_388_607 },
    expression: 'Wiegand48BitCorporate1000CredentialFormat',
  },
];

/** The Web-based SDK role's default Base URI [C S-TECH]: what a bare server origin means. */
export const GENETEC_DEFAULT_BASE_URI = 'WebSdk';

/** The simulator's sign-in, used by tests, the demo seed and `npm run simulator`. Not a real system's. */
export const GENETEC_SIM_DEFAULTS = {
  username: 'admin',
  password: 'genetec-sim-password',
  // Deliberately not Genetec's demo application ID: the simulator must not look like a licensed system.
  applicationId: 'VB-SIMULATOR-APP-ID',
} as const;

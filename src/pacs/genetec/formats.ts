import { pacsError } from '../errors';
import type { BadgeTypeRef } from '../types';
import { GENETEC_BUILT_IN_FORMATS } from './format-table';
import { layoutOfFormatId, undecodedWiegandXml } from './wiegand';

/**
 * Credential formats as the client knows them without asking the server (the evidence table, with its
 * sources, is ./format-table.ts); their use in the Web SDK `Format=` / `UniqueIds@` tokens is [I] (open
 * question 1 in docs/pacs/genetec-websdk.md).
 */
export interface Range {
  min: bigint;
  max: bigint;
}

export interface ClientFormat {
  formatId: string;
  name: string;
  bitLength: number | null;
  facility: Range | null;
  card: Range | null;
  /** Built-in Wiegand constructor, e.g. WiegandStandardCredentialFormat. */
  expression?: string;
  /** Custom formats: the field names that hold the facility code and the card number. */
  fields?: { facility: string; card: string };
}

const r = (min: number, max: number): Range => ({ min: BigInt(min), max: BigInt(max) });
export const BUILT_IN_FORMATS: readonly ClientFormat[] = GENETEC_BUILT_IN_FORMATS.map((f) => ({
  formatId: f.formatId,
  name: f.name,
  bitLength: f.bitLength,
  facility: f.facility && r(f.facility.min, f.facility.max),
  card: r(f.card.min, f.card.max),
  expression: f.expression,
}));

export function normalizeGuid(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  const h = s.replace(/[{}-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return null;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const builtInFormat = (formatId: string) => BUILT_IN_FORMATS.find((f) => f.formatId === normalizeGuid(formatId));

/** A {Min, Max} range (any letter case: stored details say min/max, the Web SDK says Min/Max) as bigints. */
export function rangeFrom(v: unknown): Range | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const key = (name: string) => Object.keys(o).find((k) => k.toLowerCase() === name);
  const min = o[key('min') ?? ''];
  const max = o[key('max') ?? ''];
  if ((typeof min !== 'string' && typeof min !== 'number') || (typeof max !== 'string' && typeof max !== 'number')) return null;
  try {
    return { min: BigInt(min), max: BigInt(max) };
  } catch {
    return null;
  }
}

/** The format a stored badge type refers to: the built-in table first, then what the refresh recorded. */
export function formatOfBadgeType(t: BadgeTypeRef): ClientFormat {
  const details = t.details ?? {};
  const formatId = normalizeGuid(details.formatId ?? t.externalId);
  if (!formatId) {
    throw pacsError('BADGE_TYPE_MISSING', `The badge type ${t.externalId} does not name a Security Center credential format.`);
  }
  const known = builtInFormat(formatId);
  if (known) return known;
  const fields = details.fields as { facility?: unknown; card?: unknown } | undefined;
  return {
    formatId,
    name: typeof details.name === 'string' ? details.name : formatId,
    bitLength: typeof details.bitLength === 'number' ? details.bitLength : null,
    facility: rangeFrom(details.facilityCodeRange),
    card: rangeFrom(details.cardRange),
    fields: fields && typeof fields.facility === 'string' && typeof fields.card === 'string' ? { facility: fields.facility, card: fields.card } : undefined,
  };
}

export function parseCardNumber(uniqueId: string): bigint {
  const t = uniqueId.trim();
  if (!/^\d{1,20}$/.test(t)) {
    throw pacsError('PACS_VALIDATION', `The badge ID '${uniqueId}' is not a card number (digits only).`);
  }
  return BigInt(t);
}

/** Range checks before any call, so an impossible card never reaches the server. */
export function checkCard(f: ClientFormat, card: bigint, facility: number) {
  if (f.card && (card < f.card.min || card > f.card.max)) {
    throw pacsError('BADGE_ID_OUT_OF_RANGE', `The card number ${card} is outside ${f.card.min}–${f.card.max}, the range of the credential format ${f.name}.`);
  }
  const fc = BigInt(facility);
  if (f.facility && (fc < f.facility.min || fc > f.facility.max)) {
    throw pacsError(
      'PACS_VALIDATION',
      `The provider's facility code ${facility} is outside ${f.facility.min}–${f.facility.max}, the range of the credential format ${f.name}. Fix the facility code in the provider settings.`,
    );
  }
}

/** The `Format=` / `UniqueIds@` token for a card of this format. */
export function formatExpression(f: ClientFormat, card: bigint, facility: number): string {
  if (f.expression) {
    return f.facility ? `${f.expression}(${facility},${card})` : `${f.expression}(${card})`;
  }
  if (f.fields) {
    // CustomCredentialFormat(id,{{Field,value},…}) [C-obs S-VRFID]; commas inside braces are not separators.
    const esc = (s: string) => s.replace(/[\\,(){}]/g, '\\$&');
    return `CustomCredentialFormat(${f.formatId.replace(/-/g, '')},{{${esc(f.fields.facility)},${facility}},{${esc(f.fields.card)},${card}}})`;
  }
  throw pacsError(
    'BADGE_TYPE_MISSING',
    `The credential format ${f.name} is a custom format whose facility-code and card-number fields are unknown. Refresh the provider so its fields are read again, or use a built-in Wiegand format.`,
  );
}

export type CredentialForm = 'undecoded' | 'decoded';

/**
 * The `Format=` value for a card, in the configured form. Built-in Wiegand formats: the `<UndecodedWiegand>`
 * XML with the raw bits and parity [C S-BULAC, S-LQ, S-VRFID] ("undecoded", the default) or the Platform SDK
 * constructor `WiegandStandardCredentialFormat(fc,card)` [I] ("decoded"). Custom formats always use
 * `CustomCredentialFormat(…)` [C-obs S-VRFID]: their bit layout is site-specific.
 */
export function credentialFormatToken(f: ClientFormat, card: bigint, facility: number, form: CredentialForm): string {
  const layout = f.expression ? layoutOfFormatId(f.formatId) : undefined;
  if (form === 'undecoded' && layout) return undecodedWiegandXml(f.formatId, layout, f.facility ? BigInt(facility) : 0n, card);
  return formatExpression(f, card, facility);
}

/** Whether this format has a choice of form at all (built-in Wiegand); custom formats have one form only. */
export const hasFormChoice = (f: ClientFormat) => !!(f.expression && layoutOfFormatId(f.formatId));

/** The deterministic credential name, found again by `EntityTypes@Credential,Name=` [C-obs S-BULAC]. */
export function credentialName(f: ClientFormat, card: bigint, facility: number): string {
  return `Visitor badge ${f.name} ${f.facility ? `${facility}:` : ''}${card}`;
}

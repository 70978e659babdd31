/**
 * Building `q=` expressions for the Web SDK. Values are escaped with `\` so commas and brackets in names
 * stay data [C S-STUDIO sends `Hi\, this is a message`]; `#` is not allowed at all [C-2nd S-GUIDE], so it is
 * dropped. GUIDs go dashless, the form every server accepts [I; S-GUIDE asks for dashes escaped or removed].
 */
const SPECIAL = /[\\,(){}]/g;

export function escapeValue(v: string): string {
  return v
    .replace(/#/g, '')
    .replace(/[\u0000-\u001f]/g, ' ')
    .replace(SPECIAL, '\\$&');
}

export function dashless(guid: string): string {
  return guid.replace(/[{}-]/g, '').toLowerCase();
}

/** `yyyy-MM-ddTHH:mm:ssZ`: UTC, as S-BULAC converts first and S-VRFID marks with Z [C-obs]. */
export function isoUtc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const entityClause = (ref: string, ...tokens: string[]) => ['entity=' + ref, ...tokens].join(',');

export const readClause = (guid: string, props: string[]) => entityClause(dashless(guid), ...props);

export const set = (prop: string, value: string) => `${prop}=${escapeValue(value)}`;

/** The whole `q` value percent-encoded, spaces as %20 [C S-VRFID, S-CAM; C-2nd spaces must be %20]. */
export function encodeQ(q: string): string {
  return encodeURIComponent(q);
}

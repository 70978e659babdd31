/**
 * The simulator's own clock, so tests can jump past token expiry and idle timeouts instead of waiting.
 * Dates go out in the server's local offset like a real server's (docs/pacs/onguard-openaccess.md §2.3, S7 captures); the offset is
 * a fixed setting because DST is not what the tests are about.
 */
export class SimClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): number {
    this.offsetMs += ms;
    return this.now();
  }

  set(epochMs: number): number {
    this.offsetMs = epochMs - Date.now();
    return this.now();
  }

  reset() {
    this.offsetMs = 0;
  }
}

const pad = (n: number, w = 2) => String(Math.trunc(Math.abs(n))).padStart(w, '0');

/** "2015-07-08T00:00:00-07:00": seconds precision and an explicit offset, as captured. */
export function formatLocal(epochMs: number, offsetMinutes: number): string {
  const d = new Date(epochMs + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${sign}${pad(offsetMinutes / 60)}:${pad(offsetMinutes % 60)}`
  );
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses an ISO-8601 date; one without an offset is read as server-local time. Null when not a date. */
export function parseDate(input: string, offsetMinutes: number): number | null {
  const m = ISO.exec(input.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Math.round(Number(`0.${frac}`) * 1000));
  if (Number.isNaN(utc)) return null;
  let zoneMinutes = offsetMinutes;
  if (zone && zone.toUpperCase() === 'Z') zoneMinutes = 0;
  else if (zone) {
    const z = zone.replace(':', '');
    zoneMinutes = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
  }
  return utc - zoneMinutes * 60_000;
}

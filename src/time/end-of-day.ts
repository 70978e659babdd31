/**
 * Time-zone arithmetic for a location's end of day, with the runtime's IANA database (Intl) and no
 * library. Used by activities and the API only: workflow code receives the resulting instant.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  if (!tz || !/^[A-Za-z_+\-0-9/]+$/.test(tz)) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallClockAt(tz: string, instant: Date): WallClock {
  const p = Object.fromEntries(
    formatter(tz)
      .formatToParts(instant)
      .map((x) => [x.type, x.value]),
  );
  return { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour, minute: +p.minute, second: +p.second };
}

/** Offset of local time from UTC at an instant, in ms (Berlin in summer: +7 200 000). */
function offsetAt(tz: string, ms: number): number {
  const w = wallClockAt(tz, new Date(ms));
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `tz` reads the given local time. When that time occurs twice
 * (autumn fall-back) the earlier instant is returned, so a badge never outlives the first reading;
 * when it does not exist (spring-forward gap) the clock is moved forward by the gap, as people do.
 */
export function instantOfWallClock(tz: string, date: { year: number; month: number; day: number }, hour: number, minute: number): Date {
  const naive = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const before = offsetAt(tz, naive - 36 * 3600_000);
  const after = offsetAt(tz, naive + 36 * 3600_000);
  const matches = (t: number) => {
    const w = wallClockAt(tz, new Date(t));
    return w.year === date.year && w.month === date.month && w.day === date.day && w.hour === hour && w.minute === minute;
  };
  const candidates = [...new Set([naive - before, naive - after, naive - offsetAt(tz, naive)])].filter(matches).sort((a, b) => a - b);
  if (candidates.length) return new Date(candidates[0]);
  // In a gap: applying the pre-transition offset lands after the jump, shifted by the gap's length.
  return new Date(naive - before);
}

export function parseEndOfDay(hhmm: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`end of day "${hhmm}" is not HH:MM`);
  return { hour: +m[1], minute: +m[2] };
}

export interface VisitWindow {
  /** When the badge is switched off at the latest; written to the PACS as the credential's expiry. */
  endsAt: Date;
  /** The sign-in came after the location's end of day; the visit then ends at local midnight. */
  afterHours: boolean;
}

/**
 * End of the visit for a sign-in at `now`: today's end of day at the location. A sign-in after that
 * (a late visitor at reception) gets a badge until the end of the local calendar day rather than
 * tomorrow's end of day, so no badge ever stays active overnight.
 */
export function visitWindow(now: Date, tz: string, endOfDay: string): VisitWindow {
  const { hour, minute } = parseEndOfDay(endOfDay);
  const today = wallClockAt(tz, now);
  const end = instantOfWallClock(tz, today, hour, minute);
  if (end.getTime() > now.getTime()) return { endsAt: end, afterHours: false };
  const next = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
  const midnight = instantOfWallClock(tz, { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }, 0, 0);
  return { endsAt: midnight, afterHours: true };
}

/** "18:00 Europe/Berlin": an instant as the location's people read it, for labels in the Temporal UI. */
export function wallClockLabel(instant: Date, tz: string): string {
  const w = wallClockAt(tz, instant);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')} ${tz}`;
}

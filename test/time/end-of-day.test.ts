import { instantOfWallClock, isValidTimeZone, visitWindow } from '../../src/time/end-of-day';

describe('location end of day', () => {
  it('is 18:00 Berlin time in winter (UTC+1) and in summer (UTC+2)', () => {
    expect(visitWindow(new Date('2026-01-15T09:00:00Z'), 'Europe/Berlin', '18:00').endsAt.toISOString()).toBe('2026-01-15T17:00:00.000Z');
    expect(visitWindow(new Date('2026-07-15T09:00:00Z'), 'Europe/Berlin', '18:00').endsAt.toISOString()).toBe('2026-07-15T16:00:00.000Z');
  });

  it('is correct on the spring-forward day (Berlin, 29 March 2026: 02:00 → 03:00)', () => {
    // Sign-in at 01:30 local (00:30Z, still UTC+1); end of day 18:00 is already in UTC+2.
    expect(visitWindow(new Date('2026-03-29T00:30:00Z'), 'Europe/Berlin', '18:00').endsAt.toISOString()).toBe('2026-03-29T16:00:00.000Z');
    // An end of day inside the gap moves forward by the gap: 02:30 does not exist, 03:30 does.
    expect(instantOfWallClock('Europe/Berlin', { year: 2026, month: 3, day: 29 }, 2, 30).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('is correct on the fall-back day (New York, 1 November 2026: 02:00 → 01:00)', () => {
    // Sign-in 00:30 local EDT (04:30Z); 18:00 is EST (UTC-5) → 23:00Z.
    expect(visitWindow(new Date('2026-11-01T04:30:00Z'), 'America/New_York', '18:00').endsAt.toISOString()).toBe('2026-11-01T23:00:00.000Z');
    // 01:30 happens twice; the earlier (EDT, 05:30Z) is chosen so the badge never outlives the first.
    expect(instantOfWallClock('America/New_York', { year: 2026, month: 11, day: 1 }, 1, 30).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('uses the local date, not the UTC date (Tokyo morning is the previous UTC day)', () => {
    // 2026-06-10 07:00 JST = 2026-06-09T22:00Z; end of day 17:30 JST = 08:30Z on the 10th.
    expect(visitWindow(new Date('2026-06-09T22:00:00Z'), 'Asia/Tokyo', '17:30').endsAt.toISOString()).toBe('2026-06-10T08:30:00.000Z');
  });

  it('ends a sign-in after the end of day at local midnight, never the next day’s end of day', () => {
    const w = visitWindow(new Date('2026-01-15T18:30:00Z'), 'Europe/Berlin', '18:00'); // 19:30 local
    expect(w.afterHours).toBe(true);
    expect(w.endsAt.toISOString()).toBe('2026-01-15T23:00:00.000Z'); // 00:00 local on the 16th
  });

  it('accepts IANA zones and rejects others', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('Europe/Berlin; drop table')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { latestOccurrence, parseCron, ZoneClock } from '../../src/promotion/cron';
import { activeFreeze } from '../../src/promotion/evaluate';
import type { FreezeWindow } from '../../src/promotion/policy';

const hour = 3_600_000;
const window = (cron: string, durationMs: number, timezone: string): FreezeWindow => ({
  name: 'w',
  cron,
  duration: `${durationMs / hour}h`,
  durationMs,
  timezone,
});
const at = (iso: string): Date => new Date(iso);

describe('freeze windows', () => {
  const weekendParis = window('0 18 * * 5', 62 * hour, 'Europe/Paris');

  it('lasts elapsed time across the spring-forward change in Europe/Paris', () => {
    // Fri 2025-03-28 18:00 CET = 17:00Z; + 62h = Mon 2025-03-31 07:00Z = 09:00 CEST.
    expect(activeFreeze(weekendParis, at('2025-03-28T16:59:00Z'))).toBeUndefined();
    expect(activeFreeze(weekendParis, at('2025-03-28T17:00:00Z'))).toEqual({
      start: at('2025-03-28T17:00:00Z'),
      end: at('2025-03-31T07:00:00Z'),
    });
    expect(activeFreeze(weekendParis, at('2025-03-31T06:59:59.999Z'))).toBeDefined();
    expect(activeFreeze(weekendParis, at('2025-03-31T07:00:00Z'))).toBeUndefined();
  });

  it('starts at the wall time of the zone after the change (CEST)', () => {
    // Fri 2025-04-04 18:00 CEST = 16:00Z.
    expect(activeFreeze(weekendParis, at('2025-04-04T15:59:00Z'))).toBeUndefined();
    expect(activeFreeze(weekendParis, at('2025-04-04T16:00:00Z'))?.start).toEqual(at('2025-04-04T16:00:00Z'));
  });

  it('skips a wall time that does not exist and repeats one that happens twice', () => {
    const nightly = window('30 2 * * *', hour / 6, 'Europe/Paris');
    // 2025-03-30: 02:00 CET jumps to 03:00 CEST, so 02:30 never happens.
    for (const iso of ['2025-03-30T00:35:00Z', '2025-03-30T01:05:00Z', '2025-03-30T01:35:00Z']) {
      expect(activeFreeze(nightly, at(iso))).toBeUndefined();
    }
    // 2025-10-26: 03:00 CEST falls back to 02:00 CET, so 02:30 happens at 00:30Z and at 01:30Z.
    expect(activeFreeze(nightly, at('2025-10-26T00:35:00Z'))?.start).toEqual(at('2025-10-26T00:30:00Z'));
    expect(activeFreeze(nightly, at('2025-10-26T01:35:00Z'))?.start).toEqual(at('2025-10-26T01:30:00Z'));
    expect(activeFreeze(nightly, at('2025-10-26T01:00:00Z'))).toBeUndefined();
  });

  it('spans a year boundary', () => {
    const yearEnd = window('0 0 20 12 *', 408 * hour, 'Europe/Berlin');
    // 2025-12-20 00:00 CET = 2025-12-19T23:00Z; + 17 days = 2026-01-05T23:00Z.
    expect(activeFreeze(yearEnd, at('2025-12-19T22:59:00Z'))).toBeUndefined();
    expect(activeFreeze(yearEnd, at('2026-01-01T00:00:00Z'))).toEqual({
      start: at('2025-12-19T23:00:00Z'),
      end: at('2026-01-05T23:00:00Z'),
    });
    expect(activeFreeze(yearEnd, at('2026-01-05T22:59:59Z'))).toBeDefined();
    expect(activeFreeze(yearEnd, at('2026-01-05T23:00:00Z'))).toBeUndefined();
    const newYearsEve = window('0 23 31 12 *', 2 * hour, 'UTC');
    expect(activeFreeze(newYearsEve, at('2027-01-01T00:30:00Z'))?.start).toEqual(at('2026-12-31T23:00:00Z'));
    expect(activeFreeze(newYearsEve, at('2027-01-01T01:00:00Z'))).toBeUndefined();
  });

  it('matches macros, names, steps, ranges and day-of-week 7', () => {
    const utc = new ZoneClock('UTC');
    const latest = (cron: string, iso: string, lookback = 48 * hour): Date | undefined =>
      latestOccurrence(parseCron(cron), utc, at(iso), lookback);
    expect(latest('@hourly', '2025-06-01T10:59:00Z')).toEqual(at('2025-06-01T10:00:00Z'));
    expect(latest('@daily', '2025-06-01T10:59:00Z')).toEqual(at('2025-06-01T00:00:00Z'));
    expect(latest('@weekly', '2025-06-03T10:00:00Z', 8 * 24 * hour)).toEqual(at('2025-06-01T00:00:00Z')); // a Sunday
    expect(latest('0 9 * * 7', '2025-06-03T10:00:00Z', 8 * 24 * hour)).toEqual(at('2025-06-01T09:00:00Z'));
    expect(latest('*/15 9-17 * jun mon-fri', '2025-06-02T12:20:00Z')).toEqual(at('2025-06-02T12:15:00Z'));
    expect(latest('0 0 1 1 *', '2025-06-02T12:20:00Z')).toBeUndefined();
    // Both day fields restricted: either matches (the 15th, or any Monday).
    expect(latest('0 12 15 * mon', '2025-06-03T00:00:00Z')).toEqual(at('2025-06-02T12:00:00Z'));
    expect(latest('0 12 15 * *', '2025-06-16T00:00:00Z')).toEqual(at('2025-06-15T12:00:00Z'));
  });

  it('refuses an invalid cron with DK700', () => {
    expect(() => parseCron('61 * * * *')).toThrow(expect.objectContaining({ code: 'DK700' }) as Error);
  });
});

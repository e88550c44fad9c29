import { periodOf, previousPeriod } from '../../src/domain/period';
import { DAY, formatDuration, HOUR, MINUTE, parseDuration } from '../../src/domain/time';

describe('periods', () => {
  it.each([
    ['2026-11-24T00:00:00.000Z', '2026-11-24T00:00:00.000Z', '2026-11-25T00:00:00.000Z', '20261124'],
    ['2026-11-24T23:59:59.999Z', '2026-11-24T00:00:00.000Z', '2026-11-25T00:00:00.000Z', '20261124'],
    ['2026-12-31T12:00:00.000Z', '2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '20261231'],
  ])('a UTC day: %s is in [%s, %s) keyed %s', (at, start, end, key) => {
    const p = periodOf(new Date(at));
    expect([p.start.toISOString(), p.end.toISOString(), p.key]).toEqual([start, end, key]);
  });

  it('shorter periods align to midnight UTC', () => {
    const p = periodOf(new Date('2026-11-24T13:05:00Z'), 6 * HOUR);
    expect(p.start.toISOString()).toBe('2026-11-24T12:00:00.000Z');
    expect(p.key).toBe('20261124t1200');
  });

  it('previousPeriod steps back one period', () => {
    expect(previousPeriod(periodOf(new Date('2026-11-24T05:00:00Z'))).key).toBe('20261123');
  });

  it.each([7 * HOUR, 0, 30 * 1000, 2 * DAY])('rejects a period length of %i ms', (ms) => {
    expect(() => periodOf(new Date(), ms)).toThrow(RangeError);
  });
});

describe('durations', () => {
  it.each([
    ['30m', 30 * MINUTE],
    ['6h', 6 * HOUR],
    ['1d', DAY],
    ['1h30m', 90 * MINUTE],
    ['90s', 90 * 1000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '6', 'h', '1.5h', '-1h', '6 hours'])('rejects %j', (text) => expect(parseDuration(text)).toBeNull());

  it.each([
    [0, '0s'],
    [45 * 1000, '45s'],
    [3 * HOUR + 5 * MINUTE, '3h 5m'],
    [DAY + 2 * HOUR + 7 * MINUTE, '1d 2h'],
  ])('formats %i ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

import { NEWEST_SHARE, SampleSelector, seededRandom } from '../../src/domain/replication/sample';
import { ObjectSummary } from '../../src/domain/replication/types';

const BASE = Date.parse('2026-01-01T00:00:00Z');
/** Object i was written i minutes after BASE: higher i is newer. */
const obj = (i: number, key = `k/${String(i).padStart(5, '0')}`): ObjectSummary => ({ key, size: i, lastModified: new Date(BASE + i * 60_000) });

function select(objects: readonly ObjectSummary[], size: number, seed = 1): ObjectSummary[] {
  const selector = new SampleSelector(size, seededRandom(seed));
  for (const o of objects) selector.offer(o);
  return selector.result();
}

describe('SampleSelector', () => {
  const thousand = Array.from({ length: 1000 }, (_, i) => obj(i));

  it('takes three quarters of the sample from the newest objects, newest first', () => {
    const sample = select(thousand, 100);
    const newest = Math.ceil(100 * NEWEST_SHARE);
    expect(sample.slice(0, newest).map((o) => o.size)).toEqual(Array.from({ length: newest }, (_, i) => 999 - i));
  });

  it('fills the rest with distinct random picks from the older objects', () => {
    const sample = select(thousand, 100);
    expect(sample).toHaveLength(100);
    expect(new Set(sample.map((o) => o.key)).size).toBe(100);
    const older = sample.slice(75);
    expect(older.every((o) => o.size < 925)).toBe(true);
    // Uniform over the older objects: with 25 picks from 925, some come from each half.
    expect(older.some((o) => o.size < 462)).toBe(true);
    expect(older.some((o) => o.size >= 462)).toBe(true);
  });

  it('returns every object (newest first) when the sample is larger than the set', () => {
    const five = [3, 1, 4, 0, 2].map((i) => obj(i));
    expect(select(five, 100).map((o) => o.size)).toEqual([4, 3, 2, 1, 0]);
    expect(select([], 10)).toEqual([]);
  });

  it('a sample of exactly the set size takes every object once', () => {
    expect(select(thousand.slice(0, 40), 40).map((o) => o.size).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('is deterministic for a seed, and another seed picks other random objects', () => {
    const keys = (seed: number) => select(thousand, 100, seed).map((o) => o.key);
    expect(keys(7)).toEqual(keys(7));
    expect(keys(8).slice(0, 75)).toEqual(keys(7).slice(0, 75)); // the newest part does not depend on the seed
    expect(keys(8).slice(75)).not.toEqual(keys(7).slice(75));
  });

  it('does not depend on listing order when objects share a LastModified', () => {
    const same = Array.from({ length: 50 }, (_, i) => ({ key: `same/${i}`, size: 0, lastModified: new Date(BASE) }));
    const forward = select(same, 8).slice(0, 6).map((o) => o.key);
    const backward = select([...same].reverse(), 8).slice(0, 6).map((o) => o.key);
    expect(forward).toEqual(backward);
  });

  it('a sample of 1 is the newest object', () => {
    expect(select(thousand, 1).map((o) => o.size)).toEqual([999]);
  });

  it('counts what it was offered', () => {
    const selector = new SampleSelector(3, seededRandom(1));
    thousand.forEach((o) => selector.offer(o));
    expect(selector.offered).toBe(1000);
  });

  it.each([0, -1, 1.5, NaN])('rejects a sample size of %p', (size) => {
    expect(() => new SampleSelector(size, Math.random)).toThrow(RangeError);
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for a seed, in [0, 1)', () => {
    const a = seededRandom(99);
    const b = seededRandom(99);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
  });
});

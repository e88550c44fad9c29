import { compareKeys } from '../../src/domain/replication/key-order';
import { seededRandom } from '../../src/domain/replication/sample';

/** The reference: S3's own order, UTF-8 bytes. */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const sign = (n: number): number => Math.sign(n);

describe('compareKeys: S3 key order (UTF-8 bytes)', () => {
  it.each<[string, string, string]>([
    // UTF-16 puts the emoji's surrogate D83D before FF61; its UTF-8 (F0 ..) comes after EF BD A1.
    ['halfwidth ideographic full stop before an emoji', '\uFF61', '\uD83D\uDE00'],
    // localeCompare puts é before z; in bytes z (7A) comes before é (C3 A9).
    ['a/z before a/é', 'a/z', 'a/é'],
    ['a private-use character before an astral one', '\uE000', '\u{10000}'],
    ['a prefix before its extensions', 'a', 'a/'],
    ['a/ before a/b', 'a/', 'a/b'],
    ['upper case before lower case', 'Z', 'a'],
    ['a space before a digit', 'file 1', 'file1'],
    ['two astral characters by code point', '\u{1F600}', '\u{1F601}'],
    ['the empty key first', '', '\u0000'],
  ])('%s', (_name, first, second) => {
    expect(compareKeys(first, second)).toBeLessThan(0);
    expect(compareKeys(second, first)).toBeGreaterThan(0);
    expect(sign(byBytes(first, second))).toBe(-1); // the expectation itself is S3's order
  });

  it('differs from UTF-16 `<` and from localeCompare on those keys', () => {
    expect('\uD83D\uDE00' < '\uFF61').toBe(true);
    expect('a/é'.localeCompare('a/z')).toBeLessThan(0);
  });

  it('is 0 only for equal keys', () => {
    expect(compareKeys('a/é', 'a/é')).toBe(0);
    expect(compareKeys('\u{1F600}', '\u{1F600}')).toBe(0);
  });

  it('agrees with Buffer.compare on 20,000 random pairs mixing ASCII, Latin, CJK, private-use and astral characters', () => {
    const pool = ['a', 'b', 'z', '/', ' ', '~', 'é', 'ß', '中', '\uFF61', '\uFFFD', '\uE000', '\u{1F600}', '\u{10000}', '\u{10FFFF}', '\u007F', '\u0080'];
    const random = seededRandom(42);
    const key = (): string => Array.from({ length: 1 + Math.floor(random() * 6) }, () => pool[Math.floor(random() * pool.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const a = key();
      const b = random() < 0.2 ? a + key() : key();
      expect([a, b, sign(compareKeys(a, b))]).toEqual([a, b, sign(byBytes(a, b))]);
    }
  });

  it('sorts a list exactly as S3 lists it', () => {
    const keys = ['a/é', 'a/z', '\uD83D\uDE00', '\uFF61', 'a', 'a/', 'b', 'B', 'é', '中文', '\uE000'];
    expect([...keys].sort(compareKeys)).toEqual([...keys].sort(byBytes));
    expect([...keys].sort(compareKeys)).toEqual(['B', 'a', 'a/', 'a/z', 'a/é', 'b', 'é', '中文', '\uE000', '\uFF61', '\uD83D\uDE00']);
  });
});

/**
 * S3 lists keys in ascending order of their UTF-8 bytes. JavaScript's `<` and `sort()` compare
 * UTF-16 code units instead, and `localeCompare` applies a human collation: both disagree with S3
 * for some keys, and a merge that compares keys differently from the listings' own order reports
 * present objects as missing. UTF-8 byte order is the same as Unicode code-point order, which this
 * computes on the UTF-16 string without encoding anything.
 */

/** Negative when `a` comes first in S3's order, positive when `b` does, 0 when equal. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code-point order only between a surrogate (D800-DFFF, half of a
    // code point above FFFF) and a unit in E000-FFFF: lift surrogates above that range.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  // One is a prefix of the other: its UTF-8 bytes are a prefix too, so the shorter comes first.
  return a.length < b.length ? -1 : 1;
}

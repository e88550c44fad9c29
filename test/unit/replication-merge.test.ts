import { SnapwardError } from '../../src/domain/errors';
import { compareKeys } from '../../src/domain/replication/key-order';
import { MergedEntry, mergeListings } from '../../src/domain/replication/merge';
import { itemsOf, readAhead } from '../../src/domain/replication/streams';
import { ObjectSummary } from '../../src/domain/replication/types';

const T = new Date('2026-11-24T10:00:00Z');
const obj = (key: string, size = 1): ObjectSummary => ({ key, size, lastModified: T });

/** A listing as the adapter yields it: pages of `pageSize` objects, keys in S3 order. */
async function* listing(keys: readonly (string | ObjectSummary)[], pageSize = 1000): AsyncGenerator<readonly ObjectSummary[]> {
  const objects = keys.map((k) => (typeof k === 'string' ? obj(k) : k));
  for (let i = 0; i < objects.length; i += pageSize) yield objects.slice(i, i + pageSize);
}

/** `=k` on both sides, `-k` only in the source (missing), `+k` only in the replica (extra), `~k` sizes differ. */
function describe_(e: MergedEntry): string {
  if (e.source && e.replica) return `${e.source.size === e.replica.size ? '=' : '~'}${e.source.key}`;
  return e.source ? `-${e.source.key}` : `+${(e.replica as ObjectSummary).key}`;
}

async function merge(source: readonly (string | ObjectSummary)[], replica: readonly (string | ObjectSummary)[], pageSize = 1000): Promise<string[]> {
  const out: string[] = [];
  for await (const e of mergeListings(itemsOf(listing(source, pageSize)), itemsOf(listing(replica, pageSize)))) out.push(describe_(e));
  return out;
}

describe('mergeListings', () => {
  it('both empty: nothing', async () => {
    expect(await merge([], [])).toEqual([]);
  });

  it('an empty replica: every source object is missing', async () => {
    expect(await merge(['a', 'b', 'c'], [])).toEqual(['-a', '-b', '-c']);
  });

  it('an empty source: every replica object is extra', async () => {
    expect(await merge([], ['a', 'b'])).toEqual(['+a', '+b']);
  });

  it('identical listings: every key on both sides, sizes compared', async () => {
    expect(await merge(['a', obj('b', 5), 'c'], ['a', obj('b', 7), 'c'])).toEqual(['=a', '~b', '=c']);
  });

  it('interleaved missing and extra keys, at both ends and in the middle', async () => {
    expect(await merge(['a', 'c', 'd', 'f', 'h'], ['b', 'c', 'e', 'f', 'g', 'i'])).toEqual(['-a', '+b', '=c', '-d', '+e', '=f', '+g', '-h', '+i']);
  });

  it('keys whose UTF-16 order differs from S3 order merge without false misses', async () => {
    // Listed in S3's order. A merge comparing with `<` would take the emoji for "before ｡" and
    // report both as missing and extra.
    const keys = ['a/z', 'a/é', '\uFF61', '\uD83D\uDE00'];
    expect(await merge(keys, keys)).toEqual(keys.map((k) => `=${k}`));
    expect(await merge(keys, ['a/é', '\uD83D\uDE00'])).toEqual(['-a/z', '=a/é', '-\uFF61', '=\uD83D\uDE00']);
  });

  it.each([1, 2, 3, 7])('gives the same result whatever the page size (%i), with common prefixes across page boundaries', async (pageSize) => {
    const source = ['p/', 'p/a', 'p/a/1', 'p/a/2', 'p/a/é', 'p/b', 'p/b/1', 'p/ü', 'q'];
    const replica = ['p/', 'p/a/1', 'p/a/2', 'p/a/é', 'p/a/ö', 'p/b/1', 'p/ü', 'q', 'r'];
    expect(await merge(source, replica, pageSize)).toEqual(await merge(source, replica, 1000));
    expect(await merge(source, replica, pageSize)).toEqual(['=p/', '-p/a', '=p/a/1', '=p/a/2', '=p/a/é', '+p/a/ö', '-p/b', '=p/b/1', '=p/ü', '=q', '+r']);
  });

  it('handles 10,000 keys in one pass', async () => {
    const source = Array.from({ length: 10_000 }, (_, i) => `k/${String(i).padStart(6, '0')}`);
    const replica = source.filter((_, i) => i % 100 !== 0);
    const out = await merge(source, replica, 1000);
    expect(out).toHaveLength(10_000);
    expect(out.filter((e) => e.startsWith('-'))).toHaveLength(100);
  });

  it.each([
    ['a listing out of S3 order', ['a', 'c', 'b'], 'source'],
    ['a key listed twice', ['a', 'b', 'b'], 'source'],
  ])('refuses %s (LISTING_OUT_OF_ORDER, naming the side and keys)', async (_name, bad) => {
    const err = await merge(bad, []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapwardError);
    expect(err).toMatchObject({ code: 'LISTING_OUT_OF_ORDER', message: expect.stringMatching(/the source listing returned "b" after "[bc]"/) });
  });

  it('refuses a replica listing sorted by UTF-16 instead of UTF-8 bytes', async () => {
    const utf16 = ['\uFF61', '\uD83D\uDE00'].sort(); // emoji first: the wrong order
    await expect(merge([], utf16)).rejects.toMatchObject({ code: 'LISTING_OUT_OF_ORDER', message: expect.stringContaining('replica listing') });
  });

  it('closes both listings when the consumer stops early', async () => {
    const closed: string[] = [];
    async function* tracked(name: string, keys: string[]): AsyncGenerator<ObjectSummary> {
      try {
        for (const k of keys) yield obj(k);
      } finally {
        closed.push(name);
      }
    }
    for await (const e of mergeListings(tracked('source', ['a', 'b', 'c']), tracked('replica', ['a', 'b', 'c']))) {
      if (e.source?.key === 'a') break;
    }
    expect(closed.sort()).toEqual(['replica', 'source']);
  });

  it('sorted inputs stay sorted through the merge', async () => {
    const keys = ['z', 'é', 'a', '\uFF61', '\u{1F600}', 'a/b'].sort(compareKeys);
    expect((await merge(keys, [])).map((k) => k.slice(1))).toEqual(keys);
  });
});

describe('readAhead', () => {
  it('asks for the next item as soon as it hands one out', async () => {
    const asked: number[] = [];
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 3; i++) {
        asked.push(i);
        yield i;
      }
    }
    const it = readAhead(source());
    expect((await it.next()).value).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(asked).toEqual([0, 1]); // item 1 is being fetched while the consumer holds item 0
    const rest: number[] = [];
    for await (const n of it) rest.push(n);
    expect(rest).toEqual([1, 2]);
  });

  it('an early stop swallows the failure of the fetch in flight and closes the source', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        yield 1;
        throw new Error('page 2 failed');
      } finally {
        closed = true;
      }
    }
    for await (const n of readAhead(source())) if (n === 1) break;
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
  });

  it('passes a failure through to the consumer', async () => {
    async function* source(): AsyncGenerator<number> {
      yield 1;
      throw new Error('page 2 failed');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of readAhead(source())) seen.push(n);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([1]);
  });
});

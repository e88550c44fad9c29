import { SnapwardError } from '../errors';
import { compareKeys } from './key-order';
import { ObjectSummary } from './types';

/** One step of the merge: a key on both sides, only in the source, or only in the replica. */
export type MergedEntry =
  | { readonly source: ObjectSummary; readonly replica: ObjectSummary }
  | { readonly source: ObjectSummary; readonly replica: null }
  | { readonly source: null; readonly replica: ObjectSummary };

/**
 * Merges two listings that are each in S3 key order (see key-order.ts) into one stream of
 * entries, in a single pass holding one object per side: the sort-merge join of two sorted files.
 * Both listings are checked as they go: a key that is not strictly after the previous one means the
 * listing is not in the order this relies on, and carrying on would report false misses, so it
 * throws LISTING_OUT_OF_ORDER instead.
 */
export async function* mergeListings(
  source: AsyncIterable<ObjectSummary>,
  replica: AsyncIterable<ObjectSummary>,
): AsyncGenerator<MergedEntry> {
  const s = inOrder(source, 'source');
  const r = inOrder(replica, 'replica');
  try {
    let a = await s.next();
    let b = await r.next();
    while (!a.done || !b.done) {
      const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value.key, b.value.key);
      if (order < 0) {
        yield { source: a.value as ObjectSummary, replica: null };
        a = await s.next();
      } else if (order > 0) {
        yield { source: null, replica: b.value as ObjectSummary };
        b = await r.next();
      } else {
        yield { source: a.value as ObjectSummary, replica: b.value as ObjectSummary };
        [a, b] = await Promise.all([s.next(), r.next()]);
      }
    }
  } finally {
    // Stopped early or failed: let both listings release what they hold (open requests, prefetches).
    await Promise.allSettled([s.return(undefined), r.return(undefined)]);
  }
}

async function* inOrder(objects: AsyncIterable<ObjectSummary>, side: 'source' | 'replica'): AsyncGenerator<ObjectSummary> {
  let previous: string | null = null;
  for await (const object of objects) {
    if (previous !== null && compareKeys(previous, object.key) >= 0) {
      throw new SnapwardError(
        'LISTING_OUT_OF_ORDER',
        `the ${side} listing returned ${JSON.stringify(object.key)} after ${JSON.stringify(previous)}: keys must come in strictly ascending UTF-8 byte order`,
      );
    }
    previous = object.key;
    yield object;
  }
}

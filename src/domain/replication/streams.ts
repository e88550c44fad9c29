/**
 * Async-iterable plumbing for listings of millions of objects: nothing here holds more than one
 * page per listing, so memory stays flat whatever the bucket size.
 */

/** The items of a paged listing, one by one, in page order. */
export async function* itemsOf<T>(pages: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const page of pages) yield* page;
}

/**
 * Starts fetching the next item as soon as the current one is handed out, so the next page of a
 * listing is on the wire while the consumer works through this one. Holds at most one item ahead.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = it.next();
  try {
    for (;;) {
      const current: IteratorResult<T> = await pending;
      if (current.done) {
        pending = null;
        return;
      }
      pending = it.next();
      yield current.value;
    }
  } finally {
    if (pending) {
      // The consumer stopped early (break, or an error elsewhere): nobody will read the fetch in
      // flight, so its failure must not surface as an unhandled rejection.
      pending.catch(() => undefined);
      await it.return?.();
    }
  }
}

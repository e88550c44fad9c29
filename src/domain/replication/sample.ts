import { compareKeys } from './key-order';
import { ObjectSummary } from './types';

/**
 * Which source objects a sample check looks at, chosen in one pass over the source listing with
 * memory bounded by the sample size.
 *
 * Weighted to the newest: three quarters of the sample are the newest objects by LastModified
 * (a bounded min-heap), because replication trouble (a broken role, a missing KMS grant, a
 * disabled rule) shows first in what was written since it started, and the newest objects are
 * the ones an RPO is about. The other quarter is a uniform random sample of the rest (reservoir
 * sampling), which catches old gaps: objects written before the rule existed, or a FAILED from
 * last month. With a seeded `random` the choice is reproducible.
 */
export const NEWEST_SHARE = 0.75;

export class SampleSelector {
  private readonly newestCount: number;
  /** Min-heap on (lastModified, key): the root is the oldest of the newest kept so far. */
  private readonly heap: ObjectSummary[] = [];
  /** Uniform sample of `size` objects from everything offered (spares for overlaps with the heap). */
  private readonly reservoir: ObjectSummary[] = [];
  private seen = 0;

  constructor(
    private readonly size: number,
    private readonly random: () => number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`sample size must be a whole number >= 1, got ${size}`);
    this.newestCount = Math.max(1, Math.ceil(size * NEWEST_SHARE));
  }

  offer(object: ObjectSummary): void {
    this.seen += 1;
    this.keepIfNewest(object);
    if (this.reservoir.length < this.size) {
      this.reservoir.push(object);
    } else {
      const slot = Math.floor(this.random() * this.seen);
      if (slot < this.size) this.reservoir[slot] = object;
    }
  }

  /** How many objects were offered. */
  get offered(): number {
    return this.seen;
  }

  /** The sample: the newest first (newest to oldest), then the random picks in reservoir order. At most `size`. */
  result(): ObjectSummary[] {
    const newest = [...this.heap].sort((a, b) => -older(a, b));
    const chosen = new Set(newest.map((o) => o.key));
    const out = [...newest];
    for (const o of this.reservoir) {
      if (out.length >= this.size) break;
      if (chosen.has(o.key)) continue;
      chosen.add(o.key);
      out.push(o);
    }
    return out;
  }

  private keepIfNewest(object: ObjectSummary): void {
    const heap = this.heap;
    if (heap.length < this.newestCount) {
      heap.push(object);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (older(heap[i] as ObjectSummary, heap[parent] as ObjectSummary) >= 0) break;
        [heap[i], heap[parent]] = [heap[parent] as ObjectSummary, heap[i] as ObjectSummary];
        i = parent;
      }
      return;
    }
    if (older(object, heap[0] as ObjectSummary) <= 0) return;
    heap[0] = object;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < heap.length && older(heap[l] as ObjectSummary, heap[least] as ObjectSummary) < 0) least = l;
      if (r < heap.length && older(heap[r] as ObjectSummary, heap[least] as ObjectSummary) < 0) least = r;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least] as ObjectSummary, heap[i] as ObjectSummary];
      i = least;
    }
  }
}

/** Negative when `a` is older; equal times are ordered by key so the choice never depends on listing order. */
function older(a: ObjectSummary, b: ObjectSummary): number {
  return a.lastModified.getTime() - b.lastModified.getTime() || compareKeys(b.key, a.key);
}

/** A small seeded PRNG (mulberry32): reproducible samples from a seed, e.g. derived from the run id. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

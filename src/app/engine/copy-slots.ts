import { slotId, StepSlot } from '../../domain/steps';
import { AppDeps } from '../deps';

/**
 * In-flight copy slots shared by every pass, counted in the state store, so two passes at once
 * (a scheduled one and an event-driven one, a CLI pass beside the Lambda) together never start
 * more copies into a region than its limit. Slot i of a region is the lease
 * `copy-slot:<region>/<kind>#i`, held by the step that started the copy until a pass sees the
 * copy finished (or the lease outlives `timeouts.copy`, when the copy is cancelled anyway).
 * Taking a slot is a conditional write, which every store driver makes atomic.
 */
export class CopySlotLeases {
  constructor(
    private readonly deps: Pick<AppDeps, 'store' | 'clock'>,
    private readonly limitOf: (slot: StepSlot) => number,
    private readonly ttlMs: number,
  ) {}

  /** How many slots of `slot`'s region are held now. */
  async held(slot: StepSlot): Promise<number> {
    let n = 0;
    for (let i = 0; i < this.limitOf(slot); i++) if (await this.deps.store.leaseHolder(name(slot, i), this.deps.clock.now())) n++;
    return n;
  }

  /**
   * Takes a free slot for `holder` (a step id) among the first `usable` (the limit minus copies in
   * flight that hold no slot, e.g. another tool's); false when all are taken.
   */
  async claim(slot: StepSlot, holder: string, usable: number): Promise<boolean> {
    const n = Math.min(usable, this.limitOf(slot));
    // Start where the holder's hash points, so concurrent claimers rarely collide on slot 0.
    const start = n > 0 ? hash(holder) % n : 0;
    for (let k = 0; k < n; k++) {
      if (await this.deps.store.acquireLease(name(slot, (start + k) % n), holder, this.ttlMs, this.deps.clock.now())) return true;
    }
    return false;
  }

  /** Frees every slot `holder` holds in `slot`'s region (a no-op where it holds none). */
  async release(slot: StepSlot, holder: string): Promise<void> {
    for (let i = 0; i < this.limitOf(slot); i++) await this.deps.store.releaseLease(name(slot, i), holder);
  }
}

const name = (slot: StepSlot, i: number): string => `copy-slot:${slotId(slot)}#${i}`;

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

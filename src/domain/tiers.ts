import { TierPolicy } from './config';
import { DAY, HOUR } from './time';
import { Tier } from './types';

/** Targets from the company's resilience paper (DEVELOPERS.md): RPO and RTO per service tier. */
export const DEFAULT_TIER_POLICIES: Readonly<Record<Tier, TierPolicy>> = Object.freeze({
  0: { rpoMs: 1 * HOUR, rtoMs: 4 * HOUR, snapshotEveryMs: DAY },
  1: { rpoMs: 1 * HOUR, rtoMs: 6 * HOUR, snapshotEveryMs: DAY },
  2: { rpoMs: 8 * HOUR, rtoMs: 24 * HOUR, snapshotEveryMs: DAY },
  3: { rpoMs: 24 * HOUR, rtoMs: 72 * HOUR, snapshotEveryMs: DAY },
});

import { capacityExceeded, CopyCapacity, shortfallByTier } from '../domain/capacity';
import { Finding } from '../domain/findings';
import { accountFindingKey, Observation } from './watchdog-rules';
import { FleetStatus } from './status';

/** What `check` says about each DR region's copy capacity (also when it cannot judge it). */
export interface CapacityCheck {
  /** The account copying (absent for capacity rows that name none). */
  readonly account?: string;
  readonly region: string;
  readonly kind: CopyCapacity['kind'];
  readonly status: 'ok' | 'exceeded' | 'unknown';
  readonly message: string;
}

const KIND = 'Copy Capacity Exceeded' as const;

/**
 * `Copy Capacity Exceeded` per DR region and kind whose daily demand exceeds its daily capacity
 * (domain/capacity.ts), with what each tier loses and the remedies; resolved when the demand fits
 * again. Judged only on what was seen: a capacity with no copy duration yet is unknown (nothing
 * opened, nothing resolved, and the check says so), and a region whose fleet could not be fully
 * read (the region itself or a source region copying to it) is not judged either, since its
 * demand would be undercounted.
 */
export function judgeCapacity(status: FleetStatus, openBefore: readonly Finding[], observations: Observation[], judged: Set<string>): CapacityCheck[] {
  const rows = status.capacity ?? [];
  const blind = new Set(status.unobserved.map((u) => u.region));
  const checks: CapacityCheck[] = [];
  for (const c of rows) {
    const sources = status.instances.filter((i) => i.drRegion === c.region).map((i) => i.region);
    const hidden = [c.region, ...sources].filter((r) => blind.has(r));
    if (hidden.length > 0) {
      checks.push({ ...where(c), kind: c.kind, status: 'unknown', message: `not judged: ${[...new Set(hidden)].join(', ')} could not be read, so the demand is not known` });
      continue;
    }
    if (c.capacityPerDay === null) {
      checks.push({ ...where(c), kind: c.kind, status: 'unknown', message: `capacity unknown: no ${c.kind} copy to ${c.region} has finished yet, so there is no copy duration to measure (demand ${c.demandPerDay} a day)` });
      continue;
    }
    judged.add(keyOf(status, c));
    if (!capacityExceeded(c)) {
      checks.push({ ...where(c), kind: c.kind, status: 'ok', message: `demand ${c.demandPerDay} a day fits a capacity of ${c.capacityPerDay}` });
      continue;
    }
    const observation = exceeded(c, keyOf(status, c));
    observations.push(observation);
    checks.push({ ...where(c), kind: c.kind, status: 'exceeded', message: String(observation.detail.message) });
  }
  // A region the fleet no longer copies to (and no copy in flight names) has no capacity to judge: resolved, if the whole fleet was seen.
  if (status.unobserved.length === 0) {
    const keys = new Set(rows.map((c) => keyOf(status, c)));
    for (const f of openBefore) if (f.kind === KIND && !keys.has(f.key)) judged.add(f.key);
  }
  return checks;
}

const where = (c: CopyCapacity): { account?: string; region: string } => ({ ...(c.account ? { account: c.account } : {}), region: c.region });

/** The caller's own account keeps the keys from before accounts; another account's name it. */
function keyOf(status: Pick<FleetStatus, 'ownAccount'>, c: CopyCapacity): string {
  return accountFindingKey(KIND, c.account ?? status.ownAccount, status.ownAccount, c.region, c.kind);
}

function exceeded(c: CopyCapacity, key: string): Observation {
  const tiers = shortfallByTier(c) ?? [];
  const losing = tiers.filter((t) => t.rpoHoursLostPerDay > 0);
  const what = c.kind === 'instance' ? 'DB snapshot' : 'DB cluster snapshot';
  const losses = losing.map((t) => `tier ${t.tier} loses ${t.rpoHoursLostPerDay} h of region-loss RPO per day (${t.servedPerDay} of its ${t.demandPerDay} copies a day)`).join('; ');
  const message =
    `${c.region} can complete about ${c.capacityPerDay} ${what} copies a day (${c.limit} in flight x 1440 / ${c.medianCopyMinutes} min median copy) and the fleet needs ${c.demandPerDay}: ` +
    `${losses || 'every tier falls behind'} at this rate`;
  const remedy =
    'copy the low tiers less often (a longer snapshotEvery under tiers:), move some databases to another AWS account (the in-flight copy limit is per account and destination region), ' +
    'or protect some databases with replicated backups instead of snapshot copies (cross-region automated backup replication for DB instances, an Aurora global database for clusters)';
  return {
    key,
    kind: KIND,
    subject: c.region,
    detail: {
      region: c.region,
      account: c.account ?? null,
      dbKind: c.kind,
      limit: c.limit,
      inFlight: c.inFlight,
      medianCopyMinutes: c.medianCopyMinutes,
      capacityPerDay: c.capacityPerDay,
      demandPerDay: c.demandPerDay,
      backlog: c.backlog,
      tiers,
      // Tiers 0 and 1 have 1-hour region-loss targets: falling behind there pages (domain/findings.ts).
      topTiersLose: losing.some((t) => t.tier <= 1),
      message,
      remedy,
    },
  };
}

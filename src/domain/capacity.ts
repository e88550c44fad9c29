import { ConcurrencyConfig, TierPolicy } from './config';
import { MemberState } from './ledger';
import { StepState } from './steps';
import { DAY, HOUR, MINUTE } from './time';
import { DbKind, FleetMember, Tier, TIERS } from './types';

/**
 * Copy capacity: how many cross-region copies a DR region can take a day from this account, and
 * how many the fleet asks of it. Pure: read from the ledger's steps (domain/steps.ts) and the
 * fleet, never from AWS.
 *
 * AWS allows at most N copies in flight per destination region (20 instance snapshots, 5 cluster
 * snapshots; `concurrency.*CopiesPerRegion` may set less), so a region completes at most
 * `limit x 1440 / median copy minutes` copies a day. The copy durations are what the ledger
 * kept: start (AWS accepted the copy) to the first pass that saw it `available`, so they are
 * measured at the resolution of the passes (15 minutes on the deployed schedule).
 *
 * Only steps that hold a slot are read (`slot !== null`); what kind of work they are is not asked.
 */
export interface CopyCapacity {
  /**
   * The 12-digit id of the account copying (AWS's copy limit is per account and destination
   * region); absent where the caller does not say (copyCapacity itself counts one account).
   */
  readonly account?: string;
  /** The destination (DR) region. */
  readonly region: string;
  readonly kind: DbKind;
  /** Slot steps in flight to this region (copies started and not yet seen available). */
  readonly inFlight: number;
  /** The configured cap of copies in flight (AWS's own is 20 instance / 5 cluster). */
  readonly limit: number;
  /** Median minutes from a copy's start to `available`; null: no finished copy known yet. */
  readonly medianCopyMinutes: number | null;
  /** How many finished copies the median is taken from. */
  readonly samples: number;
  /** `limit x 1440 / median` copies a day; null while the median is unknown. */
  readonly capacityPerDay: number | null;
  /** Copies due per day: one per backup period of each member copying here. */
  readonly demandPerDay: number;
  /** Slot steps deferred: copies due that wait for a slot. */
  readonly backlog: number;
  /** Demand per tier, for the shortfall (which tiers lose region-loss RPO when capacity is short). */
  readonly demandByTier: Readonly<Record<Tier, number>>;
}

export interface CapacityInput {
  readonly members: readonly FleetMember[];
  /** Full member states (with steps) by member key; a member without one adds no steps. */
  readonly states: Iterable<MemberState | null | undefined>;
  readonly tiers: Readonly<Record<Tier, Pick<TierPolicy, 'snapshotEveryMs'>>>;
  readonly concurrency: Pick<ConcurrencyConfig, 'instanceCopiesPerRegion' | 'clusterCopiesPerRegion'>;
  readonly now: Date;
  /** Accounts whose copy slots are not the members' DR copies (the vault account, issue 16): not counted. */
  readonly skipAccounts?: ReadonlySet<string>;
}

/** Durations are taken over the last day, or over the last 50 copies when fewer landed in it. */
export const CAPACITY_WINDOW_MS = DAY;
export const CAPACITY_MIN_SAMPLES = 50;

/**
 * One row per DR region and kind the fleet copies to (and any other region a slot step names),
 * sorted by region then kind.
 *
 * @example
 *   copyCapacity({ members, states, tiers, concurrency, now })
 *   // [{ region: 'us-west-2', kind: 'instance', inFlight: 20, limit: 20, medianCopyMinutes: 30,
 *   //    capacityPerDay: 960, demandPerDay: 2000, backlog: 163, ... }]
 */
export function copyCapacity(input: CapacityInput): CopyCapacity[] {
  const rows = new Map<string, { region: string; kind: DbKind; steps: StepState[]; demandByTier: Record<Tier, number> }>();
  const row = (region: string, kind: DbKind) => {
    const key = `${region}/${kind}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { region, kind, steps: [], demandByTier: { 0: 0, 1: 0, 2: 0, 3: 0 } }));
    return r;
  };
  for (const m of input.members) {
    row(m.drRegion, m.kind).demandByTier[m.tier] += DAY / input.tiers[m.tier].snapshotEveryMs;
  }
  for (const state of input.states) {
    for (const step of state?.steps ?? []) if (step.slot && !input.skipAccounts?.has(step.slot.account)) row(step.slot.region, step.slot.dbKind).steps.push(step);
  }
  return [...rows.values()]
    .sort((a, b) => a.region.localeCompare(b.region) || a.kind.localeCompare(b.kind))
    .map((r) => {
      const limit = r.kind === 'instance' ? input.concurrency.instanceCopiesPerRegion : input.concurrency.clusterCopiesPerRegion;
      const durations = recentDurations(r.steps, input.now);
      const median = medianOf(durations);
      return {
        region: r.region,
        kind: r.kind,
        inFlight: r.steps.filter((s) => s.phase === 'in-flight').length,
        limit,
        medianCopyMinutes: median === null ? null : round1(median / MINUTE),
        samples: durations.length,
        capacityPerDay: median === null ? null : dailyCapacity(limit, median),
        demandPerDay: round1(TIERS.reduce<number>((n, t) => n + r.demandByTier[t], 0)),
        backlog: r.steps.filter((s) => s.phase === 'deferred').length,
        demandByTier: r.demandByTier,
      };
    });
}

/**
 * `limit x 1440 / median minutes`, whole copies. A median under a minute (an emulator, where a
 * copy is available at once) counts as one minute: a pass cannot see a copy finish sooner.
 */
export function dailyCapacity(limit: number, medianMs: number): number {
  return Math.floor((limit * DAY) / Math.max(medianMs, MINUTE));
}

/**
 * Durations (ms) of the finished slot steps: those that finished in the last day, or the newest
 * 50 when fewer than 50 finished in it. A step without both times, or finishing after `now` or
 * before it started (a clock that moved back), is not a measurement.
 */
export function recentDurations(steps: readonly StepState[], now: Date): number[] {
  const finished = steps
    .filter((s) => s.phase === 'done' && s.startedAt && s.finishedAt && s.finishedAt.getTime() <= now.getTime() && s.finishedAt.getTime() >= s.startedAt.getTime())
    .sort((a, b) => (b.finishedAt as Date).getTime() - (a.finishedAt as Date).getTime());
  const inWindow = finished.filter((s) => now.getTime() - (s.finishedAt as Date).getTime() <= CAPACITY_WINDOW_MS);
  const chosen = inWindow.length >= CAPACITY_MIN_SAMPLES ? inWindow : finished.slice(0, CAPACITY_MIN_SAMPLES);
  return chosen.map((s) => (s.finishedAt as Date).getTime() - (s.startedAt as Date).getTime());
}

export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What one tier loses when a DR region's daily capacity is short. */
export interface TierShortfall {
  readonly tier: Tier;
  readonly demandPerDay: number;
  /** Copies a day the region completes for this tier when slots go to lower tiers first. */
  readonly servedPerDay: number;
  /**
   * Hours by which the tier's region-loss RPO grows each day at this rate: a member copied in
   * only a fraction f of its periods sees its newest DR recovery point advance f x 24 h a day,
   * so its region-loss RPO grows (1 - f) x 24 h a day.
   */
  readonly rpoHoursLostPerDay: number;
}

/**
 * Splits a region's capacity over the tiers in the order the engine gives out slots (tier 0
 * first) and says what each tier loses. Null when the capacity is unknown.
 */
export function shortfallByTier(c: Pick<CopyCapacity, 'capacityPerDay' | 'demandByTier'>): TierShortfall[] | null {
  if (c.capacityPerDay === null) return null;
  let left = c.capacityPerDay;
  const out: TierShortfall[] = [];
  for (const tier of TIERS) {
    const demand = c.demandByTier[tier];
    if (demand <= 0) continue;
    const served = Math.max(0, Math.min(demand, left));
    left -= served;
    out.push({ tier, demandPerDay: round1(demand), servedPerDay: round1(served), rpoHoursLostPerDay: round1(((demand - served) / demand) * (DAY / HOUR)) });
  }
  return out;
}

/** True when the capacity is known and the demand exceeds it. */
export const capacityExceeded = (c: Pick<CopyCapacity, 'capacityPerDay' | 'demandPerDay'>): boolean => c.capacityPerDay !== null && c.demandPerDay > c.capacityPerDay;

const round1 = (n: number): number => Math.round(n * 10) / 10;

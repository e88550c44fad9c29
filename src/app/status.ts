import { ErrorInfo } from '../domain/errors';
import { periodOf } from '../domain/period';
import { dailySnapshotId } from '../domain/naming';
import { managedInfo } from '../domain/tags';
import { DbKind, FleetMember, Snapshot, Tier } from '../domain/types';
import { AppDeps } from './deps';
import { resolveFleet } from './fleet';
import { listingKey, loadInventory } from './inventory';

export interface RecoveryPoint {
  readonly snapshotId: string;
  readonly time: Date;
}

export interface InstanceStatus {
  readonly instanceId: string;
  readonly kind: DbKind;
  readonly tier: Tier;
  readonly product: string | null;
  readonly region: string;
  readonly drRegion: string;
  readonly origin: FleetMember['origin'];
  /** Newest available managed snapshot in the primary region, by recovery-point time. */
  readonly primary: RecoveryPoint | null;
  /** Newest available managed copy in the DR region. */
  readonly dr: RecoveryPoint | null;
  readonly period: { readonly key: string; readonly snapshotId: string; readonly covered: 'yes' | 'in-progress' | 'no' };
  readonly errors: readonly ErrorInfo[];
}

export interface FleetStatus {
  readonly at: Date;
  readonly instances: readonly InstanceStatus[];
  readonly problems: readonly ErrorInfo[];
  readonly warnings: readonly string[];
}

/** Per instance: newest recovery point in each region and whether the current period is covered. Reads only. */
export async function fleetStatus(deps: AppDeps): Promise<FleetStatus> {
  const at = deps.clock.now();
  const fleet = await resolveFleet(deps.config, deps.provider);
  const inventory = await loadInventory(deps.provider, fleet.members);
  const managed = inventory.snapshots.filter((s) => managedInfo(s));

  const instances = fleet.members.map((m): InstanceStatus => {
    const period = periodOf(at, deps.config.tiers[m.tier].snapshotEveryMs);
    const dailyId = dailySnapshotId(m.id, period);
    const mine = managed.filter((s) => s.kind === m.kind && managedInfo(s)?.instanceId === m.id);
    const daily = mine.find((s) => s.region === m.region && s.id === dailyId);
    const errors = [listingKey(m.region, m.kind), listingKey(m.drRegion, m.kind)]
      .map((k) => inventory.failures.get(k))
      .filter((e): e is ErrorInfo => Boolean(e));
    return {
      instanceId: m.id,
      kind: m.kind,
      tier: m.tier,
      product: m.product ?? null,
      region: m.region,
      drRegion: m.drRegion,
      origin: m.origin,
      primary: newest(mine.filter((s) => s.region === m.region)),
      dr: newest(mine.filter((s) => s.region === m.drRegion)),
      period: { key: period.key, snapshotId: dailyId, covered: !daily ? 'no' : daily.status === 'available' ? 'yes' : 'in-progress' },
      errors,
    };
  });
  return { at, instances, problems: fleet.problems, warnings: fleet.warnings };
}

function newest(snapshots: readonly Snapshot[]): RecoveryPoint | null {
  let best: RecoveryPoint | null = null;
  for (const s of snapshots) {
    const time = managedInfo(s)?.recoveryPointTime;
    if (s.status !== 'available' || !time) continue;
    if (!best || time > best.time) best = { snapshotId: s.id, time };
  }
  return best;
}

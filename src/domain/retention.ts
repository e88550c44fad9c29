import { managedInfo } from './tags';
import { DAY } from './time';
import { Snapshot } from './types';

/**
 * Chooses the managed snapshots that retention may delete.
 *
 * A snapshot is expired when all of these hold:
 *  - it carries snapward's managed tag and is a manual snapshot (never automated, never foreign);
 *  - it belongs to an instance `owns` accepts (the current fleet);
 *  - it is `available` (never one that is creating, copying or failing);
 *  - its recovery-point time (the original snapshot time, never a copy's own time) is known and
 *    older than `retentionDays`;
 *  - it is not the newest available managed snapshot of its instance in its region, so an
 *    instance is never left without its newest recovery point (and RDS incremental copies keep
 *    their base).
 */
export function selectExpired(
  snapshots: readonly Snapshot[],
  now: Date,
  retentionDays: number,
  owns: (instanceId: string) => boolean,
): Snapshot[] {
  const cutoff = now.getTime() - retentionDays * DAY;
  const groups = new Map<string, { snapshot: Snapshot; time: number }[]>();
  for (const snapshot of snapshots) {
    const info = managedInfo(snapshot);
    if (!info || !owns(info.instanceId) || snapshot.status !== 'available' || !info.recoveryPointTime) continue;
    const key = `${info.instanceId}\u0000${snapshot.region}`;
    const group = groups.get(key) ?? [];
    group.push({ snapshot, time: info.recoveryPointTime.getTime() });
    groups.set(key, group);
  }
  const expired: Snapshot[] = [];
  for (const group of groups.values()) {
    // Newest first; ties broken by id so the choice is deterministic.
    group.sort((a, b) => b.time - a.time || (a.snapshot.id < b.snapshot.id ? 1 : -1));
    for (const { snapshot, time } of group.slice(1)) {
      if (time < cutoff) expired.push(snapshot);
    }
  }
  return expired;
}

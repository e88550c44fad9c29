import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { LostPoint, memberKey, newestAvailable, vanished } from '../domain/ledger';
import { managedInfo } from '../domain/tags';
import { FleetMember, refKey, Snapshot } from '../domain/types';
import { SnapshotProvider } from '../ports/snapshot-provider';
import { forEachLimit } from './concurrency';
import { listingKey } from './inventory';

/** What a check learnt by asking AWS about each member's newest recovery points. */
export interface PointConfirmation {
  /** Per member key: the snapshots left once the lost ones are taken out. */
  readonly snapshots: ReadonlyMap<string, Snapshot[]>;
  /** Per member key: newest points AWS no longer has (or no longer shows as available and managed). */
  readonly lost: ReadonlyMap<string, LostPoint[]>;
  /** `region/kind` -> why its confirmation failed: the members there are unknown. */
  readonly failures: ReadonlyMap<string, ErrorInfo>;
}

/** A member's newest point gone means the next one is the newest: confirm that too, a few deep. */
const MAX_ROUNDS = 3;

/**
 * The watchdog's safety net for recovery points deleted behind snapward's back: every member's
 * newest managed point in its primary and DR regions is looked up by id, batched per region and
 * kind (no full listings), so a hand-deleted snapshot or copy is seen at the next check instead of
 * at the next audit. `lastSeen` is the member's last AWS listing (its audit).
 */
export async function confirmNewestPoints(
  provider: SnapshotProvider,
  members: readonly FleetMember[],
  ledger: ReadonlyMap<string, readonly Snapshot[]>,
  lastSeen: (m: FleetMember) => Date | null,
  at: Date,
): Promise<PointConfirmation> {
  const snapshots = new Map<string, Snapshot[]>();
  const lost = new Map<string, LostPoint[]>();
  const failures = new Map<string, ErrorInfo>();
  const confirmed = new Set<string>();
  for (const m of members) snapshots.set(memberKey(m), [...(ledger.get(memberKey(m)) ?? [])]);

  let pending = [...members];
  for (let round = 0; round < MAX_ROUNDS && pending.length; round++) {
    const ask = new Map<string, { region: string; kind: FleetMember['kind']; ids: Set<string> }>();
    const asked: { m: FleetMember; s: Snapshot }[] = [];
    for (const m of pending) {
      for (const region of [m.region, m.drRegion]) {
        const newest = newestAvailable(snapshots.get(memberKey(m)) ?? [], region);
        if (!newest || confirmed.has(refKey(newest)) || failures.has(listingKey(region, m.kind))) continue;
        const key = listingKey(region, m.kind);
        let a = ask.get(key);
        if (!a) ask.set(key, (a = { region, kind: m.kind, ids: new Set() }));
        a.ids.add(newest.id);
        asked.push({ m, s: newest });
      }
    }
    const found = new Map<string, Snapshot>();
    await forEachLimit([...ask.entries()], 4, async ([key, a]) => {
      try {
        for (const s of await provider.listSnapshotsMatching(a.region, a.kind, { snapshotIds: [...a.ids] })) found.set(refKey(s), s);
      } catch (err) {
        failures.set(key, toErrorInfo(err, 'confirm'));
      }
    });
    const again = new Set<FleetMember>();
    for (const { m, s } of asked) {
      if (failures.has(listingKey(s.region, s.kind))) continue;
      const now = found.get(refKey(s));
      if (now && now.status === 'available' && managedInfo(now)?.instanceId === m.id) {
        confirmed.add(refKey(s));
        continue;
      }
      const before = snapshots.get(memberKey(m)) ?? [];
      const after = before.filter((x) => refKey(x) !== refKey(s));
      snapshots.set(memberKey(m), after);
      lost.set(memberKey(m), [...(lost.get(memberKey(m)) ?? []), ...vanished(before, after, [], at, lastSeen(m))]);
      again.add(m);
    }
    pending = [...again];
  }
  return { snapshots, lost, failures };
}

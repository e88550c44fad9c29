import { SnapwardConfig } from './config';
import { managedInfo } from './tags';
import { DAY } from './time';
import { StepState } from './steps';
import { FleetMember, IN_PROGRESS_STATUSES, Snapshot, SnapshotRef } from './types';

/**
 * The ledger: what snapward knows about one member's snapshots, kept in the state store so a
 * pass only asks AWS about what it cannot know (see app/pass-evidence.ts). AWS stays the source
 * of truth: every mutation's response, every refresh and every audit listing overwrites it.
 *
 * It holds the member's managed snapshots in its primary and DR regions, and foreign snapshots
 * that sit at one of snapward's ids for it (they block a create or a copy and must stay visible).
 */
export interface MemberState {
  /** `memberKey(member)`. */
  readonly key: string;
  /** The next time a pass has work for this member; a pass before it skips the member. */
  readonly dueAt: Date;
  /** When its snapshots were last listed from AWS in both regions; null: never. */
  readonly auditedAt: Date | null;
  /** `policyOf(member, config)` when dueAt was computed: any change makes the member due. */
  readonly policy: string;
  /** Snapshots still creating or copying (a pass refreshes them by id). */
  readonly pending: readonly SnapshotRef[];
  readonly snapshots: readonly Snapshot[];
  readonly updatedAt: Date;
  /**
   * When snapward first saw the member (a pass or a check); absent or null: before this was
   * recorded, i.e. long ago. Newcomers get a grace period before "missed" findings.
   */
  readonly firstSeenAt?: Date | null;
  /**
   * Managed recovery points that vanished before snapward expired them (deleted by hand, by
   * another tool): the watchdog turns each into `Recovery Point Deleted` until coverage is back.
   */
  readonly lost?: readonly LostPoint[];
  /**
   * The member's steps that outlive a pass (domain/steps.ts): in flight, failing (with attempts and
   * backoff), deferred, and finished ones that held a copy slot within the last day.
   */
  readonly steps?: readonly StepState[];
  /**
   * The member's copies in the vault account (issue 16), in its DR region: listed and refreshed
   * with the vault's scope, never with the member's. Absent: no vault copy known (or no vault).
   * The accountLoss scenario and the watchdog's vault confirmation read them (domain/account-loss.ts).
   */
  readonly vault?: readonly Snapshot[];
}

/** A managed snapshot the ledger held as available that AWS no longer has. */
export interface LostPoint {
  /** The snapshot as the ledger last held it. */
  readonly snapshot: Snapshot;
  /** When snapward found it gone. */
  readonly noticedAt: Date;
  /** The last time AWS showed it to snapward (its audit or its creation), when known. */
  readonly lastSeenAt: Date | null;
}

/** Everything but the snapshots: what a pass reads for the whole fleet to pick who is due. */
export type MemberStateSummary = Omit<MemberState, 'snapshots' | 'firstSeenAt' | 'lost' | 'steps' | 'vault'>;

/** `<account>/<region>/<kind>/<id>`: ids are unique per account and region only. */
export const memberKey = (m: Pick<FleetMember, 'account' | 'region' | 'kind' | 'id'>): string => `${m.account}/${m.region}/${m.kind}/${m.id}`;

/**
 * The settings dueAt depends on; a different value means the stored dueAt may be wrong. One
 * function for the writer (a pass) and the reader (selecting who is due), so the two agree.
 */
export function policyOf(member: FleetMember, config: Pick<SnapwardConfig, 'tiers' | 'retentionDays'> & Partial<Pick<SnapwardConfig, 'vault'>>): string {
  const base = `${LEDGER_FORMAT}|${member.drRegion}|${config.tiers[member.tier].snapshotEveryMs}|${config.retentionDays}`;
  // A vault (issue 16) added or changed makes every member due once, so vault copies start without waiting a period.
  const v = config.vault;
  return v ? `${base}|vault:${v.account.id}:${v.retentionDays}:${v.tiers.includes(member.tier) ? 'y' : 'n'}` : base;
}

/**
 * The ledger's format version, carried in every entry's policy. An entry written by an older
 * snapward (no such prefix) counts as never audited: the member is re-listed from AWS by the next
 * pass, so an upgrade loses nothing the old format did not hold (steps, attempts, backoff).
 */
export const LEDGER_FORMAT = 'v3';

export const isCurrentFormat = (state: Pick<MemberStateSummary, 'policy'>): boolean => state.policy.startsWith(`${LEDGER_FORMAT}|`);

const snapshotKey = (s: Pick<Snapshot, 'region' | 'id'>): string => `${s.region}/${s.id.toLowerCase()}`;

/** True when a listed snapshot belongs in `member`'s ledger. */
export function belongsTo(member: FleetMember, s: Snapshot): boolean {
  if (s.kind !== member.kind || (s.region !== member.region && s.region !== member.drRegion)) return false;
  const info = managedInfo(s);
  if (info) return info.instanceId === member.id;
  // Someone else's snapshot at one of our ids for this member: the planner must see it.
  return s.snapshotType === 'manual' && s.id.toLowerCase().startsWith(`sw-${member.id}-`);
}

/** Keeps the ledger small: foreign tags are dropped (only `snapward:*` tags are ever read). */
export function forLedger(s: Snapshot): Snapshot {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.tags)) if (k.startsWith('snapward:')) tags[k] = v;
  return { ...s, tags };
}

/**
 * An audit listed every snapshot of the member in `regions`: those regions' entries are replaced.
 *
 * A listing filtered by database id that returns nothing at all for a region where the ledger
 * holds available snapshots is not believed: forgetting them would stop retention from ever
 * deleting them. (In the DR region the filter names a database that lives in another region;
 * moto matches copies by it, AWS documents nothing either way.) Those entries are kept, with a
 * warning; an unfiltered listing (`unfiltered`: first pass, `run --audit`) is always believed.
 */
export function applyAudit(
  current: readonly Snapshot[],
  member: FleetMember,
  listed: readonly Snapshot[],
  regions: ReadonlySet<string>,
  unfiltered: ReadonlySet<string> = regions,
): { snapshots: Snapshot[]; warnings: string[] } {
  const mine = listed.filter((s) => regions.has(s.region) && belongsTo(member, s)).map(forLedger);
  const warnings: string[] = [];
  const replaced = new Set<string>();
  for (const region of regions) {
    const known = current.filter((s) => s.region === region && s.status === 'available').length;
    if (!unfiltered.has(region) && known > 0 && !mine.some((s) => s.region === region)) {
      warnings.push(`audit of ${region} by database id returned none of the ${known} snapshot(s) snapward knows there; kept them (run --audit lists the region unfiltered)`);
      continue;
    }
    replaced.add(region);
  }
  return { snapshots: [...current.filter((s) => !replaced.has(s.region)), ...mine.filter((s) => replaced.has(s.region))], warnings };
}

/**
 * A refresh asked AWS for `asked` by id: the ones it returned replace their entries, the ones it
 * did not return no longer exist (a failed create, a snapshot deleted by hand).
 */
export function applyRefresh(current: readonly Snapshot[], asked: readonly SnapshotRef[], found: (ref: SnapshotRef) => Snapshot | undefined): Snapshot[] {
  const askedKeys = new Set(asked.map(snapshotKey));
  const out: Snapshot[] = [];
  for (const s of current) {
    if (!askedKeys.has(snapshotKey(s))) {
      out.push(s);
      continue;
    }
    const fresh = found(s);
    if (fresh) out.push(forLedger(fresh));
  }
  return out;
}

/** What a pass's own calls told us: snapshots AWS returned (created, copied, adopted) and ones that are gone. */
export function applyObserved(current: readonly Snapshot[], observed: readonly Snapshot[], removed: readonly SnapshotRef[]): Snapshot[] {
  const byKey = new Map(current.map((s) => [snapshotKey(s), s]));
  for (const r of removed) byKey.delete(snapshotKey(r));
  for (const s of observed) byKey.set(snapshotKey(s), forLedger(s));
  return [...byKey.values()];
}

export function pendingOf(snapshots: readonly Snapshot[]): SnapshotRef[] {
  return snapshots.filter((s) => IN_PROGRESS_STATUSES.has(s.status)).map((s) => ({ id: s.id, region: s.region, kind: s.kind }));
}

/**
 * Earliest time a snapshot now kept becomes deletable: retention never takes the newest available
 * one in a region, so only the others count.
 */
export function firstExpiry(member: FleetMember, snapshots: readonly Snapshot[], retentionDays: number): number | null {
  let first: number | null = null;
  for (const region of [member.region, member.drRegion]) {
    const times = snapshots
      .filter((s) => s.region === region && s.status === 'available')
      .map((s) => managedInfo(s)?.recoveryPointTime?.getTime())
      .filter((t): t is number => t !== undefined)
      .sort((a, b) => b - a);
    for (const t of times.slice(1)) {
      const at = t + retentionDays * DAY + 1;
      if (first === null || at < first) first = at;
    }
  }
  return first;
}

/** The newest available managed snapshot of `snapshots` in `region`, by recovery-point time. */
export function newestAvailable(snapshots: readonly Snapshot[], region: string): Snapshot | null {
  let best: { s: Snapshot; t: number } | null = null;
  for (const s of snapshots) {
    const t = s.region === region && s.status === 'available' ? managedInfo(s)?.recoveryPointTime?.getTime() : undefined;
    if (t === undefined) continue;
    if (!best || t > best.t || (t === best.t && s.id > best.s.id)) best = { s, t };
  }
  return best?.s ?? null;
}

/**
 * Recovery points that were available in `before` and are no longer available in `after`
 * without snapward having deleted them (`deleted`): AWS said they are gone (or failed).
 */
export function vanished(before: readonly Snapshot[], after: readonly Snapshot[], deleted: readonly SnapshotRef[], at: Date, lastSeenAt: Date | null): LostPoint[] {
  const now = new Map(after.map((s) => [snapshotKey(s), s]));
  const ours = new Set(deleted.map(snapshotKey));
  const out: LostPoint[] = [];
  for (const s of before) {
    if (s.status !== 'available' || !managedInfo(s) || ours.has(snapshotKey(s))) continue;
    const later = now.get(snapshotKey(s));
    if (later && later.status === 'available') continue;
    const seen = lastSeenAt && s.createdAt ? new Date(Math.max(lastSeenAt.getTime(), s.createdAt.getTime())) : (lastSeenAt ?? s.createdAt);
    out.push({ snapshot: s, noticedAt: at, lastSeenAt: seen });
  }
  return out;
}

/** How long a lost point stays in the ledger after coverage is back, so the watchdog tells it once. */
export const LOST_POINT_KEPT_MS = 7 * DAY;

/**
 * Lost points that still matter. One is dropped once retention would have deleted it by now
 * anyway, or once its region holds an available managed recovery point at least as new (coverage
 * restored) and it was noticed more than LOST_POINT_KEPT_MS ago (the watchdog has told it by then).
 * Newly lost points are added without duplicates.
 */
export function keepLost(current: readonly LostPoint[], added: readonly LostPoint[], snapshots: readonly Snapshot[], now: Date, retentionDays: number): LostPoint[] {
  const byKey = new Map(current.map((l) => [snapshotKey(l.snapshot), l]));
  for (const l of added) if (!byKey.has(snapshotKey(l.snapshot))) byKey.set(snapshotKey(l.snapshot), l);
  const cutoff = now.getTime() - retentionDays * DAY;
  return [...byKey.values()].filter((l) => {
    const time = managedInfo(l.snapshot)?.recoveryPointTime?.getTime();
    if (time === undefined || time < cutoff) return false;
    return !(coverageRestored(l, snapshots) && now.getTime() - l.noticedAt.getTime() > LOST_POINT_KEPT_MS);
  });
}

/** True when the lost point's region again holds an available managed point at least as new. */
export function coverageRestored(lost: LostPoint, snapshots: readonly Snapshot[]): boolean {
  const time = managedInfo(lost.snapshot)?.recoveryPointTime?.getTime();
  const newest = newestAvailable(snapshots, lost.snapshot.region);
  const newestTime = newest ? managedInfo(newest)?.recoveryPointTime?.getTime() : undefined;
  return time !== undefined && newestTime !== undefined && newestTime >= time;
}

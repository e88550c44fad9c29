import { dailySnapshotId } from './naming';
import { Period, periodOf } from './period';
import { selectExpired } from './retention';
import { baseTags, copyTags, managedInfo, TAG } from './tags';
import { DAY } from './time';
import { DbKind, FleetMember, Snapshot } from './types';

/**
 * Planning one reconcile pass: a pure function from (fleet, what AWS holds, now) to the steps
 * each instance needs. Level-triggered: the same inputs give the same plan, so a pass that is
 * re-run, or that follows a crashed one, plans only what is still missing.
 */

/** Statuses of a snapshot that is still on its way to `available`. */
export const IN_PROGRESS_STATUSES: ReadonlySet<string> = new Set(['creating', 'pending', 'copying']);

export interface CopyStep {
  readonly source: Snapshot;
  readonly targetRegion: string;
  readonly targetId: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface CreateStep {
  readonly snapshotId: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface InstancePlan {
  readonly member: FleetMember;
  readonly period: Period;
  readonly create: CreateStep | null;
  readonly copies: readonly CopyStep[];
  /** Copies due but over the in-flight copy limit of their destination region. */
  readonly deferredCopies: readonly CopyStep[];
  readonly deletes: readonly Snapshot[];
  readonly inProgress: readonly Snapshot[];
  readonly warnings: readonly string[];
  /** Problems that stop a step from being planned (e.g. the daily id taken by a foreign snapshot). */
  readonly blockers: readonly { step: string; message: string; code: 'SNAPSHOT_ID_TAKEN' }[];
}

export interface PlanSettings {
  readonly now: Date;
  readonly retentionDays: number;
  /** Backup period length for a member (from its tier policy). */
  readonly periodMs: (member: FleetMember) => number;
  /** In-flight copy limit per destination region and kind. */
  readonly copyLimit: Readonly<Record<DbKind, number>>;
  /**
   * Copy starts left per destination region, shared by several planFleet calls of one pass (and
   * taken from as copies are planned). Absent: the limit minus the copies in flight in `inventory`.
   */
  readonly copySlots?: CopySlots;
}

/** Remaining copy starts allowed this pass, keyed by `slotKey(region, kind)`. */
export type CopySlots = Map<string, number>;
export const slotKey = (region: string, kind: DbKind): string => `${region}/${kind}`;

export interface FleetPlan {
  readonly instances: readonly InstancePlan[];
  /** Slots left after the planned copies: same-pass copies of fresh snapshots may use them. */
  readonly copySlots: CopySlots;
}

/** Snapshots of one region and kind, as listed by a pass. */
export interface Inventory {
  /** Every listed manual snapshot, any owner. */
  readonly snapshots: readonly Snapshot[];
}

export function planFleet(fleet: readonly FleetMember[], inventory: Inventory, settings: PlanSettings): FleetPlan {
  const byRegion = indexByRegionKindId(inventory.snapshots);
  const copySlots = settings.copySlots ?? initialCopySlots(fleet, inventory.snapshots, settings.copyLimit);
  const owned = new Set(fleet.map((m) => m.id));
  const expired = new Set(selectExpired(inventory.snapshots, settings.now, settings.retentionDays, (id) => owned.has(id)));
  const managedByMember = groupManagedByMember(inventory.snapshots);

  const drafts = fleet.map((member) => {
    // Only this member's kind in its two regions: the same id elsewhere is another database.
    const mine = (managedByMember.get(member.id) ?? []).filter(
      (s) => s.kind === member.kind && (s.region === member.region || s.region === member.drRegion),
    );
    return planMember(member, mine, byRegion, expired, settings);
  });

  // Allocate copy slots newest recovery point first across the fleet: under a limit, the copies
  // that improve the region-loss RPO most go first.
  const allCopies = drafts.flatMap((d) => d.copyCandidates.map((c) => ({ draft: d, ...c })));
  allCopies.sort((a, b) => b.time - a.time || (a.step.targetId < b.step.targetId ? -1 : 1));
  for (const { draft, step } of allCopies) {
    const key = slotKey(step.targetRegion, draft.member.kind);
    const left = copySlots.get(key) ?? 0;
    if (left > 0) {
      copySlots.set(key, left - 1);
      draft.copies.push(step);
    } else {
      draft.deferredCopies.push(step);
    }
  }
  const instances = drafts.map(({ copyCandidates: _unused, ...plan }) => plan);
  return { instances, copySlots };
}

interface Draft extends InstancePlan {
  readonly copies: CopyStep[];
  readonly deferredCopies: CopyStep[];
  readonly copyCandidates: { step: CopyStep; time: number }[];
}

function planMember(
  member: FleetMember,
  managed: readonly Snapshot[],
  byRegion: Map<string, Snapshot>,
  expired: ReadonlySet<Snapshot>,
  settings: PlanSettings,
): Draft {
  const period = periodOf(settings.now, settings.periodMs(member));
  const warnings: string[] = [];
  const blockers: InstancePlan['blockers'][number][] = [];
  const cutoff = settings.now.getTime() - settings.retentionDays * DAY;

  // 1. The period's scheduled snapshot, found by its deterministic id.
  const dailyId = dailySnapshotId(member.id, period);
  const existing = byRegion.get(regionKindId(member.region, member.kind, dailyId));
  let create: CreateStep | null = null;
  if (!existing) {
    create = { snapshotId: dailyId, tags: { ...baseTags(member, 'daily'), [TAG.period]: period.key } };
  } else if (!managedInfo(existing)) {
    blockers.push({
      step: 'create',
      code: 'SNAPSHOT_ID_TAKEN',
      message: `snapshot id ${dailyId} in ${member.region} belongs to a snapshot without the ${TAG.managed} tag; rename or delete it`,
    });
  }

  // 2. Copies: every available primary snapshot within retention that has no DR twin yet.
  const primaries = managed.filter((s) => s.region === member.region);
  const copyCandidates: Draft['copyCandidates'] = [];
  for (const source of primaries) {
    const info = managedInfo(source);
    if (!info || info.isCopy || source.status !== 'available' || !info.recoveryPointTime) continue;
    if (info.recoveryPointTime.getTime() < cutoff) continue; // would only be deleted again
    const twin = byRegion.get(regionKindId(member.drRegion, member.kind, source.id));
    if (twin) {
      if (!managedInfo(twin)) warnings.push(`copy id ${source.id} in ${member.drRegion} is taken by a snapshot snapward does not manage; not copied`);
      continue;
    }
    copyCandidates.push({ step: copyStepFor(source, member.drRegion, info.recoveryPointTime), time: info.recoveryPointTime.getTime() });
  }

  // 3. Retention, both regions; never delete a source whose copy is still in flight.
  const copyingFrom = new Set(
    managed
      .filter((s) => s.region === member.drRegion && IN_PROGRESS_STATUSES.has(s.status))
      .map((s) => s.id),
  );
  const deletes = managed.filter((s) => expired.has(s) && !(s.region === member.region && copyingFrom.has(s.id)));

  const inProgress = managed.filter((s) => IN_PROGRESS_STATUSES.has(s.status));
  for (const s of managed) {
    if (s.status !== 'available' && !IN_PROGRESS_STATUSES.has(s.status)) {
      warnings.push(`snapshot ${s.id} in ${s.region} is in state '${s.status}': it is not a recovery point`);
    }
  }
  return { member, period, create, copies: [], deferredCopies: [], copyCandidates, deletes, inProgress, warnings, blockers };
}

export function copyStepFor(source: Snapshot, targetRegion: string, recoveryPointTime: Date): CopyStep {
  // Same id in the DR region: deterministic, so a re-run finds the copy instead of making another.
  return { source, targetRegion, targetId: source.id, tags: copyTags(source, recoveryPointTime) };
}

/** Copy slots per destination region: the limit minus copies already in flight there (any owner). */
function initialCopySlots(fleet: readonly FleetMember[], snapshots: readonly Snapshot[], limit: Readonly<Record<DbKind, number>>): CopySlots {
  const slots: CopySlots = new Map();
  for (const m of fleet) slots.set(slotKey(m.drRegion, m.kind), limit[m.kind]);
  for (const s of snapshots) {
    const key = slotKey(s.region, s.kind);
    if ((s.status === 'pending' || s.status === 'copying') && slots.has(key)) slots.set(key, Math.max(0, (slots.get(key) as number) - 1));
  }
  return slots;
}

const regionKindId = (region: string, kind: DbKind, id: string): string => `${region}/${kind}/${id.toLowerCase()}`;

function indexByRegionKindId(snapshots: readonly Snapshot[]): Map<string, Snapshot> {
  return new Map(snapshots.map((s) => [regionKindId(s.region, s.kind, s.id), s]));
}

function groupManagedByMember(snapshots: readonly Snapshot[]): Map<string, Snapshot[]> {
  const groups = new Map<string, Snapshot[]>();
  for (const s of snapshots) {
    const info = managedInfo(s);
    if (!info) continue;
    const list = groups.get(info.instanceId) ?? [];
    list.push(s);
    groups.set(info.instanceId, list);
  }
  return groups;
}

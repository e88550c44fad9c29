import { SnapwardError } from '../errors';
import { stepId } from '../steps';
import { copyTags, managedInfo } from '../tags';
import { DAY, HOUR } from '../time';
import { IN_PROGRESS_STATUSES, Snapshot } from '../types';
import { MemberView, PlannedStep, PlannerOutput } from '../work';

/** The `copy` kind's work: each available recovery point copied to the member's DR region. */
export const COPY = 'copy';

export type CopyInput =
  | { readonly action: 'start'; readonly source: Snapshot; readonly targetId: string; readonly tags: Readonly<Record<string, string>> }
  /** A copy in flight longer than `timeouts.copy`: deleting its target cancels it (AWS). */
  | { readonly action: 'cancel'; readonly target: Snapshot };

/**
 * Plans a copy for every available primary recovery point within retention that has no DR twin
 * yet, under the same id in the DR region (a re-run finds the copy instead of making another).
 * Each copy needs a slot of its destination region (AWS: 20 instance / 5 cluster snapshot copies
 * in flight per region and account); when slots are scarce they go by priority: tier ascending,
 * a member's newest point before its older ones, ad hoc before daily, then the largest
 * region-loss RPO debt (no DR copy at all first, then the oldest DR recovery point).
 */
export function planCopy(view: MemberView): PlannerOutput {
  const { member, now } = view;
  const steps: PlannedStep[] = [];
  const warnings: string[] = [];
  const slot = { account: member.account, region: member.drRegion, dbKind: member.kind };
  const cutoff = now.getTime() - view.retentionDays * DAY;
  const inDr = new Map(view.snapshots.filter((s) => s.region === member.drRegion).map((s) => [s.id.toLowerCase(), s]));
  const debt = now.getTime() - newestRecoveryPoint(view.snapshots.filter((s) => s.region === member.drRegion));

  const candidates: { source: Snapshot; time: Date }[] = [];
  for (const source of view.snapshots) {
    const info = managedInfo(source);
    if (source.region !== member.region || !info || info.isCopy || source.status !== 'available' || !info.recoveryPointTime) continue;
    // Older than retention: it would only be deleted again (unless this pass just made it).
    if (info.recoveryPointTime.getTime() < cutoff && !view.madeThisPass?.has(`${source.region}/${source.id.toLowerCase()}`)) continue;
    const twin = inDr.get(source.id.toLowerCase());
    if (!twin) {
      candidates.push({ source, time: info.recoveryPointTime });
      continue;
    }
    if (!managedInfo(twin)) warnings.push(`copy id ${source.id} in ${member.drRegion} is taken by a snapshot snapward does not manage; not copied`);
  }
  candidates.sort((a, b) => b.time.getTime() - a.time.getTime() || (a.source.id < b.source.id ? -1 : 1));
  candidates.forEach(({ source, time }, k) => {
    const target = { id: source.id, region: member.drRegion, kind: member.kind };
    const adhoc = managedInfo(source)?.purpose === 'adhoc' ? 0 : 1;
    const input: CopyInput = { action: 'start', source, targetId: source.id, tags: copyTags(source, time) };
    steps.push({ id: stepId(COPY, target), kind: COPY, member, target, phase: 'ready', slot, priority: [member.tier, k, adhoc, -debt], input });
  });

  // Copies in flight: watched, and cancelled once they have taken longer than timeouts.copy.
  for (const twin of inDr.values()) {
    const info = managedInfo(twin);
    if (!info?.isCopy || !IN_PROGRESS_STATUSES.has(twin.status)) continue;
    const target = { id: twin.id, region: twin.region, kind: twin.kind };
    const id = stepId(COPY, target);
    const startedAt = view.steps.get(id)?.startedAt ?? now;
    const age = now.getTime() - startedAt.getTime();
    if (age > view.timeouts.copyMs) {
      const input: CopyInput = { action: 'cancel', target: twin };
      const reason = `copy ${twin.id} to ${twin.region} has been ${twin.status} for ${Math.floor(age / HOUR)} h (timeouts.copy ${Math.round(view.timeouts.copyMs / HOUR)} h): cancelled, started again later`;
      steps.push({ id, kind: COPY, member, target, phase: 'ready', slot: null, priority: [member.tier], input, startedAt, reason });
    } else {
      steps.push({ id, kind: COPY, member, target, phase: 'in-flight', slot, priority: [member.tier], input: null, startedAt });
    }
  }
  return { steps, warnings };
}

export const copyTimedOut = (reason: string) => new SnapwardError('COPY_TIMED_OUT', reason, { retryable: true }).toInfo('copy');

function newestRecoveryPoint(snapshots: readonly Snapshot[]): number {
  let newest = 0;
  for (const s of snapshots) {
    const t = s.status === 'available' ? managedInfo(s)?.recoveryPointTime?.getTime() : undefined;
    if (t !== undefined && t > newest) newest = t;
  }
  return newest;
}

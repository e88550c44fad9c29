import { stepId } from '../steps';
import { IN_PROGRESS_STATUSES, Snapshot } from '../types';
import { MemberView, PlannedStep, PlannerOutput } from '../work';

/** The `expire` kind's work: retention deletes, in both regions. */
export const EXPIRE = 'expire';

export interface ExpireInput {
  readonly snapshot: Snapshot;
}

/**
 * Deletes what retention chose for the whole fleet (domain/retention.ts: managed, available, older
 * than retentionDays, never the newest point of its region), except a source whose copy is still
 * in flight. Each delete destroys a recovery point, so the engine confirms it with AWS first
 * (app/retention-guard.ts) and drops any it could not confirm.
 */
export function planExpire(view: MemberView): PlannerOutput {
  const { member } = view;
  const copyingFrom = new Set(view.snapshots.filter((s) => s.region === member.drRegion && IN_PROGRESS_STATUSES.has(s.status)).map((s) => s.id.toLowerCase()));
  const steps: PlannedStep[] = view.snapshots
    .filter((s) => view.expired.has(`${s.region}/${s.id.toLowerCase()}`) && !(s.region === member.region && copyingFrom.has(s.id.toLowerCase())))
    .map((s) => {
      const target = { id: s.id, region: s.region, kind: s.kind };
      const input: ExpireInput = { snapshot: s };
      return { id: stepId(EXPIRE, target), kind: EXPIRE, member, target, phase: 'ready', slot: null, priority: [], input, destroys: s };
    });
  return { steps, warnings: [] };
}

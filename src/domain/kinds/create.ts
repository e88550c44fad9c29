import { SnapwardError } from '../errors';
import { dailySnapshotId } from '../naming';
import { periodOf } from '../period';
import { stepId } from '../steps';
import { baseTags, managedInfo, TAG } from '../tags';
import { HOUR } from '../time';
import { IN_PROGRESS_STATUSES } from '../types';
import { MemberView, PlannedStep, PlannerOutput } from '../work';

/** The `create` kind's work: the period's scheduled snapshot of the member, in its own region. */
export const CREATE = 'create';

export interface CreateInput {
  readonly snapshotId: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Plans the period's snapshot (found by its deterministic id, so a re-run finds it instead of
 * making another), and watches snapshots still `creating`: one creating longer than
 * `timeouts.create` is reported CREATE_TIMED_OUT. AWS cannot cancel a create, so it is left alone
 * and reported until it resolves; the next period's snapshot is taken as usual.
 */
export function planCreate(view: MemberView): PlannerOutput {
  const { member, now } = view;
  const period = periodOf(now, view.periodMs);
  const dailyId = dailySnapshotId(member.id, period);
  const target = { id: dailyId, region: member.region, kind: member.kind };
  const steps: PlannedStep[] = [];
  const step = (over: Partial<PlannedStep> & Pick<PlannedStep, 'phase' | 'target'>): PlannedStep => ({
    id: stepId(CREATE, over.target),
    kind: CREATE,
    member,
    slot: null,
    priority: [member.tier],
    input: null,
    ...over,
  });

  const existing = view.snapshots.find((s) => s.region === member.region && s.id.toLowerCase() === dailyId.toLowerCase());
  if (!existing) {
    const input: CreateInput = { snapshotId: dailyId, tags: { ...baseTags(member, 'daily'), [TAG.period]: period.key } };
    steps.push(step({ phase: 'ready', target, input }));
  } else if (!managedInfo(existing)) {
    const message = `snapshot id ${dailyId} in ${member.region} belongs to a snapshot without the ${TAG.managed} tag; rename or delete it`;
    steps.push(step({ phase: 'blocked', target, error: new SnapwardError('SNAPSHOT_ID_TAKEN', message).toInfo('create'), reason: message }));
  }

  for (const s of view.snapshots) {
    const info = managedInfo(s);
    if (s.region !== member.region || !info || info.isCopy || !IN_PROGRESS_STATUSES.has(s.status)) continue;
    const ref = { id: s.id, region: s.region, kind: s.kind };
    const startedAt = view.steps.get(stepId(CREATE, ref))?.startedAt ?? s.createdAt ?? now;
    const age = now.getTime() - startedAt.getTime();
    if (age > view.timeouts.createMs) {
      const message = `snapshot ${s.id} in ${s.region} has been ${s.status} for ${Math.floor(age / HOUR)} h (timeouts.create ${Math.round(view.timeouts.createMs / HOUR)} h); AWS cannot cancel a create, so it is left alone and reported until it resolves`;
      steps.push(step({ phase: 'failed', target: ref, startedAt, error: new SnapwardError('CREATE_TIMED_OUT', message).toInfo('create'), reason: message }));
    } else {
      steps.push(step({ phase: 'in-flight', target: ref, startedAt }));
    }
  }
  return { steps, warnings: [] };
}

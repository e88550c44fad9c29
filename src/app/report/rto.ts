import { DRILL_OVERDUE_GRACE_MS, DrillRecord, drillsOf, drillSubject, memberDrillSubject } from '../../domain/drill';
import { newestByInstance } from '../../domain/drill-plan';
import { AppDeps } from '../deps';
import { drillRecords } from '../drill-records';
import { InstanceStatus } from '../status';

/** An instance's newest restore drill, as the dashboard shows it. */
export type DrillRto =
  | { readonly status: 'measured'; readonly seconds: number; readonly at: Date; readonly drillId: string }
  | { readonly status: 'no-drill' };

/** A drill that is due (or overdue) for an instance. */
export interface DrillDue {
  readonly instanceId: string;
  readonly dueAt: Date;
  readonly overdue: boolean;
}

export interface DrillEvidence {
  /** `memberDrillSubject` (account/id) -> the instance's newest drill RTO. */
  readonly rto: ReadonlyMap<string, DrillRto>;
  readonly due: readonly DrillDue[];
  /** False when drills are not read (a build without them): the page says "no drill yet" and why. */
  readonly available: boolean;
  /** Every drill recorded, newest first (the auditor's drills.csv keeps those of the period). */
  readonly records?: readonly DrillRecord[];
}

/**
 * THE one place the dashboard learns RTO from restore drills: each instance's newest finished
 * drill that measured an RTO (a drill that failed after validation still measured one; the band
 * is the model's), and the scheduled drills due now, overdue past `every` + 7 days (as the
 * `Drill Overdue` finding counts).
 */
export async function lookupNewestDrillRto(deps: Pick<AppDeps, 'store' | 'clock' | 'config' | 'accounts'>, instances: readonly InstanceStatus[]): Promise<DrillEvidence> {
  const now = deps.clock.now();
  const settings = drillsOf(deps.config);
  const drills = await drillRecords(deps);
  const measured = newestByInstance(drills, (d) => d.phase === 'done' && d.rtoSeconds !== null);
  const succeeded = newestByInstance(drills, (d) => d.outcome === 'succeeded');
  const inFlight = new Set(drills.filter((d) => d.phase !== 'done').map(drillSubject));
  const rto = new Map<string, DrillRto>();
  const due: DrillDue[] = [];
  for (const i of instances) {
    const subject = memberDrillSubject({ account: i.account, id: i.instanceId });
    const d = measured.get(subject);
    rto.set(subject, d ? { status: 'measured', seconds: d.rtoSeconds as number, at: d.finishedAt ?? d.validatedAt ?? d.updatedAt, drillId: d.drillId } : { status: 'no-drill' });
    const every = settings.everyMs[i.tier];
    if (every === undefined || inFlight.has(subject)) continue;
    const ok = succeeded.get(subject);
    const since = ok ? (ok.finishedAt ?? ok.createdAt) : (i.firstSeenAt ?? null);
    const dueAt = ok ? new Date((ok.finishedAt ?? ok.createdAt).getTime() + every) : (i.firstSeenAt ?? now);
    if (dueAt > now) continue;
    // A member seen before sightings were recorded, never drilled: due, but not called overdue on a guess.
    due.push({ instanceId: i.instanceId, dueAt, overdue: since !== null && now.getTime() - since.getTime() > every + DRILL_OVERDUE_GRACE_MS });
  }
  return { rto, due, available: true, records: drills };
}

import { DrillOutcome } from '../domain/drill';
import { newestByInstance } from '../domain/drill-plan';
import { Band } from '../domain/rpo';
import { AppDeps } from './deps';
import { drillRecords } from './drill-records';

/** The RTO figure status shows beside the RPO ones: the newest finished drill of an instance. */
export interface DrillSummary {
  readonly drillId: string;
  readonly finishedAt: Date | null;
  /** Null when the drill ended before validation (failed or cancelled early). */
  readonly rtoSeconds: number | null;
  readonly rtoTargetSeconds: number;
  readonly band: Band | null;
  readonly outcome: DrillOutcome | null;
}

/** `memberDrillSubject` (account/id) -> its newest finished drill (a drill still in flight does not hide the last figure). */
export async function newestDrillSummaries(deps: AppDeps): Promise<Map<string, DrillSummary>> {
  const newest = newestByInstance(await drillRecords(deps), (d) => d.phase === 'done');
  return new Map(
    [...newest].map(([id, d]) => [id, { drillId: d.drillId, finishedAt: d.finishedAt, rtoSeconds: d.rtoSeconds, rtoTargetSeconds: d.rtoTargetSeconds, band: d.band, outcome: d.outcome }]),
  );
}

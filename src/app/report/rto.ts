import { AppDeps } from '../deps';
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
  /** Instance id -> its newest drill RTO. */
  readonly rto: ReadonlyMap<string, DrillRto>;
  readonly due: readonly DrillDue[];
  /** False while this build has no drills store: the page says "no drill yet" and why. */
  readonly available: boolean;
}

/**
 * THE one place the dashboard learns RTO from restore drills. Restore drills (branch `drills`)
 * have not landed yet, so every instance is "no drill yet" and `available` is false; at merge
 * time this function reads the drills store (newest drill per instance, drills due) and nothing
 * else in the report changes.
 */
export async function lookupNewestDrillRto(_deps: Pick<AppDeps, 'store' | 'clock'>, instances: readonly InstanceStatus[]): Promise<DrillEvidence> {
  return { rto: new Map(instances.map((i) => [i.instanceId, { status: 'no-drill' } as const])), due: [], available: false };
}

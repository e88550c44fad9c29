import { FleetMember } from '../domain/types';
import { AppDeps } from './deps';

/** One instance's restore drills, as `snapward show` tells them. */
export interface InstanceDrills {
  /** False while this build has no drills store: `show` says so rather than "no drills". */
  readonly available: boolean;
  /** Newest first. */
  readonly items: readonly unknown[];
}

/**
 * THE one place `show` learns an instance's restore drills.
 *
 * PLACEHOLDER until the drills store (issue 12, branch `drills`) is merged: it answers
 * `available: false` with no items. At merge time, replace the body with a read-only query of the
 * drills store filtered to `member` (newest first) and `available: true`; nothing else in `show`
 * changes.
 */
export async function instanceDrills(_deps: AppDeps, _member: FleetMember): Promise<InstanceDrills> {
  return { available: false, items: [] };
}

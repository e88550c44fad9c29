import { FleetMember } from '../domain/types';
import { AppDeps } from './deps';

/**
 * One instance's restore drills, newest first, for `snapward show`.
 *
 * PLACEHOLDER until the drills store (issue 12) is merged: it returns an empty list, and `show`
 * says "no drills recorded". At merge time, replace the body with a read of the drills store
 * filtered to `member` (read-only; nothing else in `show` changes).
 */
export async function instanceDrills(_deps: AppDeps, _member: FleetMember): Promise<readonly unknown[]> {
  return [];
}

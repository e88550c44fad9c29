import { FleetMember } from '../domain/types';
import { AppDeps } from './deps';
import { drillRecords } from './drill-records';

/** One instance's restore drills, as `snapward show` tells them. */
export interface InstanceDrills {
  /** False in a build without the drills store: `show` says so rather than "no drills". */
  readonly available: boolean;
  /** Newest first. */
  readonly items: readonly unknown[];
}

/** THE one place `show` learns an instance's restore drills: the drills store, newest first. */
export async function instanceDrills(deps: AppDeps, member: FleetMember): Promise<InstanceDrills> {
  return { available: true, items: (await drillRecords(deps, { instanceId: member.id })).filter((d) => d.account === member.account) };
}

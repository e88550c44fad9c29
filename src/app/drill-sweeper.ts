import { drillsOf } from '../domain/drill';
import { selectSweep } from '../domain/drill-plan';
import { toErrorInfo } from '../domain/errors';
import { FleetMember } from '../domain/types';
import { AppDeps } from './deps';

export interface SweepReport {
  readonly deleted: readonly { id: string; kind: string; region: string }[];
  /** Regions that could not be listed, deletes that failed: unknown, tried again next pass. */
  readonly problems: readonly string[];
}

/**
 * Deletes drill databases (tagged `snapward:drill`) older than `drills.maxAge` in every region a
 * drill can restore into, whether the store knows them or not: a lost store leaves no orphan
 * running for long. Databases without the tag are never touched, whatever their name.
 */
export async function sweepDrillDatabases(deps: AppDeps, members: readonly FleetMember[]): Promise<SweepReport> {
  const settings = drillsOf(deps.config);
  const regions = [...new Set([...members.flatMap((m) => [m.region, m.drRegion]), ...Object.keys(settings.regions)])].sort();
  const deleted: { id: string; kind: string; region: string }[] = [];
  const problems: string[] = [];
  for (const region of regions) {
    let dbs;
    try {
      dbs = await deps.restores.listDrillDatabases(region);
    } catch (err) {
      problems.push(`could not list drill databases in ${region}: ${toErrorInfo(err).message}`);
      continue;
    }
    for (const db of selectSweep(dbs, deps.clock.now(), settings.maxAgeMs)) {
      try {
        await deps.restores.deleteDatabase(db);
        deleted.push({ id: db.id, kind: db.kind, region });
      } catch (err) {
        problems.push(`could not delete drill ${db.kind} ${db.id} in ${region}: ${toErrorInfo(err).message}`);
      }
    }
  }
  return { deleted, problems };
}

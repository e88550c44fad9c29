import { drillsOf } from '../domain/drill';
import { selectSweep } from '../domain/drill-plan';
import { toErrorInfo } from '../domain/errors';
import { FleetMember } from '../domain/types';
import { AppDeps } from './deps';
import { restoresOf } from './drill-records';

export interface SweepReport {
  readonly deleted: readonly { id: string; kind: string; region: string; account: string }[];
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
  const deleted: { id: string; kind: string; region: string; account: string }[] = [];
  const problems: string[] = [];
  // Drills restore in their member's account: each account's regions are swept with its own role.
  const accounts = [...new Set(members.map((m) => m.account))].sort();
  for (const account of accounts) {
    const own = members.filter((m) => m.account === account);
    const regions = [...new Set([...own.flatMap((m) => [m.region, m.drRegion]), ...Object.keys(settings.regions)])].sort();
    const restores = restoresOf(deps, { account });
    const where = (region: string) => (accounts.length > 1 ? `${region} of account ${account}` : region);
    for (const region of regions) {
      let dbs;
      try {
        dbs = await restores.listDrillDatabases(region);
      } catch (err) {
        problems.push(`could not list drill databases in ${where(region)}: ${toErrorInfo(err).message}`);
        continue;
      }
      for (const db of selectSweep(dbs, deps.clock.now(), settings.maxAgeMs)) {
        try {
          await restores.deleteDatabase(db);
          deleted.push({ id: db.id, kind: db.kind, region, account });
        } catch (err) {
          problems.push(`could not delete drill ${db.kind} ${db.id} in ${where(region)}: ${toErrorInfo(err).message}`);
        }
      }
    }
  }
  return { deleted, problems };
}

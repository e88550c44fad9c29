import { SnapwardConfig } from '../domain/config';
import { Database, FleetMember } from '../domain/types';
import { DatabaseCatalog } from './catalog';

/** Regions snapward is told about: configured instances' and discovery rules' primary regions. */
export function configuredRegions(config: SnapwardConfig): string[] {
  return [...new Set([...config.instances.map((i) => i.region), ...config.discover.map((r) => r.region)])];
}

/**
 * Why a configured member cannot be backed up as configured, from the databases of its region:
 * missing, a cluster configured as an instance (or the reverse), a member of an Aurora cluster.
 * Null when it exists with the configured kind and can be snapshotted.
 */
export function memberHint(m: Omit<FleetMember, 'account' | 'accountName'>, databases: readonly Database[]): string | null {
  const same = databases.filter((d) => d.id === m.id);
  const asConfigured = same.find((d) => d.kind === m.kind);
  if (asConfigured?.clusterId) {
    return `DB instance ${m.id} is a member of Aurora cluster ${asConfigured.clusterId}: members are backed up through their cluster; configure { id: ${asConfigured.clusterId}, kind: cluster } instead`;
  }
  if (asConfigured) return null;
  const other = same.find((d) => d.kind !== m.kind);
  if (other?.kind === 'cluster') return `${m.id} in ${m.region} is an Aurora cluster, configured as an instance: set kind: cluster`;
  if (other?.kind === 'instance') {
    return other.clusterId
      ? `${m.id} in ${m.region} is a DB instance (a member of Aurora cluster ${other.clusterId}), configured as a cluster: configure { id: ${other.clusterId}, kind: cluster } instead`
      : `${m.id} in ${m.region} is a DB instance, configured as a cluster: set kind: instance`;
  }
  return `no DB ${m.kind} ${m.id} in ${m.region}: check the id and region in the config`;
}

/**
 * Why `id` is not a fleet member although someone expects it to be (`backup`, `show`): it exists
 * untagged where a discovery rule looks, is an Aurora cluster member, or lives in a region no
 * entry covers. Null when it is nowhere in the configured regions. Looks in `account` (the caller's own).
 */
export async function notInFleetHint(config: SnapwardConfig, catalog: DatabaseCatalog, account: string, id: string): Promise<string | null> {
  const wanted = id.trim().toLowerCase();
  for (const region of configuredRegions(config)) {
    let databases: Database[];
    try {
      databases = await catalog.databases(account, region);
    } catch {
      continue; // could not look there: say nothing rather than guess
    }
    const db = databases.find((d) => d.id === wanted);
    if (!db) continue;
    if (db.clusterId) return `${db.id} in ${region} is a member of Aurora cluster ${db.clusterId}: back up the cluster (snapward backup ${db.clusterId}) if it is in the fleet`;
    const rules = config.discover.filter((r) => r.region === region && r.kinds.includes(db.kind));
    if (rules.length === 0) return `${db.kind} ${db.id} exists in ${region}, but no instances entry or discovery rule covers it: add it under instances`;
    const tags = [...new Set(rules.map((r) => r.tierTag))];
    const tagged = tags.find((t) => t in db.tags);
    if (!tagged) return `${db.kind} ${db.id} exists in ${region} but is untagged: add the tag ${tags.join(' or ')} with a tier 0..3, or list it under instances`;
    return `${db.kind} ${db.id} in ${region} carries ${tagged}=${JSON.stringify(db.tags[tagged])}, which is not a tier 0..3`;
  }
  return null;
}

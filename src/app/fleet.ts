import { SnapwardConfig } from '../domain/config';
import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { FleetMember, Tier, TIERS } from '../domain/types';
import { SnapshotProvider } from '../ports/snapshot-provider';
import { DatabaseCatalog } from './catalog';

export interface ResolvedFleet {
  readonly members: readonly FleetMember[];
  /** Discovery problems: a region that could not be listed, a tier tag with a bad value. */
  readonly problems: readonly ErrorInfo[];
  /** Regions whose databases could not be listed, and why: their discovered members are unknown. */
  readonly regionFailures: ReadonlyMap<string, ErrorInfo>;
  readonly warnings: readonly string[];
}

/**
 * The fleet for a pass: the configured instances, plus every database carrying a discovery
 * rule's tier tag. A configured entry wins over a discovered one with the same id; a member of
 * an Aurora cluster is never a member itself (it is backed up through its cluster).
 */
export async function resolveFleet(
  config: SnapwardConfig,
  provider: SnapshotProvider,
  catalog: DatabaseCatalog = new DatabaseCatalog(provider),
): Promise<ResolvedFleet> {
  const members: FleetMember[] = [...config.instances];
  const seen = new Set(members.map((m) => m.id));
  const problems: ErrorInfo[] = [];
  const regionFailures = new Map<string, ErrorInfo>();
  const warnings: string[] = [];

  const regions = [...new Set(config.discover.map((r) => r.region))];
  const listings = await Promise.all(
    regions.map(async (region) => {
      try {
        return { region, databases: await catalog.databases(region) };
      } catch (err) {
        problems.push(toErrorInfo(err, 'discover'));
        regionFailures.set(region, toErrorInfo(err, 'discover'));
        return { region, databases: [] };
      }
    }),
  );
  const byRegion = new Map(listings.map((l) => [l.region, l.databases]));

  for (const rule of config.discover) {
    for (const db of byRegion.get(rule.region) ?? []) {
      if (!rule.kinds.includes(db.kind) || db.clusterId || !(rule.tierTag in db.tags)) continue;
      const tier = parseTier(db.tags[rule.tierTag] as string);
      if (tier === null) {
        warnings.push(`${db.kind} ${db.id} in ${db.region}: tag ${rule.tierTag}=${JSON.stringify(db.tags[rule.tierTag])} is not a tier 0..3; not backed up`);
        continue;
      }
      if (seen.has(db.id)) continue;
      seen.add(db.id);
      members.push({ id: db.id, kind: db.kind, region: rule.region, drRegion: rule.drRegion, tier, origin: 'discovered' });
    }
  }
  return { members, problems, regionFailures, warnings };
}

function parseTier(value: string): Tier | null {
  const n = Number(value.trim());
  return (TIERS as readonly number[]).includes(n) && value.trim() !== '' ? (n as Tier) : null;
}

import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { DbKind, FleetMember, Snapshot } from '../domain/types';
import { SnapshotProvider } from '../ports/snapshot-provider';
import { forEachLimit } from './concurrency';

export interface LoadedInventory {
  readonly snapshots: Snapshot[];
  /** `region/kind` -> why it could not be listed. Members depending on it fail with that reason. */
  readonly failures: Map<string, ErrorInfo>;
}

export const listingKey = (region: string, kind: DbKind): string => `${region}/${kind}`;

/** Lists every manual snapshot the fleet's regions hold, one paginated describe per region and kind. */
export async function loadInventory(provider: SnapshotProvider, fleet: readonly FleetMember[], concurrency = 4): Promise<LoadedInventory> {
  const keys = new Map<string, { region: string; kind: DbKind }>();
  for (const m of fleet) {
    keys.set(listingKey(m.region, m.kind), { region: m.region, kind: m.kind });
    keys.set(listingKey(m.drRegion, m.kind), { region: m.drRegion, kind: m.kind });
  }
  const snapshots: Snapshot[] = [];
  const failures = new Map<string, ErrorInfo>();
  await forEachLimit([...keys.entries()], concurrency, async ([key, { region, kind }]) => {
    try {
      snapshots.push(...(await provider.listSnapshots(region, kind)));
    } catch (err) {
      failures.set(key, toErrorInfo(err, 'list'));
    }
  });
  return { snapshots, failures };
}

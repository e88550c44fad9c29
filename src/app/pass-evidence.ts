import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { belongsTo, memberKey } from '../domain/ledger';
import { TAG } from '../domain/tags';
import { DbKind, FleetMember, refKey, Snapshot, SnapshotRef } from '../domain/types';
import { SnapshotProvider } from '../ports/snapshot-provider';
import { forEachLimit } from './concurrency';
import { listingKey } from './inventory';

/** What a pass read from AWS before acting: audits of some members, refreshes of some snapshots. */
export interface PassEvidence {
  /** Per audited member: the regions listed successfully and its snapshots there. */
  readonly audited: ReadonlyMap<string, AuditedMember>;
  /** Snapshots found by a refresh; a refreshed id missing here no longer exists. */
  readonly refreshed: (ref: SnapshotRef) => Snapshot | undefined;
  /** Copies in flight per destination `region/kind` as the listings saw them (any owner, for copy slots). */
  readonly copiesInFlight: ReadonlyMap<string, number>;
  /** `region/kind` -> why a listing there failed. */
  readonly failures: ReadonlyMap<string, ErrorInfo>;
}

export interface AuditedMember {
  /** Regions listed successfully for the member. */
  readonly regions: ReadonlySet<string>;
  /** Of those, the ones listed without a filter (whole-region listings). */
  readonly unfiltered: ReadonlySet<string>;
  readonly snapshots: readonly Snapshot[];
}

interface Listing {
  readonly region: string;
  readonly kind: DbKind;
  /** Database ids to list by (audit), snapshot ids to list by (refresh), or null: everything. */
  dbIds: Set<string> | null;
  snapshotIds: Set<string>;
}

/**
 * Lists what the pass needs and nothing more: per region and kind, one filtered, paginated describe
 * for the audited members' databases (or one unfiltered listing when they are most of that region's
 * members anyway, as on a first pass), and one by snapshot id for the snapshots in flight.
 */
export async function gatherPassEvidence(
  provider: SnapshotProvider,
  fleet: readonly FleetMember[],
  audit: ReadonlySet<string>,
  refresh: ReadonlyMap<string, readonly SnapshotRef[]>,
  concurrency = 4,
): Promise<PassEvidence> {
  const listings = new Map<string, Listing>();
  const listing = (region: string, kind: DbKind): Listing => {
    const key = listingKey(region, kind);
    let l = listings.get(key);
    if (!l) listings.set(key, (l = { region, kind, dbIds: new Set(), snapshotIds: new Set() }));
    return l;
  };
  const membersAt = new Map<string, number>();
  for (const m of fleet) {
    for (const region of [m.region, m.drRegion]) membersAt.set(listingKey(region, m.kind), (membersAt.get(listingKey(region, m.kind)) ?? 0) + 1);
  }
  const audited = fleet.filter((m) => audit.has(memberKey(m)));
  for (const m of audited) for (const region of [m.region, m.drRegion]) listing(region, m.kind).dbIds?.add(m.id);
  for (const refs of refresh.values()) for (const r of refs) listing(r.region, r.kind).snapshotIds.add(r.id);
  // Filters pay off for a slice; for most of a region's members, a plain listing is as cheap.
  for (const [key, l] of listings) if (l.dbIds && l.dbIds.size * 2 > (membersAt.get(key) ?? 0)) l.dbIds = null;

  const listed: Snapshot[] = [];
  const found = new Map<string, Snapshot>();
  const failures = new Map<string, ErrorInfo>();
  await forEachLimit([...listings.entries()], concurrency, async ([key, l]) => {
    try {
      if (l.dbIds === null) listed.push(...(await provider.listSnapshots(l.region, l.kind)));
      else if (l.dbIds.size > 0) listed.push(...(await provider.listSnapshotsMatching(l.region, l.kind, { dbIds: [...l.dbIds] })));
      // An audit listing already holds the refreshed snapshots of its members; ask only for the rest.
      if (l.snapshotIds.size > 0) {
        for (const s of await provider.listSnapshotsMatching(l.region, l.kind, { snapshotIds: [...l.snapshotIds] })) found.set(refKey(s), s);
      }
    } catch (err) {
      failures.set(key, toErrorInfo(err, 'list'));
    }
  });

  const byId = new Map(audited.map((m) => [`${m.kind}/${m.id}`, m]));
  const auditedMap = new Map<string, { regions: Set<string>; unfiltered: Set<string>; snapshots: Snapshot[] }>();
  for (const m of audited) {
    const regions = new Set([m.region, m.drRegion].filter((r) => !failures.has(listingKey(r, m.kind))));
    const unfiltered = new Set([...regions].filter((r) => listings.get(listingKey(r, m.kind))?.dbIds === null));
    auditedMap.set(memberKey(m), { regions, unfiltered, snapshots: [] });
  }
  const inFlight = new Map<string, Snapshot>();
  for (const s of [...listed, ...found.values()]) if (s.status === 'pending' || s.status === 'copying') inFlight.set(refKey(s), s);
  const copiesInFlight = new Map<string, number>();
  for (const s of inFlight.values()) copiesInFlight.set(listingKey(s.region, s.kind), (copiesInFlight.get(listingKey(s.region, s.kind)) ?? 0) + 1);
  for (const s of listed) {
    const owner = byId.get(`${s.kind}/${ownerId(s)}`);
    if (owner && belongsTo(owner, s)) auditedMap.get(memberKey(owner))?.snapshots.push(s);
  }
  return { audited: auditedMap, refreshed: (ref) => found.get(refKey(ref)), copiesInFlight, failures };
}

/** The member a listed snapshot would belong to: its tag, else the database it was taken from. */
function ownerId(s: Snapshot): string {
  return (s.tags[TAG.instance] ?? s.dbId).toLowerCase();
}

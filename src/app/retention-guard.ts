import { ErrorInfo, SnapwardError, toErrorInfo } from '../domain/errors';
import { memberKey, newestAvailable } from '../domain/ledger';
import { isVaultCopy, managedInfo } from '../domain/tags';
import { ownVaultCopiesOf } from '../domain/vault-copies';
import { FleetMember, refKey, refOf, Snapshot, SnapshotRef } from '../domain/types';
import { SnapshotProvider } from '../ports/snapshot-provider';
import { forEachLimit } from './concurrency';
import { listingKey } from './inventory';

/** What retention wants to delete for one member, and the ledger it decided that from. */
export interface DeletionRequest {
  readonly member: FleetMember;
  readonly deletes: readonly Snapshot[];
  readonly snapshots: readonly Snapshot[];
  /** The member's copies in the vault account (issue 16): the keeper of a vault delete is chosen among them. */
  readonly vault?: readonly Snapshot[];
}

/** AWS's word on one member's deletions in one region. */
export interface RegionVerdict {
  readonly region: string;
  /** True only when every snapshot to delete and the newest point kept were confirmed. */
  readonly confirmed: boolean;
  /** Why not, for the run's warnings. */
  readonly reason: string | null;
  /** The ids asked about, and what AWS returned for them (absent: gone). */
  readonly asked: readonly SnapshotRef[];
}

export interface DeletionConfirmation {
  /** Per member key: the verdict for each region it wants to delete in. */
  verdicts(member: FleetMember): readonly RegionVerdict[];
  /** Snapshots returned by the confirmation listings, for correcting the ledger. */
  readonly found: (ref: SnapshotRef) => Snapshot | undefined;
  /** Snapshots AWS confirmed may be deleted (by `refKey`). */
  readonly deletable: ReadonlySet<string>;
}


/**
 * Never delete on a belief: before retention deletes anything of a member in a region, AWS is
 * asked (by id, batched across the pass, no full listings) whether each snapshot to delete still
 * carries `snapward:managed=true` for that member and is `available`, and whether the newest
 * recovery point retention keeps still exists and is `available`. A region where either is not
 * confirmed (including a listing that failed) gets no deletion of that member in this pass.
 */
export async function confirmDeletions(provider: SnapshotProvider, requests: readonly DeletionRequest[], concurrency = 4, vault: SnapshotProvider | null = null): Promise<DeletionConfirmation> {
  interface Plan { member: FleetMember; region: string; deletes: Snapshot[]; keeper: Snapshot | null; inVault: boolean }
  const plans: Plan[] = [];
  const byListing = new Map<string, { region: string; kind: FleetMember['kind']; ids: Set<string>; inVault: boolean }>();
  // Vault copies (issue 16) are confirmed from the vault account's side, against the member's newest vault copy.
  const listingOf = (region: string, kind: FleetMember['kind'], inVault: boolean): string => `${inVault ? 'vault|' : ''}${listingKey(region, kind)}`;
  for (const r of requests) {
    for (const inVault of [false, true]) {
      const mine = r.deletes.filter((s) => isVaultCopy(s) === inVault);
      for (const region of new Set(mine.map((s) => s.region))) {
        const deletes = mine.filter((s) => s.region === region);
        const keeper = inVault ? newestAvailable(ownVaultCopiesOf(r.member, r.vault ?? []), region) : newestAvailable(r.snapshots, region);
        plans.push({ member: r.member, region, deletes, keeper, inVault });
        const key = listingOf(region, r.member.kind, inVault);
        let l = byListing.get(key);
        if (!l) byListing.set(key, (l = { region, kind: r.member.kind, ids: new Set(), inVault }));
        for (const s of [...deletes, ...(keeper ? [keeper] : [])]) l.ids.add(s.id);
      }
    }
  }
  const found = new Map<string, Snapshot>();
  const failures = new Map<string, ErrorInfo>();
  await forEachLimit([...byListing.entries()], concurrency, async ([key, l]) => {
    try {
      const from = l.inVault ? vault : provider;
      if (!from) throw new SnapwardError('CONFIG_INVALID', 'no vault account scope: a vault copy is deleted only with the vault\'s role');
      for (const s of await from.listSnapshotsMatching(l.region, l.kind, { snapshotIds: [...l.ids] })) found.set(refKey(s), s);
    } catch (err) {
      failures.set(key, toErrorInfo(err, 'confirm'));
    }
  });

  const verdicts = new Map<string, RegionVerdict[]>();
  const deletable = new Set<string>();
  for (const p of plans) {
    const asked = [...p.deletes, ...(p.keeper ? [p.keeper] : [])].map(refOf);
    const reason = judge(p, found, failures.get(listingOf(p.region, p.member.kind, p.inVault)));
    if (!reason) for (const s of p.deletes) deletable.add(refKey(s));
    const list = verdicts.get(memberKey(p.member)) ?? [];
    list.push({ region: p.inVault ? `${p.region} (vault)` : p.region, confirmed: reason === null, reason, asked });
    verdicts.set(memberKey(p.member), list);
  }
  return { verdicts: (m) => verdicts.get(memberKey(m)) ?? [], found: (ref) => found.get(refKey(ref)), deletable };
}

function judge(
  p: { member: FleetMember; region: string; deletes: readonly Snapshot[]; keeper: Snapshot | null; inVault: boolean },
  found: ReadonlyMap<string, Snapshot>,
  failure: ErrorInfo | undefined,
): string | null {
  if (failure) return `could not confirm with AWS: ${failure.message}`;
  if (!p.keeper) return `no available recovery point would be left in ${p.region}`;
  const keeper = found.get(refKey(p.keeper));
  if (!keeper) return `the newest recovery point ${p.keeper.id} no longer exists in ${p.region}`;
  if (keeper.status !== 'available') return `the newest recovery point ${p.keeper.id} is '${keeper.status}', not available`;
  const ours = (s: Snapshot): boolean => (p.inVault ? ownVaultCopiesOf(p.member, [s]).length === 1 : managedInfo(s)?.instanceId === p.member.id);
  if (!ours(keeper)) return `the newest recovery point ${p.keeper.id} no longer carries snapward's managed tags`;
  for (const s of p.deletes) {
    const now = found.get(refKey(s));
    if (!now) return `${s.id} is no longer in ${p.region}`;
    if (!ours(now)) return `${s.id} no longer carries snapward:managed=true for ${p.member.id}${p.inVault ? ` (and the vault tags for its account ${p.member.account ?? ''})` : ''}`;
    if (now.status !== 'available') return `${s.id} is '${now.status}', not available`;
  }
  return null;
}

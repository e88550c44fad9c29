import { ErrorInfo, toErrorInfo } from '../../domain/errors';
import { applyObserved, applyRefresh, forLedger, memberKey, MemberState } from '../../domain/ledger';
import { isVaultCopy } from '../../domain/tags';
import { DbKind, FleetMember, IN_PROGRESS_STATUSES, refKey, Snapshot, SnapshotRef } from '../../domain/types';
import { ownVaultCopiesOf } from '../../domain/vault-copies';
import { VaultConfig } from '../../domain/config';
import { slotId, StepSlot } from '../../domain/steps';
import { StepOutcome, VaultView } from '../../domain/work';
import { AppDeps } from '../deps';
import { forEachLimit } from '../concurrency';

/**
 * What a pass read from the vault account (issue 16), with the vault's role: the vault copies of
 * the members it audits (listed in each DR region by database id, then kept to those copied from
 * the member's account), and the vault copies on their way refreshed by id. The member's own
 * account never answers for the vault.
 */
export interface VaultEvidence {
  /** Per member key: its vault copies as listed now (audited members whose listing succeeded). */
  readonly audited: ReadonlyMap<string, readonly Snapshot[]>;
  /** Per member key: the vault copies it asked about by id (copies on their way). */
  readonly asked: ReadonlyMap<string, readonly SnapshotRef[]>;
  /** Vault copies a refresh found; an asked id missing here no longer exists. */
  readonly refreshed: (ref: SnapshotRef) => Snapshot | undefined;
  /** Per member key: why the vault listing it needed failed. */
  readonly failures: ReadonlyMap<string, ErrorInfo>;
}

export const NO_VAULT_EVIDENCE: VaultEvidence = { audited: new Map(), asked: new Map(), refreshed: () => undefined, failures: new Map() };

interface Listing {
  readonly region: string;
  readonly kind: DbKind;
  readonly dbIds: Set<string>;
  readonly snapshotIds: Set<string>;
  readonly members: string[];
}

/** One filtered listing per DR region and kind for the audited members, one by id for the copies in flight. */
export async function gatherVaultEvidence(deps: Pick<AppDeps, 'accounts' | 'config'>, due: readonly { readonly member: FleetMember; readonly prior: MemberState | null }[], audit: ReadonlySet<string>, concurrency = 4): Promise<VaultEvidence> {
  const vault = deps.accounts.vault;
  if (!vault || !deps.config.vault) return NO_VAULT_EVIDENCE;
  const listings = new Map<string, Listing>();
  const asked = new Map<string, SnapshotRef[]>();
  for (const { member: m, prior } of due) {
    const key = `${m.drRegion}/${m.kind}`;
    let l = listings.get(key);
    if (!l) listings.set(key, (l = { region: m.drRegion, kind: m.kind, dbIds: new Set(), snapshotIds: new Set(), members: [] }));
    if (audit.has(memberKey(m))) {
      l.dbIds.add(m.id);
      l.members.push(memberKey(m));
      continue;
    }
    const pending = (prior?.vault ?? []).filter((s) => IN_PROGRESS_STATUSES.has(s.status)).map((s) => ({ id: s.id, region: s.region, kind: s.kind }));
    if (pending.length === 0) continue;
    for (const r of pending) l.snapshotIds.add(r.id);
    l.members.push(memberKey(m));
    asked.set(memberKey(m), pending);
  }
  const listed: Snapshot[] = [];
  const found = new Map<string, Snapshot>();
  const failed = new Map<string, ErrorInfo>();
  await forEachLimit([...listings.entries()].filter(([, l]) => l.members.length > 0), concurrency, async ([key, l]) => {
    try {
      if (l.dbIds.size > 0) listed.push(...(await vault.provider.listSnapshotsMatching(l.region, l.kind, { dbIds: [...l.dbIds] })));
      if (l.snapshotIds.size > 0) for (const s of await vault.provider.listSnapshotsMatching(l.region, l.kind, { snapshotIds: [...l.snapshotIds] })) found.set(refKey(s), s);
    } catch (err) {
      const info = toErrorInfo(err, 'list');
      failed.set(key, { ...info, message: `could not list the vault account ${vault.id} in ${l.region}: ${info.message}` });
    }
  });
  const failures = new Map<string, ErrorInfo>();
  const audited = new Map<string, Snapshot[]>();
  for (const { member: m } of due) {
    const failure = failed.get(`${m.drRegion}/${m.kind}`);
    const key = memberKey(m);
    if (failure && (audit.has(key) || asked.has(key))) failures.set(key, failure);
    else if (audit.has(key)) audited.set(key, ownVaultCopiesOf(m, listed).map(forLedger));
  }
  for (const key of failures.keys()) asked.delete(key);
  return { audited, asked, refreshed: (ref) => found.get(refKey(ref)), failures };
}

/** The member's vault list brought up to date with the pass's vault evidence. */
export function vaultListOf(evidence: VaultEvidence | undefined, m: FleetMember, stored: readonly Snapshot[]): { vault: Snapshot[]; failure: ErrorInfo | null } {
  const key = memberKey(m);
  if (!evidence) return { vault: [...stored], failure: null };
  const listed = evidence.audited.get(key);
  let vault = listed ? [...listed] : [...stored];
  const asked = evidence.asked.get(key);
  if (asked) vault = applyRefresh(vault, asked, evidence.refreshed);
  return { vault, failure: evidence.failures.get(key) ?? null };
}

/**
 * What a step's outcome changes in the member's two lists: snapshots carrying the vault mark live
 * in the vault list (the vault account), everything else in the member's own.
 */
export function applyOutcome(lists: { snapshots: Snapshot[]; vault: Snapshot[] }, outcome: Pick<StepOutcome, 'observed' | 'removed'>): { snapshots: Snapshot[]; vault: Snapshot[] } {
  return {
    snapshots: applyObserved(lists.snapshots, outcome.observed.filter((s) => !isVaultCopy(s)), outcome.removed),
    vault: applyObserved(lists.vault, outcome.observed.filter(isVaultCopy), outcome.removed),
  };
}

/** The planners' view of the vault for a member whose ledger holds `vault`. */
export function vaultViewOf(config: VaultConfig, vault: readonly Snapshot[]): VaultView {
  return { accountId: config.account.id, retentionDays: config.retentionDays, tiers: config.tiers, snapshots: vault };
}

/** The vault account's copy slots the planned members use, with the copies their vault lists hold in flight. */
export function vaultSlotsOf(vaultId: string | null, planned: readonly { readonly member: FleetMember; readonly evidence: { readonly vault?: readonly Snapshot[] } }[]): { slot: StepSlot; inLedger: number }[] {
  if (!vaultId) return [];
  const pools = new Map<string, { slot: StepSlot; inLedger: number }>();
  for (const { member: m, evidence } of planned) {
    const slot: StepSlot = { account: vaultId, region: m.drRegion, dbKind: m.kind };
    const pool = pools.get(slotId(slot)) ?? { slot, inLedger: 0 };
    pool.inLedger += (evidence.vault ?? []).filter((s) => IN_PROGRESS_STATUSES.has(s.status)).length;
    pools.set(slotId(slot), pool);
  }
  return [...pools.values()];
}

/**
 * A pass plans each member account on its own, but the vault account's copy slots in a region
 * are one pool for all of them: what one account's members were given is taken from the free
 * slots the next account's planning sees. (Slot leases still guard the limit when the copies start.)
 */
export class VaultSlotShare {
  private readonly given = new Map<string, number>();

  constructor(private readonly vaultId: string | null) {}

  /** Takes from `budget` the vault slots earlier accounts of the pass were given. */
  adjust(budget: { readonly free: Map<string, number> }): void {
    for (const [id, n] of this.given) if (budget.free.has(id)) budget.free.set(id, Math.max(0, (budget.free.get(id) ?? 0) - n));
  }

  /** Counts the vault slots this account's ready steps were given. */
  record(allocated: readonly (readonly { readonly phase: string; readonly slot: StepSlot | null }[])[]): void {
    if (!this.vaultId) return;
    for (const s of allocated.flat()) {
      if (s.phase !== 'ready' || !s.slot || s.slot.account !== this.vaultId) continue;
      this.given.set(slotId(s.slot), (this.given.get(slotId(s.slot)) ?? 0) + 1);
    }
  }
}

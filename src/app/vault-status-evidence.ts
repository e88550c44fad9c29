import { vaultCovers, vaultRecoveryPoint } from '../domain/account-loss';
import { isVaultCopy } from '../domain/tags';
import { ownVaultCopiesOf } from '../domain/vault-copies';
import { ErrorInfo, SnapwardError, toErrorInfo } from '../domain/errors';
import { LostPoint, memberKey, MemberState } from '../domain/ledger';
import { DbKind, FleetMember, Snapshot } from '../domain/types';
import { forEachLimit } from './concurrency';
import { confirmNewestPoints } from './confirm-points';
import { AppDeps } from './deps';
import { DatabaseCatalog } from './catalog';
import { listingKey } from './inventory';
import { Blind } from './unobserved';

/**
 * What status and the watchdog know of each vault-covered member's copies in the vault account
 * (issue 16), for the accountLoss scenario. Members the vault does not cover have no entry at all.
 */
export interface VaultStatusEvidence {
  /** The vault account's id; null when no vault is configured. */
  readonly account: string | null;
  /** Member key -> its vault copies (ledger, or listed now). */
  readonly copies: ReadonlyMap<string, readonly Snapshot[]>;
  /** Member key -> why its vault copies could not be read: its accountLoss is unknown, never fine. */
  readonly errors: ReadonlyMap<string, ErrorInfo>;
  /** Member key -> vault copies the watchdog found gone. */
  readonly lost: ReadonlyMap<string, readonly LostPoint[]>;
  /** Per DR region and cause, with the vault account: what could not be read. */
  readonly blind: readonly Blind[];
}

export interface VaultStatusEvidenceOptions {
  /** List the vault account's copies instead of reading the ledger (`status --live`). */
  readonly live?: boolean;
  /** Confirm each member's newest vault copy by id from the vault account's side (the watchdog). */
  readonly confirm?: boolean;
}

/** Nothing read from the vault (an account out of reach): its members are unknown anyway. */
export const noVaultStatusEvidence = (account: string | null): VaultStatusEvidence => ({ account, copies: new Map(), errors: new Map(), lost: new Map(), blind: [] });

/**
 * Vault copies come from the ledger (`MemberState.vault`, kept by the passes' vault work). A member
 * whose ledger never held them (never audited, no `vault` entry yet), or every member with `live`,
 * is listed from the vault account, one listing per DR region and kind. The watchdog (`confirm`)
 * then looks up each member's newest vault copy by id with the vault's own role, batched per
 * region and kind like the primary and DR points (confirm-points.ts): a copy deleted in the vault
 * is seen at the next check. Whatever could not be read leaves those members' accountLoss unknown.
 */
export async function gatherVaultStatusEvidence(
  deps: AppDeps,
  members: readonly FleetMember[],
  states: ReadonlyMap<string, MemberState | null>,
  options: VaultStatusEvidenceOptions,
  at: Date,
  /** Shares the vault's listings between the calls of one status (one per account of the fleet). */
  catalog: DatabaseCatalog,
): Promise<VaultStatusEvidence> {
  const covered = members.filter((m) => vaultCovers(deps.config, m));
  const copies = new Map<string, Snapshot[]>();
  const errors = new Map<string, ErrorInfo>();
  const lost = new Map<string, LostPoint[]>();
  const blind: Blind[] = [];
  const vaultId = deps.config.vault?.account.id ?? null;
  if (covered.length === 0 || vaultId === null) return { account: vaultId, copies, errors, lost, blind };

  const fail = (region: string, error: ErrorInfo, who: readonly FleetMember[]): void => {
    if (who.length === 0) return;
    blind.push({ region, error, instances: who.map((m) => m.id), vaultAccount: vaultId });
    for (const m of who) if (!errors.has(memberKey(m))) errors.set(memberKey(m), error);
  };
  const byRegion = (who: readonly FleetMember[], each: (region: string, list: FleetMember[]) => void): void => {
    const groups = new Map<string, FleetMember[]>();
    for (const m of who) groups.set(m.drRegion, [...(groups.get(m.drRegion) ?? []), m]);
    for (const [region, list] of groups) each(region, list);
  };

  const vault = deps.accounts.vault;
  if (!vault) {
    const error = toErrorInfo(new SnapwardError('INTERNAL', `vault account ${vaultId} has no scope in this process: its copies cannot be read`), 'list');
    byRegion(covered, (region, list) => fail(region, error, list));
    return { account: vaultId, copies, errors, lost, blind };
  }

  const listNow = covered.filter((m) => {
    const state = states.get(memberKey(m));
    return options.live || !state?.auditedAt || state.vault === undefined;
  });
  const listKeys = new Set(listNow.map(memberKey));
  for (const m of covered) if (!listKeys.has(memberKey(m))) copies.set(memberKey(m), ownVaultCopiesOf(m, states.get(memberKey(m))?.vault ?? []));

  // Live: one full listing of the vault account per DR region and kind (it holds only vault copies).
  const listings = new Map<string, { region: string; kind: DbKind; members: FleetMember[] }>();
  for (const m of listNow) {
    const key = listingKey(m.drRegion, m.kind);
    const l = listings.get(key) ?? { region: m.drRegion, kind: m.kind, members: [] };
    l.members.push(m);
    listings.set(key, l);
  }
  await forEachLimit([...listings.values()], 4, async (l) => {
    try {
      const listed = (await catalog.snapshots(vault, l.region, l.kind)).filter(isVaultCopy);
      for (const m of l.members) copies.set(memberKey(m), ownVaultCopiesOf(m, listed));
    } catch (err) {
      fail(l.region, toErrorInfo(err, 'list'), l.members);
    }
  });
  if (!options.confirm) return { account: vaultId, copies, errors, lost, blind };

  // Only what the ledger says needs confirming: a listing is the vault's word already. Copies
  // without a readable recovery point count for nothing, so they are not the newest to confirm.
  const fromLedger = covered.filter((m) => !listKeys.has(memberKey(m)));
  const counted = new Map(fromLedger.map((m) => [memberKey(m), (copies.get(memberKey(m)) ?? []).filter((s) => vaultRecoveryPoint(s) !== null)]));
  const confirmation = await confirmNewestPoints(vault.provider, fromLedger, counted, (m) => states.get(memberKey(m))?.auditedAt ?? null, at);
  for (const [key, error] of confirmation.failures) {
    const [region, kind] = key.split('/');
    fail(region as string, error, fromLedger.filter((m) => m.kind === kind && m.drRegion === region));
  }
  for (const [key, gone] of confirmation.lost) {
    if (gone.length === 0) continue;
    lost.set(key, gone);
    const goneIds = new Set(gone.map((l) => `${l.snapshot.region}/${l.snapshot.id}`));
    copies.set(key, (copies.get(key) ?? []).filter((s) => !goneIds.has(`${s.region}/${s.id}`)));
  }
  return { account: vaultId, copies, errors, lost, blind };
}

import { SnapwardConfig } from './config';
import { LostPoint } from './ledger';
import { managedInfo, TAG } from './tags';
import { FleetMember, Snapshot } from './types';

/**
 * The vault copy's own tags (design: `TAG.vault`, `TAG.sourceAccount`). Kept out of `TAG` here:
 * infra derives the member role's allowed creation tags and the README operator policy from
 * `Object.values(TAG)`, and a member account never writes these; the vault stack allows
 * `snapward:source-account` on its own (infra/vault-stack.ts).
 */
export const VAULT_TAG = {
  /** `true` on every copy snapward made in the vault account. */
  vault: 'snapward:vault',
  /** The 12-digit account of the database the copy protects. */
  sourceAccount: 'snapward:source-account',
} as const;

/**
 * The accountLoss scenario (issue 16): the production account is lost or compromised, and only
 * the vault account's copies remain. Pure helpers over the vault copies a member's ledger holds
 * (`MemberState.vault`) or a listing of the vault account returned.
 */

/** True when the vault receives copies of `member`: a vault is configured and covers its tier. */
export function vaultCovers(config: Pick<SnapwardConfig, 'vault'>, member: Pick<FleetMember, 'tier'>): boolean {
  return Boolean(config.vault && config.vault.tiers.includes(member.tier));
}

/** A snapshot snapward made in the vault account (managed, marked as a vault copy). */
export const isVaultCopy = (s: Snapshot): boolean => s.tags[VAULT_TAG.vault] === 'true' && managedInfo(s) !== null;

/**
 * The recovery point of a vault copy: its `snapward:recovery-point` tag only. A vault copy is a copy
 * of a copy, so its own times say when it was copied, never when the data was captured; without a
 * readable tag its recovery point is unknown (null) and it counts for nothing.
 */
export function vaultRecoveryPoint(s: Snapshot): Date | null {
  const text = s.tags[TAG.recoveryPoint];
  const at = text ? new Date(text) : null;
  return at && !Number.isNaN(at.getTime()) ? at : null;
}

/** `member`'s vault copies among `snapshots`: vault copies of its id and kind, from its account, in its DR region. */
export function vaultCopiesOf(member: Pick<FleetMember, 'id' | 'kind' | 'drRegion'>, sourceAccount: string, snapshots: readonly Snapshot[]): Snapshot[] {
  return snapshots.filter(
    (s) => isVaultCopy(s) && s.kind === member.kind && s.region === member.drRegion && s.tags[VAULT_TAG.sourceAccount] === sourceAccount && managedInfo(s)?.instanceId === member.id.toLowerCase(),
  );
}

/** The newest AVAILABLE vault copy by recovery point (ties: the greater id), or null. */
export function newestVaultCopy(copies: readonly Snapshot[]): { readonly snapshot: Snapshot; readonly time: Date } | null {
  let best: { snapshot: Snapshot; time: Date } | null = null;
  for (const s of copies) {
    const time = s.status === 'available' ? vaultRecoveryPoint(s) : null;
    if (!time) continue;
    if (!best || time > best.time || (time.getTime() === best.time.getTime() && s.id > best.snapshot.id)) best = { snapshot: s, time };
  }
  return best;
}

/** A lost point that was a vault copy (its coverage is judged against the vault, not the DR region). */
export const isVaultLoss = (l: LostPoint): boolean => l.snapshot.tags[VAULT_TAG.vault] === 'true';

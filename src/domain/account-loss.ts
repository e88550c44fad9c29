import { SnapwardConfig } from './config';
import { LostPoint } from './ledger';
import { isVaultCopy, TAG } from './tags';
import { FleetMember, Snapshot } from './types';

/**
 * The accountLoss scenario (issue 16): the production account is lost or compromised, and only
 * the vault account's copies remain. Pure helpers over the vault copies a member's ledger holds
 * (`MemberState.vault`) or a listing of the vault account returned.
 */

/** True when the vault receives copies of `member`: a vault is configured and covers its tier. */
export function vaultCovers(config: Pick<SnapwardConfig, 'vault'>, member: Pick<FleetMember, 'tier'>): boolean {
  return Boolean(config.vault && config.vault.tiers.includes(member.tier));
}

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
export const isVaultLoss = (l: LostPoint): boolean => isVaultCopy(l.snapshot);

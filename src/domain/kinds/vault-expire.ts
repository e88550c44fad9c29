import { stepId } from '../steps';
import { managedInfo } from '../tags';
import { DAY } from '../time';
import { Snapshot } from '../types';
import { MemberView, PlannedStep, PlannerOutput } from '../work';
import { ownVaultCopiesOf } from '../vault-copies';

/** The `vault-expire` kind's work: the vault's own retention (vault.retentionDays), made with the vault's role. */
export const VAULT_EXPIRE = 'vault-expire';

export interface VaultExpireInput {
  readonly snapshot: Snapshot;
}

/**
 * Deletes the member's vault copies older than the vault's retention: only available copies that
 * carry snapward's managed and vault tags for this member and account, never the member's newest
 * available vault copy, whatever the vault's tiers say now (a tier the vault no longer covers
 * still ages out). Each delete destroys a recovery point, so the engine confirms it with AWS,
 * from the vault account's side, before it runs (app/retention-guard.ts).
 */
export function planVaultExpire(view: MemberView): PlannerOutput {
  const { member, vault, now } = view;
  if (!vault) return { steps: [], warnings: [] };
  const cutoff = now.getTime() - vault.retentionDays * DAY;
  const available = ownVaultCopiesOf(member, vault.snapshots)
    .filter((s) => s.status === 'available')
    .map((s) => ({ s, time: managedInfo(s)?.recoveryPointTime?.getTime() }))
    .filter((x): x is { s: Snapshot; time: number } => x.time !== undefined)
    .sort((a, b) => b.time - a.time || (a.s.id < b.s.id ? 1 : -1));
  const steps: PlannedStep[] = available
    .slice(1)
    .filter((x) => x.time < cutoff)
    .map(({ s }) => {
      const target = { id: s.id, region: s.region, kind: s.kind };
      const input: VaultExpireInput = { snapshot: s };
      return { id: stepId(VAULT_EXPIRE, target), kind: VAULT_EXPIRE, member, target, phase: 'ready', slot: null, priority: [], input, destroys: s };
    });
  return { steps, warnings: [] };
}

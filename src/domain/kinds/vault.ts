import { SnapwardError } from '../errors';
import { vaultSnapshotId } from '../naming';
import { stepId, StepSlot } from '../steps';
import { HOUR } from '../time';
import { isVaultCopy, managedInfo, vaultTags } from '../tags';
import { ownVaultCopiesOf } from '../vault-copies';
import { IN_PROGRESS_STATUSES, refOf, Snapshot, SnapshotRef } from '../types';
import { MemberView, PlannedStep, PlannerOutput } from '../work';

/**
 * The `vault` kind's work (issue 16): a third copy of the member's newest DR copy in the vault
 * account, within the DR region, under the vault's own key. One step per vault copy, under the
 * vault copy's id, in three actions over its life:
 * - `start`: share the DR copy with the vault account, and copy it there with the vault's role;
 * - in flight: the vault copy is on its way (it holds a copy slot of the vault account and region);
 * - `unshare`: once the vault copy is available or has failed, the share is taken away again.
 * The step is remembered in the ledger while in flight, and while an unshare is owed (it failed),
 * so a later pass removes the share even when the pass that started the copy is long gone.
 */
export const VAULT = 'vault';

export type VaultInput =
  | {
      readonly action: 'start';
      /** The member's DR copy (in its own account), shared and then copied from. */
      readonly drCopy: Snapshot;
      readonly targetId: string;
      readonly tags: Readonly<Record<string, string>>;
    }
  | {
      /** A vault copy on its way longer than `timeouts.copy`: deleting it cancels it (AWS), then the share goes. */
      readonly action: 'cancel';
      readonly target: Snapshot;
      readonly drCopy: SnapshotRef | null;
    }
  | {
      readonly action: 'unshare';
      readonly drCopy: SnapshotRef;
      /** The vault copy as the ledger holds it; null when AWS no longer has it. */
      readonly vaultCopy: Snapshot | null;
    };

/** A 12-digit account id (the member's account, once resolved from its configured name). */
export const isAccountId = (text: string | undefined): text is string => typeof text === 'string' && /^\d{12}$/.test(text);

/**
 * Plans, for a member whose tier the vault covers: a vault copy of its newest available DR copy
 * when that recovery point is newer than its newest vault copy (available or on its way); a
 * watch on each vault copy in flight; and the unshare owed for each vault copy that finished
 * (available, failed, or gone) since a pass saw it in flight.
 */
export function planVault(view: MemberView): PlannerOutput {
  const { member, now, vault } = view;
  if (!vault) return { steps: [], warnings: [] };
  const covered = vault.tiers.includes(member.tier);
  const account = member.account;
  if (!isAccountId(account)) {
    return { steps: [], warnings: covered ? [`no vault copy of ${member.id}: its account id is not known (got '${account ?? 'none'}')`] : [] };
  }
  const slot: StepSlot = { account: vault.accountId, region: member.drRegion, dbKind: member.kind };
  const mine = ownVaultCopiesOf(member, vault.snapshots);
  const byId = new Map(mine.map((s) => [s.id.toLowerCase(), s]));
  const drCopies = view.snapshots.filter((s) => s.region === member.drRegion && managedInfo(s)?.isCopy);
  const sourceOf = (vaultId: string): Snapshot | undefined => drCopies.find((d) => vaultSnapshotId(account, d.id) === vaultId.toLowerCase());
  const steps: PlannedStep[] = [];
  const base = (target: SnapshotRef) => ({ id: stepId(VAULT, target), kind: VAULT, member, target, priority: [member.tier] });

  // Unshares owed: a step the ledger holds in flight (or whose unshare failed) whose copy is no longer on its way.
  const owed = new Set<string>();
  for (const state of view.steps.values()) {
    if (state.kind !== VAULT || !(state.phase === 'in-flight' || state.lastError?.step === 'unshare')) continue;
    const copy = byId.get(state.target.id.toLowerCase()) ?? null;
    if (copy && IN_PROGRESS_STATUSES.has(copy.status)) continue;
    const drCopy = sourceOf(state.target.id);
    // The DR copy is gone (expired): a deleted snapshot is shared with nobody.
    if (!drCopy) continue;
    owed.add(state.id);
    const input: VaultInput = { action: 'unshare', drCopy: refOf(drCopy), vaultCopy: copy };
    steps.push({ ...base(state.target), phase: 'ready', slot: null, input, startedAt: state.startedAt, reason: `remove the share of ${drCopy.id} with the vault account ${vault.accountId}` });
  }

  // Vault copies on their way: watched (they hold their slot), cancelled once they take longer than timeouts.copy.
  for (const copy of mine) {
    if (!IN_PROGRESS_STATUSES.has(copy.status)) continue;
    const target = refOf(copy);
    const startedAt = view.steps.get(stepId(VAULT, target))?.startedAt ?? copy.createdAt ?? now;
    const age = now.getTime() - startedAt.getTime();
    if (age > view.timeouts.copyMs) {
      const drCopy = sourceOf(copy.id);
      const input: VaultInput = { action: 'cancel', target: copy, drCopy: drCopy ? refOf(drCopy) : null };
      const reason = `vault copy ${copy.id} in ${copy.region} has been ${copy.status} for ${Math.floor(age / HOUR)} h (timeouts.copy ${Math.round(view.timeouts.copyMs / HOUR)} h): cancelled, made again later`;
      steps.push({ ...base(target), phase: 'ready', slot: null, input, startedAt, reason });
    } else {
      steps.push({ ...base(target), phase: 'in-flight', slot, input: null, startedAt });
    }
  }

  if (covered) {
    const newestDr = newest(drCopies.filter((s) => s.status === 'available'));
    const newestVault = newest(mine.filter((s) => s.status === 'available' || IN_PROGRESS_STATUSES.has(s.status)));
    if (newestDr && (!newestVault || newestDr.time > newestVault.time)) {
      const targetId = vaultSnapshotId(account, newestDr.s.id);
      const target = { id: targetId, region: member.drRegion, kind: member.kind };
      const id = stepId(VAULT, target);
      const taken = byId.get(targetId) ?? vault.snapshots.find((s) => s.region === member.drRegion && s.id.toLowerCase() === targetId);
      if (owed.has(id)) {
        // The share of the last attempt is removed first; the copy is started again by a later pass.
      } else if (taken) {
        const message = `vault copy id ${targetId} in ${member.drRegion} (vault account ${vault.accountId}) is held by a snapshot in state '${taken.status}'${isVaultCopy(taken) ? '' : ' that snapward did not make'}; delete it in the vault account to let the copy be made`;
        steps.push({ ...base(target), phase: 'blocked', slot: null, input: null, error: new SnapwardError('SNAPSHOT_ID_TAKEN', message).toInfo(VAULT), reason: message });
      } else {
        const input: VaultInput = { action: 'start', drCopy: newestDr.s, targetId, tags: vaultTags(newestDr.s, new Date(newestDr.time), account) };
        // Slots by tier, then the largest account-loss RPO debt (no vault copy at all first).
        steps.push({ ...base(target), phase: 'ready', slot, input, priority: [member.tier, -(now.getTime() - (newestVault?.time ?? 0))] });
      }
    }
  }
  return { steps, warnings: [] };
}

/** The snapshot with the newest recovery point, and that time. */
function newest(snapshots: readonly Snapshot[]): { s: Snapshot; time: number } | null {
  let best: { s: Snapshot; time: number } | null = null;
  for (const s of snapshots) {
    const time = managedInfo(s)?.recoveryPointTime?.getTime();
    if (time === undefined) continue;
    if (!best || time > best.time || (time === best.time && s.id > best.s.id)) best = { s, time };
  }
  return best;
}

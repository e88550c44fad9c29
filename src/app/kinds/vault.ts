import { ErrorInfo, SnapwardError, toErrorInfo } from '../../domain/errors';
import { VaultInput } from '../../domain/kinds/vault';
import { isVaultCopy, managedInfo, TAG } from '../../domain/tags';
import { refOf, SnapshotRef } from '../../domain/types';
import { ScheduledStep, StepOutcome } from '../../domain/work';
import { AccountScope } from '../../ports/accounts';
import { ExecContext, Executor } from './executor';

/**
 * Carries out a `vault` step (domain/kinds/vault.ts). `start`: decides first, from the DR copy's
 * key (DescribeKey), whether the copy can be shared at all (an AWS managed key cannot: that is
 * VAULT_KEY_NOT_SHAREABLE, and nothing is shared); then shares the DR copy with the vault account
 * (the member's role) and copies it within the DR region into the vault account under the vault's
 * key (the vault's role). The share stays while the copy is on its way; `unshare` takes it away
 * once the copy is available or has failed. A share is never left behind on purpose: when the
 * copy cannot start, or AWS makes it available at once, the share is removed in the same step.
 */
export const executeVault: Executor = async (step, ctx) => {
  const input = step.input as VaultInput;
  const scopes = scopesOf(step, ctx);
  if ('error' in scopes) return failed(scopes.error);
  if (input.action === 'cancel') return cancel(step, input, scopes, ctx);
  return input.action === 'unshare' ? unshare(step, input, scopes, ctx) : start(step, input, scopes, ctx);
};

interface Scopes {
  readonly member: AccountScope;
  readonly vault: AccountScope;
}

function scopesOf(step: ScheduledStep, { deps }: ExecContext): Scopes | { error: ErrorInfo } {
  const vault = deps.accounts.vault;
  if (!vault) return { error: new SnapwardError('CONFIG_INVALID', `no vault account is configured: no vault copy of ${step.member.id}`).toInfo('vault') };
  try {
    return { member: deps.accounts.scope(step.member.account), vault };
  } catch (err) {
    return { error: toErrorInfo(err, 'vault') };
  }
}

async function start(step: ScheduledStep, input: Extract<VaultInput, { action: 'start' }>, { member, vault }: Scopes, { deps, logger }: ExecContext): Promise<StepOutcome> {
  const m = step.member;
  const { drCopy } = input;
  const region = step.target.region;
  const what = `no vault copy of ${m.id} (DR copy ${drCopy.id} in ${region})`;

  // 1. Can it be shared at all? Decided before sharing: a snapshot under aws/rds cannot be.
  if (drCopy.encrypted) {
    const keyRef = drCopy.kmsKeyId ?? deps.config.kms[region];
    if (!keyRef) return failed(new SnapwardError('KMS_KEY_NOT_ACCESSIBLE', `${what}: the DR copy is encrypted and its key is not known`).toInfo('vault'));
    let manager: 'AWS' | 'CUSTOMER' | null;
    let arn: string | null;
    try {
      ({ manager, arn } = await member.keys.inspect(region, keyRef));
    } catch (err) {
      return failed(prefixed(toErrorInfo(err, 'vault'), `${what}: could not read the DR copy's key ${keyRef}`));
    }
    if (manager === 'AWS') {
      const message =
        `${what}: the DR copy is encrypted with the AWS managed key ${arn ?? keyRef} (aws/rds), which AWS does not let another account use, ` +
        `so it cannot be shared with the vault account ${vault.id}. Encrypt ${m.id}'s DR copies with a customer managed key (kms.${region}) whose key policy ` +
        `lets the vault account use it (kms:Decrypt, kms:DescribeKey, kms:CreateGrant); new DR copies are then vaulted (snapward doctor lists the keys concerned)`;
      return failed(new SnapwardError('VAULT_KEY_NOT_SHAREABLE', message).toInfo('vault'));
    }
  }

  // 2. The vault's own key in the DR region (the copy is re-encrypted with it).
  let kmsKeyId: string;
  try {
    kmsKeyId = await vault.keys.resolve(region, deps.config.vault?.kms[region] ?? '');
  } catch (err) {
    return failed(prefixed(toErrorInfo(err, 'vault'), `${what}: the vault's key for ${region} (vault.kms.${region}) is not usable from the vault account ${vault.id}`));
  }

  // 3. Share with the vault account (the member's role), 4. copy (the vault's role).
  const shared = refOf(drCopy);
  try {
    await member.provider.shareSnapshot(shared, vault.id);
  } catch (err) {
    return failed(prefixed(toErrorInfo(err, 'share'), `${what}: could not share it with the vault account ${vault.id}`));
  }
  try {
    const copy = await vault.provider.copySnapshot({ kind: m.kind, source: drCopy, targetRegion: region, targetId: input.targetId, kmsKeyId, tags: input.tags });
    logger.info({ snapshotId: copy.id, region: copy.region, vault: vault.id, status: copy.status }, 'started vault copy');
    if (copy.status !== 'available') return { phase: 'in-flight', observed: [copy], removed: [], warnings: [] };
    const left = await removeShare(member, shared, vault.id);
    return left ? { ...failed(left), observed: [copy] } : { phase: 'done', observed: [copy], removed: [], warnings: [] };
  } catch (err) {
    const error = toErrorInfo(err, 'vault');
    if (error.code === 'SNAPSHOT_ALREADY_EXISTS') return adopt(step, shared, { member, vault }, what);
    const left = await removeShare(member, shared, vault.id);
    if (error.code === 'COPY_LIMIT_EXCEEDED' && !left) {
      return { phase: 'deferred', observed: [], removed: [], warnings: [`vault copy of ${drCopy.id} deferred: ${error.message}`], reason: `AWS refused the vault copy: ${error.message}` };
    }
    const main = prefixed(error, `${what}: the vault account ${vault.id} could not copy it`);
    return failed(left ? { ...main, step: 'unshare', message: `${main.message}; and ${left.message}` } : main);
  }
}

/** The vault copy's id is taken: ours (an overlapping pass made it) is adopted; anything else blocks. */
async function adopt(step: ScheduledStep, shared: SnapshotRef, { member, vault }: Scopes, what: string): Promise<StepOutcome> {
  const m = step.member;
  let existing;
  try {
    existing = await vault.provider.describeSnapshot(step.target);
  } catch (err) {
    // The share stays: the copy may be on its way; the next pass sees the vault copy (or not) and decides.
    return failed(prefixed(toErrorInfo(err, 'vault'), `${what}: could not read the vault copy ${step.target.id}`));
  }
  const ours = existing && isVaultCopy(existing) && existing.tags[TAG.sourceAccount] === m.account && managedInfo(existing)?.instanceId === m.id;
  if (existing && ours && existing.status !== 'available' && existing.status !== 'failed') return { phase: 'in-flight', observed: [existing], removed: [], warnings: [], adopted: true };
  const left = await removeShare(member, shared, vault.id);
  if (existing && ours && existing.status === 'available') return left ? { ...failed(left), observed: [existing] } : { phase: 'done', observed: [existing], removed: [], warnings: [], adopted: true };
  const taken = new SnapwardError('SNAPSHOT_ID_TAKEN', `${what}: vault copy id ${step.target.id} in ${step.target.region} is taken in the vault account ${vault.id} by a snapshot ${ours ? `in state '${existing?.status}'` : 'snapward did not make for it'}`).toInfo('vault');
  return { ...failed(left ? { ...taken, step: 'unshare', message: `${taken.message}; and ${left.message}` } : taken), observed: existing && ours ? [existing] : [] };
}

/** Takes the share away once the vault copy is available or has failed (or vanished). */
async function unshare(step: ScheduledStep, input: Extract<VaultInput, { action: 'unshare' }>, { member, vault }: Scopes, { logger }: ExecContext): Promise<StepOutcome> {
  const left = await removeShare(member, input.drCopy, vault.id);
  if (left) return failed(left);
  logger.info({ snapshotId: input.drCopy.id, region: input.drCopy.region, vault: vault.id }, 'removed the vault share');
  const copy = input.vaultCopy;
  if (copy?.status === 'available') return { phase: 'done', observed: [], removed: [], warnings: [], followUp: true };
  const fate = copy ? `ended in state '${copy.status}'; it holds its id in the vault account ${vault.id} until someone deletes it there` : 'vanished before it became available; a later pass copies again';
  const error = new SnapwardError('AWS_ERROR', `vault copy ${step.target.id} of ${input.drCopy.id} in ${step.target.region} ${fate} (the share with the vault account was removed)`, { retryable: true }).toInfo('vault');
  return failed(error);
}

/** Cancels a vault copy that took longer than timeouts.copy (deleting it while on its way, with the vault's role), then unshares. */
async function cancel(step: ScheduledStep, input: Extract<VaultInput, { action: 'cancel' }>, { member, vault }: Scopes, { logger }: ExecContext): Promise<StepOutcome> {
  const { target } = input;
  try {
    await vault.provider.deleteSnapshot(refOf(target));
  } catch (err) {
    const info = toErrorInfo(err, 'vault');
    if (info.code !== 'SNAPSHOT_NOT_FOUND') return failed(prefixed(info, `could not cancel the vault copy ${target.id} in ${target.region} (vault account ${vault.id})`));
  }
  logger.warn({ snapshotId: target.id, region: target.region, vault: vault.id }, 'cancelled a vault copy that took too long');
  const timedOut = new SnapwardError('COPY_TIMED_OUT', step.reason ?? `vault copy ${target.id} timed out`, { retryable: true }).toInfo('vault');
  const left = input.drCopy ? await removeShare(member, input.drCopy, vault.id) : null;
  const error = left ? { ...timedOut, step: 'unshare', message: `${timedOut.message}; and ${left.message}` } : timedOut;
  return { phase: 'failed', observed: [], removed: [refOf(target)], warnings: [], error };
}

/**
 * Removes the share of `ref` with the vault account; null when done (or nothing is shared: the
 * snapshot is gone), else the error, marked `unshare` so the planner owes it to a later pass.
 */
async function removeShare(member: AccountScope, ref: SnapshotRef, vaultId: string): Promise<ErrorInfo | null> {
  try {
    await member.provider.unshareSnapshot(ref, vaultId);
    return null;
  } catch (err) {
    const info = toErrorInfo(err, 'unshare');
    if (info.code === 'SNAPSHOT_NOT_FOUND') return null;
    return { ...info, step: 'unshare', message: `the share of ${ref.id} in ${ref.region} with the vault account ${vaultId} could not be removed (${info.message}); the next pass tries again` };
  }
}

const failed = (error: ErrorInfo): StepOutcome => ({ phase: 'failed', observed: [], removed: [], warnings: [], error });
const prefixed = (info: ErrorInfo, text: string): ErrorInfo => ({ ...info, message: `${text}: ${info.message}` });

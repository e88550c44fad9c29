import { SnapwardError, toErrorInfo } from '../../domain/errors';
import { VaultExpireInput } from '../../domain/kinds/vault-expire';
import { refOf } from '../../domain/types';
import { Executor } from './executor';

/**
 * Carries out a `vault-expire` step (confirmed with AWS from the vault's side by the engine):
 * deletes the vault copy with the vault's role, never with the member's.
 */
export const executeVaultExpire: Executor = async (step, { deps, logger }) => {
  const { snapshot } = step.input as VaultExpireInput;
  const vault = deps.accounts.vault;
  if (!vault) return { phase: 'failed', observed: [], removed: [], warnings: [], error: new SnapwardError('CONFIG_INVALID', `no vault account is configured: ${snapshot.id} not deleted`).toInfo('delete') };
  try {
    await vault.provider.deleteSnapshot(refOf(snapshot));
    logger.info({ snapshotId: snapshot.id, region: snapshot.region, vault: vault.id }, 'deleted expired vault copy');
  } catch (err) {
    const error = toErrorInfo(err, 'delete');
    // Already gone: what retention wanted.
    if (error.code !== 'SNAPSHOT_NOT_FOUND') return { phase: 'failed', observed: [], removed: [], warnings: [], error };
  }
  return { phase: 'done', observed: [], removed: [refOf(snapshot)], warnings: [] };
};

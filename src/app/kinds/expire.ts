import { toErrorInfo } from '../../domain/errors';
import { ExpireInput } from '../../domain/kinds/expire';
import { refOf } from '../../domain/types';
import { Executor } from './executor';

/** Carries out an `expire` step (already confirmed with AWS by the engine): deletes the snapshot. */
export const executeExpire: Executor = async (step, { logger, scope }) => {
  const { snapshot } = step.input as ExpireInput;
  try {
    await scope.provider.deleteSnapshot(refOf(snapshot));
    logger.info({ snapshotId: snapshot.id, region: snapshot.region }, 'deleted expired snapshot');
    return { phase: 'done', observed: [], removed: [refOf(snapshot)], warnings: [] };
  } catch (err) {
    const error = toErrorInfo(err, 'delete');
    // Already gone: what retention wanted.
    if (error.code === 'SNAPSHOT_NOT_FOUND') return { phase: 'done', observed: [], removed: [refOf(snapshot)], warnings: [] };
    return { phase: 'failed', observed: [], removed: [], warnings: [], error };
  }
};

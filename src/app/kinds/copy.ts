import { toErrorInfo } from '../../domain/errors';
import { CopyInput, copyTimedOut } from '../../domain/kinds/copy';
import { refOf } from '../../domain/types';
import { ScheduledStep, StepOutcome } from '../../domain/work';
import { adoptExisting } from './adopt';
import { ExecContext, Executor } from './executor';

/**
 * Carries out a `copy` step: starts the cross-region copy re-encrypted with the DR region's key
 * (or adopts the copy an overlapping pass started), or cancels a copy that took longer than
 * `timeouts.copy` by deleting its target while it is `copying` (how AWS cancels a copy).
 */
export const executeCopy: Executor = async (step, ctx) => {
  const input = step.input as CopyInput;
  return input.action === 'cancel' ? cancel(step, input.target, ctx) : start(step, input, ctx);
};

async function start(step: ScheduledStep, input: Extract<CopyInput, { action: 'start' }>, { deps, logger, scope }: ExecContext): Promise<StepOutcome> {
  const { member } = step;
  const { source } = input;
  const region = step.target.region;
  let kmsKeyId: string;
  try {
    kmsKeyId = await scope.keys.resolve(region, deps.config.kms[region] ?? '');
  } catch (err) {
    const info = toErrorInfo(err, 'copy');
    return { phase: 'failed', observed: [], removed: [], warnings: [], error: { ...info, message: `no copy of ${source.id} to ${region}: ${info.message}` } };
  }
  const warnings: string[] = [];
  if (!source.encrypted) {
    warnings.push(
      member.kind === 'instance'
        ? `source snapshot ${source.id} is unencrypted; its copy in ${region} is encrypted with ${kmsKeyId}`
        : `cluster snapshot ${source.id} is unencrypted and AWS cannot encrypt a cluster snapshot while copying it: the copy in ${region} is unencrypted too (encrypt the cluster to fix)`,
    );
  }
  try {
    const copy = await scope.provider.copySnapshot({ kind: member.kind, source, targetRegion: region, targetId: input.targetId, kmsKeyId, tags: input.tags });
    logger.info({ snapshotId: copy.id, region: copy.region, status: copy.status }, 'started cross-region copy');
    return { phase: copy.status === 'available' ? 'done' : 'in-flight', observed: [copy], removed: [], warnings };
  } catch (err) {
    const error = toErrorInfo(err, 'copy');
    if (error.code === 'COPY_LIMIT_EXCEEDED') {
      // AWS refused a slot (another tool's copies, or our count was behind): wait, it is not a failure.
      return { phase: 'deferred', observed: [], removed: [], warnings: [...warnings, `copy of ${source.id} to ${region} deferred: ${error.message}`], reason: `AWS refused the copy: ${error.message}` };
    }
    if (error.code === 'SNAPSHOT_ALREADY_EXISTS') {
      const adopted = await adoptExisting(scope.provider, step.target, member.id, 'copy');
      return { ...adopted, warnings: [...warnings, ...adopted.warnings] };
    }
    return { phase: 'failed', observed: [], removed: [], warnings, error };
  }
}

async function cancel(step: ScheduledStep, target: Extract<CopyInput, { action: 'cancel' }>['target'], { deps, logger, scope }: ExecContext): Promise<StepOutcome> {
  const reason = step.reason ?? `copy ${target.id} to ${target.region} timed out`;
  try {
    await scope.provider.deleteSnapshot(refOf(target));
  } catch (err) {
    const info = toErrorInfo(err, 'copy');
    if (info.code !== 'SNAPSHOT_NOT_FOUND') return { phase: 'failed', observed: [], removed: [], warnings: [], error: { ...info, message: `could not cancel the copy ${target.id} in ${target.region}: ${info.message}` } };
  }
  logger.warn({ snapshotId: target.id, region: target.region }, 'cancelled a copy that took too long');
  return { phase: 'failed', observed: [], removed: [refOf(target)], warnings: [], error: copyTimedOut(reason) };
}

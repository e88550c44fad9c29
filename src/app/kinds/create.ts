import { toErrorInfo } from '../../domain/errors';
import { CreateInput } from '../../domain/kinds/create';
import { StepOutcome } from '../../domain/work';
import { adoptExisting } from './adopt';
import { Executor } from './executor';

/** Carries out a `create` step: the period's snapshot, or adopts it when an overlapping pass made it. */
export const executeCreate: Executor = async (step, { scope }) => {
  const { member } = step;
  const input = step.input as CreateInput;
  try {
    const snapshot = await scope.provider.createSnapshot({ kind: member.kind, region: member.region, dbId: member.id, snapshotId: input.snapshotId, tags: input.tags });
    return withEncryptionWarning({ phase: snapshot.status === 'available' ? 'done' : 'in-flight', observed: [snapshot], removed: [], warnings: [] });
  } catch (err) {
    const error = toErrorInfo(err, 'create');
    if (error.code !== 'SNAPSHOT_ALREADY_EXISTS') return { phase: 'failed', observed: [], removed: [], warnings: [], error };
    return withEncryptionWarning(await adoptExisting(scope.provider, step.target, member.id, 'create'));
  }
};

function withEncryptionWarning(outcome: StepOutcome): StepOutcome {
  const made = outcome.phase !== 'failed' ? outcome.observed[0] : undefined;
  if (!made || made.encrypted) return outcome;
  return { ...outcome, warnings: [...outcome.warnings, `${made.kind} ${made.dbId} is not encrypted: snapshot ${made.id} is unencrypted`] };
}

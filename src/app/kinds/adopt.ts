import { SnapwardError, toErrorInfo } from '../../domain/errors';
import { managedInfo } from '../../domain/tags';
import { Snapshot, SnapshotRef } from '../../domain/types';
import { StepOutcome } from '../../domain/work';
import { SnapshotProvider } from '../../ports/snapshot-provider';

/**
 * An "already exists" answer is success when the snapshot at that id is snapward's for this
 * instance (an overlapping pass, or a crashed one, made it): the step adopts it.
 */
export async function adoptExisting(provider: SnapshotProvider, ref: SnapshotRef, instanceId: string, step: string): Promise<StepOutcome> {
  let existing: Snapshot | null;
  try {
    existing = await provider.describeSnapshot(ref);
  } catch (err) {
    return { phase: 'failed', observed: [], removed: [], warnings: [], error: toErrorInfo(err, step) };
  }
  const observed = existing ? [existing] : [];
  if (existing && managedInfo(existing)?.instanceId === instanceId) {
    return { phase: existing.status === 'available' ? 'done' : 'in-flight', observed, removed: [], warnings: [], adopted: true };
  }
  const error = new SnapwardError('SNAPSHOT_ID_TAKEN', `snapshot id ${ref.id} in ${ref.region} is taken by a snapshot snapward does not manage for ${instanceId}`).toInfo(step);
  return { phase: 'failed', observed, removed: [], warnings: [], error };
}

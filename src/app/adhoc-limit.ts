import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { managedInfo } from '../domain/tags';
import { FleetMember } from '../domain/types';
import { AppDeps } from './deps';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether an ad hoc snapshot `snapshotId` of `member` may be taken under a limit of `max` per
 * instance in the last 24 hours, counted from AWS (the instance's own ad hoc snapshots in its
 * region, whoever asked for them). A repeat of a request already served (its snapshot exists) is
 * not a new snapshot: it is never refused. When the snapshots cannot be listed, the request is
 * refused with that error: the limit cannot be checked, and a snapshot is not taken on a guess.
 *
 * @returns null when the snapshot may be taken, else the reason (code ADHOC_LIMIT or the listing's).
 */
export async function adhocLimitRefusal(deps: AppDeps, member: FleetMember, snapshotId: string, max: number, now: Date): Promise<ErrorInfo | null> {
  let snapshots;
  try {
    snapshots = await deps.accounts.scope(member.account).provider.listSnapshotsMatching(member.region, member.kind, { dbIds: [member.id] });
  } catch (err) {
    const info = toErrorInfo(err, 'adhoc-limit');
    return { ...info, message: `could not count the ad hoc snapshots of ${member.id} to apply the limit of ${max} a day, so none was taken: ${info.message}` };
  }
  if (snapshots.some((s) => s.id === snapshotId)) return null;
  const since = now.getTime() - DAY_MS;
  const recent = snapshots.filter((s) => {
    const info = managedInfo(s);
    return info?.instanceId === member.id && info.purpose === 'adhoc' && !info.isCopy && s.createdAt !== null && s.createdAt.getTime() > since;
  });
  if (recent.length < max) return null;
  const ids = recent.map((s) => s.id).sort();
  return {
    code: 'ADHOC_LIMIT',
    step: 'adhoc-limit',
    retryable: false,
    message: `${member.id} already has ${recent.length} ad hoc snapshots from the last 24 hours (${ids.join(', ')}); the limit is ${max} a day (adhoc.maxPerInstancePerDay). Not taken: retry later, or take it with the CLI (snapward backup), which this limit does not apply to`,
  };
}

import { adhocLimitRefusal } from '../../src/app/adhoc-limit';
import { AppDeps } from '../../src/app/deps';
import { SnapwardError } from '../../src/domain/errors';
import { baseTags } from '../../src/domain/tags';
import { FleetMember, Snapshot } from '../../src/domain/types';

const member = { id: 'db1', kind: 'instance', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, account: '111111111111', accountName: 'prod-a', origin: 'config' } as unknown as FleetMember;
const now = new Date('2026-11-29T12:00:00Z');
const snap = (id: string, hoursAgo: number, purpose: 'adhoc' | 'daily' = 'adhoc', extra: Record<string, string> = {}): Snapshot =>
  ({ id, region: 'us-east-1', kind: 'instance', dbId: 'db1', snapshotType: 'manual', originalCreatedAt: null, createdAt: new Date(now.getTime() - hoursAgo * 3_600_000), tags: { ...baseTags(member, purpose), ...extra } }) as unknown as Snapshot;
// The instance's own account is asked (its scope), never the caller's provider.
const deps = (list: () => Promise<Snapshot[]>) =>
  ({ provider: null, accounts: { scope: (id: string) => (id === '111111111111' ? { provider: { listSnapshotsMatching: list } } : null) } }) as unknown as AppDeps;

describe('adhocLimitRefusal', () => {
  it('counts only this instance\'s own ad hoc snapshots of the last 24 hours (not daily ones, copies or older ones)', async () => {
    const listed = [snap('sw-db1-req-a', 1), snap('sw-db1-req-b', 23), snap('sw-db1-req-old', 25), snap('sw-db1-20261129', 2, 'daily'), snap('sw-db1-req-copy', 1, 'adhoc', { 'snapward:source-region': 'eu-west-1', 'snapward:source-snapshot': 'sw-db1-req-x' })];
    expect(await adhocLimitRefusal(deps(async () => listed), member, 'sw-db1-req-new', 3, now)).toBeNull();
    expect(await adhocLimitRefusal(deps(async () => listed), member, 'sw-db1-req-new', 2, now)).toMatchObject({ code: 'ADHOC_LIMIT', message: expect.stringMatching(/db1 already has 2 ad hoc snapshots .*\(sw-db1-req-a, sw-db1-req-b\)/) });
  });

  it('a repeat of a served request (its snapshot exists) is never refused', async () => {
    const listed = [snap('sw-db1-req-a', 1), snap('sw-db1-req-b', 2)];
    expect(await adhocLimitRefusal(deps(async () => listed), member, 'sw-db1-req-a', 1, now)).toBeNull();
  });

  it('when the snapshots cannot be listed, refuses with that error: the limit is not skipped on a guess', async () => {
    const refusal = await adhocLimitRefusal(deps(async () => Promise.reject(new SnapwardError('THROTTLED', 'Rate exceeded', { retryable: true }))), member, 'sw-db1-req-a', 4, now);
    expect(refusal).toMatchObject({ code: 'THROTTLED', message: expect.stringMatching(/could not count the ad hoc snapshots of db1 .* so none was taken: Rate exceeded/) });
  });
});

import { acknowledgeFinding, activeAck } from '../../src/app/acknowledge';
import { runCheck } from '../../src/app/check';
import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { causeOf, SnapwardError } from '../../src/domain/errors';
import { severityOf } from '../../src/domain/findings';
import { memberKey } from '../../src/domain/ledger';
import { DAY, HOUR, MINUTE } from '../../src/domain/time';
import { FleetMember, Tier } from '../../src/domain/types';
import { harness } from '../support/app-harness';
import { managed, member } from '../support/builders';

/** "Unknown is never OK" and "one alert per real problem", with fakes. */

describe('severity of every finding event', () => {
  it.each([
    ['Recovery Point Deleted', {}, 'critical'],
    ['Key Unusable', {}, 'critical'],
    ['Replication Broken', {}, 'critical'],
    ['RPO Breached', { band: 'critical' }, 'critical'],
    ['RPO Breached', { band: 'severe' }, 'critical'],
    ['RPO Breached', { band: 'exceeded' }, 'warning'],
    ['Observation Failed', { confidenceBreached: true }, 'critical'],
    ['Observation Failed', { confidenceBreached: false }, 'warning'],
    ['Snapshot Missed', {}, 'warning'],
    ['Copy Missed', {}, 'warning'],
    ['Backup Failed', {}, 'warning'],
    ['Quota Warning', {}, 'warning'],
    ['Replication Lagging', {}, 'warning'],
    ['Target Unreachable', {}, 'info'],
  ] as const)('%s %j is %s', (kind, detail, severity) => {
    expect(severityOf(kind, detail)).toBe(severity);
  });
});

describe('the cause of a blind spot, in words an operator can act on', () => {
  it.each([
    [{ code: 'ACCESS_DENIED', awsError: 'InvalidClientTokenId' }, 'credentials rejected (InvalidClientTokenId)'],
    [{ code: 'ACCESS_DENIED', awsError: 'ExpiredToken' }, 'credentials rejected (ExpiredToken)'],
    [{ code: 'ACCESS_DENIED', awsError: 'AccessDenied' }, 'access denied (AccessDenied)'],
    [{ code: 'AWS_ERROR', awsError: 'TimeoutError' }, 'unreachable (TimeoutError)'],
    [{ code: 'AWS_ERROR', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'unreachable'],
    [{ code: 'THROTTLED', awsError: 'Throttling' }, 'throttled (Throttling)'],
    [{ code: 'STATE_STORE_ERROR' }, 'state store unreadable'],
    [{ code: 'AWS_ERROR', awsError: 'CredentialsProviderError', message: 'Could not load credentials from any providers' }, 'no credentials (CredentialsProviderError)'],
  ] as const)('%j -> %s', (info, cause) => {
    expect(causeOf({ message: '', ...info })).toBe(cause);
  });
});

const fleet = [member({ id: 'db-a', tier: 3 }), member({ id: 'db-b', tier: 3 })];

async function seenSince(h: ReturnType<typeof harness>, members: readonly FleetMember[], iso: string): Promise<void> {
  const at = new Date(iso);
  for (const m of members) await h.store.putMemberState({ key: memberKey(m), dueAt: at, auditedAt: null, policy: '', pending: [], snapshots: [], updatedAt: at, firstSeenAt: at, lost: [] });
}

describe('unknown is neither compliant nor critical', () => {
  it('an instance whose reads failed is unknown in both scenarios, with one entry per region and cause', async () => {
    const h = harness({ instances: fleet });
    h.rds.addDatabase({ id: 'db-a', backupRetentionDays: 7 }).addDatabase({ id: 'db-b', backupRetentionDays: 7 });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.fail('listDatabases', 'us-east-1', () => new SnapwardError('ACCESS_DENIED', 'The security token included in the request is invalid.', { context: { awsErrorName: 'InvalidClientTokenId' } }));
    const status = await fleetStatus(h.deps);
    for (const s of status.instances) {
      expect(s).toMatchObject({ observed: false, compliant: false, achieved: { instanceLoss: null, regionLoss: null }, band: { instanceLoss: 'unknown', regionLoss: 'unknown' } });
    }
    expect(status.unobserved).toEqual([
      { region: 'us-east-1', cause: 'credentials rejected (InvalidClientTokenId)', instances: ['db-a', 'db-b'], error: expect.objectContaining({ code: 'ACCESS_DENIED' }) },
    ]);
  });

  it('a failed discovery keeps the members the ledger knows there: unknown, findings untouched, none resolved as gone', async () => {
    const h = harness({ instances: [], discover: [{ region: 'us-east-1', drRegion: 'us-west-2', tierTag: 'snapward:tier', kinds: ['instance', 'cluster'] }] });
    h.rds.addDatabase({ id: 'found-1', tags: { 'snapward:tier': '3' } }).addDatabase({ id: 'found-2', tags: { 'snapward:tier': '3' } });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.advance(3 * DAY); // no pass since: both miss their snapshots
    await runCheck(h.deps, { trigger: 'test' });
    const before = (await h.store.listFindings({ status: 'open' })).filter((f) => f.kind === 'Snapshot Missed');
    expect(before.map((f) => f.subject).sort()).toEqual(['found-1', 'found-2']);

    h.rds.fail('listDatabases', 'us-east-1', () => new SnapwardError('AWS_ERROR', 'connect ETIMEDOUT', { context: { awsErrorName: 'TimeoutError' } }));
    h.events.take();
    const blind = await runCheck(h.deps, { trigger: 'test' });
    expect(blind.resolved).toEqual([]);
    expect(blind.unobserved).toEqual([expect.objectContaining({ region: 'us-east-1', cause: 'unreachable (TimeoutError)', instances: ['found-1', 'found-2'] })]);
    expect(h.events.take().filter((e) => e.detailType.endsWith('Resolved'))).toEqual([]);
    expect((await h.store.listFindings({ status: 'open' })).filter((f) => f.kind === 'Snapshot Missed').map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort());
  });

  it('a region blind for longer than its tightest RPO target is a breach of confidence, and the event says so', async () => {
    const h = harness({ instances: [member({ id: 'db-a', tier: 1 }), member({ id: 'db-b', tier: 3 })] });
    h.rds.addDatabase({ id: 'db-a' }).addDatabase({ id: 'db-b' });
    h.rds.fail('listDatabases', 'us-east-1', () => new SnapwardError('AWS_ERROR', 'socket hang up', { context: { awsErrorName: 'TimeoutError' } }));
    const first = await runCheck(h.deps, { trigger: 'test' });
    const opened = first.open.find((f) => f.kind === 'Observation Failed');
    expect(opened?.detail).toMatchObject({ region: 'us-east-1', confidenceBreached: false, targetSeconds: 3600 });
    expect(h.events.take().find((e) => e.detailType === 'Observation Failed')?.detail.severity).toBe('warning');
    h.clock.advance(HOUR + MINUTE);
    const later = await runCheck(h.deps, { trigger: 'test' });
    const still = later.open.find((f) => f.kind === 'Observation Failed');
    expect(still?.id).toBe(opened?.id);
    expect(still?.detail).toMatchObject({ confidenceBreached: true });
    expect(String(still?.detail.message)).toMatch(/can no longer be vouched for/);
  });
});

describe('one alert per real problem', () => {
  it('a newcomer gets no Snapshot Missed, Copy Missed or RPO Breached until one period plus the grace time has passed', async () => {
    const h = harness({ instances: fleet });
    h.rds.addDatabase({ id: 'db-a' }).addDatabase({ id: 'db-b' });
    await seenSince(h, [fleet[0] as FleetMember], '2026-11-24T09:00:00Z'); // db-a: first seen an hour ago
    await seenSince(h, [fleet[1] as FleetMember], '2026-11-01T00:00:00Z'); // db-b: known for weeks
    const report = await runCheck(h.deps, { trigger: 'test' });
    expect(report.open.filter((f) => ['Snapshot Missed', 'Copy Missed', 'RPO Breached'].includes(f.kind)).map((f) => f.subject)).not.toContain('db-a');
    expect(report.open.filter((f) => f.kind === 'Snapshot Missed').map((f) => f.subject)).toEqual(['db-b']);
    h.clock.advance(DAY + 2 * HOUR); // one period (1 day) plus the grace (2 h) after its first sighting
    const later = await runCheck(h.deps, { trigger: 'test' });
    expect(later.open.filter((f) => f.kind === 'Snapshot Missed').map((f) => f.subject).sort()).toEqual(['db-a', 'db-b']);
  });

  it('a check records the first sighting of a member no pass has seen yet', async () => {
    const h = harness({ instances: fleet });
    h.rds.addDatabase({ id: 'db-a' }).addDatabase({ id: 'db-b' });
    await runCheck(h.deps, { trigger: 'test' });
    expect((await h.store.getMemberState(memberKey(fleet[0] as FleetMember)))?.firstSeenAt).toEqual(new Date('2026-11-24T10:00:00Z'));
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' }); // the pass keeps it
    expect((await h.store.getMemberState(memberKey(fleet[0] as FleetMember)))?.firstSeenAt).toEqual(new Date('2026-11-24T10:00:00Z'));
  });

  it('onboarding 600 instances whose only problem is a structural gap: one event per instance and scenario with a gap, then nothing for a day', async () => {
    const tiers: Tier[] = [0, 1, 2, 3];
    const members = Array.from({ length: 600 }, (_, i) => member({ id: `db-${String(i).padStart(3, '0')}`, tier: tiers[i % 4] }));
    const h = harness({ instances: members, concurrency: { instances: 16, instanceCopiesPerRegion: 20, clusterCopiesPerRegion: 5 } });
    for (const m of members) h.rds.addDatabase({ id: m.id, backupRetentionDays: 7, latestRestorableTime: new Date('2026-11-24T09:59:00Z') });
    h.rds.newStatus = 'available';
    let events = 0;
    const gaps = new Set<string>();
    for (let minutes = 0; minutes <= 24 * 60; minutes += 30) {
      for (const db of h.rds.databases) (db as { latestRestorableTime: Date | null }).latestRestorableTime = new Date(h.clock.now().getTime() - MINUTE);
      if (minutes % (24 * 60) === 0) await reconcile(h.deps, { trigger: 'test' }); // the daily pass
      await runCheck(h.deps, { trigger: 'test' });
      for (const e of h.events.take()) {
        events++;
        expect(e.detailType).toBe('Target Unreachable');
        gaps.add(`${String(e.detail.instanceId)}|${String(e.detail.scenario)}`);
      }
      h.clock.advance(30 * MINUTE);
    }
    // Tiers 0, 1 (RPO 1 h) and 2 (8 h) cannot meet region loss with daily copies; tier 3 (24 h) can.
    expect(gaps.size).toBe(450);
    expect(events).toBe(450);
    expect([...gaps].every((g) => g.endsWith('|regionLoss'))).toBe(true);
  }, 60_000);
});

describe('lost recovery points', () => {
  it("a primary snapshot deleted by hand is Recovery Point Deleted at the next check, and the next run snapshots again", async () => {
    const h = harness({ instances: fleet });
    h.rds.addDatabase({ id: 'db-a' }).addDatabase({ id: 'db-b' });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.snapshots.delete('us-east-1/instance/sw-db-a-20261124');
    h.clock.advance(HOUR);
    const check = await runCheck(h.deps, { trigger: 'test' });
    expect(check.open.filter((f) => f.kind === 'Recovery Point Deleted').map((f) => f.detail)).toEqual([
      expect.objectContaining({ instanceId: 'db-a', region: 'us-east-1', snapshotId: 'sw-db-a-20261124', coverageRestored: false }),
    ]);
    expect(check.status.instances.find((i) => i.instanceId === 'db-a')?.primary).toBeNull();
    const run = await reconcile(h.deps, { trigger: 'test' });
    expect(run.results.find((r) => r.instanceId === 'db-a')?.created.map((s) => s.id)).toEqual(['sw-db-a-20261124']);
    expect(run.results.find((r) => r.instanceId === 'db-b')).toBeUndefined(); // nothing due there
    h.clock.advance(HOUR);
    const healed = await runCheck(h.deps, { trigger: 'test' });
    expect(healed.resolved.map((f) => f.kind)).toContain('Recovery Point Deleted');
  });
});

describe('keys that would make recovery impossible', () => {
  it('a customer managed source key pending deletion is Key Unusable for the instances whose snapshots use it; an AWS managed key is not judged', async () => {
    const key = 'arn:aws:kms:us-east-1:123456789012:key/src-1';
    const h = harness({ instances: fleet, kms: { 'us-west-2': 'alias/dr' } });
    h.rds.addDatabase({ id: 'db-a' }).addDatabase({ id: 'db-b' });
    h.rds.put(managed('sw-db-a-20261124', 'db-a', new Date('2026-11-24T09:00:00Z'), { kmsKeyId: key }));
    h.rds.put(managed('sw-db-b-20261124', 'db-b', new Date('2026-11-24T09:00:00Z'), { kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:alias/aws/rds' }));
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    const deletion = new Date('2026-12-01T00:00:00Z');
    h.keys.states.set(`us-east-1|${key}`, { state: 'PendingDeletion', deletionDate: deletion });
    const report = await runCheck(h.deps, { trigger: 'test' });
    expect(report.open.filter((f) => f.kind === 'Key Unusable').map((f) => f.detail)).toEqual([
      expect.objectContaining({ region: 'us-east-1', keyId: expect.stringContaining('key/fake-us-east-1'), role: 'source', state: 'PendingDeletion', deletionDate: deletion.toISOString(), instanceIds: ['db-a'] }),
    ]);
    expect(h.keys.inspected).toEqual(expect.arrayContaining([`us-east-1|${key}`, 'us-west-2|alias/dr']));
    h.keys.states.delete(`us-east-1|${key}`); // deletion cancelled, key enabled again
    const healed = await runCheck(h.deps, { trigger: 'test' });
    expect(healed.resolved.map((f) => f.kind)).toContain('Key Unusable');
  });
});

describe('acknowledgements', () => {
  it('default to 7 days, refuse more than 90, a blank reason or a resolved finding, and expire by themselves', async () => {
    const h = harness({ instances: fleet });
    await h.store.observeFinding({ key: 'Snapshot Missed|db-a', kind: 'Snapshot Missed', subject: 'db-a', detail: {}, at: h.clock.now(), newId: 'f-1' });
    const acked = await acknowledgeFinding(h.deps, { findingId: 'f-1', by: 'alice', reason: 'migrating' });
    expect(acked.acknowledged).toEqual({ by: 'alice', reason: 'migrating', until: new Date(h.clock.now().getTime() + 7 * DAY) });
    await expect(acknowledgeFinding(h.deps, { findingId: 'f-1', by: 'alice', reason: 'x', until: new Date(h.clock.now().getTime() + 91 * DAY) })).rejects.toThrow(/--until: .*at most 90 days/);
    await expect(acknowledgeFinding(h.deps, { findingId: 'f-1', by: 'alice', reason: '  ' })).rejects.toThrow(/--reason/);
    await expect(acknowledgeFinding(h.deps, { findingId: 'f-404', by: 'alice', reason: 'x' })).rejects.toThrow(/findingId: got "f-404"/);
    expect(activeAck(acked, new Date(h.clock.now().getTime() + 7 * DAY - 1))).not.toBeNull();
    expect(activeAck(acked, new Date(h.clock.now().getTime() + 7 * DAY))).toBeNull();
    await h.store.resolveFinding('f-1', h.clock.now());
    await expect(acknowledgeFinding(h.deps, { findingId: 'f-1', by: 'alice', reason: 'x' })).rejects.toThrow(/an open finding/);
  });
});

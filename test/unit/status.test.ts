import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { HOUR } from '../../src/domain/time';
import { harness } from '../support/app-harness';
import { member, snapshot } from '../support/builders';

describe('fleet status', () => {
  it('gives each instance its tier target, achieved RPO and band per scenario, and overall compliance', async () => {
    const h = harness({ instances: [member({ id: 'db1', tier: 1 })] });
    h.rds.addDatabase({ id: 'db1', backupRetentionDays: 7, latestRestorableTime: new Date('2026-11-24T09:57:00Z') });
    h.rds.newStatus = 'available';
    h.rds.put(snapshot({ id: 'rds:db1-2026-11-24-03-00', dbId: 'db1', snapshotType: 'automated', createdAt: new Date('2026-11-24T03:00:00Z') }));
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.advance(3 * HOUR); // 13:00; PITR still says 09:57
    const s = (await fleetStatus(h.deps)).instances[0];
    expect(s).toMatchObject({
      tier: 1,
      rpoTargetSeconds: 3600,
      achieved: { instanceLoss: 3 * 3600, regionLoss: 3 * 3600 }, // the 10:00 snapshot beats PITR's 09:57
      band: { instanceLoss: 'severe', regionLoss: 'severe' },
      compliant: false,
    });
    expect(s?.rpo.instanceLoss.recoveryPoint).toMatchObject({ source: 'managed-snapshot', snapshotId: 'sw-db1-20261124' });
    expect(s?.rpo.regionLoss.neverMeets?.remedy).toMatch(/StartDBInstanceAutomatedBackupsReplication/);
  });

  it('counts replicated automated backups for region loss', async () => {
    const h = harness({ instances: [member({ id: 'db1', tier: 1 })] });
    h.rds.addDatabase({ id: 'db1', backupRetentionDays: 7, latestRestorableTime: new Date('2026-11-24T09:58:00Z') });
    h.rds.replicatedBackups.push({ region: 'us-west-2', sourceRegion: 'us-east-1', dbId: 'db1', latestTime: new Date('2026-11-24T09:50:00Z') });
    const s = (await fleetStatus(h.deps)).instances[0];
    expect(s?.achieved).toEqual({ instanceLoss: 120, regionLoss: 600, accountLoss: null });
    expect(s?.compliant).toBe(true);
    expect(s?.rpo.regionLoss.neverMeets).toBeNull();
  });

  it('no recovery point at all: null achieved, critical band', async () => {
    const h = harness({ instances: [member({ id: 'db1', tier: 3 })] });
    h.rds.addDatabase({ id: 'db1' });
    const s = (await fleetStatus(h.deps)).instances[0];
    expect(s).toMatchObject({ achieved: { instanceLoss: null, regionLoss: null }, band: { instanceLoss: 'critical', regionLoss: 'critical' }, compliant: false });
  });

  it('shows each attachment pair as the newest verification saw it, or as never verified', async () => {
    const pairs = ['media-a', 'media-b'].map((name) => ({ name, tier: 2 as const, source: { bucket: `${name}-src`, region: 'us-east-1' }, replica: { bucket: `${name}-dst`, region: 'us-west-2' }, prefix: '' }));
    const h = harness({ instances: [member({ id: 'db1' })], attachments: pairs });
    h.rds.addDatabase({ id: 'db1' });
    await h.store.startRun({ id: 'r-v', kind: 'verify-replication', trigger: 'test', startedAt: h.clock.now(), owner: { host: 'test', pid: 1000 } });
    const checkedAt = h.clock.now().toISOString();
    await h.store.finishRun('r-v', { finishedAt: h.clock.now(), outcome: 'partial', summary: null, error: null, details: { pairs: [{ name: 'media-a', ok: false, checkedAt, rpo: { targetSeconds: 28800, achievedSeconds: 40000, compliant: false } }] } });
    const status = await fleetStatus(h.deps);
    expect(status.attachments).toEqual([
      { name: 'media-a', tier: 2, rpoTargetSeconds: 28800, achievedSeconds: 40000, compliant: false, ok: false, verifiedAt: new Date(checkedAt), runId: 'r-v' },
      { name: 'media-b', tier: 2, rpoTargetSeconds: 28800, achievedSeconds: null, compliant: null, ok: null, verifiedAt: null, runId: null },
    ]);
  });
});

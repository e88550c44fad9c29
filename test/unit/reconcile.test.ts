import { reconcile } from '../../src/app/reconcile';
import { SnapwardError } from '../../src/domain/errors';
import { TAG } from '../../src/domain/tags';
import { DAY } from '../../src/domain/time';
import { harness } from '../support/app-harness';
import { member, snapshot } from '../support/builders';

const fleet = [
  member({ id: 'jira-1', tier: 1, product: 'jira' }),
  member({ id: 'conf-1', tier: 2, region: 'eu-west-1', drRegion: 'eu-central-1' }),
  member({ id: 'aurora-1', kind: 'cluster', tier: 0 }),
];
const kms = { 'us-west-2': 'alias/dr-usw2', 'eu-central-1': 'alias/dr-euc1' };

function fleetHarness(now = '2026-11-24T10:00:00Z') {
  const h = harness({ instances: fleet, kms }, now);
  h.rds.addDatabase({ id: 'jira-1' }).addDatabase({ id: 'conf-1', region: 'eu-west-1' }).addDatabase({ id: 'aurora-1', kind: 'cluster' });
  return h;
}

const manual = (h: ReturnType<typeof harness>, region: string) =>
  [...h.rds.snapshots.values()].filter((s) => s.region === region).map((s) => s.id).sort();

describe('reconcile pass', () => {
  it('creates one tagged snapshot per instance, then copies it once AWS reports it available', async () => {
    const h = fleetHarness();
    const first = await reconcile(h.deps, { trigger: 'test' });
    expect(first.outcome).toBe('succeeded');
    expect(first.summary).toMatchObject({ instances: 3, created: 3, copied: 0, failed: 0, inProgress: 3 });
    expect(manual(h, 'us-east-1')).toEqual(['sw-aurora-1-20261124', 'sw-jira-1-20261124']);
    const jira = h.rds.snapshots.get('us-east-1/instance/sw-jira-1-20261124');
    expect(jira?.tags).toMatchObject({ [TAG.managed]: 'true', [TAG.instance]: 'jira-1', [TAG.tier]: '1', [TAG.period]: '20261124', [TAG.type]: 'daily', [TAG.product]: 'jira' });

    h.rds.settle();
    h.clock.advance(15 * 60 * 1000);
    const second = await reconcile(h.deps, { trigger: 'test' });
    expect(second.summary).toMatchObject({ created: 0, copied: 3, failed: 0 });
    const copyCall = h.rds.calls.find((c) => c.op === 'copySnapshot' && c.arg.startsWith('us-west-2/instance/sw-jira-1'));
    expect(copyCall?.arg).toBe(
      'us-west-2/instance/sw-jira-1-20261124<-arn:aws:rds:us-east-1:123456789012:snapshot:sw-jira-1-20261124|key=arn:aws:kms:us-west-2:123456789012:key/fake-us-west-2',
    );
    const copy = h.rds.snapshots.get('us-west-2/instance/sw-jira-1-20261124');
    expect(copy?.tags).toMatchObject({
      [TAG.managed]: 'true',
      [TAG.sourceRegion]: 'us-east-1',
      [TAG.sourceSnapshot]: 'sw-jira-1-20261124',
      [TAG.recoveryPoint]: '2026-11-24T10:00:00.000Z',
    });
    expect(manual(h, 'eu-central-1')).toEqual(['sw-conf-1-20261124']);
  });

  it('copies in the same pass when AWS already reports the new snapshot available', async () => {
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.summary).toMatchObject({ created: 3, copied: 3, inProgress: 0 });
  });

  it('a re-run changes nothing and asks AWS nothing', async () => {
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    const before = h.rds.calls.length;
    const rerun = await reconcile(h.deps, { trigger: 'test' });
    expect(rerun.summary).toMatchObject({ created: 0, copied: 0, deleted: 0, failed: 0, upToDate: 3 });
    expect(h.rds.calls.slice(before)).toEqual([]);
  });

  it('records a failing instance with its code and goes on with the others', async () => {
    const h = fleetHarness();
    h.rds.fail('createSnapshot', 'conf-1', () => new SnapwardError('INVALID_INSTANCE_STATE', 'InvalidDBInstanceState: instance is stopped', { retryable: true }));
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.outcome).toBe('partial');
    const conf = report.results.find((r) => r.instanceId === 'conf-1');
    expect(conf).toMatchObject({ status: 'failed', errors: [{ code: 'INVALID_INSTANCE_STATE', step: 'create', message: 'InvalidDBInstanceState: instance is stopped' }] });
    expect(report.results.filter((r) => r.status === 'ok').map((r) => r.instanceId).sort()).toEqual(['aurora-1', 'jira-1']);
    const stored = await h.store.listInstanceResults(report.runId as string);
    expect(stored.find((r) => r.instanceId === 'conf-1')?.errors[0]?.code).toBe('INVALID_INSTANCE_STATE');
    expect((await h.store.getRun(report.runId as string))?.outcome).toBe('partial');
  });

  it('a configured instance that does not exist fails alone with INSTANCE_NOT_FOUND', async () => {
    const h = harness({ instances: [member({ id: 'ghost' }), member({ id: 'real' })] });
    h.rds.addDatabase({ id: 'real' });
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.results.find((r) => r.instanceId === 'ghost')?.errors.map((e) => e.code)).toEqual(['INSTANCE_NOT_FOUND']);
    expect(report.results.find((r) => r.instanceId === 'real')?.status).toBe('ok');
  });

  it('keeps the primary snapshot when the DR key is unusable, and says why the copy failed', async () => {
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    h.keys.missing.add('us-west-2');
    const report = await reconcile(h.deps, { trigger: 'test' });
    const jira = report.results.find((r) => r.instanceId === 'jira-1');
    expect(jira?.created.map((s) => s.id)).toEqual(['sw-jira-1-20261124']);
    expect(jira?.copied).toEqual([]);
    expect(jira?.errors[0]).toMatchObject({ code: 'KMS_KEY_NOT_ACCESSIBLE', step: 'copy' });
    expect(manual(h, 'us-east-1')).toContain('sw-jira-1-20261124');
    expect(report.results.find((r) => r.instanceId === 'conf-1')?.status).toBe('ok');
  });

  it('backs up and copies an unencrypted instance, with a warning instead of a failure', async () => {
    const h = harness({ instances: [member({ id: 'plain' })] });
    h.rds.addDatabase({ id: 'plain', encrypted: false });
    h.rds.newStatus = 'available';
    const report = await reconcile(h.deps, { trigger: 'test' });
    const r = report.results[0];
    expect(r).toMatchObject({ status: 'ok', copied: [{ id: 'sw-plain-20261124', region: 'us-west-2' }] });
    expect(r?.warnings.join(' ')).toMatch(/not encrypted/);
    expect(r?.warnings.join(' ')).toMatch(/encrypted with arn:aws:kms:us-west-2/);
    expect(h.rds.snapshots.get('us-west-2/instance/sw-plain-20261124')?.encrypted).toBe(true);
  });

  it.each([
    ['the copy limit (retry later)', 'Cannot copy more than 5 snapshots across regions', 'COPY_LIMIT_EXCEEDED', 'ok'],
    ['the snapshot count quota', 'You cannot create more than 100 manual snapshots', 'SNAPSHOT_QUOTA_EXCEEDED', 'failed'],
  ])('tells SnapshotQuotaExceeded for %s apart', async (_what, message, code, status) => {
    const { classifyAwsError } = await import('../../src/adapters/aws/errors');
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    h.rds.fail('copySnapshot', 'jira-1', () => classifyAwsError(Object.assign(new Error(message), { name: 'SnapshotQuotaExceededFault' }), 'CopyDBSnapshot'));
    const report = await reconcile(h.deps, { trigger: 'test' });
    const jira = report.results.find((r) => r.instanceId === 'jira-1');
    expect(jira?.status).toBe(status);
    if (code === 'COPY_LIMIT_EXCEEDED') {
      expect(jira?.deferred.map((s) => s.id)).toEqual(['sw-jira-1-20261124']);
      expect(jira?.warnings.join(' ')).toMatch(/deferred/);
    } else {
      expect(jira?.errors[0]?.code).toBe(code);
    }
  });

  it('starts no more cluster copies than the limit allows per destination region, counting copies in flight it listed', async () => {
    const clusters = Array.from({ length: 7 }, (_, i) => member({ id: `au-${i}`, kind: 'cluster' }));
    const h = harness({ instances: clusters, concurrency: { instances: 3, instanceCopiesPerRegion: 20, clusterCopiesPerRegion: 5 } });
    h.rds.newStatus = 'available';
    for (const c of clusters) h.rds.addDatabase({ id: c.id, kind: 'cluster' });
    // One foreign copy already in flight to us-west-2 takes a slot: the first pass lists the region.
    h.rds.put(snapshot({ id: 'someone-elses-copy', kind: 'cluster', region: 'us-west-2', status: 'copying' }));
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.summary.created).toBe(7);
    expect(report.summary.copied).toBe(4);
    expect(report.results.flatMap((r) => r.deferred)).toHaveLength(3);
    expect(report.summary.failed).toBe(0);

    // The deferred ones stay due; the next pass copies them (the foreign copy is not re-listed).
    const next = await reconcile(h.deps, { trigger: 'test' });
    expect(next.summary.copied).toBe(3);
    expect(next.summary.upToDate).toBe(4);
    expect(h.rds.count('listSnapshots')).toBe(2);
  });

  it('31 days later deletes the expired snapshot and copy, keeps newer ones and foreign ones', async () => {
    const h = fleetHarness('2026-11-01T10:00:00Z');
    h.rds.newStatus = 'available';
    const foreign = snapshot({ id: 'hand-made-before-upgrade', region: 'us-east-1', dbId: 'jira-1', createdAt: new Date('2026-10-01T00:00:00Z') });
    h.rds.put(foreign);
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.set('2026-11-02T10:00:00Z');
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.set('2026-12-02T10:00:01Z'); // day 1 is now older than 30 days, day 2 is not
    const report = await reconcile(h.deps, { trigger: 'test' });
    const jira = report.results.find((r) => r.instanceId === 'jira-1');
    expect(jira?.deleted.map((s) => `${s.region}:${s.id}`).sort()).toEqual(['us-east-1:sw-jira-1-20261101', 'us-west-2:sw-jira-1-20261101']);
    expect(manual(h, 'us-east-1')).toEqual(['hand-made-before-upgrade', 'sw-aurora-1-20261102', 'sw-aurora-1-20261202', 'sw-jira-1-20261102', 'sw-jira-1-20261202']);
    expect(manual(h, 'us-west-2')).toEqual(['sw-aurora-1-20261102', 'sw-aurora-1-20261202', 'sw-jira-1-20261102', 'sw-jira-1-20261202']);
  });

  it('never deletes an instance\'s newest recovery point, even long past retention', async () => {
    const h = harness({ instances: [member({ id: 'db1' })] }, '2026-01-01T10:00:00Z');
    h.rds.addDatabase({ id: 'db1' });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.databases.length = 0; // the instance is gone: no new snapshots can be made
    h.clock.set('2026-06-01T10:00:00Z');
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.results[0]?.deleted).toEqual([]);
    expect(manual(h, 'us-east-1')).toEqual(['sw-db1-20260101']);
    expect(manual(h, 'us-west-2')).toEqual(['sw-db1-20260101']);
  });

  it('dry run plans without writing to AWS or the state store', async () => {
    const h = fleetHarness();
    const report = await reconcile(h.deps, { trigger: 'test', dryRun: true });
    expect(report.runId).toBeNull();
    expect(report.planned.map((p) => p.create).sort()).toEqual(['sw-aurora-1-20261124', 'sw-conf-1-20261124', 'sw-jira-1-20261124']);
    expect(h.rds.calls.every((c) => c.op === 'listSnapshots' || c.op === 'listDatabases')).toBe(true);
    expect(await h.store.listRuns()).toEqual([]);
  });

  it('adopts a snapshot an overlapping pass made, and refuses one it does not own', async () => {
    const h = harness({ instances: [member({ id: 'db1' }), member({ id: 'db2' })] });
    h.rds.addDatabase({ id: 'db1' }).addDatabase({ id: 'db2' });
    // Appear between our listing and our create: one ours (made by another pass), one foreign.
    const listOnce = h.rds.listSnapshots.bind(h.rds);
    jest.spyOn(h.rds, 'listSnapshots').mockImplementationOnce(async (region, kind) => {
      const listed = await listOnce(region, kind);
      h.rds.put(snapshot({ id: 'sw-db1-20261124', dbId: 'db1', tags: { [TAG.managed]: 'true', [TAG.instance]: 'db1' } }));
      h.rds.put(snapshot({ id: 'sw-db2-20261124', dbId: 'db2', tags: {} }));
      return listed;
    });
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.results.find((r) => r.instanceId === 'db1')).toMatchObject({ status: 'ok', created: [] });
    expect(report.results.find((r) => r.instanceId === 'db2')?.errors.map((e) => e.code)).toEqual(['SNAPSHOT_ID_TAKEN']);
  });

  it('stops taking instances once aborted and records the run as interrupted', async () => {
    const h = fleetHarness();
    const controller = new AbortController();
    const create = h.rds.createSnapshot.bind(h.rds);
    jest.spyOn(h.rds, 'createSnapshot').mockImplementation(async (req) => {
      controller.abort();
      return create(req);
    });
    const report = await reconcile(h.with({ config: { ...h.deps.config, concurrency: { ...h.deps.config.concurrency, instances: 1 } } }), {
      trigger: 'test',
      signal: controller.signal,
    });
    expect(report.outcome).toBe('interrupted');
    expect(report.results).toHaveLength(1);
    expect(report.notReached).toHaveLength(2);
    const run = await h.store.getRun(report.runId as string);
    expect(run).toMatchObject({ outcome: 'interrupted', error: { code: 'INTERRUPTED' } });
  });

  it('shows a pass whose process died as interrupted, and the next pass converges without duplicates', async () => {
    const h = fleetHarness();
    // A pass that died after its first instance: run started, one result, never finished.
    await h.store.startRun({ id: 'r-dead', kind: 'reconcile', trigger: 'schedule', startedAt: h.clock.now(), owner: { host: 'test', pid: 4242 } });
    await h.rds.createSnapshot({ kind: 'instance', region: 'us-east-1', dbId: 'jira-1', snapshotId: 'sw-jira-1-20261124', tags: { [TAG.managed]: 'true', [TAG.instance]: 'jira-1', [TAG.type]: 'daily' } });
    h.deadPids.add(4242);
    h.clock.advance(60_000);
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect((await h.store.getRun('r-dead'))?.outcome).toBe('interrupted');
    expect(report.summary.created).toBe(2);
    expect(h.rds.calls.filter((c) => c.op === 'createSnapshot' && c.arg.includes('jira-1'))).toHaveLength(1);
  });

  it('leaves a running run of a live process alone until its heartbeat is stale', async () => {
    const h = fleetHarness();
    await h.store.startRun({ id: 'r-live', kind: 'reconcile', trigger: 'schedule', startedAt: h.clock.now(), owner: { host: 'other-host', pid: 1 } });
    await reconcile(h.deps, { trigger: 'test' });
    expect((await h.store.getRun('r-live'))?.outcome).toBe('running');
    h.clock.advance(DAY);
    await reconcile(h.deps, { trigger: 'test' });
    expect((await h.store.getRun('r-live'))?.outcome).toBe('interrupted');
  });

  it('discovers tagged databases, skips cluster members and reports bad tier tags', async () => {
    const h = harness({ instances: [], discover: [{ region: 'us-east-1', drRegion: 'us-west-2', tierTag: 'snapward:tier', kinds: ['instance', 'cluster'] }] });
    h.rds
      .addDatabase({ id: 'tagged', tags: { 'snapward:tier': '2' } })
      .addDatabase({ id: 'untagged' })
      .addDatabase({ id: 'bad-tier', tags: { 'snapward:tier': 'gold' } })
      .addDatabase({ id: 'aurora', kind: 'cluster', tags: { 'snapward:tier': '0' } })
      .addDatabase({ id: 'aurora-writer', clusterId: 'aurora', tags: { 'snapward:tier': '0' } });
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.results.map((r) => `${r.kind}:${r.instanceId}`).sort()).toEqual(['cluster:aurora', 'instance:tagged']);
    expect(report.warnings.join(' ')).toMatch(/bad-tier.*"gold"/);
    expect(h.rds.snapshots.get('us-east-1/instance/sw-tagged-20261124')?.tags[TAG.tier]).toBe('2');
  });

  it('skips an instance a live run holds the lease of, says so, is not succeeded, and takes it once the lease is free', async () => {
    const h = fleetHarness();
    await h.store.startRun({ id: 'r-other', kind: 'reconcile', trigger: 'test', startedAt: h.clock.now(), owner: { host: 'test', pid: 2000 } });
    await h.store.acquireLease('instance:123456789012:us-east-1:instance:jira-1', 'r-other', 15 * 60 * 1000, h.clock.now());
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.results.find((r) => r.instanceId === 'jira-1')).toBeUndefined();
    expect(report.skipped).toEqual([{ instanceId: 'jira-1', account: '123456789012', heldBy: 'r-other' }]);
    expect(report.summary.skipped).toBe(1);
    expect(report.outcome).toBe('partial');
    expect(h.rds.calls.filter((c) => c.op === 'createSnapshot' && c.arg.includes('jira-1'))).toEqual([]);
    expect(report.summary.created).toBe(2);
    await h.store.releaseLease('instance:123456789012:us-east-1:instance:jira-1', 'r-other');
    const next = await reconcile(h.deps, { trigger: 'test' });
    expect(next.summary.created).toBe(1);
    expect(next.outcome).toBe('succeeded');
  });

  it.each([
    ['was killed (its process is gone) and is reaped', 'running', true],
    ['was interrupted', 'interrupted', false],
    ['finished', 'succeeded', false],
  ] as const)('takes over the lease of a run that %s: a dead run blocks no one', async (_what, outcome, deadPid) => {
    const h = fleetHarness();
    await h.store.startRun({ id: 'r-dead', kind: 'reconcile', trigger: 'cli', startedAt: h.clock.now(), owner: { host: 'test', pid: 3000 } });
    if (outcome !== 'running') await h.store.finishRun('r-dead', { finishedAt: h.clock.now(), outcome, summary: null, error: null });
    if (deadPid) h.deadPids.add(3000);
    await h.store.acquireLease('instance:123456789012:us-east-1:instance:jira-1', 'r-dead', 15 * 60 * 1000, h.clock.now());
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.skipped).toEqual([]);
    expect(report.outcome).toBe('succeeded');
    expect(report.results.find((r) => r.instanceId === 'jira-1')?.created.map((c) => c.id)).toEqual(['sw-jira-1-20261124']);
  });
});

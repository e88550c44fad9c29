import { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeAdhocBackup } from '../../src/app/backup';
import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { App, buildApp } from '../../src/composition';
import { TAG } from '../../src/domain/tags';
import { DAY } from '../../src/domain/time';
import { silentLogger } from '../../src/ports/logger';
import { createForeignSnapshot, DR_KEY_ALIAS, seedFleet, SeededFleet } from '../../scripts/lib/seed-fleet';
import { config, configured, member } from '../support/builders';
import { FakeClock } from '../support/fake-provider';
import { useMotoServer } from '../support/moto-session';

/**
 * The backup engine over HTTP against moto, two primary regions, each with its DR region.
 * moto makes snapshots `available` at once, so creates and copies happen in the same pass.
 */
const moto = useMotoServer();

const fleet = [
  member({ id: 'jira-prod-use1-1', tier: 1, product: 'jira' }),
  member({ id: 'conf-prod-use1-1', tier: 2 }),
  member({ id: 'jira-prod-euw1-1', tier: 1, region: 'eu-west-1', drRegion: 'eu-central-1' }),
  member({ id: 'aurora-core-use1', kind: 'cluster', tier: 0 }),
];

async function listManual(region: string): Promise<{ id: string; tags: Record<string, string>; kmsKeyId?: string; kind: string }[]> {
  const client = new RDSClient({ region });
  const inst = await client.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
  const clus = await client.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
  client.destroy();
  const tags = (list?: { Key?: string; Value?: string }[]) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));
  return [
    ...(inst.DBSnapshots ?? []).map((s) => ({ id: s.DBSnapshotIdentifier as string, tags: tags(s.TagList), kmsKeyId: s.KmsKeyId, kind: 'instance' })),
    ...(clus.DBClusterSnapshots ?? []).map((s) => ({ id: s.DBClusterSnapshotIdentifier as string, tags: tags(s.TagList), kmsKeyId: s.KmsKeyId, kind: 'cluster' })),
  ].sort((a, b) => (a.id < b.id ? -1 : 1));
}

describe('backup engine against moto', () => {
  let seeded: SeededFleet;
  let app: App;
  let clock: FakeClock;

  // Every test starts from a fresh emulator and a fresh SQLite store: tests run in random order.
  beforeEach(async () => {
    await moto.server().reset();
    seeded = await seedFleet(
      ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'],
      [
        { id: 'jira-prod-use1-1', kind: 'instance', region: 'us-east-1' },
        { id: 'conf-prod-use1-1', kind: 'instance', region: 'us-east-1' },
        { id: 'jira-prod-euw1-1', kind: 'instance', region: 'eu-west-1' },
        { id: 'aurora-core-use1', kind: 'cluster', region: 'us-east-1' },
        { id: 'bitbucket-tagged', kind: 'instance', region: 'eu-west-1', tags: { 'snapward:tier': '3' } },
      ],
    );
    await createForeignSnapshot('us-east-1', 'jira-prod-use1-1', 'dba-before-upgrade');
    const dir = mkdtempSync(join(tmpdir(), 'snapward-it-'));
    clock = new FakeClock(new Date());
    app = buildApp({
      config: config({
        instances: fleet,
        discover: [{ region: 'eu-west-1', drRegion: 'eu-central-1', tierTag: 'snapward:tier', kinds: ['instance', 'cluster'] }],
        kms: { 'us-west-2': DR_KEY_ALIAS, 'eu-central-1': DR_KEY_ALIAS },
        state: { sqlite: join(dir, 'state.db') },
      }),
      logger: silentLogger,
      clock,
    });
  });
  afterEach(async () => app?.close());

  it('a whole pass: a snapshot per instance and cluster (discovered ones too), each copied to its DR region with that region\'s key', async () => {
    const report = await reconcile(app.deps, { trigger: 'test' });
    expect(report.outcome).toBe('succeeded');
    expect(report.summary).toMatchObject({ instances: 5, created: 5, copied: 5, failed: 0 });

    const east = await listManual('us-east-1');
    const west = await listManual('us-west-2');
    const euc = await listManual('eu-central-1');
    const today = report.results[0]?.created[0]?.id.slice(-8);
    expect(west.map((s) => s.id)).toEqual([`sw-aurora-core-use1-${today}`, `sw-conf-prod-use1-1-${today}`, `sw-jira-prod-use1-1-${today}`]);
    expect(euc.map((s) => s.id)).toEqual([`sw-bitbucket-tagged-${today}`, `sw-jira-prod-euw1-1-${today}`]);
    for (const copy of west) expect(copy.kmsKeyId).toBe(seeded.keys['us-west-2']);
    for (const copy of euc) expect(copy.kmsKeyId).toBe(seeded.keys['eu-central-1']);
    for (const copy of [...west, ...euc]) {
      expect(copy.tags[TAG.managed]).toBe('true');
      expect(copy.tags[TAG.recoveryPoint]).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const jira = east.find((s) => s.id === `sw-jira-prod-use1-1-${today}`);
    expect(jira?.tags).toMatchObject({ [TAG.instance]: 'jira-prod-use1-1', [TAG.tier]: '1', [TAG.period]: today, [TAG.product]: 'jira' });
    expect(east.find((s) => s.id === 'dba-before-upgrade')).toBeDefined();

    const runs = await app.deps.store.listRuns();
    expect(runs[0]).toMatchObject({ id: report.runId, outcome: 'succeeded', trigger: 'test' });
    expect(await app.deps.store.listInstanceResults(report.runId as string)).toHaveLength(5);
  });

  it('a re-run changes nothing', async () => {
    await reconcile(app.deps, { trigger: 'test' });
    const before = [...(await listManual('us-east-1')), ...(await listManual('us-west-2')), ...(await listManual('eu-central-1'))];
    const report = await reconcile(app.deps, { trigger: 'test' });
    expect(report.summary).toMatchObject({ created: 0, copied: 0, deleted: 0, failed: 0 });
    expect([...(await listManual('us-east-1')), ...(await listManual('us-west-2')), ...(await listManual('eu-central-1'))]).toEqual(before);
  });

  it('an ad hoc backup gets its own id and reason tag, does not stand in for the daily one, and the next pass copies it', async () => {
    const backup = await takeAdhocBackup(app.deps, { instanceId: 'jira-prod-use1-1', reason: 'before schema migration #42', trigger: 'test' });
    expect(backup.snapshot?.id).toMatch(/^sw-jira-prod-use1-1-adhoc-\d{14}$/);
    const east = await listManual('us-east-1');
    expect(east.find((s) => s.id === backup.snapshot?.id)?.tags).toMatchObject({ [TAG.type]: 'adhoc', [TAG.reason]: 'before schema migration _42' });
    clock.advance(1000);
    const pass = await reconcile(app.deps, { trigger: 'test' });
    expect(pass.summary).toMatchObject({ created: 5, copied: 6 });
    expect((await listManual('us-west-2')).map((s) => s.id)).toContain(backup.snapshot?.id);
    expect((await app.deps.store.listRuns()).map((r) => r.kind)).toEqual(['reconcile', 'backup']);
  });

  it('a configured instance that does not exist fails alone, with its reason recorded', async () => {
    const withGhost = buildApp({
      config: { ...app.deps.config, instances: [...fleet, member({ id: 'ghost-db' })].map(configured) },
      logger: silentLogger,
      clock,
      store: app.deps.store,
    });
    const report = await reconcile(withGhost.deps, { trigger: 'test' });
    expect(report.outcome).toBe('partial');
    const ghost = report.results.find((r) => r.instanceId === 'ghost-db');
    expect(ghost?.errors[0]).toMatchObject({ code: 'INSTANCE_NOT_FOUND', step: 'create' });
    expect(ghost?.errors[0]?.message).toMatch(/DBInstanceNotFound.*ghost-db/);
    expect(report.results.filter((r) => r.status === 'ok')).toHaveLength(5);
    const stored = await app.deps.store.listInstanceResults(report.runId as string);
    expect(stored.find((r) => r.instanceId === 'ghost-db')?.errors[0]?.code).toBe('INSTANCE_NOT_FOUND');
  });

  it('status shows the newest recovery point in both regions and whether the period is covered', async () => {
    const before = await fleetStatus(app.deps);
    expect(before.instances.find((i) => i.instanceId === 'jira-prod-use1-1')).toMatchObject({ primary: null, dr: null, period: { covered: 'no' } });
    await reconcile(app.deps, { trigger: 'test' });
    const status = await fleetStatus(app.deps);
    const jira = status.instances.find((i) => i.instanceId === 'jira-prod-use1-1');
    expect(jira?.period.covered).toBe('yes');
    expect(jira?.primary?.snapshotId).toBe(jira?.period.snapshotId);
    expect(jira?.dr?.snapshotId).toBe(jira?.period.snapshotId);
    expect(status.instances.find((i) => i.instanceId === 'bitbucket-tagged')).toMatchObject({ origin: 'discovered', tier: 3 });
  });

  it('31+ days later retention deletes expired snapshots in both regions, keeps the newest and never touches foreign or automated ones', async () => {
    await reconcile(app.deps, { trigger: 'test' });
    await takeAdhocBackup(app.deps, { instanceId: 'jira-prod-use1-1', reason: 'newer point', trigger: 'test' });
    await reconcile(app.deps, { trigger: 'test' }); // copies the ad hoc snapshot
    clock.advance(32 * DAY);
    const report = await reconcile(app.deps, { trigger: 'test' });
    expect(report.summary.failed).toBe(0);
    // jira-prod-use1-1 had a daily and a (newer) ad hoc snapshot: the daily one went, in both regions.
    const jira = report.results.find((r) => r.instanceId === 'jira-prod-use1-1');
    expect(jira?.deleted.map((s) => `${s.region}:${s.id.replace(/\d+$/, '')}`).sort()).toEqual(['us-east-1:sw-jira-prod-use1-1-', 'us-west-2:sw-jira-prod-use1-1-']);
    // The others had one snapshot each, their newest: kept until a newer one is available.
    const conf = report.results.find((r) => r.instanceId === 'conf-prod-use1-1');
    expect(conf?.deleted).toEqual([]);
    const next = await reconcile(app.deps, { trigger: 'test' });
    expect(next.results.find((r) => r.instanceId === 'conf-prod-use1-1')?.deleted.map((s) => s.region).sort()).toEqual(['us-east-1', 'us-west-2']);
    const east = (await listManual('us-east-1')).map((s) => s.id);
    expect(east.filter((id) => id.startsWith('sw-conf-prod-use1-1-'))).toHaveLength(1);
    expect(east).toContain('dba-before-upgrade');
    const rds = new RDSClient({ region: 'us-east-1' });
    const automated = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'automated' }));
    rds.destroy();
    expect(automated.DBSnapshots?.map((s) => s.DBInstanceIdentifier).sort()).toEqual(['conf-prod-use1-1', 'jira-prod-use1-1']); // one per seeded instance, all kept
  });
});

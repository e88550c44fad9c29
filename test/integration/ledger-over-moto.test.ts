import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '../../src/app/reconcile';
import { App, buildApp } from '../../src/composition';
import { silentLogger } from '../../src/ports/logger';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { config, member } from '../support/builders';
import { FakeClock } from '../support/fake-provider';
import { useMotoServer } from '../support/moto-session';

/**
 * The filtered describes the ledger relies on, over HTTP against moto: by database id (copies in
 * the DR region included, since a copy keeps its source's DBInstanceIdentifier), by snapshot id,
 * in batches past the filter batch size; and passes that make no listing once the ledger knows.
 */
const moto = useMotoServer();

const fleet = [member({ id: 'db-a' }), member({ id: 'db-b' }), member({ id: 'au-c', kind: 'cluster' })];

describe('ledger and filtered listings against moto', () => {
  let app: App;
  let clock: FakeClock;

  beforeEach(async () => {
    await moto.server().reset();
    await seedFleet(['us-east-1', 'us-west-2'], [
      { id: 'db-a', kind: 'instance', region: 'us-east-1' },
      { id: 'db-b', kind: 'instance', region: 'us-east-1' },
      { id: 'au-c', kind: 'cluster', region: 'us-east-1' },
    ]);
    clock = new FakeClock(new Date());
    app = buildApp({
      config: config({ instances: fleet, kms: { 'us-west-2': DR_KEY_ALIAS }, state: { sqlite: join(mkdtempSync(join(tmpdir(), 'snapward-ledger-')), 'state.db') } }),
      logger: silentLogger,
      clock,
    });
    const first = await reconcile(app.deps, { trigger: 'test' });
    expect(first.summary).toMatchObject({ created: 3, copied: 3, failed: 0 });
  });
  afterEach(async () => app?.close());

  it('lists by database id in both regions, copies included, and by snapshot id', async () => {
    const p = app.deps.provider;
    const primary = await p.listSnapshotsMatching('us-east-1', 'instance', { dbIds: ['db-a'] });
    const dr = await p.listSnapshotsMatching('us-west-2', 'instance', { dbIds: ['db-a', 'db-b'] });
    expect(primary.map((s) => s.dbId)).toEqual(['db-a']);
    expect(dr.map((s) => s.id).sort()).toEqual(primary.map((s) => s.id).concat(dr.filter((s) => s.dbId === 'db-b').map((s) => s.id)).sort());
    expect(dr.every((s) => s.tags['snapward:managed'] === 'true')).toBe(true);
    const byId = await p.listSnapshotsMatching('us-west-2', 'instance', { snapshotIds: [primary[0]!.id, 'sw-nobody-20200101'] });
    expect(byId.map((s) => s.id)).toEqual([primary[0]!.id]);
    const clusters = await p.listSnapshotsMatching('us-west-2', 'cluster', { dbIds: ['au-c'] });
    expect(clusters.map((s) => s.kind)).toEqual(['cluster']);
  });

  it('asks in batches when given more ids than one filter takes', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `db-missing-${i}`).concat(['db-b']);
    const found = await app.deps.provider.listSnapshotsMatching('us-east-1', 'instance', { dbIds: ids });
    expect(found.map((s) => s.dbId)).toEqual(['db-b']);
  });

  it('an idle pass lists nothing; an audit re-lists and finds a copy deleted by hand', async () => {
    const idle = await reconcile(app.deps, { trigger: 'test' });
    expect(idle.summary).toMatchObject({ upToDate: 3, created: 0, copied: 0 });
    const { DeleteDBSnapshotCommand, RDSClient } = await import('@aws-sdk/client-rds');
    const rds = new RDSClient({ region: 'us-west-2' });
    const copy = (await app.deps.provider.listSnapshotsMatching('us-west-2', 'instance', { dbIds: ['db-a'] }))[0]!;
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: copy.id }));
    rds.destroy();
    const audited = await reconcile(app.deps, { trigger: 'test', audit: true });
    expect(audited.results.find((r) => r.instanceId === 'db-a')?.copied.map((s) => s.id)).toEqual([copy.id]);
    expect(audited.summary).toMatchObject({ copied: 1, created: 0, failed: 0 });
  });
});

import { CreateDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandDrillHook } from '../../src/adapters/hooks/command-drill-hook';
import { AppDeps } from '../../src/app/deps';
import { startAdhocDrill } from '../../src/app/drills';
import { reconcile } from '../../src/app/reconcile';
import { runCheck } from '../../src/app/check';
import { fleetStatus } from '../../src/app/status';
import { App, buildApp } from '../../src/composition';
import { DEFAULT_DRILLS, DRILL_TAG, DrillsConfig } from '../../src/domain/drill';
import { DAY, HOUR } from '../../src/domain/time';
import { silentLogger } from '../../src/ports/logger';
import { DR_KEY_ALIAS, seedFleet, SeededFleet } from '../../scripts/lib/seed-fleet';
import { config, member } from '../support/builders';
import { FakeClock } from '../support/fake-provider';
import { useMotoServer } from '../support/moto-session';

/**
 * Restore drills over HTTP against moto: restores from the DR copy, validation (a real hook
 * command), cleanup, a pass killed mid-way and resumed, the sweeper. moto makes restored
 * databases `available` at once and deletes them at once, so a whole drill fits in one pass
 * (the multi-pass states are covered by the planner tables and the scripted adapter tests).
 */
const moto = useMotoServer();
const DR = 'us-west-2';

async function drillDatabases(region = DR): Promise<string[]> {
  const client = new RDSClient({ region });
  const inst = await client.send(new DescribeDBInstancesCommand({}));
  const clus = await client.send(new DescribeDBClustersCommand({}));
  client.destroy();
  return [...(inst.DBInstances ?? []).map((i) => i.DBInstanceIdentifier as string), ...(clus.DBClusters ?? []).map((c) => c.DBClusterIdentifier as string)]
    .filter((id) => id.startsWith('sw-drill-'))
    .sort();
}

describe('restore drills against moto', () => {
  let seeded: SeededFleet;
  let app: App;
  let clock: FakeClock;
  let dir: string;

  const build = (drills: Partial<DrillsConfig> = {}): App =>
    buildApp({
      config: config({
        instances: [member({ id: 'jira-db', tier: 1 }), member({ id: 'core-aurora', kind: 'cluster', tier: 0 }), member({ id: 'wiki-db', tier: 3 })],
        kms: { [DR]: DR_KEY_ALIAS },
        state: { sqlite: join(dir, 'state.db') },
        drills: { ...DEFAULT_DRILLS, ...drills },
      }),
      logger: silentLogger,
      clock,
    });
  const withHook = (deps: AppDeps, command: string): AppDeps => ({ ...deps, drillHook: new CommandDrillHook(command, dir) });

  beforeEach(async () => {
    await moto.server().reset();
    seeded = await seedFleet(['us-east-1', DR], [
      { id: 'jira-db', kind: 'instance', region: 'us-east-1' },
      { id: 'core-aurora', kind: 'cluster', region: 'us-east-1' },
      { id: 'wiki-db', kind: 'instance', region: 'us-east-1' },
    ]);
    const east = new RDSClient({ region: 'us-east-1' });
    await east.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'core-aurora-w', DBClusterIdentifier: 'core-aurora', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.xlarge' }));
    east.destroy();
    dir = mkdtempSync(join(tmpdir(), 'snapward-drills-'));
    clock = new FakeClock(new Date());
    app = build();
  });
  afterEach(async () => app?.close());

  it('a pass drills the tier 0 cluster and the tier 1 instance from their DR copies, validates with the hook, measures the RTO and cleans up', async () => {
    const hook = 'echo "engine=$SNAPWARD_DRILL_ENGINE port=$SNAPWARD_DRILL_PORT db=$SNAPWARD_DRILL_INSTANCE of $SNAPWARD_DRILL_SOURCE_INSTANCE ($SNAPWARD_DRILL_ID) at $SNAPWARD_DRILL_ENDPOINT"';
    const report = await reconcile(withHook(app.deps, hook), { trigger: 'test' });
    expect(report.outcome).toBe('succeeded');
    expect(report.drills?.started).toHaveLength(2); // tier 3 has no schedule by default
    expect(report.drills?.problems).toEqual([]);

    const drills = await app.deps.store.listDrills();
    expect(drills.map((d) => d.instanceId).sort()).toEqual(['core-aurora', 'jira-db']);
    for (const d of drills) {
      expect(d).toMatchObject({ phase: 'done', outcome: 'succeeded', error: null, trigger: 'schedule', band: 'compliant' });
      expect(d.source.region).toBe(DR);
      expect(d.source.snapshotId).toBe(report.results.find((r) => r.instanceId === d.instanceId)?.copied[0]?.id);
      expect(d.source.kmsKeyId).toBe(seeded.keys[DR]);
      expect(d.rtoSeconds).not.toBeNull();
      expect(d.rtoSeconds as number).toBeGreaterThanOrEqual(0);
      expect(d.recoveryPointAgeSeconds).not.toBeNull();
      expect(d.validation?.checks.every((c) => c.ok)).toBe(true);
      expect(d.validation?.checks.map((c) => c.name)).toEqual(['available', 'encrypted-with-source-key', 'same-engine', 'restored-from-chosen-point']);
      expect(d.validation?.hook?.exitCode).toBe(0);
      expect(d.validation?.hook?.output).toContain(`db=${d.restoredId} of ${d.instanceId} (${d.drillId}) at ${d.restoredId}`);
      expect(d.restoredId).toMatch(/^sw-drill-[a-z0-9-]+-\d{14}$/);
    }
    const cluster = drills.find((d) => d.kind === 'cluster');
    expect(cluster?.rtoTargetSeconds).toBe(4 * 3600);
    expect(cluster?.restoredInstanceId).toBe(`${cluster?.restoredId}-1`);
    expect(cluster?.validation?.hook?.output).toContain('engine=aurora-postgresql port=5432');
    expect(await drillDatabases()).toEqual([]); // cleaned up

    // status shows each instance's newest drill beside the RPO figures.
    const status = await fleetStatus(app.deps);
    const jira = drills.find((d) => d.instanceId === 'jira-db');
    expect(status.instances.find((i) => i.instanceId === 'jira-db')?.drill).toEqual({
      drillId: jira?.drillId, finishedAt: jira?.finishedAt, rtoSeconds: jira?.rtoSeconds, rtoTargetSeconds: 6 * 3600, band: 'compliant', outcome: 'succeeded',
    });
    expect(status.instances.find((i) => i.instanceId === 'wiki-db')?.drill).toBeNull();

    // Not due again: the next pass starts nothing.
    const again = await reconcile(app.deps, { trigger: 'test' });
    expect(again.drills?.started).toEqual([]);
  });

  it('a hook that fails fails the drill with its output as evidence, and the database is still deleted', async () => {
    await reconcile(withHook(app.deps, 'echo "smoke test: table users missing in $SNAPWARD_DRILL_INSTANCE" >&2; exit 3'), { trigger: 'test' });
    const drills = await app.deps.store.listDrills();
    expect(drills).toHaveLength(2);
    for (const d of drills) {
      expect(d).toMatchObject({ phase: 'done', outcome: 'failed', error: { code: 'VALIDATION_FAILED', step: 'validate' } });
      expect(d.validation?.hook).toEqual({ exitCode: 3, output: `smoke test: table users missing in ${d.restoredId}\n` });
      expect(d.rtoSeconds).not.toBeNull(); // measured even though it failed
    }
    expect(await drillDatabases()).toEqual([]);
  });

  it('an ad hoc drill records and requests the restore; a pass that dies mid-way loses nothing and the next pass finishes', async () => {
    await reconcile(app.deps, { trigger: 'test' }); // snapshots, copies (and the scheduled drills)
    clock.advance(HOUR);
    const { drill } = await startAdhocDrill(app.deps, { instanceId: 'wiki-db', owner: 'test' });
    expect(drill).toMatchObject({ phase: 'restoring', trigger: 'adhoc', instanceId: 'wiki-db' });
    expect(drill.startedAt).not.toBeNull();
    expect(await drillDatabases()).toEqual([drill.restoredId]);
    await expect(startAdhocDrill(app.deps, { instanceId: 'wiki-db', owner: 'test' })).rejects.toThrow(/already has drill .* in flight/);

    // The process dies while deleting (a crash, not an AWS error): the drill keeps its validated record.
    const restores = Object.assign(Object.create(app.deps.restores) as AppDeps['restores'], { deleteDatabase: async () => { throw new Error('process killed'); } });
    const own = app.deps.accounts;
    // Drills restore through their member's account scope: the dying adapter stands in there.
    const accounts: AppDeps['accounts'] = { ownId: () => own.ownId(), verify: (id) => own.verify(id), vault: own.vault, scope: (id) => ({ ...own.scope(id), restores }) };
    const dying: AppDeps = { ...app.deps, restores, accounts };
    clock.advance(60_000);
    const killed = await reconcile(dying, { trigger: 'test' });
    expect(killed.drills?.problems.join('\n')).toMatch(/process killed/);
    const mid = await app.deps.store.getDrill(drill.drillId);
    expect(mid).toMatchObject({ phase: 'cleaning', outcome: null });
    expect(mid?.validatedAt).not.toBeNull();
    expect(mid?.rtoSeconds).toBe(60);
    expect(await drillDatabases()).toEqual([drill.restoredId]);

    clock.advance(60_000);
    await reconcile(app.deps, { trigger: 'test' });
    expect(await app.deps.store.getDrill(drill.drillId)).toMatchObject({ phase: 'done', outcome: 'succeeded', rtoSeconds: 60 });
    expect(await drillDatabases()).toEqual([]);
  });

  it('Drill Overdue opens after a moved clock for scheduled tiers only, and a succeeded drill resolves it', async () => {
    const first = await runCheck(app.deps, { trigger: 'test' });
    expect(first.open.filter((f) => f.kind.startsWith('Drill'))).toEqual([]); // first sighting: now
    clock.advance(98 * DAY); // past every (90d) + 7d
    app = build({ everyMs: { 0: 90 * DAY, 1: 90 * DAY } });
    const late = await runCheck(app.deps, { trigger: 'test' });
    const overdue = late.open.filter((f) => f.kind === 'Drill Overdue');
    expect(overdue.map((f) => f.subject).sort()).toEqual(['core-aurora', 'jira-db']);
    expect(String(overdue[0]?.detail.message)).toMatch(/never restored in a drill/);

    await reconcile(app.deps, { trigger: 'test' }); // snapshots, copies, then the due drills
    const after = await runCheck(app.deps, { trigger: 'test' });
    expect(after.open.filter((f) => f.kind === 'Drill Overdue')).toEqual([]);
    expect(after.resolved.map((f) => `${f.kind}|${f.subject}`).sort()).toEqual(['Drill Overdue|core-aurora', 'Drill Overdue|jira-db']);
  });

  it('a failed drill opens Drill Failed with the step and reason; a later succeeded drill resolves it', async () => {
    await reconcile(withHook(app.deps, 'echo "no rows"; exit 1'), { trigger: 'test' });
    const check = await runCheck(app.deps, { trigger: 'test' });
    const failed = check.open.filter((f) => f.kind === 'Drill Failed');
    expect(failed.map((f) => f.subject).sort()).toEqual(['core-aurora', 'jira-db']);
    expect(failed[0]?.detail).toMatchObject({ step: 'validate', code: 'VALIDATION_FAILED' });

    clock.advance(25 * HOUR); // a failed scheduled drill is retried after a day
    const retry = await reconcile(withHook(app.deps, 'exit 0'), { trigger: 'test' });
    expect(retry.drills?.started).toHaveLength(2);
    const healed = await runCheck(app.deps, { trigger: 'test' });
    expect(healed.open.filter((f) => f.kind.startsWith('Drill') || f.kind === 'RTO Breached')).toEqual([]);
    expect(healed.resolved.filter((f) => f.kind === 'Drill Failed')).toHaveLength(2);
  });

  it('refuses an ad hoc drill of an instance outside the fleet, or without a recovery point, touching nothing', async () => {
    await expect(startAdhocDrill(app.deps, { instanceId: 'nope-db', owner: 'test' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(startAdhocDrill(app.deps, { instanceId: 'wiki-db', owner: 'test' })).rejects.toThrow(/no available recovery point in us-west-2/);
    expect(await app.deps.store.listDrills()).toEqual([]);
    expect(await drillDatabases()).toEqual([]);
  });

  it('the sweeper deletes a tagged drill database older than maxAge that the store never knew, and spares an untagged look-alike and a young one', async () => {
    const west = new RDSClient({ region: DR });
    const make = (id: string, tags: Record<string, string>) =>
      west.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: id, Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'x', MasterUserPassword: 'not-a-secret-demo', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    await make('sw-drill-lost-20260101000000', { [DRILL_TAG]: 'drill-from-a-lost-store' });
    await make('sw-drill-lookalike-20260101000000', { owner: 'dba-team' });
    app = build({ everyMs: {} }); // no scheduled drills: only the sweep acts
    const young = await reconcile(app.deps, { trigger: 'test' });
    expect(young.drills?.swept).toEqual([]);
    expect(await drillDatabases()).toEqual(['sw-drill-lookalike-20260101000000', 'sw-drill-lost-20260101000000']);

    clock.advance(25 * HOUR);
    const old = await reconcile(app.deps, { trigger: 'test' });
    expect(old.drills?.swept).toEqual([{ id: 'sw-drill-lost-20260101000000', kind: 'instance', region: DR, account: '123456789012' }]);
    expect(await drillDatabases()).toEqual(['sw-drill-lookalike-20260101000000']);
    west.destroy();
  });
});

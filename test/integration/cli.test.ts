import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { runCli } from '../support/cli-capture';
import { useMotoServer } from '../support/moto-session';

/** The operator CLI end to end: YAML config, moto over HTTP, SQLite state, exit codes, JSON output. */
const moto = useMotoServer();
const ROOT = resolve(__dirname, '..', '..');

const cli = runCli;

const fleetYaml = (extraInstance = '') => `retentionDays: 30
kms:
  us-west-2: ${DR_KEY_ALIAS}
instances:
  - { id: app-db-1, region: us-east-1, drRegion: us-west-2, tier: 1 }
  - { id: app-aurora, kind: cluster, region: us-east-1, drRegion: us-west-2, tier: 0 }
${extraInstance}state:
  sqlite: state/snapward.db
`;

async function manualSnapshots(region: string): Promise<string[]> {
  const client = new RDSClient({ region });
  const res = await client.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
  client.destroy();
  return (res.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier as string).sort();
}

describe('snapward CLI against moto', () => {
  let dir: string;
  let configPath: string;

  beforeEach(async () => {
    await moto.server().reset();
    await seedFleet(['us-east-1', 'us-west-2'], [
      { id: 'app-db-1', kind: 'instance', region: 'us-east-1' },
      { id: 'app-aurora', kind: 'cluster', region: 'us-east-1' },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'snapward-cli-'));
    configPath = join(dir, 'snapward.yaml');
    writeFileSync(configPath, fleetYaml());
  });

  it('run --json prints exactly one JSON document and exits 0; runs --json lists it', async () => {
    const run = await cli(['run', '--config', configPath, '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ outcome: 'succeeded', summary: { created: 2, copied: 2, failed: 0 } });
    const runs = await cli(['runs', '--json', '--config', configPath]);
    const list = JSON.parse(runs.stdout);
    expect(list).toHaveLength(1);
    expect(Object.keys(list[0])).toEqual(expect.arrayContaining(['id', 'trigger', 'startedAt', 'finishedAt', 'outcome']));
    expect(list[0]).toMatchObject({ id: report.runId, trigger: 'cli', outcome: 'succeeded' });
  });

  it('a second run says nothing is due; run --audit re-lists and still changes nothing', async () => {
    expect((await cli(['run', '--config', configPath])).code).toBe(0);
    const again = await cli(['run', '--config', configPath]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^nothing due: all 2 instances are up to date$/m);
    expect(again.stdout).toMatch(/succeeded: 2 instances \(2 up to date, not touched\), 0 created, 0 copied, 0 deleted/);
    const audited = await cli(['run', '--audit', '--config', configPath, '--json']);
    expect(JSON.parse(audited.stdout)).toMatchObject({ outcome: 'succeeded', summary: { upToDate: 0, created: 0, copied: 0, deleted: 0, failed: 0 } });
  });

  it('run --dry-run shows the plan and changes nothing', async () => {
    const dry = await cli(['run', '--dry-run', '--config', configPath]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run: nothing was changed/);
    expect(dry.stdout).toMatch(/sw-app-db-1-\d{8}/);
    expect(await manualSnapshots('us-east-1')).toEqual([]);
    expect(JSON.parse((await cli(['runs', '--json', '--config', configPath])).stdout)).toEqual([]);
  });

  it('a bad configuration exits 2 listing every problem, before any AWS call', async () => {
    writeFileSync(configPath, `retentionDays: 0\nkms: {}\ninstances:\n  - { id: app-db-1, region: us-east-1, drRegion: us-west-2, tier: 7, colour: red }\n`);
    const res = await cli(['run', '--config', configPath]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/retentionDays: got 0/);
    expect(res.stderr).toMatch(/instances\[0\]\.tier: got 7/);
    expect(res.stderr).toMatch(/colour/);
    expect(res.stderr).toMatch(/kms\.us-west-2/);
    expect(await manualSnapshots('us-east-1')).toEqual([]);
  });

  it('a failing instance makes the run exit 1 while the others are backed up', async () => {
    writeFileSync(configPath, fleetYaml('  - { id: missing-db, region: us-east-1, drRegion: us-west-2, tier: 2 }\n'));
    const res = await cli(['run', '--config', configPath]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/missing-db: INSTANCE_NOT_FOUND/);
    expect(await manualSnapshots('us-east-1')).toEqual([expect.stringMatching(/^sw-app-db-1-\d{8}$/)]);

    // It backs off: the next run asks AWS nothing about it, still fails, and says when it tries again.
    const again = await cli(['run', '--json', '--config', configPath]);
    expect(again.code).toBe(1);
    const missing = (JSON.parse(again.stdout) as { results: { instanceId: string; status: string; attempts: number; nextAttemptAt: string | null }[] }).results.find((r) => r.instanceId === 'missing-db');
    expect(missing).toMatchObject({ status: 'failed', attempts: 1 });
    expect(Date.parse(missing?.nextAttemptAt ?? '')).toBeGreaterThan(Date.now() + 10 * 60_000);
    const status = await cli(['status', '--config', configPath]);
    expect(status.stdout).toMatch(/missing-db: failing: INSTANCE_NOT_FOUND \(1 failed attempt; next attempt in \d+m/);
    const statusJson = JSON.parse((await cli(['status', '--json', '--config', configPath])).stdout) as { instances: { instanceId: string; attempts: number; nextAttemptAt: string }[] };
    expect(statusJson.instances.find((i) => i.instanceId === 'missing-db')).toMatchObject({ attempts: 1, nextAttemptAt: missing?.nextAttemptAt });
    // --retry-failed tries now: a second attempt, and a longer wait.
    const retried = JSON.parse((await cli(['run', '--retry-failed', '--json', '--config', configPath])).stdout) as { results: { instanceId: string; attempts: number }[] };
    expect(retried.results.find((r) => r.instanceId === 'missing-db')?.attempts).toBe(2);
  });

  it.each([
    [['runs', '--limit', '0'], /--limit: got "0", expected a whole number from 1 to 1000/],
    [['runs', '--limit', 'ten'], /--limit: got "ten"/],
    [['backup', 'not-in-fleet'], /"not-in-fleet" is not in the fleet/],
    [['frobnicate'], /unknown command/],
  ])('usage error %j exits 2 with a clear message', async (args, message) => {
    const res = await cli([...args, '--config', configPath]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it('backup takes an ad hoc snapshot with the reason', async () => {
    const res = await cli(['backup', 'app-db-1', '--reason', 'pre-upgrade', '--json', '--config', configPath]);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.snapshot.id).toMatch(/^sw-app-db-1-adhoc-\d{14}$/);
    expect(doc.snapshot.tags['snapward:reason']).toBe('pre-upgrade');
  });

  it('the installed bin runs status --json, and a killed pass shows as interrupted in the history', async () => {
    const bin = join(ROOT, 'bin', 'snapward.js');
    const env = { ...process.env };
    const status = await new Promise<{ code: number | null; stdout: string }>((done) => {
      execFile('node', [bin, 'status', '--json', '--config', configPath], { env }, (err, stdout) => done({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout }));
    });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).instances.map((i: { instanceId: string }) => i.instanceId).sort()).toEqual(['app-aurora', 'app-db-1']);

    // A process that starts a run in the same state file and is killed -9 before finishing.
    const killer = `
      const { SqliteStateStore } = require(${JSON.stringify(join(ROOT, 'dist/src/adapters/state/sqlite-state-store.js'))});
      const store = SqliteStateStore.open(${JSON.stringify(join(dir, 'state', 'snapward.db'))});
      store.startRun({ id: 'r-killed', kind: 'reconcile', trigger: 'schedule', startedAt: new Date(), owner: { host: require('os').hostname(), pid: process.pid } })
        .then(() => process.kill(process.pid, 'SIGKILL'));`;
    const killed = spawnSync('node', ['-e', killer]);
    expect(killed.signal).toBe('SIGKILL');
    const runs = JSON.parse((await cli(['runs', '--json', '--config', configPath])).stdout);
    expect(runs.find((r: { id: string }) => r.id === 'r-killed')).toMatchObject({ outcome: 'interrupted', error: { code: 'INTERRUPTED' } });
    // ...and the next pass converges: no duplicate snapshots.
    expect((await cli(['run', '--config', configPath])).code).toBe(0);
    expect((await cli(['run', '--config', configPath])).code).toBe(0);
    expect(await manualSnapshots('us-east-1')).toHaveLength(1);
  });
});

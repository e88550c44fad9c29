import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { runCli as cli } from '../support/cli-capture';
import { useMotoServer } from '../support/moto-session';

/** The operator's day-one commands over moto: show, runs show, doctor, filters, dry runs, pipes. */
const moto = useMotoServer();
const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'snapward.js');
const BUS = 'snapward-alerts';

const yaml = (extra = '', state = 'state/snapward.db') => `retentionDays: 30
kms:
  us-west-2: ${DR_KEY_ALIAS}
instances:
  - { id: app-db-1, region: us-east-1, drRegion: us-west-2, tier: 1, product: jira }
  - { id: app-aurora, kind: cluster, region: us-east-1, drRegion: us-west-2, tier: 0, product: identity }
${extra}state:
  sqlite: ${state}
alerts: { eventBus: ${BUS}, region: us-east-1 }
`;

/** Runs the built CLI; its stdout goes to a real pipe whose reader (`head -1`, or `true` that reads nothing) may leave early. */
function shellCli(args: string[], reader = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const line = `${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}${reader ? ` | ${reader}; exit \${PIPESTATUS[0]}` : ''}`;
  return new Promise((done) => {
    const child = spawn('bash', ['-c', line], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('snapward operator commands against moto', () => {
  let dir: string;
  let configPath: string;
  let keys: Record<string, string>;

  beforeEach(async () => {
    await moto.server().reset();
    ({ keys } = await seedFleet(['us-east-1', 'us-west-2'], [
      { id: 'app-db-1', kind: 'instance', region: 'us-east-1' },
      { id: 'app-aurora', kind: 'cluster', region: 'us-east-1' },
    ]));
    const events = new EventBridgeClient({ region: 'us-east-1' });
    await events.send(new CreateEventBusCommand({ Name: BUS }));
    events.destroy();
    dir = mkdtempSync(join(tmpdir(), 'snapward-op-'));
    configPath = join(dir, 'snapward.yaml');
    writeFileSync(configPath, yaml());
  });

  it('show <instance> tells one instance\'s story: RPO, snapshots in both regions, the runs that touched it', async () => {
    const run = JSON.parse((await cli(['run', '--json', '--config', configPath])).stdout);
    const res = await cli(['show', 'app-db-1', '--json', '--config', configPath]);
    expect(res.code).toBe(0);
    const story = JSON.parse(res.stdout);
    expect(story.instance).toMatchObject({ id: 'app-db-1', tier: 1, product: 'jira', region: 'us-east-1', drRegion: 'us-west-2' });
    expect(story.status.band.instanceLoss).toBe('compliant');
    expect(story.snapshots.source).toBe('ledger');
    expect(story.snapshots.items.map((s: { region: string; role: string }) => `${s.region}:${s.role}`).sort()).toEqual(['us-east-1:primary', 'us-west-2:dr-copy']);
    expect(story.runs).toHaveLength(1);
    expect(story.runs[0]).toMatchObject({ runId: run.runId, result: { instanceId: 'app-db-1', status: 'ok' } });
    expect(story.findings).toEqual([]);
    // The run drilled the tier 1 instance (restore drills: on moto a drill finishes in its pass).
    expect(story.drills.available).toBe(true);
    expect(story.drills.items).toHaveLength(1);
    expect(story.drills.items[0]).toMatchObject({ instanceId: 'app-db-1', phase: 'done', outcome: 'succeeded', drillId: run.drills.advanced.find((d: { instanceId: string }) => d.instanceId === 'app-db-1')?.drillId });
    expect(story.meta.snapwardVersion).toMatch(/^\d+\.\d+\.\d+/);
    const live = JSON.parse((await cli(['show', 'app-db-1', '--live', '--json', '--config', configPath])).stdout);
    expect(live.snapshots.source).toBe('live');
    expect(live.snapshots.items).toHaveLength(2);
    const human = await cli(['show', 'app-db-1', '--config', configPath]);
    expect(human.stdout).toMatch(/instance app-db-1: tier 1, product jira/);
    expect(human.stdout).toMatch(/runs that touched it \(of the newest 1\): 1/);
  });

  it('show of an id that exists untagged or is a cluster member explains why it is not in the fleet', async () => {
    writeFileSync(configPath, yaml().replace('state:', 'discover:\n  - { region: us-east-1, drRegion: us-west-2 }\nstate:'));
    const rds = new RDSClient({ region: 'us-east-1' });
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'untagged-db', Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'u', MasterUserPassword: 'not-a-secret-1' }));
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'aurora-member-1', DBClusterIdentifier: 'app-aurora', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
    rds.destroy();
    const untagged = await cli(['backup', 'untagged-db', '--config', configPath]);
    expect(untagged.code).toBe(2);
    expect(untagged.stderr).toMatch(/untagged-db exists in us-east-1 but is untagged: add the tag snapward:tier/);
    const member = await cli(['show', 'aurora-member-1', '--config', configPath]);
    expect(member.code).toBe(2);
    expect(member.stderr).toMatch(/member of Aurora cluster app-aurora/);
  });

  it('backup of an instance configured as a cluster fails with a hint; a change-ticket idempotency key is accepted', async () => {
    writeFileSync(configPath, yaml('  - { id: wrong-kind, kind: cluster, region: us-east-1, drRegion: us-west-2, tier: 2 }\n'));
    await seedFleet(['eu-west-1'], [{ id: 'wrong-kind', kind: 'instance', region: 'us-east-1' }]);
    const wrong = await cli(['backup', 'wrong-kind', '--config', configPath]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/hint: wrong-kind in us-east-1 is a DB instance, configured as a cluster: set kind: instance/);
    const first = await cli(['backup', 'app-db-1', '--idempotency-key', 'chg-881', '--json', '--config', configPath]);
    expect(first.code).toBe(0);
    const again = await cli(['backup', 'app-db-1', '--idempotency-key', 'chg-881', '--json', '--config', configPath]);
    expect(JSON.parse(again.stdout)).toMatchObject({ adopted: true, snapshot: { id: JSON.parse(first.stdout).snapshot.id } });
    const bad = await cli(['backup', 'app-db-1', '--idempotency-key', 'x'.repeat(129), '--json', '--config', configPath]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/--idempotency-key: got "x+", expected a key of 1 to 128 printable characters/);
  });

  it('runs show <runId> lists the run\'s per-instance results; an unknown id is a usage error', async () => {
    writeFileSync(configPath, yaml('  - { id: missing-db, region: us-east-1, drRegion: us-west-2, tier: 2 }\n'));
    const run = JSON.parse((await cli(['run', '--json', '--config', configPath])).stdout);
    const res = await cli(['runs', 'show', run.runId, '--json', '--config', configPath]);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.run).toMatchObject({ id: run.runId, kind: 'reconcile', outcome: 'partial' });
    expect(doc.results.map((r: { instanceId: string; status: string }) => `${r.instanceId}:${r.status}`).sort()).toEqual(['app-aurora:ok', 'app-db-1:ok', 'missing-db:failed']);
    const human = await cli(['runs', 'show', run.runId, '--config', configPath]);
    // Problems first: the failed instance is the first row.
    expect(human.stdout.split('\n').find((l) => /app-|missing-/.test(l))).toMatch(/missing-db/);
    expect(human.stdout).toMatch(/3 instances: 2 ok, 1 failed/);
    const unknown = await cli(['runs', 'show', 'r-nope', '--config', configPath]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/<runId>: got "r-nope", expected the id of a recorded run \(newest: r-/);
  });

  it('filters: --tier, --product, --instance and --problems select rows, and the summary agrees', async () => {
    writeFileSync(configPath, yaml('  - { id: missing-db, region: us-east-1, drRegion: us-west-2, tier: 2, product: wiki }\n'));
    await cli(['run', '--config', configPath]);
    const ids = async (args: string[]) => JSON.parse((await cli(['status', '--json', '--config', configPath, ...args])).stdout).instances.map((i: { instanceId: string }) => i.instanceId).sort();
    expect(await ids(['--tier', '0'])).toEqual(['app-aurora']);
    expect(await ids(['--product', 'jira,wiki'])).toEqual(['app-db-1', 'missing-db']);
    expect(await ids(['--instance', 'app-*'])).toEqual(['app-aurora', 'app-db-1']);
    expect(await ids(['--problems'])).toEqual(['missing-db']);
    const human = await cli(['status', '--problems', '--config', configPath]);
    expect(human.stdout).toMatch(/0 of 1 instances shown meet their RPO target in both scenarios \(filter: problems only\)/);
    // Copy capacity is the whole fleet's whatever the filter: demand per DR region and kind, the limits.
    const capacity = JSON.parse((await cli(['status', '--json', '--tier', '0', '--config', configPath])).stdout).capacity;
    expect(capacity.map((c: { region: string; kind: string; demandPerDay: number; limit: number }) => `${c.region}/${c.kind}:${c.demandPerDay}/${c.limit}`)).toEqual(['us-west-2/cluster:1/5', 'us-west-2/instance:2/20']);
    expect(human.stdout).toMatch(/us-west-2 instance \d+ of 20 /);
    const check = await cli(['check', '--tier', '2', '--json', '--config', configPath]);
    expect(check.code).toBe(1);
    expect(new Set(JSON.parse(check.stdout).open.map((f: { subject: string }) => f.subject))).toEqual(new Set(['missing-db']));
    const findings = JSON.parse((await cli(['findings', '--instance', 'app-db-1', '--json', '--config', configPath])).stdout);
    expect(new Set(findings.map((f: { subject: string }) => f.subject))).toEqual(new Set(['app-db-1']));
    // One row per scenario: the two findings of one kind for one instance are told apart.
    const scenarios = await cli(['findings', '--instance', 'missing-db', '--config', configPath]);
    expect(scenarios.stdout).toMatch(/ instance loss .*missing-db open .* cannot meet its 8h00m target/);
    expect(scenarios.stdout).toMatch(/ region loss .*missing-db open /);
    const runs = JSON.parse((await cli(['runs', '--problems', '--json', '--config', configPath])).stdout);
    expect(runs.map((r: { kind: string }) => r.kind)).toEqual(['check', 'reconcile'].filter((k) => k === 'reconcile'));
    const bad = await cli(['status', '--tier', '7', '--json', '--config', configPath]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: 'USAGE', message: '--tier: got "7", expected a tier 0..3 (comma-separated for several)' });
  });

  it('run --dry-run writes nothing anywhere and reports what would fail: a missing instance, a missing key', async () => {
    writeFileSync(
      configPath,
      yaml('  - { id: missing-db, region: us-east-1, drRegion: us-west-2, tier: 2 }\n  - { id: eu-db, region: us-east-1, drRegion: eu-west-1, tier: 2 }\n').replace(
        `us-west-2: ${DR_KEY_ALIAS}`,
        `us-west-2: ${DR_KEY_ALIAS}\n  eu-west-1: alias/does-not-exist`,
      ),
    );
    await seedFleet(['eu-central-1'], [{ id: 'eu-db', kind: 'instance', region: 'us-east-1' }]);
    const before = readdirSync(dir).sort();
    const res = await cli(['run', '--dry-run', '--json', '--config', configPath]);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(join(dir, 'state'))).toBe(false);
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.stdout);
    const fails = Object.fromEntries(doc.planned.map((p: { instanceId: string; wouldFail: { code: string }[] }) => [p.instanceId, p.wouldFail.map((e) => e.code)]));
    expect(fails).toEqual({ 'app-db-1': [], 'app-aurora': [], 'missing-db': ['INSTANCE_NOT_FOUND'], 'eu-db': ['KMS_KEY_NOT_ACCESSIBLE'] });
    expect(doc.wouldFail).toBe(2);
    // With a store present, a dry run still changes nothing in its folder.
    await cli(['run', '--config', configPath]);
    const stateDir = join(dir, 'state');
    const stateBefore = readdirSync(stateDir).sort();
    await cli(['run', '--dry-run', '--config', configPath]);
    expect(readdirSync(stateDir).sort()).toEqual(stateBefore);
  });

  it('doctor: a healthy fleet exits 0, with the quota moto cannot report listed as could-not-check', async () => {
    const res = await cli(['doctor', '--json', '--config', configPath]);
    const doc = JSON.parse(res.stdout);
    expect(doc.items.filter((i: { state: string }) => i.state === 'problem')).toEqual([]);
    expect(res.code).toBe(0);
    const by = (area: string) => doc.items.filter((i: { area: string }) => i.area === area);
    expect(by('credentials')[0]).toMatchObject({ state: 'ok', detail: expect.stringMatching(/^account \d{12}$/) });
    expect(by('region').map((i: { subject: string; state: string }) => `${i.subject}:${i.state}`).sort()).toEqual(['us-east-1:ok', 'us-west-2:ok']);
    expect(by('instance').map((i: { state: string }) => i.state)).toEqual(['ok', 'ok']);
    expect(by('kms-key').map((i: { state: string }) => i.state)).toEqual(['ok', 'ok']); // the DR key, and the databases' source key
    expect(by('state-store')[0]).toMatchObject({ state: 'ok', detail: expect.stringMatching(/does not exist yet/) });
    expect(by('alert-bus')[0]).toMatchObject({ state: 'ok' });
    expect(by('snapshot-quota').every((i: { state: string }) => i.state === 'could-not-check')).toBe(true);
    expect(by('snapshot-quota')[0].detail).toMatch(/32 needed \(1 databases x \(30 \+ 2\)\)/);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('doctor: a missing instance, a disabled key and an unwritable store are problems with fixes, exit 1', async () => {
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    writeFileSync(configPath, yaml('  - { id: missing-db, region: us-east-1, drRegion: us-west-2, tier: 2 }\n', 'not-a-folder/state.db'));
    const kms = new KMSClient({ region: 'us-west-2' });
    await kms.send(new DisableKeyCommand({ KeyId: (keys['us-west-2'] as string).split('/').pop() }));
    kms.destroy();
    const res = await cli(['doctor', '--json', '--config', configPath]);
    expect(res.code).toBe(1);
    const problems = JSON.parse(res.stdout).items.filter((i: { state: string }) => i.state === 'problem');
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ area: 'instance', subject: 'missing-db', detail: 'no DB instance missing-db in us-east-1: check the id and region in the config' }),
        expect.objectContaining({ area: 'kms-key', subject: `${DR_KEY_ALIAS} (us-west-2)`, detail: expect.stringMatching(/it is Disabled, expected Enabled/), fix: expect.stringMatching(/enable-key/) }),
        expect.objectContaining({ area: 'state-store', detail: expect.stringMatching(/is a file, not a folder/) }),
      ]),
    );
    expect(problems).toHaveLength(3);
    const human = await cli(['doctor', '--config', configPath]);
    expect(human.stdout).toMatch(/^FIX kms-key alias\/snapward-dr \(us-west-2\): enable the key/m);
    expect(human.stdout).toMatch(/doctor: \d+ ok, 3 problems, \d+ could not be checked/);
  });

  it('read-only commands never write the store; a corrupt store exits 5 saying moving it aside loses history, not backups', async () => {
    await cli(['run', '--config', configPath]);
    const stateDir = join(dir, 'state');
    const before = readdirSync(stateDir).sort();
    for (const args of [['status'], ['runs'], ['findings'], ['show', 'app-db-1']]) {
      expect((await cli([...args, '--config', configPath])).code).toBe(0);
    }
    expect(readdirSync(stateDir).sort()).toEqual(before);
    writeFileSync(join(stateDir, 'snapward.db'), 'not a database at all '.repeat(300));
    for (const args of [['status'], ['runs'], ['run']]) {
      const res = await cli([...args, '--config', configPath]);
      expect(res.code).toBe(5);
      expect(res.stderr).toMatch(/Moving it aside loses run history and findings, not backups/);
    }
  });

  it('a closed stdout ends the command quietly with its own exit code; the run is still recorded', async () => {
    // 1,200 rows: far more than a pipe buffer holds, so the reader leaves while the table is written.
    const many = Array.from({ length: 1200 }, (_, i) => `  - { id: gone-db-${String(i).padStart(4, '0')}, region: us-east-1, drRegion: us-west-2, tier: 3 }\n`).join('');
    const bigConfig = join(dir, 'big.yaml');
    writeFileSync(bigConfig, yaml(many, 'big/state.db'));
    const full = await shellCli(['status', '--config', bigConfig]);
    expect(full.stdout.length).toBeGreaterThan(64 * 1024); // more than a Linux pipe buffer holds
    const piped = await shellCli(['status', '--config', bigConfig], 'head -1');
    expect(piped.stdout).toMatch(/^INSTANCE +TIER.*\n$/);
    expect(piped.code).toBe(full.code);
    expect(piped.stderr).toBe(''); // no EPIPE, no stack trace
    const closed = await shellCli(['run', '--json', '--config', configPath], 'true');
    expect(closed.code).toBe(0);
    expect(closed.stderr).toBe('');
    const runs = JSON.parse((await cli(['runs', '--json', '--config', configPath])).stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ kind: 'reconcile', outcome: 'succeeded' });
  });
});

import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountClients } from '../../src/adapters/aws/account-credentials';
import { AccountConfig } from '../../src/domain/config';
import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { App, buildApp, createClients } from '../../src/composition';
import { DAY } from '../../src/domain/time';
import { silentLogger } from '../../src/ports/logger';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { config, member } from '../support/builders';
import { FakeClock } from '../support/fake-provider';
import { runCli as cli } from '../support/cli-capture';
import { useMotoServer } from '../support/moto-session';

/**
 * The engine over three accounts, over HTTP against moto: the caller's own and two member accounts
 * reached by sts:AssumeRole (moto then acts in the role's account, so each account has its own
 * RDS and KMS). The same instance id lives in all three and is kept apart; discovery runs per
 * account; copies use each account's own DR key; retention deletes per account. moto answers
 * AssumeRole for any role and external id, so a refusal is covered by the fakes
 * (test/unit/accounts-engine.test.ts) and the adapter tests, not here.
 */
const moto = useMotoServer();
const CALLER = '123456789012';
const PROD_A = { name: 'prod-a', id: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/snapward-member', externalId: 'snapward-7f3a' };
const PROD_B = { name: 'prod-b', id: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/snapward-member' };

async function manualIn(accounts: AccountClients, account: AccountConfig | null, region: string): Promise<string[]> {
  const client: RDSClient = account ? accounts.forAccount(account).rds(region) : accounts.forAccount().rds(region);
  const res = await client.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
  return (res.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier as string).sort();
}

describe('a fleet in three accounts against moto', () => {
  let app: App;
  let clock: FakeClock;
  let seedClients: ReturnType<typeof createClients>;
  let accounts: AccountClients;
  const keys: Record<string, Record<string, string>> = {};

  beforeEach(async () => {
    await moto.server().reset();
    seedClients = createClients();
    accounts = new AccountClients(seedClients, { entryPoint: 'test', stsRegion: 'us-east-1' });
    keys[CALLER] = (await seedFleet(['us-east-1', 'us-west-2'], [{ id: 'jira-1', kind: 'instance', region: 'us-east-1' }])).keys;
    keys[PROD_A.id] = (await seedFleet(['us-east-1', 'us-west-2'], [{ id: 'jira-1', kind: 'instance', region: 'us-east-1' }], 2, accounts.roleOf(PROD_A)?.provider)).keys;
    keys[PROD_B.id] = (
      await seedFleet(
        ['eu-west-1', 'eu-central-1'],
        [
          { id: 'jira-1', kind: 'instance', region: 'eu-west-1', tags: { 'snapward:tier': '1' } },
          { id: 'untagged', kind: 'instance', region: 'eu-west-1' },
        ],
        2,
        accounts.roleOf(PROD_B)?.provider,
      )
    ).keys;
    clock = new FakeClock(new Date());
    app = buildApp({
      config: config({
        accounts: [PROD_A, PROD_B],
        instances: [member({ id: 'jira-1', tier: 1 }), member({ id: 'jira-1', tier: 2, accountName: 'prod-a' })],
        discover: [{ account: 'prod-b', region: 'eu-west-1', drRegion: 'eu-central-1', tierTag: 'snapward:tier', kinds: ['instance'] }],
        kms: { 'us-west-2': DR_KEY_ALIAS, 'eu-central-1': DR_KEY_ALIAS },
        state: { sqlite: join(mkdtempSync(join(tmpdir(), 'snapward-acct-')), 'state.db') },
      }),
      logger: silentLogger,
      clock,
      entryPoint: 'test',
    });
  });
  afterEach(async () => {
    await app?.close();
    seedClients?.destroy();
  });

  it('snapshots and copies each account\'s jira-1 in that account, with that account\'s DR key, keeping them apart everywhere', async () => {
    const report = await reconcile(app.deps, { trigger: 'test' });
    expect(report.outcome).toBe('succeeded');
    expect(report.results.map((r) => [r.account, r.accountName, r.instanceId, r.region, r.created.length, r.copied.length])).toEqual([
      [CALLER, null, 'jira-1', 'us-east-1', 1, 1],
      [PROD_A.id, 'prod-a', 'jira-1', 'us-east-1', 1, 1],
      [PROD_B.id, 'prod-b', 'jira-1', 'eu-west-1', 1, 1],
    ]);
    const today = report.results[0]?.created[0]?.id as string;
    // Each account holds its own snapshot and its own DR copy, and nothing of the others'.
    expect(await manualIn(accounts, null, 'us-east-1')).toEqual([today]);
    expect(await manualIn(accounts, null, 'us-west-2')).toEqual([today]);
    expect(await manualIn(accounts, PROD_A, 'us-east-1')).toEqual([today]);
    expect(await manualIn(accounts, PROD_A, 'us-west-2')).toEqual([today]);
    expect(await manualIn(accounts, PROD_B, 'eu-central-1')).toEqual([today]);
    expect(await manualIn(accounts, null, 'eu-central-1')).toEqual([]);
    // Discovery ran in prod-b only: its untagged database is not a member, the caller's regions were not searched.
    expect(report.fleetSize).toBe(3);

    const status = await fleetStatus(app.deps);
    expect(status.ownAccount).toBe(CALLER);
    expect(status.instances.map((i) => [i.account, i.accountName, i.tier, i.observed])).toEqual([
      [CALLER, null, 1, true],
      [PROD_A.id, 'prod-a', 2, true],
      [PROD_B.id, 'prod-b', 1, true],
    ]);
    const copies = await Promise.all([null, PROD_A].map(async (a) => {
      const client = a ? accounts.forAccount(a).rds('us-west-2') : accounts.forAccount().rds('us-west-2');
      return (await client.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots?.[0]?.KmsKeyId;
    }));
    expect(copies).toEqual([keys[CALLER]?.['us-west-2'], keys[PROD_A.id]?.['us-west-2']]);
  });

  it('retention runs per account: 32 days on, each account deletes its own expired pair once a newer point exists, and nothing of the others\'', async () => {
    const first = await reconcile(app.deps, { trigger: 'test' });
    const old = first.results[0]?.created[0]?.id as string;
    clock.advance(32 * DAY);
    // moto stamps snapshots with its own clock, so the new day's snapshot is made now and the old
    // pair expires once it is there (the newest point is never deleted).
    await reconcile(app.deps, { trigger: 'test' });
    const report = await reconcile(app.deps, { trigger: 'test' });
    expect(report.summary.failed).toBe(0);
    const deleted = (account: string) => report.results.filter((r) => r.account === account).flatMap((r) => r.deleted.map((d) => `${d.region}:${d.id}`)).sort();
    expect(deleted(CALLER)).toEqual([`us-east-1:${old}`, `us-west-2:${old}`]);
    expect(deleted(PROD_A.id)).toEqual([`us-east-1:${old}`, `us-west-2:${old}`]);
    expect(deleted(PROD_B.id)).toEqual([`eu-central-1:${old}`, `eu-west-1:${old}`]);
    for (const [account, region] of [[null, 'us-east-1'], [PROD_A, 'us-west-2'], [PROD_B, 'eu-central-1']] as const) {
      const left = await manualIn(accounts, account, region);
      expect(left).not.toContain(old);
      expect(left).toHaveLength(1);
    }
  });

  it('the CLI over the same fleet: run and status --json name each account; an id in two accounts needs --account for backup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapward-acct-cli-'));
    const configPath = join(dir, 'snapward.yaml');
    writeFileSync(
      configPath,
      `accounts:
  - { name: prod-a, id: "${PROD_A.id}", roleArn: "${PROD_A.roleArn}", externalId: ${PROD_A.externalId} }
  - { name: prod-b, id: "${PROD_B.id}", roleArn: "${PROD_B.roleArn}" }
kms: { us-west-2: ${DR_KEY_ALIAS}, eu-central-1: ${DR_KEY_ALIAS} }
instances:
  - { id: jira-1, region: us-east-1, drRegion: us-west-2, tier: 1 }
  - { id: jira-1, account: prod-a, region: us-east-1, drRegion: us-west-2, tier: 2 }
discover:
  - { account: prod-b, region: eu-west-1, drRegion: eu-central-1 }
state: { sqlite: state.db }
`,
    );
    const run = await cli(['run', '--json', '--config', configPath]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { results: { instanceId: string; account: string; accountName: string | null }[] };
    expect(report.results.map((r) => [r.account, r.accountName, r.instanceId])).toEqual([
      [CALLER, null, 'jira-1'],
      [PROD_A.id, 'prod-a', 'jira-1'],
      [PROD_B.id, 'prod-b', 'jira-1'],
    ]);
    const status = JSON.parse((await cli(['status', '--json', '--config', configPath])).stdout) as { instances: { account: string; accountName: string | null }[] };
    expect(status.instances.map((i) => [i.account, i.accountName])).toEqual([[CALLER, null], [PROD_A.id, 'prod-a'], [PROD_B.id, 'prod-b']]);
    const text = (await cli(['status', '--config', configPath])).stdout;
    expect(text).toMatch(/prod-a\/jira-1/);

    const ambiguous = await cli(['backup', 'jira-1', '--config', configPath]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/instance "jira-1" is in more than one place: 123456789012 \(us-east-1\), prod-a \(us-east-1\), prod-b \(eu-west-1\); name its account/);
    const backup = await cli(['backup', 'jira-1', '--account', 'prod-a', '--json', '--config', configPath]);
    expect(backup.code).toBe(0);
    const made = JSON.parse(backup.stdout) as { instance: { account: string }; snapshot: { arn: string } };
    expect(made.instance.account).toBe(PROD_A.id);
    expect(made.snapshot.arn).toContain(`:${PROD_A.id}:snapshot:`);
  });
});

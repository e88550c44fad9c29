import { CreateDBInstanceCommand, CreateDBSnapshotCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AccountClients } from '../../src/adapters/aws/account-credentials';
import { AwsClients } from '../../src/adapters/aws/clients';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { useMotoServer } from '../support/moto-session';

/**
 * Clients per account over HTTP against moto. moto answers sts:AssumeRole for any role (it has no
 * trust policies) and then treats the temporary credentials as acting in the role's account, so
 * each account has its own RDS world there. What moto cannot show (a refusal, the external id
 * being checked) is in test/adapters/account-credentials.test.ts.
 */
const moto = useMotoServer();
const CALLER = '123456789012'; // moto's default account for the test credentials
const PROD_A = { name: 'prod-a', id: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/snapward-member', externalId: 'snapward-7f3a' };
const PROD_B = { name: 'prod-b', id: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/snapward-member' };

async function createInstance(clients: AwsClients, id: string, storage: number): Promise<void> {
  await clients.rds('us-east-1').send(
    new CreateDBInstanceCommand({ DBInstanceIdentifier: id, Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: storage, MasterUsername: 'snapward', MasterUserPassword: 'not-a-secret-1' }),
  );
}

async function instances(clients: AwsClients): Promise<Record<string, number | undefined>> {
  const res = await clients.rds('us-east-1').send(new DescribeDBInstancesCommand({}));
  return Object.fromEntries((res.DBInstances ?? []).map((d) => [d.DBInstanceIdentifier, d.AllocatedStorage]));
}

describe('accounts over moto', () => {
  let base: AwsClients;
  let accounts: AccountClients;
  beforeEach(async () => {
    await moto.server().reset();
    base = new AwsClients({ maxAttempts: 3 });
    accounts = new AccountClients(base, { entryPoint: 'test', stsRegion: 'us-east-1' });
  });
  afterEach(() => base.destroy());

  it("the caller's account from GetCallerIdentity, and an assumed role's clients acting in the role's account", async () => {
    expect(await accounts.callerAccountId()).toBe(CALLER);
    const who = await accounts.forAccount(PROD_A).sts('us-east-1').send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(PROD_A.id);
    expect(who.Arn).toContain('assumed-role/snapward-member/snapward-test');
    await expect(accounts.verify(PROD_A)).resolves.toBeUndefined();
    await expect(accounts.verify({ name: 'home', id: CALLER })).resolves.toBeUndefined();
    await expect(accounts.verify({ name: 'not-mine', id: '333333333333' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it("a client for 111111111111 sees that account's databases and not the caller's; the same id in two accounts stays apart", async () => {
    const prodA = accounts.forAccount(PROD_A);
    await createInstance(prodA, 'jira-1', 50);
    await createInstance(prodA, 'only-in-a', 20);
    await createInstance(base, 'jira-1', 30);

    expect(await instances(prodA)).toEqual({ 'jira-1': 50, 'only-in-a': 20 });
    expect(await instances(base)).toEqual({ 'jira-1': 30 });
    expect(await instances(accounts.forAccount(PROD_B))).toEqual({});
    // One AssumeRole served every call to prod-a (creates and describes).
    expect(accounts.roleOf(PROD_A)?.assumeCalls).toBe(1);
  });

  it('the existing snapshot adapter works per account unchanged: a snapshot in prod-a is listed there only, with its ARN in prod-a', async () => {
    const prodA = accounts.forAccount(PROD_A);
    await createInstance(prodA, 'jira-1', 20);
    const snap = await prodA.rds('us-east-1').send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'jira-1', DBSnapshotIdentifier: 'sw-jira-1-20261129' }));
    expect(snap.DBSnapshot?.DBSnapshotArn).toBe('arn:aws:rds:us-east-1:111111111111:snapshot:sw-jira-1-20261129');

    const inA = await new RdsSnapshotProvider(prodA).listSnapshotsMatching('us-east-1', 'instance', { dbIds: ['jira-1'] });
    const inCaller = await new RdsSnapshotProvider(base).listSnapshotsMatching('us-east-1', 'instance', { dbIds: ['jira-1'] });
    expect(inA.map((s) => s.id)).toEqual(['sw-jira-1-20261129']);
    expect(inCaller).toEqual([]);
    expect((await new RdsSnapshotProvider(prodA).listDatabases('us-east-1')).map((d) => d.id)).toEqual(['jira-1']);
    expect(await new RdsSnapshotProvider(base).listDatabases('us-east-1')).toEqual([]);
  });
});

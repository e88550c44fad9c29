import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
} from '@aws-sdk/client-rds';
import { AccountClients } from '../../src/adapters/aws/account-credentials';
import { AwsClients } from '../../src/adapters/aws/clients';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { SnapwardError } from '../../src/domain/errors';
import { useMotoServer } from '../support/moto-session';

/**
 * The RDS adapter's shareSnapshot / unshareSnapshot (the vault copy's first and last steps) over
 * HTTP against moto, in a member account reached through AssumeRole: ModifyDBSnapshotAttribute and
 * ModifyDBClusterSnapshotAttribute with the `restore` attribute (RDS API reference), read back with
 * Describe*SnapshotAttributes and from the vault account's side. What moto cannot show (the copy
 * of the shared snapshot into the vault, the refusal of an aws/rds-encrypted share) is scripted in
 * test/adapters/vault-copy-over-sdk.test.ts.
 */
const moto = useMotoServer();
const REGION = 'us-west-2';
const PROD_A = { name: 'prod-a', id: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/snapward-member', externalId: 'snapward-prod-a' };
const VAULT = { name: 'vault', id: '999999999999', roleArn: 'arn:aws:iam::999999999999:role/snapward-vault' };
const OTHER = '333333333333';

describe('sharing snapshots over moto', () => {
  let base: AwsClients;
  let prodA: AwsClients;
  let vault: AwsClients;
  let provider: RdsSnapshotProvider;
  beforeEach(async () => {
    await moto.server().reset();
    base = new AwsClients({ maxAttempts: 2 });
    const accounts = new AccountClients(base, { entryPoint: 'test', stsRegion: REGION });
    prodA = accounts.forAccount(PROD_A);
    vault = accounts.forAccount(VAULT);
    provider = new RdsSnapshotProvider(prodA);
  });
  afterEach(() => base.destroy());

  async function instanceSnapshot(id: string): Promise<string> {
    const rds = prodA.rds(REGION);
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'jira-1', Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'snapward', MasterUserPassword: 'not-a-secret-1' }));
    const res = await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'jira-1', DBSnapshotIdentifier: id, Tags: [{ Key: 'snapward:managed', Value: 'true' }] }));
    return res.DBSnapshot?.DBSnapshotArn as string;
  }
  const restoreAttribute = async (id: string) => {
    const res = await prodA.rds(REGION).send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id }));
    return res.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
  };
  const sharedWithVault = async () => (await vault.rds(REGION).send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared' }))).DBSnapshots?.map((s) => s.DBSnapshotArn) ?? [];

  it('shares an instance snapshot with the vault account (restore attribute), visible there as shared, then unshares it', async () => {
    const arn = await instanceSnapshot('sw-jira-1-20261129');
    expect(arn).toBe(`arn:aws:rds:${REGION}:${PROD_A.id}:snapshot:sw-jira-1-20261129`);
    const ref = { id: 'sw-jira-1-20261129', region: REGION, kind: 'instance' as const };

    await provider.shareSnapshot(ref, VAULT.id);
    expect(await restoreAttribute(ref.id)).toEqual([VAULT.id]);
    expect(await sharedWithVault()).toEqual([arn]);

    // Sharing again (a re-run) succeeds; another account shared with stays untouched. (moto 5.2.1
    // lists the vault twice after the second share; one unshare removes every entry of it.)
    await provider.shareSnapshot(ref, VAULT.id);
    await provider.shareSnapshot(ref, OTHER);
    expect(new Set(await restoreAttribute(ref.id))).toEqual(new Set([VAULT.id, OTHER]));

    await provider.unshareSnapshot(ref, VAULT.id);
    expect(await restoreAttribute(ref.id)).toEqual([OTHER]);
    expect(await sharedWithVault()).toEqual([]);
    // Unsharing an account the snapshot is not shared with succeeds (a re-run after a crash).
    await expect(provider.unshareSnapshot(ref, VAULT.id)).resolves.toBeUndefined();
  });

  it('shares and unshares a cluster snapshot (ModifyDBClusterSnapshotAttribute)', async () => {
    const rds = prodA.rds(REGION);
    await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'billing', Engine: 'aurora-postgresql', MasterUsername: 'snapward', MasterUserPassword: 'not-a-secret-1' }));
    const created = await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'billing', DBClusterSnapshotIdentifier: 'sw-billing-20261129' }));
    const ref = { id: 'sw-billing-20261129', region: REGION, kind: 'cluster' as const };
    const attribute = async () =>
      (await rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: ref.id }))).DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((a) => a.AttributeName === 'restore')
        ?.AttributeValues ?? [];
    const sharedInVault = async () => (await vault.rds(REGION).send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'shared' }))).DBClusterSnapshots?.map((s) => s.DBClusterSnapshotArn) ?? [];

    await provider.shareSnapshot(ref, VAULT.id);
    expect(await attribute()).toEqual([VAULT.id]);
    expect(await sharedInVault()).toEqual([created.DBClusterSnapshot?.DBClusterSnapshotArn]);
    await provider.unshareSnapshot(ref, VAULT.id);
    expect(await attribute()).toEqual([]);
    expect(await sharedInVault()).toEqual([]);
  });

  it('a snapshot that is not there: SNAPSHOT_NOT_FOUND naming the call, the snapshot and the account shared with', async () => {
    const err = await provider.shareSnapshot({ id: 'sw-gone-20261129', region: REGION, kind: 'instance' }, VAULT.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapwardError);
    expect(err).toMatchObject({ code: 'SNAPSHOT_NOT_FOUND', retryable: false });
    expect((err as Error).message).toMatch(new RegExp(`^ModifyDBSnapshotAttribute sw-gone-20261129 in ${REGION} \\(share with ${VAULT.id}\\): DBSnapshotNotFound`));
  });

  it('the share is per account: the caller\'s own account and the member account do not see it as shared with them', async () => {
    await instanceSnapshot('sw-jira-1-20261129');
    await provider.shareSnapshot({ id: 'sw-jira-1-20261129', region: REGION, kind: 'instance' }, VAULT.id);
    expect((await base.rds(REGION).send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared' }))).DBSnapshots).toEqual([]);
    expect((await prodA.rds(REGION).send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared' }))).DBSnapshots).toEqual([]);
  });
});

import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DBSnapshot,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../src/adapters/aws/clients';
import { KmsKeyResolver } from '../../src/adapters/aws/kms-key-resolver';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { reconcile } from '../../src/app/reconcile';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';

/**
 * The "creating, then available" path that moto cannot show (its snapshots are available at
 * once): scripted SDK responses across three passes, through the real adapters.
 */
const rds = mockClient(RDSClient);
const kms = mockClient(KMSClient);
afterAll(() => {
  rds.restore();
  kms.restore();
});

it('a snapshot still creating is left alone, copied once available, then nothing more is done', async () => {
  const world: Record<string, DBSnapshot[]> = { 'us-east-1': [], 'us-west-2': [] };
  const regionOf = async (getClient: () => RDSClient) => getClient().config.region();
  rds.on(DescribeDBSnapshotsCommand).callsFake(async (_input, getClient) => ({ DBSnapshots: world[await regionOf(getClient)] }));
  rds.on(CreateDBSnapshotCommand).callsFake(async (input) => {
    const s: DBSnapshot = {
      DBSnapshotIdentifier: input.DBSnapshotIdentifier,
      DBSnapshotArn: `arn:aws:rds:us-east-1:1:snapshot:${input.DBSnapshotIdentifier}`,
      DBInstanceIdentifier: 'db1',
      Status: 'creating',
      SnapshotType: 'manual',
      Encrypted: true,
      TagList: input.Tags,
    };
    world['us-east-1']?.push(s);
    return { DBSnapshot: s };
  });
  rds.on(CopyDBSnapshotCommand).callsFake(async (input) => {
    const s: DBSnapshot = { DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier, Status: 'pending', SnapshotType: 'manual', Encrypted: true, TagList: input.Tags };
    world['us-west-2']?.push(s);
    return { DBSnapshot: s };
  });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: 'arn:aws:kms:us-west-2:1:key/k', KeyState: 'Enabled' } });

  const h = harness({ instances: [member({ id: 'db1' })] });
  const clients = new AwsClients({ maxAttempts: 1 });
  const deps = h.with({ provider: new RdsSnapshotProvider(clients), keys: new KmsKeyResolver(clients) });

  const pass1 = await reconcile(deps, { trigger: 'test' });
  expect(pass1.results[0]).toMatchObject({ created: [{ id: 'sw-db1-20261124' }], copied: [], inProgress: [{ id: 'sw-db1-20261124' }] });
  expect(rds.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);

  const pass2 = await reconcile(deps, { trigger: 'test' });
  expect(pass2.results[0]).toMatchObject({ created: [], copied: [] }); // still creating
  expect(rds.commandCalls(CreateDBSnapshotCommand)).toHaveLength(1);

  (world['us-east-1']?.[0] as DBSnapshot).Status = 'available';
  (world['us-east-1']?.[0] as DBSnapshot).SnapshotCreateTime = new Date('2026-11-24T10:00:00Z');
  const pass3 = await reconcile(deps, { trigger: 'test' });
  expect(pass3.results[0]).toMatchObject({ copied: [{ id: 'sw-db1-20261124', region: 'us-west-2' }], inProgress: [{ id: 'sw-db1-20261124', region: 'us-west-2' }] });
  expect(rds.commandCalls(CopyDBSnapshotCommand)[0]?.args[0].input).toMatchObject({
    SourceDBSnapshotIdentifier: 'arn:aws:rds:us-east-1:1:snapshot:sw-db1-20261124',
    KmsKeyId: 'arn:aws:kms:us-west-2:1:key/k',
  });

  const pass4 = await reconcile(deps, { trigger: 'test' });
  expect(pass4.summary).toMatchObject({ created: 0, copied: 0, deleted: 0, failed: 0 });
  expect(rds.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
});

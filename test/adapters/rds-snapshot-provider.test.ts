import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../src/adapters/aws/clients';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { SnapwardError } from '../../src/domain/errors';
import { snapshot } from '../support/builders';

const rds = mockClient(RDSClient);
const fault = (name: string, message = 'aws message') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
const provider = () => new RdsSnapshotProvider(new AwsClients({ maxAttempts: 1 }));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as SnapwardError).code;
  }
  return 'resolved';
}

beforeEach(() => rds.reset());
afterAll(() => rds.restore());

describe('RdsSnapshotProvider (aws-sdk-client-mock)', () => {
  it('lists manual snapshots page by page with the largest page size, mapping tags and times', async () => {
    rds
      .on(DescribeDBSnapshotsCommand, { Marker: undefined })
      .resolves({
        Marker: 'page2',
        DBSnapshots: [
          {
            DBSnapshotIdentifier: 'SW-DB1-20261124',
            DBSnapshotArn: 'arn:aws:rds:us-east-1:1:snapshot:sw-db1-20261124',
            DBInstanceIdentifier: 'db1',
            Status: 'creating',
            SnapshotType: 'manual',
            Encrypted: true,
            OriginalSnapshotCreateTime: new Date('2026-11-24T01:00:00Z'),
            TagList: [{ Key: 'snapward:managed', Value: 'true' }],
          },
        ],
      })
      .on(DescribeDBSnapshotsCommand, { Marker: 'page2' })
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 'other', DBInstanceIdentifier: 'db2', Status: 'available', SnapshotType: 'manual' }] });
    const list = await provider().listSnapshots('us-east-1', 'instance');
    expect(list.map((s) => [s.id, s.status, s.region])).toEqual([
      ['sw-db1-20261124', 'creating', 'us-east-1'],
      ['other', 'available', 'us-east-1'],
    ]);
    expect(list[0]).toMatchObject({ tags: { 'snapward:managed': 'true' }, originalCreatedAt: new Date('2026-11-24T01:00:00Z'), encrypted: true });
    // (The paginator reuses one input object, so only the page size and filter are checked per call.)
    const inputs = rds.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(2);
    for (const input of inputs) expect(input).toMatchObject({ SnapshotType: 'manual', MaxRecords: 100 });
  });

  it('creates with the tags as a TagList', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: 's1', Status: 'creating', SnapshotType: 'manual' } });
    const s = await provider().createSnapshot({ kind: 'instance', region: 'us-east-1', dbId: 'db1', snapshotId: 's1', tags: { a: '1', 'snapward:managed': 'true' } });
    expect(s.status).toBe('creating');
    expect(rds.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: 'db1',
      DBSnapshotIdentifier: 's1',
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'snapward:managed', Value: 'true' },
      ],
    });
  });

  it.each([
    ['DBSnapshotAlreadyExistsFault', 'SNAPSHOT_ALREADY_EXISTS'],
    ['InvalidDBInstanceStateFault', 'INVALID_INSTANCE_STATE'],
    ['DBInstanceNotFoundFault', 'INSTANCE_NOT_FOUND'],
    ['SnapshotQuotaExceededFault', 'SNAPSHOT_QUOTA_EXCEEDED'],
  ])('CreateDBSnapshot failing with %s surfaces as %s', async (name, code) => {
    rds.on(CreateDBSnapshotCommand).rejects(fault(name, 'Cannot create more than 100 manual snapshots'));
    expect(await codeOf(provider().createSnapshot({ kind: 'instance', region: 'us-east-1', dbId: 'db1', snapshotId: 's1', tags: {} }))).toBe(code);
  });

  it('copies with the destination-region client, the source ARN, the DR key and explicit tags', async () => {
    let region = '';
    rds.on(CopyDBSnapshotCommand).callsFake(async (_input, getClient) => {
      region = await getClient().config.region();
      return { DBSnapshot: { DBSnapshotIdentifier: 's1', Status: 'pending', SnapshotType: 'manual' } };
    });
    const source = snapshot({ id: 's1', region: 'us-east-1' });
    const copy = await provider().copySnapshot({ kind: 'instance', source, targetRegion: 'us-west-2', targetId: 's1', kmsKeyId: 'arn:aws:kms:us-west-2:1:key/k', tags: { t: 'v' } });
    expect(region).toBe('us-west-2');
    expect(copy).toMatchObject({ region: 'us-west-2', status: 'pending' });
    expect(rds.commandCalls(CopyDBSnapshotCommand)[0]?.args[0].input).toEqual({
      SourceDBSnapshotIdentifier: source.arn,
      TargetDBSnapshotIdentifier: 's1',
      KmsKeyId: 'arn:aws:kms:us-west-2:1:key/k',
      Tags: [{ Key: 't', Value: 'v' }],
      CopyTags: false,
    });
  });

  it('does not pass a key for an unencrypted cluster snapshot (AWS rejects that)', async () => {
    rds.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: { DBClusterSnapshotIdentifier: 'c1', Status: 'copying', SnapshotType: 'manual' } });
    const source = snapshot({ id: 'c1', kind: 'cluster', encrypted: false });
    await provider().copySnapshot({ kind: 'cluster', source, targetRegion: 'us-west-2', targetId: 'c1', kmsKeyId: 'k', tags: {} });
    expect(rds.commandCalls(CopyDBClusterSnapshotCommand)[0]?.args[0].input).not.toHaveProperty('KmsKeyId');
  });

  it.each([
    ['KMSKeyNotAccessibleFault', 'Specified KMS key does not exist', 'KMS_KEY_NOT_ACCESSIBLE'],
    ['SnapshotQuotaExceeded', 'Cannot copy more than 5 snapshots across regions', 'COPY_LIMIT_EXCEEDED'],
    ['DBSnapshotAlreadyExistsFault', 'exists', 'SNAPSHOT_ALREADY_EXISTS'],
  ])('CopyDBSnapshot failing with %s (%s) surfaces as %s', async (name, message, code) => {
    rds.on(CopyDBSnapshotCommand).rejects(fault(name, message));
    const source = snapshot({ id: 's1' });
    expect(await codeOf(provider().copySnapshot({ kind: 'instance', source, targetRegion: 'us-west-2', targetId: 's1', kmsKeyId: 'k', tags: {} }))).toBe(code);
  });

  it('describes a missing snapshot as null', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(fault('DBSnapshotNotFoundFault'));
    expect(await provider().describeSnapshot({ id: 'nope', region: 'us-east-1', kind: 'instance' })).toBeNull();
  });
});

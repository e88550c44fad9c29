import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../src/adapters/aws/clients';
import { RdsRestoreProvider } from '../../src/adapters/aws/rds-restore-provider';
import { SnapwardError } from '../../src/domain/errors';

/**
 * What moto 5.1.1 cannot show, scripted: the exact restore parameters (moto drops false-valued
 * overrides such as PubliclyAccessible=false and DeletionProtection=false, and has no `default`
 * subnet group, so the parameter must be left out for the region's default), and the failure
 * codes AWS documents for RestoreDBInstanceFromDBSnapshot / RestoreDBClusterFromSnapshot
 * (API reference, "Errors": InstanceQuotaExceeded, StorageQuotaExceeded, DBClusterQuotaExceededFault,
 * DBSubnetGroupNotFoundFault, KMSKeyNotAccessibleFault, DBSnapshotNotFound, DBInstanceAlreadyExists),
 * which moto never returns (no instance quota, key state ignored).
 */
const rds = mockClient(RDSClient);
const fault = (name: string, message = 'aws message') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
const provider = () => new RdsRestoreProvider(new AwsClients({ maxAttempts: 1 }));
const req = { kind: 'instance' as const, region: 'us-west-2', snapshotId: 'sw-db1-20261124', targetId: 'sw-drill-db1-20261124100000', engine: 'postgres', tags: { 'snapward:drill': 'd1' } };

beforeEach(() => rds.reset());
afterAll(() => rds.restore());

async function failure(promise: Promise<unknown>): Promise<SnapwardError> {
  return promise.then(() => { throw new Error('resolved'); }, (e: SnapwardError) => e);
}

describe('RdsRestoreProvider (aws-sdk-client-mock)', () => {
  it('restores an instance private, single-AZ, unprotected, without automated backups; subnet group and class left out unless configured', async () => {
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({ DBInstance: { DBInstanceIdentifier: req.targetId, DBInstanceStatus: 'creating', Engine: 'postgres' } });
    const db = await provider().restore(req);
    expect(db).toMatchObject({ id: req.targetId, status: 'creating', kind: 'instance', region: 'us-west-2' });
    const input = rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]?.args[0].input;
    expect(input).toEqual({
      DBInstanceIdentifier: req.targetId, DBSnapshotIdentifier: req.snapshotId, PubliclyAccessible: false, MultiAZ: false, DeletionProtection: false,
      BackupRetentionPeriod: 0, CopyTagsToSnapshot: false, Tags: [{ Key: 'snapward:drill', Value: 'd1' }],
    });
    await provider().restore({ ...req, subnetGroup: 'dr-restore', securityGroups: ['sg-0abc1234'], instanceClass: 'db.t3.medium' });
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[1]?.args[0].input).toMatchObject({ DBSubnetGroupName: 'dr-restore', VpcSecurityGroupIds: ['sg-0abc1234'], DBInstanceClass: 'db.t3.medium' });
  });

  it('restores a cluster with its engine, unprotected, with the least backup retention Aurora allows; its instance is private', async () => {
    rds.on(RestoreDBClusterFromSnapshotCommand).resolves({ DBCluster: { DBClusterIdentifier: 'sw-drill-c', Status: 'creating', Engine: 'aurora-postgresql' } });
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: { DBInstanceIdentifier: 'sw-drill-c-1', DBInstanceStatus: 'creating', DBClusterIdentifier: 'sw-drill-c' } });
    await provider().restore({ ...req, kind: 'cluster', targetId: 'sw-drill-c', engine: 'aurora-postgresql' });
    expect(rds.commandCalls(RestoreDBClusterFromSnapshotCommand)[0]?.args[0].input).toEqual({
      DBClusterIdentifier: 'sw-drill-c', SnapshotIdentifier: req.snapshotId, Engine: 'aurora-postgresql', DeletionProtection: false, BackupRetentionPeriod: 1, CopyTagsToSnapshot: false,
      Tags: [{ Key: 'snapward:drill', Value: 'd1' }],
    });
    const member = await provider().createClusterInstance({ region: 'us-west-2', clusterId: 'sw-drill-c', instanceId: 'sw-drill-c-1', engine: 'aurora-postgresql', instanceClass: 'db.r6g.large', tags: { 'snapward:drill': 'd1' } });
    expect(member).toMatchObject({ id: 'sw-drill-c-1', clusterId: 'sw-drill-c', status: 'creating' });
    expect(rds.commandCalls(CreateDBInstanceCommand)[0]?.args[0].input).toMatchObject({ PubliclyAccessible: false, DBInstanceClass: 'db.r6g.large', DBClusterIdentifier: 'sw-drill-c' });
  });

  it.each([
    ['InstanceQuotaExceeded', 'RESTORE_QUOTA_EXCEEDED', false],
    ['StorageQuotaExceeded', 'RESTORE_QUOTA_EXCEEDED', false],
    ['DBClusterQuotaExceededFault', 'RESTORE_QUOTA_EXCEEDED', false],
    ['DBSubnetGroupNotFoundFault', 'SUBNET_GROUP_NOT_FOUND', false],
    ['KMSKeyNotAccessibleFault', 'KMS_KEY_NOT_ACCESSIBLE', false],
    ['DBSnapshotNotFound', 'SNAPSHOT_NOT_FOUND', false],
    ['DBInstanceAlreadyExists', 'DB_ALREADY_EXISTS', false],
    ['InsufficientDBInstanceCapacity', 'RESTORE_FAILED', false],
    ['Throttling', 'THROTTLED', true],
  ])('a restore answered %s is %s (retryable: %s), AWS message kept', async (name, code, retryable) => {
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(fault(name, 'the message from AWS'));
    const err = await failure(provider().restore(req));
    expect(err).toMatchObject({ code, retryable });
    expect(err.message).toContain('the message from AWS');
    expect(err.message).toContain(req.targetId);
  });

  it('describes creating, modifying and deleting databases as they are, and a missing one as null', async () => {
    for (const status of ['creating', 'modifying', 'deleting', 'available']) {
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'x', DBInstanceStatus: status, InstanceCreateTime: new Date('2026-11-24T10:00:00Z'), Endpoint: { Address: 'x.rds', Port: 5432 } }] });
      expect(await provider().describe('instance', 'us-west-2', 'x')).toMatchObject({ status, createdAt: new Date('2026-11-24T10:00:00Z'), endpoint: 'x.rds', port: 5432 });
    }
    rds.reset();
    rds.on(DescribeDBInstancesCommand).rejects(fault('DBInstanceNotFoundFault'));
    rds.on(DescribeDBClustersCommand).rejects(fault('DBClusterNotFoundFault'));
    expect(await provider().describe('instance', 'us-west-2', 'x')).toBeNull();
    expect(await provider().describe('cluster', 'us-west-2', 'x')).toBeNull();
  });

  it('deletes without a final snapshot and with automated backups; a cluster instance plainly; a gone one is fine; a busy one is retryable', async () => {
    rds.on(DeleteDBInstanceCommand).resolves({});
    rds.on(DeleteDBClusterCommand).resolves({});
    await provider().deleteDatabase({ kind: 'instance', region: 'us-west-2', id: 'a' });
    await provider().deleteDatabase({ kind: 'instance', region: 'us-west-2', id: 'b', clusterId: 'c' });
    await provider().deleteDatabase({ kind: 'cluster', region: 'us-west-2', id: 'c' });
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([
      { DBInstanceIdentifier: 'a', SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
      { DBInstanceIdentifier: 'b' },
    ]);
    expect(rds.commandCalls(DeleteDBClusterCommand)[0]?.args[0].input).toEqual({ DBClusterIdentifier: 'c', SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
    rds.reset();
    rds.on(DeleteDBInstanceCommand).rejects(fault('DBInstanceNotFound'));
    await provider().deleteDatabase({ kind: 'instance', region: 'us-west-2', id: 'a' });
    rds.on(DeleteDBInstanceCommand).rejects(fault('InvalidDBInstanceState', 'is creating'));
    expect(await failure(provider().deleteDatabase({ kind: 'instance', region: 'us-west-2', id: 'a' }))).toMatchObject({ code: 'INVALID_INSTANCE_STATE', retryable: true });
  });

  it('lists only databases carrying the snapward:drill tag, whatever their names', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { DBInstanceIdentifier: 'sw-drill-x-1', TagList: [{ Key: 'snapward:drill', Value: 'd' }] },
        { DBInstanceIdentifier: 'sw-drill-lookalike', TagList: [{ Key: 'owner', Value: 'dba' }] },
        { DBInstanceIdentifier: 'prod', TagList: [] },
      ],
    });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'sw-drill-c', TagList: [{ Key: 'snapward:drill', Value: 'e' }] }, { DBClusterIdentifier: 'sw-drill-c2' }] });
    expect((await provider().listDrillDatabases('us-west-2')).map((d) => `${d.kind}:${d.id}`)).toEqual(['instance:sw-drill-x-1', 'cluster:sw-drill-c']);
  });
});

import {
  CreateDBInstanceCommand,
  DBCluster,
  DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  Tag,
} from '@aws-sdk/client-rds';
import { fromTagList, toTagList } from './rds-tags';
import { DRILL_TAG, DrillDatabase } from '../../domain/drill';
import { DbKind } from '../../domain/types';
import { ClusterInstanceRequest, RestoreProvider, RestoreRequest } from '../../ports/restore-provider';
import { AwsClients } from './clients';
import { classifyAwsError } from './errors';

const PAGE_SIZE = 100;

/**
 * RestoreProvider over the RDS API. What a drill database gets (AWS API reference of each call):
 * - never public (`PubliclyAccessible: false`), no deletion protection, single-AZ;
 * - no automated backups: `BackupRetentionPeriod: 0` for an instance; Aurora cannot go below 1
 *   day, so a cluster gets 1 and its backups are deleted with it (`DeleteAutomatedBackups`);
 * - the subnet group, security groups and class only when configured: leaving `DBSubnetGroupName`
 *   out means the region's default VPC subnet group, `DBInstanceClass` out means the source's class.
 */
export class RdsRestoreProvider implements RestoreProvider {
  constructor(private readonly clients: AwsClients) {}

  async snapshotEngine(kind: DbKind, region: string, snapshotId: string): Promise<string | null> {
    const client = this.clients.rds(region);
    try {
      if (kind === 'instance') {
        const res = await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
        return res.DBSnapshots?.[0]?.Engine ?? null;
      }
      const res = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshotId }));
      return res.DBClusterSnapshots?.[0]?.Engine ?? null;
    } catch (err) {
      const classified = classifyAwsError(err, `describing snapshot ${snapshotId} in ${region}`);
      if (classified.code === 'SNAPSHOT_NOT_FOUND') return null;
      throw classified;
    }
  }

  async restore(req: RestoreRequest): Promise<DrillDatabase> {
    const client = this.clients.rds(req.region);
    const Tags = toTagList(req.tags);
    const network = {
      ...(req.subnetGroup ? { DBSubnetGroupName: req.subnetGroup } : {}),
      ...(req.securityGroups?.length ? { VpcSecurityGroupIds: [...req.securityGroups] } : {}),
    };
    try {
      if (req.kind === 'instance') {
        const res = await client.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: req.targetId,
            DBSnapshotIdentifier: req.snapshotId,
            ...(req.instanceClass ? { DBInstanceClass: req.instanceClass } : {}),
            ...network,
            PubliclyAccessible: false,
            MultiAZ: false,
            DeletionProtection: false,
            BackupRetentionPeriod: 0,
            CopyTagsToSnapshot: false,
            Tags,
          }),
        );
        return fromInstance(required(res.DBInstance, 'RestoreDBInstanceFromDBSnapshot'), req.region);
      }
      const res = await client.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: req.targetId,
          SnapshotIdentifier: req.snapshotId,
          Engine: req.engine,
          ...network,
          DeletionProtection: false,
          BackupRetentionPeriod: 1,
          CopyTagsToSnapshot: false,
          Tags,
        }),
      );
      return fromCluster(required(res.DBCluster, 'RestoreDBClusterFromSnapshot'), req.region);
    } catch (err) {
      const op = req.kind === 'instance' ? 'RestoreDBInstanceFromDBSnapshot' : 'RestoreDBClusterFromSnapshot';
      throw classifyAwsError(err, `${op} ${req.snapshotId} to ${req.targetId} in ${req.region}`);
    }
  }

  async createClusterInstance(req: ClusterInstanceRequest): Promise<DrillDatabase> {
    try {
      const res = await this.clients.rds(req.region).send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: req.instanceId,
          DBClusterIdentifier: req.clusterId,
          Engine: req.engine,
          DBInstanceClass: req.instanceClass,
          PubliclyAccessible: false,
          Tags: toTagList(req.tags),
        }),
      );
      return fromInstance(required(res.DBInstance, 'CreateDBInstance'), req.region);
    } catch (err) {
      throw classifyAwsError(err, `CreateDBInstance ${req.instanceId} in cluster ${req.clusterId} in ${req.region}`);
    }
  }

  async describe(kind: DbKind, region: string, id: string): Promise<DrillDatabase | null> {
    const client = this.clients.rds(region);
    try {
      if (kind === 'instance') {
        const res = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
        const i = res.DBInstances?.[0];
        return i ? fromInstance(i, region) : null;
      }
      const res = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
      const c = res.DBClusters?.[0];
      return c ? fromCluster(c, region) : null;
    } catch (err) {
      const classified = classifyAwsError(err, `describing DB ${kind} ${id} in ${region}`);
      if (classified.code === 'INSTANCE_NOT_FOUND') return null;
      throw classified;
    }
  }

  async writerClass(region: string, clusterId: string): Promise<string | null> {
    const client = this.clients.rds(region);
    try {
      const cluster = (await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }))).DBClusters?.[0];
      const writer = cluster?.DBClusterMembers?.find((m) => m.IsClusterWriter) ?? cluster?.DBClusterMembers?.[0];
      if (!writer?.DBInstanceIdentifier) return null;
      const inst = (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: writer.DBInstanceIdentifier }))).DBInstances?.[0];
      return inst?.DBInstanceClass ?? null;
    } catch (err) {
      const classified = classifyAwsError(err, `finding the writer class of cluster ${clusterId} in ${region}`);
      if (classified.code === 'INSTANCE_NOT_FOUND') return null;
      throw classified;
    }
  }

  async deleteDatabase(db: Pick<DrillDatabase, 'kind' | 'region' | 'id' | 'clusterId'>): Promise<void> {
    const { kind, region, id } = db;
    const client = this.clients.rds(region);
    try {
      if (kind === 'instance' && db.clusterId) {
        // An Aurora DB instance has no snapshot or backups of its own: the cluster holds the data.
        await client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id }));
      } else if (kind === 'instance') {
        await client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
      } else {
        await client.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
      }
    } catch (err) {
      const classified = classifyAwsError(err, `${kind === 'instance' ? 'DeleteDBInstance' : 'DeleteDBCluster'} ${id} in ${region}`);
      if (classified.code === 'INSTANCE_NOT_FOUND') return; // gone already: the goal
      throw classified;
    }
  }

  async listDrillDatabases(region: string): Promise<DrillDatabase[]> {
    const client = this.clients.rds(region);
    const out: DrillDatabase[] = [];
    try {
      // Tags come back with every describe; filtering here (not by name) is what keeps look-alikes safe.
      for await (const page of paginateDescribeDBInstances({ client, pageSize: PAGE_SIZE }, {})) {
        for (const i of page.DBInstances ?? []) if (hasDrillTag(i.TagList)) out.push(fromInstance(i, region));
      }
      for await (const page of paginateDescribeDBClusters({ client, pageSize: PAGE_SIZE }, {})) {
        for (const c of page.DBClusters ?? []) if (hasDrillTag(c.TagList)) out.push(fromCluster(c, region));
      }
    } catch (err) {
      throw classifyAwsError(err, `listing drill databases in ${region}`);
    }
    return out;
  }
}

const hasDrillTag = (list: Tag[] | undefined): boolean => Boolean(list?.some((t) => t.Key === DRILL_TAG));

function fromInstance(i: DBInstance, region: string): DrillDatabase {
  return {
    id: (i.DBInstanceIdentifier ?? '').toLowerCase(),
    kind: 'instance',
    region,
    status: i.DBInstanceStatus ?? 'unknown',
    createdAt: i.InstanceCreateTime ?? null,
    engine: i.Engine ?? '',
    encrypted: Boolean(i.StorageEncrypted),
    kmsKeyId: i.KmsKeyId ?? null,
    endpoint: i.Endpoint?.Address ?? null,
    port: i.Endpoint?.Port ?? null,
    tags: fromTagList(i.TagList),
    ...(i.DBClusterIdentifier ? { clusterId: i.DBClusterIdentifier.toLowerCase() } : {}),
  };
}

function fromCluster(c: DBCluster, region: string): DrillDatabase {
  return {
    id: (c.DBClusterIdentifier ?? '').toLowerCase(),
    kind: 'cluster',
    region,
    status: c.Status ?? 'unknown',
    createdAt: c.ClusterCreateTime ?? null,
    engine: c.Engine ?? '',
    encrypted: Boolean(c.StorageEncrypted),
    kmsKeyId: c.KmsKeyId ?? null,
    endpoint: c.Endpoint ?? null,
    port: c.Port ?? null,
    tags: fromTagList(c.TagList),
  };
}

function required<T>(value: T | undefined, op: string): T {
  if (value === undefined) throw new Error(`${op} returned no database`);
  return value;
}

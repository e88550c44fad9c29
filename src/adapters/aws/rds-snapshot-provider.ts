import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DBClusterSnapshot,
  DBSnapshot,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBInstanceAutomatedBackups,
  paginateDescribeDBClusters,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
} from '@aws-sdk/client-rds';
import { fromTagList, toTagList } from './rds-tags';
import { AccountQuota, Database, DbKind, ReplicatedBackup, Snapshot, SnapshotRef } from '../../domain/types';
import { CopySnapshotRequest, CreateSnapshotRequest, SnapshotFilter, SnapshotProvider } from '../../ports/snapshot-provider';
import { AwsClients } from './clients';
import { classifyAwsError } from './errors';

/** Largest page RDS allows: fewer calls per listing (the per-account API rate is the scarce thing). */
const PAGE_SIZE = 100;
/**
 * Ids per filtered describe. AWS documents no limit on a filter's values; 50 keeps each request
 * small, and a batch of databases with ~31 snapshots each still fills whole 100-record pages.
 */
export const FILTER_BATCH = 50;
/** Engines DescribeDBInstances/DescribeDBClusters also return that are not RDS/Aurora databases. */
const FOREIGN_ENGINES = /^(docdb|neptune)/;

/** SnapshotProvider over the RDS API: DB snapshots for instances, DB cluster snapshots for Aurora. */
export class RdsSnapshotProvider implements SnapshotProvider {
  constructor(private readonly clients: AwsClients) {}

  async listSnapshots(region: string, kind: DbKind, type: 'manual' | 'automated' = 'manual'): Promise<Snapshot[]> {
    const client = this.clients.rds(region);
    const out: Snapshot[] = [];
    try {
      if (kind === 'instance') {
        for await (const page of paginateDescribeDBSnapshots({ client, pageSize: PAGE_SIZE }, { SnapshotType: type })) {
          for (const s of page.DBSnapshots ?? []) out.push(fromDbSnapshot(s, region));
        }
      } else {
        for await (const page of paginateDescribeDBClusterSnapshots({ client, pageSize: PAGE_SIZE }, { SnapshotType: type })) {
          for (const s of page.DBClusterSnapshots ?? []) out.push(fromClusterSnapshot(s, region));
        }
      }
    } catch (err) {
      throw classifyAwsError(err, `listing ${type} ${kind} snapshots in ${region}`);
    }
    return out;
  }

  async listSnapshotsMatching(region: string, kind: DbKind, filter: SnapshotFilter): Promise<Snapshot[]> {
    const client = this.clients.rds(region);
    const byDb = 'dbIds' in filter;
    const ids = [...new Set(byDb ? filter.dbIds : filter.snapshotIds)];
    const name = kind === 'instance' ? (byDb ? 'db-instance-id' : 'db-snapshot-id') : byDb ? 'db-cluster-id' : 'db-cluster-snapshot-id';
    const out: Snapshot[] = [];
    try {
      for (let i = 0; i < ids.length; i += FILTER_BATCH) {
        const Filters = [{ Name: name, Values: ids.slice(i, i + FILTER_BATCH) }];
        if (kind === 'instance') {
          for await (const page of paginateDescribeDBSnapshots({ client, pageSize: PAGE_SIZE }, { SnapshotType: 'manual', Filters })) {
            for (const s of page.DBSnapshots ?? []) out.push(fromDbSnapshot(s, region));
          }
        } else {
          for await (const page of paginateDescribeDBClusterSnapshots({ client, pageSize: PAGE_SIZE }, { SnapshotType: 'manual', Filters })) {
            for (const s of page.DBClusterSnapshots ?? []) out.push(fromClusterSnapshot(s, region));
          }
        }
      }
    } catch (err) {
      throw classifyAwsError(err, `listing ${kind} snapshots by ${name} in ${region}`);
    }
    return out;
  }

  async listReplicatedBackups(region: string): Promise<ReplicatedBackup[]> {
    const client = this.clients.rds(region);
    const out: ReplicatedBackup[] = [];
    try {
      for await (const page of paginateDescribeDBInstanceAutomatedBackups({ client, pageSize: PAGE_SIZE }, {})) {
        for (const b of page.DBInstanceAutomatedBackups ?? []) {
          // A replica's DBInstanceArn names the source instance in its own (other) region.
          const sourceRegion = b.DBInstanceArn?.split(':')[3];
          if (!sourceRegion || sourceRegion === region || !b.DBInstanceIdentifier) continue;
          out.push({ region, sourceRegion, dbId: b.DBInstanceIdentifier.toLowerCase(), latestTime: b.RestoreWindow?.LatestTime ?? null });
        }
      }
    } catch (err) {
      throw classifyAwsError(err, `listing replicated automated backups in ${region}`);
    }
    return out;
  }

  async accountQuotas(region: string): Promise<AccountQuota[]> {
    try {
      const res = await this.clients.rdsOptional(region).send(new DescribeAccountAttributesCommand({}));
      return (res.AccountQuotas ?? [])
        .filter((q) => q.AccountQuotaName)
        .map((q) => ({ name: q.AccountQuotaName as string, used: Number(q.Used ?? 0), max: Number(q.Max ?? 0) }));
    } catch (err) {
      throw classifyAwsError(err, `DescribeAccountAttributes in ${region}`);
    }
  }

  async describeSnapshot(ref: SnapshotRef): Promise<Snapshot | null> {
    const client = this.clients.rds(ref.region);
    try {
      if (ref.kind === 'instance') {
        const res = await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: ref.id }));
        const s = res.DBSnapshots?.[0];
        return s ? fromDbSnapshot(s, ref.region) : null;
      }
      const res = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: ref.id }));
      const s = res.DBClusterSnapshots?.[0];
      return s ? fromClusterSnapshot(s, ref.region) : null;
    } catch (err) {
      const classified = classifyAwsError(err, `describing snapshot ${ref.id} in ${ref.region}`);
      if (classified.code === 'SNAPSHOT_NOT_FOUND') return null;
      throw classified;
    }
  }

  async createSnapshot(req: CreateSnapshotRequest): Promise<Snapshot> {
    const client = this.clients.rds(req.region);
    const Tags = toTagList(req.tags);
    try {
      if (req.kind === 'instance') {
        const res = await client.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: req.dbId, DBSnapshotIdentifier: req.snapshotId, Tags }));
        return fromDbSnapshot(required(res.DBSnapshot, 'CreateDBSnapshot'), req.region);
      }
      const res = await client.send(
        new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: req.dbId, DBClusterSnapshotIdentifier: req.snapshotId, Tags }),
      );
      return fromClusterSnapshot(required(res.DBClusterSnapshot, 'CreateDBClusterSnapshot'), req.region);
    } catch (err) {
      const op = req.kind === 'instance' ? 'CreateDBSnapshot' : 'CreateDBClusterSnapshot';
      throw classifyAwsError(err, `${op} ${req.snapshotId} of ${req.dbId} in ${req.region}`);
    }
  }

  async copySnapshot(req: CopySnapshotRequest): Promise<Snapshot> {
    // Called in the destination region with the source's full ARN: SDK v3 infers the source
    // region from the ARN (there is no SourceRegion input) and presigns where AWS needs it. The
    // ARN is also what a copy of a snapshot shared by another account needs (the vault copy,
    // same region): @aws-sdk/middleware-sdk-rds adds a PreSignedUrl only when
    // `region !== getEndpointFromARN(input[sourceIdKey])` (crossRegionPresignedUrlMiddleware), so
    // that copy goes out without one (test/adapters/vault-copy-over-sdk.test.ts).
    const client = this.clients.rds(req.targetRegion);
    const Tags = toTagList(req.tags);
    try {
      if (req.kind === 'instance') {
        const res = await client.send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: req.source.arn,
            TargetDBSnapshotIdentifier: req.targetId,
            KmsKeyId: req.kmsKeyId,
            Tags,
            CopyTags: false, // tags are passed explicitly: AWS ignores CopyTags when Tags is set
          }),
        );
        return fromDbSnapshot(required(res.DBSnapshot, 'CopyDBSnapshot'), req.targetRegion);
      }
      const res = await client.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: req.source.arn,
          TargetDBClusterSnapshotIdentifier: req.targetId,
          // A key for an unencrypted cluster snapshot is an error in AWS: only pass it when encrypted.
          ...(req.source.encrypted ? { KmsKeyId: req.kmsKeyId } : {}),
          Tags,
          CopyTags: false,
        }),
      );
      return fromClusterSnapshot(required(res.DBClusterSnapshot, 'CopyDBClusterSnapshot'), req.targetRegion);
    } catch (err) {
      const op = req.kind === 'instance' ? 'CopyDBSnapshot' : 'CopyDBClusterSnapshot';
      throw classifyAwsError(err, `${op} ${req.source.arn} to ${req.targetId} in ${req.targetRegion}`);
    }
  }

  async deleteSnapshot(ref: SnapshotRef): Promise<void> {
    const client = this.clients.rds(ref.region);
    try {
      if (ref.kind === 'instance') await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: ref.id }));
      else await client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: ref.id }));
    } catch (err) {
      const op = ref.kind === 'instance' ? 'DeleteDBSnapshot' : 'DeleteDBClusterSnapshot';
      throw classifyAwsError(err, `${op} ${ref.id} in ${ref.region}`);
    }
  }

  shareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    return this.modifyRestoreAttribute(ref, { ValuesToAdd: [accountId] }, `share with ${accountId}`);
  }

  unshareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    return this.modifyRestoreAttribute(ref, { ValuesToRemove: [accountId] }, `unshare from ${accountId}`);
  }

  /**
   * The `restore` attribute lists the accounts allowed to copy or restore a manual snapshot (RDS
   * API reference, ModifyDBSnapshotAttribute). Adding an account already there, or removing one
   * that is not, succeeds.
   */
  private async modifyRestoreAttribute(ref: SnapshotRef, values: { ValuesToAdd?: string[]; ValuesToRemove?: string[] }, what: string): Promise<void> {
    const client = this.clients.rds(ref.region);
    try {
      if (ref.kind === 'instance') await client.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: ref.id, AttributeName: 'restore', ...values }));
      else await client.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: ref.id, AttributeName: 'restore', ...values }));
    } catch (err) {
      const op = ref.kind === 'instance' ? 'ModifyDBSnapshotAttribute' : 'ModifyDBClusterSnapshotAttribute';
      throw classifyAwsError(err, `${op} ${ref.id} in ${ref.region} (${what})`);
    }
  }

  async listDatabases(region: string): Promise<Database[]> {
    const client = this.clients.rds(region);
    const out: Database[] = [];
    try {
      for await (const page of paginateDescribeDBInstances({ client, pageSize: PAGE_SIZE }, {})) {
        for (const i of page.DBInstances ?? []) {
          if (!i.DBInstanceIdentifier || FOREIGN_ENGINES.test(i.Engine ?? '')) continue;
          out.push({
            id: i.DBInstanceIdentifier.toLowerCase(),
            kind: 'instance',
            region,
            status: i.DBInstanceStatus ?? 'unknown',
            encrypted: Boolean(i.StorageEncrypted),
            tags: fromTagList(i.TagList),
            latestRestorableTime: i.LatestRestorableTime ?? null,
            backupRetentionDays: i.BackupRetentionPeriod ?? 0,
            ...(i.DBClusterIdentifier ? { clusterId: i.DBClusterIdentifier.toLowerCase() } : {}),
            ...(i.KmsKeyId ? { kmsKeyId: i.KmsKeyId } : {}),
          });
        }
      }
      for await (const page of paginateDescribeDBClusters({ client, pageSize: PAGE_SIZE }, {})) {
        for (const c of page.DBClusters ?? []) {
          if (!c.DBClusterIdentifier || FOREIGN_ENGINES.test(c.Engine ?? '')) continue;
          out.push({
            id: c.DBClusterIdentifier.toLowerCase(),
            kind: 'cluster',
            region,
            status: c.Status ?? 'unknown',
            encrypted: Boolean(c.StorageEncrypted),
            tags: fromTagList(c.TagList),
            latestRestorableTime: c.LatestRestorableTime ?? null,
            backupRetentionDays: c.BackupRetentionPeriod ?? 1, // Aurora cannot turn automated backups off
            ...(c.KmsKeyId ? { kmsKeyId: c.KmsKeyId } : {}),
          });
        }
      }
    } catch (err) {
      throw classifyAwsError(err, `listing DB instances and clusters in ${region}`);
    }
    return out;
  }
}

function fromDbSnapshot(s: DBSnapshot, region: string): Snapshot {
  return {
    id: (s.DBSnapshotIdentifier ?? '').toLowerCase(),
    arn: s.DBSnapshotArn ?? '',
    kind: 'instance',
    region,
    dbId: (s.DBInstanceIdentifier ?? '').toLowerCase(),
    status: s.Status ?? 'unknown',
    snapshotType: s.SnapshotType ?? 'manual',
    createdAt: s.SnapshotCreateTime ?? null,
    originalCreatedAt: s.OriginalSnapshotCreateTime ?? null,
    encrypted: Boolean(s.Encrypted),
    ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
    tags: fromTagList(s.TagList),
  };
}

function fromClusterSnapshot(s: DBClusterSnapshot, region: string): Snapshot {
  return {
    id: (s.DBClusterSnapshotIdentifier ?? '').toLowerCase(),
    arn: s.DBClusterSnapshotArn ?? '',
    kind: 'cluster',
    region,
    dbId: (s.DBClusterIdentifier ?? '').toLowerCase(),
    status: s.Status ?? 'unknown',
    snapshotType: s.SnapshotType ?? 'manual',
    createdAt: s.SnapshotCreateTime ?? null,
    originalCreatedAt: null, // cluster snapshots have no OriginalSnapshotCreateTime: we tag copies instead
    encrypted: Boolean(s.StorageEncrypted),
    ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
    tags: fromTagList(s.TagList),
  };
}

function required<T>(value: T | undefined, op: string): T {
  if (value === undefined) throw new Error(`${op} returned no snapshot`);
  return value;
}

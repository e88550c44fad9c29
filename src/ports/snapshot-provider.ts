import { AccountQuota, Database, DbKind, ReplicatedBackup, Snapshot, SnapshotRef } from '../domain/types';

export interface CreateSnapshotRequest {
  readonly kind: DbKind;
  readonly region: string;
  /** DB instance or cluster identifier. */
  readonly dbId: string;
  readonly snapshotId: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface CopySnapshotRequest {
  readonly kind: DbKind;
  readonly source: Snapshot;
  readonly targetRegion: string;
  readonly targetId: string;
  /** Key ARN (or id/alias) in the target region that encrypts the copy. */
  readonly kmsKeyId: string;
  readonly tags: Readonly<Record<string, string>>;
}

export type SnapshotFilter = { readonly dbIds: readonly string[] } | { readonly snapshotIds: readonly string[] };

/**
 * RDS snapshots of DB instances and Aurora clusters, in any region. Implementations classify
 * AWS errors into SnapwardError codes (see domain/errors.ts).
 */
export interface SnapshotProvider {
  /**
   * Every snapshot of `kind` and `type` in `region` (snapward's and everyone else's), tags
   * included. `type` defaults to `manual`.
   */
  listSnapshots(region: string, kind: DbKind, type?: 'manual' | 'automated'): Promise<Snapshot[]>;
  /**
   * Manual snapshots of `kind` in `region` selected by a filter, tags included: those taken from
   * the databases `dbIds` (copies keep their source's id), or those with the ids `snapshotIds`.
   * Ids that match nothing are simply absent. Implementations batch long id lists.
   */
  listSnapshotsMatching(region: string, kind: DbKind, filter: SnapshotFilter): Promise<Snapshot[]>;
  /** One snapshot by id, or null when it does not exist. */
  describeSnapshot(ref: SnapshotRef): Promise<Snapshot | null>;
  createSnapshot(request: CreateSnapshotRequest): Promise<Snapshot>;
  copySnapshot(request: CopySnapshotRequest): Promise<Snapshot>;
  deleteSnapshot(ref: SnapshotRef): Promise<void>;
  /**
   * Lets `accountId` copy and restore the snapshot (ModifyDBSnapshotAttribute /
   * ModifyDBClusterSnapshotAttribute, attribute `restore`, ValuesToAdd). Sharing twice is harmless.
   */
  shareSnapshot(ref: SnapshotRef, accountId: string): Promise<void>;
  /** Takes the share away again (ValuesToRemove); removing a share that is not there is harmless. */
  unshareSnapshot(ref: SnapshotRef, accountId: string): Promise<void>;
  /** DB instances and clusters in `region`, for discovery by tag and point-in-time restore facts. */
  listDatabases(region: string): Promise<Database[]>;
  /** Automated backups replicated into `region` from other regions. */
  listReplicatedBackups(region: string): Promise<ReplicatedBackup[]>;
  /** The account's RDS quotas in `region` (DescribeAccountAttributes). */
  accountQuotas(region: string): Promise<AccountQuota[]>;
}

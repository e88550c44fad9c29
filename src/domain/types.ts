/** Core value types shared by every layer. Pure data: no SDK types leak past the adapters. */

export type DbKind = 'instance' | 'cluster';
export const TIERS = [0, 1, 2, 3] as const;
export type Tier = (typeof TIERS)[number];

/** One database snapward is responsible for: an RDS DB instance or an Aurora cluster. */
export interface FleetMember {
  /** DB instance or DB cluster identifier, lowercase (AWS stores them lowercase). */
  readonly id: string;
  readonly kind: DbKind;
  readonly region: string;
  readonly drRegion: string;
  readonly tier: Tier;
  readonly product?: string;
  /**
   * The 12-digit id of the AWS account that holds it: a configured account's, or the caller's own
   * (sts:GetCallerIdentity) for members without one. Ids are unique per account and region only,
   * so every key (ledger, leases, findings, runs, events) carries it.
   */
  readonly account: string;
  /** The configured account's name (`accounts[].name`); null for the caller's own account. */
  readonly accountName: string | null;
  /** Where the member came from: listed in the config, or found by its tier tag. */
  readonly origin: 'config' | 'discovered';
}

/** A member as listed in the config: its account by name (absent: the caller's own account). */
export type ConfiguredInstance = Omit<FleetMember, 'account' | 'accountName'> & {
  /** `accounts[].name`; absent: the caller's own account. */
  readonly account?: string;
};

/** A DB instance or cluster as AWS reports it (discovery). */
export interface Database {
  readonly id: string;
  readonly kind: DbKind;
  readonly region: string;
  readonly status: string;
  readonly encrypted: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** Set for a DB instance that is a member of an Aurora cluster (backed up through its cluster). */
  readonly clusterId?: string;
  /** Newest point-in-time restore point (automated backups); null when PITR is off or unknown. */
  readonly latestRestorableTime: Date | null;
  /** Automated backup retention in days; 0 means automated backups (and PITR) are off. */
  readonly backupRetentionDays: number;
  /** The KMS key encrypting it (absent when unencrypted or not reported). */
  readonly kmsKeyId?: string;
}

/** Automated backups of a DB instance replicated into another region (cross-region PITR). */
export interface ReplicatedBackup {
  /** Region the backups are replicated into (where they were listed). */
  readonly region: string;
  readonly sourceRegion: string;
  readonly dbId: string;
  /** Newest restorable time in the replica; null when not known yet. */
  readonly latestTime: Date | null;
}

/** One account quota as DescribeAccountAttributes reports it. */
export interface AccountQuota {
  readonly name: string;
  readonly used: number;
  readonly max: number;
}

/** A DB snapshot or DB cluster snapshot, as listed in one region. */
export interface Snapshot {
  readonly id: string;
  readonly arn: string;
  readonly kind: DbKind;
  readonly region: string;
  /** DBInstanceIdentifier / DBClusterIdentifier the snapshot was taken from. */
  readonly dbId: string;
  /** `creating`, `pending`, `copying`, `available`, ... (a free string for DB snapshots). */
  readonly status: string;
  /** `manual`, `automated`, `awsbackup`, ... */
  readonly snapshotType: string;
  /** SnapshotCreateTime: for a copy this is the copy time, so never a recovery-point time. */
  readonly createdAt: Date | null;
  /** OriginalSnapshotCreateTime: instance snapshots only, carried over by copies. */
  readonly originalCreatedAt: Date | null;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SnapshotRef {
  readonly id: string;
  readonly region: string;
  readonly kind: DbKind;
}

export const refOf = (s: Pick<Snapshot, 'id' | 'region' | 'kind'>): SnapshotRef => ({
  id: s.id,
  region: s.region,
  kind: s.kind,
});

/** A snapshot's identity as one string (ids compared lowercase, as AWS stores them). */
export const refKey = (r: Pick<Snapshot, 'region' | 'kind' | 'id'>): string => `${r.region}/${r.kind}/${r.id.toLowerCase()}`;

/** Statuses of a snapshot that is still on its way to `available`. */
export const IN_PROGRESS_STATUSES: ReadonlySet<string> = new Set(['creating', 'pending', 'copying']);

/**
 * An instance as the views (CLI text, the DR dashboard) name it: its id, or `prod-a/jira-1` (account name, else id) when
 * the output spans several accounts, where the same id may be two instances.
 */
export function instanceLabel(i: { readonly instanceId: string; readonly account?: string; readonly accountName?: string | null }, manyAccounts: boolean): string {
  return manyAccounts && i.account ? `${i.accountName ?? i.account}/${i.instanceId}` : i.instanceId;
}

/** Whether a list of instances spans several accounts (their text views then name the account). */
export const spansAccounts = (items: readonly { readonly account?: string }[]): boolean => new Set(items.map((i) => i.account ?? '')).size > 1;

import { AlertsConfig } from './alerts';
import { DrillsConfig } from './drill';
import { ConfiguredInstance, DbKind, Tier } from './types';

/**
 * The validated, frozen configuration the application runs on. Produced by config/load.ts from
 * the YAML file; nothing else in the code reads the file or process.env for settings.
 */
export interface SnapwardConfig {
  /** Absolute path of the file it was loaded from (null when built in code, e.g. tests). */
  readonly configPath: string | null;
  readonly retentionDays: number;
  /** DR region -> KMS key reference (id, ARN or alias) that encrypts copies arriving there. */
  readonly kms: Readonly<Record<string, string>>;
  /** Members listed in the file (origin `config`). */
  readonly instances: readonly ConfiguredInstance[];
  readonly discover: readonly DiscoverRule[];
  readonly state: StateConfig;
  readonly tiers: Readonly<Record<Tier, TierPolicy>>;
  readonly concurrency: ConcurrencyConfig;
  /** How often each member's snapshots are re-listed from AWS (the ledger's drift check). */
  readonly audit: AuditConfig;
  /** S3 attachment buckets and their cross-region replicas, checked by verify-replication. */
  readonly attachments: readonly AttachmentPair[];
  /** The watchdog's alert settings (`alerts` key); absent: defaults, no event bus. */
  readonly alerts?: AlertsConfig;
  /** Limits on ad hoc backups requested by event (`adhoc` key); absent: DEFAULT_ADHOC. */
  readonly adhoc?: AdhocConfig;
  /** Restore drills (`drills` key); absent: DEFAULT_DRILLS (see drillsOf). */
  readonly drills?: DrillsConfig;
  /** Limits on every AWS call (`aws` key): only the keys set; the AWS adapter has the defaults. */
  readonly aws?: Partial<AwsCallConfig>;
  /** How failures that retrying soon will not heal back off (`retry` key); absent: DEFAULT_RETRY. */
  readonly retry?: RetryConfig;
  /** How long work may stay in flight in AWS (`timeouts` key); absent: DEFAULT_TIMEOUTS. */
  readonly timeouts?: TimeoutsConfig;
  /** Other AWS accounts whose databases snapward protects (`accounts` key); absent or []: none. */
  readonly accounts?: readonly AccountConfig[];
  /** A third copy in a separate account (`vault` key); absent: no vault copies. */
  readonly vault?: VaultConfig;
}

/** An AWS account snapward works in through a role (or with the caller's credentials when none). */
export interface AccountConfig {
  /** Unique label used by `instances[].account` and `discover[].account`. */
  readonly name: string;
  /** The 12-digit account id. */
  readonly id: string;
  /** The role assumed to work there; absent: the caller's own credentials (its own account). */
  readonly roleArn?: string;
  /** Sent as sts:AssumeRole's ExternalId whenever set. */
  readonly externalId?: string;
}

/** The vault account: its role, its own keys and retention, and which tiers it receives. */
export interface VaultConfig {
  readonly account: { readonly id: string; readonly roleArn: string; readonly externalId?: string };
  /** DR region -> the vault's KMS key there (vault copies are made within the DR region). */
  readonly kms: Readonly<Record<string, string>>;
  /** Days the vault keeps its copies; independent of the fleet's (default: the fleet's). */
  readonly retentionDays: number;
  /** Tiers that get a vault copy (default: all). */
  readonly tiers: readonly Tier[];
}

export interface RetryConfig {
  /** The longest wait between two attempts of a step failing with a non-retryable error. */
  readonly maxBackoffMs: number;
}

export interface TimeoutsConfig {
  /** A copy `copying` longer than this is cancelled (COPY_TIMED_OUT) and started again later. */
  readonly copyMs: number;
  /** A snapshot `creating` longer than this is reported (CREATE_TIMED_OUT); AWS cannot cancel it. */
  readonly createMs: number;
}

export const DEFAULT_RETRY: RetryConfig = { maxBackoffMs: 6 * 3600 * 1000 };
export const DEFAULT_TIMEOUTS: TimeoutsConfig = { copyMs: 24 * 3600 * 1000, createMs: 12 * 3600 * 1000 };

export interface AwsCallConfig {
  /** TCP connect, per attempt. */
  readonly connectTimeoutMs: number;
  /** Until the answer's headers (and between its packets), per attempt. */
  readonly requestTimeoutMs: number;
  /** A whole call: every attempt and backoff wait. */
  readonly callBudgetMs: number;
}

export interface AdhocConfig {
  /** `Backup Requested` events may create at most this many snapshots per instance in 24 hours. */
  readonly maxPerInstancePerDay: number;
}

export const DEFAULT_ADHOC: AdhocConfig = { maxPerInstancePerDay: 4 };

/** A bucket in a region. */
export interface BucketRef {
  readonly bucket: string;
  readonly region: string;
}

/** An S3 bucket whose objects S3 replication copies to a replica bucket (usually in the DR region). */
export interface AttachmentPair {
  /** Unique label: letters, digits, `-`, `_`, `.`. */
  readonly name: string;
  /** Picks the RPO target the replication gap is held to. */
  readonly tier: Tier;
  readonly source: BucketRef;
  readonly replica: BucketRef;
  /** Only keys under this prefix are checked; '' for the whole bucket. */
  readonly prefix: string;
}

export interface DiscoverRule {
  /** The configured account's name to discover in; absent: the caller's own account. */
  readonly account?: string;
  readonly region: string;
  readonly drRegion: string;
  /** Tag whose value (0..3) is the tier; a database without it is not part of the fleet. */
  readonly tierTag: string;
  /** Which kinds of database to look for. Default: both. */
  readonly kinds: readonly DbKind[];
}

export interface StateConfig {
  /** Absolute path of the SQLite database file. */
  readonly sqlite: string;
}

export interface TierPolicy {
  readonly rpoMs: number;
  readonly rtoMs: number;
  /** How often a scheduled snapshot is due: the backup period. Divides 24 h. */
  readonly snapshotEveryMs: number;
  /** Target for the accountLoss scenario (newest vault copy); absent: no target, not judged. */
  readonly accountLossRpoMs?: number;
}

/**
 * A pass works from the state store's ledger of each member's snapshots and lists from AWS only
 * what it needs: members seen for the first time, snapshots still creating or copying, and a
 * rolling audit that re-lists every member's snapshots once per `everyMs`, a slice per pass.
 */
export interface AuditConfig {
  /** A member whose snapshots were last listed longer ago than this is due for an audit. */
  readonly everyMs: number;
  /**
   * Most members audited per pass (first-time members do not count). Null: the fleet size
   * divided by the passes in `everyMs` at the deployed 15-minute schedule, so each member is
   * audited about once per `everyMs` and the listing cost is spread evenly over the passes.
   */
  readonly membersPerPass: number | null;
}

/** Deployed schedule: one reconcile pass every 15 minutes (infra/). */
export const PASS_INTERVAL_MS = 15 * 60 * 1000;

/** Members to audit in one pass, for a fleet of `fleetSize`. */
export function auditBudget(audit: AuditConfig, fleetSize: number): number {
  if (audit.membersPerPass !== null) return audit.membersPerPass;
  return Math.ceil((fleetSize * PASS_INTERVAL_MS) / Math.max(audit.everyMs, PASS_INTERVAL_MS));
}

export interface ConcurrencyConfig {
  /** Instances worked on at once in a pass. */
  readonly instances: number;
  /** In-flight cross-region copies allowed per destination region (AWS: 20 instance, 5 cluster). */
  readonly instanceCopiesPerRegion: number;
  readonly clusterCopiesPerRegion: number;
}

import { Band } from './rpo';
import { fnv1a32 } from './naming';
import { DAY, HOUR, MINUTE, utcStamp } from './time';
import { DbKind, Tier } from './types';

/**
 * Restore drills: a real restore of a member's newest recovery point into a temporary database,
 * validated, timed (the RTO) and deleted. Vocabulary and naming here; the planner is
 * drill-plan.ts, the executor app/drill-executor.ts.
 */
export type DrillPhase = 'restoring' | 'validating' | 'cleaning' | 'done';
export const DRILL_PHASES: readonly DrillPhase[] = ['restoring', 'validating', 'cleaning', 'done'];
export type DrillOutcome = 'succeeded' | 'failed' | 'cancelled';
/** schedule: started by a pass because it was due; adhoc: `snapward drill <id>`. */
export type DrillTrigger = 'schedule' | 'adhoc';
export type DrillSourceChoice = 'dr' | 'primary';

/** The recovery point a drill restores. */
export interface DrillSource {
  readonly region: string;
  readonly snapshotId: string;
  readonly snapshotArn: string;
  /** When the data was captured (the original snapshot time, for a copy too). */
  readonly recoveryPointTime: Date;
  readonly encrypted: boolean;
  /** The key the snapshot is encrypted with; the restored database must use the same one. */
  readonly kmsKeyId: string | null;
  /** The snapshot's engine, read when the restore is requested; null until then. */
  readonly engine: string | null;
}

export interface DrillCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface DrillHookResult {
  /** The command's exit code; for a Lambda hook 0 when it answered ok, 1 otherwise; null when it timed out. */
  readonly exitCode: number | null;
  /** Output kept as evidence (truncated). */
  readonly output: string;
}

export interface DrillValidation {
  readonly checks: readonly DrillCheck[];
  readonly hook: DrillHookResult | null;
}

export interface DrillError {
  readonly code: string;
  readonly message: string;
  /** The step that failed: restore, create-instance, validate, cleanup, ... */
  readonly step: string;
}

/** One drill, as stored. Written after every step, so a killed process loses nothing. */
export interface DrillRecord {
  readonly drillId: string;
  readonly instanceId: string;
  /**
   * The 12-digit id of the instance's account, where the drill restores. Absent in drills recorded
   * before accounts: the caller's own (app/drill-records.ts fills it in when reading).
   */
  readonly account?: string;
  readonly kind: DbKind;
  /** The member's primary region (where it lives), not where the drill restores. */
  readonly region: string;
  readonly tier: Tier;
  readonly trigger: DrillTrigger;
  readonly phase: DrillPhase;
  /** Null until the drill is done. */
  readonly outcome: DrillOutcome | null;
  readonly source: DrillSource;
  /** The temporary DB instance (instance drill) or DB cluster (cluster drill); restored into source.region. */
  readonly restoredId: string;
  /** A cluster drill's one DB instance inside the restored cluster; null for an instance drill. */
  readonly restoredInstanceId: string | null;
  /** When the drill was recorded (before the restore request). */
  readonly createdAt: Date;
  /** When the restore was requested (the RTO clock starts); null until it was. */
  readonly startedAt: Date | null;
  readonly availableAt: Date | null;
  readonly validatedAt: Date | null;
  readonly finishedAt: Date | null;
  /** startedAt -> validatedAt; null until validated. */
  readonly rtoSeconds: number | null;
  readonly rtoTargetSeconds: number;
  readonly band: Band | null;
  /** Age of the tested recovery point when the restore was requested: the RPO the drill would have delivered. */
  readonly recoveryPointAgeSeconds: number | null;
  readonly validation: DrillValidation | null;
  /** Why the drill failed (it then goes to cleanup and ends `failed`). */
  readonly error: DrillError | null;
  /** Set by `drill --cancel`: the drill goes to cleanup and ends `cancelled`. */
  readonly cancelRequested: boolean;
  /** The last cleanup attempt's failure (cleanup is retried every pass until the database is gone). */
  readonly cleanupError: DrillError | null;
  readonly updatedAt: Date;
}

/** The `drills:` settings, defaults applied. */
export interface DrillsConfig {
  /** Per tier: how often a drill is due. Tiers without an entry are not drilled on a schedule. */
  readonly everyMs: Readonly<Partial<Record<Tier, number>>>;
  readonly source: DrillSourceChoice;
  /** Scheduled drills in flight per restore region. */
  readonly maxConcurrent: number;
  /** A drill database older than this is swept; a drill stuck in a phase this long fails. */
  readonly maxAgeMs: number;
  readonly hookTimeoutMs: number;
  readonly regions: Readonly<Record<string, DrillRegionConfig>>;
  readonly validate: DrillHookConfig | null;
}

export interface DrillRegionConfig {
  readonly subnetGroup?: string;
  readonly securityGroups?: readonly string[];
  readonly instanceClass?: string;
}

export interface DrillHookConfig {
  /** CLI: a command run with SNAPWARD_DRILL_* in its environment; exit 0 = pass. */
  readonly command?: string;
  /** Lambda: a function invoked with the same fields as JSON, answering { ok, message }. */
  readonly lambdaArn?: string;
}

export const DEFAULT_DRILLS: DrillsConfig = Object.freeze({
  everyMs: Object.freeze({ 0: 90 * DAY, 1: 90 * DAY }),
  source: 'dr',
  maxConcurrent: 2,
  maxAgeMs: 24 * HOUR,
  hookTimeoutMs: 15 * MINUTE,
  regions: Object.freeze({}),
  validate: null,
}) as DrillsConfig;

/** A scheduled drill that failed is not retried before this (no restore storms). */
export const FAILED_DRILL_BACKOFF_MS = DAY;
/** Drill Overdue opens this long after a drill became due. */
export const DRILL_OVERDUE_GRACE_MS = 7 * DAY;

/** The tag every drill database carries: the sweeper and the IAM conditions key on it. */
export const DRILL_TAG = 'snapward:drill';
export const DRILL_SOURCE_TAG = 'snapward:drill-source';

/** `drill-20261124153000-1a2b3c4d`: sortable by time, distinct per member. */
export function drillIdFor(memberKey: string, at: Date): string {
  return `drill-${utcStamp(at)}-${fnv1a32(memberKey)}`;
}

/**
 * `sw-drill-<instance>-<stamp>`: valid as a DB instance and a DB cluster identifier (letter first,
 * letters, digits and single hyphens, no trailing hyphen, at most 63; here at most 53, leaving room
 * for a cluster member's `-1`). A long or odd instance id is cut and followed by its hash.
 */
export function restoredIdFor(instanceId: string, at: Date): string {
  const slug = instanceId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  let body = slug;
  if (slug.length > 29 || slug !== instanceId.toLowerCase() || !/^[a-z0-9]/.test(slug)) {
    body = `${slug.slice(0, 20).replace(/-+$/, '')}-${fnv1a32(instanceId.toLowerCase())}`.replace(/^-/, '');
  }
  return `sw-drill-${body}-${utcStamp(at)}`;
}

/** The one DB instance created inside a cluster drill's restored cluster. */
export const clusterMemberIdFor = (restoredId: string): string => `${restoredId}-1`;

export const MAX_DRILL_DB_ID_LENGTH = 63;

/** A drill database as AWS reports it (a DB instance or a DB cluster). */
export interface DrillDatabase {
  readonly id: string;
  readonly kind: DbKind;
  readonly region: string;
  /** `creating`, `available`, `deleting`, `failed`, ... */
  readonly status: string;
  /** InstanceCreateTime / ClusterCreateTime; null while AWS has not set it yet. */
  readonly createdAt: Date | null;
  readonly engine: string;
  readonly encrypted: boolean;
  readonly kmsKeyId: string | null;
  readonly endpoint: string | null;
  readonly port: number | null;
  readonly tags: Readonly<Record<string, string>>;
  /** For a DB instance inside a cluster. */
  readonly clusterId?: string;
}

/** The drill settings of a configuration, defaults when it has none. */
export const drillsOf = (config: { readonly drills?: DrillsConfig }): DrillsConfig => config.drills ?? DEFAULT_DRILLS;

/** Whose drill it is: ids are unique per account only, so drills are matched by account and id. */
export const drillSubject = (d: { readonly account?: string; readonly instanceId: string }): string => `${d.account ?? ''}/${d.instanceId}`;

/** The same key for a member: `drillSubject` of its drills. */
export const memberDrillSubject = (m: { readonly account: string; readonly id: string }): string => `${m.account}/${m.id}`;

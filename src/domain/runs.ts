import { ErrorInfo } from './errors';
import { StepPhase } from './steps';
import { DbKind } from './types';

/**
 * The vocabulary of runs: what a run is, what it did for each instance, and its summary. Kept in
 * the domain (not in the store's port) because the engine, the CLI and the reports all speak it.
 */

/** reconcile: a fleet pass; backup: an ad hoc snapshot; check: the RPO watchdog; verify-replication: the S3 check. */
export type RunKind = 'reconcile' | 'backup' | 'check' | 'verify-replication';
/** What started the run: the operator CLI, a schedule, an operator event, ... */
export type RunTrigger = 'cli' | 'schedule' | 'event' | 'demo' | 'test';
export type RunOutcome = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';

/** Who is executing a run; used to tell a crashed run from one still going. */
export interface RunOwner {
  readonly host: string;
  readonly pid: number;
}

export interface SnapshotAction {
  readonly id: string;
  readonly region: string;
  readonly kind: DbKind;
}

/** What one run did for one instance. Written as soon as the instance is done. */
export interface InstanceResult {
  readonly instanceId: string;
  /** The 12-digit id of the instance's account (absent in runs recorded before accounts). */
  readonly account?: string;
  /** The configured name of that account; null for the caller's own. */
  readonly accountName?: string | null;
  readonly kind: DbKind;
  readonly region: string;
  readonly drRegion: string;
  /** ok: nothing failed; failed: at least one step failed. */
  readonly status: 'ok' | 'failed';
  readonly created: readonly SnapshotAction[];
  readonly copied: readonly SnapshotAction[];
  readonly deleted: readonly SnapshotAction[];
  /** Vault copies started (in the vault account, the DR region); absent: none (or a run recorded before vaults). */
  readonly vaulted?: readonly SnapshotAction[];
  /** Vault copies the vault's retention deleted; absent: none. */
  readonly vaultDeleted?: readonly SnapshotAction[];
  /** Snapshots still creating or copying: the next pass picks them up. */
  readonly inProgress: readonly SnapshotAction[];
  /** Work not started this pass, and why (a copy over its region's in-flight limit, a backoff). */
  readonly deferred: readonly DeferredWork[];
  readonly warnings: readonly string[];
  readonly errors: readonly ErrorInfo[];
  /**
   * Every step the pass planned for the instance, with its phase after the pass (absent in runs
   * recorded before steps existed). The other lists above are views of these.
   */
  readonly steps?: readonly StepResult[];
  /** Failed attempts in a row of the instance's failing step (0 when nothing is failing). */
  readonly attempts?: number;
  /** When a failing step is tried again (a backoff); null when at the next pass. */
  readonly nextAttemptAt?: Date | null;
}

/** A step that waits, and why. */
export interface DeferredWork extends SnapshotAction {
  /** The step's kind ('copy', ...). */
  readonly step?: string;
  /** e.g. `20 in flight to us-west-2 (limit 20)` or `backing off until ...` */
  readonly reason?: string;
}

/** One step of a pass, as recorded in the instance's result (domain/steps.ts). */
export interface StepResult {
  readonly id: string;
  readonly kind: string;
  readonly target: SnapshotAction;
  readonly phase: StepPhase;
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly error: ErrorInfo | null;
  /** Why a step waits (deferred, backoff) or is blocked. */
  readonly reason: string | null;
}

export interface RunSummary {
  readonly instances: number;
  /** Members with nothing due, left alone by the pass (absent in runs recorded before the ledger). */
  readonly upToDate?: number;
  /** Members not reached because another live run held them (absent in runs recorded before). */
  readonly skipped?: number;
  readonly failed: number;
  readonly created: number;
  readonly copied: number;
  readonly deleted: number;
  /** Vault copies started and deleted; absent: none. */
  readonly vaulted?: number;
  readonly vaultDeleted?: number;
  readonly inProgress: number;
  readonly warnings: number;
  /** Steps deferred by this pass (copy slots taken, ...); absent in runs recorded before. */
  readonly deferred?: number;
}

export interface RunRecord {
  readonly id: string;
  readonly kind: RunKind;
  readonly trigger: RunTrigger;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly outcome: RunOutcome;
  readonly owner: RunOwner;
  /** Last sign of life from the owner; a running run with an old heartbeat is presumed dead. */
  readonly heartbeatAt: Date;
  readonly summary: RunSummary | null;
  /** Why the run as a whole failed or was interrupted (instance failures live in the results). */
  readonly error: ErrorInfo | null;
  /** What a run of another kind than reconcile found (a JSON document), e.g. verification results. */
  readonly details: unknown;
}


/**
 * Where one instance's result is kept within its run, and its place in the fleet: ids are unique
 * per account and region only, so it carries both, like the ledger's memberKey. Results of runs
 * from before accounts carry no account: their id alone.
 */
export function resultPlace(result: Pick<InstanceResult, 'instanceId' | 'account' | 'region' | 'kind'>): string {
  return result.account ? `${result.account}/${result.region}/${result.kind}/${result.instanceId}` : result.instanceId;
}

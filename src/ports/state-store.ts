import { ErrorInfo } from '../domain/errors';
import { DbKind } from '../domain/types';

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
  readonly kind: DbKind;
  readonly region: string;
  readonly drRegion: string;
  /** ok: nothing failed; failed: at least one step failed. */
  readonly status: 'ok' | 'failed';
  readonly created: readonly SnapshotAction[];
  readonly copied: readonly SnapshotAction[];
  readonly deleted: readonly SnapshotAction[];
  /** Snapshots still creating or copying: the next pass picks them up. */
  readonly inProgress: readonly SnapshotAction[];
  /** Copies not started this pass because the in-flight copy limit was reached. */
  readonly deferred: readonly SnapshotAction[];
  readonly warnings: readonly string[];
  readonly errors: readonly ErrorInfo[];
}

export interface RunSummary {
  readonly instances: number;
  readonly failed: number;
  readonly created: number;
  readonly copied: number;
  readonly deleted: number;
  readonly inProgress: number;
  readonly warnings: number;
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

export interface NewRun {
  readonly id: string;
  readonly kind: RunKind;
  readonly trigger: RunTrigger;
  readonly startedAt: Date;
  readonly owner: RunOwner;
}

export interface FinishRun {
  readonly finishedAt: Date;
  readonly outcome: Exclude<RunOutcome, 'running'>;
  readonly summary: RunSummary | null;
  readonly error: ErrorInfo | null;
  /** Optional JSON document stored with the run (null when absent). */
  readonly details?: unknown;
}

/**
 * Where runs are recorded. One contract, several drivers (memory, SQLite, later DynamoDB), all
 * proven by the same contract test suite.
 */
export interface StateStore {
  /** Records a new run as `running`. */
  startRun(run: NewRun): Promise<void>;
  /** Stores (or replaces) one instance's result for a run and refreshes the run's heartbeat. */
  recordInstance(runId: string, result: InstanceResult, at: Date): Promise<void>;
  /** Refreshes the run's heartbeat without other change. */
  heartbeat(runId: string, at: Date): Promise<void>;
  /**
   * Closes a run. Only a `running` run can be finished; finishing again is a no-op returning
   * false, so a late finish never overwrites an `interrupted` verdict.
   */
  finishRun(runId: string, finish: FinishRun): Promise<boolean>;
  getRun(runId: string): Promise<RunRecord | null>;
  /** Newest first. */
  listRuns(options?: { limit?: number; kind?: RunKind }): Promise<RunRecord[]>;
  /** The runs still marked `running`. */
  listRunning(): Promise<RunRecord[]>;
  /** An instance's results for one run, in the order they were recorded. */
  listInstanceResults(runId: string): Promise<InstanceResult[]>;
  close(): Promise<void>;
}

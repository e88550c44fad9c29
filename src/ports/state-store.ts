import { ErrorInfo } from '../domain/errors';
import { DrillStore } from './drill-store';
import { ComplianceDay } from '../domain/history';
import { MemberState, MemberStateSummary } from '../domain/ledger';
import { DbKind } from '../domain/types';
import { FindingKind } from '../domain/findings';

export type { RunKind, RunTrigger, RunOutcome, RunOwner, SnapshotAction, InstanceResult, RunSummary, RunRecord, StepResult, DeferredWork } from '../domain/runs';
import type { RunKind, RunTrigger, RunOutcome, RunOwner, InstanceResult, RunSummary, RunRecord } from '../domain/runs';

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
export interface StateStore extends FindingStore, LeaseStore, LedgerStore, ComplianceHistoryStore, DrillStore {
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

/** Finding kinds are domain vocabulary (domain/findings.ts); re-exported for the store's users. */
export { FINDING_KINDS } from '../domain/findings';
export type { FindingKind } from '../domain/findings';

export type { Finding, Acknowledgement, FindingObservation } from '../domain/findings';
import type { Finding, Acknowledgement, FindingObservation } from '../domain/findings';

/** Findings, kept by the same store as runs. */
export interface FindingStore {
  /**
   * Records that a condition holds: opens a finding when none is open for `key` (conditional,
   * so two concurrent checks open only one), otherwise refreshes `lastSeenAt` and `detail` of
   * the open one. Returns the open finding.
   */
  observeFinding(observation: FindingObservation): Promise<Finding>;
  /** Closes an open finding; false (no change) when it is not open. */
  resolveFinding(id: string, at: Date): Promise<boolean>;
  /** Records delivery of the open event (`open`) or of the Resolved event (`resolved`). */
  markFindingNotified(id: string, which: 'open' | 'resolved', at: Date): Promise<void>;
  getFinding(id: string): Promise<Finding | null>;
  /**
   * Sets (or with null clears) the acknowledgement of an open finding. False (no change) when
   * the finding is not open; a STATE_STORE_ERROR when it does not exist.
   */
  acknowledgeFinding(id: string, ack: Acknowledgement | null): Promise<boolean>;
  /** Newest opened first; `status` filters. */
  listFindings(options?: { status?: 'open' | 'resolved'; limit?: number }): Promise<Finding[]>;
}

/**
 * Leases keep two overlapping invocations (a schedule and an async retry, two operators) from
 * acting on the same instance at once. A lease is held by an owner until it expires or is
 * released; taking an expired lease is allowed. Conditional writes make it safe across processes.
 */
export interface LeaseStore {
  /**
   * True when `owner` now holds `name` until `at + ttlMs` (also when it already held it: renewal).
   * `replacing`: also take it from that holder, expired or not (a run known to be dead).
   */
  acquireLease(name: string, owner: string, ttlMs: number, at: Date, replacing?: string): Promise<boolean>;
  /** Who holds `name` at `at` (an unexpired lease), or null. */
  leaseHolder(name: string, at: Date): Promise<string | null>;
  /** Releases `name` if `owner` holds it; a no-op otherwise. */
  releaseLease(name: string, owner: string): Promise<void>;
}

/**
 * The ledger of each member's snapshots (domain/ledger.ts). A member's state is written only by
 * the holder of its instance lease, so plain puts are enough.
 */
export interface LedgerStore {
  /** Every member's state without its snapshots: the one read an idle pass makes. */
  listMemberStates(): Promise<MemberStateSummary[]>;
  getMemberState(key: string): Promise<MemberState | null>;
  /** Stores (or replaces) one member's state. */
  putMemberState(state: MemberState): Promise<void>;
}

/**
 * The daily compliance history (domain/history.ts): one entry per instance and UTC day, replaced
 * whole by `putCompliance`. Kept COMPLIANCE_RETENTION_DAYS: a driver drops (or lets expire) older
 * days, and a listing never returns a day more than that before its `to`.
 */
export interface ComplianceHistoryStore {
  /** Stores (or replaces) entries, keyed by (day, instanceId). */
  putCompliance(entries: readonly ComplianceDay[]): Promise<void>;
  /** Entries with `from <= day <= to` (UTC days), by day then instance id. */
  listCompliance(range: { readonly from: string; readonly to: string }): Promise<ComplianceDay[]>;
}

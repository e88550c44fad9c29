import { ErrorInfo } from './errors';
import { DbKind, SnapshotRef } from './types';

/**
 * Work as data. A member's work in a pass is a list of typed steps (create a snapshot, copy it to
 * a region, expire one; later drill phases, vault copies). Each kind of work is one planner and one
 * executor registered in app/kinds/; everything else (results, summaries, the dry run, the due-time
 * rule, status, the CLI tables) loops over steps and never asks which kind a step is.
 */

/**
 * Where a step stands:
 * - `ready`: planned, runs this pass;
 * - `deferred`: waits for a scarce resource (a copy slot of its destination region);
 * - `backoff`: failed with an error that retrying soon will not heal; waits until `nextAttemptAt`;
 * - `in-flight`: started in AWS and not finished (a snapshot creating, a copy copying);
 * - `blocked`: cannot be done until someone acts (its id is taken by a foreign snapshot);
 * - `done` / `failed`: what this pass's attempt gave.
 */
export type StepPhase = 'ready' | 'deferred' | 'backoff' | 'in-flight' | 'blocked' | 'done' | 'failed';

/**
 * A scarce resource a step holds while in flight: an in-flight copy slot of a destination region.
 * AWS counts copies per account and destination region, so the slot names the account.
 */
export interface StepSlot {
  /** The 12-digit id of the account the copy is made in. */
  readonly account: string;
  readonly region: string;
  readonly dbKind: DbKind;
}

export const slotId = (slot: StepSlot): string => `${slot.account}/${slot.region}/${slot.dbKind}`;

/**
 * A step's memory across passes, kept in the member's ledger: how often it failed, when it may be
 * tried again, and when its work started and finished in AWS (copy durations give the copy
 * capacity). The ledger keeps steps that are in flight, failing or waiting, and recently finished
 * steps that held a slot (for the durations).
 */
export interface StepState {
  /** Deterministic: `<kind>:<region>/<snapshot id>`; the same work has the same id in every pass. */
  readonly id: string;
  readonly kind: string;
  readonly target: SnapshotRef;
  readonly slot: StepSlot | null;
  readonly phase: StepPhase;
  /** Failed attempts in a row (0 once it succeeds). */
  readonly attempts: number;
  /** Not tried before this time (a backoff); null: at the next pass. */
  readonly nextAttemptAt: Date | null;
  readonly lastError: ErrorInfo | null;
  /** When the work started in AWS (the create or copy call that AWS accepted). */
  readonly startedAt: Date | null;
  /** When a pass first saw the work finished in AWS (the snapshot `available`). */
  readonly finishedAt: Date | null;
  /** Why it waits (deferred, blocked), in words for the operator. */
  readonly reason?: string | null;
}

export const stepId = (kind: string, target: Pick<SnapshotRef, 'region' | 'id'>): string => `${kind}:${target.region}/${target.id.toLowerCase()}`;

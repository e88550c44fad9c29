import { SnapwardConfig } from '../domain/config';
import { AlertsConfig } from '../domain/alerts';
import { Accounts } from '../ports/accounts';
import { Clock } from '../ports/clock';
import { DrillHook } from '../ports/drill-hook';
import { RestoreProvider } from '../ports/restore-provider';
import { EventPublisher } from '../ports/event-publisher';
import { KeyResolver } from '../ports/key-resolver';
import { Logger } from '../ports/logger';
import { ObjectStore } from '../ports/object-store';
import { SnapshotProvider } from '../ports/snapshot-provider';
import { RunOwner, StateStore } from '../ports/state-store';

/** What the use cases need, built once by the composition root (CLI, Lambda, tests). */
export interface AppDeps {
  readonly config: SnapwardConfig;
  /** The caller's own account's RDS; a member's work goes through `accounts.scope(member.account)`. */
  readonly provider: SnapshotProvider;
  /** The caller's own account's KMS. */
  readonly keys: KeyResolver;
  /** Every account the fleet spans, the caller's own included, and the vault. */
  readonly accounts: Accounts;
  /** S3 buckets, for the attachment replication checks. */
  readonly objects: ObjectStore;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runtime: Runtime;
  /** Where alert events go; null when no bus is configured (findings are still tracked). */
  readonly events: EventPublisher | null;
  readonly alerts: AlertsConfig;
  /** Restores and deletes restore drills' temporary databases (the caller's own account). */
  readonly restores: RestoreProvider;
  /** The drills' validation hook (`drills.validate`); null when none is configured. */
  readonly drillHook: DrillHook | null;
}

/** Facts about the executing process, injected so tests can play several processes. */
export interface Runtime {
  readonly owner: RunOwner;
  /** False only when the owner is known to be gone (e.g. its pid no longer exists on this host). */
  isAlive(owner: RunOwner): boolean;
  newRunId(startedAt: Date): string;
  /** A fresh, unique finding id. */
  newFindingId(at: Date): string;
}

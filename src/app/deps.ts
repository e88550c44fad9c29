import { SnapwardConfig } from '../domain/config';
import { AlertsConfig } from '../domain/alerts';
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
  readonly provider: SnapshotProvider;
  readonly keys: KeyResolver;
  /** S3 buckets, for the attachment replication checks. */
  readonly objects: ObjectStore;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runtime: Runtime;
  /** Where alert events go; null when no bus is configured (findings are still tracked). */
  readonly events: EventPublisher | null;
  readonly alerts: AlertsConfig;
  /** Restores and deletes restore drills' temporary databases. */
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

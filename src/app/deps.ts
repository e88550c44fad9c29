import { SnapwardConfig } from '../domain/config';
import { Clock } from '../ports/clock';
import { KeyResolver } from '../ports/key-resolver';
import { Logger } from '../ports/logger';
import { SnapshotProvider } from '../ports/snapshot-provider';
import { RunOwner, StateStore } from '../ports/state-store';

/** What the use cases need, built once by the composition root (CLI, Lambda, tests). */
export interface AppDeps {
  readonly config: SnapwardConfig;
  readonly provider: SnapshotProvider;
  readonly keys: KeyResolver;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runtime: Runtime;
}

/** Facts about the executing process, injected so tests can play several processes. */
export interface Runtime {
  readonly owner: RunOwner;
  /** False only when the owner is known to be gone (e.g. its pid no longer exists on this host). */
  isAlive(owner: RunOwner): boolean;
  newRunId(startedAt: Date): string;
}

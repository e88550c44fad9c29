import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AwsClientOptions, AwsClients } from './adapters/aws/clients';
import { KmsKeyResolver } from './adapters/aws/kms-key-resolver';
import { RdsSnapshotProvider } from './adapters/aws/rds-snapshot-provider';
import { SqliteStateStore } from './adapters/state/sqlite-state-store';
import { AppDeps, Runtime } from './app/deps';
import { SnapwardConfig } from './domain/config';
import { utcStamp } from './domain/time';
import { Clock, systemClock } from './ports/clock';
import { Logger } from './ports/logger';
import { RunOwner, StateStore } from './ports/state-store';

/**
 * The composition root: the one place that picks concrete adapters. The CLI, the Lambda
 * handlers, the demo and the integration tests all build the application through here.
 */
export interface BuildOptions {
  readonly config: SnapwardConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Defaults to the SQLite file named in the config. */
  readonly store?: StateStore;
  readonly aws?: AwsClientOptions;
}

export interface App {
  readonly deps: AppDeps;
  readonly clients: AwsClients;
  close(): Promise<void>;
}

export function buildApp(options: BuildOptions): App {
  const clients = new AwsClients(options.aws);
  const store = options.store ?? SqliteStateStore.open(options.config.state.sqlite);
  const deps: AppDeps = {
    config: options.config,
    provider: new RdsSnapshotProvider(clients),
    keys: new KmsKeyResolver(clients),
    store,
    clock: options.clock ?? systemClock,
    logger: options.logger,
    runtime: processRuntime(),
  };
  return {
    deps,
    clients,
    async close() {
      clients.destroy();
      await store.close();
    },
  };
}

export function processRuntime(owner: RunOwner = { host: hostname(), pid: process.pid }): Runtime {
  return {
    owner,
    isAlive(other: RunOwner): boolean {
      if (other.host !== owner.host) return true; // cannot tell: the heartbeat decides
      if (other.pid === owner.pid) return true;
      try {
        process.kill(other.pid, 0);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, not ours to signal
      }
    },
    // Sortable by time, unique across hosts: r-20261124153000-9f3a1c2b
    newRunId: (startedAt: Date) => `r-${utcStamp(startedAt)}-${randomBytes(4).toString('hex')}`,
  };
}

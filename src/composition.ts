import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AccountClients } from './adapters/aws/account-credentials';
import { AwsAccounts } from './adapters/aws/account-directory';
import { AwsPreflightProbe } from './adapters/aws/aws-preflight';
import { AwsClientOptions, AwsClients } from './adapters/aws/clients';
import { EventBridgePublisher } from './adapters/aws/eventbridge-publisher';
import { KmsKeyResolver } from './adapters/aws/kms-key-resolver';
import { RdsSnapshotProvider } from './adapters/aws/rds-snapshot-provider';
import { buildDrillHook } from './composition-drill-hook';
import { RdsRestoreProvider } from './adapters/aws/rds-restore-provider';
import { S3ObjectStore } from './adapters/aws/s3-object-store';
import { S3ReportSink } from './adapters/aws/s3-report-sink';
import { ReportSink } from './ports/report-sink';
import type { SqliteStateStore } from './adapters/state/sqlite-state-store';
import { AppDeps, Runtime } from './app/deps';
import { DEFAULT_ALERTS } from './domain/alerts';
import { SnapwardConfig } from './domain/config';
import { utcStamp } from './domain/time';
import { Clock, systemClock } from './ports/clock';
import { Logger } from './ports/logger';
import { PreflightProbe } from './ports/preflight';
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
  /** Clients already built (e.g. by a Lambda bootstrap that read its config from S3). */
  readonly clients?: AwsClients;
  /**
   * How the config's SQLite file is opened when no `store` is given. `readonly`: never created,
   * migrated or written (commands that only read, dry runs); a missing file reads as empty.
   * `none`: an empty in-memory store, the file untouched (the doctor inspects the file itself).
   * @default 'readwrite'
   */
  readonly storeMode?: 'readwrite' | 'readonly' | 'none';
  /**
   * Who is acting, for the session name of every assumed role (`snapward-<entryPoint>`): `cli`,
   * `reconcile`, `check`, ... CloudTrail in a member account shows it.
   * @default 'cli'
   */
  readonly entryPoint?: string;
}

export interface App {
  readonly deps: AppDeps;
  readonly clients: AwsClients;
  /** The doctor's read-only account questions. */
  readonly preflight: PreflightProbe;
  close(): Promise<void>;
}

export function buildApp(options: BuildOptions): App {
  // Emulators (moto, LocalStack) need path-style S3 URLs; AWS itself is fine either way.
  const clients = options.clients ?? createClients(options.aws);
  const mode = options.storeMode ?? 'readwrite';
  const store =
    options.store ?? (mode === 'none' ? openMemory() : mode === 'readonly' ? openSqliteReadOnly(options.config.state.sqlite) : openSqlite(options.config.state.sqlite));
  const alerts = options.config.alerts ?? DEFAULT_ALERTS;
  const own = { provider: new RdsSnapshotProvider(clients), keys: new KmsKeyResolver(clients), restores: new RdsRestoreProvider(clients) };
  const accountClients = new AccountClients(clients, { entryPoint: options.entryPoint ?? 'cli', stsRegion: stsRegionOf(options.config) });
  const deps: AppDeps = {
    config: options.config,
    provider: own.provider,
    keys: own.keys,
    accounts: new AwsAccounts(options.config, accountClients, own),
    objects: new S3ObjectStore(clients),
    store,
    clock: options.clock ?? systemClock,
    logger: options.logger,
    runtime: processRuntime(),
    alerts,
    events: alerts.eventBus && alerts.region ? new EventBridgePublisher(clients, alerts.eventBus, alerts.region, options.logger) : null,
    restores: own.restores,
    drillHook: buildDrillHook(options.config, clients),
  };
  return {
    deps,
    clients,
    preflight: new AwsPreflightProbe(clients),
    async close() {
      clients.destroy();
      await store.close();
    },
  };
}

/**
 * Where STS is asked (GetCallerIdentity, AssumeRole): the process's region, else the fleet's first
 * region. Regional endpoints, because the global one's tokens fail in opt-in regions.
 */
function stsRegionOf(config: SnapwardConfig): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? config.instances[0]?.region ?? config.discover[0]?.region ?? 'us-east-1';
}

/**
 * AWS clients with snapward's defaults. Emulators (any AWS_ENDPOINT_URL) need path-style S3
 * addressing; real S3 does not. Explicit options win.
 */
export function createClients(options: AwsClientOptions = {}): AwsClients {
  const s3ForcePathStyle = Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);
  return new AwsClients({ s3ForcePathStyle, ...options });
}

/**
 * Loaded on demand: better-sqlite3 is a native module the Lambda bundles leave out (they use
 * DynamoDB), so nothing on their path may load it.
 */
function openSqlite(path: string): StateStore {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SqliteStateStore: Sqlite } = require('./adapters/state/sqlite-state-store') as { SqliteStateStore: typeof SqliteStateStore };
  return Sqlite.open(path);
}

/** The SQLite file opened read-only; no file yet reads as an empty store (and none is created). */
function openSqliteReadOnly(path: string): StateStore {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SqliteStateStore: Sqlite } = require('./adapters/state/sqlite-state-store') as { SqliteStateStore: typeof SqliteStateStore };
  return Sqlite.openReadOnly(path) ?? openMemory();
}

/** An empty store in memory: SQLite too (memory-state-store.ts), so loaded on demand like it. */
function openMemory(): StateStore {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MemoryStateStore: Memory } = require('./adapters/state/memory-state-store') as typeof import('./adapters/state/memory-state-store');
  return new Memory();
}

/** The doctor's look at the state file (loaded on demand, like the store itself). */
export function inspectStateFile(path: string): import('./adapters/state/sqlite-health').StoreHealth {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./adapters/state/sqlite-health') as typeof import('./adapters/state/sqlite-health')).inspectSqliteStore(path);
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
    newFindingId: (at: Date) => `f-${utcStamp(at)}-${randomBytes(4).toString('hex')}`,
  };
}

/** The report bucket the scheduled report writes to (handlers reach adapters only through here). */
export function reportSink(clients: AwsClients, bucket: string, region: string): ReportSink {
  return new S3ReportSink(clients, bucket, region);
}

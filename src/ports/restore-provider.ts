import { DrillDatabase } from '../domain/drill';
import { DbKind } from '../domain/types';

/** A restore of a snapshot into a new, temporary database (a restore drill). */
export interface RestoreRequest {
  readonly kind: DbKind;
  readonly region: string;
  readonly snapshotId: string;
  /** New DB instance id (instance drill) or DB cluster id (cluster drill). */
  readonly targetId: string;
  /** The snapshot's engine (RestoreDBClusterFromSnapshot requires it). */
  readonly engine: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Omitted: the region's default subnet group. */
  readonly subnetGroup?: string;
  readonly securityGroups?: readonly string[];
  /** Instance drills only; omitted: the source's class. */
  readonly instanceClass?: string;
}

/** One DB instance inside a restored cluster. */
export interface ClusterInstanceRequest {
  readonly region: string;
  readonly clusterId: string;
  readonly instanceId: string;
  readonly engine: string;
  readonly instanceClass: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Restores and deletes temporary databases for drills. Restores are never public, have deletion
 * protection off and no automated backups (as far as each API allows). Implementations classify
 * AWS errors into SnapwardError codes.
 */
export interface RestoreProvider {
  /** The engine of a snapshot, or null when it does not exist. */
  snapshotEngine(kind: DbKind, region: string, snapshotId: string): Promise<string | null>;
  restore(request: RestoreRequest): Promise<DrillDatabase>;
  createClusterInstance(request: ClusterInstanceRequest): Promise<DrillDatabase>;
  /** A DB instance or cluster by id, or null when it does not exist. */
  describe(kind: DbKind, region: string, id: string): Promise<DrillDatabase | null>;
  /** The instance class of a cluster's writer (for a cluster drill's instance); null when unknown. */
  writerClass(region: string, clusterId: string): Promise<string | null>;
  /**
   * Deletes without a final snapshot and with its automated backups (a cluster's DB instance:
   * plainly, the cluster holds the data). Gone already: no error.
   */
  deleteDatabase(db: Pick<DrillDatabase, 'kind' | 'region' | 'id' | 'clusterId'>): Promise<void>;
  /** DB instances and clusters in `region` that carry the `snapward:drill` tag. */
  listDrillDatabases(region: string): Promise<DrillDatabase[]>;
}

/**
 * S3 facts the replication verifier reasons about. Pure data: the S3 adapter maps SDK shapes into
 * these, so the rules and the merge never see an SDK type.
 */

/** One object as ListObjectsV2 reports it. Listings carry no version id and no replication status. */
export interface ObjectSummary {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

/**
 * `x-amz-replication-status` of one object. Sources in a rule's scope go PENDING -> COMPLETED or
 * FAILED; replicas say REPLICA. The SDK also knows `COMPLETE`, which the adapter folds into
 * COMPLETED. Objects outside every rule have no status at all (null in ObjectHead).
 */
export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

/** One object as HeadObject reports it (the current version). */
export interface ObjectHead {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  readonly versionId: string | null;
  readonly replicationStatus: ReplicationStatus | null;
}

/** `Off`: versioning was never enabled (GetBucketVersioning returns no Status). */
export type VersioningStatus = 'Enabled' | 'Suspended' | 'Off';

export type Toggle = 'Enabled' | 'Disabled';

/** One rule of a bucket's replication configuration, with V1 (legacy `Prefix`) and V2 (`Filter`) folded together. */
export interface ReplicationRule {
  readonly id: string | null;
  readonly status: Toggle;
  readonly priority: number | null;
  /** Filter prefix (V2), or the rule's legacy Prefix (V1); '' when the rule has neither. */
  readonly prefix: string;
  /**
   * What narrows the rule below its prefix: `a tag filter` (only tagged objects replicate) or
   * `exclusions` (a Not filter); null when every key under the prefix is in scope.
   */
  readonly narrowedBy: string | null;
  /** `arn:aws:s3:::bucket` */
  readonly destinationBucketArn: string;
  /** null when the rule does not say (V1 rules). */
  readonly deleteMarkerReplication: Toggle | null;
  /** SourceSelectionCriteria.SseKmsEncryptedObjects: SSE-KMS objects replicate only when Enabled. */
  readonly sseKmsEncryptedObjects: Toggle | null;
  readonly replicaKmsKeyId: string | null;
  /** Replication Time Control (the 15-minute SLA). */
  readonly replicationTime: Toggle | null;
}

export interface ReplicationConfig {
  readonly role: string | null;
  readonly rules: readonly ReplicationRule[];
}

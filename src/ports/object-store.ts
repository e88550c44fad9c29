import { ObjectHead, ObjectSummary, ReplicationConfig, VersioningStatus } from '../domain/replication/types';

/**
 * S3 buckets as the replication verifier sees them. `region` is where the call is made (the
 * bucket's region). Implementations classify AWS errors into SnapwardError codes: a bucket that
 * does not exist is BUCKET_NOT_FOUND.
 */
export interface ObjectStore {
  /**
   * Every object under `prefix` ('' for all), page by page, in S3 key order (ascending UTF-8
   * bytes; see domain/replication/key-order.ts). Pages are fetched as the caller iterates, so a
   * listing of millions of objects holds one page at a time.
   */
  listObjects(region: string, bucket: string, prefix: string): AsyncIterable<readonly ObjectSummary[]>;
  /** The current version of one object, or null when there is none (absent, or a delete marker). */
  headObject(region: string, bucket: string, key: string): Promise<ObjectHead | null>;
  getBucketVersioning(region: string, bucket: string): Promise<VersioningStatus>;
  /** The bucket's replication configuration, or null when it has none. */
  getBucketReplication(region: string, bucket: string): Promise<ReplicationConfig | null>;
  /** The region the bucket is in (GetBucketLocation, with `null` and `EU` normalized). */
  getBucketLocation(region: string, bucket: string): Promise<string>;
}

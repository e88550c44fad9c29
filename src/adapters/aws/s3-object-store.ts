import {
  GetBucketLocationCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  ReplicationRule as SdkReplicationRule,
} from '@aws-sdk/client-s3';
import { regionOfLocation } from '../../domain/replication/config-check';
import { ObjectHead, ObjectSummary, ReplicationConfig, ReplicationRule, ReplicationStatus, Toggle, VersioningStatus } from '../../domain/replication/types';
import { ObjectStore } from '../../ports/object-store';
import { AwsClients } from './clients';
import { classifyAwsError } from './errors';

export interface S3ObjectStoreOptions {
  /** Keys per ListObjectsV2 page: 1000 (the most S3 returns); tests use small pages to cross page boundaries. */
  readonly pageSize?: number;
}

/** ObjectStore over the S3 API (SDK v3). */
export class S3ObjectStore implements ObjectStore {
  private readonly pageSize: number;

  constructor(
    private readonly clients: AwsClients,
    options: S3ObjectStoreOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 1000;
  }

  async *listObjects(region: string, bucket: string, prefix: string): AsyncGenerator<readonly ObjectSummary[]> {
    const client = this.clients.s3(region);
    // EncodingType=url: raw keys may hold characters XML 1.0 cannot carry (control characters),
    // which would break parsing the page. S3 then encodes keys form-style (`+` for a space).
    const pages = paginateListObjectsV2({ client, pageSize: this.pageSize }, { Bucket: bucket, Prefix: prefix || undefined, EncodingType: 'url' });
    try {
      for await (const page of pages) {
        const encoded = page.EncodingType === 'url';
        const objects: ObjectSummary[] = (page.Contents ?? []).map((o) => ({
          key: encoded ? decodeKey(o.Key ?? '') : (o.Key ?? ''),
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
        }));
        yield objects;
      }
    } catch (err) {
      throw classifyAwsError(err, `ListObjectsV2 s3://${bucket}/${prefix} in ${region}`);
    }
  }

  async headObject(region: string, bucket: string, key: string): Promise<ObjectHead | null> {
    try {
      const res = await this.clients.s3(region).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        key,
        size: res.ContentLength ?? 0,
        lastModified: res.LastModified ?? new Date(0),
        versionId: res.VersionId && res.VersionId !== 'null' ? res.VersionId : null,
        replicationStatus: replicationStatus(res.ReplicationStatus),
      };
    } catch (err) {
      // A HEAD response has no body, so a missing key, a current delete marker and a missing
      // bucket all arrive as a bare 404 `NotFound`: all mean "no current object here".
      if (isNotFound(err)) return null;
      throw classifyAwsError(err, `HeadObject s3://${bucket}/${key} in ${region}`);
    }
  }

  async getBucketVersioning(region: string, bucket: string): Promise<VersioningStatus> {
    try {
      const res = await this.clients.s3(region).send(new GetBucketVersioningCommand({ Bucket: bucket }));
      return res.Status === 'Enabled' || res.Status === 'Suspended' ? res.Status : 'Off';
    } catch (err) {
      throw classifyAwsError(err, `GetBucketVersioning s3://${bucket} in ${region}`);
    }
  }

  async getBucketReplication(region: string, bucket: string): Promise<ReplicationConfig | null> {
    try {
      const res = await this.clients.s3(region).send(new GetBucketReplicationCommand({ Bucket: bucket }));
      const config = res.ReplicationConfiguration;
      if (!config) return null;
      return { role: config.Role ?? null, rules: (config.Rules ?? []).map(toRule) };
    } catch (err) {
      if ((err as { name?: string }).name === 'ReplicationConfigurationNotFoundError') return null;
      throw classifyAwsError(err, `GetBucketReplication s3://${bucket} in ${region}`);
    }
  }

  async getBucketLocation(region: string, bucket: string): Promise<string> {
    try {
      const res = await this.clients.s3(region).send(new GetBucketLocationCommand({ Bucket: bucket }));
      return regionOfLocation(res.LocationConstraint);
    } catch (err) {
      throw classifyAwsError(err, `GetBucketLocation s3://${bucket} in ${region}`);
    }
  }
}

/** Form-style decoding, as S3 encodes (`+` is a space, a real `+` is `%2B`); also right for `%20`. */
export function decodeKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

function toRule(r: SdkReplicationRule): ReplicationRule {
  const f = r.Filter;
  const narrowedBy = f?.Tag || (f?.And?.Tags?.length ?? 0) > 0 ? 'a tag filter' : f?.Not ? 'exclusions' : null;
  return {
    id: r.ID ?? null,
    status: r.Status === 'Enabled' ? 'Enabled' : 'Disabled',
    priority: r.Priority ?? null,
    prefix: f?.Prefix ?? f?.And?.Prefix ?? r.Prefix ?? '',
    narrowedBy,
    destinationBucketArn: r.Destination?.Bucket ?? '',
    deleteMarkerReplication: toggle(r.DeleteMarkerReplication?.Status),
    sseKmsEncryptedObjects: toggle(r.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status),
    replicaKmsKeyId: r.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID ?? null,
    replicationTime: toggle(r.Destination?.ReplicationTime?.Status),
  };
}

const toggle = (status: string | undefined): Toggle | null => (status === 'Enabled' || status === 'Disabled' ? status : null);

function replicationStatus(status: string | undefined): ReplicationStatus | null {
  switch (status) {
    case 'COMPLETE': // the SDK's enum has both spellings; S3 documents COMPLETED
    case 'COMPLETED':
      return 'COMPLETED';
    case 'PENDING':
    case 'FAILED':
    case 'REPLICA':
      return status;
    default:
      return null;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

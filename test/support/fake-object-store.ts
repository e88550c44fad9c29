import { SnapwardError } from '../../src/domain/errors';
import { compareKeys } from '../../src/domain/replication/key-order';
import { ObjectHead, ObjectSummary, ReplicationConfig, ReplicationRule, ReplicationStatus, VersioningStatus } from '../../src/domain/replication/types';
import { ObjectStore } from '../../src/ports/object-store';

type Op = 'listObjects' | 'headObject' | 'getBucketVersioning' | 'getBucketReplication' | 'getBucketLocation';

export interface FakeObject {
  readonly size: number;
  readonly lastModified: Date;
  readonly versionId: string;
  readonly status: ReplicationStatus | null;
}

export interface FakeBucket {
  readonly region: string;
  versioning: VersioningStatus;
  replication: ReplicationConfig | null;
  readonly objects: Map<string, FakeObject>;
}

/**
 * In-memory S3 for use-case tests: buckets with versioning, a replication configuration and
 * objects carrying a replication status (which moto cannot set). Lists in S3 key order, page by
 * page; logs every call; failures can be injected per operation.
 */
export class FakeObjectStore implements ObjectStore {
  readonly buckets = new Map<string, FakeBucket>();
  readonly calls: { op: Op; arg: string }[] = [];
  pageSize = 1000;
  private versions = 0;
  private readonly failures: { op: Op; match: (arg: string) => boolean; error: () => Error }[] = [];

  addBucket(name: string, region: string, overrides: Partial<Omit<FakeBucket, 'objects'>> = {}): FakeBucket {
    const bucket: FakeBucket = { region, versioning: 'Enabled', replication: null, objects: new Map(), ...overrides };
    this.buckets.set(name, bucket);
    return bucket;
  }

  /** A source and a replica bucket, both versioned, with one enabled rule replicating everything. */
  addPair(source: string, replica: string, regions: [string, string] = ['us-east-1', 'us-west-2'], rule: Partial<ReplicationRule> = {}): void {
    this.addBucket(source, regions[0], { replication: { role: 'arn:aws:iam::123456789012:role/replication', rules: [replicationRule(replica, rule)] } });
    this.addBucket(replica, regions[1]);
  }

  put(bucket: string, key: string, object: Partial<FakeObject> & { lastModified: Date }): this {
    const b = this.mustGet(bucket);
    b.objects.set(key, { size: 1, versionId: `v${++this.versions}`, status: null, ...object });
    return this;
  }

  /** Fail `op` for calls whose argument (`bucket` or `bucket/key`) matches. */
  fail(op: Op, match: string | RegExp, error: () => Error): this {
    const test = typeof match === 'string' ? (a: string) => a.includes(match) : (a: string) => match.test(a);
    this.failures.push({ op, match: test, error });
    return this;
  }

  count(op: Op): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  async *listObjects(_region: string, bucket: string, prefix: string): AsyncGenerator<readonly ObjectSummary[]> {
    this.record('listObjects', bucket);
    const b = this.mustGet(bucket);
    const keys = [...b.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
    for (let i = 0; i < keys.length; i += this.pageSize) {
      yield keys.slice(i, i + this.pageSize).map((key) => {
        const o = b.objects.get(key) as FakeObject;
        return { key, size: o.size, lastModified: o.lastModified };
      });
    }
  }

  async headObject(_region: string, bucket: string, key: string): Promise<ObjectHead | null> {
    this.record('headObject', `${bucket}/${key}`);
    const o = this.buckets.get(bucket)?.objects.get(key);
    return o ? { key, size: o.size, lastModified: o.lastModified, versionId: o.versionId, replicationStatus: o.status } : null;
  }

  async getBucketVersioning(_region: string, bucket: string): Promise<VersioningStatus> {
    this.record('getBucketVersioning', bucket);
    return this.mustGet(bucket).versioning;
  }

  async getBucketReplication(_region: string, bucket: string): Promise<ReplicationConfig | null> {
    this.record('getBucketReplication', bucket);
    return this.mustGet(bucket).replication;
  }

  async getBucketLocation(_region: string, bucket: string): Promise<string> {
    this.record('getBucketLocation', bucket);
    return this.mustGet(bucket).region;
  }

  private mustGet(bucket: string): FakeBucket {
    const b = this.buckets.get(bucket);
    if (!b) throw new SnapwardError('BUCKET_NOT_FOUND', `NoSuchBucket: The specified bucket does not exist (${bucket})`);
    return b;
  }

  private record(op: Op, arg: string): void {
    this.calls.push({ op, arg });
    const failure = this.failures.find((f) => f.op === op && f.match(arg));
    if (failure) throw failure.error();
  }
}

export function replicationRule(replicaBucket: string, overrides: Partial<ReplicationRule> = {}): ReplicationRule {
  return {
    id: 'to-dr',
    status: 'Enabled',
    priority: 1,
    prefix: '',
    narrowedBy: null,
    destinationBucketArn: `arn:aws:s3:::${replicaBucket}`,
    deleteMarkerReplication: 'Disabled',
    sseKmsEncryptedObjects: null,
    replicaKmsKeyId: null,
    replicationTime: null,
    ...overrides,
  };
}

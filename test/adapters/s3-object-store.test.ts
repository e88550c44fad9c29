import {
  GetBucketLocationCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../src/adapters/aws/clients';
import { decodeKey, S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { ObjectSummary } from '../../src/domain/replication/types';

const s3 = mockClient(S3Client);
const fault = (name: string, status: number, message = 'aws message') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const T = new Date('2026-11-24T10:00:00Z');

let clients: AwsClients;
const store = (pageSize?: number) => new S3ObjectStore(clients, pageSize ? { pageSize } : {});

async function all(pages: AsyncIterable<readonly ObjectSummary[]>): Promise<ObjectSummary[][]> {
  const out: ObjectSummary[][] = [];
  for await (const page of pages) out.push([...page]);
  return out;
}

beforeEach(() => {
  s3.reset();
  clients = new AwsClients({ maxAttempts: 1 });
});
afterEach(() => clients.destroy());
afterAll(() => s3.restore());

describe('S3ObjectStore (aws-sdk-client-mock)', () => {
  it('lists page by page with ContinuationToken, url-encoded keys decoded, page size as MaxKeys', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({ IsTruncated: true, NextContinuationToken: 'tok-2', EncodingType: 'url', Contents: [{ Key: 'att/a+b%2Bc', Size: 3, LastModified: T }, { Key: 'att/%C3%A9', Size: 4, LastModified: T }] })
      .on(ListObjectsV2Command, { ContinuationToken: 'tok-2' })
      .resolves({ IsTruncated: false, EncodingType: 'url', Contents: [{ Key: 'att/ctl%01key', Size: 5, LastModified: T }] });
    const pages = await all(store(2).listObjects('us-east-1', 'src', 'att/'));
    expect(pages.map((p) => p.map((o) => o.key))).toEqual([['att/a b+c', 'att/é'], ['att/ctl\u0001key']]);
    expect(pages[0]?.[0]).toEqual({ key: 'att/a b+c', size: 3, lastModified: T });
    const inputs = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(2);
    for (const input of inputs) expect(input).toMatchObject({ Bucket: 'src', Prefix: 'att/', MaxKeys: 2, EncodingType: 'url' });
  });

  it('fetches a page only when the caller gets to it', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({ IsTruncated: true, NextContinuationToken: 'tok-2', Contents: [{ Key: 'a', Size: 1, LastModified: T }] })
      .on(ListObjectsV2Command, { ContinuationToken: 'tok-2' })
      .resolves({ Contents: [{ Key: 'b', Size: 1, LastModified: T }] });
    for await (const page of store().listObjects('us-east-1', 'src', '')) {
      expect(page.map((o) => o.key)).toEqual(['a']);
      break;
    }
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);
  });

  it('does not decode keys when the store did not url-encode them, and lists the whole bucket for an empty prefix', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'a+b%2B', Size: 1, LastModified: T }] });
    const pages = await all(store().listObjects('us-east-1', 'src', ''));
    expect(pages).toEqual([[{ key: 'a+b%2B', size: 1, lastModified: T }]]);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input.Prefix).toBeUndefined();
  });

  it('an empty bucket is no page content at all', async () => {
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    expect((await all(store().listObjects('us-east-1', 'src', ''))).flat()).toEqual([]);
  });

  it.each<[string, string, string]>([
    ['listing', 'ListObjectsV2', 'list'],
    ['versioning', 'GetBucketVersioning', 'versioning'],
  ])('NoSuchBucket while %s is BUCKET_NOT_FOUND naming the call and bucket', async (_name, op, which) => {
    s3.on(ListObjectsV2Command).rejects(fault('NoSuchBucket', 404, 'The specified bucket does not exist'));
    s3.on(GetBucketVersioningCommand).rejects(fault('NoSuchBucket', 404, 'The specified bucket does not exist'));
    const call = which === 'list' ? all(store().listObjects('us-west-2', 'gone', '')) : store().getBucketVersioning('us-west-2', 'gone');
    await expect(call).rejects.toMatchObject({ code: 'BUCKET_NOT_FOUND', message: expect.stringMatching(new RegExp(`^${op} s3://gone.* in us-west-2: NoSuchBucket: The specified bucket does not exist$`)) });
  });

  it.each<[string | undefined, string | null]>([
    ['COMPLETE', 'COMPLETED'],
    ['COMPLETED', 'COMPLETED'],
    ['PENDING', 'PENDING'],
    ['FAILED', 'FAILED'],
    ['REPLICA', 'REPLICA'],
    [undefined, null],
  ])('HeadObject ReplicationStatus %p -> %p', async (wire, status) => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 7, LastModified: T, VersionId: 'v1', ...(wire ? { ReplicationStatus: wire as never } : {}) });
    expect(await store().headObject('us-east-1', 'src', 'k')).toEqual({ key: 'k', size: 7, lastModified: T, versionId: 'v1', replicationStatus: status });
  });

  it('HeadObject: the "null" version of an unversioned object is no version id', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, LastModified: T, VersionId: 'null' });
    expect((await store().headObject('us-east-1', 'src', 'k'))?.versionId).toBeNull();
  });

  it('HeadObject: NotFound is no object; a 403 (Forbidden on HEAD, AccessDenied elsewhere) is ACCESS_DENIED', async () => {
    s3.on(HeadObjectCommand, { Key: 'missing' }).rejects(fault('NotFound', 404, 'UnknownError'));
    s3.on(HeadObjectCommand, { Key: 'secret' }).rejects(fault('Forbidden', 403, 'UnknownError'));
    s3.on(HeadObjectCommand, { Key: 'denied' }).rejects(fault('AccessDenied', 403));
    expect(await store().headObject('us-east-1', 'src', 'missing')).toBeNull();
    await expect(store().headObject('us-east-1', 'src', 'denied')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(store().headObject('us-east-1', 'src', 'secret')).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: expect.stringContaining('HeadObject s3://src/secret') });
  });

  it('GetBucketReplication: ReplicationConfigurationNotFoundError means no configuration', async () => {
    s3.on(GetBucketReplicationCommand).rejects(fault('ReplicationConfigurationNotFoundError', 404, 'The replication configuration was not found'));
    expect(await store().getBucketReplication('us-east-1', 'src')).toBeNull();
  });

  it('GetBucketReplication: V1 and V2 rules folded into one shape', async () => {
    s3.on(GetBucketReplicationCommand).resolves({
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::1:role/r',
        Rules: [
          { ID: 'v1', Status: 'Enabled', Prefix: 'att/', Destination: { Bucket: 'arn:aws:s3:::dr' } },
          {
            ID: 'v2',
            Status: 'Enabled',
            Priority: 3,
            Filter: { And: { Prefix: 'media/', Tags: [{ Key: 'replicate', Value: 'yes' }] } },
            DeleteMarkerReplication: { Status: 'Enabled' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: { Bucket: 'arn:aws:s3:::dr', EncryptionConfiguration: { ReplicaKmsKeyID: 'k' }, ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } } },
          },
          { ID: 'off', Status: 'Disabled', Filter: { Prefix: '' }, Destination: { Bucket: 'arn:aws:s3:::dr' } },
        ],
      },
    });
    const config = await store().getBucketReplication('us-east-1', 'src');
    expect(config).toEqual({
      role: 'arn:aws:iam::1:role/r',
      rules: [
        { id: 'v1', status: 'Enabled', priority: null, prefix: 'att/', narrowedBy: null, destinationBucketArn: 'arn:aws:s3:::dr', deleteMarkerReplication: null, sseKmsEncryptedObjects: null, replicaKmsKeyId: null, replicationTime: null },
        { id: 'v2', status: 'Enabled', priority: 3, prefix: 'media/', narrowedBy: 'a tag filter', destinationBucketArn: 'arn:aws:s3:::dr', deleteMarkerReplication: 'Enabled', sseKmsEncryptedObjects: 'Enabled', replicaKmsKeyId: 'k', replicationTime: 'Enabled' },
        { id: 'off', status: 'Disabled', priority: null, prefix: '', narrowedBy: null, destinationBucketArn: 'arn:aws:s3:::dr', deleteMarkerReplication: null, sseKmsEncryptedObjects: null, replicaKmsKeyId: null, replicationTime: null },
      ],
    });
  });

  it('GetBucketReplication: other errors are classified', async () => {
    s3.on(GetBucketReplicationCommand).rejects(fault('NoSuchBucket', 404));
    await expect(store().getBucketReplication('us-east-1', 'gone')).rejects.toMatchObject({ code: 'BUCKET_NOT_FOUND' });
  });

  it.each<[string | undefined, string]>([
    ['Enabled', 'Enabled'],
    ['Suspended', 'Suspended'],
    [undefined, 'Off'],
  ])('GetBucketVersioning %p -> %s', async (status, expected) => {
    s3.on(GetBucketVersioningCommand).resolves(status ? { Status: status as never } : {});
    expect(await store().getBucketVersioning('us-east-1', 'src')).toBe(expected);
  });

  it.each<[string | undefined, string]>([
    [undefined, 'us-east-1'],
    ['', 'us-east-1'],
    ['EU', 'eu-west-1'],
    ['us-west-2', 'us-west-2'],
  ])('GetBucketLocation %p -> %s', async (constraint, region) => {
    s3.on(GetBucketLocationCommand).resolves(constraint === undefined ? {} : { LocationConstraint: constraint as never });
    expect(await store().getBucketLocation('us-west-2', 'dr')).toBe(region);
  });

  it('SlowDown is THROTTLED and retryable', async () => {
    s3.on(GetBucketVersioningCommand).rejects(fault('SlowDown', 503, 'Please reduce your request rate.'));
    await expect(store().getBucketVersioning('us-east-1', 'src')).rejects.toMatchObject({ code: 'THROTTLED', retryable: true });
  });
});

describe('AwsClients.s3', () => {
  it('builds one client per region, path-style only when asked', async () => {
    const plain = new AwsClients();
    const pathStyle = new AwsClients({ s3ForcePathStyle: true });
    try {
      expect(plain.s3('us-east-1')).toBe(plain.s3('us-east-1'));
      expect(plain.s3('us-east-1')).not.toBe(plain.s3('us-west-2'));
      expect(plain.s3('us-east-1').config.forcePathStyle).toBe(false);
      expect(pathStyle.s3('us-east-1').config.forcePathStyle).toBe(true);
      expect(await pathStyle.s3('eu-west-1').config.region()).toBe('eu-west-1');
    } finally {
      plain.destroy();
      pathStyle.destroy();
    }
  });
});

describe('decodeKey', () => {
  it.each([
    ['a+b', 'a b'],
    ['a%20b', 'a b'],
    ['a%2Bb', 'a+b'],
    ['%C3%A9%2F%F0%9F%98%80', 'é/😀'],
    ['plain/key', 'plain/key'],
  ])('%s -> %s', (encoded, key) => {
    expect(decodeKey(encoded)).toBe(key);
  });
});

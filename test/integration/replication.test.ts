import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  ReplicationRule,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { verifyReplication } from '../../src/app/verify-replication';
import { App, buildApp } from '../../src/composition';
import { AttachmentPair } from '../../src/domain/config';
import { compareKeys } from '../../src/domain/replication/key-order';
import { PairResult } from '../../src/domain/replication/result';
import { silentLogger } from '../../src/ports/logger';
import { config } from '../support/builders';
import { runCli } from '../support/cli-capture';
import { useMotoServer } from '../support/moto-session';

/**
 * The replication verifier over HTTP against moto. moto stores the replication configuration but
 * copies nothing, so each test writes the replica side itself: all of it, some of it, or some of
 * it with other sizes.
 */
const moto = useMotoServer();

const SRC = { bucket: 'media-src', region: 'us-east-1' };
const DR = { bucket: 'media-dr', region: 'us-west-2' };
const PAIR: AttachmentPair = { name: 'media', tier: 1, source: SRC, replica: DR, prefix: '' };

const clients = new Map<string, S3Client>();
const s3 = (region: string): S3Client => {
  let c = clients.get(region);
  if (!c) clients.set(region, (c = new S3Client({ region, forcePathStyle: true })));
  return c;
};
afterAll(() => clients.forEach((c) => c.destroy()));

async function createBucket(b: { bucket: string; region: string }, versioned = true): Promise<void> {
  await s3(b.region).send(new CreateBucketCommand({ Bucket: b.bucket, ...(b.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: b.region as never } }) }));
  if (versioned) await s3(b.region).send(new PutBucketVersioningCommand({ Bucket: b.bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** Both buckets, versioned, with a replication rule from source to replica (what an account would have). */
async function createPair(rule: Partial<ReplicationRule> = {}, source = SRC, replica = DR): Promise<void> {
  await createBucket(source);
  await createBucket(replica);
  await s3(source.region).send(
    new PutBucketReplicationCommand({
      Bucket: source.bucket,
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::123456789012:role/s3-replication',
        Rules: [{ ID: 'to-dr', Status: 'Enabled', Priority: 1, Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: `arn:aws:s3:::${replica.bucket}` }, ...rule }],
      },
    }),
  );
}

/** Writes `[key, body]` objects with 16 requests in flight. */
async function putAll(b: { bucket: string; region: string }, objects: readonly (readonly [string, string])[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < objects.length) {
      const [key, body] = objects[next++] as readonly [string, string];
      await s3(b.region).send(new PutObjectCommand({ Bucket: b.bucket, Key: key, Body: body }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** The same objects in both buckets, as S3 replication would leave them. */
async function putReplicated(keys: readonly string[], body = 'attachment'): Promise<void> {
  const objects = keys.map((k) => [k, body] as const);
  await Promise.all([putAll(SRC, objects), putAll(DR, objects)]);
}

let app: App;
let dir: string;
beforeEach(async () => {
  await moto.server().reset();
  dir = mkdtempSync(join(tmpdir(), 'snapward-repl-'));
  app = buildApp({ config: config({ instances: [], attachments: [PAIR], state: { sqlite: join(dir, 'state.db') } }), logger: silentLogger });
});
afterEach(async () => app?.close());

const verify = async (mode: 'full' | 'sample' = 'full', pageSize?: number): Promise<PairResult> => {
  const deps = pageSize ? { ...app.deps, objects: new S3ObjectStore(app.clients, { pageSize }) } : app.deps;
  const report = await verifyReplication(deps, { trigger: 'test', mode });
  return report.pairs[0] as PairResult;
};

describe('verify-replication against moto', () => {
  it('all objects present: ok, and the configuration read back from S3 passes', async () => {
    await createPair();
    await putReplicated(['att/1.png', 'att/2.png', 'att/3.pdf']);
    const result = await verify();
    expect(result).toMatchObject({
      ok: true,
      config: { problems: [] },
      objects: { checked: 3, missing: 0, mismatched: 0, extra: 0 },
      oldestMissingSeconds: null,
      rpo: { targetSeconds: 3600, achievedSeconds: 0, compliant: true },
      error: null,
    });
    expect(result.config.info[0]).toBe('rule to-dr replicates every key to s3://media-dr');
  });

  it('some objects missing in the replica: counted, the oldest shown, with a small achieved RPO', async () => {
    await createPair();
    await putReplicated(['a', 'c', 'e']);
    await putAll(SRC, [['b', 'x'], ['d', 'x']]);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.objects).toMatchObject({ checked: 5, missing: 2, missingRecent: 2, mismatched: 0, extra: 0 });
    expect(result.objects.examples.missing.map((e) => e.key).sort()).toEqual(['b', 'd']);
    expect(result.objects.examples.missing[0]?.sourceStatus).toBeNull(); // moto sets no replication status
    expect(result.oldestMissingSeconds).toBeLessThan(120);
    expect(result.rpo.compliant).toBe(true);
  });

  it('objects with a different size in the replica, and objects only in the replica', async () => {
    await createPair();
    await putReplicated(['same', 'other']);
    await putAll(DR, [['other', 'a longer body than the source has'], ['only-in-dr', 'x']]);
    const result = await verify();
    expect(result.objects).toMatchObject({ checked: 2, missing: 0, mismatched: 1, extra: 1 });
    expect(result.objects.examples.mismatched).toEqual([
      expect.objectContaining({ key: 'other', reason: 'size', sourceSize: 10, replicaSize: 33, replicaStatus: null }),
    ]);
    expect(result.objects.examples.extra).toEqual([{ key: 'only-in-dr', size: 1 }]);
  });

  it('the rule disabled is a configuration problem', async () => {
    await createPair({ Status: 'Disabled' });
    const result = await verify();
    expect(result).toMatchObject({ ok: false, config: { problems: [{ code: 'RULE_DISABLED' }] }, objects: { checked: 0 } });
  });

  it('a rule to another bucket is a configuration problem', async () => {
    await createPair({ Destination: { Bucket: 'arn:aws:s3:::somewhere-else' } });
    expect((await verify()).config.problems).toEqual([{ code: 'NO_RULE_FOR_REPLICA', message: expect.stringContaining('arn:aws:s3:::somewhere-else') }]);
  });

  it('versioning off on the replica, suspended on the source, and no replication configuration', async () => {
    await createBucket(SRC);
    await createBucket(DR, false);
    await s3(SRC.region).send(new PutBucketVersioningCommand({ Bucket: SRC.bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    const result = await verify();
    expect(result.config.problems.map((p) => p.code)).toEqual(['SOURCE_VERSIONING_OFF', 'REPLICA_VERSIONING_OFF', 'NO_REPLICATION_CONFIG']);
    expect(result.ok).toBe(false);
  });

  it('the replica bucket in another region than configured', async () => {
    await createPair({}, SRC, { bucket: 'media-dr', region: 'eu-west-1' });
    expect((await verify()).config.problems).toEqual([{ code: 'REPLICA_REGION_MISMATCH', message: 's3://media-dr is in eu-west-1, but the configuration says us-west-2' }]);
  });

  it('an empty pair is ok', async () => {
    await createPair();
    expect(await verify()).toMatchObject({ ok: true, objects: { listed: 0, checked: 0, missing: 0, extra: 0 }, oldestMissingSeconds: null });
  });

  it('unicode keys and shared prefixes across page boundaries: S3 order, no false misses', async () => {
    await createPair();
    const keys = ['a', 'a/', 'a/z', 'a/é', 'a/é/1', 'p/a/1', 'p/a/2', 'p/a/ü', 'p/b', 'Z', '\uFF61', '\uD83D\uDE00', '\uD83D\uDE00/x', 'ü/ß', 'with space', 'plus+sign'];
    await putReplicated(keys);
    const gone = ['a/é', '\uFF61', 'p/a/2'];
    await Promise.all(gone.map((Key) => s3(DR.region).send(new DeleteObjectCommand({ Bucket: DR.bucket, Key }))));
    for (const pageSize of [1, 3, 1000]) {
      const result = await verify('full', pageSize);
      expect([pageSize, result.objects]).toMatchObject([pageSize, { checked: keys.length, missing: 3, mismatched: 0, extra: 0 }]);
      expect(result.objects.examples.missing.map((e) => e.key).sort(compareKeys)).toEqual([...gone].sort(compareKeys));
      expect(result.error).toBeNull();
    }
  });

  it('more than one ListObjectsV2 page (1,000 keys) at the default page size', async () => {
    await createPair();
    const keys = Array.from({ length: 1010 }, (_, i) => `att/${String(i).padStart(4, '0')}`);
    await putAll(SRC, keys.map((k) => [k, 'x'] as const));
    await putAll(DR, keys.filter((_, i) => i !== 999 && i !== 1001).map((k) => [k, 'x'] as const));
    const result = await verify();
    expect(result.objects).toMatchObject({ listed: 1010, checked: 1010, missing: 2 });
    expect(result.objects.examples.missing.map((e) => e.key).sort()).toEqual(['att/0999', 'att/1001']);
  });

  it('sample mode heads both sides: moto reports no replication status, so sampled objects are not tracked', async () => {
    await createPair();
    await putReplicated(Array.from({ length: 30 }, (_, i) => `s/${i}`));
    await putAll(SRC, [['s/new', 'x']]);
    const result = await verify('sample');
    expect(result).toMatchObject({ mode: 'sample', ok: false, objects: { listed: 31, checked: 31, missing: 1, notTracked: 31 } });
  });

  it('records the run in the state store with every pair result in details; a missing bucket fails its pair only', async () => {
    await createPair();
    await putReplicated(['k']);
    const ghost: AttachmentPair = { name: 'ghost', tier: 2, source: { bucket: 'no-such-src', region: 'us-east-1' }, replica: DR, prefix: '' };
    const deps = { ...app.deps, config: { ...app.deps.config, attachments: [ghost, PAIR] } };
    const report = await verifyReplication(deps, { trigger: 'test', mode: 'full' });
    expect(report.outcome).toBe('failed');
    expect(report.pairs.map((p) => [p.name, p.ok, p.error?.code ?? null])).toEqual([
      ['ghost', false, 'BUCKET_NOT_FOUND'],
      ['media', true, null],
    ]);
    const run = await app.deps.store.getRun(report.runId);
    expect(run).toMatchObject({ kind: 'verify-replication', outcome: 'failed', error: { code: 'BUCKET_NOT_FOUND' } });
    expect(run?.details).toEqual(JSON.parse(JSON.stringify({ pairs: report.pairs })));
  });
});

describe('snapward verify-replication (CLI) against moto', () => {
  let configPath: string;
  const yaml = (extra = '') => `attachments:
  - name: media
    tier: 1
    source:  { bucket: ${SRC.bucket}, region: ${SRC.region} }
    replica: { bucket: ${DR.bucket}, region: ${DR.region} }
${extra}state:
  sqlite: state.db
`;

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return runCli([...args, '--config', configPath]);
  }

  beforeEach(async () => {
    await createPair();
    await putReplicated(['x/1', 'x/2']);
    configPath = join(dir, 'snapward.yaml');
    writeFileSync(configPath, yaml());
  });

  it('--json prints exactly one document { runId, at, pairs } and exits 0 when every pair is fine', async () => {
    const res = await cli(['verify-replication', '--json', '--full']);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(Object.keys(doc)).toEqual(['runId', 'at', 'pairs', 'meta']); // meta: snapward's version, the command, the time
    expect(doc.pairs).toEqual([expect.objectContaining({ name: 'media', ok: true, mode: 'full', objects: expect.objectContaining({ checked: 2 }) })]);
    const runs = JSON.parse((await cli(['runs', '--json'])).stdout);
    expect(runs[0]).toMatchObject({ id: doc.runId, kind: 'verify-replication', outcome: 'succeeded', details: { pairs: doc.pairs } });
  });

  it('exits 1 when objects are missing, with one table line per pair and the examples below', async () => {
    await putAll(SRC, [['x/3', 'x']]);
    const res = await cli(['verify-replication']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^media sample PROBLEMS 3 1 0 0 0 0 \d+s$/m);
    expect(res.stdout).toMatch(/media: missing, oldest first: x\/3/);
  });

  it('exits 1 and lists configuration problems below the table', async () => {
    await s3(DR.region).send(new PutBucketVersioningCommand({ Bucket: DR.bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    const res = await cli(['verify-replication', '--full']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/media: config: REPLICA_VERSIONING_OFF: versioning on s3:\/\/media-dr is Suspended/);
  });

  it.each([
    [['--sample', '0'], /--sample: got "0", expected a whole number from 1 to 10000/],
    [['--sample', 'abc'], /--sample: got "abc", expected a whole number from 1 to 10000/],
    [['--full', '--sample', '5'], /--sample: got 5, expected either --full \(every object\) or --sample N \(N objects\), not both/],
    [['--name', 'nope'], /--name: got "nope", expected the name of a configured attachment pair \(media\)/],
  ])('usage error %j exits 2 with a clear message and records nothing', async (args, message) => {
    const res = await cli(['verify-replication', ...args]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(JSON.parse((await cli(['runs', '--json'])).stdout)).toEqual([]);
  });

  it('a configuration without attachments is a usage error', async () => {
    writeFileSync(configPath, 'kms: { us-west-2: k }\ninstances: [{ id: db1, region: us-east-1, drRegion: us-west-2, tier: 1 }]\nstate: { sqlite: state.db }\n');
    const res = await cli(['verify-replication']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no attachment bucket pairs are configured/);
  });
});

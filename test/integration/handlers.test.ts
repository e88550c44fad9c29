import { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbStateStore } from '../../src/adapters/state/dynamodb-state-store';
import { handler as adhocBackup } from '../../handlers/adhoc-backup';
import { handler as check } from '../../handlers/check';
import { handler as reconcile } from '../../handlers/reconcile';
import { resetLambdaApp } from '../../handlers/lib/bootstrap';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { useMotoServer } from '../support/moto-session';

/**
 * The Lambda handlers invoked in-process with realistic events, against moto and the DynamoDB
 * state store, configured the way the stack configures them (environment variables).
 */
const moto = useMotoServer();
const REGION = 'us-east-1';
const INSTANCES = ['svc-a', 'svc-b', 'svc-c', 'svc-d', 'svc-e', 'svc-f'];
let tableCounter = 0;

/** A context whose remaining time drops by `stepMs` every time it is asked. */
const context = (startMs: number, stepMs = 0) => {
  let left = startMs + stepMs;
  return { getRemainingTimeInMillis: () => (left -= stepMs), awsRequestId: 'test' };
};

async function manualSnapshots(): Promise<string[]> {
  const rds = new RDSClient({ region: REGION });
  const a = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
  const b = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
  rds.destroy();
  return [...(a.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier as string), ...(b.DBClusterSnapshots ?? []).map((s) => s.DBClusterSnapshotIdentifier as string)].sort();
}

describe('Lambda handlers (in-process, moto, DynamoDB store)', () => {
  let store: DynamoDbStateStore;

  beforeEach(async () => {
    await moto.server().reset();
    await resetLambdaApp();
    await seedFleet([REGION, 'us-west-2'], INSTANCES.map((id) => ({ id, kind: 'instance' as const, region: REGION })));
    const table = `snapward-test-${++tableCounter}`;
    const raw = new DynamoDBClient({ region: REGION });
    await DynamoDbStateStore.createTable(raw, table);
    store = new DynamoDbStateStore(DynamoDBDocumentClient.from(raw), table);
    const dir = mkdtempSync(join(tmpdir(), 'snapward-lambda-'));
    const yaml = ['kms:', `  us-west-2: ${DR_KEY_ALIAS}`, 'instances:', ...INSTANCES.map((id) => `  - { id: ${id}, region: ${REGION}, drRegion: us-west-2, tier: 2 }`), 'concurrency: { instances: 1 }', ''].join('\n');
    writeFileSync(join(dir, 'snapward.yaml'), yaml);
    Object.assign(process.env, {
      SNAPWARD_CONFIG: join(dir, 'snapward.yaml'),
      SNAPWARD_STATE_TABLE: table,
      AWS_REGION: REGION,
      SNAPWARD_LOG_LEVEL: 'silent',
      SNAPWARD_DEADLINE_MARGIN_MS: '1000',
    });
  });
  afterAll(async () => resetLambdaApp());

  it('reconcile with 2 seconds left stops early and records how far it got; the next invocation finishes the fleet', async () => {
    // 2 s left, each look at the clock costs 400 ms, stop with 1 s left: a few instances, not all.
    const first = await reconcile({}, context(2000, 400));
    expect(first.outcome).toBe('interrupted');
    expect(first.notReached).toBeGreaterThan(0);
    expect(first.notReached).toBeLessThan(INSTANCES.length);
    const run = await store.getRun(first.runId as string);
    expect(run).toMatchObject({ outcome: 'interrupted', error: { code: 'INTERRUPTED', message: expect.stringMatching(/Lambda time left/) } });

    const second = await reconcile({}, context(900_000));
    expect(second.outcome).toBe('succeeded');
    expect(second.summary?.created).toBe(first.notReached);
    expect((await manualSnapshots()).filter((id) => id.startsWith('sw-'))).toHaveLength(INSTANCES.length); // no duplicates

    // The schedule's next invocation has nothing due; `{"audit": true}` re-lists every instance.
    const idle = await reconcile({}, context(900_000));
    expect(idle.summary).toMatchObject({ upToDate: INSTANCES.length, created: 0 });
    const audited = await reconcile({ audit: true }, context(900_000));
    expect(audited.summary).toMatchObject({ upToDate: 0, created: 0, failed: 0 });
    await expect(reconcile({ audit: 'yes' }, context(900_000))).rejects.toThrow(/audit/);
  });

  it('adhoc-backup: one snapshot per idempotency key, however often the event arrives', async () => {
    const event = {
      version: '0',
      id: 'e1',
      source: 'snapward.operator',
      'detail-type': 'Backup Requested',
      account: '123456789012',
      region: REGION,
      time: new Date().toISOString(),
      resources: [],
      detail: { instanceId: 'svc-a', reason: 'before upgrade', requestedBy: 'alice', idempotencyKey: 'req-7f3a9c21' },
    };
    const first = await adhocBackup(event);
    const again = await adhocBackup({ ...event, id: 'e2' });
    expect(first).toMatchObject({ ok: true, duplicate: false, snapshotId: expect.stringMatching(/^sw-svc-a-req-/) });
    expect(again).toMatchObject({ ok: true, duplicate: true, snapshotId: first.snapshotId });
    expect((await manualSnapshots()).filter((id) => id.includes('-req-'))).toEqual([first.snapshotId]);
  });

  it('adhoc-backup rejects a malformed event with a clear error, records it, and touches nothing', async () => {
    const res = await adhocBackup({ source: 'snapward.operator', 'detail-type': 'Backup Requested', detail: { instanceId: '9bad', reason: '', requestedBy: 'bob' } });
    expect(res.ok).toBe(false);
    const message = (res as { error: { message: string } }).error.message;
    expect(message).toMatch(/detail\.instanceId: got "9bad", expected an RDS DB instance or cluster identifier/);
    expect(message).toMatch(/detail\.reason/);
    expect(message).toMatch(/detail\.idempotencyKey/);
    expect(await manualSnapshots()).toEqual([]);
    const runs = await store.listRuns({ kind: 'backup' });
    expect(runs[0]).toMatchObject({ outcome: 'failed', error: { code: 'USAGE' } });
  });

  it('check runs the watchdog and records its run', async () => {
    await reconcile({}, context(900_000));
    const res = await check({}, context(60_000));
    // Tier 2 (RPO 8 h) with daily copies can never meet its region-loss target: one standing
    // Target Unreachable per instance, and nothing else after a good pass.
    expect(res).toMatchObject({ instances: INSTANCES.length, open: INSTANCES.length, unobserved: 0 });
    expect((await store.listFindings({ status: 'open' })).map((f) => f.key).sort()).toEqual(INSTANCES.map((id) => `Target Unreachable|123456789012|${id}|regionLoss`));
    expect((await store.listRuns({ kind: 'check' }))[0]).toMatchObject({ id: res.runId, outcome: 'succeeded' });
  });

  it('reads the fleet configuration from s3:// when SNAPWARD_CONFIG says so', async () => {
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'snapward-config' }));
    const yaml = ['kms:', `  us-west-2: ${DR_KEY_ALIAS}`, 'instances:', `  - { id: svc-a, region: ${REGION}, drRegion: us-west-2, tier: 0 }`, ''].join('\n');
    await s3.send(new PutObjectCommand({ Bucket: 'snapward-config', Key: 'fleet/snapward.yaml', Body: yaml }));
    s3.destroy();
    process.env.SNAPWARD_CONFIG = 's3://snapward-config/fleet/snapward.yaml';
    const res = await reconcile({}, context(900_000));
    expect(res).toMatchObject({ outcome: 'succeeded', summary: { instances: 1, created: 1 } });

    await resetLambdaApp();
    process.env.SNAPWARD_CONFIG = 's3://snapward-config/missing.yaml';
    await expect(reconcile({}, context(900_000))).rejects.toThrow(/reading the fleet configuration s3:\/\/snapward-config\/missing.yaml/);
  });

  it('a missing environment variable is named', async () => {
    delete process.env.SNAPWARD_STATE_TABLE;
    await expect(check({}, context(60_000))).rejects.toThrow(/SNAPWARD_STATE_TABLE/);
  });
});

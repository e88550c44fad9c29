import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbStateStore } from '../../src/adapters/state/dynamodb-state-store';
import { handler as check } from '../../handlers/check';
import { handler as reconcile } from '../../handlers/reconcile';
import { handler as report } from '../../handlers/report';
import { resetLambdaApp } from '../../handlers/lib/bootstrap';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { useMotoServer } from '../support/moto-session';

/** The check handler's metrics and the daily report handler, in-process against moto (DynamoDB store, S3 bucket). */
const moto = useMotoServer();
const REGION = 'us-east-1';
const BUCKET = 'snapward-reports-test';
const context = { getRemainingTimeInMillis: () => 900_000, awsRequestId: 'test' };

describe('report and metrics on Lambda (moto)', () => {
  let store: DynamoDbStateStore;
  const lines: string[] = [];
  const s3 = () => new S3Client({ region: REGION, forcePathStyle: true });

  beforeAll(async () => {
    await moto.server().reset();
    await resetLambdaApp();
    await seedFleet([REGION, 'us-west-2'], [{ id: 'svc-a', kind: 'instance', region: REGION }, { id: 'svc-b', kind: 'instance', region: REGION }]);
    const raw = new DynamoDBClient({ region: REGION });
    await DynamoDbStateStore.createTable(raw, 'snapward-report-test');
    store = new DynamoDbStateStore(DynamoDBDocumentClient.from(raw), 'snapward-report-test');
    const client = s3();
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    const dir = mkdtempSync(join(tmpdir(), 'snapward-report-lambda-'));
    writeFileSync(join(dir, 'snapward.yaml'), `kms:\n  us-west-2: ${DR_KEY_ALIAS}\ninstances:\n  - { id: svc-a, region: ${REGION}, drRegion: us-west-2, tier: 0 }\n  - { id: svc-b, region: ${REGION}, drRegion: us-west-2, tier: 2 }\n`);
    Object.assign(process.env, {
      SNAPWARD_CONFIG: join(dir, 'snapward.yaml'),
      SNAPWARD_STATE_TABLE: 'snapward-report-test',
      SNAPWARD_REPORT_BUCKET: BUCKET,
      AWS_REGION: REGION,
      SNAPWARD_LOG_LEVEL: 'silent',
    });
    await reconcile({}, context);
    // The check runs once, here: the tests below run in random order.
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    try {
      await check({}, context);
    } finally {
      write.mockRestore();
    }
  });
  afterAll(async () => {
    delete process.env.SNAPWARD_REPORT_BUCKET;
    await resetLambdaApp();
  });

  it('check writes EMF metric lines on stdout and records the day in DynamoDB', async () => {
    const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((d) => d._aws);
    const instances = emf.filter((d) => 'Instances' in d);
    expect(instances).toHaveLength(40);
    expect(instances.reduce((n, d) => n + (d.Scenario === 'instanceLoss' ? (d.Instances as number) : 0), 0)).toBe(2);
    expect(emf.filter((d) => 'NotCompliantInstances' in d).map((d) => d.Tier).sort()).toEqual(['0', '1', '2', '3']);
    const today = new Date().toISOString().slice(0, 10);
    expect((await store.listCompliance({ from: today, to: today })).map((e) => [e.instanceId, e.tier])).toEqual([['svc-a', 0], ['svc-b', 2]]);
  });

  it('report writes HTML, JSON and CSV under reports/<yyyy>/<mm>/<dd>/ and latest/', async () => {
    const out = await report({}, context);
    const now = new Date().toISOString().slice(0, 10).split('-');
    const prefix = `reports/${now[0]}/${now[1]}/${now[2]}/`;
    expect(out).toMatchObject({ bucket: BUCKET, prefix, keys: 12, instances: 2 });
    const client = s3();
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      const names = ['dashboard.html', 'drills.csv', 'findings.csv', 'instances.csv', 'report.json', 'runs.csv'];
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([...names.map((n) => `latest/${n}`), ...names.map((n) => `${prefix}${n}`)].sort());
      const json = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'latest/report.json' }));
      expect(json.ContentType).toBe('application/json');
      const model = JSON.parse(await json.Body!.transformToString());
      expect(model).toMatchObject({ source: 'dynamodb:snapward-report-test', history: { recordedDays: 1 } });
      expect(model.instances.map((i: { instanceId: string }) => i.instanceId).sort()).toEqual(['svc-a', 'svc-b']);
    } finally {
      client.destroy();
    }
  });

  it('report without a bucket configured fails naming the variable', async () => {
    await resetLambdaApp();
    delete process.env.SNAPWARD_REPORT_BUCKET;
    try {
      await expect(report({}, context)).rejects.toThrow(/SNAPWARD_REPORT_BUCKET: got undefined, expected the report bucket name/);
    } finally {
      process.env.SNAPWARD_REPORT_BUCKET = BUCKET;
      await resetLambdaApp();
    }
  });
});

import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handler as adhocBackup } from '../../handlers/adhoc-backup';
import { resetLambdaApp } from '../../handlers/lib/bootstrap';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { DynamoDbStateStore } from '../../src/adapters/state/dynamodb-state-store';
import { useMotoServer } from '../support/moto-session';

/**
 * The adhoc-backup handler's daily limit, over moto and the DynamoDB store, configured as the
 * stack configures the function: `adhoc.maxPerInstancePerDay` new snapshots per instance, a
 * refusal recorded as a failed run with code ADHOC_LIMIT, repeats of a served key never counted.
 */
const moto = useMotoServer();
const REGION = 'us-east-1';
let tableCounter = 0;

const event = (instanceId: string, idempotencyKey: string) => ({
  version: '0',
  id: `e-${idempotencyKey}`,
  source: 'snapward.operator',
  'detail-type': 'Backup Requested',
  account: '111122223333',
  region: REGION,
  time: new Date().toISOString(),
  resources: [],
  detail: { instanceId, reason: 'before a change', requestedBy: 'alice', idempotencyKey },
});

async function adhocSnapshotsOf(db: string): Promise<string[]> {
  const rds = new RDSClient({ region: REGION });
  const res = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual', DBInstanceIdentifier: db }));
  rds.destroy();
  return (res.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier as string).filter((id) => id.includes('-req-')).sort();
}

describe('adhoc-backup: at most adhoc.maxPerInstancePerDay new snapshots per instance and day', () => {
  let store: DynamoDbStateStore;

  async function setUp(adhocYaml: string[]) {
    await moto.server().reset();
    await resetLambdaApp();
    await seedFleet([REGION, 'us-west-2'], ['svc-a', 'svc-b'].map((id) => ({ id, kind: 'instance' as const, region: REGION })));
    const table = `snapward-adhoc-${++tableCounter}`;
    const raw = new DynamoDBClient({ region: REGION });
    await DynamoDbStateStore.createTable(raw, table);
    store = new DynamoDbStateStore(DynamoDBDocumentClient.from(raw), table);
    const dir = mkdtempSync(join(tmpdir(), 'snapward-adhoc-'));
    const yaml = ['kms:', `  us-west-2: ${DR_KEY_ALIAS}`, 'instances:', ...['svc-a', 'svc-b'].map((id) => `  - { id: ${id}, region: ${REGION}, drRegion: us-west-2, tier: 2 }`), ...adhocYaml, ''].join('\n');
    writeFileSync(join(dir, 'snapward.yaml'), yaml);
    Object.assign(process.env, { SNAPWARD_CONFIG: join(dir, 'snapward.yaml'), SNAPWARD_STATE_TABLE: table, AWS_REGION: REGION, SNAPWARD_LOG_LEVEL: 'silent' });
  }
  afterAll(async () => resetLambdaApp());

  it('the third new key of the day is refused (limit 2) and recorded as a failed run; repeats are served and do not count', async () => {
    await setUp(['adhoc: { maxPerInstancePerDay: 2 }']);
    const first = await adhocBackup(event('svc-a', 'OPS-12'));
    const second = await adhocBackup(event('svc-a', 'CHG 4711: before migration'));
    expect([first, second]).toEqual([expect.objectContaining({ ok: true, duplicate: false }), expect.objectContaining({ ok: true, duplicate: false })]);

    const third = await adhocBackup(event('svc-a', 'OPS-13'));
    expect(third).toMatchObject({ ok: false, snapshotId: null, errors: [{ code: 'ADHOC_LIMIT', message: expect.stringMatching(/svc-a already has 2 ad hoc snapshots from the last 24 hours .*the limit is 2 a day \(adhoc.maxPerInstancePerDay\)/) }] });
    expect(await store.getRun(third.runId as string)).toMatchObject({ outcome: 'failed', error: { code: 'ADHOC_LIMIT' } });
    expect(await adhocSnapshotsOf('svc-a')).toEqual([first.snapshotId, second.snapshotId].sort());

    // A repeat of a served key is the same snapshot, not a new one: never refused.
    const repeat = await adhocBackup(event('svc-a', 'OPS-12'));
    expect(repeat).toMatchObject({ ok: true, duplicate: true, snapshotId: first.snapshotId });
    expect(await adhocSnapshotsOf('svc-a')).toHaveLength(2);

    // The limit is per instance.
    expect(await adhocBackup(event('svc-b', 'OPS-13'))).toMatchObject({ ok: true, duplicate: false });
  });

  it('without the key, the default is 4', async () => {
    await setUp([]);
    const results = [];
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) results.push(await adhocBackup(event('svc-a', key)));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false]);
    expect(results[4]?.errors).toEqual([expect.objectContaining({ code: 'ADHOC_LIMIT', message: expect.stringMatching(/the limit is 4 a day/) })]);
    expect(await adhocSnapshotsOf('svc-a')).toHaveLength(4);
  });
});

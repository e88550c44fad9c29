import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbStateStore } from '../../src/adapters/state/dynamodb-state-store';
import { forgetCoveredRegions, handler as reconcile } from '../../handlers/reconcile';
import { resetLambdaApp } from '../../handlers/lib/bootstrap';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { useMotoServer } from '../support/moto-session';

/**
 * The reconcile function on RDS snapshot events, in-process against moto and the DynamoDB store,
 * configured as the stack configures it. moto sends no RDS events to EventBridge, so the events
 * are built like RDS's own examples and handed to the function as the rule would.
 */
const moto = useMotoServer();
const context = { getRemainingTimeInMillis: () => 900_000, awsRequestId: 'test' };
let tableCounter = 0;

const event = (eventId: string, region: string, id: string, time = new Date()) => ({
  version: '0',
  id: `e-${eventId}`,
  'detail-type': 'RDS DB Snapshot Event',
  source: 'aws.rds',
  account: '123456789012',
  time: time.toISOString().replace(/\.\d+Z$/, 'Z'),
  region,
  resources: [`arn:aws:rds:${region}:123456789012:snapshot:${id}`],
  detail: { EventCategories: ['notification'], SourceType: 'SNAPSHOT', SourceArn: `arn:aws:rds:${region}:123456789012:snapshot:${id}`, Date: time.toISOString(), Message: 'event', SourceIdentifier: id, EventID: eventId },
});

async function manual(region: string): Promise<string[]> {
  const rds = new RDSClient({ region });
  const out = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
  rds.destroy();
  return (out.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier as string).sort();
}

describe('reconcile function on RDS snapshot events (moto, DynamoDB store)', () => {
  let store: DynamoDbStateStore;

  beforeEach(async () => {
    await moto.server().reset();
    await resetLambdaApp();
    forgetCoveredRegions();
    await seedFleet(['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'], [
      { id: 'use-db', kind: 'instance', region: 'us-east-1' },
      { id: 'euw-db', kind: 'instance', region: 'eu-west-1' },
    ]);
    const table = `snapward-events-${++tableCounter}`;
    const raw = new DynamoDBClient({ region: 'us-east-1' });
    await DynamoDbStateStore.createTable(raw, table);
    store = new DynamoDbStateStore(DynamoDBDocumentClient.from(raw), table);
    const dir = mkdtempSync(join(tmpdir(), 'snapward-events-'));
    const yaml = [
      'kms:',
      `  us-west-2: ${DR_KEY_ALIAS}`,
      `  eu-central-1: ${DR_KEY_ALIAS}`,
      'instances:',
      '  - { id: use-db, region: us-east-1, drRegion: us-west-2, tier: 1 }',
      '  - { id: euw-db, region: eu-west-1, drRegion: eu-central-1, tier: 1 }',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'snapward.yaml'), yaml);
    Object.assign(process.env, { SNAPWARD_CONFIG: join(dir, 'snapward.yaml'), SNAPWARD_STATE_TABLE: table, AWS_REGION: 'us-east-1', SNAPWARD_LOG_LEVEL: 'silent', SNAPWARD_DEADLINE_MARGIN_MS: '1000' });
  });
  afterAll(async () => resetLambdaApp());

  it('an event in us-west-2 runs a pass over the members copying there only; the same event again runs none', async () => {
    const copyFinished = event('RDS-EVENT-0060', 'us-west-2', 'sw-use-db-20261124', new Date(Date.now() - 1000));
    const first = await reconcile(copyFinished, context);
    expect(first).toMatchObject({ skipped: null, outcome: 'succeeded', trigger: { eventId: 'RDS-EVENT-0060', regions: ['us-west-2'] } });
    expect((await manual('us-east-1')).filter((id) => id.startsWith('sw-'))).toEqual([expect.stringMatching(/^sw-use-db-/)]);
    expect((await manual('eu-west-1')).filter((id) => id.startsWith('sw-'))).toEqual([]); // not this event's region
    expect(await store.getRun(first.runId as string)).toMatchObject({ kind: 'reconcile', trigger: 'event', outcome: 'succeeded' });

    const again = await reconcile(copyFinished, context); // EventBridge delivered it twice
    expect(again).toMatchObject({ runId: null, skipped: expect.stringMatching(/already saw us-west-2/) });
    expect((await store.listRuns({ kind: 'reconcile' })).map((r) => r.id)).toEqual([first.runId]);
  });

  it('a malformed event is refused: nothing recorded, nothing created', async () => {
    const bad = event('RDS-EVENT-0060', 'us-west-2', 'someone-elses-snapshot');
    await expect(reconcile(bad, context)).rejects.toThrow(/detail.SourceIdentifier: got "someone-elses-snapshot", expected one of snapward's snapshots/);
    expect(await store.listRuns({})).toEqual([]);
    expect((await manual('us-east-1')).filter((id) => id.startsWith('sw-'))).toEqual([]);
  });
});

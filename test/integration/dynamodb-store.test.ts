import {
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Agent } from 'node:http';
import { DynamoDbStateStore, DynamoDbStateStoreOptions } from '../../src/adapters/state/dynamodb-state-store';
import { SnapwardError } from '../../src/domain/errors';
import { describeStateStoreContract } from '../contract/state-store.contract';
import { useMotoServer } from '../support/moto-session';

/**
 * The DynamoDB driver against moto's DynamoDB over HTTP: the shared store contract, then what only
 * this driver has (the table layout, TTL, several processes on one table). Every test gets a
 * fresh table of its own, so the random test order does not matter.
 */
useMotoServer();
const REGION = 'us-east-1';
let tableCounter = 0;

/**
 * moto answers on several threads and does not make a conditional write atomic (it checks, then
 * writes, without a lock), so two conditional writes to one item arriving together may both pass,
 * which DynamoDB never allows. One socket for all clients of this file makes moto see one request
 * at a time: the race tests still interleave the stores' request sequences (a read-then-write
 * store would fail them), but each single write is atomic, as in DynamoDB.
 */
const oneAtATime = new Agent({ keepAlive: true, maxSockets: 1 });
afterAll(() => oneAtATime.destroy());
/** Not destroyed one by one: a client's destroy() would destroy the shared agent (see afterAll). */
const emulatorClient = () => new DynamoDBClient({ region: REGION, requestHandler: { httpAgent: oneAtATime } });

/**
 * A table and a store on it. The document client is built without marshalling options, as the
 * caller might: the store must not depend on removeUndefinedValues.
 */
async function freshStore(options: DynamoDbStateStoreOptions = {}) {
  const raw = emulatorClient();
  const table = `snapward-store-test-${process.pid}-${++tableCounter}`;
  await DynamoDbStateStore.createTable(raw, table);
  const store = new DynamoDbStateStore(DynamoDBDocumentClient.from(raw), table, options);
  return {
    raw,
    table,
    store,
    cleanup: async () => {
      await store.close();
      await raw.send(new DeleteTableCommand({ TableName: table }));
    },
  };
}

describeStateStoreContract('DynamoDbStateStore (moto)', async () => {
  const { store, cleanup } = await freshStore();
  return { store, cleanup };
});

describe('DynamoDbStateStore (moto)', () => {
  let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
  afterEach(async () => {
    await ctx?.cleanup();
    ctx = undefined;
  });

  const startedAt = new Date('2026-11-24T10:00:00.123Z');
  const newRun = (id: string) => ({ id, kind: 'reconcile', trigger: 'test', startedAt, owner: { host: 'h', pid: 1 } }) as const;
  const rawItem = async (pk: string, sk: string) =>
    (await ctx!.raw.send(new GetItemCommand({ TableName: ctx!.table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }))).Item;

  it('creates the table with pk/sk string keys, on demand, TTL on expiresAt', async () => {
    ctx = await freshStore();
    const { Table } = await ctx.raw.send(new DescribeTableCommand({ TableName: ctx.table }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
    );
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes ?? []).toEqual([]);
    const ttl = await ctx.raw.send(new DescribeTimeToLiveCommand({ TableName: ctx.table }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    // Creating it again (a local setup run twice) is fine.
    await DynamoDbStateStore.createTable(ctx.raw, ctx.table);
  });

  it('sets the TTL attribute (epoch seconds, startedAt + 400 days by default) on every item of a run', async () => {
    ctx = await freshStore();
    await ctx.store.startRun(newRun('r-1'));
    await ctx.store.recordInstance('r-1', {
      instanceId: 'db-a', kind: 'instance', region: 'r', drRegion: 'd', status: 'ok',
      created: [], copied: [], deleted: [], inProgress: [], deferred: [], warnings: [], errors: [],
    }, new Date(startedAt.getTime() + 1000));
    const expected = String(Math.floor(startedAt.getTime() / 1000) + 400 * 86_400);
    expect((await rawItem('RUN#r-1', 'RUN'))?.expiresAt).toEqual({ N: expected });
    expect((await rawItem('RUN#r-1', 'RESULT#db-a'))?.expiresAt).toEqual({ N: expected });
    expect((await rawItem('RUNS', `${startedAt.toISOString()}#r-1`))?.expiresAt).toEqual({ N: expected });
    expect((await rawItem('RUNNING', 'r-1'))?.expiresAt).toEqual({ N: expected });
    // Finishing takes the run out of the running index; the listing entry stays.
    await ctx.store.finishRun('r-1', { finishedAt: new Date(startedAt.getTime() + 2000), outcome: 'succeeded', summary: null, error: null });
    expect(await rawItem('RUNNING', 'r-1')).toBeUndefined();
    expect(await rawItem('RUNS', `${startedAt.toISOString()}#r-1`)).toBeDefined();
  });

  it('honours runTtlDays and gives leases their own end as TTL', async () => {
    ctx = await freshStore({ runTtlDays: 30 });
    await ctx.store.startRun(newRun('r-1'));
    expect((await rawItem('RUN#r-1', 'RUN'))?.expiresAt).toEqual({ N: String(Math.floor(startedAt.getTime() / 1000) + 30 * 86_400) });
    await ctx.store.acquireLease('instance:db-a', 'r-1', 90_500, startedAt);
    expect(await rawItem('LEASE#instance:db-a', 'LEASE')).toMatchObject({
      owner: { S: 'r-1' },
      leaseUntil: { S: new Date(startedAt.getTime() + 90_500).toISOString() },
      expiresAt: { N: String(Math.ceil((startedAt.getTime() + 90_500) / 1000)) },
    });
  });

  it('refuses a nonsensical runTtlDays', () => {
    const doc = DynamoDBDocumentClient.from(emulatorClient());
    expect(() => new DynamoDbStateStore(doc, 't', { runTtlDays: 0 })).toThrow(/runTtlDays/);
  });

  it('keeps at most one open finding per key across two processes observing it at once', async () => {
    ctx = await freshStore();
    // A second "process": its own client and store on the same table.
    const otherRaw = emulatorClient();
    const other = new DynamoDbStateStore(DynamoDBDocumentClient.from(otherRaw), ctx.table);
    try {
      const observe = (store: DynamoDbStateStore, newId: string, ms: number) =>
        store.observeFinding({ key: 'Snapshot Missed|jira-1', kind: 'Snapshot Missed', subject: 'jira-1', detail: { by: newId }, at: new Date(ms), newId });
      for (let round = 0; round < 3; round++) {
        // Both observations are under way before either result is read.
        const pending = [observe(ctx.store, `a-${round}`, 1000), observe(other, `b-${round}`, 1001), observe(ctx.store, `c-${round}`, 1002)];
        const found = await Promise.all(pending);
        const ids = new Set(found.map((f) => f.id));
        expect(ids.size).toBe(1);
        for (const store of [ctx.store, other]) {
          expect((await store.listFindings({ status: 'open' })).map((f) => f.id)).toEqual([...ids]);
        }
        expect(await ctx.store.resolveFinding([...ids][0] as string, new Date(2000 + round))).toBe(true);
      }
      expect(await ctx.store.listFindings({ status: 'open' })).toEqual([]);
      expect(await other.listFindings({ status: 'resolved' })).toHaveLength(3);
      // The guard items went with the resolutions.
      const guards = await ctx.raw.send(
        new QueryCommand({ TableName: ctx.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'FINDINGKEY#Snapshot Missed|jira-1' } } }),
      );
      expect(guards.Items).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('grants a lease to one of two processes racing for it', async () => {
    ctx = await freshStore();
    const otherRaw = emulatorClient();
    const other = new DynamoDbStateStore(DynamoDBDocumentClient.from(otherRaw), ctx.table);
    try {
      const pending = [ctx.store.acquireLease('instance:db-a', 'run-a', 60_000, startedAt), other.acquireLease('instance:db-a', 'run-b', 60_000, startedAt)];
      expect((await Promise.all(pending)).filter(Boolean)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('leaves the injected client usable after close, and refuses calls once closed', async () => {
    ctx = await freshStore();
    const doc = DynamoDBDocumentClient.from(ctx.raw);
    const first = new DynamoDbStateStore(doc, ctx.table);
    await first.startRun(newRun('r-1'));
    await first.close();
    await expect(first.getRun('r-1')).rejects.toMatchObject({ code: 'STATE_STORE_ERROR', message: expect.stringMatching(/closed/) });
    const second = new DynamoDbStateStore(doc, ctx.table);
    expect((await second.getRun('r-1'))?.outcome).toBe('running');
  });

  it('reports AWS failures as STATE_STORE_ERROR naming the table, with the cause', async () => {
    const store = new DynamoDbStateStore(DynamoDBDocumentClient.from(emulatorClient()), 'no-such-table');
    const err: unknown = await store.getRun('r-1').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SnapwardError);
    expect(err).toMatchObject({ code: 'STATE_STORE_ERROR', context: { table: 'no-such-table', awsError: 'ResourceNotFoundException' } });
    expect((err as SnapwardError).message).toMatch(/no-such-table.*getRun failed/);
    expect((err as SnapwardError).cause).toBeDefined();
  });
});

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbStateStore } from '../../src/adapters/state/dynamodb-state-store';
import { handler as reconcile } from '../../handlers/reconcile';
import { resetLambdaApp } from '../../handlers/lib/bootstrap';
import { useMotoServer } from '../support/moto-session';

/**
 * The reconcile Lambda near its deadline while RDS never answers (AWS_ENDPOINT_URL_RDS points at a
 * server that accepts and stays silent; DynamoDB, the state store, is moto): the calls in flight
 * are aborted at half the deadline margin, the handler returns before Lambda would kill it, and
 * the run is recorded as interrupted with the instances it did not reach. The next invocation in
 * the same container is not cut short by the previous invocation's deadline.
 */
const moto = useMotoServer();
const REGION = 'us-east-1';

describe('reconcile Lambda against a silent RDS endpoint', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let requests = 0;

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => (requests += 1));
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
  });

  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_RDS;
    await resetLambdaApp();
    for (const s of sockets) s.destroy();
    await new Promise<void>((done) => silent.close(() => done()));
  });

  it('aborts the hung calls before the deadline and records the run as interrupted', async () => {
    await moto.server().reset();
    await resetLambdaApp();
    const table = 'snapward-deadline';
    const raw = new DynamoDBClient({ region: REGION });
    await DynamoDbStateStore.createTable(raw, table);
    const store = new DynamoDbStateStore(DynamoDBDocumentClient.from(raw), table);
    const dir = mkdtempSync(join(tmpdir(), 'snapward-deadline-'));
    writeFileSync(
      join(dir, 'snapward.yaml'),
      ['kms:', '  us-west-2: alias/snapward-dr', 'instances:', '  - { id: slow-a, region: us-east-1, drRegion: us-west-2, tier: 2 }', '  - { id: slow-b, region: us-east-1, drRegion: us-west-2, tier: 2 }', ''].join('\n'),
    );
    const address = silent.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    Object.assign(process.env, {
      SNAPWARD_CONFIG: join(dir, 'snapward.yaml'),
      SNAPWARD_STATE_TABLE: table,
      AWS_REGION: REGION,
      SNAPWARD_LOG_LEVEL: 'silent',
      SNAPWARD_DEADLINE_MARGIN_MS: '2000',
      AWS_ENDPOINT_URL_RDS: `http://127.0.0.1:${address.port}`,
    });

    // A 4-second invocation: no new instance with 2 s left, calls in flight aborted with 1 s left.
    const deadline = Date.now() + 4_000;
    const context = { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: 'deadline-test' };
    const result = await reconcile({}, context);
    expect(Date.now()).toBeLessThan(deadline); // returned before Lambda would have killed it
    expect(Date.now()).toBeGreaterThanOrEqual(deadline - 1_500); // ...and not before the abort point
    expect(requests).toBeGreaterThan(0); // it did wait on RDS
    expect(result.outcome).toBe('interrupted');
    expect(result.notReached).toBe(2);

    const run = await store.getRun(result.runId as string);
    expect(run).toMatchObject({ outcome: 'interrupted', error: { code: 'INTERRUPTED', message: expect.stringMatching(/Lambda time left.*not reached: slow-a, slow-b/) } });
    const took = (run?.finishedAt?.getTime() ?? 0) - (run?.startedAt.getTime() ?? 0);
    expect(took).toBeGreaterThanOrEqual(2_000); // its real duration, up to the abort

    // The next invocation (warm container, same clients) gets its own deadline: the previous
    // invocation's aborted signal does not fail its calls at once.
    const deadline2 = Date.now() + 4_000;
    const second = await reconcile({}, { getRemainingTimeInMillis: () => deadline2 - Date.now() });
    expect(Date.now()).toBeGreaterThanOrEqual(deadline2 - 1_500);
    expect(Date.now()).toBeLessThan(deadline2);
    expect(second.outcome).toBe('interrupted');
  }, 30_000);
});

import { createServer, Server, Socket } from 'node:net';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { AwsClients } from '../../src/adapters/aws/clients';
import { classifyAwsError } from '../../src/adapters/aws/errors';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { SnapwardError } from '../../src/domain/errors';

/**
 * Every AWS call bounded, every signal obeyed, over the real SDK and a real socket: a local TCP
 * server accepts connections and reads requests but never answers, which is what the newcomer's
 * trial hit (`run` hung for 1,233 s). The SDK's own `requestTimeout` only logs a warning in that
 * case; AwsClients must turn it into a failed attempt, bound the whole call, and abort on signal.
 */
class HungServer {
  readonly sockets = new Set<Socket>();
  /** Requests received (one per attempt: every request line seen). */
  requests = 0;
  closedByClient = 0;
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('data', (chunk) => {
        this.requests += (chunk.toString('latin1').match(/^POST /gm) ?? []).length;
      });
      socket.on('close', () => {
        this.closedByClient += 1;
        this.sockets.delete(socket);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const ENV_KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

describe('AWS calls against an endpoint that accepts connections and never answers', () => {
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string | undefined>> = {};
  let hung: HungServer;

  beforeEach(async () => {
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    hung = new HungServer();
    process.env.AWS_ENDPOINT_URL = await hung.start();
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });

  afterEach(async () => {
    await hung.stop();
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  const elapsed = async <T>(work: () => Promise<T>): Promise<{ ms: number; error: unknown }> => {
    const t0 = Date.now();
    const error = await work().then(
      () => null,
      (e: unknown) => e,
    );
    return { ms: Date.now() - t0, error };
  };

  it('fails each attempt at the request timeout, retries, and fails the call (TIMEOUT, retryable) once all attempts timed out', async () => {
    const clients = new AwsClients({ maxAttempts: 3, retryMode: 'standard', limits: { requestTimeoutMs: 400, callBudgetMs: 60_000 } });
    try {
      const { ms, error } = await elapsed(() => clients.rds('us-east-1').send(new DescribeDBInstancesCommand({})));
      // Three attempts of 400 ms plus the standard backoff between them: far below the budget.
      expect(hung.requests).toBe(3);
      expect(ms).toBeGreaterThanOrEqual(1_200);
      expect(ms).toBeLessThan(10_000);
      const classified = classifyAwsError(error, 'DescribeDBInstances in us-east-1');
      expect([classified.code, classified.retryable]).toEqual(['TIMEOUT', true]);
      expect(classified.message).toMatch(/DescribeDBInstances in us-east-1: TimeoutError: .*requestTimeout/);
    } finally {
      clients.destroy();
    }
  });

  it('bounds the whole call by its budget across retries, and then skips the endpoint at once', async () => {
    const clients = new AwsClients({ maxAttempts: 8, retryMode: 'standard', limits: { requestTimeoutMs: 500, callBudgetMs: 1_500 } });
    try {
      const provider = new RdsSnapshotProvider(clients);
      const first = await elapsed(() => provider.listSnapshots('us-east-1', 'instance'));
      expect(first.ms).toBeGreaterThanOrEqual(1_400);
      expect(first.ms).toBeLessThan(3_000);
      expect(hung.requests).toBeGreaterThanOrEqual(2);
      expect(hung.requests).toBeLessThan(8); // the budget, not maxAttempts, ended it
      expect(first.error).toBeInstanceOf(SnapwardError);
      expect((first.error as SnapwardError).code).toBe('TIMEOUT');
      expect((first.error as SnapwardError).message).toMatch(/got no answer from http:\/\/127\.0\.0\.1:\d+ within its budget of 1500 ms/);

      // Same endpoint, another client (another region, another service): no second wait.
      const before = hung.requests;
      const second = await elapsed(() => provider.listSnapshots('eu-west-1', 'cluster'));
      expect(second.ms).toBeLessThan(300);
      expect(hung.requests).toBe(before);
      expect((second.error as SnapwardError).code).toBe('TIMEOUT');
      expect((second.error as SnapwardError).message).toMatch(/not sent: an earlier call got no answer/);
    } finally {
      clients.destroy();
    }
  });

  it('aborts the request in flight on the process-wide signal (INTERRUPTED) and sends nothing more', async () => {
    const controller = new AbortController();
    const clients = new AwsClients({ maxAttempts: 8, retryMode: 'standard', signal: controller.signal, limits: { requestTimeoutMs: 30_000, callBudgetMs: 60_000 } });
    try {
      const call = elapsed(() => new RdsSnapshotProvider(clients).listSnapshots('us-east-1', 'instance'));
      await waitFor(() => hung.requests === 1);
      const abortedAt = Date.now();
      controller.abort();
      const { error } = await call;
      expect(Date.now() - abortedAt).toBeLessThan(500);
      expect((error as SnapwardError).code).toBe('INTERRUPTED');
      await waitFor(() => hung.closedByClient === 1); // the socket itself was closed, not left hanging
      // Once aborted, a call is not even sent.
      const after = await elapsed(() => new RdsSnapshotProvider(clients).listSnapshots('us-west-2', 'instance'));
      expect(after.ms).toBeLessThan(100);
      expect((after.error as SnapwardError).code).toBe('INTERRUPTED');
      expect(hung.requests).toBe(1);
    } finally {
      clients.destroy();
    }
  });

  it('a signal set later (a Lambda invocation) reaches clients already built; the state store is not aborted by it', async () => {
    const clients = new AwsClients({ maxAttempts: 1, limits: { requestTimeoutMs: 1_500, callBudgetMs: 60_000 } });
    try {
      clients.rds('us-east-1'); // built before the signal exists
      const controller = new AbortController();
      clients.useSignal(controller.signal);
      controller.abort();
      const rds = await elapsed(() => new RdsSnapshotProvider(clients).listSnapshots('us-east-1', 'instance'));
      expect((rds.error as SnapwardError).code).toBe('INTERRUPTED');
      expect(rds.ms).toBeLessThan(100);
      // DynamoDB (the store records the interrupted run) still goes out, bounded by its timeout.
      const store = await elapsed(() => clients.dynamo('us-east-1').send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } })));
      expect(hung.requests).toBe(1);
      expect(classifyAwsError(store.error, 'GetItem').code).toBe('TIMEOUT');
      expect(store.ms).toBeGreaterThanOrEqual(1_400);
      clients.useSignal(undefined);
    } finally {
      clients.destroy();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

import { Readable } from 'node:stream';
import { AwsClients } from '../../src/adapters/aws/clients';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { SnapwardError } from '../../src/domain/errors';
import { CallCounter, isMutating, recordsIn } from '../../scripts/lib/call-counter';
import { RDS_THROTTLING_BODY, ThrottleInjector } from '../../scripts/lib/throttle-injector';

/**
 * The benchmark's measuring middlewares, driven through the real SDK stack (serialisation,
 * retries, deserialisation) with a scripted HTTP handler answering RDS's own XML, as
 * test/adapters/throttling.test.ts does.
 */
const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

const snapshotXml = (id: string): string =>
  `<DBSnapshot><DBSnapshotIdentifier>${id}</DBSnapshotIdentifier><DBInstanceIdentifier>db1</DBInstanceIdentifier><Status>available</Status><SnapshotType>manual</SnapshotType><Encrypted>true</Encrypted></DBSnapshot>`;

const describePage = (ids: string[], marker?: string): string =>
  `<DescribeDBSnapshotsResponse xmlns="${NS}"><DescribeDBSnapshotsResult><DBSnapshots>${ids.map(snapshotXml).join('')}</DBSnapshots>${marker ? `<Marker>${marker}</Marker>` : ''}</DescribeDBSnapshotsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBSnapshotsResponse>`;

const created = `<CreateDBSnapshotResponse xmlns="${NS}"><CreateDBSnapshotResult>${snapshotXml('s1').replace('available', 'creating')}</CreateDBSnapshotResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></CreateDBSnapshotResponse>`;
const deleted = `<DeleteDBSnapshotResponse xmlns="${NS}"><DeleteDBSnapshotResult>${snapshotXml('s1')}</DeleteDBSnapshotResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></DeleteDBSnapshotResponse>`;

interface Step {
  readonly status: number;
  readonly body: string;
}

/** Answers by action: a fixed body, or a function of the request's parameters. */
class ScriptedHandler {
  /** Every request that reached the "network": its action and parameters. */
  readonly requests: URLSearchParams[] = [];
  constructor(private readonly answer: (params: URLSearchParams, nth: number) => Step) {}
  async handle(request: { body?: string }): Promise<{ response: unknown }> {
    const params = new URLSearchParams(String(request.body ?? ''));
    this.requests.push(params);
    const step = this.answer(params, this.requests.length);
    return { response: { statusCode: step.status, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(step.body)]) } };
  }
  actions(): string[] {
    return this.requests.map((p) => p.get('Action') ?? '?');
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

function wire(handler: ScriptedHandler, options: { maxAttempts?: number; share?: number } = {}) {
  const counter = new CallCounter();
  const injector = new ThrottleInjector(options.share ?? 0);
  const clients = new AwsClients({
    requestHandler: handler,
    maxAttempts: options.maxAttempts ?? 4,
    retryMode: 'standard',
    onClient: (client, service, region) => {
      counter.attach(client, service, region);
      injector.attach(client, service, region);
    },
  });
  return { counter, injector, clients, provider: new RdsSnapshotProvider(clients) };
}

const request = { kind: 'instance' as const, region: 'us-east-1', dbId: 'db1', snapshotId: 's1', tags: {} };
const ids = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `s${from + i}`);

describe('bench call counter', () => {
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });

  it('counts calls by operation and region, mutating vs read, and the records each listing returned', async () => {
    const handler = new ScriptedHandler((p) => {
      switch (p.get('Action')) {
        case 'DescribeDBSnapshots':
          // moto-like paging: a first page of 2 with a marker, then the last page of 1.
          return p.get('Marker') === 'm1' ? { status: 200, body: describePage(ids(1, 2)) } : { status: 200, body: describePage(ids(2), 'm1') };
        case 'CreateDBSnapshot':
          return { status: 200, body: created };
        default:
          return { status: 200, body: deleted };
      }
    });
    const { counter, provider, clients } = wire(handler);
    expect(await provider.listSnapshots('us-east-1', 'instance')).toHaveLength(3);
    await provider.createSnapshot(request);
    await provider.deleteSnapshot({ id: 's1', region: 'eu-west-1', kind: 'instance' });
    clients.destroy();

    const s = counter.snapshot();
    expect(handler.actions()).toEqual(['DescribeDBSnapshots', 'DescribeDBSnapshots', 'CreateDBSnapshot', 'DeleteDBSnapshot']);
    expect(s).toMatchObject({ calls: 4, attempts: 4, retries: 0, throttled: 0, errors: 0, mutatingCalls: 2, readCalls: 2, recordsRead: 3 });
    expect(s.callsByOperation).toEqual({ CreateDBSnapshot: 1, DeleteDBSnapshot: 1, DescribeDBSnapshots: 2 });
    expect(s.callsByRegion).toEqual({ 'us-east-1': 3, 'eu-west-1': 1 });
    const describe = s.operations.find((o) => o.operation === 'DescribeDBSnapshots');
    // The two pages are one listing (the second call carried the first answer's marker).
    expect(describe).toMatchObject({ service: 'rds', region: 'us-east-1', calls: 2, records: 3, listings: 1, awsPagedCalls: 1, mutating: false });
    expect(s.awsPagedCalls).toBe(3);
  });

  it('re-counts a listing as AWS pages it: ceil(records / 100) calls, at least one', async () => {
    // moto answers DescribeDBSnapshots in one response however many records: 250 here.
    const handler = new ScriptedHandler((p) => ({ status: 200, body: p.get('DBSnapshotIdentifier') ? describePage([]) : describePage(ids(250)) }));
    const { counter, provider, clients } = wire(handler);
    await provider.listSnapshots('us-east-1', 'instance');
    await provider.describeSnapshot({ id: 'gone', region: 'us-east-1', kind: 'instance' });
    clients.destroy();
    const s = counter.snapshot();
    expect(s).toMatchObject({ calls: 2, recordsRead: 250, readCalls: 2, awsPagedCalls: 4, awsPagedReadCalls: 4 });
  });

  it('counts retries per attempt, agreeing with the SDK $metadata.attempts', async () => {
    const throttle = { status: 400, body: RDS_THROTTLING_BODY };
    const handler = new ScriptedHandler((_p, nth) => (nth === 1 ? throttle : { status: 200, body: created }));
    const { counter, provider, clients } = wire(handler);
    await provider.createSnapshot(request);
    clients.destroy();
    expect(handler.actions()).toEqual(['CreateDBSnapshot', 'CreateDBSnapshot']);
    expect(counter.snapshot()).toMatchObject({ calls: 1, attempts: 2, retries: 1, metadataRetries: 1, throttled: 1, errors: 0, mutatingCalls: 1 });
  });

  it('counts a call that fails after its last attempt as an error, with its attempts', async () => {
    const handler = new ScriptedHandler(() => ({ status: 400, body: RDS_THROTTLING_BODY }));
    const { counter, provider, clients } = wire(handler, { maxAttempts: 2 });
    const err = (await provider.createSnapshot(request).catch((e: unknown) => e)) as SnapwardError;
    clients.destroy();
    expect(err.code).toBe('THROTTLED');
    expect(counter.snapshot()).toMatchObject({ calls: 1, attempts: 2, retries: 1, metadataRetries: 1, throttled: 2, errors: 1 });
  });

  it('injected throttles are real RDS Throttling errors: the SDK retries them, the network never sees them', async () => {
    const handler = new ScriptedHandler((p) => (p.get('Action') === 'CreateDBSnapshot' ? { status: 200, body: created } : { status: 200, body: deleted }));
    // Every 2nd attempt throttled: call 1 passes; call 2 is throttled once, then passes; and so on.
    const { counter, injector, provider, clients } = wire(handler, { share: 0.5 });
    await provider.createSnapshot(request);
    await provider.deleteSnapshot({ id: 's1', region: 'us-east-1', kind: 'instance' });
    await provider.deleteSnapshot({ id: 's2', region: 'us-east-1', kind: 'instance' });
    clients.destroy();
    expect(handler.actions()).toEqual(['CreateDBSnapshot', 'DeleteDBSnapshot', 'DeleteDBSnapshot']);
    expect(injector).toMatchObject({ attempts: 5, injected: 2, injectedByOperation: { DeleteDBSnapshot: 2 } });
    expect(counter.snapshot()).toMatchObject({ calls: 3, attempts: 5, retries: 2, metadataRetries: 2, throttled: 2, errors: 0 });
  }, 20_000);

  it('an injected throttle on every attempt ends as THROTTLED after maxAttempts, as RDS throttling would', async () => {
    const handler = new ScriptedHandler(() => ({ status: 200, body: created }));
    const { counter, injector, provider, clients } = wire(handler, { share: 1, maxAttempts: 2 });
    const err = (await provider.createSnapshot(request).catch((e: unknown) => e)) as SnapwardError;
    clients.destroy();
    expect([err.code, err.retryable]).toEqual(['THROTTLED', true]);
    expect(handler.requests).toHaveLength(0);
    expect(injector.injected).toBe(2);
    expect(counter.snapshot()).toMatchObject({ calls: 1, attempts: 2, throttled: 2, errors: 1 });
  }, 20_000);

  it('throttles an exact, evenly spread share of attempts, deterministically', () => {
    const pattern = (share: number, n: number): string => {
      const injector = new ThrottleInjector(share);
      return Array.from({ length: n }, () => (injector.shouldThrottle() ? 'T' : '.')).join('');
    };
    expect(pattern(0.2, 10)).toBe('....T....T');
    expect(pattern(0.25, 8)).toBe('...T...T');
    expect(pattern(0, 5)).toBe('.....');
    expect(pattern(0.2, 1000).split('T')).toHaveLength(201);
    expect(pattern(0.3, 10)).toBe(pattern(0.3, 10));
    expect(() => new ThrottleInjector(1.5)).toThrow(/expected a number from 0 to 1/);
  });

  it('classifies operations and counts records of the describes a pass makes', () => {
    expect(['CreateDBSnapshot', 'CopyDBClusterSnapshot', 'DeleteDBSnapshot', 'AddTagsToResource'].every(isMutating)).toBe(true);
    expect(['DescribeDBSnapshots', 'DescribeKey', 'ListTagsForResource', 'GetBucketVersioning'].some(isMutating)).toBe(false);
    expect(recordsIn('DescribeDBClusters', { DBClusters: [{}, {}], Marker: 'x' })).toBe(2);
    expect(recordsIn('DescribeDBInstances', {})).toBe(0);
    expect(recordsIn('ListObjectsV2', { Contents: [{}, {}, {}], $metadata: {} })).toBe(3);
  });
});

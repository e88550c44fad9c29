import { createServer, Server } from 'node:http';
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { classifyAwsError } from '../../src/adapters/aws/errors';
import { RealisticAws } from '../../scripts/lib/realistic-aws';
import { RealisticAwsProxy, sourceOf } from '../../scripts/lib/realistic-aws-proxy';

/**
 * The realistic-AWS layer of the benchmark (scripts/lib/realistic-aws*.ts), through the real SDK,
 * in front of a scripted upstream that answers as moto does (every snapshot `available` at once,
 * no copy limit). The layer's clock is moved by hand.
 */
const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const T0 = Date.parse('2026-11-29T00:00:00Z');
const MIN = 60_000;

interface Snap {
  id: string;
  db: string;
  kind: 'instance' | 'cluster';
}

/** moto's shape of a DBSnapshot (no PercentProgress) and a DBClusterSnapshot (PercentProgress 100). */
function element(s: Snap): string {
  return s.kind === 'instance'
    ? `<DBSnapshot><DBSnapshotIdentifier>${s.id}</DBSnapshotIdentifier><DBInstanceIdentifier>${s.db}</DBInstanceIdentifier><SnapshotCreateTime>2026-11-29T18:04:06.218044Z</SnapshotCreateTime><Status>available</Status><SnapshotType>manual</SnapshotType><DBSnapshotArn>arn:aws:rds:x:123456789012:snapshot:${s.id}</DBSnapshotArn><TagList/><OriginalSnapshotCreateTime>2026-11-29T18:04:06.218044Z</OriginalSnapshotCreateTime></DBSnapshot>`
    : `<DBClusterSnapshot><DBClusterSnapshotIdentifier>${s.id}</DBClusterSnapshotIdentifier><DBClusterIdentifier>${s.db}</DBClusterIdentifier><SnapshotCreateTime>2026-11-29T18:04:07.611690Z</SnapshotCreateTime><Status>available</Status><SnapshotType>manual</SnapshotType><PercentProgress>100</PercentProgress><TagList/></DBClusterSnapshot>`;
}
const answer = (action: string, inner: string): string =>
  `<${action}Response xmlns="${NS}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`;

describe('realistic AWS layer (proxy + model)', () => {
  let upstream: Server;
  let upstreamUrl: string;
  /** region -> id -> snapshot, as the scripted "moto" holds them. */
  let store: Map<string, Map<string, Snap>>;
  let forwarded: string[];
  let now: number;
  let proxy: RealisticAwsProxy;
  let model: RealisticAws;
  let primary: RDSClient;
  let dr: RDSClient;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const p = new URLSearchParams(body);
        const action = p.get('Action') as string;
        forwarded.push(action);
        const region = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(req.headers.authorization))?.[1] as string;
        const snaps = store.get(region) ?? new Map<string, Snap>();
        store.set(region, snaps);
        let xml: string;
        if (action === 'CreateDBSnapshot') {
          const s: Snap = { id: p.get('DBSnapshotIdentifier') as string, db: p.get('DBInstanceIdentifier') as string, kind: 'instance' };
          snaps.set(s.id, s);
          xml = answer(action, element(s));
        } else if (action === 'CopyDBSnapshot' || action === 'CopyDBClusterSnapshot') {
          const cluster = action === 'CopyDBClusterSnapshot';
          const s: Snap = { id: p.get(cluster ? 'TargetDBClusterSnapshotIdentifier' : 'TargetDBSnapshotIdentifier') as string, db: 'db1', kind: cluster ? 'cluster' : 'instance' };
          snaps.set(s.id, s);
          xml = answer(action, element(s));
        } else if (action === 'DescribeDBSnapshots') {
          const id = p.get('DBSnapshotIdentifier');
          const list = [...snaps.values()].filter((s) => s.kind === 'instance' && (!id || s.id === id));
          xml = answer(action, `<DBSnapshots>${list.map(element).join('')}</DBSnapshots>`);
        } else if (action === 'DeleteDBSnapshot') {
          const s = snaps.get(p.get('DBSnapshotIdentifier') as string) as Snap;
          snaps.delete(s.id);
          xml = answer(action, element(s));
        } else {
          res.writeHead(400, { 'content-type': 'text/xml' });
          res.end(`<ErrorResponse xmlns="${NS}"><Error><Code>InvalidAction</Code><Message>${action}</Message></Error></ErrorResponse>`);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(xml);
      });
    });
    await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
    const address = upstream.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    upstreamUrl = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await new Promise<void>((done) => upstream.close(() => done()));
  });

  beforeEach(async () => {
    store = new Map();
    forwarded = [];
    now = T0;
    model = new RealisticAws({ clock: { now: () => new Date(now) }, createMinutes: 5, copyMinutes: 10 });
    proxy = new RealisticAwsProxy(upstreamUrl, model);
    const endpoint = await proxy.start();
    primary = new RDSClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    dr = new RDSClient({ region: 'us-west-2', endpoint, maxAttempts: 1 });
  });

  afterEach(async () => {
    primary.destroy();
    dr.destroy();
    await proxy.stop();
  });

  const copyOf = (id: string, target = id) =>
    dr.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: `arn:aws:rds:us-east-1:123456789012:snapshot:${id}`, TargetDBSnapshotIdentifier: target }));
  const describe1 = async (client: RDSClient, id: string) => (await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots?.[0];

  it('a new snapshot is creating for C minutes of the clock, with progress, then available; its create time is the clock time', async () => {
    const made = await primary.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'db1', DBSnapshotIdentifier: 'snap-a' }));
    expect([made.DBSnapshot?.Status, made.DBSnapshot?.PercentProgress]).toEqual(['creating', 0]);
    expect(made.DBSnapshot?.SnapshotCreateTime?.toISOString()).toBe(new Date(T0).toISOString());
    now = T0 + 2 * MIN;
    const mid = await describe1(primary, 'snap-a');
    expect([mid?.Status, mid?.PercentProgress]).toEqual(['creating', 40]);
    now = T0 + 5 * MIN - 1;
    expect((await describe1(primary, 'snap-a'))?.Status).toBe('creating');
    now = T0 + 5 * MIN;
    const done = await describe1(primary, 'snap-a');
    expect([done?.Status, done?.PercentProgress]).toEqual(['available', 100]);
  });

  it('a copy is copying for T minutes in every describe (by id and in listings), PercentProgress growing, then available', async () => {
    await primary.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'db1', DBSnapshotIdentifier: 'snap-a' }));
    now = T0 + 5 * MIN;
    const started = await copyOf('snap-a');
    expect([started.DBSnapshot?.Status, started.DBSnapshot?.PercentProgress]).toEqual(['copying', 0]);
    // An instance copy keeps its source's original create time (AWS: unchanged by copies).
    expect(started.DBSnapshot?.OriginalSnapshotCreateTime?.toISOString()).toBe(new Date(T0).toISOString());
    const seen: [string | undefined, number | undefined][] = [];
    for (const minutes of [3, 7, 10]) {
      now = T0 + (5 + minutes) * MIN;
      const listing = (await dr.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? [];
      expect(listing.map((s) => s.Status)).toEqual([(await describe1(dr, 'snap-a'))?.Status]);
      seen.push([listing[0]?.Status, listing[0]?.PercentProgress]);
    }
    expect(seen).toEqual([
      ['copying', 30],
      ['copying', 70],
      ['available', 100],
    ]);
    expect(model.history.map((t) => [t.op, t.region, t.id, t.dbId])).toEqual([
      ['create', 'us-east-1', 'snap-a', 'db1'],
      ['copy', 'us-west-2', 'snap-a', 'db1'],
    ]);
  });

  it("answers a copy beyond 20 in flight to a region with AWS's SnapshotQuotaExceeded, without forwarding it; a finished copy frees its slot", async () => {
    for (let i = 0; i < 20; i++) await copyOf(`s${i}`);
    const err = (await copyOf('s20').then(
      () => null,
      (e: unknown) => e,
    )) as (Error & { $metadata?: { httpStatusCode?: number } }) | null;
    expect(err).toBeInstanceOf(Error);
    expect([err?.name, err?.message, err?.$metadata?.httpStatusCode]).toEqual(['SnapshotQuotaExceededFault', 'Cannot copy more than 20 snapshots across regions', 400]);
    // The engine's classifier reads it as the copy limit (retry later), not the snapshot count quota.
    expect(classifyAwsError(err, 'CopyDBSnapshot s20').code).toBe('COPY_LIMIT_EXCEEDED');
    expect(forwarded.filter((a) => a === 'CopyDBSnapshot')).toHaveLength(20);
    expect(model.refusals).toEqual([{ at: T0, region: 'us-west-2', kind: 'instance', targetId: 's20', code: 'SnapshotQuotaExceeded' }]);
    expect(model.inFlight('us-west-2', 'instance')).toBe(20);
    // Another destination region has its own 20.
    const other = new RDSClient({ region: 'eu-central-1', endpoint: proxy.endpoint, maxAttempts: 1 });
    await expect(other.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'arn:aws:rds:eu-west-1:123456789012:snapshot:e1', TargetDBSnapshotIdentifier: 'e1' }))).resolves.toBeDefined();
    other.destroy();
    now = T0 + 10 * MIN;
    expect(model.inFlight('us-west-2', 'instance')).toBe(0);
    await expect(copyOf('s20')).resolves.toBeDefined();
  });

  it('cluster copies have their own limit of 5', async () => {
    const copyCluster = (id: string) =>
      dr.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: `arn:aws:rds:us-east-1:123456789012:cluster-snapshot:${id}`, TargetDBClusterSnapshotIdentifier: id }));
    for (let i = 0; i < 5; i++) {
      const c = await copyCluster(`c${i}`);
      expect([c.DBClusterSnapshot?.Status, c.DBClusterSnapshot?.PercentProgress]).toEqual(['copying', 0]);
    }
    await expect(copyCluster('c5')).rejects.toMatchObject({ name: 'SnapshotQuotaExceededFault', message: 'Cannot copy more than 5 snapshots across regions' });
    // Instance copies do not share the cluster slots.
    await expect(copyOf('i1')).resolves.toBeDefined();
  });

  it('copies checked at the same moment cannot overshoot the limit', async () => {
    const results = await Promise.allSettled(Array.from({ length: 26 }, (_, i) => copyOf(`p${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name)).toEqual(Array(6).fill('SnapshotQuotaExceededFault'));
    expect(forwarded).toHaveLength(20);
  });

  it('deleting a copy while it is copying cancels it and frees its slot at once', async () => {
    for (let i = 0; i < 20; i++) await copyOf(`s${i}`);
    now = T0 + 4 * MIN;
    await dr.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's7' }));
    expect(forwarded).toContain('DeleteDBSnapshot');
    expect(model.inFlight('us-west-2', 'instance')).toBe(19);
    const cancelled = model.history.find((t) => t.id === 's7');
    expect([cancelled?.cancelled, cancelled?.deletedAt]).toEqual([true, T0 + 4 * MIN]);
    await expect(copyOf('s20')).resolves.toBeDefined();
    await expect(copyOf('s21')).rejects.toMatchObject({ name: 'SnapshotQuotaExceededFault' });
    // A copy deleted once available was not cancelled.
    now = T0 + 11 * MIN;
    await dr.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's8' }));
    expect(model.history.find((t) => t.id === 's8')?.cancelled).toBe(false);
  });

  it('leaves snapshots it did not see made (another tool\'s, or made before it ran) as moto reports them', async () => {
    store.set('us-west-2', new Map([['foreign', { id: 'foreign', db: 'db9', kind: 'instance' }]]));
    await copyOf('ours');
    const listing = (await dr.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? [];
    expect(listing.map((s) => [s.DBSnapshotIdentifier, s.Status, s.PercentProgress, s.SnapshotCreateTime?.toISOString()])).toEqual([
      ['foreign', 'available', undefined, '2026-11-29T18:04:06.218Z'],
      ['ours', 'copying', 0, new Date(T0).toISOString()],
    ]);
    // Not ours, so not counted against the limit either (the layer knows only what went through it).
    expect(model.inFlight('us-west-2', 'instance')).toBe(1);
  });

  it('refuses, without forwarding, to delete a snapshot still creating or to copy from it (InvalidDBSnapshotState)', async () => {
    await primary.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'db1', DBSnapshotIdentifier: 'snap-a' }));
    now = T0 + 1 * MIN;
    await expect(primary.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'snap-a' }))).rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
    await expect(copyOf('snap-a')).rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
    expect(forwarded).toEqual(['CreateDBSnapshot']);
    // The refused copy took no slot.
    expect(model.inFlight('us-west-2', 'instance')).toBe(0);
    now = T0 + 5 * MIN;
    await expect(copyOf('snap-a')).resolves.toBeDefined();
  });

  it('counts the requests that name a watched id', async () => {
    proxy.watch('ghost-db');
    await primary.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'ghost-db', DBSnapshotIdentifier: 'sw-ghost-db-20261129' }));
    await primary.send(new DescribeDBSnapshotsCommand({ Filters: [{ Name: 'db-instance-id', Values: ['other', 'GHOST-DB'] }] }));
    await primary.send(new DescribeDBSnapshotsCommand({ Filters: [{ Name: 'db-instance-id', Values: ['other'] }] }));
    expect(proxy.namedCalls('ghost-db')).toBe(2);
  });

  it('jitter spreads durations within the bounds, repeatably for one seed', () => {
    const durations = (seed: number) => {
      const m = new RealisticAws({ clock: { now: () => new Date(T0) }, createMinutes: 5, copyMinutes: 10, copyJitter: 0.5, seed });
      return Array.from({ length: 50 }, (_, i) => m.started('copy', 'us-west-2', 'instance', `j${i}`, null).readyAt - T0);
    };
    const a = durations(7);
    expect(durations(7)).toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(5 * MIN);
    expect(Math.max(...a)).toBeLessThanOrEqual(15 * MIN);
    expect(new Set(a).size).toBeGreaterThan(40);
    expect(() => new RealisticAws({ clock: { now: () => new Date(T0) }, createMinutes: -1, copyMinutes: 10 })).toThrow('createMinutes is -1');
  });

  it('reads a copy source from an ARN (cross-region) or a plain id (same region)', () => {
    expect(sourceOf('arn:aws:rds:us-east-1:123456789012:snapshot:sw-db-1', 'us-west-2')).toEqual({ region: 'us-east-1', id: 'sw-db-1' });
    expect(sourceOf('arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:c1', 'eu-central-1')).toEqual({ region: 'eu-west-1', id: 'c1' });
    expect(sourceOf('local-id', 'us-west-2')).toEqual({ region: 'us-west-2', id: 'local-id' });
  });
});

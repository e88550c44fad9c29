import { createServer, Server } from 'node:http';
import { CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { ThrottlingProxy } from '../../scripts/lib/throttling-proxy';

/**
 * The fault suite's proxy, through the real SDK: a deterministic share of RDS requests answered
 * with RDS's Throttling error (which the SDK retries), the rest forwarded, and every successful
 * snapshot mutation recorded with its region, so a snapshot made twice cannot go unseen.
 */
const created = (id: string) =>
  `<CreateDBSnapshotResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><CreateDBSnapshotResult><DBSnapshot><DBSnapshotIdentifier>${id}</DBSnapshotIdentifier><DBInstanceIdentifier>db1</DBInstanceIdentifier><Status>creating</Status></DBSnapshot></CreateDBSnapshotResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></CreateDBSnapshotResponse>`;

describe('ThrottlingProxy', () => {
  let upstream: Server;
  let upstreamRequests = 0;
  let proxy: ThrottlingProxy;
  let endpoint: string;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        upstreamRequests += 1;
        const id = new URLSearchParams(body).get('DBSnapshotIdentifier') ?? '?';
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(created(id));
      });
    });
    await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
    const address = upstream.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    proxy = new ThrottlingProxy(`http://127.0.0.1:${address.port}`, 1 / 3);
    endpoint = await proxy.start();
  });

  afterAll(async () => {
    await proxy.stop();
    await new Promise<void>((done) => upstream.close(() => done()));
  });

  it('throttles a deterministic third of the RDS requests; the SDK retries them; successes are recorded by region and id', async () => {
    const rds = new RDSClient({ region: 'us-west-2', endpoint, maxAttempts: 5, retryMode: 'standard' });
    const answers = [];
    for (let i = 1; i <= 6; i += 1) answers.push(await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'db1', DBSnapshotIdentifier: `Snap-${i}` })));
    rds.destroy();
    expect(answers.map((a) => a.DBSnapshot?.DBSnapshotIdentifier)).toEqual(['Snap-1', 'Snap-2', 'Snap-3', 'Snap-4', 'Snap-5', 'Snap-6']);
    // Share 0.333: request i is throttled when floor((i+1)·0.333) > floor(i·0.333), i.e. the 4th
    // and the 7th of these 8 requests (6 calls, 2 of them retried once); the other 6 are forwarded.
    expect([proxy.seen, proxy.throttled, upstreamRequests]).toEqual([8, 2, 6]);
    expect(proxy.mutations).toEqual([1, 2, 3, 4, 5, 6].map((i) => ({ action: 'CreateDBSnapshot', region: 'us-west-2', snapshotId: `snap-${i}` })));
  });
});

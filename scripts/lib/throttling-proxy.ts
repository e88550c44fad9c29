import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { RDS_THROTTLING_BODY } from './throttle-injector';

/**
 * An HTTP proxy in front of moto for processes the fault suite cannot reach into (the built CLI
 * as a child process): it answers RDS's own `Throttling` error to a deterministic share of the RDS
 * requests, as throttle-injector.ts does in-process, and forwards everything else. It also
 * records every RDS mutation that succeeded, by target region and snapshot id, so that a snapshot
 * or copy made twice shows up whatever the inventory says afterwards.
 *
 * Which requests: with share p, RDS request i (from 0) is throttled when
 * floor((i+1)·p) > floor(i·p): exactly p·n of n requests, spread evenly.
 */
export interface Mutation {
  readonly action: string;
  readonly region: string;
  /** The snapshot made (CreateDBSnapshot, CreateDBClusterSnapshot, Copy*: the target) or deleted. */
  readonly snapshotId: string;
}

const MUTATION_ID_PARAMS: Readonly<Record<string, string>> = {
  CreateDBSnapshot: 'DBSnapshotIdentifier',
  CreateDBClusterSnapshot: 'DBClusterSnapshotIdentifier',
  CopyDBSnapshot: 'TargetDBSnapshotIdentifier',
  CopyDBClusterSnapshot: 'TargetDBClusterSnapshotIdentifier',
  DeleteDBSnapshot: 'DBSnapshotIdentifier',
  DeleteDBClusterSnapshot: 'DBClusterSnapshotIdentifier',
};

export class ThrottlingProxy {
  private perMille: number;
  private rdsRequests = 0;
  /** RDS requests seen / answered Throttling. */
  seen = 0;
  throttled = 0;
  /** Successful (HTTP 200) mutations, in order. */
  readonly mutations: Mutation[] = [];
  private server: Server | null = null;
  private readonly target: URL;

  constructor(targetEndpoint: string, share: number) {
    this.target = new URL(targetEndpoint);
    this.perMille = Math.round(share * 1000);
  }

  setShare(share: number): void {
    this.perMille = Math.round(share * 1000);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 1_000;
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => this.server?.close(() => done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const params = new URLSearchParams(body.toString('utf8'));
    const action = params.get('Action');
    // RDS speaks the query protocol with its own API version; KMS, S3 and the others pass through.
    const isRds = action !== null && params.get('Version') === '2014-10-31';
    if (isRds) {
      const i = this.rdsRequests++;
      this.seen += 1;
      if (Math.floor(((i + 1) * this.perMille) / 1000) > Math.floor((i * this.perMille) / 1000)) {
        this.throttled += 1;
        res.writeHead(400, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(RDS_THROTTLING_BODY) });
        res.end(RDS_THROTTLING_BODY);
        return;
      }
    }
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.target.host } },
      (up) => {
        const idParam = isRds && action ? MUTATION_ID_PARAMS[action] : undefined;
        if (idParam && up.statusCode === 200) {
          this.mutations.push({ action: action as string, region: regionOf(req), snapshotId: (params.get(idParam) ?? '').toLowerCase() });
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
    upstream.end(body);
  }
}

/** The region of a SigV4-signed request: `Credential=AKID/20261129/us-west-2/rds/aws4_request`. */
function regionOf(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'unknown';
}

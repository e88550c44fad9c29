import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { RealisticAws, SnapshotKind, Verdict } from './realistic-aws';

/**
 * An HTTP proxy between the SDK and moto that makes moto behave like AWS in time (the model is
 * realistic-aws.ts): it answers the copy limit and the state errors itself, without forwarding,
 * and rewrites the snapshot elements of moto's answers (describes by id, filtered and unfiltered
 * listings, and the answers of the create and copy calls themselves).
 *
 * Why a proxy rather than an SDK middleware: the SDK parses AWS's error (the XML body, HTTP 400)
 * exactly as it would parse AWS's, so the error's name, message, `$metadata` and retry
 * classification are the SDK's own, not a hand-built imitation; moto's filters and paging stay
 * moto's (the proxy only rewrites what comes back); and every client the app builds goes through
 * it with no hook in the app. The proxy runs in the app's process and reads the app's Clock.
 *
 * It also counts the requests that name given strings (a database id): `namedCalls`.
 */
const RDS_VERSION = '2014-10-31';

interface ActionSpec {
  readonly kind: SnapshotKind;
  readonly idParam: string;
}

const CREATES: Readonly<Record<string, ActionSpec>> = {
  CreateDBSnapshot: { kind: 'instance', idParam: 'DBSnapshotIdentifier' },
  CreateDBClusterSnapshot: { kind: 'cluster', idParam: 'DBClusterSnapshotIdentifier' },
};
const COPIES: Readonly<Record<string, ActionSpec & { readonly sourceParam: string }>> = {
  CopyDBSnapshot: { kind: 'instance', idParam: 'TargetDBSnapshotIdentifier', sourceParam: 'SourceDBSnapshotIdentifier' },
  CopyDBClusterSnapshot: { kind: 'cluster', idParam: 'TargetDBClusterSnapshotIdentifier', sourceParam: 'SourceDBClusterSnapshotIdentifier' },
};
const DELETES: Readonly<Record<string, ActionSpec>> = {
  DeleteDBSnapshot: { kind: 'instance', idParam: 'DBSnapshotIdentifier' },
  DeleteDBClusterSnapshot: { kind: 'cluster', idParam: 'DBClusterSnapshotIdentifier' },
};

export class RealisticAwsProxy {
  private server: Server | null = null;
  private readonly target: URL;
  /** RDS requests per action, and those the proxy answered itself. */
  readonly requests = new Map<string, number>();
  refused = 0;
  /** Where the SDK should send its requests, once started. */
  endpoint = '';
  private readonly watched = new Map<string, number>();

  constructor(targetEndpoint: string, readonly model: RealisticAws) {
    this.target = new URL(targetEndpoint);
  }

  /** Counts from now on every request (any service) with a parameter value containing `needle`. */
  watch(needle: string): void {
    this.watched.set(needle.toLowerCase(), this.watched.get(needle.toLowerCase()) ?? 0);
  }

  namedCalls(needle: string): number {
    return this.watched.get(needle.toLowerCase()) ?? 0;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    this.endpoint = `http://127.0.0.1:${address.port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const text = body.toString('utf8');
    this.countNamed(text, req.url ?? '');
    const params = new URLSearchParams(text);
    const action = params.get('Action');
    if (action === null || params.get('Version') !== RDS_VERSION) return this.forward(req, body, res, null);
    this.requests.set(action, (this.requests.get(action) ?? 0) + 1);
    const region = regionOf(req);
    const model = this.model;

    let refusal: Verdict | null = null;
    let after: ((xml: string) => void) | null = null;
    let failed: (() => void) | null = null;
    const create = CREATES[action];
    const copy = COPIES[action];
    const del = DELETES[action];
    if (create) {
      const id = params.get(create.idParam) ?? '';
      after = (xml) => model.started('create', region, create.kind, id, dbIdOf(xml));
    } else if (copy) {
      const id = params.get(copy.idParam) ?? '';
      const source = sourceOf(params.get(copy.sourceParam) ?? '', region);
      refusal = model.checkCopy(region, copy.kind, id, source);
      after = (xml) => model.started('copy', region, copy.kind, id, dbIdOf(xml), source);
      failed = () => model.released(region, copy.kind);
    } else if (del) {
      const id = params.get(del.idParam) ?? '';
      refusal = model.checkDelete(region, del.kind, id);
      after = () => model.deleted(region, del.kind, id);
    }
    if (refusal) {
      this.refused += 1;
      res.writeHead(refusal.status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(refusal.body) });
      res.end(refusal.body);
      return;
    }
    return this.forward(req, body, res, { region, after, failed });
  }

  /**
   * Sends the request on to moto. RDS answers are read whole: on success the model learns what
   * was made or deleted, then the snapshot elements are rewritten. Everything else is piped.
   */
  private forward(req: IncomingMessage, body: Buffer, res: ServerResponse, rds: { region: string; after: ((xml: string) => void) | null; failed: (() => void) | null } | null): void {
    // No compressed answers: the proxy rewrites the body as text.
    const { 'accept-encoding': _ignored, ...headers } = req.headers;
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: { ...headers, host: this.target.host } },
      (up) => {
        if (!rds) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          let xml = Buffer.concat(parts).toString('utf8');
          const status = up.statusCode ?? 502;
          if (status === 200) {
            rds.after?.(xml);
            xml = this.model.rewrite(xml, rds.region);
          } else rds.failed?.();
          const { 'content-length': _len, 'transfer-encoding': _te, ...upHeaders } = up.headers;
          res.writeHead(status, { ...upHeaders, 'content-length': Buffer.byteLength(xml) });
          res.end(xml);
        });
        up.on('error', (err) => {
          rds.failed?.();
          res.destroy(err);
        });
      },
    );
    upstream.on('error', (err) => {
      rds?.failed?.();
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
    upstream.end(body);
  }

  private countNamed(body: string, url: string): void {
    if (this.watched.size === 0) return;
    const haystack = `${decodeSafe(url)}\n${decodeSafe(body)}`.toLowerCase();
    for (const needle of this.watched.keys()) if (haystack.includes(needle)) this.watched.set(needle, (this.watched.get(needle) ?? 0) + 1);
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The region of a SigV4-signed request: `Credential=AKID/20261129/us-west-2/rds/aws4_request`. */
export function regionOf(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'unknown';
}

/** A copy's source: a full ARN (`arn:aws:rds:us-east-1:123:snapshot:id`, cross-region) or a plain id (same region). */
export function sourceOf(value: string, callRegion: string): { region: string; id: string } | null {
  if (!value) return null;
  const arn = /^arn:[^:]+:rds:([^:]+):[^:]*:(?:snapshot|cluster-snapshot):(.+)$/.exec(value);
  return arn ? { region: arn[1] as string, id: arn[2] as string } : { region: callRegion, id: value };
}

/** The database a create/copy answer names (DBInstanceIdentifier or DBClusterIdentifier). */
function dbIdOf(xml: string): string | null {
  return /<DB(?:Instance|Cluster)Identifier>([^<]*)<\/DB(?:Instance|Cluster)Identifier>/.exec(xml)?.[1] ?? null;
}

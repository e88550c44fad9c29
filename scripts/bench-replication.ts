import { CreateBucketCommand, PutBucketReplicationCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/load';
import { AwsClients } from '../src/adapters/aws/clients';
import { S3ObjectStore } from '../src/adapters/aws/s3-object-store';
import { verifyReplication } from '../src/app/verify-replication';
import { buildApp } from '../src/composition';
import { PairResult } from '../src/domain/replication/result';
import { ObjectHead, ObjectSummary } from '../src/domain/replication/types';
import { silentLogger } from '../src/ports/logger';
import { ObjectStore } from '../src/ports/object-store';
import { MotoServer, startMoto } from './lib/moto';

/**
 * Full verification of one attachment pair at scale: fills a source and a replica bucket with N
 * objects (1% missing from the replica, 0.5% with another size, 0.1% only in the replica), runs
 * `verify-replication --full`, and reports objects per second and peak RSS. Exits 1 unless the
 * verifier finds exactly what was planted and peak RSS stays under 256 MB.
 *
 *   npm run bench:replication -- --objects 100000 [--json] [--synthetic]
 *
 * One moto server per region (as two AWS regions are two endpoints), so the fill, which moto
 * makes slow (~170 PutObject/s per server), uses both cores. The verification runs in a child
 * process so its peak RSS (`maxRSS`) is the verifier's alone. `--synthetic` skips moto and lists
 * generated buckets in process: the merge and its memory at sizes moto cannot hold (1,000,000+).
 */
const RSS_LIMIT_MB = 256;
const SRC = { bucket: 'bench-src', region: 'us-east-1' };
const DR = { bucket: 'bench-dr', region: 'us-west-2' };

const key = (i: number): string => `att/${String(i).padStart(8, '0')}`;
const isMissing = (i: number): boolean => i % 100 === 37;
const isResized = (i: number): boolean => i % 200 === 11;
const hasExtra = (i: number): boolean => i % 1000 === 500; // sorts right after key(i): `~` is above every key character
const planted = (n: number) => {
  const count = (f: (i: number) => boolean) => Array.from({ length: n }, (_, i) => i).filter(f).length;
  return { checked: n, missing: count(isMissing), mismatched: count(isResized), extra: count(hasExtra) };
};

interface ChildReport {
  readonly verifySeconds: number;
  readonly sampledPeakRssMb: number;
  readonly maxRssMb: number;
  readonly pair: PairResult;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function parent(): Promise<number> {
  const n = Number(arg('--objects') ?? 100_000);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--objects: got ${arg('--objects')}, expected a whole number >= 1`);
  const synthetic = process.argv.includes('--synthetic');
  const servers: MotoServer[] = [];
  let fillSeconds: number | null = null;
  try {
    if (!synthetic) {
      servers.push(await startMoto(), await startMoto());
      const t0 = performance.now();
      await fill(n, servers[0] as MotoServer, servers[1] as MotoServer);
      fillSeconds = (performance.now() - t0) / 1000;
    }
    const report = await runChild(n, synthetic, servers.map((s) => s.endpoint));
    const want = planted(n);
    const o = report.pair.objects;
    const found = { checked: o.checked, missing: o.missing, mismatched: o.mismatched, extra: o.extra };
    const asPlanted = JSON.stringify(found) === JSON.stringify(want);
    const underLimit = report.maxRssMb < RSS_LIMIT_MB;
    const result = {
      store: synthetic ? 'synthetic' : 'moto',
      objects: n,
      fillSeconds: fillSeconds === null ? null : round(fillSeconds),
      verifySeconds: round(report.verifySeconds),
      objectsPerSecond: Math.round(n / report.verifySeconds),
      peakRssMb: { sampled: round(report.sampledPeakRssMb), maxRss: round(report.maxRssMb), limit: RSS_LIMIT_MB },
      planted: want,
      found,
      ok: asPlanted && underLimit && !report.pair.error,
    };
    if (process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const line = (s: string) => process.stdout.write(`${s}\n`);
      line(`replication verification benchmark: ${n.toLocaleString('en')} objects, full mode, ${result.store}`);
      if (fillSeconds !== null) line(`fill:   ${result.fillSeconds} s (${Math.round((2 * n) / fillSeconds)} PutObject/s over two moto servers)`);
      line(`verify: ${result.verifySeconds} s, ${result.objectsPerSecond.toLocaleString('en')} source objects/s`);
      line(`memory: peak RSS ${result.peakRssMb.sampled} MB sampled, ${result.peakRssMb.maxRss} MB maxRSS (limit ${RSS_LIMIT_MB} MB)`);
      line(`found:  ${JSON.stringify(found)} ${asPlanted ? '= planted' : `!= planted ${JSON.stringify(want)}`}`);
    }
    if (report.pair.error) process.stderr.write(`bench: the pair could not be checked: ${report.pair.error.message}\n`);
    return result.ok ? 0 : 1;
  } finally {
    for (const s of servers) await s.stop();
  }
}

/** Buckets, versioning and a replication rule through the SDK; then the objects, 16 PUTs in flight per server. */
async function fill(n: number, src: MotoServer, dr: MotoServer): Promise<void> {
  for (const [b, server] of [[SRC, src], [DR, dr]] as const) {
    const client = new S3Client({ region: b.region, endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await client.send(new CreateBucketCommand({ Bucket: b.bucket, ...(b.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: b.region as never } }) }));
    await client.send(new PutBucketVersioningCommand({ Bucket: b.bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    if (b === SRC) {
      await client.send(
        new PutBucketReplicationCommand({
          Bucket: b.bucket,
          ReplicationConfiguration: { Role: 'arn:aws:iam::123456789012:role/r', Rules: [{ ID: 'to-dr', Status: 'Enabled', Priority: 1, Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Disabled' }, Destination: { Bucket: `arn:aws:s3:::${DR.bucket}` } }] },
        }),
      );
    }
    client.destroy();
  }
  const replica = function* (): Generator<[string, number]> {
    for (let i = 0; i < n; i++) {
      if (!isMissing(i)) yield [key(i), isResized(i) ? 24 : 16];
      if (hasExtra(i)) yield [`${key(i)}~old`, 16];
    }
  };
  const source = function* (): Generator<[string, number]> {
    for (let i = 0; i < n; i++) yield [key(i), 16];
  };
  await Promise.all([putAll(src, SRC, source(), n, 'source'), putAll(dr, DR, replica(), n, 'replica')]);
}

/**
 * PutObject over plain keep-alive HTTP. The SDK costs ~2.5 ms of CPU per call (signing,
 * checksums, middleware), which on a small machine competes with moto for the cores; moto does
 * not check signatures. The verifier itself uses the SDK.
 */
async function putAll(server: MotoServer, b: typeof SRC, objects: Iterator<[string, number]>, n: number, label: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const auth = `AWS4-HMAC-SHA256 Credential=test/20260101/${b.region}/s3/aws4_request, SignedHeaders=host, Signature=bench`;
  let done = 0;
  const put = (k: string, size: number) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${b.bucket}/${k.split('/').map(encodeURIComponent).join('/')}`, agent, headers: { authorization: auth, 'content-length': size } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${k}: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(Buffer.alloc(size, 'x'));
    });
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let next = objects.next(); !next.done; next = objects.next()) {
        await put(...next.value);
        if (++done % Math.max(1, Math.floor(n / 10)) === 0) process.stderr.write(`bench: ${label} ${done.toLocaleString('en')} objects written\n`);
      }
    }),
  );
  agent.destroy();
}

function runChild(n: number, synthetic: boolean, endpoints: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', String(n), synthetic ? 'synthetic' : 'moto', ...endpoints], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: ChildReport | null = null;
    child.on('message', (m) => (report = m as ChildReport));
    child.on('error', reject);
    child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`verification child exited with ${code} and no report`))));
  });
}

/** The verification alone, in its own process. */
async function child(): Promise<void> {
  const [n, storeKind, srcEndpoint, drEndpoint] = process.argv.slice(process.argv.indexOf('--child') + 1);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const objects: ObjectStore = storeKind === 'synthetic' ? syntheticStore(Number(n)) : new S3ObjectStore(new RegionRoutedClients({ [SRC.region]: srcEndpoint as string, [DR.region]: drEndpoint as string }));
  const yaml = `attachments:\n  - { name: bench, tier: 1, source: { bucket: ${SRC.bucket}, region: ${SRC.region} }, replica: { bucket: ${DR.bucket}, region: ${DR.region} } }\nstate: { sqlite: state.db }\n`;
  const app = buildApp({ config: parseConfig(yaml, null, mkdtempSync(join(tmpdir(), 'snapward-bench-'))), logger: silentLogger });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const report = await verifyReplication({ ...app.deps, objects }, { trigger: 'test', mode: 'full' });
  const verifySeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await app.close();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const message: ChildReport = { verifySeconds, sampledPeakRssMb: mb(peak), maxRssMb: process.resourceUsage().maxRSS / 1024, pair: report.pairs[0] as PairResult };
  process.send?.(message, () => process.exit(0));
}

/** S3 clients pointed at one endpoint per region (the bench's two moto servers). */
class RegionRoutedClients extends AwsClients {
  private readonly routed = new Map<string, S3Client>();
  constructor(private readonly endpoints: Record<string, string>) {
    super();
  }
  override s3(region: string): S3Client {
    let c = this.routed.get(region);
    if (!c) this.routed.set(region, (c = new S3Client({ region, endpoint: this.endpoints[region], forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })));
    return c;
  }
}

/** Generated buckets with the same plan as the fill, listed lazily in pages of 1,000: no HTTP, no storage. */
function syntheticStore(n: number): ObjectStore {
  const at = new Date('2026-01-01T00:00:00Z');
  const page = 1000;
  return {
    async *listObjects(_region: string, bucket: string): AsyncGenerator<readonly ObjectSummary[]> {
      let out: ObjectSummary[] = [];
      for (let i = 0; i < n; i++) {
        if (bucket === SRC.bucket || !isMissing(i)) out.push({ key: key(i), size: bucket === DR.bucket && isResized(i) ? 24 : 16, lastModified: at });
        if (bucket === DR.bucket && hasExtra(i)) out.push({ key: `${key(i)}~old`, size: 16, lastModified: at });
        if (out.length >= page) {
          yield out;
          out = [];
        }
      }
      if (out.length) yield out;
    },
    async headObject(_region: string, bucket: string, k: string): Promise<ObjectHead | null> {
      const i = Number(k.slice(4, 12));
      if (bucket === DR.bucket && isMissing(i)) return null;
      return { key: k, size: bucket === DR.bucket && isResized(i) ? 24 : 16, lastModified: at, versionId: null, replicationStatus: null };
    },
    getBucketVersioning: async () => 'Enabled',
    getBucketReplication: async () => ({
      role: null,
      rules: [{ id: 'to-dr', status: 'Enabled', priority: 1, prefix: '', narrowedBy: null, destinationBucketArn: `arn:aws:s3:::${DR.bucket}`, deleteMarkerReplication: null, sseKmsEncryptedObjects: null, replicaKmsKeyId: null, replicationTime: null }],
    }),
    getBucketLocation: async (region: string) => region,
  };
}

const round = (x: number): number => Math.round(x * 10) / 10;

if (process.argv.includes('--child')) {
  child().catch((err: unknown) => {
    process.stderr.write(`bench child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
} else {
  parent().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

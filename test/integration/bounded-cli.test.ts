import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The built CLI (bin/snapward.js, a real process) against an endpoint that accepts connections
 * and never answers: every command ends by itself, non-zero, and Ctrl-C / SIGTERM end it within
 * 10 seconds with 130, the run recorded as interrupted with its real duration and the instances
 * it did not reach. No moto: a local TCP server plays the endpoint.
 */
const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'snapward.js');

/**
 * Speaks just enough HTTP to answer the snapshot listings (empty) and hangs on every other
 * request, so a pass gets past its listings and hangs in the middle of an instance's work.
 */
class PartlyHungEndpoint {
  readonly hungActions: string[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly answer: (action: string) => string | null) {}

  async start(): Promise<string> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        for (;;) {
          const headerEnd = buffered.indexOf('\r\n\r\n');
          if (headerEnd < 0) return;
          const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, headerEnd))?.[1] ?? 0);
          if (buffered.length < headerEnd + 4 + length) return;
          const body = buffered.slice(headerEnd + 4, headerEnd + 4 + length);
          buffered = buffered.slice(headerEnd + 4 + length);
          const action = new URLSearchParams(body).get('Action') ?? /x-amz-target: *([^\r\n]+)/i.exec(buffered)?.[1] ?? 'unknown';
          const xml = this.answer(action);
          if (xml === null) {
            this.hungActions.push(action);
            continue; // never answered
          }
          socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: ${Buffer.byteLength(xml)}\r\n\r\n${xml}`);
        }
      });
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => this.server?.close(() => done()));
  }
}

const emptyListing = (action: string): string | null => {
  // Who the caller is (sts:GetCallerIdentity, asked once per process) is answered too.
  if (action === 'GetCallerIdentity') {
    return '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/test</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetCallerIdentityResponse>';
  }
  const result = action === 'DescribeDBSnapshots' ? 'DBSnapshots' : action === 'DescribeDBClusterSnapshots' ? 'DBClusterSnapshots' : null;
  if (!result) return null;
  return `<${action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><${action}Result><${result}></${result}></${action}Result><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></${action}Response>`;
};

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** When the process ended (Date.now()). */
  readonly endedAt: number;
}

function startCli(args: string[], endpoint: string): { child: ChildProcess; done: Promise<Finished> } {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  };
  const child = spawn('node', [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Finished>((resolveDone) => {
    child.on('exit', (code, signal) => resolveDone({ code, signal, stdout, stderr, endedAt: Date.now() }));
  });
  return { child, done };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const fleetYaml = (aws: string) => `kms:
  us-west-2: alias/snapward-dr
instances:
  - { id: hung-db-1, region: us-east-1, drRegion: us-west-2, tier: 1 }
  - { id: hung-db-2, region: us-east-1, drRegion: us-west-2, tier: 1 }
  - { id: hung-db-3, region: us-east-1, drRegion: us-west-2, tier: 1 }
concurrency:
  instances: 1
state:
  sqlite: state/snapward.db
${aws}`;

describe('the CLI against an endpoint that never answers', () => {
  let endpoint: PartlyHungEndpoint;
  let url: string;
  let dir: string;

  const writeConfig = (aws: string): string => {
    const path = join(dir, 'snapward.yaml');
    writeFileSync(path, fleetYaml(aws));
    return path;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'snapward-hung-'));
  });

  afterEach(async () => {
    await endpoint.stop();
  });

  it.each([['run'], ['status'], ['check']])('%s ends by itself within the configured call limits, exit 4 (unobserved)', async (command) => {
    endpoint = new PartlyHungEndpoint(() => null);
    url = await endpoint.start();
    const config = writeConfig('aws: { connectTimeout: 1s, requestTimeout: 1s, callBudget: 2s }\n');
    const t0 = Date.now();
    const { done } = startCli([command, '--json', '--config', config], url);
    const result = await done;
    const seconds = (result.endedAt - t0) / 1000;
    // One call waits its 2 s budget; the breaker fails every later call to the endpoint at once.
    expect(seconds).toBeLessThan(20); // generous: the machine may be busy
    expect(endpoint.hungActions.length).toBeGreaterThan(0);
    expect(result.signal).toBeNull();
    expect(result.stdout).toMatch(/"TIMEOUT"/);
    expect(result.stdout).toMatch(/got no answer from http:\/\/127\.0\.0\.1:\d+ within its budget of 2 s/);
    // Could not look: exit 4 (part of the fleet unobserved), one cause for the whole region.
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/"cause": ?"unreachable \(no answer in time\)"/);
  }, 30_000);

  it('SIGTERM in the middle of an instance: exit 130 within 10 s, the run recorded as interrupted with its duration and the instances not reached', async () => {
    endpoint = new PartlyHungEndpoint(emptyListing); // listings answer; CreateDBSnapshot hangs
    url = await endpoint.start();
    // Generous limits: without the signal, this pass would hang for minutes.
    const config = writeConfig('aws: { requestTimeout: 5m, callBudget: 10m }\n');
    const startedAt = Date.now();
    const { child, done } = startCli(['run', '--json', '--config', config], url);
    await waitFor(() => endpoint.hungActions.includes('CreateDBSnapshot'), 20_000);
    await new Promise((r) => setTimeout(r, 500)); // hung for a while
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.endedAt - signalledAt).toBeLessThan(10_000);

    const report = JSON.parse(result.stdout);
    expect(report.outcome).toBe('interrupted');
    expect(report.notReached).toEqual(['hung-db-2', 'hung-db-3']);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ instanceId: 'hung-db-1', status: 'failed', errors: [expect.objectContaining({ code: 'INTERRUPTED', step: 'create' })] });

    // The history (SQLite, read by another process) agrees, with the run's real duration.
    endpoint.hungActions.length = 0;
    const runs = await startCli(['runs', '--json', '--config', config], url).done;
    expect(runs.code).toBe(0);
    const recorded = JSON.parse(runs.stdout).find((r: { id: string }) => r.id === report.runId);
    expect(recorded).toMatchObject({ outcome: 'interrupted', error: { code: 'INTERRUPTED' } });
    expect(recorded.error.message).toMatch(/stopped after 1 of 3 instances with work due.*not reached: hung-db-2, hung-db-3/);
    const took = Date.parse(recorded.finishedAt) - Date.parse(recorded.startedAt);
    expect(took).toBeGreaterThanOrEqual(signalledAt - startedAt - 2_000); // not "0 s": it ran until the signal
    expect(Date.parse(recorded.finishedAt)).toBeLessThanOrEqual(result.endedAt);
    expect(Date.parse(recorded.finishedAt)).toBeGreaterThanOrEqual(signalledAt - 1_000);
  }, 60_000);

  it.each([['status'], ['check']])('%s: SIGINT ends it within 10 s with 130', async (command) => {
    endpoint = new PartlyHungEndpoint(() => null);
    url = await endpoint.start();
    const config = writeConfig('aws: { requestTimeout: 5m, callBudget: 10m }\n');
    const { child, done } = startCli([command, '--config', config], url);
    await waitFor(() => endpoint.hungActions.length > 0, 20_000);
    const signalledAt = Date.now();
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.endedAt - signalledAt).toBeLessThan(10_000);
    expect(result.stdout).toMatch(/interrupted \(snapward was asked to stop\)/);
    // An interrupted read is not a finding: Ctrl-C on a check must not page anyone.
    const findings = await startCli(['findings', '--all', '--json', '--config', config], url).done;
    expect(JSON.parse(findings.stdout)).toEqual([]);
  }, 60_000);
});

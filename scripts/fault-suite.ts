import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { MotoServer, startMoto } from './lib/moto';
import { DR_KEY_ALIAS, seedFleet, SeedDatabase, useEmulator } from './lib/seed-fleet';
import { Mutation, ThrottlingProxy } from './lib/throttling-proxy';
import { mulberry32 } from './lib/prng';

/**
 * The fault suite: `npm run faults [-- --trials N --concurrent K --instances M --throttle P --seed S --json]`.
 *
 * Against moto, through a proxy that answers RDS `Throttling` to a share of the RDS requests (a
 * third by default), it drives the built CLI (bin/snapward.js) as child processes:
 *  - a calibration run on a fresh fleet, to learn how long a whole pass takes;
 *  - N kill trials: on a fresh fleet and state, `run` is killed with SIGKILL after a random delay
 *    within that pass time, then re-run (at most 3 times) until it has nothing left to do;
 *  - K concurrency trials: two `run`s started at once on the same new state file, then one more.
 * After each trial it checks the invariants:
 *  - duplicates (must be 0): a snapshot or copy made twice for one period, counted two ways:
 *    successful Create/Copy answers per target id seen by the proxy, and managed snapshots per
 *    instance, region and period in moto's inventory;
 *  - lost records (must be 0): a run left `running` after the next command reaped it, or a run
 *    that finished (its process printed its report) missing from the history or not finished;
 *    a killed run may end up `interrupted` (reaped) or with its own outcome (killed after it
 *    recorded its end);
 *  - convergence: after the re-runs, every instance has its period's snapshot and its DR copy.
 * Figures: trials, kill points, re-runs, throttled requests, duplicates, lost records, instances
 * a re-run skipped because the killed run's lease was still held ("dead-lease skips": a dead
 * run's lease must not block anyone), trials that did not converge. It exits 1 when an invariant
 * fails: a duplicate, a lost record, a dead-lease skip or a trial that did not converge.
 */
export interface FaultOptions {
  readonly trials: number;
  readonly instances: number;
  /** Share of RDS requests answered Throttling. */
  readonly throttle: number;
  readonly seed: number;
  /** Trials with two passes started at once (default 1). */
  readonly concurrentTrials?: number;
  readonly log?: (line: string) => void;
}

export interface TrialResult {
  readonly name: string;
  /** ms after spawn when SIGKILL was sent; null: not a kill trial. */
  readonly killAfterMs: number | null;
  /** True when the killed process had already exited by itself. */
  readonly finishedBeforeKill: boolean;
  readonly runs: number;
  /** The killed run got as far as recording its start (then reaped as interrupted by a re-run). */
  readonly killedRunRecorded: boolean;
  readonly duplicates: readonly string[];
  readonly lostRecords: readonly string[];
  readonly deadLeaseSkips: number;
  readonly converged: boolean;
  readonly notConverged: readonly string[];
  readonly seconds: number;
}

export interface FaultReport {
  readonly seed: number;
  readonly instances: number;
  readonly throttleShare: number;
  readonly trials: number;
  readonly killTrials: number;
  readonly killedMidRun: number;
  /** Kill trials whose killed run had recorded its start (the rest died before, e.g. in start-up). */
  readonly killedAfterRunStarted: number;
  readonly concurrentTrials: number;
  readonly cliRuns: number;
  readonly rdsRequests: number;
  readonly rdsThrottled: number;
  readonly duplicates: number;
  readonly lostRecords: number;
  readonly deadLeaseSkips: number;
  readonly notConverged: number;
  /** Of those, trials with no dead-lease skip to explain it. */
  readonly notConvergedUnexplained: number;
  readonly passSeconds: number;
  readonly seconds: number;
  readonly ok: boolean;
  readonly details: readonly TrialResult[];
}

const REGION = 'us-east-1';
const DR_REGION = 'us-west-2';
const LEASE_SKIP = /another run is working on this instance/;

interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

interface RunReport {
  readonly runId: string | null;
  readonly outcome: string;
  readonly results: readonly { instanceId: string; status: string; warnings: readonly string[] }[];
  readonly summary: { failed: number; created: number; copied: number };
}

interface RunRecord {
  readonly id: string;
  readonly outcome: string;
  readonly finishedAt: string | null;
}

export async function runFaultSuite(options: FaultOptions): Promise<FaultReport> {
  const log = options.log ?? (() => undefined);
  const t0 = Date.now();
  const random = mulberry32(options.seed);
  const moto = await startMoto();
  const proxy = new ThrottlingProxy(moto.endpoint, options.throttle);
  const proxyEndpoint = await proxy.start();
  const work = mkdtempSync(join(tmpdir(), 'snapward-faults-'));
  const details: TrialResult[] = [];
  let cliRuns = 0;
  const cli = (dir: string, args: string[], killAfterMs: number | null = null): Promise<CliResult> => {
    cliRuns += 1;
    return runCli(dir, args, proxyEndpoint, killAfterMs);
  };
  try {
    const members = fleet(options.instances);
    const fresh = async (name: string): Promise<string> => {
      await moto.reset();
      useEmulator(moto.endpoint);
      await seedFleet([REGION, DR_REGION], members);
      const dir = join(work, name);
      writeConfig(dir, members);
      return dir;
    };

    // Calibration: one whole pass, uninterrupted.
    const calDir = await fresh('calibration');
    const mark = proxy.mutations.length;
    const cal = await cli(calDir, ['run', '--json']);
    const passMs = cal.ms;
    log(`calibration: a whole pass took ${(passMs / 1000).toFixed(1)} s (exit ${cal.code})`);
    details.push(await verify('calibration', calDir, moto, proxy.mutations.slice(mark), [cal], null, false, cli, members));

    for (let i = 1; i <= options.trials; i += 1) {
      const started = Date.now();
      const dir = await fresh(`kill-${i}`);
      const before = proxy.mutations.length;
      // Anywhere from process start-up to the end of a pass (node itself takes ~0.3 s to start).
      const killAfterMs = Math.round(150 + random() * passMs);
      const killed = await cli(dir, ['run', '--json'], killAfterMs);
      const finishedBeforeKill = killed.signal !== 'SIGKILL';
      const reruns: CliResult[] = [];
      for (let r = 0; r < 3; r += 1) {
        const again = await cli(dir, ['run', '--json']);
        reruns.push(again);
        const report = parseReport(again.stdout);
        if (report && report.results.length === 0) break; // nothing left to do
      }
      const result = await verify(`kill-${i}`, dir, moto, proxy.mutations.slice(before), reruns, killAfterMs, finishedBeforeKill, cli, members, started);
      details.push(result);
      log(
        `kill-${i}: SIGKILL after ${killAfterMs} ms${finishedBeforeKill ? ' (had already finished)' : ''}, ${reruns.length} re-runs, duplicates ${result.duplicates.length}, lost records ${result.lostRecords.length}, dead-lease skips ${result.deadLeaseSkips}, ${result.converged ? 'converged' : `NOT converged: ${result.notConverged.join('; ')}`}`,
      );
    }

    // Two passes at once on the same (new) state file, then one more to finish what one skipped.
    for (let i = 1; i <= (options.concurrentTrials ?? 1); i += 1) {
      const started = Date.now();
      const dir = await fresh(`concurrent-${i}`);
      const before = proxy.mutations.length;
      const pair = await Promise.all([cli(dir, ['run', '--json']), cli(dir, ['run', '--json'])]);
      const last = await cli(dir, ['run', '--json']);
      const result = await verify(`concurrent-${i}`, dir, moto, proxy.mutations.slice(before), [...pair, last], null, false, cli, members, started, true);
      details.push(result);
      log(
        `concurrent-${i}: exits ${pair.map((p) => p.code).join(' and ')}, then ${last.code}; duplicates ${result.duplicates.length}, lost records ${result.lostRecords.length}, ${result.converged ? 'converged' : `NOT converged: ${result.notConverged.join('; ')}`}`,
      );
    }
  } finally {
    await proxy.stop();
    await moto.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const sum = (pick: (t: TrialResult) => number): number => details.reduce((n, t) => n + pick(t), 0);
  const duplicates = sum((t) => t.duplicates.length);
  const lostRecords = sum((t) => t.lostRecords.length);
  const notConvergedUnexplained = details.filter((t) => !t.converged && t.deadLeaseSkips === 0).length;
  return {
    seed: options.seed,
    instances: options.instances,
    throttleShare: options.throttle,
    trials: details.length,
    killTrials: options.trials,
    killedMidRun: details.filter((t) => t.killAfterMs !== null && !t.finishedBeforeKill).length,
    killedAfterRunStarted: details.filter((t) => t.killedRunRecorded).length,
    concurrentTrials: options.concurrentTrials ?? 1,
    cliRuns,
    rdsRequests: proxy.seen,
    rdsThrottled: proxy.throttled,
    duplicates,
    lostRecords,
    deadLeaseSkips: sum((t) => t.deadLeaseSkips),
    notConverged: details.filter((t) => !t.converged).length,
    notConvergedUnexplained,
    passSeconds: details[0] ? details[0].seconds : 0,
    seconds: (Date.now() - t0) / 1000,
    ok: duplicates === 0 && lostRecords === 0 && details.every((t) => t.converged && t.deadLeaseSkips === 0),
    details,
  };
}

/** `fault-db-1..n-1` instances and one Aurora cluster, all in us-east-1, DR us-west-2. */
function fleet(n: number): SeedDatabase[] {
  const out: SeedDatabase[] = [];
  for (let i = 1; i < n; i += 1) out.push({ id: `fault-db-${i}`, kind: 'instance', region: REGION });
  out.push({ id: 'fault-aurora', kind: 'cluster', region: REGION });
  return out;
}

function writeConfig(dir: string, members: readonly SeedDatabase[]): void {
  mkdirSync(dir, { recursive: true });
  const lines = members.map((m) => `  - { id: ${m.id}, kind: ${m.kind}, region: ${m.region}, drRegion: ${DR_REGION}, tier: 2 }`);
  writeFileSync(join(dir, 'snapward.yaml'), `kms:\n  ${DR_REGION}: ${DR_KEY_ALIAS}\ninstances:\n${lines.join('\n')}\nconcurrency:\n  instances: 4\nstate:\n  sqlite: state.db\n`);
}

async function verify(
  name: string,
  dir: string,
  moto: MotoServer,
  mutations: readonly Mutation[],
  finished: readonly CliResult[],
  killAfterMs: number | null,
  finishedBeforeKill: boolean,
  cli: (dir: string, args: string[]) => Promise<CliResult>,
  members: readonly SeedDatabase[],
  startedAt = Date.now(),
  concurrent = false,
): Promise<TrialResult> {
  const duplicates: string[] = [];
  // 1. Made twice, as AWS answered it: two successful creates (or copies) of one snapshot id.
  const made = new Map<string, number>();
  for (const m of mutations) {
    if (m.action.startsWith('Delete')) continue;
    const key = `${m.action} ${m.region}/${m.snapshotId}`;
    made.set(key, (made.get(key) ?? 0) + 1);
  }
  for (const [key, n] of made) if (n > 1) duplicates.push(`${key} succeeded ${n} times`);
  // 2. Two managed snapshots for one instance, region and period in the inventory.
  const inventory = await listManaged(moto);
  const perPeriod = new Map<string, string[]>();
  for (const s of inventory) {
    const key = `${s.region}/${s.instance}/${s.period}`;
    perPeriod.set(key, [...(perPeriod.get(key) ?? []), s.id]);
  }
  for (const [key, ids] of perPeriod) if (ids.length > 1) duplicates.push(`${key}: ${ids.join(', ')}`);

  // Records: nothing left running once a later command reaped it; every printed run is in the history.
  const lostRecords: string[] = [];
  const history = await cli(dir, ['runs', '--json', '--limit', '1000']);
  const runs = JSON.parse(history.stdout || '[]') as RunRecord[];
  for (const r of runs) if (r.outcome === 'running') lostRecords.push(`run ${r.id} still running after the re-runs`);
  // Runs no finished process reported: the killed one, if it got as far as recording its start.
  const reported = new Set(finished.map((f) => parseReport(f.stdout)?.runId).filter((id): id is string => typeof id === 'string'));
  // (Its outcome is `interrupted` once reaped, or final already when the kill came after it
  // recorded its end; `running` is caught above.)
  const unreported = runs.filter((r) => !reported.has(r.id));
  let deadLeaseSkips = 0;
  for (const f of finished) {
    const report = parseReport(f.stdout);
    if (!report) {
      lostRecords.push(`a run exited ${f.code} without a report: ${f.stderr.split('\n')[0] ?? ''}`);
      continue;
    }
    const record = runs.find((r) => r.id === report.runId);
    if (!record || record.outcome === 'running' || !record.finishedAt) lostRecords.push(`run ${report.runId} (${report.outcome}) missing or unfinished in the history`);
    // After a kill, any lease skip is the dead run's lease (no other run is alive).
    if (killAfterMs !== null && !finishedBeforeKill && !concurrent) deadLeaseSkips += report.results.filter((r) => r.warnings.some((w) => LEASE_SKIP.test(w))).length;
  }

  // Convergence: the period's snapshot in the primary region and its copy in the DR region.
  const notConverged: string[] = [];
  for (const m of members) {
    for (const region of [REGION, DR_REGION]) {
      if (!inventory.some((s) => s.instance === m.id && s.region === region && s.status === 'available')) notConverged.push(`${m.id}: no snapshot in ${region}`);
    }
  }
  return {
    name,
    killAfterMs,
    finishedBeforeKill,
    runs: finished.length,
    killedRunRecorded: killAfterMs !== null && unreported.length > 0,
    duplicates,
    lostRecords,
    deadLeaseSkips,
    converged: notConverged.length === 0,
    notConverged,
    seconds: (Date.now() - startedAt) / 1000,
  };
}

interface ManagedSnapshot {
  readonly id: string;
  readonly region: string;
  readonly instance: string;
  readonly period: string;
  readonly status: string;
}

async function listManaged(moto: MotoServer): Promise<ManagedSnapshot[]> {
  const out: ManagedSnapshot[] = [];
  for (const region of [REGION, DR_REGION]) {
    const client = new RDSClient({ region, endpoint: moto.endpoint });
    try {
      const instances = await client.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
      const clusters = await client.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
      const all = [
        ...(instances.DBSnapshots ?? []).map((s) => ({ id: s.DBSnapshotIdentifier, status: s.Status, tags: s.TagList })),
        ...(clusters.DBClusterSnapshots ?? []).map((s) => ({ id: s.DBClusterSnapshotIdentifier, status: s.Status, tags: s.TagList })),
      ];
      for (const s of all) {
        const tags = Object.fromEntries((s.tags ?? []).map((t) => [t.Key, t.Value]));
        if (tags['snapward:managed'] !== 'true') continue;
        out.push({ id: s.id ?? '', region, instance: tags['snapward:instance'] ?? '', period: tags['snapward:period'] ?? '', status: s.status ?? '' });
      }
    } finally {
      client.destroy();
    }
  }
  return out;
}

function parseReport(stdout: string): RunReport | null {
  try {
    const doc = JSON.parse(stdout) as RunReport;
    return typeof doc === 'object' && doc !== null && 'outcome' in doc ? doc : null;
  } catch {
    return null;
  }
}

function binPath(): string {
  // Compiled: dist/scripts/fault-suite.js; under ts-jest: scripts/fault-suite.ts.
  const compiled = join(__dirname, '..', '..', 'bin', 'snapward.js');
  return existsSync(compiled) ? compiled : join(__dirname, '..', 'bin', 'snapward.js');
}

function runCli(dir: string, args: string[], endpoint: string, killAfterMs: number | null): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: REGION };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  const started = Date.now();
  const child: ChildProcess = spawn('node', [binPath(), ...args, '--config', join(dir, 'snapward.yaml'), '--log-level', 'silent'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((done) => {
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}


function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function wholeNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = arg(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: got ${raw}, expected a whole number from ${min} to ${max}`);
  return n;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const trials = wholeNumber('--trials', 20, 1, 1000);
  const concurrentTrials = wholeNumber('--concurrent', 3, 0, 100);
  const instances = wholeNumber('--instances', 20, 2, 500);
  const seed = wholeNumber('--seed', Date.now() % 1_000_000, 0, 2 ** 31);
  const throttle = arg('--throttle') === undefined ? 1 / 3 : Number(arg('--throttle'));
  if (!(throttle >= 0 && throttle < 1)) throw new Error(`--throttle: got ${arg('--throttle')}, expected a share from 0 to below 1, e.g. 0.33`);
  const json = process.argv.includes('--json');
  const report = await runFaultSuite({ trials, instances, throttle, seed, concurrentTrials, log: (l) => process.stderr.write(`faults: ${l}\n`) });
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const r = report;
    process.stdout.write(
      [
        `fault suite (seed ${r.seed}): ${r.trials} trials (${r.killTrials} kill trials: ${r.killedMidRun} killed before they finished, ${r.killedAfterRunStarted} of them after recording their run; ${r.concurrentTrials} with two passes at once), ${r.instances} instances, ${r.cliRuns} CLI processes, ${(r.seconds).toFixed(0)} s`,
        `  RDS requests through the proxy: ${r.rdsRequests}, answered Throttling: ${r.rdsThrottled} (${((100 * r.rdsThrottled) / Math.max(1, r.rdsRequests)).toFixed(1)} %)`,
        `  duplicates: ${r.duplicates} (must be 0)`,
        `  lost records: ${r.lostRecords} (must be 0)`,
        `  dead-lease skips (instances a re-run skipped because the killed run's lease was still held): ${r.deadLeaseSkips} (must be 0)`,
        `  trials not converged: ${r.notConverged} (must be 0; without a dead-lease skip to explain it: ${r.notConvergedUnexplained})`,
        ...r.details.flatMap((t) => [...t.duplicates, ...t.lostRecords, ...t.notConverged].map((p) => `  ${t.name}: ${p}`)),
        r.ok ? 'ok' : 'FAILED',
        '',
      ].join('\n'),
    );
  }
  process.exitCode = report.ok ? 0 : 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`faults: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  });
}

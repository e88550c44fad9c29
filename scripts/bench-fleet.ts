import { paginateDescribeDBClusterSnapshots, paginateDescribeDBSnapshots, RDSClient } from '@aws-sdk/client-rds';
import { fork } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { DEFAULT_AUDIT, DEFAULT_CONCURRENCY } from '../config/load';
import { DEFAULT_CLIENT_OPTIONS } from '../src/adapters/aws/clients';
import { createPinoLogger } from '../src/adapters/log/pino-logger';
import { reconcile } from '../src/app/reconcile';
import { buildApp } from '../src/composition';
import { SnapwardConfig } from '../src/domain/config';
import { DAY } from '../src/domain/time';
import { DEFAULT_DRILLS } from '../src/domain/drill';
import { DEFAULT_TIER_POLICIES } from '../src/domain/tiers';
import { DbKind, ConfiguredInstance, Tier } from '../src/domain/types';
import { Clock } from '../src/ports/clock';
import { AWS_PAGE_SIZE, CallCounter, CounterSnapshot } from './lib/call-counter';
import { startMoto } from './lib/moto';
import { DR_KEY_ALIAS, seedFleet, SeedDatabase, useEmulator } from './lib/seed-fleet';
import { ThrottleInjector } from './lib/throttle-injector';
import { benchRealistic } from './bench-realistic';

/**
 * Fleet benchmark: AWS calls, CPU, memory and wall time of reconcile passes over N instances
 * (and M Aurora clusters) in two primary regions, each with a DR region, against moto.
 *
 *   npm run bench -- --instances N [--clusters M] [--json] [--throttle P]
 *                    [--fleet discover|config] [--copy-cap K] [--concurrency C]
 *                    [--retry-mode standard|adaptive] [--max-old-space MB]
 *
 * Passes, on a moved clock (day d = noon UTC of today + d - 1 days):
 *   day1        create and copy every member's snapshot;
 *   day1-idle   the same day again: nothing to do;
 *   day11       create and copy;
 *   day11-idle  day 11 again: nothing to do but the pass's slice of the rolling audit, which
 *               is what each of the day's 95 other passes costs in the steady state (not on
 *               day 32: moto's real-time stamps make day 11's snapshots look expired there);
 *   day32       create, copy, and delete day 1's primary and DR copy: the steady state;
 *   day33-throttled (with --throttle P) a working pass with P of the RDS attempts answered
 *               `Throttling`: every member must still complete.
 *
 * Every pass builds the application afresh (as each CLI run or cold Lambda does) over the same
 * SQLite state file. Every AWS call is counted by an SDK middleware (scripts/lib/call-counter.ts).
 * The passes run in a child process, so its CPU time and maxRSS are snapward's alone; moto runs
 * in its own process. See README "Performance: fleet passes" for what the figures mean.
 */

const PRIMARY: readonly { region: string; drRegion: string; tag: string }[] = [
  { region: 'us-east-1', drRegion: 'us-west-2', tag: 'use1' },
  { region: 'eu-west-1', drRegion: 'eu-central-1', tag: 'euw1' },
];
const REGIONS = PRIMARY.flatMap((p) => [p.region, p.drRegion]);
const TIER_TAG = 'snapward:tier';
const RETENTION_DAYS = 30;
/** The deployed schedule: a pass every 15 minutes, 96 a day: one working pass and 95 idle ones. */
const PASSES_PER_DAY = 96;
const MB = 1024 * 1024;

/** Targets from the fleet-scale issue (#6). */
const TARGETS = {
  steadyMutatingPerInstance: 4,
  steadyOtherCallsPerInstance: 0.2,
  idleCallsPerInstance: 0.05,
  idleRecordsPerInstance: 2,
  callsPerInstancePerDay: 6,
  peakRssMb: 300,
  peakRssAtInstances: 5000,
  /** "snapward's own CPU time a small fraction of the pass": read as at most 10 % of its wall time. */
  cpuShareOfWall: 0.1,
} as const;

/** awslabs/rds-snapshot-tool, as quoted in the issue. */
const PEER = { name: 'awslabs/rds-snapshot-tool', callsPerInstancePerCycle: 36, callsPerInstancePerDay: 860 } as const;

interface PassSpec {
  readonly name: string;
  readonly day: number;
  /** Share of RDS attempts answered Throttling. */
  readonly throttle: number;
  /** What the pass is expected to do per member. */
  readonly expect: { readonly created: number; readonly copied: number; readonly deletedPerRegion: number };
}

interface ChildJob {
  readonly endpoint: string;
  /** The emulator's process, whose CPU time is read around each pass (Linux /proc). */
  readonly motoPid: number;
  readonly members: readonly ConfiguredInstance[];
  readonly fleetMode: 'discover' | 'config';
  readonly copyCap: number;
  readonly concurrency: number;
  /** Only when asked for: otherwise the deployed default (DEFAULT_CLIENT_OPTIONS: standard, 8 attempts) applies. */
  readonly retryMode: 'standard' | 'adaptive' | null;
  readonly passes: readonly PassSpec[];
}

export interface PassResult {
  readonly name: string;
  readonly day: number;
  readonly clock: string;
  readonly throttleShare: number;
  readonly outcome: string;
  readonly calls: number;
  readonly mutatingCalls: number;
  readonly readCalls: number;
  readonly recordsRead: number;
  /** The same pass with AWS paging (100 records a page): see CallCounter. */
  readonly awsPagedCalls: number;
  readonly awsPagedReadCalls: number;
  readonly attempts: number;
  readonly retries: number;
  readonly throttled: number;
  readonly throttlesInjected: number;
  readonly failedCalls: number;
  readonly callsByOperation: Record<string, number>;
  readonly callsByRegion: Record<string, number>;
  readonly operations: CounterSnapshot['operations'];
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  /** CPU time moto spent during the pass (null off Linux): who is the bottleneck on a shared machine. */
  readonly emulatorCpuSeconds: number | null;
  readonly peakRssMb: number;
  /** RSS after a full GC before the pass, V8 heap in use at its end, and after a full GC once it is closed. */
  readonly rssAtStartMb: number;
  /** V8 heap in use, sampled with the RSS. */
  readonly peakHeapMb: number;
  readonly heapUsedAtEndMb: number;
  readonly heapRetainedAfterGcMb: number;
  readonly work: {
    readonly members: number;
    readonly completed: number;
    readonly failed: number;
    readonly notReached: number;
    readonly created: number;
    readonly copied: number;
    readonly deleted: number;
    readonly deletedByRegion: Record<string, number>;
    readonly deferred: number;
    readonly inProgress: number;
    readonly errors: readonly string[];
  };
  /** Did the pass do exactly what it should for every member (see PassSpec.expect)? */
  readonly asExpected: boolean;
}

interface ChildReport {
  readonly passes: PassResult[];
  readonly maxRssMb: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function intArg(name: string, fallback: number, min: number): number {
  const raw = arg(name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: got ${raw}, expected a whole number >= ${min}`);
  return n;
}

/** N instances and M clusters, split evenly (round robin) over the two primary regions. */
function buildFleet(instances: number, clusters: number): { databases: SeedDatabase[]; members: ConfiguredInstance[] } {
  const databases: SeedDatabase[] = [];
  const members: ConfiguredInstance[] = [];
  const add = (kind: DbKind, count: number, prefix: string): void => {
    for (let i = 0; i < count; i++) {
      const p = PRIMARY[i % PRIMARY.length] as (typeof PRIMARY)[number];
      const tier = (i % 4) as Tier;
      const id = `${prefix}-${String(i + 1).padStart(5, '0')}-${p.tag}`;
      databases.push({ id, kind, region: p.region, tags: { [TIER_TAG]: String(tier) } });
      members.push({ id, kind, region: p.region, drRegion: p.drRegion, tier, origin: 'config' });
    }
  };
  add('instance', instances, 'bench-db');
  add('cluster', clusters, 'bench-aurora');
  return { databases, members };
}

function passPlan(throttle: number | null): PassSpec[] {
  const working = { created: 1, copied: 1, deletedPerRegion: 0 };
  const passes: PassSpec[] = [
    { name: 'day1', day: 1, throttle: 0, expect: working },
    { name: 'day1-idle', day: 1, throttle: 0, expect: { created: 0, copied: 0, deletedPerRegion: 0 } },
    { name: 'day11', day: 11, throttle: 0, expect: working },
    { name: 'day11-idle', day: 11, throttle: 0, expect: { created: 0, copied: 0, deletedPerRegion: 0 } },
    { name: 'day32', day: 32, throttle: 0, expect: { created: 1, copied: 1, deletedPerRegion: 1 } },
  ];
  if (throttle !== null) passes.push({ name: 'day33-throttled', day: 33, throttle, expect: { created: 1, copied: 1, deletedPerRegion: 1 } });
  return passes;
}

async function parent(): Promise<number> {
  const instances = intArg('--instances', 1000, 1);
  const clusters = intArg('--clusters', 0, 0);
  const json = process.argv.includes('--json');
  const throttleRaw = arg('--throttle');
  const throttle = throttleRaw === undefined ? null : Number(throttleRaw);
  if (throttle !== null && !(throttle > 0 && throttle < 1)) throw new Error(`--throttle: got ${throttleRaw}, expected a share between 0 and 1, e.g. 0.2`);
  const fleetMode = (arg('--fleet') ?? 'discover') as 'discover' | 'config';
  if (fleetMode !== 'discover' && fleetMode !== 'config') throw new Error(`--fleet: got ${fleetMode}, expected discover or config`);
  const fleetSize = instances + clusters;
  // Default: the per-pass copy cap lifted to the fleet size (see README: moto copies instantly).
  const copyCapRaw = arg('--copy-cap');
  const copyCap = copyCapRaw === undefined || copyCapRaw === 'none' ? fleetSize : intArg('--copy-cap', 20, 1);
  const concurrency = intArg('--concurrency', DEFAULT_CONCURRENCY.instances, 1);
  const retryMode = (arg('--retry-mode') ?? null) as ChildJob['retryMode'];
  const maxOldSpaceMb = arg('--max-old-space') === undefined ? null : intArg('--max-old-space', 0, 16);
  if (retryMode !== null && retryMode !== 'standard' && retryMode !== 'adaptive') throw new Error(`--retry-mode: got ${retryMode}, expected standard or adaptive`);
  const log = (s: string): void => {
    process.stderr.write(`bench: ${s}\n`);
  };

  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { databases, members } = buildFleet(instances, clusters);
  const moto = await startMoto({ env: { MOTO_RDS_SNAPSHOT_LIMIT: '1000000' } });
  log(`moto on ${moto.endpoint} (pid ${moto.pid})`);
  try {
    useEmulator(moto.endpoint);
    const t0 = performance.now();
    await seedFleet(REGIONS, databases, 16);
    const seedSeconds = (performance.now() - t0) / 1000;
    log(`seeded ${instances} instances and ${clusters} clusters in ${round(seedSeconds)} s`);

    const passes = passPlan(throttle);
    const report = await runChild({ endpoint: moto.endpoint, motoPid: moto.pid, members, fleetMode, copyCap, concurrency, retryMode, passes }, maxOldSpaceMb, log);
    const finalInventory = await countSnapshots();

    const result = summarise({ instances, clusters, fleetSize, fleetMode, copyCap, concurrency, retryMode, maxOldSpaceMb, seedSeconds, report, finalInventory, members });
    if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else printHuman(result);
    return result.passes.every((p) => p.asExpected) ? 0 : 1;
  } finally {
    await moto.stop();
  }
}

/** Manual snapshots left in each region after the passes (not counted: the bench's own reads). */
async function countSnapshots(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const region of REGIONS) {
    const client = new RDSClient({ region });
    let n = 0;
    for await (const page of paginateDescribeDBSnapshots({ client, pageSize: 100 }, { SnapshotType: 'manual' })) n += page.DBSnapshots?.length ?? 0;
    for await (const page of paginateDescribeDBClusterSnapshots({ client, pageSize: 100 }, { SnapshotType: 'manual' })) n += page.DBClusterSnapshots?.length ?? 0;
    client.destroy();
    out[region] = n;
  }
  return out;
}

/** User + system CPU seconds of a process so far, from /proc (null where there is no /proc). */
function processCpuSeconds(pid: number): number | null {
  try {
    // Fields 14 and 15 (utime, stime) in clock ticks, counted after the parenthesised command name.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

function runChild(job: ChildJob, maxOldSpaceMb: number | null, log: (s: string) => void): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    // --expose-gc: a full collection between passes, so each pass starts from what is really retained.
    // --max-old-space-size (optional): a pass that completes under it needs no more live heap than that.
    const execArgv = [...process.execArgv, '--expose-gc', ...(maxOldSpaceMb ? [`--max-old-space-size=${maxOldSpaceMb}`] : [])];
    const child = fork(__filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    let report: ChildReport | null = null;
    child.on('message', (m: { progress?: string; report?: ChildReport }) => {
      if (m.progress) log(m.progress);
      if (m.report) report = m.report;
    });
    child.on('error', reject);
    child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`bench child exited with ${code} and no report`))));
    child.send(job);
  });
}

/** The passes, in their own process: only snapward (and the counting middleware) runs here. */
async function child(job: ChildJob): Promise<ChildReport> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  useEmulator(job.endpoint);
  const dir = mkdtempSync(join(tmpdir(), 'snapward-bench-fleet-'));
  const counter = new CallCounter();
  const injector = new ThrottleInjector(0);
  // As the CLI: SQLite state, pino at its default level (warn), here into /dev/null.
  const logger = createPinoLogger('warn', openSync('/dev/null', 'w'));
  const config: SnapwardConfig = {
    configPath: null,
    retentionDays: RETENTION_DAYS,
    kms: Object.fromEntries(PRIMARY.map((p) => [p.drRegion, DR_KEY_ALIAS])),
    instances: job.fleetMode === 'config' ? job.members : [],
    discover: job.fleetMode === 'discover' ? PRIMARY.map((p) => ({ region: p.region, drRegion: p.drRegion, tierTag: TIER_TAG, kinds: ['instance', 'cluster'] as DbKind[] })) : [],
    state: { sqlite: join(dir, 'state.db') },
    tiers: DEFAULT_TIER_POLICIES,
    concurrency: { instances: job.concurrency, instanceCopiesPerRegion: job.copyCap, clusterCopiesPerRegion: job.copyCap },
    audit: { ...DEFAULT_AUDIT },
    attachments: [],
    // The bench measures the backup engine: no scheduled restore drills (on moto they would finish
    // in the pass that starts them, a few per pass). The drills' sweep still lists every region.
    drills: { ...DEFAULT_DRILLS, everyMs: {} },
  };
  // Day d is noon UTC of today + (d - 1) days, advancing with real time during the pass.
  const realStart = Date.now();
  const noonToday = Math.floor(realStart / DAY) * DAY + DAY / 2;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

  const passes: PassResult[] = [];
  try {
    for (const spec of job.passes) {
      offsetMs = noonToday - realStart + (spec.day - 1) * DAY;
      const app = buildApp({
        config,
        logger,
        clock,
        aws: {
          ...(job.retryMode ? { retryMode: job.retryMode } : {}),
          onClient: (client, service, region) => {
            counter.attach(client, service, region);
            injector.attach(client, service, region);
          },
        },
      });
      counter.reset();
      injector.setShare(spec.throttle);
      collectGarbage();
      const rssAtStart = process.memoryUsage.rss();
      // memoryUsage.rss() reads only the RSS (memoryUsage() also walks the V8 heap spaces).
      let peak = process.memoryUsage.rss();
      let peakHeap = getHeapStatistics().used_heap_size;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
        peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
      }, 50);
      const cpu0 = process.cpuUsage();
      const moto0 = processCpuSeconds(job.motoPid);
      const t0 = performance.now();
      const clockAtStart = clock.now();
      const report = await reconcile(app.deps, { trigger: 'test' });
      const wallSeconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const motoCpu = moto0 === null ? null : (processCpuSeconds(job.motoPid) ?? moto0) - moto0;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage.rss());
      peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
      await app.close();
      const heapAtEnd = process.memoryUsage().heapUsed;
      collectGarbage();
      const heapRetained = process.memoryUsage().heapUsed;
      const calls = counter.snapshot();

      const results = report.results;
      const sum = (pick: (r: (typeof results)[number]) => number): number => results.reduce((n, r) => n + pick(r), 0);
      const deletedByRegion: Record<string, number> = {};
      for (const r of results) for (const d of r.deleted) deletedByRegion[d.region] = (deletedByRegion[d.region] ?? 0) + 1;
      const errors = [...new Set(results.flatMap((r) => r.errors.map((e) => `${e.code}: ${e.message}`)))].slice(0, 5);
      const work = {
        members: report.fleetSize,
        // Up to date: nothing due, so not touched (no result written); the others finished ok.
        upToDate: report.summary.upToDate ?? 0,
        completed: results.filter((r) => r.status === 'ok').length + (report.summary.upToDate ?? 0),
        failed: results.filter((r) => r.status === 'failed').length,
        notReached: report.notReached.length,
        created: sum((r) => r.created.length),
        copied: sum((r) => r.copied.length),
        deleted: sum((r) => r.deleted.length),
        deletedByRegion,
        deferred: sum((r) => r.deferred.length),
        inProgress: sum((r) => r.inProgress.length),
        errors: [...report.problems.map((p) => `${p.code}: ${p.message}`), ...errors],
      };
      const n = job.members.length;
      const asExpected =
        work.members === n &&
        work.completed === n &&
        work.created === spec.expect.created * n &&
        work.copied === spec.expect.copied * n &&
        work.deleted === 2 * spec.expect.deletedPerRegion * n &&
        work.deferred === 0;
      const pass: PassResult = {
        name: spec.name,
        day: spec.day,
        clock: clockAtStart.toISOString(),
        throttleShare: spec.throttle,
        outcome: report.outcome,
        calls: calls.calls,
        mutatingCalls: calls.mutatingCalls,
        readCalls: calls.readCalls,
        recordsRead: calls.recordsRead,
        awsPagedCalls: calls.awsPagedCalls,
        awsPagedReadCalls: calls.awsPagedReadCalls,
        attempts: calls.attempts,
        retries: calls.retries,
        throttled: calls.throttled,
        throttlesInjected: injector.injected,
        failedCalls: calls.errors,
        callsByOperation: calls.callsByOperation,
        callsByRegion: calls.callsByRegion,
        operations: calls.operations,
        wallSeconds: round(wallSeconds, 2),
        cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
        emulatorCpuSeconds: motoCpu === null ? null : round(motoCpu, 2),
        peakRssMb: round(peak / MB),
        rssAtStartMb: round(rssAtStart / MB),
        peakHeapMb: round(peakHeap / MB),
        heapUsedAtEndMb: round(heapAtEnd / MB),
        heapRetainedAfterGcMb: round(heapRetained / MB),
        work,
        asExpected,
      };
      passes.push(pass);
      process.send?.({
        progress: `${spec.name}: ${pass.calls} calls (${pass.mutatingCalls} mutating, ${pass.recordsRead} records, ${pass.retries} retries), ` +
          `created ${work.created}, copied ${work.copied}, deleted ${work.deleted}, failed ${work.failed}; ${pass.wallSeconds} s wall, ${pass.cpuSeconds} s CPU (moto ${pass.emulatorCpuSeconds ?? '?'} s), peak RSS ${pass.peakRssMb} MB (heap ${pass.peakHeapMb} MB), heap retained ${pass.heapRetainedAfterGcMb} MB`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { passes, maxRssMb: round(process.resourceUsage().maxRSS / 1024) };
}

interface Summary {
  readonly instances: number;
  readonly clusters: number;
  readonly fleetSize: number;
  readonly passes: readonly (PassResult & { readonly perInstance: Record<string, number> })[];
  readonly steadyStateCallsPerInstance: number;
  readonly idleCallsPerInstance: number;
  readonly projectedCallsPerInstancePerDay: number;
  readonly [key: string]: unknown;
}

function summarise(input: {
  instances: number;
  clusters: number;
  fleetSize: number;
  fleetMode: string;
  copyCap: number;
  concurrency: number;
  retryMode: string | null;
  maxOldSpaceMb: number | null;
  seedSeconds: number;
  report: ChildReport;
  finalInventory: Record<string, number>;
  members: readonly ConfiguredInstance[];
}): Summary {
  const { fleetSize: n, report } = input;
  const per = (x: number): number => round(x / n, 4);
  const find = (name: string): PassResult => {
    const p = report.passes.find((x) => x.name === name);
    if (!p) throw new Error(`pass ${name} missing from the report`);
    return p;
  };
  const steady = find('day32');
  // The issue's idle pass (day 1 again) and the steady state's (day 11 again, with its audit
  // slice): targets and the projection take whichever costs more.
  const idlePasses = [find('day1-idle'), find('day11-idle')];
  const worst = (pick: (p: PassResult) => number): PassResult => idlePasses.reduce((a, b) => (pick(b) > pick(a) ? b : a));
  const idle = worst((p) => p.awsPagedCalls);
  const idleByRecords = worst((p) => p.recordsRead);
  const throttled = report.passes.find((p) => p.throttleShare > 0) ?? null;

  // Per day at the deployed schedule: one working pass and 95 idle ones, listings paged as AWS pages.
  const projected = (steady.awsPagedCalls + (PASSES_PER_DAY - 1) * idle.awsPagedCalls) / n;
  // The same with a full retention window in AWS (see fullRetentionPaged).
  const steadyFull = fullRetentionPaged(steady, input.members);
  const idleFullAll = idlePasses.map((p) => ({ pass: p.name, ...fullRetentionPaged(p, input.members) }));
  const idleFull = { calls: Math.max(...idleFullAll.map((x) => x.calls)), records: Math.max(...idleFullAll.map((x) => x.records)) };
  const projectedFull = (steadyFull.calls + (PASSES_PER_DAY - 1) * idleFull.calls) / n;

  const workingPasses = report.passes.filter((p) => p.mutatingCalls > 0);
  const cpuShare = Math.max(...workingPasses.map((p) => p.cpuSeconds / p.wallSeconds));
  const ownCpu = round(workingPasses.reduce((t, p) => t + p.cpuSeconds, 0), 1);
  const emulatorCpu = workingPasses.some((p) => p.emulatorCpuSeconds === null) ? '?' : round(workingPasses.reduce((t, p) => t + (p.emulatorCpuSeconds ?? 0), 0), 1);
  const target = (name: string, goal: string, measured: number | boolean, met: boolean, note?: string) => ({ name, goal, measured, met, ...(note ? { note } : {}) });
  const FULL = `full ${RETENTION_DAYS}-day inventory, modelled`;
  const steadyOther = steady.awsPagedReadCalls / n;
  const steadyOtherFull = (steadyFull.calls - steady.mutatingCalls) / n;
  const targets = [
    target('steady-state mutating calls per instance', `= ${TARGETS.steadyMutatingPerInstance}`, per(steady.mutatingCalls), steady.mutatingCalls === TARGETS.steadyMutatingPerInstance * n),
    target('steady-state other calls per instance (bench inventory, AWS paging)', `<= ${TARGETS.steadyOtherCallsPerInstance}`, round(steadyOther, 4), steadyOther <= TARGETS.steadyOtherCallsPerInstance),
    target(`steady-state other calls per instance (${FULL})`, `<= ${TARGETS.steadyOtherCallsPerInstance}`, round(steadyOtherFull, 4), steadyOtherFull <= TARGETS.steadyOtherCallsPerInstance),
    target('idle-pass calls per instance (bench inventory, AWS paging)', `<= ${TARGETS.idleCallsPerInstance}`, per(idle.awsPagedCalls), idle.awsPagedCalls / n <= TARGETS.idleCallsPerInstance),
    target(`idle-pass calls per instance (${FULL})`, `<= ${TARGETS.idleCallsPerInstance}`, per(idleFull.calls), idleFull.calls / n <= TARGETS.idleCallsPerInstance),
    target('idle-pass AWS records read per instance (bench inventory)', `<= ${TARGETS.idleRecordsPerInstance}`, per(idleByRecords.recordsRead), idleByRecords.recordsRead / n <= TARGETS.idleRecordsPerInstance),
    target(`idle-pass AWS records read per instance (${FULL})`, `<= ${TARGETS.idleRecordsPerInstance}`, per(idleFull.records), idleFull.records / n <= TARGETS.idleRecordsPerInstance),
    target('projected calls per instance per day (bench inventory)', `<= ${TARGETS.callsPerInstancePerDay}`, round(projected, 3), projected <= TARGETS.callsPerInstancePerDay),
    target(`projected calls per instance per day (${FULL})`, `<= ${TARGETS.callsPerInstancePerDay}`, round(projectedFull, 3), projectedFull <= TARGETS.callsPerInstancePerDay),
    target(
      'peak RSS (MB)',
      `<= ${TARGETS.peakRssMb} at ${TARGETS.peakRssAtInstances} instances`,
      report.maxRssMb,
      report.maxRssMb <= TARGETS.peakRssMb,
      input.instances < TARGETS.peakRssAtInstances ? `measured at ${input.instances} instances; the target is set at ${TARGETS.peakRssAtInstances}` : undefined,
    ),
    target(
      'snapward CPU / pass wall time (working passes, worst)',
      `<= ${TARGETS.cpuShareOfWall}`,
      round(cpuShare, 3),
      cpuShare <= TARGETS.cpuShareOfWall,
      `wall time is against moto on the same 2-core machine; in the working passes moto used ${emulatorCpu} s of CPU to snapward's ${ownCpu} s`,
    ),
    ...(throttled
      ? [
          target(
            `throttled pass (${throttled.throttleShare} of RDS attempts): every member completed, retries counted`,
            'all members ok, retries > 0',
            throttled.work.completed === n && throttled.retries > 0,
            throttled.asExpected && throttled.retries > 0,
          ),
        ]
      : []),
  ];

  return {
    instances: input.instances,
    clusters: input.clusters,
    fleetSize: n,
    setup: {
      regions: PRIMARY.map((p) => `${p.region} -> ${p.drRegion}`),
      fleet: input.fleetMode,
      retentionDays: RETENTION_DAYS,
      concurrency: input.concurrency,
      retryMode: input.retryMode ?? `${DEFAULT_CLIENT_OPTIONS.retryMode} (default), ${DEFAULT_CLIENT_OPTIONS.maxAttempts} attempts`,
      copyCapPerPassAndRegion: input.copyCap,
      maxOldSpaceMb: input.maxOldSpaceMb,
      seedSeconds: round(input.seedSeconds),
      awsPageSize: AWS_PAGE_SIZE,
      passesPerDay: PASSES_PER_DAY,
    },
    passes: report.passes.map((p) => ({
      ...p,
      perInstance: {
        calls: per(p.calls),
        mutatingCalls: per(p.mutatingCalls),
        awsPagedCalls: per(p.awsPagedCalls),
        awsPagedReadCalls: per(p.awsPagedReadCalls),
        recordsRead: per(p.recordsRead),
        cpuMs: round((p.cpuSeconds * 1000) / n, 3),
      },
    })),
    steadyStateCallsPerInstance: per(steady.calls),
    steadyStateAwsPagedCallsPerInstance: per(steady.awsPagedCalls),
    idleCallsPerInstance: per(idle.calls),
    idleAwsPagedCallsPerInstance: per(idle.awsPagedCalls),
    idleRecordsReadPerInstance: per(idleByRecords.recordsRead),
    projectedCallsPerInstancePerDay: round(projected, 3),
    projection: {
      formula: `(awsPagedCalls(day32) + ${PASSES_PER_DAY - 1} x awsPagedCalls(${idle.name}, the costlier idle pass)) / fleetSize`,
      steadyAwsPagedCalls: steady.awsPagedCalls,
      idleAwsPagedCalls: idle.awsPagedCalls,
      atFullRetention: {
        note: `snapshot listings re-counted for a full retention window: ${RETENTION_DAYS + 1} snapshots per member in its primary and in its DR region (the bench's moto holds 2 to 3)`,
        steadyAwsPagedCalls: steadyFull.calls,
        steadyRecordsRead: steadyFull.records,
        idlePasses: idleFullAll,
        idleAwsPagedCalls: idleFull.calls,
        idleRecordsReadPerInstance: per(idleFull.records),
        callsPerInstancePerDay: round(projectedFull, 3),
      },
    },
    maxRssMb: report.maxRssMb,
    finalSnapshotsByRegion: input.finalInventory,
    targets,
    peer: PEER,
  };
}

/**
 * A pass's AWS-paged calls and records if every member held a full retention window,
 * (retentionDays + 1) snapshots in its primary and in its DR region. Per snapshot listing:
 *  - unfiltered (`all`): every member whose primary or DR region it is, times the window;
 *  - by database id (`db-instance-id:k`, an audit): the k databases named, times the window;
 *  - by snapshot id (a refresh of snapshots in flight): as counted, the depth does not matter.
 * Other calls as counted.
 */
function fullRetentionPaged(pass: PassResult, members: readonly ConfiguredInstance[]): { calls: number; records: number } {
  const perRegionKind = new Map<string, number>();
  for (const m of members) {
    for (const region of [m.region, m.drRegion]) perRegionKind.set(`${region}/${m.kind}`, (perRegionKind.get(`${region}/${m.kind}`) ?? 0) + 1);
  }
  const window = RETENTION_DAYS + 1;
  let calls = 0;
  let records = 0;
  for (const op of pass.operations) {
    const kind = op.operation === 'DescribeDBSnapshots' ? 'instance' : op.operation === 'DescribeDBClusterSnapshots' ? 'cluster' : null;
    if (!kind || op.listings === 0) {
      calls += op.awsPagedCalls;
      records += op.records;
      continue;
    }
    op.listingFilters.forEach((filter, i) => {
      const [name, values] = filter.split(':');
      const full =
        name === 'all' ? window * (perRegionKind.get(`${op.region}/${kind}`) ?? 0)
        : name === 'db-instance-id' || name === 'db-cluster-id' ? window * Number(values)
        : (op.listingRecords[i] ?? 0);
      calls += Math.max(1, Math.ceil(full / AWS_PAGE_SIZE));
      records += full;
    });
  }
  return { calls, records };
}

function printHuman(s: Summary): void {
  const line = (x = ''): void => {
    process.stdout.write(`${x}\n`);
  };
  const setup = s.setup as Record<string, unknown>;
  line(`fleet benchmark: ${s.instances} instances + ${s.clusters} clusters (${s.fleetSize} members), fleet by ${String(setup.fleet)}, ${(setup.regions as string[]).join(', ')}`);
  line();
  const head = ['pass', 'calls', 'mutating', 'paged calls', 'records', 'calls/inst', 'paged/inst', 'records/inst', 'retries', 'wall s', 'CPU s', 'peak RSS MB', 'done'];
  const rows = s.passes.map((p) => [
    p.name,
    p.calls,
    p.mutatingCalls,
    p.awsPagedCalls,
    p.recordsRead,
    p.perInstance.calls,
    p.perInstance.awsPagedCalls,
    p.perInstance.recordsRead,
    p.retries,
    p.wallSeconds,
    p.cpuSeconds,
    p.peakRssMb,
    p.asExpected ? 'yes' : 'NO',
  ].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  line(fmt(head));
  for (const r of rows) line(fmt(r));
  line();
  for (const p of s.passes) line(`${p.name}: ${Object.entries(p.callsByOperation).map(([op, c]) => `${op} ${c}`).join(', ')}`);
  line();
  const proj = s.projection as { atFullRetention: { callsPerInstancePerDay: number } };
  line(`projected per instance per day (1 working + 95 idle passes, AWS paging): ${s.projectedCallsPerInstancePerDay}; with a full ${RETENTION_DAYS}-day inventory: ${proj.atFullRetention.callsPerInstancePerDay}`);
  line(`peer (${PEER.name}): ~${PEER.callsPerInstancePerCycle} calls per instance per cycle, ~${PEER.callsPerInstancePerDay} per instance per day`);
  line(`max RSS of the passes' process: ${String(s.maxRssMb)} MB`);
  for (const p of s.passes.filter((x) => x.throttleShare > 0)) {
    line(
      `${p.name}: ${p.throttlesInjected} Throttling answers injected (a share of ${p.throttleShare} of the RDS attempts; ${p.attempts} attempts in all), ${p.throttled} throttled attempts seen, ` +
        `${p.retries} retries, ${p.failedCalls} calls failed; ${p.work.completed} of ${p.work.members} members completed, ${p.wallSeconds} s wall`,
    );
  }
  line();
  for (const t of s.targets as { name: string; goal: string; measured: unknown; met: boolean; note?: string }[]) {
    line(`${t.met ? 'MEETS ' : 'MISSES'} ${t.name}: ${String(t.measured)} (target ${t.goal})${t.note ? ` [${t.note}]` : ''}`);
  }
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

if (process.argv.includes('--child')) {
  process.once('message', (job: ChildJob) => {
    child(job).then(
      (report) => process.send?.({ report }, () => process.exit(0)),
      (err: unknown) => {
        process.stderr.write(`bench child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      },
    );
  });
} else if (process.argv.includes('--realistic')) {
  // `npm run bench -- --realistic ...`: the realistic-AWS mode (scripts/bench-realistic.ts).
  benchRealistic(process.argv.slice(2).filter((a) => a !== '--realistic')).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  parent().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseConfig } from '../config/load';
import { createPinoLogger } from '../src/adapters/log/pino-logger';
import { reconcile } from '../src/app/reconcile';
import { buildApp } from '../src/composition';
import { SnapwardConfig } from '../src/domain/config';
import { drillsOf } from '../src/domain/drill';
import { Clock } from '../src/ports/clock';
import { CallCounter } from './lib/call-counter';
import { startMoto } from './lib/moto';
import { RealisticAws, TrackedSnapshot } from './lib/realistic-aws';
import { RealisticAwsProxy } from './lib/realistic-aws-proxy';
import { DR_KEY_ALIAS, seedFleet, SeedDatabase, useEmulator } from './lib/seed-fleet';

/**
 * The engine against a realistic AWS: a moved day of passes over N instances in one primary
 * region with one DR region, through the realistic-AWS proxy (scripts/lib/realistic-aws*.ts) in
 * front of moto, so snapshots stay `creating` for C minutes, copies `copying` for T minutes, and a
 * copy beyond 20 in flight (5 for clusters) is refused as AWS refuses it.
 *
 *   npm run bench:realistic -- --instances N [--clusters M] [--copy-minutes T] [--create-minutes C]
 *        [--copy-jitter J] [--create-jitter J] [--tiers 5,25,40,30] [--nudges] [--nudge-delay S]
 *        [--hours H] [--max-hours H] [--warmup-days D] [--retention-days R] [--json]
 *   (also: npm run bench -- --realistic ...)
 *
 * Time: the moved clock starts at 00:00 UTC of tomorrow (a fresh backup period, every member's
 * snapshot due) and is the Clock the app reads and the proxy times snapshots by. It stands still
 * between passes and runs at wall speed during a pass (the pass's own duration is real).
 * Passes: one every 15 minutes of moved time (the deployed schedule) for H hours (default 24);
 * with --nudges also one `nudge delay` (default 60 s) after each create or copy completes, targeted
 * at the region of the event (`reconcile(deps, { regions })`), as the RDS snapshot events would
 * trigger it. Passes run one after another: events that come while a pass runs trigger one pass
 * after it. If the day's copies are not all `available` after H hours, scheduled passes go on
 * (the next day's work included) until they are or --max-hours (default 48) is reached.
 *
 * The measured day is the first (a fresh deployment: an audit of everyone, no retention deletes)
 * unless --warmup-days D runs D whole days first and measures day D + 1; with --retention-days 1
 * that day also deletes the day before's snapshots, as every day of the steady state does.
 *
 * The fleet: N instances (plus M clusters) with tiers in the given mix, listed in the config, plus
 * one configured instance that does not exist (for the calls it costs).
 */

const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SCHEDULE_MS = 15 * MINUTE;
const GHOST_ID = 'bench-ghost-00001';

/** Targets of issue 11. */
const TARGETS = { ratioWithNudges: 1.15, ratioScheduleOnly: 1.5, callsPerInstancePerDay: 6, ghostCallsPerDay: 10 } as const;

export interface Options {
  readonly instances: number;
  readonly clusters: number;
  readonly copyMinutes: number;
  readonly createMinutes: number;
  readonly copyJitter: number;
  readonly createJitter: number;
  readonly tiers: readonly [number, number, number, number];
  readonly nudges: boolean;
  readonly nudgeDelayMs: number;
  readonly hours: number;
  readonly warmupDays: number;
  readonly retentionDays: number | null;
  readonly maxHours: number;
  readonly json: boolean;
  readonly seed: number;
}

export function parseArgs(argv: readonly string[]): Options {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i === -1 ? undefined : argv[i + 1];
  };
  const num = (name: string, fallback: number, ok: (n: number) => boolean, expected: string): number => {
    const raw = arg(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || !ok(n)) throw new Error(`${name}: got ${raw}, expected ${expected}`);
    return n;
  };
  const whole = (name: string, fallback: number, min: number) => num(name, fallback, (n) => Number.isInteger(n) && n >= min, `a whole number >= ${min}`);
  const tiersRaw = arg('--tiers') ?? '5,25,40,30';
  const tiers = tiersRaw.split(',').map(Number);
  if (tiers.length !== 4 || tiers.some((t) => !Number.isInteger(t) || t < 0) || tiers.reduce((a, b) => a + b, 0) !== 100) {
    throw new Error(`--tiers: got ${tiersRaw}, expected four whole percentages for tiers 0..3 adding up to 100, like 5,25,40,30`);
  }
  const hours = num('--hours', 24, (n) => n > 0 && n <= 72, 'hours from 0 to 72');
  return {
    instances: whole('--instances', 2000, 1),
    clusters: whole('--clusters', 0, 0),
    copyMinutes: num('--copy-minutes', 10, (n) => n > 0, 'minutes > 0'),
    createMinutes: num('--create-minutes', 5, (n) => n >= 0, 'minutes >= 0'),
    copyJitter: num('--copy-jitter', 0, (n) => n >= 0 && n < 1, 'a share from 0 to below 1, like 0.2'),
    createJitter: num('--create-jitter', 0, (n) => n >= 0 && n < 1, 'a share from 0 to below 1, like 0.2'),
    tiers: tiers as unknown as Options['tiers'],
    nudges: argv.includes('--nudges'),
    nudgeDelayMs: num('--nudge-delay', 60, (n) => n >= 0 && n <= 600, 'seconds from 0 to 600') * 1000,
    hours,
    warmupDays: whole('--warmup-days', 0, 0),
    retentionDays: arg('--retention-days') === undefined ? null : whole('--retention-days', 30, 1),
    maxHours: num('--max-hours', Math.max(48, hours), (n) => n >= hours && n <= 96, `hours from --hours (${hours}) to 96`),
    json: argv.includes('--json'),
    seed: whole('--seed', 1, 0),
  };
}

interface Member {
  readonly id: string;
  readonly kind: 'instance' | 'cluster';
  readonly tier: 0 | 1 | 2 | 3;
}

/** Tiers spread through the fleet (not in blocks), so ids say nothing about tiers. */
function buildFleet(o: Options): Member[] {
  const members: Member[] = [];
  const add = (kind: Member['kind'], count: number, prefix: string): void => {
    // Largest-remainder assignment over a cycle of 20 (5 % steps), repeated.
    const cycle: Member['tier'][] = [];
    for (let t = 0; t < 4; t++) for (let k = 0; k < Math.round(((o.tiers[t] as number) * 20) / 100); k++) cycle.push(t as Member['tier']);
    while (cycle.length < 20) cycle.push(3);
    const interleaved = interleave(cycle.slice(0, 20));
    for (let i = 0; i < count; i++) members.push({ id: `${prefix}-${String(i + 1).padStart(5, '0')}`, kind, tier: interleaved[i % interleaved.length] as Member['tier'] });
  };
  add('instance', o.instances, 'bench-db');
  add('cluster', o.clusters, 'bench-aurora');
  return members;
}

/** Spreads equal values apart: [0,1,1,2,2] -> [1,2,0,1,2] and the like (deterministic). */
function interleave<T>(values: readonly T[]): T[] {
  const groups = new Map<T, number>();
  for (const v of values) groups.set(v, (groups.get(v) ?? 0) + 1);
  const slots: { v: T; pos: number }[] = [];
  for (const [v, n] of groups) for (let k = 0; k < n; k++) slots.push({ v, pos: (k + 0.5) / n });
  return slots.sort((a, b) => a.pos - b.pos).map((s) => s.v);
}

function configText(members: readonly Member[], stateFile: string, retentionDays: number | null): string {
  const instances = [
    ...members.map((m) => ({ id: m.id, kind: m.kind, region: PRIMARY, drRegion: DR, tier: m.tier })),
    { id: GHOST_ID, kind: 'instance', region: PRIMARY, drRegion: DR, tier: 2 },
  ];
  // JSON is YAML: the config goes through the same parser and defaults as a user's file.
  return JSON.stringify({ ...(retentionDays === null ? {} : { retentionDays }), kms: { [DR]: DR_KEY_ALIAS }, instances, state: { sqlite: stateFile } });
}

interface PassRecord {
  readonly kind: 'scheduled' | 'nudge';
  readonly startMin: number;
  readonly wallSeconds: number;
  readonly calls: number;
  readonly awsPagedCalls: number;
  readonly outcome: string;
  readonly failed: number;
  readonly errorCodes: readonly string[];
}

async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const o = parseArgs(argv);
  const result = await runRealisticBench(o, (line) => void process.stderr.write(`bench:realistic: ${line}\n`));
  if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else printHuman(result);
  return 0;
}

/** The whole benchmark: its own moto, proxy, fleet and moved day; returns the figures. */
export async function runRealisticBench(o: Options, log: (line: string) => void = () => undefined): Promise<Summary> {
  const benchStart = performance.now();
  // Read now, not at the end: the tree may move (a merge) while a long run goes on.
  const engine = engineCommit();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const members = buildFleet(o);
  const moto = await startMoto({ env: { MOTO_RDS_SNAPSHOT_LIMIT: '1000000' } });
  log(`moto on ${moto.endpoint} (pid ${moto.pid})`);
  const dir = mkdtempSync(join(tmpdir(), 'snapward-bench-realistic-'));
  try {
    useEmulator(moto.endpoint);
    const databases: SeedDatabase[] = members.map((m) => ({ id: m.id, kind: m.kind, region: PRIMARY, tags: {} }));
    const t0 = performance.now();
    await seedFleet([PRIMARY, DR], databases, 16);
    const seedSeconds = (performance.now() - t0) / 1000;
    log(`seeded ${o.instances} instances and ${o.clusters} clusters in ${seedSeconds.toFixed(1)} s`);

    // The moved clock: still between passes, wall speed during one.
    // The measured day starts at 00:00 UTC, after the warm-up days.
    const simStart = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
    const dayStart = simStart + o.warmupDays * 24 * HOUR;
    let simNow = simStart;
    let runningSince: number | null = null;
    const clock: Clock = { now: () => new Date(simNow + (runningSince === null ? 0 : performance.now() - runningSince)) };

    const model = new RealisticAws({ clock, createMinutes: o.createMinutes, copyMinutes: o.copyMinutes, createJitter: o.createJitter, copyJitter: o.copyJitter, seed: o.seed });
    const proxy = new RealisticAwsProxy(moto.endpoint, model);
    useEmulator(await proxy.start());
    proxy.watch(GHOST_ID);

    const parsed = parseConfig(configText(members, join(dir, 'state.db'), o.retentionDays), null, dir);
    // The bench measures the backup engine: no restore drills (as bench-fleet.ts).
    const config: SnapwardConfig = { ...parsed, drills: { ...drillsOf(parsed), everyMs: {} } };
    const logger = createPinoLogger('warn', openSync('/dev/null', 'w'));
    const counter = new CallCounter();

    const passes: PassRecord[] = [];
    const dayEnd = dayStart + o.hours * HOUR;
    const hardEnd = dayStart + o.maxHours * HOUR;
    let nextScheduled = simStart;
    let lastPassStart = -Infinity;
    let callsInDay = 0;
    let pagedCallsInDay = 0;
    let ghostCallsInDay = 0;
    const motoCpu0 = processCpuSeconds(moto.pid);
    for (;;) {
      const dayCopies = dayOneCopies(model, members, dayStart);
      const allLanded = dayCopies.landed === members.length;
      if (simNow >= dayEnd && allLanded) break;
      // Next event: the schedule, or (with nudges) the first completion the last pass did not see.
      const events = o.nudges ? model.completionsAfter(lastPassStart) : [];
      const nudgeAt = events.length > 0 ? (events[0] as { at: number }).at + o.nudgeDelayMs : Infinity;
      const next = Math.min(nextScheduled, nudgeAt);
      if (next >= hardEnd) break;
      if (next >= dayEnd && allLanded) break;
      const kind: PassRecord['kind'] = next === nextScheduled ? 'scheduled' : 'nudge';
      simNow = Math.max(simNow, next);
      const regions = kind === 'nudge' ? [...new Set(events.filter((e) => e.at + o.nudgeDelayMs <= simNow).map((e) => e.region))] : null;
      if (kind === 'scheduled') while (nextScheduled <= simNow) nextScheduled += SCHEDULE_MS;

      const app = buildApp({ config, logger, clock, aws: { onClient: (client, service, region) => counter.attach(client, service, region) } });
      counter.reset();
      const ghostBefore = proxy.namedCalls(GHOST_ID);
      lastPassStart = simNow;
      runningSince = performance.now();
      let report: Awaited<ReturnType<typeof reconcile>>;
      try {
        report = await reconcile(app.deps, { trigger: kind === 'nudge' ? 'event' : 'schedule', ...(regions ? { regions } : {}) });
      } finally {
        simNow += performance.now() - runningSince;
        runningSince = null;
        await app.close();
      }
      const calls = counter.snapshot();
      const record: PassRecord = {
        kind,
        startMin: round((lastPassStart - dayStart) / MINUTE, 2),
        wallSeconds: round((simNow - lastPassStart) / 1000, 2),
        calls: calls.calls,
        awsPagedCalls: calls.awsPagedCalls,
        outcome: report.outcome,
        failed: report.summary.failed,
        errorCodes: errorCodes(report),
      };
      passes.push(record);
      if (lastPassStart >= dayStart && lastPassStart < dayEnd) {
        callsInDay += calls.calls;
        pagedCallsInDay += calls.awsPagedCalls;
        ghostCallsInDay += proxy.namedCalls(GHOST_ID) - ghostBefore;
      }
      if (passes.length % 20 === 0 || record.wallSeconds > 30) {
        const d = dayOneCopies(model, members, dayStart);
        log(`pass ${passes.length} (${kind}) at +${fmtMinutes(record.startMin)}: ${record.calls} calls, ${record.wallSeconds} s; measured-day copies started ${d.started}, landed ${d.landed} of ${members.length}`);
      }
    }
    const motoCpu = motoCpu0 === null ? null : (processCpuSeconds(moto.pid) ?? motoCpu0) - motoCpu0;
    await proxy.stop();
    return summarise(o, members, model, proxy, passes, { engine, dayStart, callsInDay, pagedCallsInDay, ghostCallsInDay, seedSeconds, motoCpu, benchSeconds: (performance.now() - benchStart) / 1000 });
  } finally {
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Error codes of the pass's failed members, whatever the report's exact shape (it changes with the engine). */
function errorCodes(report: unknown): string[] {
  const results = (report as { results?: readonly { errors?: readonly { code?: string }[] }[] }).results ?? [];
  const codes = new Map<string, number>();
  for (const r of results) for (const e of r.errors ?? []) if (e.code) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
  return [...codes].map(([c, n]) => `${c} x${n}`);
}

interface DayCopy {
  readonly member: Member;
  readonly copy: TrackedSnapshot | null;
}

/**
 * Each member's copy of its first-day snapshot (the first snapshot the layer saw created for it
 * in the day), as the layer recorded it: started, landed (`available`, not cancelled) or neither.
 */
function dayOneCopies(model: RealisticAws, members: readonly Member[], dayStart: number): { copies: DayCopy[]; started: number; landed: number } {
  const firstCreate = new Map<string, TrackedSnapshot>();
  for (const t of model.history) {
    if (t.op !== 'create' || t.region !== PRIMARY || t.startedAt < dayStart || t.startedAt >= dayStart + 24 * HOUR || t.dbId === null) continue;
    if (!firstCreate.has(t.dbId)) firstCreate.set(t.dbId, t);
  }
  const copyOf = new Map<string, TrackedSnapshot>();
  for (const t of model.history) {
    if (t.op !== 'copy' || t.region !== DR || !t.source || t.cancelled) continue;
    copyOf.set(`${t.kind}/${t.source.id}`, t);
  }
  const now = model.now();
  const copies = members.map((m) => {
    const created = firstCreate.get(m.id);
    return { member: m, copy: created ? (copyOf.get(`${m.kind}/${created.id}`) ?? null) : null };
  });
  return { copies, started: copies.filter((c) => c.copy).length, landed: copies.filter((c) => c.copy && c.copy.readyAt <= now && !c.copy.cancelled).length };
}

function summarise(
  o: Options,
  members: readonly Member[],
  model: RealisticAws,
  proxy: RealisticAwsProxy,
  passes: readonly PassRecord[],
  m: { engine: string; dayStart: number; callsInDay: number; pagedCallsInDay: number; ghostCallsInDay: number; seedSeconds: number; motoCpu: number | null; benchSeconds: number },
) {
  const { dayStart } = m;
  const min = (ms: number): number => round((ms - dayStart) / MINUTE, 1);
  const day = dayOneCopies(model, members, dayStart);
  const landed = day.copies.filter((c) => c.copy && c.copy.readyAt <= model.now());
  const instances = members.filter((x) => x.kind === 'instance').length;
  const clusters = members.length - instances;
  // The floor: every copy slot busy from the first moment, ceil(N / 20) rounds of T minutes (and the clusters' own 5).
  const floorMinutes = Math.max(Math.ceil(instances / model.limits.instance), Math.ceil(clusters / model.limits.cluster)) * o.copyMinutes;
  const allLandedAt = landed.length === members.length ? Math.max(...landed.map((c) => (c.copy as TrackedSnapshot).readyAt)) : null;
  const completionMinutes = allLandedAt === null ? null : min(allLandedAt);
  const ratio = completionMinutes === null ? null : round(completionMinutes / floorMinutes, 3);

  const perTier = [0, 1, 2, 3].map((tier) => {
    const cs = day.copies.filter((c) => c.member.tier === tier);
    const started = cs.flatMap((c) => (c.copy ? [c.copy] : []));
    return {
      tier,
      members: cs.length,
      copiesStarted: started.length,
      firstStartMin: started.length ? min(Math.min(...started.map((t) => t.startedAt))) : null,
      lastStartMin: started.length ? min(Math.max(...started.map((t) => t.startedAt))) : null,
      lastLandedMin: started.length === cs.length && cs.length > 0 ? min(Math.max(...started.map((t) => t.readyAt))) : null,
    };
  });
  const high = day.copies.filter((c) => c.member.tier <= 1);
  const tier3 = day.copies.filter((c) => c.member.tier === 3).flatMap((c) => (c.copy ? [c.copy] : []));
  const highLanded = high.every((c) => c.copy) ? Math.max(...high.map((c) => (c.copy as TrackedSnapshot).readyAt)) : null;
  const firstTier3Start = tier3.length ? Math.min(...tier3.map((t) => t.startedAt)) : null;
  // Slots were scarce: more copies waited than the limit allows at once.
  const scarce = members.length > model.limits.instance;
  const tier3StartedBeforeHighLanded = highLanded === null ? tier3.length : tier3.filter((t) => t.startedAt < highLanded).length;
  const priorityHeld = highLanded !== null && (firstTier3Start === null || highLanded <= firstTier3Start);

  const copies = model.history.filter((t) => t.op === 'copy');
  const refusals = model.refusals;
  const fleetForCalls = members.length + 1; // the ghost is a configured member too
  // Over the simulated day (--hours, 24 by default); a shorter run is scaled to 24 h and says so.
  const perDay = 24 / o.hours;
  const callsPerInstancePerDay = round((m.callsInDay / fleetForCalls) * perDay, 3);
  const pagedPerInstancePerDay = round((m.pagedCallsInDay / fleetForCalls) * perDay, 3);
  const ghostPerDay = round(m.ghostCallsInDay * perDay, 1);
  const scaledNote = o.hours === 24 ? undefined : `scaled from ${o.hours} h to 24 h`;
  const passesInDay = passes.filter((p) => p.startMin >= 0 && p.startMin < o.hours * 60);
  const target = (name: string, goal: string, measured: number | boolean | null, met: boolean | null, note?: string) => ({ name, goal, measured, met, ...(note ? { note } : {}) });
  const ratioGoal = o.nudges ? TARGETS.ratioWithNudges : TARGETS.ratioScheduleOnly;
  return {
    engine: m.engine,
    setup: {
      instances,
      clusters,
      ghost: GHOST_ID,
      regions: `${PRIMARY} -> ${DR}`,
      tierMixPercent: o.tiers,
      tierCounts: [0, 1, 2, 3].map((t) => members.filter((x) => x.tier === t).length),
      createMinutes: o.createMinutes,
      copyMinutes: o.copyMinutes,
      createJitter: o.createJitter,
      copyJitter: o.copyJitter,
      copyLimits: model.limits,
      schedule: 'a pass every 15 minutes of moved time',
      nudges: o.nudges ? `a targeted pass ${o.nudgeDelayMs / 1000} s after each create/copy completion (serialised: events during a pass trigger one pass after it)` : 'none',
      dayHours: o.hours,
      warmupDays: o.warmupDays,
      measuredDay: o.warmupDays + 1,
      retentionDays: o.retentionDays ?? 'config default',
      maxHours: o.maxHours,
      dayStart: new Date(dayStart).toISOString(),
    },
    completion: {
      dayCopies: members.length,
      started: day.started,
      landed: landed.length,
      landedWithin24h: day.copies.filter((c) => c.copy && c.copy.readyAt <= dayStart + 24 * HOUR).length,
      // Never copied, but a later snapshot of the member was (the engine moved on to the newer one).
      neverCopiedButLaterCopied: day.copies.filter((c) => !c.copy && model.history.some((t) => t.op === 'copy' && t.region === DR && t.dbId === c.member.id && t.startedAt >= dayStart && !t.cancelled)).length,
      floorMinutes,
      allAvailableAfterMinutes: completionMinutes,
      ratioToFloor: ratio,
    },
    priority: {
      slotsScarce: scarce,
      tier01AllLandedMin: highLanded === null ? null : min(highLanded),
      firstTier3StartMin: firstTier3Start === null ? null : min(firstTier3Start),
      tier3CopiesStartedBeforeAllTier01Landed: tier3StartedBeforeHighLanded,
      held: priorityHeld,
      perTier,
    },
    copies: {
      started: copies.length,
      cancelled: copies.filter((t) => t.cancelled).length,
      refusedByLimit: refusals.filter((r) => r.code === 'SnapshotQuotaExceeded').length,
      refusedSourceNotAvailable: refusals.filter((r) => r.code === 'InvalidSnapshotState').length,
    },
    calls: {
      inDay: m.callsInDay,
      awsPagedInDay: m.pagedCallsInDay,
      perInstancePerDay: callsPerInstancePerDay,
      awsPagedPerInstancePerDay: pagedPerInstancePerDay,
      divisor: `${fleetForCalls} configured members (the ghost included)`,
      ghostNamedInDay: m.ghostCallsInDay,
      ghostNamedPerDay: ghostPerDay,
      ...(scaledNote ? { note: scaledNote } : {}),
      rdsRequestsByAction: Object.fromEntries([...proxy.requests].sort()),
    },
    passes: {
      inDay: passesInDay.length,
      scheduledInDay: passesInDay.filter((p) => p.kind === 'scheduled').length,
      nudgesInDay: passesInDay.filter((p) => p.kind === 'nudge').length,
      total: passes.length,
      lastPassMin: passes.length ? (passes[passes.length - 1] as PassRecord).startMin : null,
      wallSecondsMean: round(passes.reduce((s, p) => s + p.wallSeconds, 0) / Math.max(1, passes.length), 2),
      wallSecondsMax: round(Math.max(0, ...passes.map((p) => p.wallSeconds)), 2),
      outcomes: countBy(passes.map((p) => p.outcome)),
      errorCodes: countBy(passes.flatMap((p) => p.errorCodes.map((c) => c.replace(/ x\d+$/, '')))),
      list: passes,
    },
    targets: [
      target(
        `time until all the measured day's copies are available / floor ceil(N/20) x T (${o.nudges ? 'with nudges' : 'schedule only'})`,
        `<= ${ratioGoal}`,
        ratio,
        ratio === null ? false : ratio <= ratioGoal,
        ratio === null ? `${landed.length} of ${members.length} landed by +${fmtMinutes(min(model.now()))}` : undefined,
      ),
      target('tier-0/1 copies all landed before any tier-3 copy started', 'yes', priorityHeld, scarce ? priorityHeld : null, scarce ? undefined : 'slots were not scarce'),
      target('AWS calls per instance per day (AWS paging of listings)', `<= ${TARGETS.callsPerInstancePerDay}`, pagedPerInstancePerDay, pagedPerInstancePerDay <= TARGETS.callsPerInstancePerDay, scaledNote),
      target('AWS calls naming the configured instance that does not exist, per day', `<= ${TARGETS.ghostCallsPerDay}`, ghostPerDay, ghostPerDay <= TARGETS.ghostCallsPerDay, scaledNote),
    ],
    wall: { benchSeconds: round(m.benchSeconds, 1), seedSeconds: round(m.seedSeconds, 1), motoCpuSeconds: m.motoCpu === null ? null : round(m.motoCpu, 1) },
  };
}

export type Summary = ReturnType<typeof summarise>;

function printHuman(s: Summary): void {
  const line = (x = ''): void => void process.stdout.write(`${x}\n`);
  line(`realistic AWS: ${s.setup.instances} instances${s.setup.clusters ? ` + ${s.setup.clusters} clusters` : ''} (+1 configured, missing), ${s.setup.regions}, tiers ${s.setup.tierCounts.join('/')} (0/1/2/3)`);
  line(`  create ${s.setup.createMinutes} min, copy ${s.setup.copyMinutes} min (jitter ${s.setup.createJitter}/${s.setup.copyJitter}), limits ${s.setup.copyLimits.instance}/${s.setup.copyLimits.cluster}; ${s.setup.schedule}; nudges: ${s.setup.nudges}`);
  line(`  engine: ${s.engine}`);
  line();
  const c = s.completion;
  line(`day-${s.setup.measuredDay} copies: ${c.landedWithin24h} available within 24 h; ${c.landed} of ${c.dayCopies} available by the end${c.allAvailableAfterMinutes === null ? '' : ` after ${fmtMinutes(c.allAvailableAfterMinutes)}`}; floor ceil(N/20) x T = ${fmtMinutes(c.floorMinutes)}; ratio ${c.ratioToFloor ?? 'n/a (not all landed)'}`);
  if (c.neverCopiedButLaterCopied > 0) line(`  ${c.neverCopiedButLaterCopied} members never got this day's snapshot copied, but a later one`);
  line(`in the whole run: copies started ${s.copies.started}, cancelled ${s.copies.cancelled}; refused by the copy limit ${s.copies.refusedByLimit}, refused (source not available) ${s.copies.refusedSourceNotAvailable}`);
  line(`priority: tier 0/1 all landed at ${fmtMaybe(s.priority.tier01AllLandedMin)}, first tier-3 copy started at ${fmtMaybe(s.priority.firstTier3StartMin)}; tier-3 copies started before that: ${s.priority.tier3CopiesStartedBeforeAllTier01Landed}`);
  for (const t of s.priority.perTier) line(`  tier ${t.tier}: ${t.members} members, copies started ${t.copiesStarted}, first start ${fmtMaybe(t.firstStartMin)}, last start ${fmtMaybe(t.lastStartMin)}, all landed ${fmtMaybe(t.lastLandedMin)}`);
  line(`calls in the first ${s.setup.dayHours} h: ${s.calls.inDay} (${s.calls.awsPagedInDay} with AWS paging) = ${s.calls.perInstancePerDay} (${s.calls.awsPagedPerInstancePerDay}) per instance per day; naming the missing instance: ${s.calls.ghostNamedInDay}${s.calls.note ? ` [${s.calls.note}]` : ''}`);
  line(`RDS requests by action (whole run): ${Object.entries(s.calls.rdsRequestsByAction).map(([a, n]) => `${a} ${n}`).join(', ')}`);
  line(`passes in the day: ${s.passes.inDay} (${s.passes.scheduledInDay} scheduled, ${s.passes.nudgesInDay} nudges); in all ${s.passes.total}, last at ${fmtMaybe(s.passes.lastPassMin)}; wall per pass mean ${s.passes.wallSecondsMean} s, max ${s.passes.wallSecondsMax} s`);
  line(`pass outcomes: ${Object.entries(s.passes.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}; member errors: ${Object.entries(s.passes.errorCodes).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  line(`bench wall ${s.wall.benchSeconds} s (seeding ${s.wall.seedSeconds} s), moto CPU ${s.wall.motoCpuSeconds ?? '?'} s`);
  line();
  for (const t of s.targets) line(`${t.met === null ? 'N/A   ' : t.met ? 'MEETS ' : 'MISSES'} ${t.name}: ${String(t.measured)} (target ${t.goal})${t.note ? ` [${t.note}]` : ''}`);
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** The commit the engine was built from (and whether the tree had changes), for the record. */
function engineCommit(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src');
    return `src/ at ${git('log', '-1', '--format=%h', '--', 'src')} (HEAD ${git('rev-parse', '--short', 'HEAD')})${dirty ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** User + system CPU seconds of a process so far, from /proc (null where there is none). */
function processCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}

const fmtMinutes = (minutes: number): string => {
  const m = Math.abs(minutes);
  return `${minutes < 0 ? '-' : ''}${Math.floor(m / 60)}h${String(Math.round(m % 60)).padStart(2, '0')}m (${round(minutes, 1)} min)`;
};
const fmtMaybe = (minutes: number | null): string => (minutes === null ? 'never' : `+${fmtMinutes(minutes)}`);
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export { main as benchRealistic };

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`bench:realistic: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

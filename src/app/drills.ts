import { drillIdFor, DrillRecord, drillsOf, DrillSource, DrillSourceChoice, DrillTrigger, memberDrillSubject, restoredIdFor } from '../domain/drill';
import { drillRecords } from './drill-records';
import { allocateDrillStarts, drillRegionOf, dueForDrill, newestByInstance, scheduledInFlight } from '../domain/drill-plan';
import { SnapwardError, toErrorInfo } from '../domain/errors';
import { memberKey } from '../domain/ledger';
import { managedInfo } from '../domain/tags';
import { FleetMember } from '../domain/types';
import { advanceDrill, DrillProgress } from './drill-executor';
import { sweepDrillDatabases, SweepReport } from './drill-sweeper';
import { AppDeps } from './deps';
import { Logger } from '../ports/logger';
import { membersWithId, placesOf, resolveFleet } from './fleet';

/** One process advances drills at a time (long enough for a hook's 15 minutes). */
const DRILL_LEASE = 'drills';
const DRILL_LEASE_TTL_MS = 30 * 60 * 1000;

export interface DrillsReport {
  /** Set when another process held the drills lease: nothing was done. */
  readonly skipped: string | null;
  readonly advanced: readonly DrillProgress[];
  readonly started: readonly string[];
  /** Due members not started this pass, with why (no recovery point yet, concurrency, backoff). */
  readonly deferred: readonly { instanceId: string; reason: string }[];
  readonly swept: SweepReport['deleted'];
  /** Things that could not be done or seen this pass (tried again next pass). */
  readonly problems: readonly string[];
}

/**
 * The drills part of a pass: advance every drill in flight as far as AWS allows, start the
 * scheduled drills that are due (up to `maxConcurrent` per region), sweep old drill databases.
 * A failure on one drill never stops the others.
 */
export interface AdvanceDrillsOptions {
  readonly members: readonly FleetMember[];
  /** Lease owner: the run id. */
  readonly owner: string;
  /** Asked before each drill; once true no further drill is taken up (a Lambda near its deadline). */
  readonly shouldStop?: () => boolean;
}

export async function advanceDrills(deps: AppDeps, options: AdvanceDrillsOptions): Promise<DrillsReport> {
  const logger = deps.logger.child({ phase: 'drills' });
  const settings = drillsOf(deps.config);
  // Drill work only when there is some, so an idle pass takes no lease; then the sweep (at most
  // hourly), after the drills' own cleanup.
  const seen = await drillRecords(deps);
  const work = seen.some((d) => d.phase !== 'done') || dueForDrill(options.members, seen, settings, deps.clock.now()).due.length > 0;
  const done = work ? await drillWork(deps, options, logger) : { skipped: null, advanced: [], started: [], deferred: [], problems: [] };
  const sweep = (await sweepDue(deps, options.owner)) ? await sweepDrillDatabases(deps, options.members) : { deleted: [], problems: [] };
  return { ...done, swept: sweep.deleted, problems: [...done.problems, ...sweep.problems] };
}

/**
 * The sweep lists every DB instance and cluster of every region: as much as discovery again, which
 * would double an idle pass's AWS records. Leftovers only matter after `maxAge`, so it runs at
 * most once per quarter of `maxAge` (6 h by default: a leftover goes between 24 h and 30 h)
 * across all processes: a lease taken and never released is the timer (one store read per pass,
 * a write per sweep).
 */
export const sweepEveryMs = (maxAgeMs: number): number => Math.max(15 * 60 * 1000, Math.floor(maxAgeMs / 4));
const SWEEP_LEASE = 'drill-sweep';

async function sweepDue(deps: AppDeps, owner: string): Promise<boolean> {
  if ((await deps.store.leaseHolder(SWEEP_LEASE, deps.clock.now())) !== null) return false;
  return deps.store.acquireLease(SWEEP_LEASE, owner, sweepEveryMs(drillsOf(deps.config).maxAgeMs), deps.clock.now());
}

async function drillWork(deps: AppDeps, options: AdvanceDrillsOptions, logger: Logger): Promise<Omit<DrillsReport, 'swept'>> {
  const settings = drillsOf(deps.config);
  if (!(await takeDrillLease(deps, options.owner))) {
    return { skipped: 'another process is advancing drills right now', advanced: [], started: [], deferred: [], problems: [] };
  }
  try {
    const advanced: DrillProgress[] = [];
    const problems: string[] = [];
    const records = new Map((await drillRecords(deps)).map((d) => [d.drillId, d]));
    const stop = options.shouldStop ?? (() => false);
    for (const d of [...records.values()].filter((x) => x.phase !== 'done')) {
      if (stop()) break;
      try {
        const { drill, progress } = await advanceDrill(deps, d, logger);
        records.set(drill.drillId, drill);
        advanced.push(progress);
        if (progress.problem) problems.push(`${d.drillId}: ${progress.problem}`);
      } catch (err) {
        problems.push(`${d.drillId}: ${toErrorInfo(err).message}`);
      }
    }

    const now = deps.clock.now();
    const { due, skipped } = dueForDrill(options.members, [...records.values()], settings, now);
    // Recovery points (ledger reads) only for members a free slot could go to, in due order: a
    // fleet rolling drills out has hundreds due and a few slots.
    const points = new Map<string, DrillSource | null>();
    const free = new Map<string, number>();
    const inFlight = scheduledInFlight([...records.values()]);
    for (const { member } of due) {
      const region = drillRegionOf(member, settings.source);
      const left = free.get(region) ?? settings.maxConcurrent - (inFlight.get(region) ?? 0);
      free.set(region, left);
      if (left <= 0) continue;
      try {
        const point = await newestPoint(deps, member, region);
        points.set(memberDrillSubject(member), point);
        free.set(region, point ? left - 1 : left);
      } catch (err) {
        problems.push(`${member.id}: could not read its recovery points: ${toErrorInfo(err).message}`);
      }
    }
    const plan = allocateDrillStarts(due.filter((d) => points.has(memberDrillSubject(d.member)) || (free.get(drillRegionOf(d.member, settings.source)) ?? 1) <= 0), points, [...records.values()], settings);
    const started: string[] = [];
    for (const s of plan.start) {
      if (stop()) break;
      try {
        const record = newDrill(deps, s.member, s.source, 'schedule');
        if (!(await deps.store.createDrill(record))) continue;
        started.push(record.drillId);
        const { progress } = await advanceDrill(deps, record, logger);
        advanced.push(progress);
        if (progress.problem) problems.push(`${record.drillId}: ${progress.problem}`);
      } catch (err) {
        problems.push(`${s.member.id}: could not start a drill: ${toErrorInfo(err).message}`);
      }
    }
    return { skipped: null, advanced, started, deferred: [...skipped, ...plan.skipped], problems };
  } finally {
    await deps.store.releaseLease(DRILL_LEASE, options.owner);
  }
}

/** The member's newest available managed recovery point in `region`, from the ledger. */
async function newestPoint(deps: AppDeps, m: FleetMember, region: string): Promise<DrillSource | null> {
  const state = await deps.store.getMemberState(memberKey(m));
  let best: DrillSource | null = null;
  for (const s of state?.snapshots ?? []) {
    if (s.region !== region || s.status !== 'available') continue;
    const info = managedInfo(s);
    if (!info || info.instanceId !== m.id || !info.recoveryPointTime) continue;
    if (!best || info.recoveryPointTime > best.recoveryPointTime) {
      best = { region, snapshotId: s.id, snapshotArn: s.arn, recoveryPointTime: info.recoveryPointTime, encrypted: s.encrypted, kmsKeyId: s.kmsKeyId ?? null, engine: null };
    }
  }
  return best;
}

function newDrill(deps: AppDeps, m: FleetMember, source: DrillSource, trigger: DrillTrigger): DrillRecord {
  const now = deps.clock.now();
  return {
    drillId: drillIdFor(memberKey(m), now),
    instanceId: m.id,
    account: m.account,
    kind: m.kind,
    region: m.region,
    tier: m.tier,
    trigger,
    phase: 'restoring',
    outcome: null,
    source,
    restoredId: restoredIdFor(m.id, now),
    restoredInstanceId: null,
    createdAt: now,
    startedAt: null,
    availableAt: null,
    validatedAt: null,
    finishedAt: null,
    rtoSeconds: null,
    rtoTargetSeconds: Math.round(deps.config.tiers[m.tier].rtoMs / 1000),
    band: null,
    recoveryPointAgeSeconds: null,
    validation: null,
    error: null,
    cancelRequested: false,
    cleanupError: null,
    updatedAt: now,
  };
}

/**
 * The drills lease; a pass whose run is recorded as no longer running (crashed, reaped) does not
 * keep it for its whole TTL. Holders that are not runs (the CLI's ad hoc command) are waited out.
 */
async function takeDrillLease(deps: AppDeps, owner: string): Promise<boolean> {
  if (await deps.store.acquireLease(DRILL_LEASE, owner, DRILL_LEASE_TTL_MS, deps.clock.now())) return true;
  const holder = await deps.store.leaseHolder(DRILL_LEASE, deps.clock.now());
  if (!holder) return deps.store.acquireLease(DRILL_LEASE, owner, DRILL_LEASE_TTL_MS, deps.clock.now());
  const run = await deps.store.getRun(holder);
  if (!run || run.outcome === 'running') return false;
  return deps.store.acquireLease(DRILL_LEASE, owner, DRILL_LEASE_TTL_MS, deps.clock.now(), holder);
}

/** Waits a little for the drills lease (a pass holds it for seconds to minutes). */
async function withDrillLease<T>(deps: AppDeps, owner: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    if (await deps.store.acquireLease(DRILL_LEASE, owner, DRILL_LEASE_TTL_MS, deps.clock.now())) break;
    if (attempt >= 20) throw new SnapwardError('USAGE', 'another process is advancing drills right now (the drills lease is taken); try again in a minute');
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await fn();
  } finally {
    await deps.store.releaseLease(DRILL_LEASE, owner);
  }
}

export interface StartDrillOptions {
  readonly instanceId: string;
  /** The instance's account, by name or 12-digit id: needed only when its id is in several accounts. */
  readonly account?: string;
  readonly source?: DrillSourceChoice;
  readonly owner: string;
}

/**
 * `snapward drill <id>`: records an ad hoc drill and requests its restore before returning.
 * Refuses (a USAGE error, nothing touched) a member not in the fleet, one without an available
 * recovery point in the chosen region, or one with a drill in flight. Later passes carry it on.
 */
export async function startAdhocDrill(deps: AppDeps, options: StartDrillOptions): Promise<{ drill: DrillRecord; progress: DrillProgress }> {
  const fleet = await resolveFleet(deps.config, deps.accounts);
  const id = options.instanceId.toLowerCase();
  const matches = membersWithId(fleet.members, id, options.account);
  if (matches.length > 1) {
    throw new SnapwardError('USAGE', `${options.instanceId} is in more than one place: ${placesOf(matches)}; name its account (by name or 12-digit id); nothing done`);
  }
  const member = matches[0];
  if (!member) throw new SnapwardError('USAGE', `${options.instanceId} is not in the fleet (listed under instances or discovered by a discover rule); nothing done`);
  const source = options.source ?? drillsOf(deps.config).source;
  const region = drillRegionOf(member, source);
  return withDrillLease(deps, options.owner, async () => {
    const inFlight = (await drillRecords(deps, { instanceId: member.id })).find((d) => d.account === member.account && d.phase !== 'done');
    if (inFlight) throw new SnapwardError('USAGE', `${member.id} already has drill ${inFlight.drillId} in flight (${inFlight.phase}); cancel it with snapward drill --cancel ${inFlight.drillId}`);
    const point = await newestPoint(deps, member, region);
    if (!point) throw new SnapwardError('USAGE', `${member.id} has no available recovery point in ${region} known to snapward (${source === 'dr' ? 'no DR copy yet' : 'no snapshot yet'}; snapward run makes one); nothing done`);
    const record = newDrill(deps, member, point, 'adhoc');
    if (!(await deps.store.createDrill(record))) throw new SnapwardError('USAGE', `drill ${record.drillId} exists already; try again in a second`);
    return advanceDrill(deps, record, deps.logger.child({ phase: 'drill' }), (d) => d.startedAt !== null || d.phase !== 'restoring');
  });
}

/** `snapward drill --cancel <drillId>`: straight to cleanup; it ends `done`, outcome `cancelled`. */
export async function cancelDrill(deps: AppDeps, drillId: string, owner: string): Promise<{ drill: DrillRecord; progress: DrillProgress }> {
  return withDrillLease(deps, owner, async () => {
    const found = await deps.store.getDrill(drillId);
    if (!found) throw new SnapwardError('USAGE', `no drill ${drillId} (snapward drills --all lists them)`);
    if (found.phase === 'done') throw new SnapwardError('USAGE', `drill ${drillId} is done already (${found.outcome})`);
    const marked = { ...found, cancelRequested: true, updatedAt: deps.clock.now() };
    await deps.store.putDrill(marked);
    return advanceDrill(deps, marked, deps.logger.child({ phase: 'drill' }));
  });
}

/** `snapward drills`: drills in flight and the newest per instance; `all`: the whole history. */
export async function listDrillRecords(deps: AppDeps, options: { all?: boolean } = {}): Promise<DrillRecord[]> {
  const drills = await drillRecords(deps);
  if (options.all) return drills;
  const newest = new Set([...newestByInstance(drills).values()].map((d) => d.drillId));
  return drills.filter((d) => d.phase !== 'done' || newest.has(d.drillId));
}

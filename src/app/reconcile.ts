import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { applyAudit, applyObserved, applyRefresh, keepLost, LostPoint, memberKey, MemberState, nextDueAt, pendingOf, policyOf, vanished } from '../domain/ledger';
import { CopySlots, InstancePlan, planFleet, PlanSettings, slotKey } from '../domain/plan';
import { DbKind, FleetMember, Snapshot } from '../domain/types';
import { Logger } from '../ports/logger';
import { InstanceResult, RunOutcome, RunSummary, RunTrigger } from '../ports/state-store';
import { forEachLimit } from './concurrency';
import { AppDeps } from './deps';
import { executeInstance, PassContext } from './execute-instance';
import { resolveFleet } from './fleet';
import { listingKey } from './inventory';
import { instanceLeaseName, takeLease } from './member-ledger';
import { gatherPassEvidence, PassEvidence } from './pass-evidence';
import { PassWork, selectWork } from './pass-work';
import { confirmDeletions, DeletionConfirmation, DeletionRequest, refKey } from './retention-guard';
import { reapInterruptedRuns } from './runs';
import { advanceDrills, DrillsReport } from './drills';
import { Unobserved, unobservedFromPass } from './unobserved';

export interface ReconcileOptions {
  readonly trigger: RunTrigger;
  /** Plan and report, change nothing (no AWS writes, no run recorded). */
  readonly dryRun?: boolean;
  /** Once aborted, no new instance is started; the run is recorded as interrupted. */
  readonly signal?: AbortSignal;
  /**
   * Asked before each instance starts; once it says yes, no new instance is started (a Lambda
   * near its timeout). `reason` goes into the run record.
   */
  readonly shouldStop?: () => boolean;
  readonly stopReason?: string;
  /** Re-list every member's snapshots from AWS in this pass, not just the audit slice. */
  readonly audit?: boolean;
  /**
   * A targeted pass: only members with their primary or DR region here (an RDS snapshot event
   * freed a copy slot there). Absent: the whole fleet.
   */
  readonly regions?: readonly string[];
  /** Told once the work is known and after each member finishes (the CLI's progress line). */
  readonly onProgress?: (progress: PassProgress) => void;
}

/** How far a pass has got: members with work due, finished, and what they did so far. */
export interface PassProgress {
  readonly due: number;
  readonly done: number;
  readonly created: number;
  readonly copied: number;
  readonly deferred: number;
  readonly failed: number;
}

function progressOf(results: readonly InstanceResult[], due: number): PassProgress {
  const sum = (pick: (r: InstanceResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  return { due, done: results.length, created: sum((r) => r.created.length), copied: sum((r) => r.copied.length), deferred: sum((r) => r.deferred.length), failed: results.filter((r) => r.status === 'failed').length };
}

/** What a dry run would do for one instance. */
export interface PlannedInstance {
  readonly instanceId: string;
  readonly kind: DbKind;
  readonly region: string;
  readonly drRegion: string;
  readonly create: string | null;
  readonly copy: readonly { id: string; to: string }[];
  readonly deferredCopy: readonly { id: string; to: string }[];
  readonly delete: readonly { id: string; region: string }[];
  readonly inProgress: readonly { id: string; region: string; status: string }[];
  readonly blockers: readonly string[];
  readonly warnings: readonly string[];
}

export interface ReconcileReport {
  readonly runId: string | null;
  readonly dryRun: boolean;
  readonly outcome: RunOutcome;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly fleetSize: number;
  readonly summary: RunSummary;
  readonly results: readonly InstanceResult[];
  readonly planned: readonly PlannedInstance[];
  /** Pass-level problems (discovery failures, ...); instance failures are in `results`. */
  readonly problems: readonly ErrorInfo[];
  readonly warnings: readonly string[];
  /** Fleet members not reached because the pass was stopped. */
  readonly notReached: readonly string[];
  /** Restore drills advanced, started and swept by this pass; null in a dry run or a stopped pass. */
  readonly drills: DrillsReport | null;
  /** Members skipped because another live run was working on them (with that run's id). */
  readonly skipped: readonly { readonly instanceId: string; readonly heldBy: string }[];
  /** What the pass could not read from AWS, per region and cause (empty: it saw everything it needed). */
  readonly unobserved: readonly Unobserved[];
}

/**
 * One level-triggered pass over the whole fleet: take one short idempotent step per instance with
 * work due (create, copy, expire). Nothing waits on AWS: a snapshot still creating or copying is
 * picked up by a later pass.
 *
 * What the fleet holds comes from the ledger in the state store (domain/ledger.ts), kept true by
 * AWS's own answers: every mutation's response, a refresh by id of snapshots in flight, and a
 * rolling audit that re-lists each member from AWS once a day (and on first sight). A member with
 * nothing due costs no AWS call and no write, so an idle pass is one store read plus discovery.
 *
 * Deletions are the exception to trusting the ledger: they are confirmed with AWS first
 * (app/retention-guard.ts), because a ledger that is wrong must never cost a recovery point.
 */
export async function reconcile(deps: AppDeps, options: ReconcileOptions): Promise<ReconcileReport> {
  const { store, clock, config, runtime } = deps;
  const dryRun = Boolean(options.dryRun);
  const startedAt = clock.now();
  const runId = dryRun ? null : runtime.newRunId(startedAt);
  const logger = deps.logger.child({ runId, phase: 'reconcile', dryRun });

  if (runId) {
    await reapInterruptedRuns(deps);
    await store.startRun({ id: runId, kind: 'reconcile', trigger: options.trigger, startedAt, owner: runtime.owner });
  }
  try {
    const fleet = await resolveFleet(config, deps.provider);
    // The ledger says who has work; AWS is asked only about those members' unknowns.
    const summaries = new Map((await store.listMemberStates()).map((s) => [s.key, s]));
    const work = selectWork(config, fleet.members, summaries, { now: startedAt, auditAll: Boolean(options.audit), ...(options.regions ? { regions: new Set(options.regions) } : {}) });
    const evidence = await gatherPassEvidence(deps.provider, fleet.members, work.audit, work.refresh);
    const copySlots = initialCopySlots(config, fleet.members, evidence.copiesInFlight);
    // Planned once ahead (with a copy of the slots, so the preview takes none) only to learn what
    // retention would delete: those deletions are confirmed with AWS in a few batched calls.
    const preview: MemberPass = { deps, startedAt, evidence, copySlots: new Map(copySlots), work, guard: null };
    const guard = await confirmDeletions(deps.provider, await deletionRequests(preview, work.due));
    const pass: MemberPass = { ...preview, copySlots, guard };
    logger.info({ fleet: fleet.members.length, due: work.due.length, audited: work.audit.size, refreshed: work.refresh.size }, 'planned pass');

    options.onProgress?.(progressOf([], work.due.length));
    const results: InstanceResult[] = [];
    const planned: PlannedInstance[] = [];
    const skipped: { instanceId: string; heldBy: string }[] = [];
    let started = 0;
    if (dryRun) {
      for (const m of work.due) planned.push(describePlan(guardedPlan(pass, m, await store.getMemberState(memberKey(m))).plan));
    } else {
      started = await forEachLimit(
        work.due,
        config.concurrency.instances,
        async (m) => {
          const leased = await withInstanceLease(deps, runId as string, m, () => passMember(pass, m, logger.child({ instanceId: m.id })));
          if ('heldBy' in leased) {
            skipped.push({ instanceId: m.id, heldBy: leased.heldBy });
            return;
          }
          results.push(leased.result);
          await store.recordInstance(runId as string, leased.result, clock.now());
          options.onProgress?.(progressOf(results, work.due.length));
        },
        () => Boolean(options.signal?.aborted) || Boolean(options.shouldStop?.()),
      );
    }
    // Report in fleet order, not in the order instances happened to finish.
    const order = new Map(work.due.map((m, i) => [m.id, i]));
    results.sort((a, b) => (order.get(a.instanceId) ?? 0) - (order.get(b.instanceId) ?? 0));
    skipped.sort((a, b) => (order.get(a.instanceId) ?? 0) - (order.get(b.instanceId) ?? 0));
    const notReached = dryRun ? [] : work.due.slice(started).map((m) => m.id);
    const unobserved = unobservedFromPass(fleet, evidence.failures, fleet.members, summaries.keys());
    const summary = { ...summarize(results, fleet.members.length, work.upToDate), skipped: skipped.length };
    // A signal also aborts the calls in flight: the instances it caught half-way failed with INTERRUPTED.
    const outcome = decideOutcome(summary, fleet.problems.length > 0 || unobserved.length > 0, notReached.length > 0 || Boolean(options.signal?.aborted));
    // Restore drills after the snapshot work (app/drills.ts); a stopped pass leaves them to the next one.
    const drills = dryRun || notReached.length > 0 || options.signal?.aborted ? null : await advanceDrills(deps, { members: fleet.members, owner: runId as string, shouldStop: () => Boolean(options.signal?.aborted) || Boolean(options.shouldStop?.()) });
    const finishedAt = clock.now();
    if (runId) {
      const error: ErrorInfo | null =
        outcome === 'interrupted'
          ? { code: 'INTERRUPTED', message: `${options.stopReason ?? 'stopped on request'}: stopped after ${started} of ${work.due.length} instances with work due; the next pass carries on${notReachedNote(notReached)}` }
          : (fleet.problems[0] ?? null);
      await store.finishRun(runId, { finishedAt, outcome, summary, error });
    }
    logger.info({ outcome, ...summary }, 'pass finished');
    return {
      runId,
      dryRun,
      outcome: dryRun ? 'succeeded' : outcome,
      startedAt,
      finishedAt,
      fleetSize: fleet.members.length,
      summary,
      results,
      planned,
      problems: fleet.problems,
      warnings: fleet.warnings,
      notReached,
      skipped,
      unobserved,
      drills,
    };
  } catch (err) {
    // Only the state store or a bug gets here (AWS failures are caught per instance): record it.
    if (runId) {
      await store
        .finishRun(runId, { finishedAt: clock.now(), outcome: 'failed', summary: null, error: toErrorInfo(err) })
        .catch((finishErr: unknown) => logger.error({ err: finishErr }, 'could not record the failed run'));
    }
    throw err;
  }
}

/** The ids a stopped pass did not reach, in its run record (the first 20: a record stays small). */
function notReachedNote(ids: readonly string[]): string {
  if (ids.length === 0) return '';
  const shown = ids.slice(0, 20).join(', ');
  return `; not reached: ${shown}${ids.length > 20 ? ` and ${ids.length - 20} more` : ''}`;
}

/** Shared by every member of one pass. */
interface MemberPass {
  readonly deps: AppDeps;
  readonly startedAt: Date;
  readonly evidence: PassEvidence;
  readonly copySlots: CopySlots;
  readonly work: PassWork;
  /** AWS's confirmation of the pass's deletions; null while the pass is being previewed. */
  readonly guard: DeletionConfirmation | null;
}

/** What retention would delete for each due member, from the ledger and the pass's listings. */
async function deletionRequests(preview: MemberPass, due: readonly FleetMember[]): Promise<DeletionRequest[]> {
  const requests: DeletionRequest[] = [];
  await forEachLimit(due, 16, async (m) => {
    const planned = planMember(preview, m, await preview.deps.store.getMemberState(memberKey(m)));
    if (planned.plan.deletes.length) requests.push({ member: m, deletes: planned.plan.deletes, snapshots: planned.snapshots });
  });
  return requests;
}

/** One member's step: its ledger brought up to date with the pass's listings, planned, carried out, stored. */
async function passMember(pass: MemberPass, m: FleetMember, logger: Logger): Promise<InstanceResult> {
  const { deps, startedAt } = pass;
  const key = memberKey(m);
  const state = await deps.store.getMemberState(key);
  const { plan, snapshots, auditedAt, warnings, lost } = guardedPlan(pass, m, state);
  const ctx: PassContext = { deps, copySlots: pass.copySlots, listingFailures: failuresFor(pass, m) };
  const outcome = await executeInstance({ ...plan, warnings: [...warnings, ...plan.warnings] }, ctx, logger);
  const after = applyObserved(snapshots, outcome.observed, outcome.removed);
  const settings = planSettings(deps.config, startedAt);
  await deps.store.putMemberState({
    key,
    // A member whose ledger was just found wrong is re-listed by the next pass.
    dueAt: auditedAt === null ? startedAt : nextDueAt(m, after, outcome.result.status === 'failed', settings),
    auditedAt,
    policy: policyOf(m, deps.config),
    pending: pendingOf(after),
    snapshots: after,
    updatedAt: deps.clock.now(),
    // Members met for the first time start their newcomer grace now; older entries keep theirs.
    firstSeenAt: state ? (state.firstSeenAt ?? null) : startedAt,
    lost: keepLost(state?.lost ?? [], lost, after, startedAt, deps.config.retentionDays),
  });
  return outcome.result;
}

interface MemberPlan {
  readonly plan: InstancePlan;
  readonly snapshots: Snapshot[];
  /** Null when the ledger was found wrong: the member is audited again. */
  readonly auditedAt: Date | null;
  readonly warnings: string[];
  /** Recovery points AWS no longer has, though snapward did not delete them. */
  readonly lost: LostPoint[];
}

/**
 * The member's plan with retention cut back to what AWS confirmed. In a region where the
 * confirmation failed, nothing is deleted; what AWS said corrects the ledger, and the member is
 * re-listed (audited) by the next pass.
 */
function guardedPlan(pass: MemberPass, m: FleetMember, state: MemberState | null): MemberPlan {
  const planned = planMember(pass, m, state);
  const guard = pass.guard;
  if (!guard || planned.plan.deletes.length === 0) return planned;
  const verdicts = guard.verdicts(m);
  const refused = verdicts.filter((v) => !v.confirmed);
  const deletes = planned.plan.deletes.filter((s) => guard.deletable.has(refKey(s)));
  if (refused.length === 0) return { ...planned, plan: { ...planned.plan, deletes } };
  const asked = refused.flatMap((v) => v.asked);
  const corrected = applyRefresh(planned.snapshots, asked, guard.found);
  const warnings = refused.map((v) => `retention deleted nothing in ${v.region}: ${v.reason}; snapward's record was corrected from AWS and ${m.id} is re-listed by the next pass`);
  return {
    plan: { ...planned.plan, deletes },
    snapshots: corrected,
    auditedAt: null,
    warnings: [...planned.warnings, ...warnings],
    lost: [...planned.lost, ...vanished(planned.snapshots, corrected, [], pass.startedAt, planned.auditedAt)],
  };
}

function planMember(pass: MemberPass, m: FleetMember, state: MemberState | null): MemberPlan {
  const key = memberKey(m);
  const stored = state?.snapshots ?? [];
  let snapshots = [...stored];
  let auditedAt = state?.auditedAt ?? null;
  const warnings: string[] = [];
  const audit = pass.evidence.audited.get(key);
  if (audit) {
    const applied = applyAudit(snapshots, m, audit.snapshots, audit.regions, audit.unfiltered);
    snapshots = applied.snapshots;
    warnings.push(...applied.warnings);
    if (audit.regions.size === 2) auditedAt = pass.startedAt;
  }
  const asked = pass.work.refresh.get(key);
  if (asked) snapshots = applyRefresh(snapshots, asked.filter((r) => !pass.evidence.failures.has(listingKey(r.region, r.kind))), pass.evidence.refreshed);
  const lost = vanished(stored, snapshots, [], pass.startedAt, state?.auditedAt ?? null);
  const plan = planFleet([m], { snapshots }, { ...planSettings(pass.deps.config, pass.startedAt), copySlots: pass.copySlots }).instances[0] as InstancePlan;
  return { plan, snapshots, auditedAt, warnings, lost };
}

/** The listing failures that concern this member: only listings it needed this pass. */
function failuresFor(pass: MemberPass, m: FleetMember): Map<string, ErrorInfo> {
  const key = memberKey(m);
  const needed = pass.work.audit.has(key) ? [m.region, m.drRegion] : (pass.work.refresh.get(key) ?? []).map((r) => r.region);
  const out = new Map<string, ErrorInfo>();
  for (const region of needed) {
    const failure = pass.evidence.failures.get(listingKey(region, m.kind));
    if (failure) out.set(listingKey(region, m.kind), failure);
  }
  return out;
}

function planSettings(config: AppDeps['config'], now: Date): PlanSettings {
  return {
    now,
    retentionDays: config.retentionDays,
    periodMs: (m) => config.tiers[m.tier].snapshotEveryMs,
    copyLimit: { instance: config.concurrency.instanceCopiesPerRegion, cluster: config.concurrency.clusterCopiesPerRegion },
  };
}

/** Copy starts allowed per destination region this pass: the limit minus the copies seen in flight. */
function initialCopySlots(config: AppDeps['config'], fleet: readonly FleetMember[], inFlight: ReadonlyMap<string, number>): CopySlots {
  const limit = { instance: config.concurrency.instanceCopiesPerRegion, cluster: config.concurrency.clusterCopiesPerRegion };
  const slots: CopySlots = new Map();
  for (const m of fleet) slots.set(slotKey(m.drRegion, m.kind), Math.max(0, limit[m.kind] - (inFlight.get(listingKey(m.drRegion, m.kind)) ?? 0)));
  return slots;
}

/** Longer than any one instance's steps can take, shorter than the gap between passes. */
const LEASE_TTL_MS = 15 * 60 * 1000;

/**
 * Acts on an instance only while holding its lease, so two overlapping passes (a schedule and an
 * async retry, two operators) never work on the same instance at once. A lease whose holder is a
 * run that is no longer `running` (killed and reaped, finished, interrupted) blocks nobody: it is
 * taken over. A lease held by a live run makes this pass skip the member, and say so.
 */
async function withInstanceLease(deps: AppDeps, runId: string, m: FleetMember, work: () => Promise<InstanceResult>): Promise<{ result: InstanceResult } | { heldBy: string }> {
  const name = instanceLeaseName(m);
  if (!(await takeLease(deps, name, runId, LEASE_TTL_MS))) return { heldBy: (await deps.store.leaseHolder(name, deps.clock.now())) ?? 'another run' };
  try {
    return { result: await work() };
  } finally {
    await deps.store.releaseLease(name, runId);
  }
}

function summarize(results: readonly InstanceResult[], instances: number, upToDate: number): RunSummary {
  const count = (pick: (r: InstanceResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  return {
    instances,
    upToDate,
    failed: results.filter((r) => r.status === 'failed').length,
    created: count((r) => r.created.length),
    copied: count((r) => r.copied.length),
    deleted: count((r) => r.deleted.length),
    inProgress: count((r) => r.inProgress.length),
    warnings: count((r) => r.warnings.length),
  };
}

function decideOutcome(summary: RunSummary, fleetProblems: boolean, stopped: boolean): Exclude<RunOutcome, 'running'> {
  if (stopped) return 'interrupted';
  // A member another run held was not reached: the pass did not do all it should have.
  if (summary.failed === 0 && !fleetProblems && !summary.skipped) return 'succeeded';
  if (summary.instances > 0 && summary.failed === summary.instances) return 'failed';
  return 'partial';
}

function describePlan(p: InstancePlan): PlannedInstance {
  return {
    instanceId: p.member.id,
    kind: p.member.kind,
    region: p.member.region,
    drRegion: p.member.drRegion,
    create: p.create?.snapshotId ?? null,
    copy: p.copies.map((c) => ({ id: c.targetId, to: c.targetRegion })),
    deferredCopy: p.deferredCopies.map((c) => ({ id: c.targetId, to: c.targetRegion })),
    delete: p.deletes.map((s) => ({ id: s.id, region: s.region })),
    inProgress: p.inProgress.map((s) => ({ id: s.id, region: s.region, status: s.status })),
    blockers: p.blockers.map((b) => b.message),
    warnings: p.warnings,
  };
}

import { DEFAULT_TIMEOUTS } from '../domain/config';
import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { memberKey, MemberState } from '../domain/ledger';
import { InstanceResult, resultPlace, RunOutcome, RunSummary, RunTrigger, StepResult } from '../domain/runs';
import { HOUR } from '../domain/time';
import { DbKind, FleetMember } from '../domain/types';
import { ScheduledStep } from '../domain/work';
import { forEachLimit } from './concurrency';
import { AppDeps } from './deps';
import { advanceDrills, DrillsReport } from './drills';
import { CopySlotLeases } from './engine/copy-slots';
import { gatherVaultEvidence, VaultSlotShare } from './engine/vault-evidence';
import { MemberRunContext, MemberWork, runMember } from './engine/member-run';
import { guarded, MemberEvidence, memberEvidence, PassFacts, viewOf } from './engine/member-view';
import { deferredLines, instanceResult, stepResult, summarize } from './engine/results';
import { allocate, copyLimitOf, planMemberSteps, releaseFinished, slotPools } from './engine/schedule';
import { membersByAccount, resolveFleet, UNKNOWN_ACCOUNT } from './fleet';
import { DoneList, kindOf } from './kinds';
import { instanceLeaseName, takeLease } from './member-ledger';
import { gatherPassEvidence } from './pass-evidence';
import { selectWork } from './pass-work';
import { confirmDeletions, DeletionRequest } from './retention-guard';
import { Blind, groupUnobserved, Unobserved, unobservedFromPass } from './unobserved';
import { withRun } from './with-run';
import { SnapshotProvider } from '../ports/snapshot-provider';


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
  /** Try failing steps now, ignoring their backoff, for this pass (`run --retry-failed`). */
  readonly retryFailed?: boolean;
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
  /** The 12-digit id of the instance's account. */
  readonly account: string;
  readonly accountName: string | null;
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
  /** Every step planned for the member, with its phase (ready, deferred, in-flight, backoff, ...). */
  readonly steps: readonly StepResult[];
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
  readonly skipped: readonly { readonly instanceId: string; readonly account: string; readonly heldBy: string }[];
  /** What the pass could not read from AWS, per region and cause (empty: it saw everything it needed). */
  readonly unobserved: readonly Unobserved[];
  /** Work that waits, grouped by kind and reason (`20 in flight to us-west-2 (limit 20)`). */
  readonly deferred: readonly { readonly count: number; readonly step: string; readonly reason: string }[];
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
  const { store, clock, config } = deps;
  const dryRun = Boolean(options.dryRun);
  // withRun (app/with-run.ts) records the run, and records it failed if anything here throws
  // (only the state store or a bug can: AWS failures are caught per instance).
  return withRun(deps, { kind: 'reconcile', trigger: options.trigger, dryRun }, async ({ id: runId, startedAt }) => {
    const logger = deps.logger.child({ runId, phase: 'reconcile', dryRun });
    const fleet = await resolveFleet(config, deps.accounts);
    // The ledger says who has work; AWS is asked only about those members' unknowns.
    const summaries = new Map((await store.listMemberStates()).map((s) => [s.key, s]));
    const work = selectWork(config, fleet.members, summaries, { now: startedAt, auditAll: Boolean(options.audit), ...(options.regions ? { regions: new Set(options.regions) } : {}) });
    logger.info({ fleet: fleet.members.length, due: work.due.length, audited: work.audit.size, refreshed: work.refresh.size, accounts: new Set(fleet.members.map((m) => m.account)).size }, 'planned pass');

    // Plan every due member before carrying out anything, so scarce copy slots go by priority. Each
    // account is planned on its own: its listings, its deletions' confirmation, its copy slots
    // (AWS counts them per account and destination region).
    const leases = new CopySlotLeases(deps, copyLimitOf(deps), ((config.timeouts ?? DEFAULT_TIMEOUTS).copyMs) + HOUR);
    // The vault account's slots are one pool for every member account planned below.
    const vaultSlots = new VaultSlotShare(deps.accounts.vault?.id ?? null);
    const memberWork: (MemberWork & { readonly ctx: MemberRunContext })[] = [];
    const listingFailures = new Map<string, ErrorInfo>();
    for (const [account, members] of membersByAccount(fleet.members)) {
      if (fleet.accountFailures.has(account)) continue;
      const scope = deps.accounts.scope(account);
      const keys = new Set(members.map(memberKey));
      const refresh = new Map([...work.refresh].filter(([key]) => keys.has(key)));
      const evidence = await gatherPassEvidence(scope.provider, members, work.audit, refresh);
      for (const [key, error] of evidence.failures) listingFailures.set(`${account}/${key}`, error);
      const facts: PassFacts = { deps, startedAt, evidence, work };
      const plans = await planPass(facts, scope.provider, work.due.filter((m) => m.account === account), Boolean(options.retryFailed));
      await releaseFinished(leases, plans);
      const pools = await slotPools(deps, leases, members, summaries, evidence.copiesInFlight, plans);
      vaultSlots.adjust(pools.budget);
      const allocated = allocate(plans, pools.budget);
      vaultSlots.record(allocated);
      const ctx: MemberRunContext = { deps, startedAt, leases, pools, retryFailed: Boolean(options.retryFailed) };
      plans.forEach((p, i) => memberWork.push({ ...p, steps: allocated[i] as ScheduledStep[], ctx }));
    }
    // Members of an account that cannot be worked in fail with its reason, in fleet order below.
    const unreachable = work.due.filter((m) => fleet.accountFailures.has(m.account));
    const dueOrder = new Map(work.due.map((m, i) => [memberKey(m), i]));
    memberWork.sort((a, b) => (dueOrder.get(memberKey(a.member)) ?? 0) - (dueOrder.get(memberKey(b.member)) ?? 0));

    options.onProgress?.(progressOf([], work.due.length));
    const results: InstanceResult[] = [];
    const planned: PlannedInstance[] = [];
    const held: { m: FleetMember; heldBy: string }[] = [];
    let started = 0;
    if (dryRun) {
      for (const w of memberWork) planned.push(describePlan(w));
    } else {
      for (const m of unreachable) {
        const result = instanceResult(m, [], [], [], [fleet.accountFailures.get(m.account) as ErrorInfo]);
        results.push(result);
        await store.recordInstance(runId as string, result, clock.now());
      }
      started = await forEachLimit(
        memberWork,
        config.concurrency.instances,
        async (w) => {
          const m = w.member;
          const leased = await withInstanceLease(deps, runId as string, m, () => runMember(w.ctx, w, logger.child({ instanceId: m.id, account: m.account })));
          if ('heldBy' in leased) {
            held.push({ m, heldBy: leased.heldBy });
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
    results.sort((a, b) => (dueOrder.get(resultPlace(a)) ?? 0) - (dueOrder.get(resultPlace(b)) ?? 0));
    held.sort((a, b) => (dueOrder.get(memberKey(a.m)) ?? 0) - (dueOrder.get(memberKey(b.m)) ?? 0));
    const skipped = held.map(({ m, heldBy }) => ({ instanceId: m.id, account: m.account, heldBy }));
    const notReached = dryRun ? [] : memberWork.slice(started).map((w) => w.member.id);
    // The caller's own account unknown (STS did not answer): its members could not be looked at.
    const unknown = fleet.accountFailures.get(UNKNOWN_ACCOUNT);
    const identity: Blind[] = unknown ? [{ region: '*', account: UNKNOWN_ACCOUNT, error: unknown, instances: fleet.members.filter((m) => m.account === UNKNOWN_ACCOUNT).map((m) => m.id) }] : [];
    const unobserved = [...unobservedFromPass(fleet, listingFailures, fleet.members, summaries.keys()), ...groupUnobserved(identity)];
    const summary = { ...summarize(results, fleet.members.length, work.upToDate), skipped: skipped.length };
    // A signal also aborts the calls in flight: the instances it caught half-way failed with INTERRUPTED.
    const outcome = decideOutcome(summary, fleet.problems.length > 0 || unobserved.length > 0, notReached.length > 0 || Boolean(options.signal?.aborted));
    // Restore drills after the snapshot work (app/drills.ts); a stopped pass leaves them to the next one.
    const drills = dryRun || notReached.length > 0 || options.signal?.aborted ? null : await advanceDrills(deps, { members: fleet.members.filter((m) => !fleet.accountFailures.has(m.account)), owner: runId as string, shouldStop: () => Boolean(options.signal?.aborted) || Boolean(options.shouldStop?.()) });
    const finishedAt = clock.now();
    const error: ErrorInfo | null =
      outcome === 'interrupted'
        ? { code: 'INTERRUPTED', message: `${options.stopReason ?? 'stopped on request'}: stopped after ${started} of ${work.due.length} instances with work due; the next pass carries on${notReachedNote(notReached)}` }
        : (fleet.problems[0] ?? null);
    logger.info({ outcome, ...summary }, 'pass finished');
    const report: ReconcileReport = {
      runId,
      dryRun,
      outcome: dryRun ? 'succeeded' : outcome,
      startedAt,
      finishedAt,
      fleetSize: fleet.members.length,
      summary,
      results,
      planned,
      deferred: deferredLines(results),
      problems: fleet.problems,
      warnings: fleet.warnings,
      notReached,
      skipped,
      unobserved,
      drills,
    };
    return { value: report, outcome, summary, error, finishedAt };
  });
}

/** The ids a stopped pass did not reach, in its run record (the first 20: a record stays small). */
function notReachedNote(ids: readonly string[]): string {
  if (ids.length === 0) return '';
  const shown = ids.slice(0, 20).join(', ');
  return `; not reached: ${shown}${ids.length > 20 ? ` and ${ids.length - 20} more` : ''}`;
}

/**
 * Every due member planned from its ledger and the pass's evidence, with retention's deletions
 * confirmed with AWS first (app/retention-guard.ts): a ledger that is wrong must never cost a
 * recovery point. A member whose confirmation failed is planned again from what AWS said.
 */
async function planPass(pass: PassFacts, provider: SnapshotProvider, due: readonly FleetMember[], retryFailed: boolean): Promise<MemberWork[]> {
  const priors = new Array<MemberState | null>(due.length);
  await forEachLimit(due.map((m, i) => ({ m, i })), 16, async ({ m, i }) => {
    priors[i] = await pass.deps.store.getMemberState(memberKey(m));
  });
  // The vault account's side of the due members (their ledgers say which vault copies are on their way).
  const facts: PassFacts = { ...pass, vault: await gatherVaultEvidence(pass.deps, due.map((member, i) => ({ member, prior: priors[i] ?? null })), pass.work.audit) };
  const first = due.map((m, i): Omit<MemberWork, 'replan'> => {
    const prior = priors[i] ?? null;
    const evidence = memberEvidence(facts, m, prior);
    return { member: m, prior, evidence, ...planMemberSteps(evidence.view, retryFailed) };
  });
  const requests: DeletionRequest[] = [];
  for (const p of first) {
    const deletes = p.steps.flatMap((s) => (s.destroys ? [s.destroys] : []));
    if (deletes.length) requests.push({ member: p.member, deletes, snapshots: p.evidence.snapshots, ...(p.evidence.vault ? { vault: p.evidence.vault } : {}) });
  }
  const guard = requests.length ? await confirmDeletions(provider, requests, 4, facts.deps.accounts.vault?.provider ?? null) : null;
  // A member's steps with only the deletions AWS confirmed; where it refused, planned again from what AWS said.
  const confirmed = (m: FleetMember, prior: MemberState | null, evidence: MemberEvidence, planned: { steps: ScheduledStep[]; warnings: string[] }): Omit<MemberWork, 'replan' | 'member'> => {
    if (!planned.steps.some((s) => s.destroys)) return { prior, evidence, ...planned };
    const { evidence: checked, deletable } = guarded(facts, guard, evidence);
    const steps = checked === evidence ? planned : planMemberSteps(viewOf(facts.deps.config, m, checked.snapshots, { steps: prior?.steps ?? [], vault: checked.vault ?? [] }, facts.startedAt), retryFailed);
    return { prior, evidence: checked, warnings: steps.warnings, steps: steps.steps.filter((s) => !s.destroys || deletable(s.destroys)) };
  };
  return first.map((p) => ({
    member: p.member,
    ...confirmed(p.member, p.prior, p.evidence, { steps: [...p.steps], warnings: [...p.warnings] }),
    replan: (fresh) => {
      const evidence = memberEvidence(facts, p.member, fresh);
      return confirmed(p.member, fresh, evidence, planMemberSteps(evidence.view, retryFailed));
    },
  }));
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

function decideOutcome(summary: RunSummary, fleetProblems: boolean, stopped: boolean): Exclude<RunOutcome, 'running'> {
  if (stopped) return 'interrupted';
  // A member another run held was not reached: the pass did not do all it should have.
  if (summary.failed === 0 && !fleetProblems && !summary.skipped) return 'succeeded';
  if (summary.instances > 0 && summary.failed === summary.instances) return 'failed';
  return 'partial';
}

/** What a dry run shows for one member: its steps, and the lists of each kind's would-be work. */
function describePlan(w: MemberWork): PlannedInstance {
  const m = w.member;
  const steps = w.steps.map((s) => stepResult(s, null, null));
  const would = (list: DoneList) => steps.filter((s) => s.phase === 'ready' && kindOf(s.kind).done === list).map((s) => s.target);
  return {
    instanceId: m.id,
    account: m.account,
    accountName: m.accountName,
    kind: m.kind,
    region: m.region,
    drRegion: m.drRegion,
    create: would('created')[0]?.id ?? null,
    copy: would('copied').map((t) => ({ id: t.id, to: t.region })),
    deferredCopy: steps.filter((s) => s.phase === 'deferred').map((s) => ({ id: s.target.id, to: s.target.region })),
    delete: would('deleted').map((t) => ({ id: t.id, region: t.region })),
    inProgress: w.evidence.snapshots.filter((s) => steps.some((r) => r.phase === 'in-flight' && r.target.id === s.id && r.target.region === s.region)).map((s) => ({ id: s.id, region: s.region, status: s.status })),
    blockers: steps.filter((s) => s.phase === 'blocked' || s.phase === 'failed' || s.phase === 'backoff').map((s) => s.error?.message ?? s.reason ?? s.id),
    warnings: [...w.evidence.warnings, ...w.warnings],
    steps,
  };
}

import { ErrorInfo } from '../../domain/errors';
import { firstExpiry, keepLost, memberKey, MemberState, pendingOf, policyOf } from '../../domain/ledger';
import { periodOf } from '../../domain/period';
import { slotId, StepState } from '../../domain/steps';
import { InstanceResult, StepResult } from '../../domain/runs';
import { DEFAULT_RETRY } from '../../domain/config';
import { carriedStepStates, nextStepState, ScheduledStep, StepOutcome } from '../../domain/work';
import { FleetMember, Snapshot } from '../../domain/types';
import { Logger } from '../../ports/logger';
import { AppDeps } from '../deps';
import { listingKey } from '../inventory';
import { kindOf, kindOrder } from '../kinds';
import { CopySlotLeases } from './copy-slots';
import { MemberEvidence, ViewConfig, viewOf } from './member-view';
import { applyOutcome } from './vault-evidence';
import { Executed, instanceResult, stepResult } from './results';
import { planMemberSteps, SlotPools } from './schedule';

/** Shared by every member of one pass. */
export interface MemberRunContext {
  readonly deps: AppDeps;
  readonly startedAt: Date;
  readonly leases: CopySlotLeases;
  readonly pools: SlotPools;
  readonly retryFailed: boolean;
}

export interface MemberWork {
  readonly member: FleetMember;
  readonly evidence: MemberEvidence;
  readonly steps: readonly ScheduledStep[];
  readonly warnings: readonly string[];
  readonly prior: MemberState | null;
  /**
   * Plans the member again from `fresh` (its ledger entry as read under its lease) when another
   * pass changed it after this pass planned: the same evidence, the same confirmed deletions.
   */
  readonly replan: (fresh: MemberState | null) => Pick<MemberWork, 'evidence' | 'steps' | 'warnings' | 'prior'>;
}

/**
 * Carries out one member's ready steps, kinds in registration order (create, copy, expire), then
 * plans the member once more from what AWS answered (a snapshot AWS made available at once can be
 * copied in the same pass) and carries out what is new, then writes the member's ledger entry.
 * Nothing here throws for an AWS problem: every step's outcome is recorded.
 */
export async function runMember(ctx: MemberRunContext, planned: MemberWork, logger: Logger): Promise<InstanceResult> {
  const { deps, startedAt } = ctx;
  const m = planned.member;
  // Planned before the lease was taken: if another pass wrote the member since, plan it again.
  const fresh = await deps.store.getMemberState(memberKey(m));
  const work = sameEntry(fresh, planned.prior) ? planned : { ...planned, ...replanned(ctx, planned.replan(fresh)) };
  const { isHeld, passErrors } = heldByListings(work);
  let snapshots = work.evidence.snapshots;
  let vault = work.evidence.vault ?? [];
  const outcomes = new Map<string, StepOutcome>();
  const executed: Executed[] = [];
  const warnings = [...work.evidence.warnings, ...work.warnings];

  const runAll = async (steps: readonly ScheduledStep[]): Promise<void> => {
    const order = [...steps].sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind));
    for (const step of order) {
      if (step.phase !== 'ready' || isHeld(step)) continue;
      const outcome = await runStep(ctx, step, logger);
      outcomes.set(step.id, outcome);
      warnings.push(...outcome.warnings);
      ({ snapshots, vault } = applyOutcome({ snapshots, vault }, outcome));
    }
  };
  await runAll(work.steps);

  // What AWS just answered may open new work (a fresh snapshot available at once can be copied).
  let steps = [...work.steps];
  if (outcomes.size > 0 && [...outcomes.values()].some((o) => o.observed.length > 0)) {
    const known = new Set(steps.map((s) => s.id));
    // Never a step that destroys a recovery point: only those AWS confirmed before the pass run.
    const made = new Set([...outcomes.values()].flatMap((o) => o.observed.map((s) => `${s.region}/${s.id.toLowerCase()}`)));
    const again = planMemberSteps({ ...viewOf(deps.config, m, snapshots, { steps: work.prior?.steps ?? [], vault }, startedAt), madeThisPass: made }, ctx.retryFailed).steps.filter((s) => !known.has(s.id) && s.phase === 'ready' && !s.destroys);
    const fresh = again.map((s) => (s.slot ? takeFromBudget(ctx, s) : s));
    await runAll(fresh);
    steps = [...steps, ...fresh];
  }

  const now = deps.clock.now();
  const maxBackoff = (deps.config.retry ?? DEFAULT_RETRY).maxBackoffMs;
  const states: StepState[] = [];
  const results: StepResult[] = [];
  const held = new Set(steps.filter(isHeld).map((s) => s.id));
  for (const step of steps) {
    if (held.has(step.id)) continue;
    const outcome = outcomes.get(step.id) ?? null;
    const state = nextStepState(step, outcome, now, maxBackoff);
    if (state) states.push(state);
    const result = stepResult(step, outcome, state);
    results.push(result);
    if (outcome) executed.push({ step: result, accepted: !outcome.adopted && !outcome.followUp && (outcome.phase === 'done' || outcome.phase === 'in-flight') });
  }
  const priorSteps = new Map((work.prior?.steps ?? []).map((s) => [s.id, s]));
  const replaced = new Set(states.map((s) => s.id));
  for (const id of held) {
    const kept = priorSteps.get(id);
    if (kept) states.push(kept);
    replaced.add(id);
  }
  const carried = carriedStepStates(priorSteps, replaced, [...snapshots, ...vault], now);
  for (const s of carried) if (s.phase !== 'in-flight' && s.slot) await ctx.leases.release(s.slot, s.id);
  states.push(...carried);

  const vaultFailure = work.evidence.vaultFailure;
  const result = instanceResult(m, executed, results, warnings, vaultFailure ? [...passErrors, vaultFailure] : passErrors);
  await writeLedger(ctx, work, snapshots, states, result, work.evidence.vault === undefined ? undefined : vault);
  return result;
}

/** Claims the step's slot (if it needs one), runs its kind's executor, frees the slot unless the work is in flight. */
async function runStep(ctx: MemberRunContext, step: ScheduledStep, logger: Logger): Promise<StepOutcome> {
  if (step.slot && !(await ctx.leases.claim(step.slot, step.id, ctx.pools.usable(step.slot)))) {
    return { phase: 'deferred', observed: [], removed: [], warnings: [], reason: `${ctx.pools.budget.describe(step.slot)}; the last slot went to an overlapping pass` };
  }
  let outcome: StepOutcome;
  try {
    outcome = await kindOf(step.kind).execute(step, { deps: ctx.deps, logger: logger.child({ step: step.id }), scope: ctx.deps.accounts.scope(step.member.account) });
  } catch (err) {
    if (step.slot) await ctx.leases.release(step.slot, step.id);
    throw err;
  }
  if (step.slot && outcome.phase !== 'in-flight') await ctx.leases.release(step.slot, step.id);
  return outcome;
}

const sameEntry = (a: MemberState | null, b: MemberState | null): boolean => (a === null || b === null ? a === b : a.updatedAt.getTime() === b.updatedAt.getTime());

/** A member planned again under its lease takes its slots from what the fleet-wide allocation left. */
function replanned(ctx: MemberRunContext, again: Pick<MemberWork, 'evidence' | 'steps' | 'warnings' | 'prior'>): Pick<MemberWork, 'evidence' | 'steps' | 'warnings' | 'prior'> {
  return { ...again, steps: again.steps.map((s) => (s.phase === 'ready' && s.slot ? takeFromBudget(ctx, s) : s)) };
}

/** A step planned after the fleet-wide allocation takes what the allocation left, or waits. */
function takeFromBudget(ctx: MemberRunContext, step: ScheduledStep): ScheduledStep {
  const { budget } = ctx.pools;
  const key = slotId(step.slot as NonNullable<ScheduledStep['slot']>);
  const left = budget.free.get(key) ?? 0;
  if (left > 0) {
    budget.free.set(key, left - 1);
    return step;
  }
  return { ...step, phase: 'deferred', reason: budget.describe(step.slot as NonNullable<ScheduledStep['slot']>) };
}

/**
 * Steps that act in a region whose listing this member needed and did not get are held: what the
 * ledger holds there may be wrong. When the primary region was not seen, nothing is done at all.
 * A predicate, so steps planned later in the pass (after a create) are held by the same rule.
 */
function heldByListings(work: MemberWork): { isHeld: (s: ScheduledStep) => boolean; passErrors: ErrorInfo[] } {
  const m = work.member;
  const failures = work.evidence.listingFailures;
  const primary = failures.get(listingKey(m.region, m.kind));
  const dr = failures.get(listingKey(m.drRegion, m.kind));
  const passErrors: ErrorInfo[] = [];
  if (primary) passErrors.push(primary);
  if (dr && !primary) passErrors.push({ ...dr, message: `no copy made to ${m.drRegion}: ${dr.message}` });
  return { isHeld: (s) => Boolean(primary) || (Boolean(dr) && s.target.region === m.drRegion && !s.destroys), passErrors };
}

async function writeLedger(ctx: MemberRunContext, work: MemberWork, snapshots: Snapshot[], steps: StepState[], result: InstanceResult, vault: Snapshot[] | undefined): Promise<void> {
  const { deps, startedAt } = ctx;
  const m = work.member;
  const { auditedAt, lost } = work.evidence;
  await deps.store.putMemberState({
    key: memberKey(m),
    // A member whose ledger was just found wrong is re-listed by the next pass.
    dueAt: auditedAt === null ? startedAt : nextDueAt(deps.config, m, snapshots, steps, result.status === 'failed', startedAt, vault),
    auditedAt,
    policy: policyOf(m, deps.config),
    pending: pendingOf(snapshots),
    snapshots,
    updatedAt: deps.clock.now(),
    // Members met for the first time start their newcomer grace now; older entries keep theirs.
    firstSeenAt: work.prior ? (work.prior.firstSeenAt ?? null) : startedAt,
    lost: keepLost(work.prior?.lost ?? [], lost, snapshots, startedAt, deps.config.retentionDays),
    steps,
    ...(vault && (vault.length > 0 || work.prior?.vault) ? { vault } : {}),
  });
}

/**
 * When the member next has work: now while anything fails (a backoff included: the pass reports it
 * without calling AWS), is in flight, waits for a slot or would be done by the planners with what
 * the ledger holds; otherwise the earlier of the next period and the first retention expiry.
 * Asking the planners themselves keeps "nothing to do" and "what a pass does" one rule.
 */
export function nextDueAt(config: ViewConfig, m: FleetMember, snapshots: readonly Snapshot[], steps: readonly StepState[], failed: boolean, now: Date, vault: readonly Snapshot[] = []): Date {
  if (failed) return now;
  const view = viewOf(config, m, snapshots, { steps, vault }, now);
  if (planMemberSteps(view, false).steps.length > 0) return now;
  let due = periodOf(now, view.periodMs).end.getTime();
  const expiry = firstExpiry(m, snapshots, config.retentionDays);
  if (expiry !== null && expiry < due) due = expiry;
  return new Date(Math.max(due, now.getTime()));
}

import { ErrorInfo } from './errors';
import { backoffMs, backsOff } from './retry';
import { slotId, StepPhase, StepSlot, StepState } from './steps';
import { DAY } from './time';
import { FleetMember, Snapshot, SnapshotRef } from './types';

/**
 * The generic half of work as data (domain/steps.ts): what every kind's planner sees and returns,
 * and the rules that apply to every step whatever its kind (backoff, slot allocation, what the
 * ledger keeps). Nothing here knows a kind by name.
 */

/** What a planner sees of one member: its ledger brought up to date with the pass's evidence. */
export interface MemberView {
  readonly member: FleetMember;
  /** The member's managed snapshots in both regions, and foreign ones at snapward's ids for it. */
  readonly snapshots: readonly Snapshot[];
  /** The member's steps as the ledger kept them, by id. */
  readonly steps: ReadonlyMap<string, StepState>;
  readonly now: Date;
  readonly retentionDays: number;
  /** The member's backup period (from its tier). */
  readonly periodMs: number;
  readonly timeouts: { readonly copyMs: number; readonly createMs: number };
  /** `region/id` (id lower case) of the snapshots retention may delete, decided for the whole fleet. */
  readonly expired: ReadonlySet<string>;
  /**
   * `region/id` (id lower case) of snapshots AWS returned to this pass's own calls: new by
   * definition, whatever their timestamps say (an emulator stamps real time under a moved clock).
   */
  readonly madeThisPass?: ReadonlySet<string>;
  /** The vault account (issue 16) as this member sees it; absent: no vault configured. */
  readonly vault?: VaultView;
}

/** What the vault kinds see: the vault account, its policy, and the member's copies there. */
export interface VaultView {
  /** The vault account's 12-digit id (copy slots there are counted per this account). */
  readonly accountId: string;
  readonly retentionDays: number;
  /** Tiers that get a vault copy. */
  readonly tiers: readonly number[];
  /** The member's copies in the vault account, in its DR region (MemberState.vault). */
  readonly snapshots: readonly Snapshot[];
}

/** A step a planner proposes for this pass. */
export interface PlannedStep {
  readonly id: string;
  readonly kind: string;
  readonly member: FleetMember;
  readonly target: SnapshotRef;
  /**
   * `ready`: the executor carries it out; `in-flight`: AWS is working on it, nothing to do;
   * `blocked` / `failed`: not carried out, `error` says why (an id taken, work stuck too long).
   */
  readonly phase: Extract<StepPhase, 'ready' | 'in-flight' | 'blocked' | 'failed'>;
  /** The scarce resource it takes when it starts (a copy slot), or null. */
  readonly slot: StepSlot | null;
  /** Smaller goes first when slots are scarce, compared element by element; then member id, step id. */
  readonly priority: readonly number[];
  /** Kind-specific, read only by the kind's executor. */
  readonly input: unknown;
  readonly error?: ErrorInfo;
  /** When AWS started the work (in flight), if known. */
  readonly startedAt?: Date | null;
  /** Words for the operator: why it waits or is blocked. */
  readonly reason?: string;
  /**
   * The recovery point this step destroys, if it does: the engine confirms with AWS by id that it
   * is still snapward's and that the point kept instead exists before letting the step run.
   */
  readonly destroys?: Snapshot;
}

export interface PlannerOutput {
  readonly steps: readonly PlannedStep[];
  readonly warnings: readonly string[];
}

/** A kind's pure planner: from the member's view to the steps it needs. */
export type Planner = (view: MemberView) => PlannerOutput;

/** A planned step after the pass's fleet-wide rules (backoff, slots) gave it its phase. */
export interface ScheduledStep extends Omit<PlannedStep, 'phase'> {
  readonly phase: Extract<StepPhase, 'ready' | 'in-flight' | 'blocked' | 'failed' | 'backoff' | 'deferred'>;
  /** The step's history: attempts so far, last error, backoff. */
  readonly history: StepState | null;
}

/**
 * The step's history: its own entry, or else the newest failing entry of the same kind and target
 * region (a create for a new period inherits the backoff of the last period's failing create, so a
 * database that is gone is not tried again just because a day turned).
 */
export function historyOf(step: Pick<PlannedStep, 'id' | 'kind' | 'target'>, steps: ReadonlyMap<string, StepState>): StepState | null {
  const own = steps.get(step.id);
  if (own) return own;
  let best: StepState | null = null;
  for (const s of steps.values()) {
    if (s.kind !== step.kind || s.target.region !== step.target.region || s.attempts === 0) continue;
    if (!best || (s.nextAttemptAt?.getTime() ?? 0) > (best.nextAttemptAt?.getTime() ?? 0)) best = s;
  }
  return best;
}

/** A ready step whose last failure backs off past `now` waits (unless the operator said retry now). */
export function applyBackoff(step: PlannedStep, history: StepState | null, now: Date, retryFailed: boolean): ScheduledStep {
  const waiting = step.phase === 'ready' && !retryFailed && history?.nextAttemptAt && history.nextAttemptAt.getTime() > now.getTime();
  if (!waiting) return { ...step, history };
  return {
    ...step,
    phase: 'backoff',
    history,
    ...(history.lastError ? { error: history.lastError } : {}),
    reason: `backing off after ${history.attempts} failed attempt(s): next attempt at ${(history.nextAttemptAt as Date).toISOString()}`,
  };
}

/** Free slots per `slotId`, and the limit and the count in flight behind them (for the reason). */
export interface SlotBudget {
  readonly free: Map<string, number>;
  readonly describe: (slot: StepSlot) => string;
}

/**
 * Gives the pass's free slots to the ready steps that need one, fleet-wide, in priority order;
 * the rest are deferred with the reason. Steps that need no slot are untouched.
 */
export function allocateSlots(steps: readonly ScheduledStep[], budget: SlotBudget): ScheduledStep[] {
  const wanting = steps.filter((s) => s.phase === 'ready' && s.slot !== null);
  const order = [...wanting].sort(comparePriority);
  const granted = new Set<ScheduledStep>();
  for (const s of order) {
    const key = slotId(s.slot as StepSlot);
    const left = budget.free.get(key) ?? 0;
    if (left > 0) {
      budget.free.set(key, left - 1);
      granted.add(s);
    }
  }
  return steps.map((s) =>
    s.phase !== 'ready' || s.slot === null || granted.has(s) ? s : { ...s, phase: 'deferred' as const, reason: budget.describe(s.slot) },
  );
}

export function comparePriority(a: Pick<PlannedStep, 'priority' | 'member' | 'id'>, b: Pick<PlannedStep, 'priority' | 'member' | 'id'>): number {
  const n = Math.max(a.priority.length, b.priority.length);
  for (let i = 0; i < n; i++) {
    const d = (a.priority[i] ?? 0) - (b.priority[i] ?? 0);
    if (d !== 0) return d;
  }
  if (a.member.id !== b.member.id) return a.member.id < b.member.id ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** What an executor reports for one step. */
export interface StepOutcome {
  /** `done`, `in-flight` (AWS accepted it and works on), `failed`, or `deferred` (AWS refused a slot). */
  readonly phase: Extract<StepPhase, 'done' | 'in-flight' | 'failed' | 'deferred'>;
  /** Snapshots as AWS returned them (made, copied, adopted): the ledger takes them. */
  readonly observed: readonly Snapshot[];
  /** Snapshots deleted or found gone. */
  readonly removed: readonly SnapshotRef[];
  readonly warnings: readonly string[];
  readonly error?: ErrorInfo;
  readonly reason?: string;
  /** The work was already done by someone else (an overlapping pass): the step found it, not made it. */
  readonly adopted?: boolean;
  /**
   * The step finished work an earlier pass started and already listed (removing a share once a
   * copy is done): it is not listed again among the pass's created/copied/... work.
   */
  readonly followUp?: boolean;
}

/**
 * How long every finished step that held a slot stays in the ledger: its duration feeds copy
 * capacity. The member's newest one stays longer (see carriedStepStates).
 */
export const FINISHED_KEPT_MS = DAY;

/**
 * The step's entry for the ledger after the pass, or null when there is nothing to remember.
 * Kept: work in flight, failures (attempts and backoff), deferred work (the backlog), and
 * recently finished work that held a slot.
 */
export function nextStepState(step: ScheduledStep, outcome: StepOutcome | null, now: Date, maxBackoffMs: number): StepState | null {
  const prior = step.history?.id === step.id ? step.history : null;
  const inherited = step.history;
  const base = { id: step.id, kind: step.kind, target: step.target, slot: step.slot };
  const phase = outcome?.phase ?? step.phase;
  const error = outcome?.error ?? step.error ?? null;
  switch (phase) {
    case 'in-flight':
      return { ...base, phase, attempts: prior?.attempts ?? 0, nextAttemptAt: null, lastError: prior?.lastError ?? null, startedAt: prior?.startedAt ?? step.startedAt ?? now, finishedAt: null, reason: step.reason ?? null };
    case 'done':
      return step.slot === null ? null : { ...base, phase, attempts: 0, nextAttemptAt: null, lastError: null, startedAt: prior?.startedAt ?? step.startedAt ?? now, finishedAt: now, reason: null };
    case 'failed': {
      if (!outcome) {
        // Failed without an attempt (work stuck in AWS too long): nothing to back off from.
        return { ...base, phase, attempts: prior?.attempts ?? 0, nextAttemptAt: null, lastError: error, startedAt: prior?.startedAt ?? step.startedAt ?? null, finishedAt: null, reason: step.reason ?? null };
      }
      const attempts = (inherited?.attempts ?? 0) + 1;
      const wait = error && backsOff(error) ? backoffMs(attempts, maxBackoffMs, step.id) : 0;
      return { ...base, phase, attempts, nextAttemptAt: wait ? new Date(now.getTime() + wait) : null, lastError: error, startedAt: null, finishedAt: null, reason: outcome.reason ?? null };
    }
    case 'backoff':
      return { ...(inherited as StepState), ...base, phase: 'backoff' };
    case 'deferred':
      return { ...base, phase, attempts: inherited?.attempts ?? 0, nextAttemptAt: null, lastError: inherited?.lastError ?? null, startedAt: null, finishedAt: null, reason: outcome?.reason ?? step.reason ?? null };
    case 'blocked':
      return { ...base, phase, attempts: 0, nextAttemptAt: null, lastError: error, startedAt: null, finishedAt: null, reason: step.reason ?? null };
    default:
      return null;
  }
}

/**
 * Entries of the ledger no step of this pass replaced: work seen in flight that has since finished
 * (its target is available now) becomes `done` (kept a day when it held a slot, for its duration);
 * finished entries are kept their day; anything else is forgotten (its step is no longer wanted).
 */
export function carriedStepStates(prior: ReadonlyMap<string, StepState>, replaced: ReadonlySet<string>, snapshots: readonly Snapshot[], now: Date): StepState[] {
  const byRef = new Map(snapshots.map((s) => [`${s.region}/${s.id.toLowerCase()}`, s]));
  const out: StepState[] = [];
  let newestOld: StepState | null = null;
  for (const s of prior.values()) {
    if (replaced.has(s.id)) continue;
    if (s.phase === 'in-flight' && s.slot) {
      const target = byRef.get(`${s.target.region}/${s.target.id.toLowerCase()}`);
      if (target?.status === 'available') out.push({ ...s, phase: 'done', finishedAt: now, lastError: null, attempts: 0 });
      continue;
    }
    if (s.phase !== 'done' || !s.finishedAt) continue;
    if (now.getTime() - s.finishedAt.getTime() < FINISHED_KEPT_MS) out.push(s);
    else if (!newestOld || s.finishedAt > (newestOld.finishedAt as Date)) newestOld = s;
  }
  // Older than a day, the newest is kept anyway: copy capacity falls back to the last copies when
  // fewer than 50 landed in a day, and this keeps one per member for it.
  if (newestOld && !out.some((s) => s.phase === 'done')) out.push(newestOld);
  return out;
}

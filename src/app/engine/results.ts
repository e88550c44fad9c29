import { ErrorInfo } from '../../domain/errors';
import { DeferredWork, InstanceResult, RunSummary, SnapshotAction, StepResult } from '../../domain/runs';
import { StepState } from '../../domain/steps';
import { FleetMember } from '../../domain/types';
import { ScheduledStep, StepOutcome } from '../../domain/work';
import { DoneList, kindOf } from '../kinds';

/** One step as the run records it. */
export function stepResult(step: ScheduledStep, outcome: StepOutcome | null, state: StepState | null): StepResult {
  const phase = outcome?.phase ?? step.phase;
  const error = outcome?.error ?? (phase === 'failed' || phase === 'blocked' || phase === 'backoff' ? (step.error ?? null) : null);
  return {
    id: step.id,
    kind: step.kind,
    target: { id: step.target.id, region: step.target.region, kind: step.target.kind },
    phase,
    attempts: state?.attempts ?? step.history?.attempts ?? 0,
    nextAttemptAt: state?.nextAttemptAt ?? (phase === 'backoff' ? (step.history?.nextAttemptAt ?? null) : null),
    error,
    reason: outcome?.reason ?? step.reason ?? null,
  };
}

/** A step this pass carried out and AWS accepted (finished, or working on it). */
export interface Executed {
  readonly step: StepResult;
  readonly accepted: boolean;
}

/**
 * An instance's result, built from its steps without asking which kind each is: a step AWS accepted
 * lands in its kind's list (`created`, `copied`, `deleted`), work in flight in `inProgress`, waiting
 * work in `deferred`, and every failure (a backoff included: the fleet is not fine meanwhile) in `errors`.
 */
export function instanceResult(member: FleetMember, executed: readonly Executed[], steps: readonly StepResult[], warnings: readonly string[], passErrors: readonly ErrorInfo[]): InstanceResult {
  const lists: Record<DoneList, SnapshotAction[]> = { created: [], copied: [], deleted: [], vaulted: [], vaultDeleted: [] };
  for (const e of executed) if (e.accepted) lists[kindOf(e.step.kind).done].push(e.step.target);
  const inProgress = dedupe(steps.filter((s) => s.phase === 'in-flight').map((s) => s.target));
  const deferred: DeferredWork[] = steps.filter((s) => s.phase === 'deferred').map((s) => ({ ...s.target, step: s.kind, ...(s.reason ? { reason: s.reason } : {}) }));
  const failing = steps.filter((s) => s.error && (s.phase === 'failed' || s.phase === 'blocked' || s.phase === 'backoff'));
  const errors: ErrorInfo[] = [...passErrors, ...failing.map((s) => withWhen(s))];
  const attempts = failing.reduce((n, s) => Math.max(n, s.attempts), 0);
  const waits = failing.map((s) => s.nextAttemptAt);
  const nextAttemptAt = waits.length && waits.every((w) => w !== null) ? new Date(Math.min(...waits.map((w) => (w as Date).getTime()))) : null;
  return {
    instanceId: member.id,
    account: member.account,
    accountName: member.accountName,
    kind: member.kind,
    region: member.region,
    drRegion: member.drRegion,
    status: errors.length ? 'failed' : 'ok',
    created: lists.created,
    copied: lists.copied,
    deleted: lists.deleted,
    // Absent when empty: a fleet without a vault reads as before.
    ...(lists.vaulted.length ? { vaulted: lists.vaulted } : {}),
    ...(lists.vaultDeleted.length ? { vaultDeleted: lists.vaultDeleted } : {}),
    inProgress,
    deferred,
    warnings: [...warnings],
    errors,
    steps,
    attempts,
    nextAttemptAt,
  };
}

/** A failure that waits out a backoff says until when. */
function withWhen(s: StepResult): ErrorInfo {
  const error = s.error as ErrorInfo;
  if (s.phase !== 'backoff' || !s.nextAttemptAt) return error;
  return { ...error, message: `${error.message} (attempt ${s.attempts} failed; next attempt at ${s.nextAttemptAt.toISOString()})` };
}

function dedupe(refs: SnapshotAction[]): SnapshotAction[] {
  return [...new Map(refs.map((r) => [`${r.region}/${r.id}`, r])).values()];
}

export function summarize(results: readonly InstanceResult[], instances: number, upToDate: number): RunSummary {
  const count = (pick: (r: InstanceResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  return {
    instances,
    upToDate,
    failed: results.filter((r) => r.status === 'failed').length,
    created: count((r) => r.created.length),
    copied: count((r) => r.copied.length),
    deleted: count((r) => r.deleted.length),
    ...vaultCounts(results),
    inProgress: count((r) => r.inProgress.length),
    warnings: count((r) => r.warnings.length),
    deferred: count((r) => r.deferred.length),
  };
}

/** Deferred work of a pass, one line per destination and reason: `163 copies deferred: 20 in flight to us-west-2 (limit 20)`. */
export function deferredLines(results: readonly InstanceResult[]): { count: number; step: string; reason: string }[] {
  const groups = new Map<string, { count: number; step: string; reason: string }>();
  for (const r of results) {
    for (const d of r.deferred) {
      const reason = d.reason ?? 'waiting';
      const key = `${d.step ?? ''}|${reason}`;
      const g = groups.get(key) ?? { count: 0, step: d.step ?? 'step', reason };
      g.count++;
      groups.set(key, g);
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** The vault's counts, present only when the pass touched the vault (a fleet without one reads as before). */
function vaultCounts(results: readonly InstanceResult[]): Pick<RunSummary, 'vaulted' | 'vaultDeleted'> {
  const vaulted = results.reduce((n, r) => n + (r.vaulted?.length ?? 0), 0);
  const vaultDeleted = results.reduce((n, r) => n + (r.vaultDeleted?.length ?? 0), 0);
  return { ...(vaulted ? { vaulted } : {}), ...(vaultDeleted ? { vaultDeleted } : {}) };
}

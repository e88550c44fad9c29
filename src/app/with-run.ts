import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { RunKind, RunOutcome, RunSummary, RunTrigger } from '../domain/runs';
import { AppDeps } from './deps';
import { reapInterruptedRuns } from './runs';

/** How a recorded run can end. */
export type FinishedOutcome = Exclude<RunOutcome, 'running'>;

/** What a run's body hands back: the outcome to record, and the value `withRun` returns. */
export interface RunEnd<T> {
  readonly value: T;
  readonly outcome: FinishedOutcome;
  readonly summary?: RunSummary | null;
  /** Why the run as a whole failed, was partial or was interrupted. */
  readonly error?: ErrorInfo | null;
  /** A JSON document stored with the run. */
  readonly details?: unknown;
  /** When the run finished (e.g. the time also written on its last result); default: the clock after the body. */
  readonly finishedAt?: Date;
}

export interface RunSpec {
  readonly kind: RunKind;
  readonly trigger: RunTrigger;
  /** The run's start; default: the clock now. */
  readonly startedAt?: Date;
}

/** The run a body works in. */
export interface RunContext {
  readonly id: string;
  readonly startedAt: Date;
}

/** The same for a body that may be a dry run: no id then, since nothing is recorded. */
export interface MaybeRunContext {
  readonly id: string | null;
  readonly startedAt: Date;
}

type RunDeps = Pick<AppDeps, 'store' | 'clock' | 'runtime' | 'logger'>;

/**
 * The run bookkeeping every recorded use case shares, held once: reap the runs that can no
 * longer finish, record this one as `running`, run the body, and record how it ended (the
 * body's outcome, summary, error and details).
 *
 * A failure anywhere never leaves the run `running` while the store can still record it: when
 * the body throws, or recording its outcome throws, the run is finished as `failed` with that
 * error (tried twice), and the error is re-thrown. When even that cannot be recorded, it is logged
 * (the next writing command reaps the run as interrupted once its process is gone or its
 * heartbeat stale).
 *
 * With `dryRun: true` nothing is recorded or reaped: the body runs with no run id.
 */
export function withRun<T>(deps: RunDeps, spec: RunSpec & { readonly dryRun?: false }, body: (run: RunContext) => Promise<RunEnd<T>>): Promise<T>;
export function withRun<T>(deps: RunDeps, spec: RunSpec & { readonly dryRun: boolean }, body: (run: MaybeRunContext) => Promise<RunEnd<T>>): Promise<T>;
export async function withRun<T>(deps: RunDeps, spec: RunSpec & { readonly dryRun?: boolean }, body: (run: RunContext) => Promise<RunEnd<T>>): Promise<T> {
  const startedAt = spec.startedAt ?? deps.clock.now();
  if (spec.dryRun) return (await (body as (run: MaybeRunContext) => Promise<RunEnd<T>>)({ id: null, startedAt })).value;

  const { store, clock, runtime } = deps;
  const id = runtime.newRunId(startedAt);
  await reapInterruptedRuns(deps);
  // Nothing to record when the start itself fails: the run is not known to exist (or not ours).
  await store.startRun({ id, kind: spec.kind, trigger: spec.trigger, startedAt, owner: runtime.owner });

  let end: RunEnd<T>;
  try {
    end = await body({ id, startedAt });
  } catch (err) {
    await recordFailure(deps, id, spec.kind, err);
    throw err;
  }
  try {
    const finished = await store.finishRun(id, {
      finishedAt: end.finishedAt ?? clock.now(),
      outcome: end.outcome,
      summary: end.summary ?? null,
      error: end.error ?? null,
      ...(end.details !== undefined ? { details: end.details } : {}),
    });
    // Someone else closed it first (reaped as interrupted): their verdict stands.
    if (!finished) deps.logger.warn({ runId: id, kind: spec.kind, outcome: end.outcome }, 'the run was already closed; its outcome was not recorded');
  } catch (err) {
    await recordFailure(deps, id, spec.kind, err);
    throw err;
  }
  return end.value;
}

/** Attempts at recording a failed run: a second one rides out a passing store error. */
const FAILURE_RECORD_ATTEMPTS = 2;

/** Finishes the run as `failed` with `err`; never throws (a failure to record is logged). */
async function recordFailure(deps: RunDeps, runId: string, kind: RunKind, err: unknown): Promise<void> {
  const error = toErrorInfo(err);
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.store.finishRun(runId, { finishedAt: deps.clock.now(), outcome: 'failed', summary: null, error });
      return;
    } catch (finishErr) {
      if (attempt < FAILURE_RECORD_ATTEMPTS) continue;
      deps.logger.error({ runId, kind, error, err: finishErr }, 'could not record the failed run');
      return;
    }
  }
}

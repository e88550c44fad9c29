import { HOUR } from '../domain/time';
import { RunRecord } from '../ports/state-store';
import { AppDeps } from './deps';

/**
 * A `running` run whose heartbeat is older than this is presumed dead even when we cannot check
 * its process (another host, a finished Lambda). Longer than a Lambda can live (15 min).
 */
export const STALE_RUN_AFTER_MS = HOUR / 2;

/**
 * Marks runs that can no longer finish as `interrupted`: their process is gone (same host) or
 * their heartbeat is stale. The time of death is taken as the last heartbeat: honest, since we
 * do not know better. Returns the runs it marked.
 */
export async function reapInterruptedRuns(deps: Pick<AppDeps, 'store' | 'clock' | 'runtime' | 'logger'>): Promise<RunRecord[]> {
  const now = deps.clock.now().getTime();
  const reaped: RunRecord[] = [];
  for (const run of await deps.store.listRunning()) {
    const stale = now - run.heartbeatAt.getTime() > STALE_RUN_AFTER_MS;
    if (!stale && deps.runtime.isAlive(run.owner)) continue;
    const why = stale
      ? `no sign of life since ${run.heartbeatAt.toISOString()}`
      : `its process (pid ${run.owner.pid} on ${run.owner.host}) is gone`;
    const marked = await deps.store.finishRun(run.id, {
      finishedAt: run.heartbeatAt,
      outcome: 'interrupted',
      summary: run.summary,
      error: { code: 'INTERRUPTED', message: `run stopped before finishing: ${why}` },
    });
    if (marked) {
      reaped.push(run);
      deps.logger.warn({ runId: run.id, owner: run.owner }, 'marked an unfinished run as interrupted');
    }
  }
  return reaped;
}

/** Run history, newest first, with unfinished runs of dead processes shown as interrupted. */
export async function listRuns(deps: Pick<AppDeps, 'store' | 'clock' | 'runtime' | 'logger'>, limit: number): Promise<RunRecord[]> {
  await reapInterruptedRuns(deps);
  return deps.store.listRuns({ limit });
}

/**
 * How a `running` run should be shown: as `interrupted` when it can no longer finish (its
 * process is gone, or its heartbeat is stale), without writing anything, so read-only commands
 * tell the same story the next writing command will record.
 */
export function asSeen(run: RunRecord, deps: Pick<AppDeps, 'clock' | 'runtime'>): RunRecord {
  if (run.outcome !== 'running') return run;
  const stale = deps.clock.now().getTime() - run.heartbeatAt.getTime() > STALE_RUN_AFTER_MS;
  if (!stale && deps.runtime.isAlive(run.owner)) return run;
  const why = stale ? `no sign of life since ${run.heartbeatAt.toISOString()}` : `its process (pid ${run.owner.pid} on ${run.owner.host}) is gone`;
  return { ...run, outcome: 'interrupted', finishedAt: run.heartbeatAt, error: { code: 'INTERRUPTED', message: `run stopped before finishing: ${why}` } };
}

/** Run history for read-only commands: newest first, dead runs shown as interrupted, nothing written. */
export async function viewRuns(deps: Pick<AppDeps, 'store' | 'clock' | 'runtime'>, limit: number): Promise<RunRecord[]> {
  return (await deps.store.listRuns({ limit })).map((r) => asSeen(r, deps));
}

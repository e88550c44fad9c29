import { Command } from 'commander';
import { listRuns } from '../../app/runs';
import { RunRecord } from '../../ports/state-store';
import { formatDuration } from '../../domain/time';
import { withApp, GlobalOptions } from '../context';
import { EXIT, parsePositiveInt } from '../errors';
import { shortTime } from '../format';
import { Output } from '../output';

interface RunsOptions extends GlobalOptions {
  readonly limit: number;
}

export function registerRuns(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('runs')
    .description('run history, newest first')
    .option('--limit <n>', 'how many runs (1..1000)', parsePositiveInt('--limit', 1000), 20)
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunsOptions>();
      const runs = await withApp(opts, (app) => listRuns(app.deps, opts.limit));
      if (opts.json) {
        out.json(runs);
      } else {
        out.table(
          [
            { key: 'id', header: 'RUN' },
            { key: 'kind', header: 'KIND' },
            { key: 'trigger', header: 'TRIGGER' },
            { key: 'started', header: 'STARTED' },
            { key: 'took', header: 'TOOK' },
            { key: 'outcome', header: 'OUTCOME' },
            { key: 'summary', header: 'SUMMARY' },
          ],
          runs.map((r) => ({
            id: r.id,
            kind: r.kind,
            trigger: r.trigger,
            started: shortTime(r.startedAt),
            took: r.finishedAt ? formatDuration(r.finishedAt.getTime() - r.startedAt.getTime()) : '-',
            outcome: r.outcome,
            summary: summaryOf(r),
          })),
        );
      }
      setExit(EXIT.ok);
    });
}

/** One line per run kind: reconcile counts, the watchdog's findings, the verification's pairs. */
function summaryOf(r: RunRecord): string {
  if (r.summary) return `${r.summary.instances} inst, ${r.summary.created} created, ${r.summary.copied} copied, ${r.summary.deleted} deleted, ${r.summary.failed} failed`;
  const d = (r.details ?? {}) as { open?: number; opened?: number; resolved?: number; pairs?: { ok: boolean }[] };
  if (r.kind === 'check' && d.open !== undefined) return `${d.open} findings open, ${d.opened ?? 0} new, ${d.resolved ?? 0} resolved`;
  if (r.kind === 'verify-replication' && d.pairs) return `${d.pairs.length} pairs, ${d.pairs.filter((p) => p.ok).length} ok`;
  return r.error?.message ?? '';
}

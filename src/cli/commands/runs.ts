import { Command } from 'commander';
import { asSeen, viewRuns } from '../../app/runs';
import { InstanceResult, RunRecord } from '../../ports/state-store';
import { withApp, GlobalOptions } from '../context';
import { EXIT, parsePositiveInt, usageError } from '../errors';
import { addFilterOptions, describeFilter, filterFrom, isFiltered, matchesSubject, problemsFirst, TableFilter } from '../filters';
import { humanDuration, shortTime } from '../format';
import { Output } from '../output';
import { SnapwardConfig } from '../../domain/config';

interface RunsOptions extends GlobalOptions {
  readonly limit: number;
  readonly wide?: boolean;
}

const outcomeTone = (o: string) => (o === 'succeeded' ? ('green' as const) : o === 'running' ? null : ('red' as const));

export function registerRuns(program: Command, out: Output, setExit: (code: number) => void): void {
  const runs = program
    .command('runs')
    .description('run history, newest first; `runs show <runId>` for one run\'s per-instance results')
    .option('--limit <n>', 'how many runs (1..1000)', parsePositiveInt('--limit', 1000), 20)
    .option('--wide', 'every column, nothing cut to fit the terminal');
  addFilterOptions(runs).action(async (_opts: unknown, c: Command) => {
    const opts = c.optsWithGlobals<RunsOptions>();
    const filter = filterFrom(c.opts());
    const list = await withApp(
      opts,
      async (app) => {
        const all = await viewRuns(app.deps, opts.limit);
        if (!subjectFiltered(filter) && !filter.problems) return all;
        const kept: RunRecord[] = [];
        for (const r of all) {
          const results = subjectFiltered(filter) ? await app.deps.store.listInstanceResults(r.id) : [];
          const touched = results.filter((x) => matchesSubject(filter, resultSubject(x, app.deps.config)));
          if (subjectFiltered(filter) && touched.length === 0) continue;
          if (filter.problems && r.outcome === 'succeeded' && !touched.some((x) => x.status === 'failed')) continue;
          kept.push(r);
        }
        return kept;
      },
      { storeMode: 'readonly', out },
    );
    if (opts.json) {
      out.json(list);
    } else if (list.length === 0) {
      out.line(isFiltered(filter) ? `no runs match (${describeFilter(filter)})` : 'no runs recorded yet');
    } else {
      out.table(
        [
          { key: 'id', header: 'RUN', elide: 'none' },
          { key: 'kind', header: 'KIND', elide: 'none' },
          { key: 'trigger', header: 'TRIGGER', elide: 'none' },
          { key: 'started', header: 'STARTED', elide: 'none' },
          { key: 'took', header: 'TOOK', elide: 'none', align: 'right' },
          { key: 'outcome', header: 'OUTCOME', elide: 'none', tone: outcomeTone },
          { key: 'summary', header: 'SUMMARY' },
        ],
        list.map((r) => ({
          id: r.id,
          kind: r.kind,
          trigger: r.trigger,
          started: shortTime(r.startedAt),
          took: r.finishedAt ? humanDuration(r.finishedAt.getTime() - r.startedAt.getTime()) : '-',
          outcome: r.outcome,
          summary: summaryOf(r),
        })),
        { wide: Boolean(opts.wide) },
      );
      if (isFiltered(filter)) {
        out.line();
        out.line(`${list.length} runs shown (filter: ${describeFilter(filter)})`);
      }
    }
    setExit(EXIT.ok);
  });

  runs
    .command('show')
    .description("one run: its record and every instance's result (what was created, copied, deleted, deferred, failed)")
    .argument('<runId>', 'a run id from `snapward runs`')
    .option('--wide', 'every column, nothing cut to fit the terminal')
    .action(async (runId: string, _opts: unknown, c: Command) => {
      const opts = c.optsWithGlobals<RunsOptions>();
      const found = await withApp(
        opts,
        async (app) => {
          const run = await app.deps.store.getRun(runId);
          if (!run) {
            const recent = (await app.deps.store.listRuns({ limit: 5 })).map((r) => r.id);
            throw usageError('<runId>', runId, `the id of a recorded run${recent.length ? ` (newest: ${recent.join(', ')})` : ' (none recorded yet)'}`);
          }
          return { run: asSeen(run, app.deps), results: await app.deps.store.listInstanceResults(runId) };
        },
        { storeMode: 'readonly', out },
      );
      if (opts.json) out.json(found);
      else printRun(out, found.run, found.results, Boolean(opts.wide));
      setExit(EXIT.ok);
    });
}

function printRun(out: Output, run: RunRecord, results: readonly InstanceResult[], wide: boolean): void {
  out.line(`run ${run.id}: ${run.kind}, ${run.trigger}, ${run.outcome}`);
  out.line(`  started ${shortTime(run.startedAt)}${run.finishedAt ? `, took ${humanDuration(run.finishedAt.getTime() - run.startedAt.getTime())}` : ', not finished'}; owner ${run.owner.host} pid ${run.owner.pid}`);
  if (run.summary) out.line(`  ${summaryOf(run)}${run.summary.upToDate !== undefined ? `, ${run.summary.upToDate} up to date` : ''}`);
  if (run.error) out.line(`  ${run.error.code}: ${run.error.message}`);
  out.line();
  if (results.length === 0) {
    out.line(run.kind === 'reconcile' ? 'no instance had work due in this run' : 'no per-instance results in this run');
    return;
  }
  const rows = problemsFirst(results, (r) => ({ problem: r.status === 'failed', tier: null, id: r.instanceId }));
  out.table(
    [
      { key: 'instance', header: 'INSTANCE', elide: 'middle', min: 12, shrink: 0 },
      { key: 'regions', header: 'REGION -> DR', elide: 'middle', shrink: 2 },
      { key: 'status', header: 'STATUS', elide: 'none', tone: (s) => (s === 'ok' ? 'green' : 'red') },
      { key: 'created', header: 'CREATED', elide: 'middle', shrink: 2 },
      { key: 'copied', header: 'COPIED', align: 'right', elide: 'none' },
      { key: 'deleted', header: 'DELETED', align: 'right', elide: 'none' },
      { key: 'pending', header: 'IN PROGRESS', align: 'right', elide: 'none' },
      { key: 'deferred', header: 'DEFERRED', align: 'right', elide: 'none' },
      { key: 'notes', header: 'ERRORS / WARNINGS', shrink: 3, min: 10 },
    ],
    rows.map((r) => ({
      instance: r.instanceId,
      regions: `${r.region} -> ${r.drRegion}`,
      status: r.status,
      created: r.created.map((s) => s.id).join(', ') || '-',
      copied: String(r.copied.length),
      deleted: String(r.deleted.length),
      pending: String(r.inProgress.length),
      deferred: String(r.deferred.length),
      notes: [...r.errors.map((e) => `${e.code}${e.step ? ` (${e.step})` : ''}: ${e.message}`), ...r.warnings.map((w) => `warning: ${w}`)].join('; ') || '-',
    })),
    { wide },
  );
  out.line();
  out.line(`${results.length} instances: ${results.filter((r) => r.status === 'ok').length} ok, ${results.filter((r) => r.status === 'failed').length} failed`);
}

const subjectFiltered = (f: TableFilter): boolean => f.instance.length + f.tier.length + f.region.length + f.product.length > 0;

function resultSubject(r: InstanceResult, config: SnapwardConfig) {
  const configured = config.instances.find((i) => i.id === r.instanceId);
  return { id: r.instanceId, tier: configured?.tier ?? null, region: r.region, drRegion: r.drRegion, product: configured?.product ?? null };
}

/** One line per run kind: reconcile counts, the watchdog's findings, the verification's pairs. */
export function summaryOf(r: RunRecord): string {
  if (r.summary) return `${r.summary.instances} inst, ${r.summary.created} created, ${r.summary.copied} copied, ${r.summary.deleted} deleted, ${r.summary.failed} failed`;
  const d = (r.details ?? {}) as { open?: number; opened?: number; resolved?: number; pairs?: { ok: boolean }[] };
  if (r.kind === 'check' && d.open !== undefined) return `${d.open} findings open, ${d.opened ?? 0} new, ${d.resolved ?? 0} resolved`;
  if (r.kind === 'verify-replication' && d.pairs) return `${d.pairs.length} pairs, ${d.pairs.filter((p) => p.ok).length} ok`;
  return r.error?.message ?? '';
}

import { Command } from 'commander';
import { dryRunPass, DryRunReport } from '../../app/dry-run';
import { reconcile, ReconcileReport } from '../../app/reconcile';
import { progressFor, withApp, GlobalOptions } from '../context';
import { EXIT, exitCodeFor } from '../errors';
import { activeInterrupts } from '../interrupt';
import { problemsFirst } from '../filters';
import { printUnobserved } from '../unobserved';
import { Output } from '../output';
import { drillLines } from './drills';
import { instanceLabel, spansAccounts } from '../../domain/types';

interface RunOptions extends GlobalOptions {
  readonly dryRun?: boolean;
  readonly audit?: boolean;
  readonly retryFailed?: boolean;
  readonly wide?: boolean;
}

export function registerRun(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('one reconcile pass over the whole fleet: create, copy, expire')
    .option('--dry-run', 'print what the pass would create, copy and delete, and what would fail (instances, keys); writes nothing anywhere')
    .option('--audit', "re-list every instance's snapshots from AWS now, not just this pass's slice (after changes made by hand)")
    .option('--retry-failed', 'try failing instances now, ignoring their backoff, for this pass (after fixing the cause)')
    .option('--wide', 'nothing cut to fit the terminal')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunOptions>();
      // First Ctrl-C / SIGTERM (cli/interrupt.ts): the calls in flight are aborted, no new
      // instance is started, and the run is recorded as interrupted.
      const signal = activeInterrupts()?.signal;
      const progress = progressFor(opts, out);
      try {
        if (opts.dryRun) {
          // Reads only: the store is opened read-only (no folder, no file is created) and no run is recorded.
          const dry = await withApp(opts, (app) => dryRunPass(app.deps, { trigger: 'cli', audit: Boolean(opts.audit), retryFailed: Boolean(opts.retryFailed) }), { storeMode: 'readonly', out, progress });
          progress.finish();
          if (opts.json) out.json(dry);
          else printDryRun(dry, out, Boolean(opts.wide));
          setExit(exitCodeFor({ unobserved: dry.unobserved.length > 0, failed: dry.wouldFail > 0 || dry.problems.length > 0 }));
          return;
        }
        const report = await withApp(
          opts,
          (app) => reconcile(app.deps, { trigger: 'cli', audit: Boolean(opts.audit), retryFailed: Boolean(opts.retryFailed), ...(signal ? { signal } : {}), onProgress: (p) => progress.update(p) }),
          { out, progress },
        );
        progress.finish();
        if (opts.json) out.json(report);
        else printReport(report, out, Boolean(opts.wide));
        setExit(
          report.outcome === 'interrupted'
            ? EXIT.interrupted
            : exitCodeFor({ unobserved: report.unobserved.length > 0, failed: report.summary.failed > 0 || report.problems.length > 0 || report.skipped.length > 0 }),
        );
      } finally {
        progress.finish();
      }
    });
}

function printDryRun(report: DryRunReport, out: Output, wide: boolean): void {
  out.line(`dry run: nothing was changed (${report.fleetSize} instances, ${report.planned.length} with work due)`);
  if (report.planned.length) {
    const rows = problemsFirst(report.planned, (p) => ({ problem: p.wouldFail.length > 0, tier: null, id: p.instanceId }));
    const many = spansAccounts(report.planned);
    out.table(
      [
        { key: 'instance', header: 'INSTANCE', elide: 'middle', min: 12, shrink: 0 },
        { key: 'create', header: 'WOULD CREATE', elide: 'middle', shrink: 2 },
        { key: 'copy', header: 'WOULD COPY', elide: 'end', shrink: 2 },
        { key: 'delete', header: 'WOULD DELETE', elide: 'end', shrink: 2 },
        { key: 'fail', header: 'WOULD FAIL', elide: 'end', tone: (v) => (v === '-' ? null : 'red') },
        { key: 'notes', header: 'NOTES', shrink: 3, min: 10 },
      ],
      rows.map((p) => ({
        instance: instanceLabel(p, many),
        create: p.create ?? '-',
        copy: p.copy.map((c) => `${c.id} -> ${c.to}`).join(', ') || '-',
        delete: p.delete.map((d) => `${d.id} (${d.region})`).join(', ') || '-',
        fail: p.wouldFail.map((e) => e.code).join(', ') || '-',
        notes: [...p.blockers, ...p.steps.filter((s) => s.phase === 'deferred').map((s) => `${s.kind} ${s.target.id} deferred: ${s.reason ?? 'waiting'}`), ...p.warnings].join('; '),
      })),
      { wide },
    );
  }
  out.line();
  out.line(`${report.wouldFail} of ${report.planned.length} instances with work due would fail`);
  const manyPlanned = spansAccounts(report.planned);
  for (const p of report.planned) for (const e of p.wouldFail) out.line(`  ${instanceLabel(p, manyPlanned)}: would fail: ${e.code} (${e.step ?? 'pass'}): ${e.message}`);
  printUnobserved(report.unobserved, out);
  for (const p of report.problems) out.line(`  fleet: ${p.code} (${p.step ?? 'pass'}): ${p.message}`);
  for (const w of report.warnings) out.line(`  fleet: warning: ${w}`);
}

export function printReport(report: ReconcileReport, out: Output, wide: boolean): void {
  const blind = report.unobserved.length > 0;
  if (report.results.length === 0) {
    out.line(`nothing due: all ${report.fleetSize} instances are up to date`);
  } else {
    const rows = problemsFirst(report.results, (r) => ({ problem: r.status === 'failed', tier: null, id: r.instanceId }));
    const many = spansAccounts(report.results);
    out.table(
      [
        { key: 'instance', header: 'INSTANCE', elide: 'middle', min: 12, shrink: 0 },
        { key: 'kind', header: 'KIND', elide: 'none' },
        { key: 'regions', header: 'REGION -> DR', elide: 'middle', shrink: 2 },
        { key: 'created', header: 'CREATED', elide: 'middle', shrink: 2 },
        { key: 'copied', header: 'COPIED', elide: 'none', align: 'right' },
        { key: 'deleted', header: 'DELETED', elide: 'none', align: 'right' },
        { key: 'pending', header: 'IN PROGRESS', elide: 'none', align: 'right' },
        { key: 'deferred', header: 'DEFERRED', elide: 'none', align: 'right' },
        { key: 'status', header: 'STATUS', elide: 'none', tone: (v) => (v === 'ok' ? 'green' : 'red') },
      ],
      rows.map((r) => ({
        instance: instanceLabel(r, many),
        kind: r.kind,
        regions: `${r.region} -> ${r.drRegion}`,
        created: r.created.map((s) => s.id).join(', ') || '-',
        copied: String(r.copied.length),
        deleted: String(r.deleted.length),
        pending: String(r.inProgress.length),
        deferred: String(r.deferred.length),
        status: r.status === 'ok' ? 'ok' : `FAILED ${r.errors.map((e) => e.code).join(',')}`,
      })),
      { wide },
    );
    out.line();
  }
  const s = report.summary;
  out.line(
    `run ${report.runId} ${report.outcome}: ${s.instances} instances (${s.upToDate ?? 0} up to date, not touched), ${s.created} created, ${s.copied} copied, ${s.deleted} deleted, ${s.vaulted || s.vaultDeleted ? `${s.vaulted ?? 0} vaulted, ${s.vaultDeleted ?? 0} vault copies deleted, ` : ''}${s.inProgress} in progress, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`,
  );
  // Work that waits, one line per kind and reason: `163 copy steps deferred: 20 in flight to us-west-2 (limit 20)`.
  for (const d of report.deferred) out.line(`  ${d.count} ${d.step} step${d.count === 1 ? '' : 's'} deferred: ${d.reason}`);
  const manyResults = spansAccounts(report.results);
  for (const r of report.results) {
    // Reads that failed are told once per region and cause (below), not once per instance.
    for (const e of r.errors) if (!(blind && e.step === 'list')) out.line(`  ${instanceLabel(r, manyResults)}: ${e.code} (${e.step ?? 'pass'}): ${e.message}`);
    for (const w of r.warnings) out.line(`  ${instanceLabel(r, manyResults)}: warning: ${w}`);
  }
  if (report.notReached.length) out.line(`  not reached (stopped): ${report.notReached.join(', ')}`);
  if (report.skipped.length) {
    const by = [...new Set(report.skipped.map((s) => s.heldBy))].join(', ');
    out.line(`  ${report.skipped.length} instance(s) skipped: run ${by} is working on them (${report.skipped.map((s) => s.instanceId).join(', ')})`);
  }
  printUnobserved(report.unobserved, out);
  for (const p of report.problems) if (!(blind && p.step === 'discover')) out.line(`  fleet: ${p.code} (${p.step ?? 'pass'}): ${p.message}`);
  for (const w of report.warnings) out.line(`  fleet: warning: ${w}`);
  if (report.drills) for (const line of drillLines(report.drills)) out.line(line); // restore drills
}

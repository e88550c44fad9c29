import { Command } from 'commander';
import { reconcile, ReconcileReport } from '../../app/reconcile';
import { withApp, GlobalOptions } from '../context';
import { EXIT, exitCodeFor } from '../errors';
import { activeInterrupts } from '../interrupt';
import { printUnobserved } from '../unobserved';
import { Output } from '../output';

interface RunOptions extends GlobalOptions {
  readonly dryRun?: boolean;
  readonly audit?: boolean;
}

export function registerRun(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('one reconcile pass over the whole fleet: create, copy, expire')
    .option('--dry-run', 'print what the pass would create, copy and delete; change nothing')
    .option('--audit', "re-list every instance's snapshots from AWS now, not just this pass's slice (after changes made by hand)")
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunOptions>();
      // First Ctrl-C / SIGTERM (cli/interrupt.ts): the calls in flight are aborted, no new
      // instance is started, and the run is recorded as interrupted.
      const signal = activeInterrupts()?.signal;
      const report = await withApp(opts, (app) =>
        reconcile(app.deps, { trigger: 'cli', dryRun: Boolean(opts.dryRun), audit: Boolean(opts.audit), ...(signal ? { signal } : {}) }),
      );
      if (opts.json) out.json(report);
      else printReport(report, out);
      setExit(
        report.outcome === 'interrupted'
          ? EXIT.interrupted
          : exitCodeFor({ unobserved: report.unobserved.length > 0, failed: report.summary.failed > 0 || report.problems.length > 0 || report.skipped.length > 0 }),
      );
    });
}

function printReport(report: ReconcileReport, out: Output): void {
  const blind = report.unobserved.length > 0;
  if (report.dryRun) {
    out.line(`dry run: nothing was changed (${report.fleetSize} instances)`);
    out.table(
      [
        { key: 'instance', header: 'INSTANCE' },
        { key: 'create', header: 'WOULD CREATE' },
        { key: 'copy', header: 'WOULD COPY' },
        { key: 'delete', header: 'WOULD DELETE' },
        { key: 'notes', header: 'NOTES' },
      ],
      report.planned.map((p) => ({
        instance: p.instanceId,
        create: p.create ?? '-',
        copy: p.copy.map((c) => `${c.id} -> ${c.to}`).join(', ') || '-',
        delete: p.delete.map((d) => `${d.id} (${d.region})`).join(', ') || '-',
        notes: [...p.blockers, ...p.deferredCopy.map((c) => `copy ${c.id} deferred (copy limit)`), ...p.warnings].join('; '),
      })),
    );
  } else if (report.results.length === 0) {
    out.line(`nothing due: all ${report.fleetSize} instances are up to date`);
  } else {
    out.table(
      [
        { key: 'instance', header: 'INSTANCE' },
        { key: 'kind', header: 'KIND' },
        { key: 'regions', header: 'REGION -> DR' },
        { key: 'created', header: 'CREATED' },
        { key: 'copied', header: 'COPIED' },
        { key: 'deleted', header: 'DELETED' },
        { key: 'pending', header: 'IN PROGRESS' },
        { key: 'status', header: 'STATUS' },
      ],
      report.results.map((r) => ({
        instance: r.instanceId,
        kind: r.kind,
        regions: `${r.region} -> ${r.drRegion}`,
        created: r.created.map((s) => s.id).join(', ') || '-',
        copied: String(r.copied.length),
        deleted: String(r.deleted.length),
        pending: String(r.inProgress.length),
        status: r.status === 'ok' ? 'ok' : `FAILED ${r.errors.map((e) => e.code).join(',')}`,
      })),
    );
    out.line();
  }
  if (!report.dryRun) {
    const s = report.summary;
    out.line(
      `run ${report.runId} ${report.outcome}: ${s.instances} instances (${s.upToDate ?? 0} up to date, not touched), ${s.created} created, ${s.copied} copied, ${s.deleted} deleted, ${s.inProgress} in progress, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`,
    );
    for (const r of report.results) {
      // Reads that failed are told once per region and cause (below), not once per instance.
      for (const e of r.errors) if (!(blind && e.step === 'list')) out.line(`  ${r.instanceId}: ${e.code} (${e.step ?? 'pass'}): ${e.message}`);
      for (const w of r.warnings) out.line(`  ${r.instanceId}: warning: ${w}`);
    }
    if (report.notReached.length) out.line(`  not reached (stopped): ${report.notReached.join(', ')}`);
    if (report.skipped.length) {
      const by = [...new Set(report.skipped.map((s) => s.heldBy))].join(', ');
      out.line(`  ${report.skipped.length} instance(s) skipped: run ${by} is working on them (${report.skipped.map((s) => s.instanceId).join(', ')})`);
    }
  }
  printUnobserved(report.unobserved, out);
  for (const p of report.problems) if (!(blind && p.step === 'discover')) out.line(`  fleet: ${p.code} (${p.step ?? 'pass'}): ${p.message}`);
  for (const w of report.warnings) out.line(`  fleet: warning: ${w}`);
}

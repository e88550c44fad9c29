import { Command } from 'commander';
import { runCheck } from '../../app/check';
import { withApp, GlobalOptions } from '../context';
import { EXIT, exitCodeFor } from '../errors';
import { addFilterOptions, describeFilter, filterFrom, isFiltered, matchesSubject, problemsFirst } from '../filters';
import { findingScenario, findingSubject, findingWhat, subjectLabels } from '../finding-view';
import { humanAge } from '../format';
import { printUnobserved } from '../unobserved';
import { Output } from '../output';
import { severityOf } from '../../domain/findings';

/** Exit 3: some alert could not be delivered (it is retried by the next check). */
export const EXIT_UNDELIVERED = EXIT.undelivered;

export function registerCheck(program: Command, out: Output, setExit: (code: number) => void): void {
  const cmd = program
    .command('check')
    .description('the watchdog: RPO against tier targets, missed snapshots and copies, failures, quotas; publishes alerts')
    .option('--wide', 'every column, nothing cut to fit the terminal');
  addFilterOptions(cmd).action(async (_opts: unknown, c: Command) => {
    const opts = c.optsWithGlobals<GlobalOptions & { wide?: boolean }>();
    const filter = filterFrom(c.opts());
    // The watchdog always judges the whole fleet (alerts must not depend on what a person
    // looks at); the filters choose what is shown, and what the exit code speaks for.
    const { report, config } = await withApp(opts, async (app) => ({ report: await runCheck(app.deps, { trigger: 'cli' }), config: app.deps.config }), { out });
    const open = report.open.filter((f) => matchesSubject(filter, findingSubject(f, config)));
    if (opts.json) {
      out.json(isFiltered(filter) ? { ...report, open } : report);
    } else {
      if (open.length === 0) {
        const none = report.unobserved.length ? 'no open findings among what could be observed' : 'no open findings';
        out.line(isFiltered(filter) ? `${none} (filter: ${describeFilter(filter)})` : none);
      } else {
        const label = subjectLabels(open);
        const rows = problemsFirst(open, (f) => ({ problem: true, tier: findingSubject(f, config).tier ?? null, id: `${f.subject}|${f.kind}|${findingScenario(f)}` }));
        out.table(
          [
            { key: 'subject', header: 'SUBJECT', elide: 'middle', min: 12, shrink: 0 },
            { key: 'kind', header: 'FINDING', elide: 'none' },
            { key: 'severity', header: 'SEVERITY', elide: 'none', tone: (s) => (s === 'critical' ? 'red' : s === 'warning' ? 'yellow' : null) },
            { key: 'scenario', header: 'SCENARIO', elide: 'none' },
            { key: 'since', header: 'OPEN SINCE', elide: 'none' },
            { key: 'message', header: 'WHAT', shrink: 2 },
          ],
          rows.map((f) => ({
            kind: f.kind,
            severity: String(severityOf(f.kind, f.detail)),
            scenario: findingScenario(f),
            subject: label(f),
            since: humanAge(f.openedAt, report.at),
            message: `${findingWhat(f)}${f.acknowledged ? ` [acknowledged by ${f.acknowledged.by} until ${f.acknowledged.until.toISOString()}: ${f.acknowledged.reason}]` : ''}`,
          })),
          { wide: Boolean(opts.wide) },
        );
      }
      out.line();
      const opened = report.opened.filter((f) => open.some((o) => o.id === f.id)).length;
      out.line(
        `check ${report.runId}: ${open.length} open (${opened} new), ${report.resolved.length} resolved${isFiltered(filter) ? ` (shown: ${describeFilter(filter)}; ${report.open.length} open in the fleet)` : ''}; ` +
          (report.events.configured ? `${report.events.sent} events sent, ${report.events.failed} not delivered` : 'no alert bus configured (alerts.eventBus)'),
      );
      for (const q of report.quotas) if (q.status !== 'ok') out.line(`  quota ${q.region}: ${q.status}: ${q.message}`);
      for (const c of report.capacity) if (c.status === 'unknown') out.line(`  copy capacity ${c.region} (${c.kind}): unknown: ${c.message}`);
      printUnobserved(report.unobserved, out);
    }
    setExit(exitCodeFor({ undelivered: report.events.failed > 0, unobserved: report.unobserved.length > 0, failed: open.length > 0 }));
  });
}

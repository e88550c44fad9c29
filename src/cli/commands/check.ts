import { Command } from 'commander';
import { runCheck } from '../../app/check';
import { withApp, GlobalOptions } from '../context';
import { EXIT, exitCodeFor } from '../errors';
import { printUnobserved } from '../unobserved';
import { age } from '../format';
import { Output } from '../output';
import { severityOf } from '../../domain/findings';

/** Exit 3: some alert could not be delivered (it is retried by the next check). */
export const EXIT_UNDELIVERED = EXIT.undelivered;

export function registerCheck(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('check')
    .description('the watchdog: RPO against tier targets, missed snapshots and copies, failures, quotas; publishes alerts')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const report = await withApp(opts, (app) => runCheck(app.deps, { trigger: 'cli' }));
      if (opts.json) {
        out.json(report);
      } else if (report.open.length === 0) {
        out.line(report.unobserved.length ? 'no open findings among what could be observed' : 'no open findings');
      } else {
        out.table(
          [
            { key: 'kind', header: 'FINDING' },
            { key: 'severity', header: 'SEVERITY' },
            { key: 'subject', header: 'SUBJECT' },
            { key: 'since', header: 'OPEN SINCE' },
            { key: 'message', header: 'WHAT' },
          ],
          report.open.map((f) => ({
            kind: f.kind,
            severity: severityOf(f.kind, f.detail),
            subject: f.subject,
            since: age(f.openedAt, report.at),
            message: `${String(f.detail.message ?? '')}${f.acknowledged ? ` [acknowledged by ${f.acknowledged.by} until ${f.acknowledged.until.toISOString()}: ${f.acknowledged.reason}]` : ''}`,
          })),
        );
      }
      if (!opts.json) {
        out.line();
        out.line(
          `check ${report.runId}: ${report.open.length} open (${report.opened.length} new), ${report.resolved.length} resolved; ` +
            (report.events.configured ? `${report.events.sent} events sent, ${report.events.failed} not delivered` : 'no alert bus configured (alerts.eventBus)'),
        );
        for (const q of report.quotas) if (q.status !== 'ok') out.line(`  quota ${q.region}: ${q.status}: ${q.message}`);
        printUnobserved(report.unobserved, out);
      }
      setExit(exitCodeFor({ undelivered: report.events.failed > 0, unobserved: report.unobserved.length > 0, failed: report.open.length > 0 }));
    });
}

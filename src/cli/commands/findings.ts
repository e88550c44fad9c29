import { Command } from 'commander';
import { withApp, GlobalOptions } from '../context';
import { EXIT, parsePositiveInt } from '../errors';
import { shortTime } from '../format';
import { Output } from '../output';

interface FindingsOptions extends GlobalOptions {
  readonly all?: boolean;
  readonly limit: number;
}

export function registerFindings(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('findings')
    .description('findings of the watchdog: open ones, or all with --all')
    .option('--all', 'resolved findings too')
    .option('--limit <n>', 'how many (1..10000)', parsePositiveInt('--limit', 10000), 200)
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<FindingsOptions>();
      const findings = await withApp(opts, (app) => app.deps.store.listFindings({ ...(opts.all ? {} : { status: 'open' as const }), limit: opts.limit }));
      if (opts.json) {
        out.json(findings);
      } else {
        out.table(
          [
            { key: 'id', header: 'FINDING ID' },
            { key: 'kind', header: 'KIND' },
            { key: 'subject', header: 'SUBJECT' },
            { key: 'status', header: 'STATUS' },
            { key: 'opened', header: 'OPENED' },
            { key: 'resolved', header: 'RESOLVED' },
            { key: 'notified', header: 'NOTIFIED' },
          ],
          findings.map((f) => ({
            id: f.id,
            kind: f.kind,
            subject: f.subject,
            status: f.status,
            opened: shortTime(f.openedAt),
            resolved: shortTime(f.resolvedAt),
            notified: f.notifiedAt ? shortTime(f.notifiedAt) : 'not yet',
          })),
        );
      }
      setExit(EXIT.ok);
    });
}

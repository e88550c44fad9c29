import os from 'node:os';
import { Command } from 'commander';
import { acknowledgeFinding, activeAck, unacknowledgeFinding } from '../../app/acknowledge';
import { severityOf } from '../../domain/findings';
import { parseDuration } from '../../domain/time';
import { Finding } from '../../ports/state-store';
import { withApp, GlobalOptions } from '../context';
import { EXIT, parsePositiveInt, usageError } from '../errors';
import { shortTime } from '../format';
import { Output } from '../output';

interface FindingsOptions extends GlobalOptions {
  readonly all?: boolean;
  readonly limit: number;
}

interface AckOptions extends GlobalOptions {
  readonly reason: string;
  readonly until?: string;
  readonly by?: string;
}

export function registerFindings(program: Command, out: Output, setExit: (code: number) => void): void {
  const findings = program
    .command('findings')
    .description('findings of the watchdog: open ones, or all with --all; `findings ack` / `findings unack`')
    .option('--all', 'resolved findings too')
    .option('--limit <n>', 'how many (1..10000)', parsePositiveInt('--limit', 10000), 200)
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<FindingsOptions>();
      const now = new Date();
      const list = await withApp(opts, (app) => app.deps.store.listFindings({ ...(opts.all ? {} : { status: 'open' as const }), limit: opts.limit }));
      if (opts.json) {
        out.json(list.map((f) => view(f, now)));
      } else {
        out.table(
          [
            { key: 'id', header: 'FINDING ID' },
            { key: 'kind', header: 'KIND' },
            { key: 'severity', header: 'SEVERITY' },
            { key: 'subject', header: 'SUBJECT' },
            { key: 'status', header: 'STATUS' },
            { key: 'opened', header: 'OPENED' },
            { key: 'resolved', header: 'RESOLVED' },
            { key: 'notified', header: 'NOTIFIED' },
            { key: 'ack', header: 'ACKNOWLEDGED' },
          ],
          list.map((f) => {
            const ack = activeAck(f, now);
            return {
              id: f.id,
              kind: f.kind,
              severity: severityOf(f.kind, f.detail),
              subject: f.subject,
              status: f.status,
              opened: shortTime(f.openedAt),
              resolved: shortTime(f.resolvedAt),
              notified: f.notifiedAt ? shortTime(f.notifiedAt) : 'not yet',
              ack: ack ? `${ack.by} until ${shortTime(ack.until)}: ${ack.reason}` : '-',
            };
          }),
        );
      }
      setExit(EXIT.ok);
    });

  findings
    .command('ack <findingId>')
    .description('keep a finding open but stop re-notifying it until --until (default 7d, at most 90d)')
    .requiredOption('--reason <text>', 'why (goes into every event of the finding)')
    .option('--until <when>', 'a duration from now (7d, 36h) or a date (2026-12-24 or an ISO time); at most 90 days')
    .option('--by <name>', 'who acknowledges it (default: the current user)')
    .action(async (findingId: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AckOptions>();
      const until = opts.until === undefined ? undefined : parseUntil(opts.until, new Date());
      const finding = await withApp(opts, (app) => acknowledgeFinding(app.deps, { findingId, reason: opts.reason, by: opts.by ?? os.userInfo().username, ...(until ? { until } : {}) }));
      if (opts.json) out.json(view(finding, new Date()));
      else out.line(`acknowledged ${finding.id} (${finding.kind} ${finding.subject}) until ${finding.acknowledged?.until.toISOString()}: not re-notified until then; it resolves by itself when healed`);
      setExit(EXIT.ok);
    });

  findings
    .command('unack <findingId>')
    .description('remove the acknowledgement: the finding is re-notified again as usual')
    .action(async (findingId: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const finding = await withApp(opts, (app) => unacknowledgeFinding(app.deps, findingId));
      if (opts.json) out.json(view(finding, new Date()));
      else out.line(`${finding.id} (${finding.kind} ${finding.subject}) is no longer acknowledged`);
      setExit(EXIT.ok);
    });
}

/** A finding for `--json`: its severity, and its acknowledgement only while it holds. */
function view(f: Finding, now: Date): Record<string, unknown> {
  return { ...f, severity: severityOf(f.kind, f.detail), acknowledged: activeAck(f, now) };
}

/** `7d`, `36h`, `2026-12-24` or an ISO time. */
export function parseUntil(text: string, now: Date): Date {
  const ms = parseDuration(text.trim());
  if (ms !== null) return new Date(now.getTime() + ms);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? new Date(`${text.trim()}T00:00:00Z`) : new Date(text.trim());
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim())) throw usageError('--until', text, 'a duration such as 7d or 36h, or a date such as 2026-12-24 (UTC) or an ISO time');
  return date;
}

import os from 'node:os';
import { Command } from 'commander';
import { acknowledgeFinding, activeAck, unacknowledgeFinding } from '../../app/acknowledge';
import { severityOf } from '../../domain/findings';
import { parseDuration } from '../../domain/time';
import { Finding } from '../../ports/state-store';
import { withApp, GlobalOptions } from '../context';
import { EXIT, parsePositiveInt, usageError } from '../errors';
import { addFilterOptions, describeFilter, filterFrom, isFiltered, matchesSubject, problemsFirst } from '../filters';
import { findingScenario, findingSubject, findingWhat, subjectLabels } from '../finding-view';
import { humanAge, shortTime } from '../format';
import { Output } from '../output';

interface FindingsOptions extends GlobalOptions {
  readonly all?: boolean;
  readonly limit: number;
  readonly wide?: boolean;
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
    .option('--wide', 'every column, nothing cut to fit the terminal');
  addFilterOptions(findings).action(async (_opts: unknown, c: Command) => {
    const opts = c.optsWithGlobals<FindingsOptions>();
    const filter = filterFrom(c.opts());
    const { list, config, now } = await withApp(
      opts,
      async (app) => ({
        list: await app.deps.store.listFindings({ ...(opts.all ? {} : { status: 'open' as const }), limit: opts.limit }),
        config: app.deps.config,
        now: app.deps.clock.now(),
      }),
      { storeMode: 'readonly', out },
    );
    // --problems: an open finding is a problem by definition; resolved ones are not.
    const shown = list.filter((f) => matchesSubject(filter, findingSubject(f, config)) && (!filter.problems || f.status === 'open'));
    if (opts.json) {
      out.json(shown.map((f) => view(f, now)));
    } else {
      const label = subjectLabels(shown);
      const rows = problemsFirst(shown, (f) => ({ problem: f.status === 'open', tier: findingSubject(f, config).tier ?? null, id: `${f.subject}|${f.kind}|${findingScenario(f)}` }));
      if (rows.length === 0) out.line(`no ${opts.all ? '' : 'open '}findings${isFiltered(filter) ? ` (filter: ${describeFilter(filter)})` : ''}`);
      else {
        out.table(
          [
            { key: 'subject', header: 'SUBJECT', elide: 'middle', min: 12, shrink: 0 },
            { key: 'kind', header: 'KIND', elide: 'none' },
            { key: 'scenario', header: 'SCENARIO', elide: 'none' },
            { key: 'severity', header: 'SEVERITY', elide: 'none', tone: (s) => (s === 'critical' ? 'red' : s === 'warning' ? 'yellow' : null) },
            { key: 'status', header: 'STATUS', elide: 'none', tone: (s) => (s === 'open' ? 'red' : 'green') },
            { key: 'opened', header: 'OPENED', elide: 'none' },
            ...(opts.all ? [{ key: 'resolved', header: 'RESOLVED', elide: 'none' as const }] : []),
            { key: 'notified', header: 'NOTIFIED', elide: 'none' },
            { key: 'ack', header: 'ACKNOWLEDGED', shrink: 2 },
            { key: 'what', header: 'WHAT', shrink: 2 },
            { key: 'id', header: 'FINDING ID', elide: 'none' as const },
          ],
          rows.map((f) => {
            const ack = activeAck(f, now);
            return {
              id: f.id,
              kind: f.kind,
              scenario: findingScenario(f),
              severity: String(severityOf(f.kind, f.detail)),
              // An instance finding names its account when the findings shown span several.
              subject: label(f),
              status: f.status,
              opened: opts.wide ? shortTime(f.openedAt) : humanAge(f.openedAt, now),
              resolved: f.resolvedAt ? (opts.wide ? shortTime(f.resolvedAt) : humanAge(f.resolvedAt, now)) : '-',
              notified: f.notifiedAt ? (opts.wide ? shortTime(f.notifiedAt) : 'yes') : 'not yet',
              ack: ack ? `${ack.by} until ${shortTime(ack.until)}: ${ack.reason}` : '-',
              what: findingWhat(f),
            };
          }),
          { wide: Boolean(opts.wide) },
        );
        out.line();
        const open = rows.filter((f) => f.status === 'open').length;
        out.line(`${rows.length} findings shown: ${open} open, ${rows.length - open} resolved${isFiltered(filter) ? ` (filter: ${describeFilter(filter)})` : ''}`);
      }
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

/**
 * A finding for `--json`: its severity, its acknowledgement only while it holds, and the account
 * it is about (the 12-digit id and configured name, from its detail; null for findings about a
 * region, a bucket pair or from before accounts).
 */
export function findingJson(f: Finding, now: Date): Record<string, unknown> {
  const account = typeof f.detail.account === 'string' ? f.detail.account : null;
  const accountName = typeof f.detail.accountName === 'string' ? f.detail.accountName : null;
  return { ...f, account, accountName, severity: severityOf(f.kind, f.detail), acknowledged: activeAck(f, now) };
}
const view = findingJson;

/** `7d`, `36h`, `2026-12-24` or an ISO time. */
export function parseUntil(text: string, now: Date): Date {
  const ms = parseDuration(text.trim());
  if (ms !== null) return new Date(now.getTime() + ms);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? new Date(`${text.trim()}T00:00:00Z`) : new Date(text.trim());
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim())) throw usageError('--until', text, 'a duration such as 7d or 36h, or a date such as 2026-12-24 (UTC) or an ISO time');
  return date;
}

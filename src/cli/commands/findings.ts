import { Command } from 'commander';
import { withApp, GlobalOptions } from '../context';
import { EXIT, parsePositiveInt } from '../errors';
import { addFilterOptions, describeFilter, filterFrom, isFiltered, matchesSubject, problemsFirst } from '../filters';
import { findingScenario, findingSubject, findingWhat } from '../finding-view';
import { humanAge, shortTime } from '../format';
import { Output } from '../output';

interface FindingsOptions extends GlobalOptions {
  readonly all?: boolean;
  readonly limit: number;
  readonly wide?: boolean;
}

export function registerFindings(program: Command, out: Output, setExit: (code: number) => void): void {
  const cmd = program
    .command('findings')
    .description('findings of the watchdog: open ones, or all with --all')
    .option('--all', 'resolved findings too')
    .option('--limit <n>', 'how many (1..10000)', parsePositiveInt('--limit', 10000), 200)
    .option('--wide', 'every column, nothing cut to fit the terminal');
  addFilterOptions(cmd).action(async (_opts: unknown, c: Command) => {
    const opts = c.optsWithGlobals<FindingsOptions>();
    const filter = filterFrom(c.opts());
    const { findings, config, at } = await withApp(
      opts,
      async (app) => ({
        findings: await app.deps.store.listFindings({ ...(opts.all ? {} : { status: 'open' as const }), limit: opts.limit }),
        config: app.deps.config,
        at: app.deps.clock.now(),
      }),
      { storeMode: 'readonly', out },
    );
    // --problems: an open finding is a problem by definition; resolved ones are not.
    const shown = findings.filter((f) => matchesSubject(filter, findingSubject(f, config)) && (!filter.problems || f.status === 'open'));
    if (opts.json) {
      out.json(shown);
    } else {
      const rows = problemsFirst(shown, (f) => ({ problem: f.status === 'open', tier: findingSubject(f, config).tier ?? null, id: `${f.subject}|${f.kind}|${findingScenario(f)}` }));
      if (rows.length === 0) out.line(`no ${opts.all ? '' : 'open '}findings${isFiltered(filter) ? ` (filter: ${describeFilter(filter)})` : ''}`);
      else {
        out.table(
          [
            { key: 'subject', header: 'SUBJECT', elide: 'middle', min: 12, shrink: 0 },
            { key: 'kind', header: 'KIND', elide: 'none' },
            { key: 'scenario', header: 'SCENARIO', elide: 'none' },
            { key: 'status', header: 'STATUS', elide: 'none', tone: (s) => (s === 'open' ? 'red' : 'green') },
            { key: 'opened', header: 'OPENED', elide: 'none' },
            ...(opts.all ? [{ key: 'resolved', header: 'RESOLVED', elide: 'none' as const }] : []),
            { key: 'notified', header: 'NOTIFIED', elide: 'none' },
            { key: 'what', header: 'WHAT', shrink: 2 },
            ...(opts.wide ? [{ key: 'id', header: 'FINDING ID', elide: 'none' as const }] : []),
          ],
          rows.map((f) => ({
            id: f.id,
            kind: f.kind,
            scenario: findingScenario(f),
            subject: f.subject,
            status: f.status,
            opened: opts.wide ? shortTime(f.openedAt) : humanAge(f.openedAt, at),
            resolved: f.resolvedAt ? (opts.wide ? shortTime(f.resolvedAt) : humanAge(f.resolvedAt, at)) : '-',
            notified: f.notifiedAt ? (opts.wide ? shortTime(f.notifiedAt) : 'yes') : 'not yet',
            what: findingWhat(f),
          })),
          { wide: Boolean(opts.wide) },
        );
        out.line();
        const open = rows.filter((f) => f.status === 'open').length;
        out.line(`${rows.length} findings shown: ${open} open, ${rows.length - open} resolved${isFiltered(filter) ? ` (filter: ${describeFilter(filter)})` : ''}`);
      }
    }
    setExit(EXIT.ok);
  });
}

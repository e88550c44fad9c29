import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { renderReportCsv } from '../../app/report/csv';
import { gatherReport } from '../../app/report/gather';
import { renderReportHtml } from '../../app/report/html';
import { DAY } from '../../domain/time';
import { withApp, GlobalOptions } from '../context';
import { exitCodeFor, usageError } from '../errors';
import { Output } from '../output';

interface ReportOptions extends GlobalOptions {
  readonly html?: string;
  readonly csv?: string;
  readonly since?: string;
}

/** `--since 30d` (days back from now) or `--since 2026-11-01` (a UTC date, or a full ISO time). */
export function parseSince(value: string): (now: Date) => Date {
  const days = /^(\d{1,3})d$/.exec(value.trim());
  if (days && Number(days[1]) >= 1 && Number(days[1]) <= 400) return (now) => new Date(now.getTime() - Number(days[1]) * DAY);
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/.test(value.trim()) ? new Date(value.trim().length === 10 ? `${value.trim()}T00:00:00Z` : value.trim()) : null;
  if (iso && !Number.isNaN(iso.getTime())) return () => iso;
  throw usageError('--since', value, 'a number of days from 1 to 400 such as 30d, or a UTC date such as 2026-11-01');
}

/** The store a report was read from, as the page names it. */
export const sourceOf = (sqlite: string): string => `sqlite:${sqlite}`;

export function registerReport(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('the DR dashboard: --html FILE (one self-contained page), --csv DIR (auditor export), --json (the same data)')
    .option('--html <file>', 'write the dashboard as one self-contained HTML file')
    .option('--csv <dir>', 'write instances.csv, findings.csv, drills.csv and runs.csv into this folder')
    .option('--since <when>', 'start of the period for findings and runs: 30d or a UTC date (default 30d)', parseSince, parseSince('30d'))
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ReportOptions & { since: (now: Date) => Date }>();
      if (!opts.html && !opts.csv && !opts.json) throw usageError('report', 'no output', 'at least one of --html FILE, --csv DIR or --json');
      // Reads only: the store is opened read-only (never created nor written), like status and runs.
      const model = await withApp(
        opts,
        (app) => gatherReport(app.deps, { source: sourceOf(app.deps.config.state.sqlite), since: opts.since(app.deps.clock.now()) }),
        { storeMode: 'readonly', out },
      );
      // With --json, stdout carries exactly the JSON document: file paths go to stderr.
      const say = (text: string): void => (opts.json ? out.error(text) : out.line(text));
      if (opts.html) {
        const file = path.resolve(opts.html);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, renderReportHtml(model));
        say(`wrote ${file}`);
      }
      if (opts.csv) {
        const dir = path.resolve(opts.csv);
        fs.mkdirSync(dir, { recursive: true });
        for (const [name, text] of Object.entries(renderReportCsv(model))) fs.writeFileSync(path.join(dir, name), text);
        say(`wrote ${Object.keys(renderReportCsv(model)).map((n) => path.join(dir, n)).join(', ')}`);
      }
      if (opts.json) out.json(model);
      if (!model.observedFully) say(`not everything could be observed: ${model.unobserved.slice(0, 3).join('; ')}`);
      // As status: 4 when part of the fleet or the store could not be read, 1 for fleet problems.
      setExit(model.observedFully ? exitCodeFor({}) : exitCodeFor({ unobserved: true }));
    });
}

import { Command } from 'commander';
import { DoctorItem, runDoctor } from '../../app/doctor';
import { inspectStateFile } from '../../composition';
import { withApp, GlobalOptions } from '../context';
import { EXIT } from '../errors';
import { Output } from '../output';

const ORDER: Record<DoctorItem['state'], number> = { problem: 0, 'could-not-check': 1, ok: 2 };

export function registerDoctor(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description('preflight: credentials, regions, instances, KMS keys, state store, alert bus, snapshot quota, copy capacity; reads only')
    .option('--wide', 'nothing cut to fit the terminal')
    .action(async (_opts: unknown, c: Command) => {
      const opts = c.optsWithGlobals<GlobalOptions & { wide?: boolean }>();
      // The store is inspected, not opened: a damaged or unwritable file is a finding here, not an exit.
      const report = await withApp(opts, (app) => runDoctor(app.deps, app.preflight, inspectStateFile(app.deps.config.state.sqlite)), { storeMode: 'none', out });
      if (opts.json) out.json(report);
      else {
        const rows = [...report.items].sort((a, b) => ORDER[a.state] - ORDER[b.state]);
        out.table(
          [
            { key: 'state', header: 'STATE', elide: 'none', tone: (s) => (s === 'ok' ? 'green' : s === 'problem' ? 'red' : 'yellow') },
            { key: 'area', header: 'CHECK', elide: 'none' },
            { key: 'subject', header: 'SUBJECT', elide: 'middle', min: 12, shrink: 0 },
            { key: 'detail', header: 'DETAIL', shrink: 2 },
          ],
          rows.map((i) => ({ state: i.state, area: i.area, subject: i.subject, detail: i.detail })),
          { wide: Boolean(opts.wide) },
        );
        const fixes = rows.filter((i) => i.fix && i.state !== 'ok');
        if (fixes.length) {
          out.line();
          for (const i of fixes) out.line(`${i.state === 'problem' ? 'FIX' : 'TO CHECK'} ${i.area} ${i.subject}: ${i.fix}`);
        }
        out.line();
        out.line(`doctor: ${report.counts.ok} ok, ${report.counts.problem} problems, ${report.counts['could-not-check']} could not be checked`);
      }
      setExit(report.ok ? EXIT.ok : EXIT.failures);
    });
}

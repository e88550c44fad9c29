import { Command } from 'commander';
import { takeAdhocBackup } from '../../app/backup';
import { withApp, GlobalOptions } from '../context';
import { EXIT, usageError } from '../errors';
import { Output } from '../output';

interface BackupOptions extends GlobalOptions {
  readonly reason?: string;
  readonly requestedBy?: string;
}

export function registerBackup(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('backup')
    .description('take an ad hoc snapshot of one fleet instance now (copied and retained by later passes)')
    .argument('<instance-id>', 'DB instance or Aurora cluster identifier from the fleet')
    .option('--reason <text>', 'why: stored as a tag on the snapshot')
    .option('--requested-by <name>', 'who asked (default: $USER)')
    .action(async (instanceId: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<BackupOptions>();
      if (opts.reason !== undefined && opts.reason.trim() === '') throw usageError('--reason', opts.reason, 'a non-empty text');
      const requestedBy = opts.requestedBy ?? process.env.USER;
      const report = await withApp(opts, (app) =>
        takeAdhocBackup(app.deps, { instanceId, trigger: 'cli', ...(opts.reason ? { reason: opts.reason } : {}), ...(requestedBy ? { requestedBy } : {}) }),
      );
      if (opts.json) {
        out.json(report);
      } else if (report.snapshot) {
        out.line(`snapshot ${report.snapshot.id} of ${report.instance.id} in ${report.instance.region}: ${report.snapshot.status} (run ${report.runId})`);
        for (const w of report.result.warnings) out.line(`warning: ${w}`);
      } else {
        for (const e of report.result.errors) out.line(`FAILED ${e.code}: ${e.message}`);
      }
      setExit(report.result.status === 'ok' ? EXIT.ok : EXIT.failures);
    });
}

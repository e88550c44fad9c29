import { Command } from 'commander';
import { takeAdhocBackup } from '../../app/backup';
import { DatabaseCatalog } from '../../app/catalog';
import { memberHint, notInFleetHint } from '../../app/instance-hints';
import { SnapwardError } from '../../domain/errors';
import { IDEMPOTENCY_KEY_EXPECTED, isValidIdempotencyKey } from '../../domain/idempotency';
import { withApp, GlobalOptions } from '../context';
import { EXIT, usageError } from '../errors';
import { Output } from '../output';

interface BackupOptions extends GlobalOptions {
  readonly reason?: string;
  readonly requestedBy?: string;
  readonly idempotencyKey?: string;
  readonly account?: string;
}

export function registerBackup(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('backup')
    .description('take an ad hoc snapshot of one fleet instance now (copied and retained by later passes)')
    .argument('<instance-id>', 'DB instance or Aurora cluster identifier from the fleet')
    .option('--account <name-or-id>', "the instance's account (a name under accounts, or its 12-digit id): needed only when the id is in several accounts")
    .option('--reason <text>', 'why: stored as a tag on the snapshot')
    .option('--requested-by <name>', 'who asked (default: $USER)')
    .option('--idempotency-key <key>', 'names the request (e.g. a change ticket, chg-881): the same key again adopts the snapshot it made instead of taking another (1..128 printable characters)')
    .action(async (instanceId: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<BackupOptions>();
      if (opts.reason !== undefined && opts.reason.trim() === '') throw usageError('--reason', opts.reason, 'a non-empty text');
      if (opts.idempotencyKey !== undefined && !isValidIdempotencyKey(opts.idempotencyKey)) throw usageError('--idempotency-key', opts.idempotencyKey, IDEMPOTENCY_KEY_EXPECTED);
      const requestedBy = opts.requestedBy ?? process.env.USER;
      const { report, hint } = await withApp(
        opts,
        async (app) => {
          try {
            const r = await takeAdhocBackup(app.deps, {
              instanceId,
              trigger: 'cli',
              ...(opts.account !== undefined ? { account: opts.account } : {}),
              ...(opts.reason ? { reason: opts.reason } : {}),
              ...(requestedBy ? { requestedBy } : {}),
              ...(opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {}),
            });
            // A failed snapshot of a configured member: say what is wrong with the entry, if AWS shows it.
            let why: string | null = null;
            if (r.result.status === 'failed') {
              const dbs = await new DatabaseCatalog(app.deps.accounts).databases(r.instance.account, r.instance.region).catch(() => null);
              why = dbs ? memberHint(r.instance, dbs) : null; // could not look: no guess
            }
            return { report: r, hint: why };
          } catch (err) {
            if (err instanceof SnapwardError && err.code === 'USAGE' && /is not in the fleet/.test(err.message)) {
              const why = await notInFleetHint(app.deps.config, new DatabaseCatalog(app.deps.accounts), await app.deps.accounts.ownId(), instanceId);
              if (why) throw new SnapwardError('USAGE', `instance ${JSON.stringify(instanceId)} is not in the fleet: ${why}`);
            }
            throw err;
          }
        },
        { out },
      );
      if (opts.json) {
        out.json({ ...report, hint });
      } else if (report.snapshot) {
        out.line(`snapshot ${report.snapshot.id} of ${report.instance.id} in ${report.instance.region}: ${report.snapshot.status}${report.adopted ? ' (already taken for this idempotency key)' : ''} (run ${report.runId})`);
        for (const w of report.result.warnings) out.line(`warning: ${w}`);
      } else {
        for (const e of report.result.errors) out.line(`FAILED ${e.code}: ${e.message}`);
        if (hint) out.line(`hint: ${hint}`);
      }
      setExit(report.result.status === 'ok' ? EXIT.ok : EXIT.failures);
    });
}

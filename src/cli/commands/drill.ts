import { Command, Option } from 'commander';
import { cancelDrill, startAdhocDrill } from '../../app/drills';
import { DrillProgress } from '../../app/drill-executor';
import { DrillRecord, DrillSourceChoice } from '../../domain/drill';
import { withApp, GlobalOptions } from '../context';
import { EXIT, usageError } from '../errors';
import { Output } from '../output';
import { drillView } from './drills';

interface DrillOptions extends GlobalOptions {
  readonly source?: DrillSourceChoice;
  readonly cancel?: string;
  readonly account?: string;
}

export function registerDrill(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('drill')
    .description('start a restore drill of one fleet instance now (later passes carry it on), or cancel one')
    .argument('[instance-id]', 'DB instance or Aurora cluster identifier from the fleet')
    .addOption(new Option('--source <where>', 'restore the DR copy (dr, the region-loss path) or the primary snapshot').choices(['dr', 'primary']))
    .option('--cancel <drillId>', 'move a drill in flight straight to cleanup; it ends cancelled')
    .option('--account <name-or-id>', "the instance's account (a name under accounts, or its 12-digit id): needed only when the id is in several accounts")
    .action(async (instanceId: string | undefined, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DrillOptions>();
      if (opts.cancel !== undefined && instanceId !== undefined) throw usageError('--cancel', opts.cancel, 'either an instance id to drill or --cancel <drillId>, not both');
      if (opts.cancel === undefined && instanceId === undefined) throw usageError('<instance-id>', null, 'an instance id to drill, or --cancel <drillId>');
      const owner = (app: { deps: { runtime: { owner: { host: string; pid: number } } } }) => `cli:${app.deps.runtime.owner.host}:${app.deps.runtime.owner.pid}`;
      const { drill, progress } = await withApp(opts, (app) =>
        opts.cancel !== undefined
          ? cancelDrill(app.deps, opts.cancel, owner(app))
          : startAdhocDrill(app.deps, { instanceId: instanceId as string, ...(opts.source ? { source: opts.source } : {}), ...(opts.account !== undefined ? { account: opts.account } : {}), owner: owner(app) }),
      );
      print(drill, progress, opts, out);
      setExit(drill.error && drill.phase === 'done' ? EXIT.failures : EXIT.ok);
    });
}

function print(drill: DrillRecord, progress: DrillProgress, opts: DrillOptions, out: Output): void {
  if (opts.json) {
    out.json({ ...drillView(drill), steps: progress.steps, problem: progress.problem });
    return;
  }
  out.line(drill.drillId);
  const what = opts.cancel !== undefined ? 'cancel requested' : `restore of ${drill.source.snapshotId} in ${drill.source.region} into ${drill.restoredId} ${drill.startedAt ? 'requested' : 'not requested yet'}`;
  out.line(`${drill.instanceId}: ${what}; phase ${drill.phase}${drill.outcome ? `, ${drill.outcome}` : ''} (snapward run carries it on; snapward drills shows it)`);
  if (drill.error) out.line(`FAILED ${drill.error.code} at ${drill.error.step}: ${drill.error.message}`);
  if (progress.problem) out.line(`warning: ${progress.problem}`);
}

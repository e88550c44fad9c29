import { Command } from 'commander';
import { fleetStatus } from '../../app/status';
import { withApp, GlobalOptions } from '../context';
import { exitCodeFor } from '../errors';
import { printUnobserved } from '../unobserved';
import { age, shortTime } from '../format';
import { Output } from '../output';
import { StatusBand } from '../../app/status';
import { formatDuration } from '../../domain/time';

/** `23h 5m critical`, `none critical`, or `unknown` when it could not be read */
const rpoCell = (seconds: number | null, band: StatusBand): string => (band === 'unknown' ? 'unknown' : `${seconds === null ? 'none' : formatDuration(seconds * 1000)} ${band}`);

export function registerStatus(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('per instance: tier, newest recovery point in the primary and DR regions, current period covered')
    .option('--live', "list every instance's snapshots from AWS instead of snapward's record of them")
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { live?: boolean }>();
      const status = await withApp(opts, (app) => fleetStatus(app.deps, { live: Boolean(opts.live) }));
      if (opts.json) {
        out.json(status);
      } else {
        out.table(
          [
            { key: 'instance', header: 'INSTANCE' },
            { key: 'tier', header: 'TIER' },
            { key: 'kind', header: 'KIND' },
            { key: 'regions', header: 'REGION -> DR' },
            { key: 'primary', header: 'NEWEST PRIMARY' },
            { key: 'dr', header: 'NEWEST DR COPY' },
            { key: 'period', header: 'PERIOD COVERED' },
            { key: 'target', header: 'RPO TARGET' },
            { key: 'instanceLoss', header: 'INSTANCE LOSS' },
            { key: 'regionLoss', header: 'REGION LOSS' },
          ],
          status.instances.map((i) => ({
            instance: i.instanceId,
            tier: String(i.tier),
            kind: i.kind,
            regions: `${i.region} -> ${i.drRegion}`,
            primary: i.primary ? `${shortTime(i.primary.time)} (${age(i.primary.time, status.at)})` : 'none',
            dr: i.dr ? `${shortTime(i.dr.time)} (${age(i.dr.time, status.at)})` : 'none',
            period: `${i.period.key}: ${i.period.covered}`,
            target: formatDuration(i.rpoTargetSeconds * 1000),
            instanceLoss: rpoCell(i.achieved.instanceLoss, i.band.instanceLoss),
            regionLoss: rpoCell(i.achieved.regionLoss, i.band.regionLoss),
          })),
        );
        const compliant = status.instances.filter((i) => i.compliant).length;
        const unknown = status.instances.filter((i) => !i.observed).length;
        out.line();
        out.line(`${compliant} of ${status.instances.length} instances meet their RPO target in both scenarios${unknown ? `; ${unknown} unknown (could not be read)` : ''}`);
        printUnobserved(status.unobserved, out);
        for (const i of status.instances) {
          if (!i.observed) continue;
          for (const r of [i.rpo.instanceLoss, i.rpo.regionLoss]) {
            if (r.neverMeets) out.line(`  ${i.instanceId}: ${r.scenario === 'instanceLoss' ? 'instance loss' : 'region loss'} cannot keep its target between backups: ${r.neverMeets.reason}; remedy: ${r.neverMeets.remedy}`);
          }
        }
        if (status.attachments.length) {
          out.line();
          out.table(
            [
              { key: 'name', header: 'ATTACHMENTS' },
              { key: 'tier', header: 'TIER' },
              { key: 'target', header: 'RPO TARGET' },
              { key: 'achieved', header: 'OLDEST MISSING' },
              { key: 'verified', header: 'VERIFIED' },
            ],
            status.attachments.map((a) => ({
              name: a.name,
              tier: String(a.tier),
              target: formatDuration(a.rpoTargetSeconds * 1000),
              achieved: a.achievedSeconds === null ? 'never verified' : `${formatDuration(a.achievedSeconds * 1000)} ${a.compliant ? 'compliant' : 'breached'}${a.ok === false ? ' (problems: run verify-replication)' : ''}`,
              verified: a.verifiedAt ? age(a.verifiedAt, status.at) : '-',
            })),
          );
        }
        if (status.unobserved.length === 0) for (const p of status.problems) out.line(`  fleet: ${p.code}: ${p.message}`);
        for (const w of status.warnings) out.line(`  fleet: warning: ${w}`);
      }
      setExit(exitCodeFor({ unobserved: status.unobserved.length > 0, failed: status.problems.length > 0 }));
    });
}

import { Command } from 'commander';
import { DrillsReport, listDrillRecords } from '../../app/drills';
import { DrillRecord } from '../../domain/drill';
import { formatDuration } from '../../domain/time';
import { withApp, GlobalOptions } from '../context';
import { EXIT } from '../errors';
import { shortTime } from '../format';
import { Output } from '../output';

interface DrillsOptions extends GlobalOptions {
  readonly all?: boolean;
}

/** The JSON shape of a drill (`drills --json`, `drill --json`). */
export function drillView(d: DrillRecord) {
  return {
    drillId: d.drillId,
    instanceId: d.instanceId,
    kind: d.kind,
    tier: d.tier,
    trigger: d.trigger,
    phase: d.phase,
    outcome: d.outcome,
    source: { region: d.source.region, snapshotId: d.source.snapshotId, recoveryPointTime: d.source.recoveryPointTime },
    restoredId: d.restoredId,
    restoredInstanceId: d.restoredInstanceId,
    startedAt: d.startedAt,
    availableAt: d.availableAt,
    validatedAt: d.validatedAt,
    finishedAt: d.finishedAt,
    rtoSeconds: d.rtoSeconds,
    rtoTargetSeconds: d.rtoTargetSeconds,
    band: d.band,
    recoveryPointAgeSeconds: d.recoveryPointAgeSeconds,
    validation: d.validation ? { checks: d.validation.checks.map((c) => ({ name: c.name, ok: c.ok, ...(c.detail ? { detail: c.detail } : {}) })), hook: d.validation.hook } : null,
    error: d.error,
    cleanupError: d.cleanupError,
  };
}

/** What a pass did with drills, for `run`'s human output (nothing when it did nothing). */
export function drillLines(r: DrillsReport): string[] {
  const lines: string[] = [];
  if (r.skipped) lines.push(`  drills: ${r.skipped}`);
  for (const p of r.advanced) lines.push(`  drill ${p.drillId} (${p.instanceId}): ${p.steps.join(', ') || 'nothing to do'} -> ${p.phase}${p.outcome ? ` ${p.outcome}` : ''}`);
  for (const d of r.deferred) lines.push(`  drill of ${d.instanceId} not started: ${d.reason}`);
  for (const s of r.swept) lines.push(`  swept leftover drill ${s.kind} ${s.id} in ${s.region}`);
  for (const p of r.problems) lines.push(`  drills: problem: ${p}`);
  return lines;
}

export function registerDrills(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('drills')
    .description('restore drills: those in flight and the newest per instance (--all: the whole history)')
    .option('--all', 'every drill recorded, newest first')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DrillsOptions>();
      const drills = await withApp(opts, (app) => listDrillRecords(app.deps, { all: Boolean(opts.all) }));
      if (opts.json) out.json(drills.map(drillView));
      else if (drills.length === 0) out.line('no drills yet (snapward drill <instance-id> starts one; snapward run starts scheduled ones)');
      else
        out.table(
          [
            { key: 'drillId', header: 'DRILL' },
            { key: 'instance', header: 'INSTANCE' },
            { key: 'tier', header: 'TIER' },
            { key: 'phase', header: 'PHASE' },
            { key: 'outcome', header: 'OUTCOME' },
            { key: 'source', header: 'SOURCE' },
            { key: 'started', header: 'STARTED' },
            { key: 'rto', header: 'RTO' },
            { key: 'band', header: 'BAND' },
            { key: 'rpAge', header: 'POINT AGE' },
            { key: 'error', header: 'ERROR' },
          ],
          drills.map((d) => ({
            drillId: d.drillId,
            instance: d.instanceId,
            tier: String(d.tier),
            phase: d.phase,
            outcome: d.outcome ?? '-',
            source: `${d.source.region}:${d.source.snapshotId}`,
            started: shortTime(d.startedAt),
            rto: d.rtoSeconds === null ? '-' : `${formatDuration(d.rtoSeconds * 1000)} / ${formatDuration(d.rtoTargetSeconds * 1000)}`,
            band: d.band ?? '-',
            rpAge: d.recoveryPointAgeSeconds === null ? '-' : formatDuration(d.recoveryPointAgeSeconds * 1000),
            error: d.error ? `${d.error.code} (${d.error.step})` : d.cleanupError ? `cleanup: ${d.cleanupError.code}` : '',
          })),
        );
      setExit(EXIT.ok);
    });
}

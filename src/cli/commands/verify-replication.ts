import { Command } from 'commander';
import { DEFAULT_SAMPLE_SIZE, MAX_SAMPLE_SIZE, verifyReplication, VerifyReplicationReport } from '../../app/verify-replication';
import { PairResult } from '../../domain/replication/result';
import { formatDuration, SECOND } from '../../domain/time';
import { GlobalOptions, withApp } from '../context';
import { EXIT, parsePositiveInt, usageError } from '../errors';
import { Output } from '../output';

interface VerifyOptions extends GlobalOptions {
  readonly name?: string;
  readonly full?: boolean;
  readonly sample?: number;
  readonly wide?: boolean;
}

export function registerVerifyReplication(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('verify-replication')
    .description('check that S3 replication really copies the attachment buckets: configuration, then objects')
    .option('--name <name>', 'only this attachment pair (default: all)')
    .option('--full', 'compare every object by merging both bucket listings (one streaming pass)')
    .option('--wide', 'nothing cut to fit the terminal')
    .option('--sample <n>', `HeadObject on n source objects, newest-weighted (the default mode, n=${DEFAULT_SAMPLE_SIZE})`, parsePositiveInt('--sample', MAX_SAMPLE_SIZE))
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<VerifyOptions>();
      if (opts.full && opts.sample !== undefined) {
        throw usageError('--sample', opts.sample, 'either --full (every object) or --sample N (N objects), not both');
      }
      const report = await withApp(opts, async (app) => {
        const names = app.deps.config.attachments.map((p) => p.name);
        if (opts.name !== undefined && names.length > 0 && !names.includes(opts.name)) {
          throw usageError('--name', opts.name, `the name of a configured attachment pair (${names.join(', ')})`);
        }
        return verifyReplication(app.deps, {
          trigger: 'cli',
          mode: opts.full ? 'full' : 'sample',
          ...(opts.sample !== undefined ? { sampleSize: opts.sample } : {}),
          ...(opts.name !== undefined ? { name: opts.name } : {}),
        });
      });
      if (opts.json) out.json({ runId: report.runId, at: report.at, pairs: report.pairs });
      else printReport(report, out, Boolean(opts.wide));
      setExit(report.pairs.every((p) => p.ok) ? EXIT.ok : EXIT.failures);
    });
}

function printReport(report: VerifyReplicationReport, out: Output, wide: boolean): void {
  out.table(
    [
      { key: 'name', header: 'PAIR' },
      { key: 'mode', header: 'MODE' },
      { key: 'ok', header: 'OK' },
      { key: 'checked', header: 'CHECKED' },
      { key: 'missing', header: 'MISSING' },
      { key: 'mismatched', header: 'MISMATCHED' },
      { key: 'extra', header: 'EXTRA' },
      { key: 'failed', header: 'FAILED' },
      { key: 'pending', header: 'PENDING' },
      { key: 'oldest', header: 'OLDEST MISSING' },
    ],
    report.pairs.map((p) => ({
      name: p.name,
      mode: p.mode,
      ok: p.error ? 'ERROR' : p.ok ? 'ok' : 'PROBLEMS',
      checked: String(p.objects.checked),
      missing: String(p.objects.missing),
      mismatched: String(p.objects.mismatched),
      extra: String(p.objects.extra),
      failed: String(p.objects.failed),
      pending: String(p.objects.pending),
      oldest: p.oldestMissingSeconds === null ? '-' : formatDuration(p.oldestMissingSeconds * SECOND),
    })),
    { wide },
  );
  out.line();
  out.line(`run ${report.runId} ${report.outcome}: ${report.pairs.filter((p) => p.ok).length} of ${report.pairs.length} pairs ok`);
  for (const p of report.pairs) for (const line of problemLines(p)) out.line(`  ${p.name}: ${line}`);
}

function problemLines(p: PairResult): string[] {
  const lines: string[] = [];
  if (p.error) lines.push(`ERROR ${p.error.code} (${p.error.step ?? 'pair'}): ${p.error.message}`);
  for (const problem of p.config.problems) lines.push(`config: ${problem.code}: ${problem.message}`);
  const { examples } = p.objects;
  if (examples.missing.length) lines.push(`missing, oldest first: ${examples.missing.map((e) => e.key).join(', ')}`);
  if (examples.mismatched.length) lines.push(`mismatched: ${examples.mismatched.map((e) => `${e.key} (${e.reason})`).join(', ')}`);
  if (examples.failed.length) lines.push(`replication FAILED: ${examples.failed.map((e) => e.key).join(', ')}`);
  if (examples.pending.length) lines.push(`PENDING over 15 min: ${examples.pending.map((e) => e.key).join(', ')}`);
  if (p.rpo.compliant === false) {
    lines.push(`RPO breached: oldest missing object is ${formatDuration((p.rpo.achievedSeconds ?? 0) * SECOND)} old, target ${formatDuration(p.rpo.targetSeconds * SECOND)}`);
  }
  return lines;
}

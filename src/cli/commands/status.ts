import { Command } from 'commander';
import { fleetStatus, InstanceStatus } from '../../app/status';
import { withApp, GlobalOptions } from '../context';
import { exitCodeFor } from '../errors';
import { printUnobserved } from '../unobserved';
import { addFilterOptions, describeFilter, filterFrom, isFiltered, isProblemBand, matchesSubject, problemsFirst, TableFilter } from '../filters';
import { instanceLabel, spansAccounts } from '../../domain/types';
import { humanAge, humanDuration, humanSeconds, shortTime } from '../format';
import { Column, Output, Tone } from '../output';
import { printCapacity } from '../capacity-view';

/** `3h05m exceeded`, `none critical` (no recovery point at all), or `unknown` (could not be read). */
export const rpoCell = (seconds: number | null, band: string): string => (band === 'unknown' ? 'unknown' : `${humanSeconds(seconds)} ${band}`);

/**
 * The account-loss cell (issue 16): `-` where no vault covers the instance, the age of its newest
 * vault copy with `no target` where the tier sets none, else figure and band like the others.
 */
export function accountLossCell(i: InstanceStatus): string {
  if (!i.vault) return '-';
  if (i.band.accountLoss !== null) return rpoCell(i.achieved.accountLoss, i.band.accountLoss);
  return !i.observed || i.vault.error ? 'unknown' : `${humanSeconds(i.achieved.accountLoss)} (no target)`;
}

/** Colour of a cell ending in a band. */
/** The newest finished drill beside the RPO figures: `1h05m compliant`, `failed`, or `no drill yet`. */
export function drillCell(drill: InstanceStatus['drill']): string {
  if (!drill) return 'no drill yet';
  if (drill.rtoSeconds === null || drill.band === null) return drill.outcome ?? 'no figure';
  return rpoCell(drill.rtoSeconds, drill.band);
}

export const bandTone = (cell: string): Tone | null => {
  const band = cell.trim().split(' ').pop() ?? '';
  if (band === 'compliant') return 'green';
  if (band === 'exceeded') return 'yellow';
  if (band === 'severe' || band === 'critical') return 'red';
  return band ? 'yellow' : null; // unknown, and any band added later: look at it
};

interface StatusOptions extends GlobalOptions {
  readonly live?: boolean;
  readonly wide?: boolean;
}

/** An instance row is a problem when any scenario is not compliant, it has errors, or an open finding. */
export function statusProblem(i: InstanceStatus, openSubjects: ReadonlySet<string>): boolean {
  // A null band (accountLoss not judged) is no problem.
  return Object.values(i.band).some((b) => b !== null && isProblemBand(String(b))) || i.errors.length > 0 || Boolean(i.lastError) || openSubjects.has(i.instanceId);
}

export function registerStatus(program: Command, out: Output, setExit: (code: number) => void): void {
  const cmd = program
    .command('status')
    .description('per instance: tier, newest recovery point in the primary and DR regions, current period covered, achieved RPO')
    .option('--live', "list every instance's snapshots from AWS instead of snapward's record of them")
    .option('--wide', 'every column, nothing cut to fit the terminal');
  addFilterOptions(cmd).action(async (_opts: unknown, c: Command) => {
    const opts = c.optsWithGlobals<StatusOptions>();
    const filter = filterFrom(c.opts());
    const { status, open, vault } = await withApp(
      opts,
      async (app) => {
        const only = (m: { id: string; tier: number; region: string; drRegion: string; product?: string }) => matchesSubject(filter, { ...m, product: m.product ?? null });
        // Copy capacity is the whole fleet's, filter or not: a DR region's slots are shared.
        const report = await fleetStatus(app.deps, { live: Boolean(opts.live), capacity: true, ...(isFiltered(filter) ? { only } : {}) });
        const findings = filter.problems ? await app.deps.store.listFindings({ status: 'open' }) : [];
        return { status: report, open: new Set(findings.map((f) => f.subject)), vault: Boolean(app.deps.config.vault) };
      },
      { storeMode: 'readonly', out },
    );
    const instances = filter.problems ? status.instances.filter((i) => statusProblem(i, open)) : status.instances;
    if (opts.json) {
      out.json({ ...status, instances });
    } else {
      printStatus(out, { ...status, instances }, filter, Boolean(opts.wide), open, vault);
    }
    setExit(exitCodeFor({ unobserved: status.unobserved.length > 0, failed: status.problems.length > 0 }));
  });
}

function printStatus(out: Output, status: Awaited<ReturnType<typeof fleetStatus>>, filter: TableFilter, wide: boolean, open: ReadonlySet<string>, vault: boolean): void {
  const rows = problemsFirst(status.instances, (i) => ({ problem: statusProblem(i, open), tier: i.tier, id: i.instanceId }));
  const manyAccounts = spansAccounts(status.instances);
  const columns: Column[] = [
    { key: 'instance', header: 'INSTANCE', elide: 'middle', min: 12, shrink: 0 },
    { key: 'tier', header: 'TIER', elide: 'none' },
    ...(wide ? [{ key: 'kind', header: 'KIND', elide: 'none' } as Column, { key: 'product', header: 'PRODUCT' } as Column] : []),
    { key: 'regions', header: 'REGION -> DR', elide: 'middle', min: 12, shrink: 2 },
    ...(wide
      ? [{ key: 'primary', header: 'NEWEST PRIMARY', elide: 'none' } as Column, { key: 'dr', header: 'NEWEST DR COPY', elide: 'none' } as Column]
      : []),
    { key: 'period', header: 'PERIOD', elide: 'none' },
    { key: 'target', header: 'RPO TARGET', elide: 'none' },
    { key: 'instanceLoss', header: 'INSTANCE LOSS', elide: 'none', tone: bandTone },
    { key: 'regionLoss', header: 'REGION LOSS', elide: 'none', tone: bandTone },
    ...(vault ? [{ key: 'accountLoss', header: 'ACCOUNT LOSS', elide: 'none', tone: bandTone } as Column] : []),
    { key: 'rto', header: 'DRILL RTO', elide: 'none', tone: bandTone },
  ];
  if (rows.length === 0) out.line(isFiltered(filter) ? `no instance matches (${describeFilter(filter)})` : 'no instances in the fleet');
  else {
    out.table(
      columns,
      rows.map((i) => ({
        // A fleet over several accounts names each instance's account: the same id may be in two.
        instance: instanceLabel(i, manyAccounts),
        tier: String(i.tier),
        kind: i.kind,
        product: i.product ?? '-',
        regions: `${i.region} -> ${i.drRegion}`,
        primary: i.primary ? `${shortTime(i.primary.time)} (${humanAge(i.primary.time, status.at)})` : 'none',
        dr: i.dr ? `${shortTime(i.dr.time)} (${humanAge(i.dr.time, status.at)})` : 'none',
        period: wide ? `${i.period.key}: ${i.period.covered}` : i.period.covered,
        target: humanDuration(i.rpoTargetSeconds * 1000),
        instanceLoss: rpoCell(i.achieved.instanceLoss, i.band.instanceLoss),
        regionLoss: rpoCell(i.achieved.regionLoss, i.band.regionLoss),
        accountLoss: accountLossCell(i),
        rto: drillCell(i.drill),
      })),
      { wide },
    );
  }
  const compliant = rows.filter((i) => i.compliant).length;
  const unknown = rows.filter((i) => !i.observed).length;
  out.line();
  out.line(
    `${compliant} of ${rows.length} instances shown meet their RPO target in ${vault ? 'every scenario judged' : 'both scenarios'}${unknown ? `; ${unknown} unknown (could not be read)` : ''}${isFiltered(filter) ? ` (filter: ${describeFilter(filter)})` : ''}`,
  );
  printUnobserved(status.unobserved, out);
  // Work the last pass left failing, and when it is tried again (a backoff: app/engine).
  for (const i of rows) {
    if (!i.lastError) continue;
    const when = i.nextAttemptAt ? `next attempt ${i.nextAttemptAt.getTime() > status.at.getTime() ? `in ${humanDuration(i.nextAttemptAt.getTime() - status.at.getTime())}` : 'at the next pass'}` : 'tried again at the next pass';
    out.line(`  ${instanceLabel(i, manyAccounts)}: failing: ${i.lastError.code} (${i.attempts} failed attempt${i.attempts === 1 ? '' : 's'}; ${when}): ${i.lastError.message}`);
  }
  for (const i of rows) {
    if (!i.observed) continue;
    for (const r of [i.rpo.instanceLoss, i.rpo.regionLoss, ...(i.rpo.accountLoss ? [i.rpo.accountLoss] : [])]) {
      const label = r.scenario === 'instanceLoss' ? 'instance loss' : r.scenario === 'regionLoss' ? 'region loss' : 'account loss';
      if (r.neverMeets) out.line(`  ${instanceLabel(i, manyAccounts)}: ${label} cannot keep its target between backups: ${r.neverMeets.reason}; remedy: ${r.neverMeets.remedy}`);
    }
  }
  if (status.attachments.length && !isFiltered(filter)) {
    out.line();
    out.table(
      [
        { key: 'name', header: 'ATTACHMENTS', elide: 'middle' },
        { key: 'tier', header: 'TIER', elide: 'none' },
        { key: 'target', header: 'RPO TARGET', elide: 'none' },
        { key: 'achieved', header: 'OLDEST MISSING' },
        { key: 'verified', header: 'VERIFIED' },
      ],
      status.attachments.map((a) => ({
        name: a.name,
        tier: String(a.tier),
        target: humanDuration(a.rpoTargetSeconds * 1000),
        achieved: a.achievedSeconds === null ? 'never verified' : `${humanSeconds(a.achievedSeconds)} ${a.compliant ? 'compliant' : 'breached'}${a.ok === false ? ' (problems: run verify-replication)' : ''}`,
        verified: a.verifiedAt ? humanAge(a.verifiedAt, status.at) : '-',
      })),
      { wide },
    );
  }
  printCapacity(out, status.capacity ?? [], wide);
  if (status.unobserved.length === 0) for (const p of status.problems) out.line(`  fleet: ${p.code}: ${p.message}`);
  for (const w of status.warnings) out.line(`  fleet: warning: ${w}`);
}

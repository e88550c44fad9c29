import { Command } from 'commander';
import { instanceStory, InstanceStory } from '../../app/instance-story';
import { withApp, GlobalOptions } from '../context';
import { exitCodeFor, parsePositiveInt } from '../errors';
import { findingScenario, findingWhat } from '../finding-view';
import { humanAge, humanDuration, shortTime } from '../format';
import { Output } from '../output';
import { accountLossCell, bandTone, rpoCell } from './status';

interface ShowOptions extends GlobalOptions {
  readonly live?: boolean;
  readonly runs: number;
  readonly wide?: boolean;
}

export function registerShow(program: Command, out: Output, setExit: (code: number) => void): void {
  program
    .command('show')
    .description("one instance's story: tier, RPO per scenario, its snapshots in both regions, the runs that touched it, its findings and drills")
    .argument('<instance-id>', 'DB instance or Aurora cluster identifier from the fleet')
    .option('--live', 'list its snapshots from AWS instead of snapward\'s record of them')
    .option('--runs <n>', 'how many of the newest runs to search (1..1000)', parsePositiveInt('--runs', 1000), 50)
    .option('--wide', 'nothing cut to fit the terminal')
    .action(async (instanceId: string, _opts: unknown, c: Command) => {
      const opts = c.optsWithGlobals<ShowOptions>();
      const story = await withApp(opts, (app) => instanceStory(app.deps, instanceId, { live: Boolean(opts.live), runs: opts.runs }), { storeMode: 'readonly', out });
      if (opts.json) out.json(story);
      else printStory(out, story, Boolean(opts.wide));
      // 4: part of its story could not be read (main's "unobserved"); 1: it cannot be backed up as configured.
      const unobserved = story.snapshots.problems.length > 0 || (story.status !== null && !story.status.observed);
      setExit(exitCodeFor({ unobserved, failed: Boolean(story.hint) }));
    });
}

function printStory(out: Output, s: InstanceStory, wide: boolean): void {
  const m = s.instance;
  out.line(`${m.kind} ${m.id}: tier ${m.tier}${m.product ? `, product ${m.product}` : ''}, ${m.region} -> DR ${m.drRegion} (${m.origin === 'config' ? 'configured' : 'discovered by tag'})`);
  if (s.hint) out.line(`  PROBLEM: ${s.hint}`);
  const st = s.status;
  if (st) {
    out.line(`  RPO target ${humanDuration(st.rpoTargetSeconds * 1000)}; current period ${st.period.key}: ${st.period.covered}`);
    out.table(
      [
        { key: 'scenario', header: 'SCENARIO', elide: 'none' },
        { key: 'rpo', header: 'ACHIEVED', elide: 'none', tone: bandTone },
        { key: 'from', header: 'RECOVERY POINT' },
      ],
      [
        ...(['instanceLoss', 'regionLoss'] as const).map((sc) => {
          const r = st.rpo[sc];
          const point = r.recoveryPoint;
          return {
            scenario: sc === 'instanceLoss' ? 'instance loss' : 'region loss',
            rpo: rpoCell(st.achieved[sc], st.band[sc]),
            from: point ? `${point.source}${point.snapshotId ? ` ${point.snapshotId}` : ''} at ${shortTime(point.time)} (${humanAge(point.time, s.at)})` : 'none',
          };
        }),
        // Issue 16: the newest copy in the vault account, where a vault covers the instance.
        ...(st.vault
          ? [
              {
                scenario: 'account loss',
                rpo: accountLossCell(st),
                from: st.vault.error ? `vault ${st.vault.account} could not be read` : st.vault.newest ? `vault-copy ${st.vault.newest.snapshotId} in ${st.vault.account} at ${shortTime(st.vault.newest.time)} (${humanAge(st.vault.newest.time, s.at)})` : `none in vault ${st.vault.account}`,
              },
            ]
          : []),
      ],
      { wide },
    );
    for (const r of [st.rpo.instanceLoss, st.rpo.regionLoss, ...(st.rpo.accountLoss ? [st.rpo.accountLoss] : [])]) {
      if (!st.observed) break; // figures not read: no advice on a guess
      const never = r.neverMeets;
      const label = r.scenario === 'instanceLoss' ? 'instance loss' : r.scenario === 'regionLoss' ? 'region loss' : 'account loss';
      if (never) out.line(`  ${label} cannot keep its target: ${never.reason}; remedy: ${never.remedy}`);
    }
    if (st.vault?.error) out.line(`  vault ${st.vault.account}: ${st.vault.error.code}: ${st.vault.error.message}`);
    for (const e of st.errors) out.line(`  ${e.code}: ${e.message}`);
  }

  out.line();
  out.line(`snapshots (${s.snapshots.source === 'live' ? 'listed from AWS now' : "snapward's ledger; --live lists from AWS"}): ${s.snapshots.items.length}`);
  if (s.snapshots.items.length) {
    out.table(
      [
        { key: 'id', header: 'SNAPSHOT', elide: 'middle', min: 16, shrink: 0 },
        { key: 'region', header: 'REGION', elide: 'none' },
        { key: 'role', header: 'ROLE', elide: 'none' },
        { key: 'purpose', header: 'TYPE', elide: 'none' },
        { key: 'status', header: 'STATUS', elide: 'none' },
        { key: 'point', header: 'RECOVERY POINT', elide: 'none' },
      ],
      s.snapshots.items.map((x) => ({
        id: x.id,
        region: x.region,
        role: x.role,
        purpose: x.purpose,
        status: x.status,
        point: x.recoveryPointTime ? `${shortTime(x.recoveryPointTime)} (${humanAge(x.recoveryPointTime, s.at)})` : 'unknown',
      })),
      { wide },
    );
  }
  for (const p of s.snapshots.problems) out.line(`  could not list: ${p.code}: ${p.message}`);

  out.line();
  out.line(`runs that touched it (of the newest ${s.runsScanned}): ${s.runs.length}`);
  if (s.runs.length) {
    out.table(
      [
        { key: 'run', header: 'RUN', elide: 'none' },
        { key: 'kind', header: 'KIND', elide: 'none' },
        { key: 'started', header: 'STARTED', elide: 'none' },
        { key: 'status', header: 'RESULT', elide: 'none', tone: (v) => (v === 'ok' ? 'green' : 'red') },
        { key: 'what', header: 'WHAT HAPPENED' },
      ],
      s.runs.map((r) => ({
        run: r.runId,
        kind: r.kind,
        started: shortTime(r.startedAt),
        status: r.result.status,
        what:
          [
            ...r.result.created.map((x) => `created ${x.id}`),
            ...(r.result.copied.length ? [`copied ${r.result.copied.length}`] : []),
            ...(r.result.deleted.length ? [`deleted ${r.result.deleted.length}`] : []),
            ...(r.result.inProgress.length ? [`${r.result.inProgress.length} in progress`] : []),
            ...(r.result.deferred.length ? [`${r.result.deferred.length} copies deferred`] : []),
            ...r.result.errors.map((e) => `${e.code}: ${e.message}`),
            ...r.result.warnings.map((w) => `warning: ${w}`),
          ].join('; ') || 'nothing to do',
      })),
      { wide },
    );
  }

  out.line();
  const open = s.findings.filter((f) => f.status === 'open').length;
  out.line(`findings: ${open} open, ${s.findings.length - open} resolved`);
  if (s.findings.length) {
    out.table(
      [
        { key: 'kind', header: 'KIND', elide: 'none' },
        { key: 'scenario', header: 'SCENARIO', elide: 'none' },
        { key: 'status', header: 'STATUS', elide: 'none', tone: (v) => (v === 'open' ? 'red' : 'green') },
        { key: 'opened', header: 'OPENED', elide: 'none' },
        { key: 'what', header: 'WHAT', shrink: 2 },
      ],
      [...s.findings]
        .sort((a, b) => Number(b.status === 'open') - Number(a.status === 'open') || b.openedAt.getTime() - a.openedAt.getTime())
        .map((f) => ({ kind: f.kind, scenario: findingScenario(f), status: f.status, opened: humanAge(f.openedAt, s.at), what: findingWhat(f) })),
      { wide },
    );
  }

  out.line();
  out.line(!s.drills.available ? 'drills: not known to this build (restore drills are not installed)' : s.drills.items.length ? `drills: ${s.drills.items.length}` : 'drills: none recorded');
}

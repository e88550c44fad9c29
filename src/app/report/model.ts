import { addDays, ComplianceDay, dayOf, HistoryBand, historySubject } from '../../domain/history';
import { Band, bandOf, Scenario, SCENARIOS } from '../../domain/rpo';
import { DbKind, instanceLabel, spansAccounts, Tier, TIERS } from '../../domain/types';
import { Finding, RunRecord } from '../../ports/state-store';
import { FleetStatus, InstanceStatus } from '../status';
import { DrillRecord, memberDrillSubject } from '../../domain/drill';
import { DrillDue, DrillRto } from './rto';

/**
 * The DR dashboard's numbers (issue 13), apart from any rendering: the HTML page, the JSON
 * document, the CSV export and the metrics all read this model. Pure: everything it needs is
 * passed in, `generatedAt` included. Times are ISO strings so the model is its own JSON form.
 */

export const HISTORY_DAYS = 30;

export interface ReportInput {
  readonly generatedAt: Date;
  /** Which store the report was read from, e.g. `sqlite:/var/lib/snapward/state.db`. */
  readonly source: string;
  /** Start of the period the export covers (findings opened, runs started). */
  readonly since: Date;
  readonly status: FleetStatus;
  /** Per tier: RPO and RTO targets, and the accountLoss target where the tier sets one. */
  readonly tierTargets: Readonly<Record<Tier, { readonly rpoSeconds: number; readonly rtoSeconds: number; readonly accountLossSeconds?: number }>>;
  /** Every finding open now, and every finding opened since `since`. */
  readonly findings: readonly Finding[];
  /** Runs started since `since`. */
  readonly runs: readonly RunRecord[];
  /** Compliance history, at least the HISTORY_DAYS days up to `generatedAt`. */
  readonly history: readonly ComplianceDay[];
  readonly drills: { readonly rto: ReadonlyMap<string, DrillRto>; readonly due: readonly DrillDue[]; readonly available: boolean; readonly records?: readonly DrillRecord[] };
  /** Parts that could not be observed, said in words (store reads that failed, ...). */
  readonly unobserved: readonly string[];
  /** Store reads that failed (each also in `unobserved`). */
  readonly readFailures?: number;
  /** The vault account (issue 16) when one is configured: the report then shows the account-loss scenario. */
  readonly vault?: { readonly account: string } | null;
}

export type BandCounts = Record<HistoryBand, number>;

export interface TierSummary {
  readonly tier: Tier;
  readonly rpoTargetSeconds: number;
  readonly rtoTargetSeconds: number;
  readonly instances: number;
  readonly instanceLoss: BandCounts;
  readonly regionLoss: BandCounts;
  /** RTO bands of the newest drills; an instance without a drill counts as unknown. */
  readonly rto: BandCounts;
  readonly noDrill: number;
  /** Worst achieved RPO among instances whose data could be read (null: none, or none with a recovery point). */
  readonly worstAchievedSeconds: Record<Scenario, number | null>;
  /** Instances with no recovery point at all in a scenario. */
  readonly withoutRecoveryPoint: Record<Scenario, number>;
  /** First day of the trailing run of recorded days on which not every instance was compliant (null: last recorded day was all compliant). Days without a record do not break the run. */
  readonly notCompliantSince: string | null;
  /** Why: the tier's open findings by kind. */
  readonly openFindings: Readonly<Record<string, number>>;
  /**
   * Account-loss bands of the tier's instances judged on it (a vault covers them and the tier sets
   * `accountLossRpo`), with the target; null when no vault is configured or the tier sets no target.
   */
  readonly accountLoss: { readonly targetSeconds: number; readonly counts: BandCounts; readonly worstAchievedSeconds: number | null } | null;
}

export interface RecoveryPointView {
  readonly snapshotId: string;
  readonly time: string;
  readonly ageSeconds: number;
}

export interface InstanceRow {
  readonly instanceId: string;
  /** The 12-digit id of its account, and the account's configured name (null: the caller's own). */
  readonly account: string;
  readonly accountName: string | null;
  /** How the page names it: the id, or `prod-a/jira-1` when the fleet spans several accounts. */
  readonly label: string;
  readonly kind: DbKind;
  readonly tier: Tier;
  readonly product: string | null;
  readonly region: string;
  readonly drRegion: string;
  readonly primary: RecoveryPointView | null;
  readonly dr: RecoveryPointView | null;
  readonly rpoTargetSeconds: number;
  /** As status: `accountLoss` null where no vault covers the instance, no vault copy, or unread. */
  readonly achieved: Record<Scenario, number | null> & { readonly accountLoss: number | null };
  /** As status: `accountLoss` null where not judged (no vault for it, or no tier target); `unknown` when unread. */
  readonly band: Record<Scenario, HistoryBand> & { readonly accountLoss: HistoryBand | null };
  /** Its newest vault copy (issue 16); null when no vault covers the instance. */
  readonly vault: { readonly newest: RecoveryPointView | null } | null;
  readonly rto: { readonly status: 'measured' | 'no-drill'; readonly seconds: number | null; readonly band: Band | null; readonly at: string | null };
  readonly openFindings: readonly { readonly id: string; readonly kind: string }[];
  /** First day of the trailing run of recorded days that were not compliant (null: compliant, or no history). */
  readonly notCompliantSince: string | null;
  /** Any band other than compliant (unknown included), a drill RTO band other than compliant, or an open finding. */
  readonly problem: boolean;
  readonly errors: readonly string[];
}

export interface HistorySeries {
  readonly tier: Tier;
  readonly scenario: Scenario;
  /** Share of the tier's instances compliant that day (0..1); null where the day has no record (a gap). */
  readonly points: readonly (number | null)[];
}

export interface FindingView {
  readonly id: string;
  readonly kind: string;
  readonly subject: string;
  readonly status: 'open' | 'resolved';
  readonly openedAt: string;
  readonly resolvedAt: string | null;
  readonly ageSeconds: number;
  /** When the alert went out (null: not delivered yet). */
  readonly notifiedAt: string | null;
  /** An operator's acknowledgement of the open finding (null: none). */
  readonly acknowledged: { readonly by: string; readonly reason: string; readonly until: string } | null;
}

/** One drill as the auditor export lists it. */
export interface DrillHistoryRow {
  readonly drillId: string;
  readonly instanceId: string;
  readonly tier: Tier;
  readonly trigger: string;
  readonly phase: string;
  readonly outcome: string | null;
  readonly sourceRegion: string;
  readonly snapshotId: string;
  readonly recoveryPointTime: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly rtoSeconds: number | null;
  readonly rtoTargetSeconds: number;
  readonly band: string | null;
  readonly recoveryPointAgeSeconds: number | null;
  readonly error: string | null;
}

function drillRow(d: DrillRecord): DrillHistoryRow {
  return {
    drillId: d.drillId,
    instanceId: d.instanceId,
    tier: d.tier,
    trigger: d.trigger,
    phase: d.phase,
    outcome: d.outcome,
    sourceRegion: d.source.region,
    snapshotId: d.source.snapshotId,
    recoveryPointTime: d.source.recoveryPointTime.toISOString(),
    startedAt: d.startedAt ? d.startedAt.toISOString() : null,
    finishedAt: d.finishedAt ? d.finishedAt.toISOString() : null,
    rtoSeconds: d.rtoSeconds,
    rtoTargetSeconds: d.rtoTargetSeconds,
    band: d.band,
    recoveryPointAgeSeconds: d.recoveryPointAgeSeconds,
    error: d.error ? `${d.error.code}: ${d.error.message}` : null,
  };
}

export interface ReportModel {
  readonly generatedAt: string;
  readonly source: string;
  readonly since: string;
  readonly tiers: readonly TierSummary[];
  readonly history: { readonly days: readonly string[]; readonly series: readonly HistorySeries[]; readonly recordedDays: number };
  readonly instances: readonly InstanceRow[];
  readonly findings: { readonly open: readonly FindingView[]; readonly period: readonly FindingView[] };
  readonly drills: {
    readonly available: boolean;
    readonly due: readonly { readonly instanceId: string; readonly dueAt: string; readonly overdue: boolean }[];
    /** Every drill started in the period, or still in flight, newest first (the auditor's drills.csv). */
    readonly history: readonly DrillHistoryRow[];
  };
  readonly replication: readonly {
    readonly name: string;
    readonly tier: Tier;
    readonly rpoTargetSeconds: number;
    readonly achievedSeconds: number | null;
    readonly compliant: boolean | null;
    readonly ok: boolean | null;
    readonly verifiedAt: string | null;
  }[];
  /** Copy capacity per DR region: null until the engine reports it. */
  readonly copyCapacity: null;
  readonly runs: readonly { readonly id: string; readonly kind: string; readonly trigger: string; readonly startedAt: string; readonly finishedAt: string | null; readonly outcome: string; readonly error: string | null }[];
  readonly unobserved: readonly string[];
  readonly problems: readonly string[];
  /** True only when every instance and every store read was seen (the CLI's exit code 0). */
  readonly observedFully: boolean;
  /** The vault account when one is configured (the account-loss column shows then); null otherwise. */
  readonly vault: { readonly account: string } | null;
}

const emptyCounts = (): BandCounts => ({ compliant: 0, exceeded: 0, severe: 0, critical: 0, unknown: 0 });
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const ageSeconds = (from: Date, to: Date): number => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));

/**
 * An instance's band in a scenario as the dashboard counts it: `unknown` when its data could
 * not be read (or when status itself says unknown), never compliant on a guess.
 */
export function reportBand(s: InstanceStatus, scenario: Scenario): HistoryBand {
  if (s.errors.length > 0 || !s.observed) return 'unknown';
  return s.band[scenario];
}

/**
 * An instance's account-loss band as the dashboard counts it: null when it is not judged on it (no
 * vault, or no target), `unknown` when it or its vault copies could not be read.
 */
export function accountLossBand(s: InstanceStatus): HistoryBand | null {
  const b = s.band.accountLoss;
  if (b === null) return null;
  return s.errors.length > 0 || !s.observed ? 'unknown' : b;
}

export function buildReportModel(input: ReportInput): ReportModel {
  const at = input.generatedAt;
  const own = input.status.ownAccount;
  const openByInstance = new Map<string, { id: string; kind: string }[]>();
  for (const f of input.findings) {
    if (f.status !== 'open') continue;
    // An instance finding names its account in its detail (none before accounts: the caller's own).
    const key = `${typeof f.detail.account === 'string' ? f.detail.account : own}/${f.subject}`;
    openByInstance.set(key, [...(openByInstance.get(key) ?? []), { id: f.id, kind: f.kind }]);
  }
  const since = notCompliantSince(input.history);
  const manyAccounts = spansAccounts(input.status.instances);
  const instances = input.status.instances.map((s) =>
    instanceRow(s, input, at, openByInstance.get(`${s.account}/${s.instanceId}`) ?? [], since.get(historySubject(s, own)) ?? null, manyAccounts),
  );
  const findingView = (f: Finding): FindingView => ({
    id: f.id,
    kind: f.kind,
    subject: f.subject,
    status: f.status,
    openedAt: f.openedAt.toISOString(),
    resolvedAt: iso(f.resolvedAt),
    ageSeconds: ageSeconds(f.openedAt, f.resolvedAt ?? at),
    notifiedAt: iso(f.notifiedAt),
    acknowledged: f.acknowledged ? { by: f.acknowledged.by, reason: f.acknowledged.reason, until: f.acknowledged.until.toISOString() } : null,
  });
  return {
    generatedAt: at.toISOString(),
    source: input.source,
    since: input.since.toISOString(),
    tiers: TIERS.map((tier) => tierSummary(tier, instances, input, tierNotCompliantSince(input.history, tier))),
    history: historySeries(input.history, dayOf(at)),
    instances,
    findings: {
      open: input.findings.filter((f) => f.status === 'open').map(findingView),
      period: input.findings.filter((f) => f.openedAt >= input.since).map(findingView),
    },
    drills: {
      available: input.drills.available,
      due: input.drills.due.map((d) => ({ instanceId: d.instanceId, dueAt: d.dueAt.toISOString(), overdue: d.overdue })),
      history: (input.drills.records ?? []).filter((d) => d.createdAt >= input.since || d.phase !== 'done').map(drillRow),
    },
    replication: input.status.attachments.map((a) => ({
      name: a.name,
      tier: a.tier,
      rpoTargetSeconds: a.rpoTargetSeconds,
      achievedSeconds: a.achievedSeconds,
      compliant: a.compliant,
      ok: a.ok,
      verifiedAt: iso(a.verifiedAt),
    })),
    copyCapacity: null,
    runs: input.runs.map((r) => ({ id: r.id, kind: r.kind, trigger: r.trigger, startedAt: r.startedAt.toISOString(), finishedAt: iso(r.finishedAt), outcome: r.outcome, error: r.error ? r.error.message : null })),
    unobserved: [
      ...input.status.unobserved.map((u) => `${u.region}${u.vaultAccount ? ` (vault account ${u.vaultAccount})` : ''}: ${u.cause}, ${u.instances.length} instance(s) unknown${u.vaultAccount ? ' for account loss' : ''} (${u.error.message})`),
      ...input.unobserved,
      ...(input.drills.available ? [] : ['restore drills: not available in this build, so RTO shows "no drill yet" and counts as unknown']),
      'copy capacity per DR region: not reported by the engine yet',
    ],
    vault: input.vault ?? null,
    observedFully: (input.readFailures ?? 0) === 0 && input.status.unobserved.length === 0 && input.status.problems.length === 0 && instances.every((i) => i.errors.length === 0),
    problems: [
      ...input.status.problems.map((p) => `fleet: ${p.code}: ${p.message}`),
      ...input.status.warnings.map((w) => `fleet: warning: ${w}`),
    ],
  };
}

function instanceRow(s: InstanceStatus, input: ReportInput, at: Date, open: { id: string; kind: string }[], since: string | null, manyAccounts: boolean): InstanceRow {
  const point = (p: InstanceStatus['primary']): RecoveryPointView | null => (p ? { snapshotId: p.snapshotId, time: p.time.toISOString(), ageSeconds: ageSeconds(p.time, at) } : null);
  const band = { instanceLoss: reportBand(s, 'instanceLoss'), regionLoss: reportBand(s, 'regionLoss') };
  const drill = input.drills.rto.get(memberDrillSubject({ account: s.account, id: s.instanceId })) ?? { status: 'no-drill' as const };
  const rto =
    drill.status === 'measured'
      ? { status: 'measured' as const, seconds: drill.seconds, band: bandOf(drill.seconds, input.tierTargets[s.tier].rtoSeconds), at: drill.at.toISOString() }
      : { status: 'no-drill' as const, seconds: null, band: null, at: null };
  const unread = s.errors.length > 0 || !s.observed || Boolean(s.vault?.error);
  const accountBand = accountLossBand(s);
  const accountOk = accountBand === null || accountBand === 'compliant';
  const problem = band.instanceLoss !== 'compliant' || band.regionLoss !== 'compliant' || !accountOk || (rto.band !== null && rto.band !== 'compliant') || open.length > 0;
  return {
    instanceId: s.instanceId,
    account: s.account,
    accountName: s.accountName,
    label: instanceLabel(s, manyAccounts),
    kind: s.kind,
    tier: s.tier,
    product: s.product,
    region: s.region,
    drRegion: s.drRegion,
    primary: point(s.primary),
    dr: point(s.dr),
    rpoTargetSeconds: s.rpoTargetSeconds,
    achieved: {
      instanceLoss: band.instanceLoss === 'unknown' ? null : s.achieved.instanceLoss,
      regionLoss: band.regionLoss === 'unknown' ? null : s.achieved.regionLoss,
      accountLoss: unread ? null : s.achieved.accountLoss,
    },
    band: { ...band, accountLoss: accountBand },
    vault: s.vault ? { newest: unread ? null : point(s.vault.newest) } : null,
    rto,
    openFindings: open,
    notCompliantSince: band.instanceLoss === 'compliant' && band.regionLoss === 'compliant' ? null : since,
    problem,
    errors: s.errors.map((e) => `${e.code}: ${e.message}`),
  };
}

function tierSummary(tier: Tier, all: readonly InstanceRow[], input: ReportInput, notCompliantSince: string | null): TierSummary {
  const rows = all.filter((r) => r.tier === tier);
  const counts = { instanceLoss: emptyCounts(), regionLoss: emptyCounts(), rto: emptyCounts() };
  const worst: Record<Scenario, number | null> = { instanceLoss: null, regionLoss: null };
  const without: Record<Scenario, number> = { instanceLoss: 0, regionLoss: 0 };
  for (const r of rows) {
    for (const s of SCENARIOS) {
      counts[s][r.band[s]] += 1;
      if (r.band[s] === 'unknown') continue;
      const a = r.achieved[s];
      if (a === null) without[s] += 1;
      else if (worst[s] === null || a > (worst[s] as number)) worst[s] = a;
    }
    counts.rto[r.rto.band ?? 'unknown'] += 1;
  }
  // Account loss: only instances judged on it (a vault covers them and the tier sets a target).
  const judged = rows.filter((r) => r.band.accountLoss !== null);
  const accountCounts = emptyCounts();
  for (const r of judged) accountCounts[r.band.accountLoss as HistoryBand] += 1;
  const accountFigures = judged.filter((r) => r.band.accountLoss !== 'unknown').map((r) => r.achieved.accountLoss).filter((a): a is number => a !== null);
  const accountTarget = input.tierTargets[tier].accountLossSeconds;
  const accountLoss = input.vault && accountTarget !== undefined ? { targetSeconds: accountTarget, counts: accountCounts, worstAchievedSeconds: accountFigures.length ? Math.max(...accountFigures) : null } : null;
  return {
    tier,
    accountLoss,
    rpoTargetSeconds: input.tierTargets[tier].rpoSeconds,
    rtoTargetSeconds: input.tierTargets[tier].rtoSeconds,
    instances: rows.length,
    ...counts,
    noDrill: rows.filter((r) => r.rto.status === 'no-drill').length,
    worstAchievedSeconds: worst,
    withoutRecoveryPoint: without,
    notCompliantSince,
    openFindings: rows.flatMap((r) => r.openFindings).reduce<Record<string, number>>((acc, f) => ({ ...acc, [f.kind]: (acc[f.kind] ?? 0) + 1 }), {}),
  };
}

/** A tier's trailing run of recorded days with any instance not compliant (in either scenario, unknown included). */
function tierNotCompliantSince(history: readonly ComplianceDay[], tier: Tier): string | null {
  const days = new Map<string, boolean>();
  for (const e of history) {
    if (e.tier !== tier) continue;
    const ok = e.band.instanceLoss === 'compliant' && e.band.regionLoss === 'compliant';
    days.set(e.day, (days.get(e.day) ?? true) && ok);
  }
  let since: string | null = null;
  for (const day of [...days.keys()].sort()) since = days.get(day) ? null : (since ?? day);
  return since;
}

/** One point per day and tier that has records; a day without a record is a gap (null), never 0. */
export function historySeries(history: readonly ComplianceDay[], today: string): ReportModel['history'] {
  const days = Array.from({ length: HISTORY_DAYS }, (_, i) => addDays(today, i - (HISTORY_DAYS - 1)));
  const index = new Map(days.map((d, i) => [d, i]));
  const tally = new Map<string, { compliant: number; total: number }>();
  const recorded = new Set<string>();
  for (const e of history) {
    if (!index.has(e.day)) continue;
    recorded.add(e.day);
    for (const s of SCENARIOS) {
      const key = `${e.tier}|${s}|${e.day}`;
      const t = tally.get(key) ?? { compliant: 0, total: 0 };
      t.total += 1;
      if (e.band[s] === 'compliant') t.compliant += 1;
      tally.set(key, t);
    }
  }
  const series: HistorySeries[] = [];
  for (const tier of TIERS) {
    for (const scenario of SCENARIOS) {
      const points = days.map((d) => {
        const t = tally.get(`${tier}|${scenario}|${d}`);
        return t ? t.compliant / t.total : null;
      });
      if (points.some((p) => p !== null)) series.push({ tier, scenario, points });
    }
  }
  return { days, series, recordedDays: recorded.size };
}

/** Per instance: the first day of its trailing run of recorded days that were not compliant. */
function notCompliantSince(history: readonly ComplianceDay[]): Map<string, string> {
  const byInstance = new Map<string, ComplianceDay[]>();
  for (const e of history) byInstance.set(e.instanceId, [...(byInstance.get(e.instanceId) ?? []), e]);
  const out = new Map<string, string>();
  for (const [id, entries] of byInstance) {
    entries.sort((a, b) => (a.day < b.day ? -1 : 1));
    let since: string | null = null;
    for (const e of entries) {
      const ok = e.band.instanceLoss === 'compliant' && e.band.regionLoss === 'compliant';
      since = ok ? null : (since ?? e.day);
    }
    if (since) out.set(id, since);
  }
  return out;
}

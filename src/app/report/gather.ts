import { toErrorInfo } from '../../domain/errors';
import { addDays, ComplianceDay, dayOf } from '../../domain/history';
import { TIERS, Tier } from '../../domain/types';
import { Finding, RunRecord } from '../../ports/state-store';
import { AppDeps } from '../deps';
import { fleetStatus } from '../status';
import { buildReportModel, HISTORY_DAYS, ReportModel } from './model';
import { lookupNewestDrillRto } from './rto';

export interface ReportOptions {
  /** Where the data comes from, shown on the page (e.g. `sqlite:./state.db`). */
  readonly source: string;
  /** Start of the export period (findings opened, runs started); default 30 days back. */
  readonly since?: Date;
}

const RUN_PAGE = 1000;

/**
 * Reads everything the dashboard shows (fleet status from the ledger, findings, runs, history,
 * drills) and builds the report model. Reads only. A store read that fails is carried into the
 * report as "could not be observed", never as an empty section that looks fine.
 */
export async function gatherReport(deps: AppDeps, options: ReportOptions): Promise<ReportModel> {
  const at = deps.clock.now();
  const since = options.since ?? new Date(at.getTime() - HISTORY_DAYS * 86_400_000);
  const unobserved: string[] = [];
  const attempt = async <T>(what: string, read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      unobserved.push(`${what}: could not be read (${toErrorInfo(err).message})`);
      return fallback;
    }
  };
  const status = await fleetStatus(deps);
  const today = dayOf(at);
  const sinceDay = dayOf(since);
  const historyFrom = [addDays(today, -(HISTORY_DAYS - 1)), sinceDay].sort()[0] as string;
  const [open, recent, runs, history, drills] = await Promise.all([
    attempt('open findings', () => deps.store.listFindings({ status: 'open' }), [] as Finding[]),
    attempt('findings of the period', () => findingsSince(deps, since), [] as Finding[]),
    attempt('runs of the period', () => runsSince(deps, since), [] as RunRecord[]),
    attempt('compliance history', () => deps.store.listCompliance({ from: historyFrom, to: today }), [] as ComplianceDay[]),
    lookupNewestDrillRto(deps, status.instances),
  ]);
  const readFailures = unobserved.length;
  const unreadable = status.instances.filter((i) => i.errors.length > 0).length;
  if (unreadable) unobserved.push(`${unreadable} instance(s) could not be read: counted as unknown`);
  const findings = [...new Map([...open, ...recent].map((f) => [f.id, f])).values()];
  const accountLoss = (t: Tier) => {
    const ms = deps.config.tiers[t].accountLossRpoMs;
    return ms === undefined ? {} : { accountLossSeconds: Math.round(ms / 1000) };
  };
  const tierTargets = Object.fromEntries(
    TIERS.map((t) => [t, { rpoSeconds: Math.round(deps.config.tiers[t].rpoMs / 1000), rtoSeconds: Math.round(deps.config.tiers[t].rtoMs / 1000), ...accountLoss(t) }]),
  ) as Record<Tier, { rpoSeconds: number; rtoSeconds: number; accountLossSeconds?: number }>;
  const vault = deps.config.vault ? { account: deps.config.vault.account.id } : null;
  return buildReportModel({ generatedAt: at, source: options.source, since, status, tierTargets, findings, runs, history, drills, unobserved, readFailures, vault });
}

/** Every finding, kept when opened since `since` (the port has no time filter; findings are few). */
async function findingsSince(deps: AppDeps, since: Date): Promise<Finding[]> {
  const all = await deps.store.listFindings();
  return all.filter((f) => f.openedAt >= since);
}

/** Runs newest first, in growing pages, until the page reaches past `since` (a year of runs is large). */
async function runsSince(deps: AppDeps, since: Date): Promise<RunRecord[]> {
  for (let limit = RUN_PAGE; ; limit *= 4) {
    const runs = await deps.store.listRuns({ limit });
    const oldest = runs[runs.length - 1];
    if (runs.length < limit || !oldest || oldest.startedAt < since) return runs.filter((r) => r.startedAt >= since);
  }
}

import { toErrorInfo } from '../domain/errors';
import { ComplianceDay, dayOf, HistoryBand, historySubject, mergeComplianceDay } from '../domain/history';
import { Scenario } from '../domain/rpo';
import { AppDeps } from './deps';
import { FleetStatus, InstanceStatus } from './status';

/**
 * What one check saw of an instance, as a history entry. An instance whose data could not be
 * read is `unknown` in both scenarios (never compliant), whatever figures status computed.
 */
export function observedDay(s: InstanceStatus, at: Date, ownAccount: string): ComplianceDay {
  const unreadable = s.errors.length > 0 || !s.observed;
  const band = (scenario: Scenario): HistoryBand => (unreadable ? 'unknown' : s.band[scenario]);
  const achieved = (scenario: Scenario): number | null => (band(scenario) === 'unknown' ? null : s.achieved[scenario]);
  return {
    day: dayOf(at),
    instanceId: historySubject(s, ownAccount),
    tier: s.tier,
    band: { instanceLoss: band('instanceLoss'), regionLoss: band('regionLoss') },
    achieved: { instanceLoss: achieved('instanceLoss'), regionLoss: achieved('regionLoss') },
    recordedAt: at,
  };
}

export interface HistoryRecorded {
  /** Entries written (first check of the day, or a band got worse). */
  readonly written: number;
  /** Why nothing was recorded, when the store failed. */
  readonly error: string | null;
}

/**
 * Records the day's compliance from a check's fleet status: one read of today's entries, and a
 * write only for instances that are new today or got worse, so a check every 5 minutes costs a
 * handful of writes per instance and day. Best effort: a store failure here is logged and
 * returned, never thrown, so the watchdog's alerts still go out. Two checks racing on the same
 * day can lose one's worse band (last write wins); the next check that sees it writes it again.
 */
export async function recordComplianceHistory(deps: Pick<AppDeps, 'store' | 'logger'>, status: FleetStatus): Promise<HistoryRecorded> {
  const day = dayOf(status.at);
  try {
    const stored = new Map((await deps.store.listCompliance({ from: day, to: day })).map((e) => [e.instanceId, e]));
    const changed: ComplianceDay[] = [];
    for (const s of status.instances) {
      const next = mergeComplianceDay(stored.get(historySubject(s, status.ownAccount)) ?? null, observedDay(s, status.at, status.ownAccount));
      if (next) changed.push(next);
    }
    if (changed.length) await deps.store.putCompliance(changed);
    return { written: changed.length, error: null };
  } catch (err) {
    const error = toErrorInfo(err).message;
    deps.logger.warn({ err: error, day }, 'compliance history not recorded');
    return { written: 0, error };
  }
}

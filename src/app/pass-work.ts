import { auditBudget, SnapwardConfig } from '../domain/config';
import { isCurrentFormat, memberKey, MemberStateSummary, policyOf } from '../domain/ledger';
import { FleetMember, SnapshotRef } from '../domain/types';

/** Who a pass works on, and what it must ask AWS first. */
export interface PassWork {
  /** Members the pass acts on, in fleet order. Everyone else is up to date and left alone. */
  readonly due: readonly FleetMember[];
  /** Members whose snapshots are re-listed from AWS in this pass (by member key). */
  readonly audit: ReadonlySet<string>;
  /** Snapshots still creating or copying, re-read by id (by member key; audited members excluded). */
  readonly refresh: ReadonlyMap<string, readonly SnapshotRef[]>;
  /** Members not due: nothing to do until their dueAt. */
  readonly upToDate: number;
}

export interface WorkOptions {
  readonly now: Date;
  /** Audit every member now (`run --audit`), not just the pass's slice. */
  readonly auditAll?: boolean;
  /**
   * A targeted pass (an RDS snapshot event): only members whose primary or DR region is one of
   * these are considered; the others are left for the scheduled pass. Absent: the whole fleet.
   */
  readonly regions?: ReadonlySet<string>;
}

/**
 * Picks the pass's work from the ledger summaries alone (no AWS call):
 * - a member never audited (seen for the first time, or its audit failed) is due and audited;
 * - a member whose dueAt has come, or whose policy changed (period, retention, DR region), is due;
 * - a member with snapshots in flight is due, and those are refreshed by id;
 * - the audit slice: the members listed longest ago, once that is `audit.every` ago, at most the
 *   audit budget per pass. An audit makes the member due too (it acts on what the audit shows).
 */
export function selectWork(config: SnapwardConfig, wholeFleet: readonly FleetMember[], summaries: ReadonlyMap<string, MemberStateSummary>, options: WorkOptions): PassWork {
  const { now, regions } = options;
  const fleet = regions ? wholeFleet.filter((m) => regions.has(m.region) || regions.has(m.drRegion)) : wholeFleet;
  const audit = new Set<string>();
  const staleAudits: { key: string; at: number }[] = [];
  for (const m of fleet) {
    const key = memberKey(m);
    const state = summaries.get(key);
    // Never listed (new, its last audit failed, or an entry of an older format): its history in
    // AWS is unknown, so list it now.
    if (!state?.auditedAt || options.auditAll || !isCurrentFormat(state)) audit.add(key);
    else if (now.getTime() - state.auditedAt.getTime() >= config.audit.everyMs) staleAudits.push({ key, at: state.auditedAt.getTime() });
  }
  staleAudits.sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : 1));
  for (const { key } of staleAudits.slice(0, auditBudget(config.audit, fleet.length))) audit.add(key);

  const due: FleetMember[] = [];
  const refresh = new Map<string, readonly SnapshotRef[]>();
  for (const m of fleet) {
    const key = memberKey(m);
    const state = summaries.get(key);
    const policy = policyOf(m, config);
    const isDue = !state || audit.has(key) || state.dueAt.getTime() <= now.getTime() || state.policy !== policy || state.pending.length > 0;
    if (!isDue) continue;
    due.push(m);
    if (state && state.pending.length > 0 && !audit.has(key)) refresh.set(key, state.pending);
  }
  return { due, audit, refresh, upToDate: wholeFleet.length - due.length };
}

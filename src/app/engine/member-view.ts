import { ErrorInfo } from '../../domain/errors';
import { applyAudit, applyRefresh, LostPoint, memberKey, MemberState, vanished } from '../../domain/ledger';
import { selectExpired } from '../../domain/retention';
import { FleetMember, IN_PROGRESS_STATUSES, refKey, Snapshot } from '../../domain/types';
import { MemberView } from '../../domain/work';
import { AppDeps } from '../deps';
import { listingKey } from '../inventory';
import { PassEvidence } from '../pass-evidence';
import { PassWork } from '../pass-work';
import { DeletionConfirmation } from '../retention-guard';
import { DEFAULT_TIMEOUTS, SnapwardConfig } from '../../domain/config';
import { VaultEvidence, vaultListOf, vaultViewOf } from './vault-evidence';

/** The settings a member's view depends on. */
export type ViewConfig = Pick<SnapwardConfig, 'retentionDays' | 'tiers' | 'timeouts' | 'vault'>;

/** What the pass knows of one member before planning it. */
export interface MemberEvidence {
  readonly view: MemberView;
  /** The member's snapshots as the ledger will hold them before this pass's own changes. */
  readonly snapshots: Snapshot[];
  /** Null when the ledger was found wrong: the member is audited again. */
  readonly auditedAt: Date | null;
  readonly warnings: string[];
  /** Recovery points AWS no longer has, though snapward did not delete them. */
  readonly lost: LostPoint[];
  /** Listings this member needed that failed (`region/kind` -> why). */
  readonly listingFailures: ReadonlyMap<string, ErrorInfo>;
  /** The member's copies in the vault account as the ledger will hold them (MemberState.vault). */
  readonly vault?: Snapshot[];
  /** Why the vault listing this member needed failed (its vault list is the ledger's meanwhile). */
  readonly vaultFailure?: ErrorInfo | null;
}

export interface PassFacts {
  readonly deps: AppDeps;
  readonly startedAt: Date;
  readonly evidence: PassEvidence;
  readonly work: PassWork;
  /** What the pass read from the vault account (app/engine/vault-evidence.ts); absent: nothing. */
  readonly vault?: VaultEvidence;
}

/** The member's ledger brought up to date with the pass's audits and refreshes. */
export function memberEvidence(pass: PassFacts, m: FleetMember, state: MemberState | null, now: Date = pass.startedAt): MemberEvidence {
  const key = memberKey(m);
  const stored = state?.snapshots ?? [];
  let snapshots = [...stored];
  let auditedAt = state?.auditedAt ?? null;
  const warnings: string[] = [];
  const audit = pass.evidence.audited.get(key);
  if (audit) {
    const applied = applyAudit(snapshots, m, audit.snapshots, audit.regions, audit.unfiltered);
    snapshots = applied.snapshots;
    warnings.push(...applied.warnings);
    if (audit.regions.size === 2) auditedAt = pass.startedAt;
  }
  const asked = pass.work.refresh.get(key);
  if (asked) snapshots = applyRefresh(snapshots, asked.filter((r) => !pass.evidence.failures.has(listingKey(r.region, r.kind))), pass.evidence.refreshed);
  const lost = vanished(stored, snapshots, [], pass.startedAt, state?.auditedAt ?? null);
  for (const s of snapshots) {
    if (s.status !== 'available' && !IN_PROGRESS_STATUSES.has(s.status)) warnings.push(`snapshot ${s.id} in ${s.region} is in state '${s.status}': it is not a recovery point`);
  }
  const { vault, failure } = vaultListOf(pass.vault, m, state?.vault ?? []);
  const view = viewOf(pass.deps.config, m, snapshots, { steps: state?.steps ?? [], vault }, now);
  return { view, snapshots, auditedAt, warnings, lost, listingFailures: failuresFor(pass, m), vault, vaultFailure: failure };
}

/** A planner's view of `snapshots` for `m` at `now`. */
export function viewOf(config: ViewConfig, m: FleetMember, snapshots: readonly Snapshot[], state: Pick<MemberState, 'steps' | 'vault'> | null, now: Date): MemberView {
  const mine = snapshots.filter((s) => s.kind === m.kind && (s.region === m.region || s.region === m.drRegion));
  const expired = new Set(selectExpired(mine, now, config.retentionDays, (id) => id === m.id).map((s) => `${s.region}/${s.id.toLowerCase()}`));
  return {
    member: m,
    snapshots: mine,
    steps: new Map((state?.steps ?? []).map((s) => [s.id, s])),
    now,
    retentionDays: config.retentionDays,
    periodMs: config.tiers[m.tier].snapshotEveryMs,
    timeouts: config.timeouts ?? DEFAULT_TIMEOUTS,
    expired,
    ...(config.vault ? { vault: vaultViewOf(config.vault, state?.vault ?? []) } : {}),
  };
}

/**
 * The evidence with retention cut back to what AWS confirmed. In a region where the confirmation
 * failed nothing is deleted; what AWS said corrects the ledger, and the member is re-listed
 * (audited) by the next pass.
 */
export function guarded(pass: PassFacts, guard: DeletionConfirmation | null, e: MemberEvidence): { evidence: MemberEvidence; deletable: (s: Snapshot) => boolean } {
  if (!guard) return { evidence: e, deletable: () => false };
  const m = e.view.member;
  const deletable = (s: Snapshot): boolean => guard.deletable.has(refKey(s));
  const refused = guard.verdicts(m).filter((v) => !v.confirmed);
  if (refused.length === 0) return { evidence: e, deletable };
  const asked = refused.flatMap((v) => v.asked);
  const corrected = applyRefresh(e.snapshots, asked, guard.found);
  const vault = e.vault ? applyRefresh(e.vault, asked, guard.found) : undefined;
  const warnings = refused.map((v) => `retention deleted nothing in ${v.region}: ${v.reason}; snapward's record was corrected from AWS and ${m.id} is re-listed by the next pass`);
  return {
    evidence: {
      ...e,
      snapshots: corrected,
      ...(vault ? { vault } : {}),
      auditedAt: null,
      warnings: [...e.warnings, ...warnings],
      lost: [...e.lost, ...vanished(e.snapshots, corrected, [], pass.startedAt, e.auditedAt)],
    },
    deletable,
  };
}

/** The listing failures that concern this member: only listings it needed this pass. */
function failuresFor(pass: PassFacts, m: FleetMember): Map<string, ErrorInfo> {
  const key = memberKey(m);
  const needed = pass.work.audit.has(key) ? [m.region, m.drRegion] : (pass.work.refresh.get(key) ?? []).map((r) => r.region);
  const out = new Map<string, ErrorInfo>();
  for (const region of needed) {
    const failure = pass.evidence.failures.get(listingKey(region, m.kind));
    if (failure) out.set(listingKey(region, m.kind), failure);
  }
  return out;
}

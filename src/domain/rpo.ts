import { TierPolicy } from './config';
import { formatDuration, HOUR } from './time';
import { DbKind } from './types';

/**
 * Achieved RPO: how much data a disaster would cost right now, per failure scenario, against
 * the tier's target. Pure: the caller gathers the recovery points and passes `now`.
 */
export type Scenario = 'instanceLoss' | 'regionLoss';
export const SCENARIOS: readonly Scenario[] = ['instanceLoss', 'regionLoss'];
/**
 * Every scenario status reports: the two every member is judged on, and `accountLoss` (issue 16:
 * the production account lost or compromised, only the vault's copies left), which has a figure
 * only where a vault covers the member and is judged only where its tier sets `accountLossRpo`.
 */
export type AnyScenario = Scenario | 'accountLoss';

/** achieved/target: <= 1 compliant, <= 2 exceeded, <= 4 severe, beyond (or no recovery point) critical. */
export type Band = 'compliant' | 'exceeded' | 'severe' | 'critical';

export type RecoveryPointSource =
  | 'managed-snapshot' // a snapward snapshot (daily or ad hoc) in the primary region
  | 'point-in-time' // automated backups' LatestRestorableTime
  | 'automated-snapshot'
  | 'dr-copy' // a snapward copy in the DR region (its original snapshot time)
  | 'replicated-backup' // automated backups replicated to the DR region
  | 'vault-copy'; // a snapward copy in the vault account (the recovery point of the DR copy it came from)

export interface RecoveryPointCandidate {
  readonly source: RecoveryPointSource;
  readonly time: Date;
  readonly snapshotId?: string;
}

export interface ScenarioRpo {
  readonly scenario: AnyScenario;
  readonly targetSeconds: number;
  /** Seconds of data a disaster now would lose; null when there is no recovery point at all. */
  readonly achievedSeconds: number | null;
  readonly band: Band;
  readonly compliant: boolean;
  /** The newest recovery point the figure comes from. */
  readonly recoveryPoint: RecoveryPointCandidate | null;
  /** Set when the configuration cannot meet the target however well every run goes. */
  readonly neverMeets: { readonly reason: string; readonly remedy: string } | null;
}

export interface RpoInputs {
  readonly now: Date;
  readonly kind: DbKind;
  readonly policy: TierPolicy;
  /** Candidates per scenario (any order; unavailable ones must not be passed). */
  readonly instanceLoss: readonly RecoveryPointCandidate[];
  readonly regionLoss: readonly RecoveryPointCandidate[];
  /** Point-in-time restore is on in the primary region (automated backups retained >= 1 day). */
  readonly pitrEnabled: boolean;
  /** Automated backups are replicated to the DR region (cross-region point-in-time restore). */
  readonly crossRegionPitr: boolean;
}

/**
 * A snapshot-based RPO oscillates between the snapshot/copy latency and one period plus that
 * latency; PITR keeps it near the log upload interval (5 minutes; replicated logs lag more).
 */
const PITR_FLOOR_MS = 5 * 60 * 1000;
const REPLICATED_PITR_FLOOR_MS = 15 * 60 * 1000;

export function bandOf(achievedSeconds: number | null, targetSeconds: number): Band {
  if (achievedSeconds === null) return 'critical';
  const ratio = achievedSeconds / targetSeconds;
  if (ratio <= 1) return 'compliant';
  if (ratio <= 2) return 'exceeded';
  if (ratio <= 4) return 'severe';
  return 'critical';
}

export function achievedRpo(inputs: RpoInputs): Record<Scenario, ScenarioRpo> {
  return {
    instanceLoss: scenarioRpo('instanceLoss', inputs.instanceLoss, inputs),
    regionLoss: scenarioRpo('regionLoss', inputs.regionLoss, inputs),
  };
}

/** Seconds of data lost if disaster struck at `now`; a point "from the future" (clock skew) counts as now, never as negative loss. */
export const lossSeconds = (now: Date, time: Date | null): number | null => (time ? Math.max(0, Math.round((now.getTime() - time.getTime()) / 1000)) : null);

/**
 * The accountLoss figure against the tier's `accountLossRpoMs`; null when the tier sets no such
 * target (the scenario is then reported as a figure only, never judged). `candidates` are the
 * member's available vault copies; pass none for a member the vault does not cover.
 */
export function accountLossRpo(inputs: Pick<RpoInputs, 'now' | 'kind' | 'policy'> & { readonly candidates: readonly RecoveryPointCandidate[] }): ScenarioRpo | null {
  const target = inputs.policy.accountLossRpoMs;
  if (target === undefined) return null;
  return scenarioRpo('accountLoss', inputs.candidates, { ...inputs, pitrEnabled: false, crossRegionPitr: false }, target);
}

function scenarioRpo(
  scenario: AnyScenario,
  candidates: readonly RecoveryPointCandidate[],
  inputs: Pick<RpoInputs, 'now' | 'kind' | 'policy' | 'pitrEnabled' | 'crossRegionPitr'>,
  targetMs = inputs.policy.rpoMs,
): ScenarioRpo {
  const targetSeconds = Math.round(targetMs / 1000);
  let newest: RecoveryPointCandidate | null = null;
  for (const c of candidates) if (!newest || c.time > newest.time) newest = c;
  const achievedSeconds = lossSeconds(inputs.now, newest?.time ?? null);
  const band = bandOf(achievedSeconds, targetSeconds);
  return {
    scenario,
    targetSeconds,
    achievedSeconds,
    band,
    compliant: band === 'compliant',
    recoveryPoint: newest,
    neverMeets: neverMeets(scenario, inputs),
  };
}

/** The best RPO the configuration can reach in a scenario, and what to change when it is not enough. */
export function neverMeets(scenario: AnyScenario, inputs: Pick<RpoInputs, 'kind' | 'policy' | 'pitrEnabled' | 'crossRegionPitr'>): ScenarioRpo['neverMeets'] {
  const { policy, kind } = inputs;
  const target = formatDuration(policy.rpoMs);
  const every = formatDuration(policy.snapshotEveryMs);
  if (scenario === 'accountLoss') {
    // A vault copy is made from each DR copy, so it can be no newer than one period plus two copies.
    const accountTarget = policy.accountLossRpoMs;
    if (accountTarget === undefined || policy.snapshotEveryMs <= accountTarget) return null;
    return {
      reason: `account loss target ${formatDuration(accountTarget)}, but vault copies are made from the DR copies, once every ${every}: after an account loss up to ${every} plus copy time is lost`,
      remedy: `set tiers snapshotEvery <= ${formatDuration(accountTarget)} (copies into the vault take time, so leave room), or raise the tier's accountLossRpo`,
    };
  }
  if (scenario === 'instanceLoss') {
    const floor = inputs.pitrEnabled ? PITR_FLOOR_MS : policy.snapshotEveryMs;
    if (floor <= policy.rpoMs) return null;
    if (inputs.pitrEnabled) {
      return { reason: `RPO target ${target} is below the 5-minute transaction log upload interval of point-in-time restore`, remedy: 'use a Multi-AZ deployment for instance loss, or raise the target' };
    }
    return {
      reason: `RPO target ${target}, but without point-in-time restore the newest recovery point can be up to ${every} old (one snapshot every ${every})`,
      remedy:
        kind === 'cluster'
          ? `check the cluster's backup retention (Aurora always keeps point-in-time restore)`
          : `enable automated backups (BackupRetentionPeriod >= 1) for point-in-time restore, or set tiers snapshotEvery <= ${target}`,
    };
  }
  const floor = inputs.crossRegionPitr ? REPLICATED_PITR_FLOOR_MS : policy.snapshotEveryMs;
  if (floor <= policy.rpoMs) return null;
  const remedy =
    kind === 'cluster'
      ? `cluster snapshot copies cannot get below ${every} here: use an Aurora Global Database for the DR region, or raise the tier's RPO target`
      : policy.rpoMs < HOUR
        ? `replicate automated backups to the DR region (StartDBInstanceAutomatedBackupsReplication) for cross-region point-in-time restore`
        : `replicate automated backups to the DR region (StartDBInstanceAutomatedBackupsReplication), or set tiers snapshotEvery <= ${target} (copies can take hours, so leave room)`;
  return {
    reason: `RPO target ${target}, but DR copies are made once every ${every} and there is no cross-region point-in-time restore: after a region loss up to ${every} plus copy time is lost`,
    remedy,
  };
}

export const worstBand = (bands: readonly Band[]): Band =>
  (['critical', 'severe', 'exceeded', 'compliant'] as const).find((b) => bands.includes(b)) ?? 'compliant';

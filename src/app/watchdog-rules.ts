import { AlertsConfig } from '../domain/alerts';
import { PairResult } from '../domain/replication/result';
import { periodOf } from '../domain/period';
import { SCENARIOS } from '../domain/rpo';
import { AccountQuota } from '../domain/types';
import { FindingKind, InstanceResult } from '../ports/state-store';
import { InstanceStatus } from './status';

/**
 * What the watchdog sees, as observations (conditions that hold now). Pure functions over the
 * fleet status, the last pass's results and the account quotas; the lifecycle (open, re-notify,
 * resolve) lives in check.ts.
 */
export interface Observation {
  readonly key: string;
  readonly kind: FindingKind;
  readonly subject: string;
  readonly detail: Record<string, unknown>;
}

export const findingKey = (kind: FindingKind, ...parts: string[]): string => [kind, ...parts].join('|');

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Snapshot Missed, Copy Missed and RPO Breached for one instance. */
export function instanceObservations(s: InstanceStatus, now: Date, alerts: AlertsConfig, periodMs: number): Observation[] {
  const out: Observation[] = [];
  const base = {
    instanceId: s.instanceId,
    region: s.region,
    tier: s.tier,
    targetSeconds: s.rpoTargetSeconds,
  };
  // The newest period whose grace time has passed must have an available snapshot.
  const due = periodOf(new Date(now.getTime() - alerts.graceMs), periodMs);
  const primaryTime = s.primary?.time ?? null;
  if (!primaryTime || primaryTime < due.start) {
    out.push({
      key: findingKey('Snapshot Missed', s.instanceId),
      kind: 'Snapshot Missed',
      subject: s.instanceId,
      detail: {
        ...base,
        achievedSeconds: s.achieved.instanceLoss,
        recoveryPointTime: iso(primaryTime),
        period: due.key,
        message: `no available snapshot of ${s.instanceId} for period ${due.key} (due by ${iso(new Date(due.start.getTime() + alerts.graceMs))})`,
      },
    });
  }
  const copyDue = periodOf(new Date(now.getTime() - alerts.copyGraceMs), periodMs);
  const drTime = s.dr?.time ?? null;
  const primaryMadeIt = primaryTime !== null && primaryTime >= copyDue.start;
  if (primaryMadeIt && (!drTime || drTime < copyDue.start)) {
    out.push({
      key: findingKey('Copy Missed', s.instanceId),
      kind: 'Copy Missed',
      subject: s.instanceId,
      detail: {
        ...base,
        region: s.drRegion,
        sourceRegion: s.region,
        achievedSeconds: s.achieved.regionLoss,
        recoveryPointTime: iso(drTime),
        period: copyDue.key,
        message: `no available copy of ${s.instanceId} in ${s.drRegion} for period ${copyDue.key}`,
      },
    });
  }
  for (const scenario of SCENARIOS) {
    const r = s.rpo[scenario];
    if (r.compliant) continue;
    out.push({
      key: findingKey('RPO Breached', s.instanceId, scenario),
      kind: 'RPO Breached',
      subject: s.instanceId,
      detail: {
        ...base,
        ...(scenario === 'regionLoss' ? { region: s.drRegion } : {}),
        scenario,
        band: r.band,
        achievedSeconds: r.achievedSeconds,
        recoveryPointTime: iso(r.recoveryPoint?.time),
        neverMeets: r.neverMeets,
        message: `${scenario === 'instanceLoss' ? 'instance loss' : 'region loss'} would lose ${r.achievedSeconds === null ? 'everything (no recovery point)' : `${r.achievedSeconds}s`} of ${s.instanceId}, target ${r.targetSeconds}s`,
      },
    });
  }
  return out;
}

/** Backup Failed: the instance failed in the newest finished pass that reached it. */
export function backupFailedObservation(s: InstanceStatus, result: InstanceResult, runId: string): Observation | null {
  if (result.status !== 'failed') return null;
  return {
    key: findingKey('Backup Failed', s.instanceId),
    kind: 'Backup Failed',
    subject: s.instanceId,
    detail: {
      instanceId: s.instanceId,
      region: s.region,
      tier: s.tier,
      targetSeconds: s.rpoTargetSeconds,
      achievedSeconds: s.achieved.instanceLoss,
      recoveryPointTime: iso(s.primary?.time),
      runId,
      errors: result.errors,
      message: `backup of ${s.instanceId} failed in run ${runId}: ${result.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`,
    },
  };
}

/** Quota names DescribeAccountAttributes uses for the manual snapshot quotas. */
const SNAPSHOT_QUOTAS = ['ManualSnapshots', 'ManualClusterSnapshots'];

export function quotaObservations(region: string, quotas: readonly AccountQuota[], warnPercent: number): Observation[] {
  return quotas
    .filter((q) => SNAPSHOT_QUOTAS.includes(q.name) && q.max > 0 && (q.used / q.max) * 100 > warnPercent)
    .map((q) => ({
      key: findingKey('Quota Warning', region, q.name),
      kind: 'Quota Warning' as const,
      subject: region,
      detail: {
        instanceId: null,
        region,
        quota: q.name,
        used: q.used,
        max: q.max,
        percent: Math.round((q.used / q.max) * 1000) / 10,
        message: `${q.name} in ${region}: ${q.used} of ${q.max} used (over ${warnPercent}%); request a quota increase before snapshots start failing`,
      },
    }));
}

/**
 * Replication Broken (the setup is wrong, or objects failed or differ) and Replication Lagging
 * (objects missing for longer than the tier's RPO, or overdue) from a verification's pair result.
 * Null when the pair could not be checked: nothing is judged then.
 */
export function replicationObservations(pair: PairResult, tier: number, runId: string): Observation[] | null {
  if (pair.error) return null;
  const base = {
    instanceId: null,
    pair: pair.name,
    region: pair.replica.region,
    sourceRegion: pair.source.region,
    tier,
    targetSeconds: pair.rpo.targetSeconds,
    achievedSeconds: pair.rpo.achievedSeconds,
    recoveryPointTime: null,
    verificationRunId: runId,
  };
  const out: Observation[] = [];
  const o = pair.objects;
  if (pair.config.problems.length > 0 || o.failed > 0 || o.mismatched > 0) {
    const why = [
      ...pair.config.problems.map((p) => p.message),
      ...(o.failed ? [`${o.failed} objects FAILED to replicate`] : []),
      ...(o.mismatched ? [`${o.mismatched} objects differ in size`] : []),
    ];
    out.push({ key: findingKey('Replication Broken', pair.name), kind: 'Replication Broken', subject: pair.name, detail: { ...base, message: `replication of ${pair.name} is broken: ${why.join('; ')}` } });
  }
  if (pair.rpo.compliant === false || o.pending > 0) {
    out.push({
      key: findingKey('Replication Lagging', pair.name),
      kind: 'Replication Lagging',
      subject: pair.name,
      detail: { ...base, message: `replication of ${pair.name} lags: oldest missing object ${pair.oldestMissingSeconds ?? 0}s old (target ${pair.rpo.targetSeconds}s), ${o.pending} overdue PENDING` },
    });
  }
  return out;
}

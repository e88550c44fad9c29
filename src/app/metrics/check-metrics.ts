import { memberDrillSubject } from '../../domain/drill';
import { HISTORY_BANDS } from '../../domain/history';
import { SCENARIOS } from '../../domain/rpo';
import { TIERS } from '../../domain/types';
import { Finding, FINDING_KINDS } from '../../ports/state-store';
import { accountLossBand, reportBand } from '../report/model';
import { DrillEvidence } from '../report/rto';
import { FleetStatus } from '../status';

/**
 * What `check` tells CloudWatch, as Embedded Metric Format documents (one JSON object per log
 * line; CloudWatch Logs turns them into metrics, so no PutMetricData call and no extra IAM).
 * Every tier/scenario/band combination is emitted, zeros included, so an alarm sees 0 rather
 * than missing data. Pure: the handler writes the lines.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export const METRIC_NAMESPACE = 'Snapward';
export const METRICS = {
  /** Instances per Tier, Scenario and Band (unknown: could not be read). */
  instances: 'Instances',
  /** Instances of a Tier with any band other than compliant, unknown included: what the breach alarms watch. */
  notCompliant: 'NotCompliantInstances',
  /** Worst achieved RPO per Tier and Scenario, in seconds, among instances that could be read and have a recovery point. */
  worstRpo: 'WorstAchievedRpoSeconds',
  /** Open findings per Kind. */
  openFindings: 'OpenFindings',
  /** Newest restore drill RTO per Tier, in seconds (only once drills exist). */
  drillRto: 'NewestDrillRtoSeconds',
  /** Per destination Region and Kind: copies due and not started (status's capacity[].backlog). */
  copyBacklog: 'CopyBacklog',
  /** Per destination Region and Kind: copies in flight. */
  copiesInFlight: 'CopiesInFlight',
  /** Per destination Region and Kind: demand minus capacity, copies a day (only while the capacity is known). */
  copyShortfall: 'CopyShortfallPerDay',
} as const;

export type EmfDocument = Record<string, unknown>;

function emf(at: Date, dimensions: Record<string, string>, metrics: Record<string, { value: number; unit: 'Count' | 'Seconds' }>): EmfDocument {
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.entries(metrics).map(([Name, m]) => ({ Name, Unit: m.unit })),
        },
      ],
    },
    ...dimensions,
    ...Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.value])),
  };
}

export function checkMetrics(at: Date, status: FleetStatus, open: readonly Finding[], drills?: DrillEvidence): EmfDocument[] {
  const docs: EmfDocument[] = [];
  // accountLoss (issue 16) is emitted once any instance is judged on it (a vault and a tier target),
  // for every tier then, zeros included; instances not judged on it are not counted in it.
  const accountLossJudged = status.instances.some((i) => accountLossBand(i) !== null);
  for (const tier of TIERS) {
    const rows = status.instances.filter((i) => i.tier === tier);
    for (const scenario of SCENARIOS) {
      for (const band of HISTORY_BANDS) {
        const n = rows.filter((i) => reportBand(i, scenario) === band).length;
        docs.push(emf(at, { Tier: String(tier), Scenario: scenario, Band: band }, { [METRICS.instances]: { value: n, unit: 'Count' } }));
      }
      const figures = rows.filter((i) => reportBand(i, scenario) !== 'unknown').map((i) => i.achieved[scenario]).filter((a): a is number => a !== null);
      if (figures.length) docs.push(emf(at, { Tier: String(tier), Scenario: scenario }, { [METRICS.worstRpo]: { value: Math.max(...figures), unit: 'Seconds' } }));
    }
    if (accountLossJudged) {
      const judged = rows.filter((i) => accountLossBand(i) !== null);
      for (const band of HISTORY_BANDS) {
        const n = judged.filter((i) => accountLossBand(i) === band).length;
        docs.push(emf(at, { Tier: String(tier), Scenario: 'accountLoss', Band: band }, { [METRICS.instances]: { value: n, unit: 'Count' } }));
      }
      const figures = judged.filter((i) => accountLossBand(i) !== 'unknown').map((i) => i.achieved.accountLoss).filter((a): a is number => a !== null);
      if (figures.length) docs.push(emf(at, { Tier: String(tier), Scenario: 'accountLoss' }, { [METRICS.worstRpo]: { value: Math.max(...figures), unit: 'Seconds' } }));
    }
    const accountBad = (i: FleetStatus['instances'][number]): boolean => {
      const b = accountLossBand(i);
      return b !== null && b !== 'compliant';
    };
    const bad = rows.filter((i) => SCENARIOS.some((s) => reportBand(i, s) !== 'compliant') || accountBad(i)).length;
    docs.push(emf(at, { Tier: String(tier) }, { [METRICS.notCompliant]: { value: bad, unit: 'Count' } }));
    const rtos = rows.map((i) => drills?.rto.get(memberDrillSubject({ account: i.account, id: i.instanceId }))).flatMap((d) => (d?.status === 'measured' ? [d.seconds] : []));
    if (rtos.length) docs.push(emf(at, { Tier: String(tier) }, { [METRICS.drillRto]: { value: Math.max(...rtos), unit: 'Seconds' } }));
  }
  for (const kind of FINDING_KINDS) {
    docs.push(emf(at, { Kind: kind }, { [METRICS.openFindings]: { value: open.filter((f) => f.kind === kind).length, unit: 'Count' } }));
  }
  // Copy capacity per DR region (domain/capacity.ts). The shortfall is left out while the capacity
  // is unknown (no copy finished yet): a missing point, not a reassuring 0.
  for (const c of status.capacity ?? []) {
    const dims = { Region: c.region, DbKind: c.kind };
    docs.push(emf(at, dims, { [METRICS.copyBacklog]: { value: c.backlog, unit: 'Count' }, [METRICS.copiesInFlight]: { value: c.inFlight, unit: 'Count' } }));
    if (c.capacityPerDay !== null) docs.push(emf(at, dims, { [METRICS.copyShortfall]: { value: Math.max(0, c.demandPerDay - c.capacityPerDay), unit: 'Count' } }));
  }
  return docs;
}

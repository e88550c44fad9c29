import { ReportInput } from '../../src/app/report/model';
import { InstanceStatus } from '../../src/app/status';
import { ComplianceDay, addDays, dayOf } from '../../src/domain/history';
import { Band, bandOf, ScenarioRpo } from '../../src/domain/rpo';
import { Tier } from '../../src/domain/types';
import { Finding } from '../../src/ports/state-store';

const TARGETS: ReportInput['tierTargets'] = {
  0: { rpoSeconds: 3600, rtoSeconds: 4 * 3600 },
  1: { rpoSeconds: 3600, rtoSeconds: 6 * 3600 },
  2: { rpoSeconds: 8 * 3600, rtoSeconds: 24 * 3600 },
  3: { rpoSeconds: 24 * 3600, rtoSeconds: 72 * 3600 },
};
const REGIONS = [['us-east-1', 'us-west-2'], ['eu-west-1', 'eu-central-1'], ['ap-southeast-2', 'ap-southeast-1']] as const;

/** An InstanceStatus as status computes it, with the figures given (null achieved: no recovery point). */
export function instanceStatus(
  id: string,
  tier: Tier,
  at: Date,
  achieved: { instanceLoss: number | null; regionLoss: number | null },
  over: Partial<InstanceStatus> = {},
): InstanceStatus {
  const target = TARGETS[tier].rpoSeconds;
  const rpo = (scenario: 'instanceLoss' | 'regionLoss'): ScenarioRpo => {
    const a = achieved[scenario];
    const band = bandOf(a, target);
    return { scenario, targetSeconds: target, achievedSeconds: a, band, compliant: band === 'compliant', recoveryPoint: a === null ? null : { source: 'managed-snapshot', time: new Date(at.getTime() - a * 1000) }, neverMeets: null };
  };
  const [region, drRegion] = REGIONS[Number(id.replace(/\D/g, '') || 0) % REGIONS.length]!;
  const point = (a: number | null) => (a === null ? null : { snapshotId: `snapward-${id}-x`, time: new Date(at.getTime() - a * 1000) });
  const r = { instanceLoss: rpo('instanceLoss'), regionLoss: rpo('regionLoss') };
  return {
    instanceId: id,
    account: '123456789012',
    accountName: null,
    kind: 'instance',
    tier,
    product: `product-${tier}`,
    region,
    drRegion,
    origin: 'config',
    primary: point(achieved.instanceLoss),
    dr: point(achieved.regionLoss),
    vault: null,
    period: { key: dayOf(at), snapshotId: `snapward-${id}-x`, covered: 'yes' },
    rpoTargetSeconds: target,
    observed: true,
    firstSeenAt: null,
    lost: [],
    sourceKey: null,
    achieved: { ...achieved, accountLoss: null },
    band: { instanceLoss: r.instanceLoss.band, regionLoss: r.regionLoss.band, accountLoss: null },
    compliant: r.instanceLoss.compliant && r.regionLoss.compliant,
    rpo: { ...r, accountLoss: null },
    errors: [],
    drill: null,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    ...over,
  };
}

export function reportInput(at: Date, instances: InstanceStatus[], over: Partial<ReportInput> = {}): ReportInput {
  return {
    generatedAt: at,
    source: 'memory:test',
    since: new Date(at.getTime() - 30 * 86_400_000),
    status: { at, ownAccount: '123456789012', instances, attachments: [], unobserved: [], problems: [], warnings: [] },
    tierTargets: TARGETS,
    findings: [],
    runs: [],
    history: [],
    drills: { rto: new Map(), due: [], available: false },
    unobserved: [],
    ...over,
  };
}

export function finding(id: string, subject: string, openedAt: Date, over: Partial<Finding> = {}): Finding {
  return { id, key: `RPO Breached|${subject}`, kind: 'RPO Breached', subject, status: 'open', openedAt, lastSeenAt: openedAt, resolvedAt: null, detail: {}, notifiedAt: null, resolvedNotifiedAt: null, acknowledged: null, ...over };
}

/**
 * A large fleet for the responsiveness check: n instances over three region pairs, a spread of
 * bands (deterministic), a few unreadable, 30 days of history and some open findings.
 */
export function syntheticFleetInput(n: number, at: Date): ReportInput {
  const instances: InstanceStatus[] = [];
  const history: ComplianceDay[] = [];
  const findings: Finding[] = [];
  const today = dayOf(at);
  for (let i = 0; i < n; i++) {
    const tier = (i % 4) as Tier;
    const target = TARGETS[tier].rpoSeconds;
    const factor = [0.2, 0.9, 1.5, 3, 6, 0.5, 0.1][i % 7] as number;
    const id = `db-${String(i).padStart(5, '0')}`;
    const unreadable = i % 97 === 0;
    const s = instanceStatus(id, tier, at, { instanceLoss: Math.round(target * factor), regionLoss: i % 50 === 0 ? null : Math.round(target * factor * 1.3) }, unreadable ? { errors: [{ code: 'AWS_ERROR', message: 'Throttling', retryable: true }] } : {});
    instances.push(s);
    if (i % 13 === 0) findings.push(finding(`f-${i}`, id, new Date(at.getTime() - (i % 9) * 86_400_000)));
    for (let d = 0; d < 30; d++) {
      if (d === 10) continue;
      const band = (i + d) % 11 === 0 ? 'exceeded' : s.band.instanceLoss;
      history.push({ day: addDays(today, -d), instanceId: id, tier, band: { instanceLoss: band as Band, regionLoss: s.band.regionLoss }, achieved: s.achieved, recordedAt: at });
    }
  }
  return reportInput(at, instances, { findings, history });
}

import { checkMetrics, METRIC_NAMESPACE } from '../../src/app/metrics/check-metrics';
import { writeEmf } from '../../handlers/lib/emf';
import { finding, instanceStatus } from '../support/report-fixtures';

const at = new Date('2026-11-24T10:00:00Z');
const H = 3600;
const status = {
  at,
  ownAccount: '123456789012',
  attachments: [],
  unobserved: [],
  problems: [],
  warnings: [],
  instances: [
    instanceStatus('a', 0, at, { instanceLoss: 600, regionLoss: 3 * H }),
    instanceStatus('b', 0, at, { instanceLoss: 30 * H, regionLoss: null }, { errors: [{ code: 'AWS_ERROR', message: 'x', retryable: true }] }),
    instanceStatus('c', 1, at, { instanceLoss: 60, regionLoss: 60 }),
  ],
};
type Doc = Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } };
const find = (docs: Doc[], dims: Record<string, string>, metric: string) =>
  docs.filter((d) => Object.entries(dims).every(([k, v]) => d[k] === v) && metric in d && d._aws.CloudWatchMetrics[0]!.Dimensions[0]!.length === Object.keys(dims).length).map((d) => d[metric]);

describe('check metrics (Embedded Metric Format)', () => {
  const docs = checkMetrics(at, status, [finding('f-1', 'a', at), finding('f-2', 'b', at, { kind: 'Snapshot Missed' })]) as Doc[];

  it('is valid EMF: namespace, timestamp, dimension sets naming properties present on the document', () => {
    for (const d of docs) {
      const directive = d._aws.CloudWatchMetrics[0]!;
      expect(d._aws.Timestamp).toBe(at.getTime());
      expect(directive.Namespace).toBe(METRIC_NAMESPACE);
      for (const dim of directive.Dimensions[0]!) expect(typeof d[dim]).toBe('string');
      for (const m of directive.Metrics) expect(typeof d[m.Name]).toBe('number');
    }
  });

  it('counts instances per tier, scenario and band, zeros included; unreadable is unknown', () => {
    expect(find(docs, { Tier: '0', Scenario: 'instanceLoss', Band: 'compliant' }, 'Instances')).toEqual([1]);
    expect(find(docs, { Tier: '0', Scenario: 'instanceLoss', Band: 'unknown' }, 'Instances')).toEqual([1]);
    expect(find(docs, { Tier: '0', Scenario: 'instanceLoss', Band: 'critical' }, 'Instances')).toEqual([0]);
    expect(find(docs, { Tier: '0', Scenario: 'regionLoss', Band: 'severe' }, 'Instances')).toEqual([1]);
    expect(find(docs, { Tier: '3', Scenario: 'regionLoss', Band: 'compliant' }, 'Instances')).toEqual([0]);
    expect(docs.filter((d) => 'Instances' in d)).toHaveLength(4 * 2 * 5);
    expect(find(docs, { Tier: '0' }, 'NotCompliantInstances')).toEqual([2]);
    expect(find(docs, { Tier: '1' }, 'NotCompliantInstances')).toEqual([0]);
  });

  it('worst achieved RPO per tier and scenario leaves out what could not be read', () => {
    expect(find(docs, { Tier: '0', Scenario: 'instanceLoss' }, 'WorstAchievedRpoSeconds')).toEqual([600]);
    expect(find(docs, { Tier: '0', Scenario: 'regionLoss' }, 'WorstAchievedRpoSeconds')).toEqual([3 * H]);
    expect(find(docs, { Tier: '2', Scenario: 'regionLoss' }, 'WorstAchievedRpoSeconds')).toEqual([]);
  });

  it('open findings per kind (every kind, zeros included); no drill metric before drills exist', () => {
    expect(find(docs, { Kind: 'RPO Breached' }, 'OpenFindings')).toEqual([1]);
    expect(find(docs, { Kind: 'Snapshot Missed' }, 'OpenFindings')).toEqual([1]);
    expect(find(docs, { Kind: 'Quota Warning' }, 'OpenFindings')).toEqual([0]);
    expect(docs.some((d) => 'NewestDrillRtoSeconds' in d)).toBe(false);
    const withDrill = checkMetrics(at, status, [], { available: true, due: [], rto: new Map([['123456789012/c', { status: 'measured', seconds: 7200, at, drillId: 'd' }]]) }) as Doc[];
    expect(find(withDrill, { Tier: '1' }, 'NewestDrillRtoSeconds')).toEqual([7200]);
  });

  it('copy capacity per DR region and kind: backlog and copies in flight always, the shortfall only while the capacity is known', () => {
    const capacity = [
      { region: 'us-west-2', kind: 'instance' as const, inFlight: 20, limit: 20, medianCopyMinutes: 30, samples: 50, capacityPerDay: 960, demandPerDay: 2000, backlog: 163, demandByTier: { 0: 0, 1: 0, 2: 0, 3: 2000 } },
      { region: 'eu-central-1', kind: 'cluster' as const, inFlight: 0, limit: 5, medianCopyMinutes: null, samples: 0, capacityPerDay: null, demandPerDay: 4, backlog: 0, demandByTier: { 0: 4, 1: 0, 2: 0, 3: 0 } },
    ];
    const withCapacity = checkMetrics(at, { ...status, capacity }, []) as Doc[];
    expect(find(withCapacity, { Region: 'us-west-2', DbKind: 'instance' }, 'CopyBacklog')).toEqual([163]);
    expect(find(withCapacity, { Region: 'us-west-2', DbKind: 'instance' }, 'CopiesInFlight')).toEqual([20]);
    expect(find(withCapacity, { Region: 'us-west-2', DbKind: 'instance' }, 'CopyShortfallPerDay')).toEqual([1040]);
    expect(find(withCapacity, { Region: 'eu-central-1', DbKind: 'cluster' }, 'CopyBacklog')).toEqual([0]);
    expect(find(withCapacity, { Region: 'eu-central-1', DbKind: 'cluster' }, 'CopyShortfallPerDay')).toEqual([]);
  });

  it('writeEmf writes one JSON document per line', () => {
    let text = '';
    writeEmf(docs, (t) => (text += t));
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(docs.length);
    expect(JSON.parse(lines[0]!)).toEqual(docs[0]);
  });
});

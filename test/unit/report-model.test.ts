import { renderReportCsv } from '../../src/app/report/csv';
import { buildReportModel, historySeries } from '../../src/app/report/model';
import { parseSince } from '../../src/cli/commands/report';
import { ComplianceDay } from '../../src/domain/history';
import { finding, instanceStatus, reportInput } from '../support/report-fixtures';
import { drill } from '../support/drill-builders';

const at = new Date('2026-11-24T10:00:00Z');
const H = 3600;

describe('report model: tier counts', () => {
  const instances = [
    instanceStatus('a', 0, at, { instanceLoss: 600, regionLoss: 1.5 * H }), // compliant / exceeded
    instanceStatus('b', 0, at, { instanceLoss: 3 * H, regionLoss: null }), // severe / critical (no recovery point)
    instanceStatus('c', 0, at, { instanceLoss: 600, regionLoss: 600 }, { errors: [{ code: 'AWS_ERROR', message: 'Throttling', retryable: true }] }),
    instanceStatus('d', 2, at, { instanceLoss: 9 * H, regionLoss: 30 * H }), // exceeded / severe (target 8 h: 30 h is 3.75 times)
  ];

  it('counts bands per tier and scenario; an unreadable instance is unknown, never compliant', () => {
    const m = buildReportModel(reportInput(at, instances));
    const t0 = m.tiers.find((t) => t.tier === 0)!;
    expect(t0.instances).toBe(3);
    expect(t0.instanceLoss).toEqual({ compliant: 1, exceeded: 0, severe: 1, critical: 0, unknown: 1 });
    expect(t0.regionLoss).toEqual({ compliant: 0, exceeded: 1, severe: 0, critical: 1, unknown: 1 });
    expect(t0.worstAchievedSeconds).toEqual({ instanceLoss: 3 * H, regionLoss: 1.5 * H }); // c's figures are not believed
    expect(t0.withoutRecoveryPoint).toEqual({ instanceLoss: 0, regionLoss: 1 });
    expect(m.tiers.find((t) => t.tier === 2)!.regionLoss).toEqual({ compliant: 0, exceeded: 0, severe: 1, critical: 0, unknown: 0 });
    expect(m.tiers.find((t) => t.tier === 1)!).toMatchObject({ instances: 0, worstAchievedSeconds: { instanceLoss: null, regionLoss: null } });
    const c = m.instances.find((i) => i.instanceId === 'c')!;
    expect(c).toMatchObject({ band: { instanceLoss: 'unknown', regionLoss: 'unknown' }, achieved: { instanceLoss: null, regionLoss: null }, problem: true, errors: ['AWS_ERROR: Throttling'] });
    expect(m.observedFully).toBe(false);
  });

  it('names each region and cause status could not observe, and is then not fully observed', () => {
    const s = instanceStatus('u', 1, at, { instanceLoss: null, regionLoss: null }, { observed: false, band: { instanceLoss: 'unknown', regionLoss: 'unknown', accountLoss: null } });
    const input = reportInput(at, [s]);
    const m = buildReportModel({
      ...input,
      status: { ...input.status, unobserved: [{ region: 'us-east-1', cause: 'unreachable (TimeoutError)', instances: ['u'], error: { code: 'AWS_ERROR', message: 'connect ETIMEDOUT', retryable: true } }] },
    });
    expect(m.unobserved[0]).toBe('us-east-1: unreachable (TimeoutError), 1 instance(s) unknown (connect ETIMEDOUT)');
    expect(m.observedFully).toBe(false);
    expect(m.tiers[1]!.instanceLoss.unknown).toBe(1);
  });

  it('counts a status band of unknown as unknown too (issue 10)', () => {
    const s = instanceStatus('u', 1, at, { instanceLoss: 60, regionLoss: 60 });
    const m = buildReportModel(reportInput(at, [{ ...s, band: { instanceLoss: 'unknown' as never, regionLoss: 'compliant', accountLoss: null } }]));
    expect(m.tiers[1]!.instanceLoss.unknown).toBe(1);
    expect(m.instances[0]!.problem).toBe(true);
  });

  it('RTO: no drill yet counts as unknown; a measured drill gets its band against the tier RTO', () => {
    const m = buildReportModel(
      reportInput(at, instances, { drills: { rto: new Map([['123456789012/a', { status: 'measured', seconds: 5 * H, at, drillId: 'd-1' }]]), due: [], available: true } }),
    );
    const t0 = m.tiers[0]!;
    expect(t0.rto).toEqual({ compliant: 0, exceeded: 1, severe: 0, critical: 0, unknown: 2 }); // 5 h against 4 h
    expect(t0.noDrill).toBe(2);
    expect(m.instances.find((i) => i.instanceId === 'a')!.rto).toEqual({ status: 'measured', seconds: 5 * H, band: 'exceeded', at: at.toISOString() });
    expect(m.instances.find((i) => i.instanceId === 'b')!.rto).toEqual({ status: 'no-drill', seconds: null, band: null, at: null });
    expect(m.unobserved.join()).not.toMatch(/restore drills/);
    expect(buildReportModel(reportInput(at, instances)).unobserved.join()).toMatch(/restore drills: not available/);
  });
});

describe('report model: problems and findings', () => {
  it('a problem is a band other than compliant, a drill band other than compliant, or an open finding', () => {
    const ok = instanceStatus('ok', 3, at, { instanceLoss: 60, regionLoss: 60 });
    const withFinding = instanceStatus('f', 3, at, { instanceLoss: 60, regionLoss: 60 });
    const slowDrill = instanceStatus('s', 3, at, { instanceLoss: 60, regionLoss: 60 });
    const m = buildReportModel(
      reportInput(at, [ok, withFinding, slowDrill], {
        findings: [finding('f-1', 'f', new Date(at.getTime() - 2 * H * 1000)), finding('f-2', 'ok', new Date('2026-11-01T00:00:00Z'), { status: 'resolved', resolvedAt: new Date('2026-11-02T00:00:00Z') })],
        drills: { rto: new Map([['123456789012/s', { status: 'measured', seconds: 100 * H, at, drillId: 'd' }]]), due: [], available: true },
      }),
    );
    expect(m.instances.map((i) => [i.instanceId, i.problem])).toEqual([['ok', false], ['f', true], ['s', true]]);
    expect(m.findings.open).toEqual([expect.objectContaining({ id: 'f-1', ageSeconds: 2 * H, acknowledged: null, notifiedAt: null })]);
    expect(m.findings.period.map((f) => [f.id, f.status, f.ageSeconds])).toEqual([['f-1', 'open', 2 * H], ['f-2', 'resolved', 86400]]);
    expect(m.observedFully).toBe(true);
  });

  it('carries an acknowledgement with who, until when and why', () => {
    const acked = finding('f-a', 'x', at, { acknowledged: { by: 'sre-lead', reason: 'migration window', until: new Date('2026-11-25T00:00:00Z') } });
    const m = buildReportModel(reportInput(at, [], { findings: [acked] }));
    expect(m.findings.open[0]!.acknowledged).toEqual({ by: 'sre-lead', reason: 'migration window', until: '2026-11-25T00:00:00.000Z' });
    expect(renderReportCsv(m)['findings.csv']).toContain(',sre-lead,2026-11-25T00:00:00.000Z,migration window');
  });

  it('leaves out of the period a finding opened before `since`, but keeps it while open', () => {
    const old = finding('f-old', 'x', new Date('2026-01-01T00:00:00Z'));
    const m = buildReportModel(reportInput(at, [], { findings: [old] }));
    expect(m.findings.open.map((f) => f.id)).toEqual(['f-old']);
    expect(m.findings.period).toEqual([]);
  });
});

describe('report model: history', () => {
  const day = (d: string, id: string, tier: 0 | 1, il: ComplianceDay['band']['instanceLoss'], rl: ComplianceDay['band']['regionLoss'] = 'compliant'): ComplianceDay => ({
    day: d, instanceId: id, tier, band: { instanceLoss: il, regionLoss: rl }, achieved: { instanceLoss: 1, regionLoss: 1 }, recordedAt: at,
  });

  it('one point per recorded day: the share compliant (unknown is not), a day without record a gap', () => {
    const h = historySeries(
      [day('2026-11-22', 'a', 0, 'compliant'), day('2026-11-22', 'b', 0, 'unknown'), day('2026-11-24', 'a', 0, 'critical'), day('2026-11-24', 'b', 0, 'compliant', 'severe'), day('2026-10-01', 'a', 0, 'compliant')],
      '2026-11-24',
    );
    expect(h.days).toHaveLength(30);
    expect(h.days[0]).toBe('2026-10-26');
    expect(h.days[29]).toBe('2026-11-24');
    expect(h.recordedDays).toBe(2);
    const il = h.series.find((s) => s.tier === 0 && s.scenario === 'instanceLoss')!;
    expect(il.points.slice(27)).toEqual([0.5, null, 0.5]);
    expect(il.points.filter((p) => p !== null)).toHaveLength(2);
    expect(h.series.find((s) => s.tier === 0 && s.scenario === 'regionLoss')!.points.slice(27)).toEqual([1, null, 0.5]);
    expect(h.series.some((s) => s.tier === 1)).toBe(false); // no record: no line at all
  });

  it('says since when a tier has not been all compliant, and why (its open findings by kind)', () => {
    const a = instanceStatus('a', 0, at, { instanceLoss: 5 * H, regionLoss: 60 });
    const b = instanceStatus('b', 0, at, { instanceLoss: 60, regionLoss: 60 });
    const m = buildReportModel(
      reportInput(at, [a, b], {
        history: [day('2026-11-20', 'a', 0, 'critical'), day('2026-11-21', 'a', 0, 'compliant'), day('2026-11-21', 'b', 0, 'compliant'), day('2026-11-22', 'b', 0, 'compliant'), day('2026-11-22', 'a', 0, 'unknown'), day('2026-11-24', 'a', 0, 'severe'), day('2026-11-21', 'c', 1, 'compliant')],
        findings: [finding('f-1', 'a', at), finding('f-2', 'a', at, { kind: 'Snapshot Missed', key: 'Snapshot Missed|a' })],
      }),
    );
    expect(m.tiers[0]).toMatchObject({ notCompliantSince: '2026-11-22', openFindings: { 'RPO Breached': 1, 'Snapshot Missed': 1 } });
    expect(m.tiers[1]).toMatchObject({ notCompliantSince: null, openFindings: {} });
  });

  it('says since when an instance has not been compliant (its trailing run of bad days)', () => {
    const s = instanceStatus('a', 0, at, { instanceLoss: 5 * H, regionLoss: 60 });
    const m = buildReportModel(
      reportInput(at, [s], { history: [day('2026-11-20', 'a', 0, 'critical'), day('2026-11-21', 'a', 0, 'compliant'), day('2026-11-22', 'a', 0, 'severe'), day('2026-11-24', 'a', 0, 'unknown')] }),
    );
    expect(m.instances[0]!.notCompliantSince).toBe('2026-11-22');
  });
});

describe('CSV export', () => {
  it('writes the four files with headers, one row per instance, quoting as RFC 4180', () => {
    const s = instanceStatus('a', 1, at, { instanceLoss: 60, regionLoss: null }, { product: 'jira, "core"' });
    const m = buildReportModel(reportInput(at, [s], { findings: [finding('f-1', 'a', at)] }));
    const files = renderReportCsv(m);
    expect(Object.keys(files).sort()).toEqual(['drills.csv', 'findings.csv', 'instances.csv', 'runs.csv']);
    const lines = files['instances.csv'].split('\r\n');
    expect(lines).toHaveLength(3); // header, one row, final CRLF
    expect(lines[0]).toMatch(/^instance_id,kind,tier,product,region,dr_region,/);
    expect(lines[1]).toContain('a,instance,1,"jira, ""core""",');
    expect(lines[1]).toContain(',60,compliant,,critical,no-drill,,,,RPO Breached,');
    expect(files['findings.csv'].split('\r\n')[1]).toBe(`f-1,RPO Breached,a,open,${at.toISOString()},,0,,,,`);
    expect(files['drills.csv']).toBe(
      'drill_id,instance_id,tier,trigger,phase,outcome,source_region,snapshot_id,recovery_point_time,started_at,finished_at,rto_seconds,rto_target_seconds,rto_band,recovery_point_age_seconds,error\r\n',
    );
  });

  it('drills.csv lists every drill of the period and every drill still in flight, not only the newest per instance', () => {
    const s = instanceStatus('db1', 1, at, { instanceLoss: 60, regionLoss: 60 });
    const input = reportInput(at, [s]);
    const before = new Date(input.since.getTime() - 86_400_000);
    const records = [
      drill({ drillId: 'd-new', createdAt: at, phase: 'done', outcome: 'succeeded', rtoSeconds: 3900, band: 'compliant', startedAt: at, finishedAt: at }),
      drill({ drillId: 'd-failed', createdAt: at, phase: 'done', outcome: 'failed', error: { code: 'RESTORE_FAILED', message: 'InvalidRestore: no', step: 'restore' } }),
      drill({ drillId: 'd-old', createdAt: before, phase: 'done', outcome: 'succeeded', rtoSeconds: 100, band: 'compliant' }),
      drill({ drillId: 'd-stuck', createdAt: before, phase: 'cleaning' }),
    ];
    const m = buildReportModel({ ...input, drills: { ...input.drills, records } });
    const rows = renderReportCsv(m)['drills.csv'].trim().split('\r\n').slice(1);
    expect(rows.map((r) => r.split(',')[0])).toEqual(['d-new', 'd-failed', 'd-stuck']);
    expect(rows[0]).toContain(',db1,1,schedule,done,succeeded,us-west-2,sw-db1-20261124,');
    expect(rows[0]).toContain(',3900,21600,compliant,');
    expect(rows[1]).toMatch(/,RESTORE_FAILED: InvalidRestore: no$/);
  });
});

describe('report --since', () => {
  const now = new Date('2026-11-24T10:00:00Z');
  it.each([
    ['30d', '2026-10-25T10:00:00.000Z'],
    ['1d', '2026-11-23T10:00:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T12:30:00Z', '2026-11-01T12:30:00.000Z'],
  ])('%s', (value, expected) => expect(parseSince(value)(now).toISOString()).toBe(expected));
  it.each(['0d', '401d', 'yesterday', '2026-13-01', '30'])('refuses %s, naming the option and what is expected', (value) => {
    expect(() => parseSince(value)).toThrow(/--since: got ".*", expected a number of days from 1 to 400 such as 30d, or a UTC date/);
  });
});

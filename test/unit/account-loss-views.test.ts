import { checkMetrics } from '../../src/app/metrics/check-metrics';
import { renderReportCsv } from '../../src/app/report/csv';
import { renderReportHtml } from '../../src/app/report/html';
import { buildReportModel, ReportInput } from '../../src/app/report/model';
import { InstanceStatus } from '../../src/app/status';
import { accountLossCell, statusProblem } from '../../src/cli/commands/status';
import { instanceStatus, reportInput } from '../support/report-fixtures';
import { TARGET, VAULT, vaulted } from '../support/account-loss-fixtures';

const at = new Date('2026-11-24T10:00:00Z');
const H = 3600;

const TARGETS = reportInput(at, []).tierTargets;
const withTargets = { ...TARGETS, 1: { ...TARGETS[1], accountLossSeconds: TARGET } };
const input = (instances: InstanceStatus[], over: Partial<ReportInput> = {}): ReportInput => reportInput(at, instances, { tierTargets: withTargets, vault: { account: VAULT }, ...over });

describe('accountLoss in the RPO report', () => {
  const fleet = [
    vaulted('a', 1, 10 * H), // compliant
    vaulted('b', 1, 60 * H), // exceeded
    vaulted('c', 1, null), // no vault copy: critical
    vaulted('d', 1, 10 * H, { error: true }), // vault unreadable: unknown
    vaulted('e', 2, 30 * H, { judged: false }), // covered, no target: a figure only
    instanceStatus('f', 1, at, { instanceLoss: 600, regionLoss: 600 }), // not covered by the vault
  ];

  it('counts the judged instances of a tier with a target, and shows the figure without judging it elsewhere', () => {
    const m = buildReportModel(input(fleet));
    expect(m.vault).toEqual({ account: VAULT });
    expect(m.tiers.find((t) => t.tier === 1)!.accountLoss).toEqual({ targetSeconds: TARGET, counts: { compliant: 1, exceeded: 1, severe: 0, critical: 1, unknown: 1 }, worstAchievedSeconds: 60 * H });
    expect(m.tiers.find((t) => t.tier === 2)!.accountLoss).toBeNull(); // no target there
    const row = (id: string) => m.instances.find((i) => i.instanceId === id)!;
    const view = (id: string) => ({ achieved: row(id).achieved.accountLoss, band: row(id).band.accountLoss, vault: row(id).vault });
    expect(view('a')).toEqual({ achieved: 10 * H, band: 'compliant', vault: { newest: { snapshotId: 'vault-a', time: '2026-11-24T00:00:00.000Z', ageSeconds: 10 * H } } });
    expect(row('a').problem).toBe(false);
    expect(row('b').problem).toBe(true);
    expect(view('c')).toEqual({ achieved: null, band: 'critical', vault: { newest: null } });
    expect(view('d')).toEqual({ achieved: null, band: 'unknown', vault: { newest: null } });
    expect(row('d').problem).toBe(true);
    expect(view('e')).toMatchObject({ achieved: 30 * H, band: null });
    expect(row('e').problem).toBe(false);
    expect(view('f')).toEqual({ achieved: null, band: null, vault: null });
  });

  it('has no account-loss column, card line or CSV columns without a vault', () => {
    const m = buildReportModel(reportInput(at, [instanceStatus('f', 1, at, { instanceLoss: 600, regionLoss: 600 })]));
    expect(m.vault).toBeNull();
    expect(m.tiers.every((t) => t.accountLoss === null)).toBe(true);
    const html = renderReportHtml(m);
    expect(html).not.toMatch(/Account-loss RPO|Account loss/);
    expect(renderReportCsv(m)['instances.csv'].split('\r\n')[0]).not.toMatch(/account_loss|vault/);
  });

  it('with a vault: a column after region loss, a line on the tier card, and CSV columns', () => {
    const m = buildReportModel(input(fleet));
    const html = renderReportHtml(m);
    const headers = [...html.matchAll(/<th scope="col"[^>]*><button type="button">([^<]+)<\/button>/g)].map((x) => x[1]);
    expect(headers.slice(6, 10)).toEqual(['Instance-loss RPO', 'Region-loss RPO', 'Account-loss RPO (vault)', 'RTO (newest drill)']);
    const cells = (id: string) => [...(html.match(new RegExp(`<tr data-instance="${id}"[\\s\\S]*?</tr>`))?.[0] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((x) => x[1]!.replace(/<[^>]+>/g, '').trim());
    expect(cells('b')[8]).toBe('2d 12h exceeded');
    expect(cells('d')[8]).toBe('unknown');
    expect(cells('e')[8]).toBe('1d 6h no target');
    expect(cells('f')[8]).toBe('-');
    expect(cells('f')).toHaveLength(headers.length);
    expect(html).toMatch(/data-tier="1" data-scenario="accountLoss" data-band="unknown"><span class="band band-unknown">1<\/span>/);
    expect(html).toMatch(/newest copy in vault account 999999999999/);
    const [header, ...rows] = renderReportCsv(m)['instances.csv'].trim().split('\r\n');
    const cols = header!.split(',');
    expect(cols.slice(cols.indexOf('region_loss_band') + 1, cols.indexOf('rto_status'))).toEqual(['newest_vault_copy', 'newest_vault_time', 'account_loss_achieved_seconds', 'account_loss_band']);
    const b = rows.find((r) => r.startsWith('b,'))!.split(',');
    expect(b[cols.indexOf('account_loss_achieved_seconds')]).toBe(String(60 * H));
    expect(b[cols.indexOf('account_loss_band')]).toBe('exceeded');
    const e = rows.find((r) => r.startsWith('e,'))!.split(',');
    expect(e[cols.indexOf('account_loss_band')]).toBe(''); // not judged
  });

  it('names the vault account among what could not be observed', () => {
    const m = buildReportModel(
      input(fleet, {
        status: { at, ownAccount: '123456789012', instances: fleet, attachments: [], problems: [], warnings: [], unobserved: [{ region: 'us-west-2', cause: 'access denied (AccessDenied)', instances: ['d'], error: { code: 'ACCESS_DENIED', message: 'not authorized' }, vaultAccount: VAULT }] },
      }),
    );
    expect(m.unobserved[0]).toBe('us-west-2 (vault account 999999999999): access denied (AccessDenied), 1 instance(s) unknown for account loss (not authorized)');
    expect(m.observedFully).toBe(false);
  });
});

describe('accountLoss in the status table and the metrics', () => {
  it('cell: - without a vault, the figure and band when judged, the age with (no target) otherwise, unknown when unread', () => {
    expect(accountLossCell(instanceStatus('f', 1, at, { instanceLoss: 600, regionLoss: 600 }))).toBe('-');
    expect(accountLossCell(vaulted('b', 1, 60 * H))).toBe('2d12h exceeded');
    expect(accountLossCell(vaulted('e', 2, 30 * H, { judged: false }))).toBe('1d6h (no target)');
    expect(accountLossCell(vaulted('d', 1, 10 * H, { error: true }))).toBe('unknown');
    expect(accountLossCell(vaulted('x', 2, 10 * H, { judged: false, error: true }))).toBe('unknown');
  });

  it('a scenario not judged (null band) is no problem row; a breached one is', () => {
    expect(statusProblem(vaulted('e', 2, 300 * H, { judged: false }), new Set())).toBe(false);
    expect(statusProblem(instanceStatus('f', 3, at, { instanceLoss: 600, regionLoss: 600 }), new Set())).toBe(false);
    expect(statusProblem(vaulted('b', 1, 60 * H), new Set())).toBe(true);
  });

  it('emits accountLoss per tier once an instance is judged on it, and counts it in NotCompliantInstances', () => {
    const status = { at, ownAccount: '123456789012', attachments: [], unobserved: [], problems: [], warnings: [], instances: [vaulted('a', 1, 10 * H), vaulted('b', 1, 60 * H), vaulted('e', 2, 300 * H, { judged: false })] };
    const docs = checkMetrics(at, status, []) as Record<string, unknown>[];
    const value = (dims: Record<string, string>, metric: string) => docs.filter((d) => Object.entries(dims).every(([k, v]) => d[k] === v) && metric in d && (!('Band' in d) || 'Band' in dims)).map((d) => d[metric]);
    expect(value({ Tier: '1', Scenario: 'accountLoss', Band: 'exceeded' }, 'Instances')).toEqual([1]);
    expect(value({ Tier: '1', Scenario: 'accountLoss', Band: 'compliant' }, 'Instances')).toEqual([1]);
    expect(value({ Tier: '2', Scenario: 'accountLoss', Band: 'critical' }, 'Instances')).toEqual([0]); // e is not judged
    expect(value({ Tier: '1', Scenario: 'accountLoss' }, 'WorstAchievedRpoSeconds')).toEqual([60 * H]);
    expect(value({ Tier: '1' }, 'NotCompliantInstances')).toEqual([1]);
    expect(value({ Tier: '2' }, 'NotCompliantInstances')).toEqual([0]);

    const none = checkMetrics(at, { ...status, instances: [instanceStatus('f', 1, at, { instanceLoss: 600, regionLoss: 600 })] }, []) as Record<string, unknown>[];
    expect(none.some((d) => d.Scenario === 'accountLoss')).toBe(false);
  });
});

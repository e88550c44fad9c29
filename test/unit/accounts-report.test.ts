import { observedDay } from '../../src/app/compliance-history';
import { buildReportModel } from '../../src/app/report/model';
import { renderReportCsv } from '../../src/app/report/csv';
import { historySubject } from '../../src/domain/history';
import { finding, instanceStatus, reportInput } from '../support/report-fixtures';

/**
 * The DR dashboard and the compliance history over several accounts: the same instance id in two
 * accounts is two rows, each with its own findings, drill and history; the caller's own keeps the
 * history keys it had before accounts.
 */
const at = new Date('2026-11-29T12:00:00Z');
const OWN = '123456789012';
const PROD_A = '111111111111';
const own = instanceStatus('jira-1', 1, at, { instanceLoss: 600, regionLoss: 1800 });
const other = instanceStatus('jira-1', 1, at, { instanceLoss: 90_000, regionLoss: 90_000 }, { account: PROD_A, accountName: 'prod-a' });

describe('the report over several accounts', () => {
  it('names each row by account and id, and gives each its own open findings, drill and not-compliant-since', () => {
    const model = buildReportModel(
      reportInput(at, [own, other], {
        findings: [finding('f-1', 'jira-1', at, { detail: { account: PROD_A } })],
        drills: { rto: new Map([[`${OWN}/jira-1`, { status: 'measured', seconds: 3600, at, drillId: 'd-own' }]]), due: [], available: true },
        history: [
          observedDay({ ...other, band: { ...other.band, instanceLoss: 'critical' } }, new Date('2026-11-28T12:00:00Z'), OWN),
          observedDay(own, new Date('2026-11-28T12:00:00Z'), OWN),
        ],
      }),
    );
    expect(model.instances.map((r) => [r.label, r.account, r.openFindings.map((f) => f.id), r.rto.status, r.notCompliantSince])).toEqual([
      [`${OWN}/jira-1`, OWN, [], 'measured', null],
      ['prod-a/jira-1', PROD_A, ['f-1'], 'no-drill', '2026-11-28'],
    ]);
    const csv = renderReportCsv(model)['instances.csv'].split('\r\n');
    expect(csv[0]).toMatch(/^instance_id,account,account_name,kind,/);
    expect(csv[2]).toMatch(/^jira-1,111111111111,prod-a,instance,/);
  });

  it('keeps the history of the caller\'s own instances under their id (as before accounts) and another account\'s under account/id', () => {
    expect(historySubject({ account: OWN, instanceId: 'jira-1' }, OWN)).toBe('jira-1');
    expect(historySubject({ account: PROD_A, instanceId: 'jira-1' }, OWN)).toBe(`${PROD_A}/jira-1`);
    expect(observedDay(other, at, OWN).instanceId).toBe(`${PROD_A}/jira-1`);
  });
});

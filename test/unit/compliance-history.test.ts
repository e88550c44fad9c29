import { runCheck } from '../../src/app/check';
import { recordComplianceHistory } from '../../src/app/compliance-history';
import { reconcile } from '../../src/app/reconcile';
import { ComplianceDay, mergeComplianceDay } from '../../src/domain/history';
import { SnapwardError } from '../../src/domain/errors';
import { HOUR } from '../../src/domain/time';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';

function setup() {
  const h = harness({ instances: [member({ id: 'db-a', tier: 0 }), member({ id: 'db-b', tier: 3 })] }, '2026-11-24T10:00:00Z');
  h.rds.addDatabase({ id: 'db-a' }).addDatabase({ id: 'db-b' });
  h.rds.newStatus = 'available';
  return h;
}
const day = async (h: ReturnType<typeof setup>, d: string) => h.store.listCompliance({ from: d, to: d });

describe('compliance history recorded by check', () => {
  it('writes the first check of a day, then only what got worse, with the figure that saw it', async () => {
    const h = setup();
    await reconcile(h.deps, { trigger: 'test' });
    await runCheck(h.deps, { trigger: 'test' });
    expect(await day(h, '2026-11-24')).toEqual([
      expect.objectContaining({ instanceId: 'db-a', tier: 0, band: { instanceLoss: 'compliant', regionLoss: 'compliant' }, achieved: { instanceLoss: 0, regionLoss: 0 } }),
      expect.objectContaining({ instanceId: 'db-b', tier: 3, band: { instanceLoss: 'compliant', regionLoss: 'compliant' } }),
    ]);
    const put = jest.spyOn(h.store, 'putCompliance');
    h.clock.advance(30 * 60 * 1000);
    await runCheck(h.deps, { trigger: 'test' });
    expect(put).not.toHaveBeenCalled(); // nothing worse: no write

    h.clock.advance(90 * 60 * 1000); // 2 h after the snapshot: tier 0 (RPO 1 h) is exceeded
    await runCheck(h.deps, { trigger: 'test' });
    expect(put).toHaveBeenCalledTimes(1);
    expect(put.mock.calls[0]![0].map((e) => e.instanceId)).toEqual(['db-a']);
    const [a] = await day(h, '2026-11-24');
    expect(a).toMatchObject({ band: { instanceLoss: 'exceeded', regionLoss: 'exceeded' }, achieved: { instanceLoss: 2 * 3600, regionLoss: 2 * 3600 }, recordedAt: h.clock.now() });
  });

  it('records an unreadable instance as unknown, and a later seen band replaces unknown', async () => {
    const h = setup();
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.fail('listDatabases', /.*/, () => new SnapwardError('AWS_ERROR', 'ThrottlingException: slow down', { retryable: true }), 1);
    await runCheck(h.deps, { trigger: 'test' });
    expect((await day(h, '2026-11-24')).map((e) => [e.instanceId, e.band.instanceLoss, e.achieved.instanceLoss])).toEqual([
      ['db-a', 'unknown', null],
      ['db-b', 'unknown', null],
    ]);
    await runCheck(h.deps, { trigger: 'test' });
    expect((await day(h, '2026-11-24')).map((e) => e.band.instanceLoss)).toEqual(['compliant', 'compliant']);
  });

  it('a store failure is returned and logged, never thrown: the check carries on', async () => {
    const h = setup();
    jest.spyOn(h.store, 'listCompliance').mockRejectedValue(new SnapwardError('STATE_STORE_ERROR', 'table gone'));
    const warn = jest.fn();
    const status = { at: h.clock.now(), ownAccount: '123456789012', instances: [], attachments: [], unobserved: [], problems: [], warnings: [] };
    expect(await recordComplianceHistory({ store: h.store, logger: { ...h.deps.logger, warn } }, status)).toEqual({ written: 0, error: 'table gone' });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: 'table gone' }), 'compliance history not recorded');
    const report = await runCheck(h.deps, { trigger: 'test' });
    expect(report.open.length).toBeGreaterThan(0);
  });

  it('starts a new entry each UTC day', async () => {
    const h = setup();
    await reconcile(h.deps, { trigger: 'test' });
    await runCheck(h.deps, { trigger: 'test' });
    h.clock.advance(24 * HOUR);
    await runCheck(h.deps, { trigger: 'test' });
    expect((await h.store.listCompliance({ from: '2026-11-01', to: '2026-11-30' })).map((e) => `${e.day} ${e.instanceId}`)).toEqual([
      '2026-11-24 db-a', '2026-11-24 db-b', '2026-11-25 db-a', '2026-11-25 db-b',
    ]);
  });
});

describe('mergeComplianceDay', () => {
  const base: ComplianceDay = {
    day: '2026-11-24', instanceId: 'db-a', tier: 1,
    band: { instanceLoss: 'exceeded', regionLoss: 'unknown' }, achieved: { instanceLoss: 5000, regionLoss: null }, recordedAt: new Date('2026-11-24T01:00:00Z'),
  };
  const seen = (instanceLoss: ComplianceDay['band']['instanceLoss'], regionLoss: ComplianceDay['band']['regionLoss'], a: number | null = 100): ComplianceDay => ({
    ...base, band: { instanceLoss, regionLoss }, achieved: { instanceLoss: a, regionLoss: a }, recordedAt: new Date('2026-11-24T02:00:00Z'),
  });
  it.each([
    ['a better band keeps the stored verdict', seen('compliant', 'unknown'), null],
    ['unknown never replaces a seen band', seen('unknown', 'unknown'), null],
    ['a worse band replaces it, with its figure', seen('critical', 'unknown', 99999), { instanceLoss: 'critical', regionLoss: 'unknown' }],
    ['a seen band replaces unknown', seen('compliant', 'compliant'), { instanceLoss: 'exceeded', regionLoss: 'compliant' }],
  ])('%s', (_name, observed, expected) => {
    const merged = mergeComplianceDay(base, observed);
    if (expected === null) expect(merged).toBeNull();
    else expect(merged).toMatchObject({ band: expected, recordedAt: observed.recordedAt });
  });
  it('the first check of a day is stored as seen', () => {
    expect(mergeComplianceDay(null, seen('severe', 'critical'))).toEqual(seen('severe', 'critical'));
  });
});

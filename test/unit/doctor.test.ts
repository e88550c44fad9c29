import { runDoctor, StoreCheck } from '../../src/app/doctor';
import { SnapwardError } from '../../src/domain/errors';
import { PreflightProbe } from '../../src/ports/preflight';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';

const store: StoreCheck = { path: '/s/state.db', exists: true, writable: true, schemaVersion: 6, currentVersion: 6, problem: null };
const probe = (over: Partial<PreflightProbe> = {}): PreflightProbe => ({
  callerIdentity: async () => ({ account: '123456789012', arn: 'arn:aws:iam::123456789012:user/ops' }),
  describeKey: async (region, ref) => ({ arn: `arn:aws:kms:${region}:123456789012:key/${ref}`, state: 'Enabled', usage: 'ENCRYPT_DECRYPT', spec: 'SYMMETRIC_DEFAULT' }),
  describeEventBus: async (_region, name) => ({ arn: `arn:aws:events:us-east-1:123456789012:event-bus/${name}` }),
  ...over,
});

describe('doctor (use case, with fakes)', () => {
  function fleetOf(n: number) {
    const h = harness({ instances: Array.from({ length: n }, (_, i) => member({ id: `db${i}` })), kms: { 'us-west-2': 'alias/snapward-dr' } });
    for (let i = 0; i < n; i++) h.rds.addDatabase({ id: `db${i}` });
    return h;
  }

  it('checks the quota headroom as databases x (retention + 2) against the quota', async () => {
    const h = fleetOf(3);
    h.rds.quotas.set('us-east-1', [{ name: 'ManualSnapshots', used: 40, max: 100 }]);
    h.rds.quotas.set('us-west-2', [{ name: 'ManualSnapshots', used: 10, max: 500 }]);
    const report = await runDoctor(h.deps, probe(), store);
    const quota = report.items.filter((i) => i.area === 'snapshot-quota');
    // 96 <= 100: fine (the quota is what must hold the fleet's retention, whatever is used today).
    expect(quota.map((q) => `${q.subject}:${q.state}`)).toEqual(['us-east-1 ManualSnapshots:ok', 'us-west-2 ManualSnapshots:ok']);
    expect(quota[0]?.detail).toBe('3 databases x (30 + 2) = 96 needed, quota 100 (40 used now)');
    h.rds.quotas.set('us-east-1', [{ name: 'ManualSnapshots', used: 40, max: 90 }]);
    const short = (await runDoctor(h.deps, probe(), store)).items.find((i) => i.subject === 'us-east-1 ManualSnapshots');
    expect(short).toMatchObject({ state: 'problem', detail: '3 databases x (30 + 2) = 96 needed, quota only 90 (40 used now)', fix: 'request an increase of the RDS quota ManualSnapshots in us-east-1 to at least 96 (Service Quotas)' });
  });

  it('lists a quota it cannot read as could-not-check, which does not fail the doctor', async () => {
    const h = fleetOf(1);
    const report = await runDoctor(h.deps, probe(), store);
    expect(report.items.filter((i) => i.area === 'snapshot-quota').every((i) => i.state === 'could-not-check')).toBe(true);
    expect(report.ok).toBe(true);
    expect(report.counts.problem).toBe(0);
  });

  it('rejected credentials are a problem with the fix; an unreadable region makes its instances could-not-check', async () => {
    const h = fleetOf(1);
    h.rds.fail('listDatabases', 'us-east-1', () => new SnapwardError('ACCESS_DENIED', 'DescribeDBInstances in us-east-1: AccessDenied'));
    const report = await runDoctor(h.deps, probe({ callerIdentity: async () => Promise.reject(new SnapwardError('ACCESS_DENIED', 'GetCallerIdentity: InvalidClientTokenId')) }), store);
    expect(report.ok).toBe(false);
    expect(report.items.find((i) => i.area === 'credentials')).toMatchObject({ state: 'problem', fix: expect.stringMatching(/AWS_PROFILE.*unset AWS_ENDPOINT_URL/) });
    expect(report.items.find((i) => i.area === 'region' && i.subject === 'us-east-1')).toMatchObject({ state: 'problem', fix: expect.stringMatching(/rds:DescribeDBInstances/) });
    expect(report.items.find((i) => i.area === 'instance')).toMatchObject({ subject: 'db0', state: 'could-not-check' });
  });

  it('a key of the wrong spec, and a store from a newer snapward, are problems', async () => {
    const h = fleetOf(1);
    const report = await runDoctor(
      h.deps,
      probe({ describeKey: async (region, ref) => ({ arn: `arn:aws:kms:${region}:1:key/${ref}`, state: 'Enabled', usage: 'SIGN_VERIFY', spec: 'RSA_2048' }) }),
      { ...store, schemaVersion: 9, problem: 'schema version 9 was written by a newer snapward (this one knows up to 6)' },
    );
    expect(report.items.find((i) => i.area === 'kms-key')).toMatchObject({ state: 'problem', detail: expect.stringMatching(/usage is SIGN_VERIFY.*spec is RSA_2048/) });
    expect(report.items.find((i) => i.area === 'state-store')).toMatchObject({ state: 'problem', fix: expect.stringMatching(/upgrade snapward, or move the file aside/) });
  });
});

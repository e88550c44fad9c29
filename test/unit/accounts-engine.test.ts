import { runCheck } from '../../src/app/check';
import { startAdhocDrill } from '../../src/app/drills';
import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { findingJson } from '../../src/cli/commands/findings';
import { DAY } from '../../src/domain/time';
import { SnapwardError } from '../../src/domain/errors';
import { memberKey } from '../../src/domain/ledger';
import { harness } from '../support/app-harness';
import { config, member } from '../support/builders';
import { OWN_ACCOUNT } from '../support/fake-accounts';
import { FakeKeys, FakeRds } from '../support/fake-provider';
import { FakeRestores } from '../support/fake-restores';

/**
 * Many accounts over fakes: each account is its own FakeRds, reached only through its scope. The
 * same instance id in two accounts is two members, kept apart in every key; copy slots are counted
 * per account and destination region; an account whose role cannot be assumed fails its own
 * members (naming it) and no other.
 */
const PROD_A = '111111111111';
const PROD_B = '222222222222';
const ACCOUNTS = [
  { name: 'prod-a', id: PROD_A, roleArn: `arn:aws:iam::${PROD_A}:role/snapward-member` },
  { name: 'prod-b', id: PROD_B, roleArn: `arn:aws:iam::${PROD_B}:role/snapward-member`, externalId: 'ext-b' },
];
const KMS = { 'us-west-2': 'alias/snapward-dr' };

const restoresOf = new Map<string, FakeRestores>();

function fleet(instances = [member({ id: 'jira-1' }), member({ id: 'jira-1', account: PROD_A, accountName: 'prod-a' }), member({ id: 'jira-1', account: PROD_B, accountName: 'prod-b' })]) {
  const h = harness({ instances, kms: KMS, accounts: ACCOUNTS });
  const rdsOf = new Map<string, FakeRds>([[OWN_ACCOUNT, h.rds]]);
  for (const id of [PROD_A, PROD_B]) {
    const rds = new FakeRds(h.clock);
    const restores = new FakeRestores(h.clock, rds);
    restoresOf.set(id, restores);
    h.accounts.add({ id, name: id === PROD_A ? 'prod-a' : 'prod-b', provider: rds, keys: new FakeKeys(), restores });
    rdsOf.set(id, rds);
  }
  for (const rds of rdsOf.values()) rds.addDatabase({ id: 'jira-1' });
  return { h, rdsOf };
}

describe('a fleet over three accounts', () => {
  it('keeps the same instance id in three accounts apart: its own snapshot in each, its own ledger entry, results naming the account', async () => {
    const { h, rdsOf } = fleet();
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.outcome).toBe('succeeded');
    expect(report.results.map((r) => [r.instanceId, r.account, r.accountName, r.created.map((c) => c.id)])).toEqual([
      ['jira-1', OWN_ACCOUNT, null, ['sw-jira-1-20261124']],
      ['jira-1', PROD_A, 'prod-a', ['sw-jira-1-20261124']],
      ['jira-1', PROD_B, 'prod-b', ['sw-jira-1-20261124']],
    ]);
    // Each account's snapshot was made with that account's RDS, and with nobody else's.
    for (const rds of rdsOf.values()) expect(rds.calls.filter((c) => c.op === 'createSnapshot').map((c) => c.arg)).toHaveLength(1);
    const keys = (await h.store.listMemberStates()).map((s) => s.key).sort();
    expect(keys).toEqual([`${OWN_ACCOUNT}/us-east-1/instance/jira-1`, `${PROD_A}/us-east-1/instance/jira-1`, `${PROD_B}/us-east-1/instance/jira-1`].sort());
    const recorded = await h.store.listInstanceResults(report.runId as string);
    expect(recorded.map((r) => r.account).sort()).toEqual([PROD_A, PROD_B, OWN_ACCOUNT].sort());
  });

  it('status --json gives every instance its account id and name', async () => {
    const { h } = fleet();
    await reconcile(h.deps, { trigger: 'test' });
    const status = await fleetStatus(h.deps);
    expect(status.ownAccount).toBe(OWN_ACCOUNT);
    expect(status.instances.map((i) => [i.instanceId, i.account, i.accountName])).toEqual([
      ['jira-1', OWN_ACCOUNT, null],
      ['jira-1', PROD_A, 'prod-a'],
      ['jira-1', PROD_B, 'prod-b'],
    ]);
  });

  it('counts copy slots per account and destination region: a full region in one account defers nobody in another', async () => {
    const members = ['a', 'b', 'c'].flatMap((x) => [member({ id: `db-${x}` }), member({ id: `db-${x}`, account: PROD_A, accountName: 'prod-a' })]);
    const { h, rdsOf } = fleet(members);
    const deps = h.with({ config: config({ instances: members, kms: KMS, accounts: ACCOUNTS, concurrency: { instances: 4, instanceCopiesPerRegion: 2, clusterCopiesPerRegion: 5 } }) });
    for (const rds of rdsOf.values()) {
      for (const x of ['a', 'b', 'c']) rds.addDatabase({ id: `db-${x}` });
      rds.newStatus = 'available';
    }
    const report = await reconcile(deps, { trigger: 'test' });
    const copied = (account: string) => report.results.filter((r) => r.account === account).flatMap((r) => r.copied);
    const deferred = (account: string) => report.results.filter((r) => r.account === account).flatMap((r) => r.deferred);
    // Two copies in flight per account and region: two in each account, the third waits in each.
    expect([copied(OWN_ACCOUNT).length, copied(PROD_A).length]).toEqual([2, 2]);
    expect([deferred(OWN_ACCOUNT).length, deferred(PROD_A).length]).toEqual([1, 1]);
    expect(deferred(PROD_A)[0]?.reason).toMatch(/in flight to us-west-2 \(limit 2\)/);
    // Copy capacity is each account's own: one row per account for the same DR region.
    const status = await fleetStatus(deps);
    expect(status.capacity?.map((c) => [c.account, c.region, c.kind, c.limit, c.demandPerDay])).toEqual([
      [OWN_ACCOUNT, 'us-west-2', 'instance', 2, 3],
      [PROD_A, 'us-west-2', 'instance', 2, 3],
    ]);
  });

  it('an account whose role cannot be assumed fails its own members with the reason naming it; the others go on; the pass is not succeeded', async () => {
    const { h, rdsOf } = fleet();
    h.accounts.unreachable.set(PROD_B, () => new SnapwardError('ACCESS_DENIED', `cannot work in account prod-b (${PROD_B}): AssumeRole arn:aws:iam::${PROD_B}:role/snapward-member: not authorized`));
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(report.outcome).toBe('partial');
    const b = report.results.find((r) => r.account === PROD_B);
    expect(b).toMatchObject({ status: 'failed', errors: [expect.objectContaining({ code: 'ACCESS_DENIED', message: expect.stringMatching(/account prod-b \(222222222222\)/) })] });
    expect(rdsOf.get(PROD_B)?.calls).toEqual([]); // nothing asked of it
    expect(report.results.filter((r) => r.account !== PROD_B).map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(report.problems.map((p) => p.code)).toEqual(['ACCESS_DENIED']);
    // The watchdog cannot see it either, and says so rather than judging it fine.
    const check = await runCheck(h.deps, { trigger: 'test' });
    expect(check.unobserved.map((u) => [u.account, u.region, u.error.code, u.instances])).toEqual([[PROD_B, '*', 'ACCESS_DENIED', ['jira-1']]]);
    const failed = check.open.filter((f) => f.kind === 'Observation Failed');
    expect(failed.map((f) => [f.key, f.subject, f.detail.account])).toEqual([[`Observation Failed|${PROD_B}`, PROD_B, PROD_B]]);
    expect(failed[0]?.detail.message).toMatch(/^account 222222222222: .*1 instance\(s\) cannot be observed/);
    const status = await fleetStatus(h.deps);
    expect(status.instances.find((i) => i.account === PROD_B)?.observed).toBe(false);
    // The role works again: the account's finding is resolved by the next check that sees it whole.
    h.accounts.unreachable.delete(PROD_B);
    await reconcile(h.deps, { trigger: 'test' });
    const again = await runCheck(h.deps, { trigger: 'test' });
    expect(again.resolved.map((f) => f.key)).toContain(`Observation Failed|${PROD_B}`);
  });

  it('findings and their events name the account: the same id missed in two accounts is two findings', async () => {
    const { h, rdsOf } = fleet([member({ id: 'jira-1', account: PROD_A, accountName: 'prod-a' }), member({ id: 'jira-1', account: PROD_B, accountName: 'prod-b' })]);
    await runCheck(h.deps, { trigger: 'test' }); // first sight: newcomers get their grace period
    h.clock.advance(3 * DAY);
    for (const rds of rdsOf.values()) rds.newStatus = 'available';
    rdsOf.get(PROD_B)?.fail('createSnapshot', 'jira-1', () => new SnapwardError('ACCESS_DENIED', 'not authorized to create'));
    await reconcile(h.deps, { trigger: 'test' });
    const check = await runCheck(h.deps, { trigger: 'test' });
    const missed = check.open.filter((f) => f.kind === 'Snapshot Missed' || f.kind === 'Backup Failed');
    expect(missed.map((f) => [f.key, findingJson(f, h.clock.now()).account, findingJson(f, h.clock.now()).accountName]).sort()).toEqual([
      [`Backup Failed|${PROD_B}|jira-1`, PROD_B, 'prod-b'],
      [`Snapshot Missed|${PROD_B}|jira-1`, PROD_B, 'prod-b'],
    ]);
    const events = h.events.take().filter((e) => e.detailType === 'Backup Failed');
    expect(events.map((e) => e.detail.account)).toEqual([PROD_B]);
  });

  it('a member key carries the account, so an instance moved to another account is a new member', () => {
    expect(memberKey(member({ id: 'jira-1', account: PROD_A }))).toBe(`${PROD_A}/us-east-1/instance/jira-1`);
    expect(memberKey(member({ id: 'jira-1' }))).not.toBe(memberKey(member({ id: 'jira-1', account: PROD_A })));
  });

  it('a drill restores in its instance\'s account, and the same id in two accounts has two drill histories', async () => {
    const { h, rdsOf } = fleet([member({ id: 'jira-1' }), member({ id: 'jira-1', account: PROD_A, accountName: 'prod-a' })]);
    for (const rds of rdsOf.values()) rds.newStatus = 'available';
    const pass = await reconcile(h.deps, { trigger: 'test' });
    const copyOf = (account: string) => pass.results.find((r) => r.account === account)?.copied[0]?.id as string;
    h.restores.engines.set(copyOf(OWN_ACCOUNT), 'postgres');
    restoresOf.get(PROD_A)?.engines.set(copyOf(PROD_A), 'postgres');
    // The pass's scheduled drills could not start (no engine known then): each failed in its own account.
    const scheduled = await h.store.listDrills();
    expect(scheduled.map((d) => [d.account, d.instanceId, d.phase]).sort()).toEqual([[OWN_ACCOUNT, 'jira-1', 'done'], [PROD_A, 'jira-1', 'done']].sort());
    h.clock.advance(1000);
    const restored = (r: FakeRestores | undefined) => r?.calls.filter((c) => c.op === 'restore').length ?? 0;
    const before = { own: restored(h.restores), a: restored(restoresOf.get(PROD_A)) };
    const drill = await startAdhocDrill(h.deps, { instanceId: 'jira-1', account: 'prod-a', owner: 'r-test' });
    expect(drill.drill).toMatchObject({ instanceId: 'jira-1', account: PROD_A });
    // Restored with prod-a's role, in prod-a: nothing asked of the caller's own RDS.
    expect(restored(restoresOf.get(PROD_A)) - before.a).toBe(1);
    expect(restored(h.restores) - before.own).toBe(0);
    // Ambiguous without the account, and said so.
    await expect(startAdhocDrill(h.deps, { instanceId: 'jira-1', owner: 'r-test' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/more than one place: 123456789012 \(us-east-1\), prod-a \(us-east-1\)/) });
    // The caller's own jira-1 has no drill in flight, so it may have one of its own.
    const own = await startAdhocDrill(h.deps, { instanceId: 'jira-1', account: OWN_ACCOUNT, owner: 'r-test' });
    expect(own.drill.account).toBe(OWN_ACCOUNT);
    expect(restored(h.restores) - before.own).toBe(1);
  });

  it('keys are read in their own account: the same DR alias is another key in each account', async () => {
    const { h } = fleet([member({ id: 'jira-1' }), member({ id: 'jira-1', account: PROD_A, accountName: 'prod-a' })]);
    const prodAKeys = h.accounts.scope(PROD_A).keys as FakeKeys;
    prodAKeys.missing.add('us-west-2'); // prod-a's alias/snapward-dr does not exist; the caller's does
    await reconcile(h.deps, { trigger: 'test' });
    const check = await runCheck(h.deps, { trigger: 'test' });
    const unusable = check.open.filter((f) => f.kind === 'Key Unusable');
    expect(unusable.map((f) => [f.key, f.detail.account, f.detail.instanceIds])).toEqual([[`Key Unusable|${PROD_A}|us-west-2|alias/snapward-dr`, PROD_A, ['jira-1']]]);
    expect(prodAKeys.inspected).toContain('us-west-2|alias/snapward-dr');
    expect(h.keys.inspected).toContain('us-west-2|alias/snapward-dr');
  });

  it('when STS cannot say who the caller is, the caller\'s own members are failed and unobserved and nothing is done for them; member accounts go on', async () => {
    const { h, rdsOf } = fleet([member({ id: 'jira-1' }), member({ id: 'jira-1', account: PROD_A, accountName: 'prod-a' })]);
    h.accounts.ownIdError = () => new SnapwardError('TIMEOUT', 'GetCallerIdentity in us-east-1: no answer within its budget', { retryable: true });
    const report = await reconcile(h.deps, { trigger: 'test' });
    expect(h.rds.calls).toEqual([]); // not one call for the members of an account nobody could name
    expect(rdsOf.get(PROD_A)?.calls.filter((c) => c.op === 'createSnapshot')).toHaveLength(1);
    expect(report.results.map((r) => [r.account, r.status])).toEqual([['unknown', 'failed'], [PROD_A, 'ok']]);
    expect(report.unobserved.map((u) => [u.account, u.region, u.error.code, u.instances])).toEqual([['unknown', '*', 'TIMEOUT', ['jira-1']]]);
    expect(await h.store.listMemberStates()).toHaveLength(1); // only prod-a's entry: no ledger keyed on a guess
    const status = await fleetStatus(h.deps);
    expect(status.instances.map((i) => [i.account, i.observed])).toEqual([['unknown', false], [PROD_A, true]]);
  });

  it('status reads the vault account once for all accounts of the fleet (one listing per DR region and kind)', async () => {
    const members = [member({ id: 'jira-1', tier: 1 }), member({ id: 'jira-1', tier: 1, account: PROD_A, accountName: 'prod-a' })];
    const { h } = fleet(members);
    const vaultRds = new FakeRds(h.clock);
    h.accounts.vault = { id: '999999999999', name: null, provider: vaultRds, keys: new FakeKeys(), restores: new FakeRestores(h.clock, vaultRds) };
    const vault = { account: { id: '999999999999', roleArn: 'arn:aws:iam::999999999999:role/snapward-vault' }, kms: { 'us-west-2': 'alias/snapward-vault' }, retentionDays: 30, tiers: [1 as const] };
    const deps = h.with({ config: config({ instances: members, kms: KMS, accounts: ACCOUNTS, vault }) });
    await fleetStatus(deps, { live: true });
    expect(vaultRds.calls.filter((c) => c.op === 'listSnapshots').map((c) => c.arg)).toHaveLength(1);
  });

  it('quota warnings are per account: each account\'s quota is read with its own role and its finding names it', async () => {
    const { h, rdsOf } = fleet([member({ id: 'jira-1' }), member({ id: 'jira-1', account: PROD_A, accountName: 'prod-a' })]);
    rdsOf.get(PROD_A)?.quotas.set('us-east-1', [{ name: 'ManualSnapshots', used: 90, max: 100 }]);
    h.rds.quotas.set('us-east-1', [{ name: 'ManualSnapshots', used: 10, max: 100 }]);
    const check = await runCheck(h.deps, { trigger: 'test' });
    const warnings = check.open.filter((f) => f.kind === 'Quota Warning');
    expect(warnings.map((f) => [f.key, f.detail.account])).toEqual([[`Quota Warning|${PROD_A}|us-east-1|ManualSnapshots`, PROD_A]]);
    expect(check.quotas.filter((q) => q.region === 'us-east-1').map((q) => [q.account, q.status])).toEqual([[PROD_A, 'warning'], [OWN_ACCOUNT, 'ok']]);
  });
});

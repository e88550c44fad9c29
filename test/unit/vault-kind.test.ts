import { reconcile } from '../../src/app/reconcile';
import { printReport } from '../../src/cli/commands/run';
import { exitCodeFor } from '../../src/cli/errors';
import { VaultConfig } from '../../src/domain/config';
import { SnapwardError } from '../../src/domain/errors';
import { memberKey } from '../../src/domain/ledger';
import { planVault } from '../../src/domain/kinds/vault';
import { planVaultExpire } from '../../src/domain/kinds/vault-expire';
import { isValidSnapshotId, vaultSnapshotId } from '../../src/domain/naming';
import { backsOff } from '../../src/domain/retry';
import { StepState } from '../../src/domain/steps';
import { TAG, vaultTags } from '../../src/domain/tags';
import { DAY, HOUR } from '../../src/domain/time';
import { FleetMember, Snapshot } from '../../src/domain/types';
import { MemberView } from '../../src/domain/work';
import { harness, Harness } from '../support/app-harness';
import { captureOutput } from '../support/cli-capture';
import { at, managed, managedCopy, member } from '../support/builders';
import { OWN_ACCOUNT } from '../support/fake-accounts';
import { FakeKeys, FakeRds } from '../support/fake-provider';

const NOW = at('2026-11-24T10:00:00Z');
const VAULT_ID = '999999999999';
const OTHER = '222222222222';

/** A vault copy of `dr` as the vault account holds it (tags as the executor writes them). */
function vaultCopy(dr: Snapshot, account = OWN_ACCOUNT, over: Partial<Snapshot> = {}): Snapshot {
  const rp = new Date(dr.tags[TAG.recoveryPoint] as string);
  const id = vaultSnapshotId(account, dr.id);
  return { ...dr, id, arn: `arn:aws:rds:${dr.region}:${VAULT_ID}:snapshot:${id}`, createdAt: new Date(rp.getTime() + 2 * HOUR), tags: vaultTags(dr, rp, account), ...over };
}

/** A member's primary point of `day` and its DR copy. */
function pointOf(m: FleetMember, day: string): { primary: Snapshot; dr: Snapshot } {
  const primary = managed(`sw-${m.id}-${day.replace(/-/g, '')}`, m.id, at(`${day}T01:00:00Z`), { dbId: m.id });
  return { primary, dr: managedCopy(primary, m.drRegion, at(`${day}T02:00:00Z`), { kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr' }) };
}

const vaultConfig = (over: Partial<VaultConfig> = {}): VaultConfig => ({ account: { id: VAULT_ID, roleArn: `arn:aws:iam::${VAULT_ID}:role/snapward-vault` }, kms: { 'us-west-2': 'alias/vault' }, retentionDays: 35, tiers: [0, 1, 2, 3], ...over });

describe('vault copy ids', () => {
  it('carry the source account, so the same DR copy id from two accounts gives two ids; always valid and at most 63 characters', () => {
    expect(vaultSnapshotId('111111111111', 'sw-jira-1-20261124')).toBe('sw-v111111111111-jira-1-20261124');
    expect(vaultSnapshotId('111111111111', 'sw-jira-1-20261124')).not.toBe(vaultSnapshotId('222222222222', 'sw-jira-1-20261124'));
    const long = `sw-${'a'.repeat(51)}-20261124`;
    const other = `sw-${'a'.repeat(50)}b-20261124`;
    for (const id of [long, other]) expect(isValidSnapshotId(vaultSnapshotId('111111111111', id))).toBe(true);
    expect(vaultSnapshotId('111111111111', long)).not.toBe(vaultSnapshotId('111111111111', other));
    expect(() => vaultSnapshotId('prod-a', 'sw-x-1')).toThrow(/12-digit/);
  });

  it('VAULT_KEY_NOT_SHAREABLE backs off like ACCESS_DENIED: it needs an operator to fix the key', () => {
    expect(backsOff({ code: 'VAULT_KEY_NOT_SHAREABLE', message: 'x' })).toBe(true);
  });
});

describe('vault planner', () => {
  const m = member({ id: 'db1', tier: 1, account: OWN_ACCOUNT });
  const d23 = pointOf(m, '2026-11-23');
  const d24 = pointOf(m, '2026-11-24');
  const view = (snapshots: Snapshot[], vault: Snapshot[] | null, over: Partial<MemberView> = {}): MemberView => ({
    member: m, snapshots, steps: new Map(), now: NOW, retentionDays: 30, periodMs: DAY, timeouts: { copyMs: 24 * HOUR, createMs: 12 * HOUR }, expired: new Set(),
    ...(vault ? { vault: { accountId: VAULT_ID, retentionDays: 35, tiers: [0, 1, 2, 3], snapshots: vault } } : {}),
    ...over,
  });
  const brief = (v: MemberView) => planVault(v).steps.map((s) => [s.target.id, s.phase, (s.input as { action?: string } | null)?.action ?? null]);
  const vaultSlot = { account: VAULT_ID, region: 'us-west-2', dbKind: 'instance' };

  it.each([
    ['no vault configured: nothing', [d24.primary, d24.dr], null, []],
    ['no DR copy yet: nothing', [d24.primary], [], []],
    ['a DR copy still copying: nothing', [d24.primary, { ...d24.dr, status: 'copying' }], [], []],
    ['no vault copy: the newest available DR copy', [d23.primary, d23.dr, d24.primary, d24.dr], [], [['sw-v123456789012-db1-20261124', 'ready', 'start']]],
    ['the newest DR copy still copying: the newest available one', [d23.dr, { ...d24.dr, status: 'copying' }], [], [['sw-v123456789012-db1-20261123', 'ready', 'start']]],
    ['a vault copy of an older point: the newer one', [d24.dr], [vaultCopy(d23.dr)], [['sw-v123456789012-db1-20261124', 'ready', 'start']]],
    ['the newest point already vaulted: nothing', [d23.dr, d24.dr], [vaultCopy(d24.dr)], []],
    ['the newest point on its way to the vault: watched, nothing new', [d24.dr], [vaultCopy(d24.dr, OWN_ACCOUNT, { status: 'pending' })], [['sw-v123456789012-db1-20261124', 'in-flight', null]]],
    ['a vault copy from another account with the same instance id does not count', [d24.dr], [vaultCopy(d24.dr, OTHER)], [['sw-v123456789012-db1-20261124', 'ready', 'start']]],
  ] as const)('%s', (_name, snapshots, vault, expected) => {
    expect(brief(view([...snapshots], vault ? [...vault] : null))).toEqual(expected);
  });

  it('a tier the vault does not cover gets no vault copy', () => {
    const v = view([d24.dr], []);
    expect(planVault({ ...v, vault: { ...v.vault!, tiers: [0] } }).steps).toEqual([]);
  });

  it('the start step takes a slot of the vault account in the DR region, and carries the vault tags and the recovery point of the DR copy', () => {
    const steps = planVault(view([d24.dr], [])).steps;
    expect(steps[0]?.slot).toEqual(vaultSlot);
    expect(steps[0]?.input).toMatchObject({ action: 'start', drCopy: { id: d24.dr.id }, targetId: 'sw-v123456789012-db1-20261124', tags: { [TAG.managed]: 'true', [TAG.instance]: 'db1', [TAG.sourceAccount]: OWN_ACCOUNT, [TAG.vault]: 'true', [TAG.sourceSnapshot]: d24.dr.id, [TAG.recoveryPoint]: '2026-11-24T01:00:00.000Z' } });
  });

  const inFlight = (target: Snapshot, over: Partial<StepState> = {}): Map<string, StepState> => {
    const id = `vault:us-west-2/${target.id}`;
    return new Map([[id, { id, kind: 'vault', target: { id: target.id, region: target.region, kind: target.kind }, slot: vaultSlot as StepState['slot'], phase: 'in-flight', attempts: 0, nextAttemptAt: null, lastError: null, startedAt: NOW, finishedAt: null, ...over }]]);
  };

  it.each([
    ['available', 'available'],
    ['failed in AWS', 'failed'],
  ])('a vault copy seen in flight and now %s: the share is removed (no slot needed)', (_name, status) => {
    const copy = vaultCopy(d24.dr, OWN_ACCOUNT, { status });
    const steps = planVault(view([d24.dr], [copy], { steps: inFlight(copy) })).steps;
    expect(steps.map((s) => [s.target.id, s.phase, (s.input as { action: string }).action, s.slot])).toEqual([[copy.id, 'ready', 'unshare', null]]);
    expect(steps[0]?.input).toMatchObject({ drCopy: { id: d24.dr.id, region: 'us-west-2' }, vaultCopy: { status } });
  });

  it('a vault copy that vanished on its way: the share is removed before the copy is made again', () => {
    const copy = vaultCopy(d24.dr);
    expect(brief(view([d24.dr], [], { steps: inFlight(copy) }))).toEqual([[copy.id, 'ready', 'unshare']]);
  });

  it('an unshare that failed is owed until it succeeds; once the DR copy is gone nothing is shared any more', () => {
    const copy = vaultCopy(d24.dr);
    const failedUnshare = inFlight(copy, { phase: 'failed', attempts: 1, lastError: { code: 'THROTTLED', message: 'x', step: 'unshare' } });
    expect(brief(view([d24.dr], [copy], { steps: failedUnshare }))).toEqual([[copy.id, 'ready', 'unshare']]);
    expect(brief(view([d23.dr], [copy], { steps: failedUnshare }))).toEqual([]);
  });

  it('a vault copy on its way longer than timeouts.copy is cancelled (no slot needed); a younger one is watched', () => {
    const copy = vaultCopy(d24.dr, OWN_ACCOUNT, { status: 'pending' });
    const old = planVault(view([d24.dr], [copy], { steps: inFlight(copy, { startedAt: new Date(NOW.getTime() - 25 * HOUR) }) })).steps;
    expect(old.map((s) => [s.phase, (s.input as { action: string }).action, s.slot])).toEqual([['ready', 'cancel', null]]);
    expect(old[0]?.input).toMatchObject({ target: { id: copy.id }, drCopy: { id: d24.dr.id } });
    const young = planVault(view([d24.dr], [copy], { steps: inFlight(copy, { startedAt: new Date(NOW.getTime() - 2 * HOUR) }) })).steps;
    expect(young.map((s) => s.phase)).toEqual(['in-flight']);
  });

  it('a failed vault copy at the id blocks the next attempt, naming what to do', () => {
    const failed = vaultCopy(d24.dr, OWN_ACCOUNT, { status: 'failed' });
    const steps = planVault(view([d24.dr], [failed])).steps;
    expect(steps.map((s) => [s.phase, s.error?.code])).toEqual([['blocked', 'SNAPSHOT_ID_TAKEN']]);
    expect(steps[0]?.reason).toMatch(/delete it in the vault account/);
  });

  it('a member whose account id is not known gets no vault copy, and a warning', () => {
    const out = planVault({ ...view([d24.dr], []), member: { ...m, account: 'prod-a' } });
    expect(out.steps).toEqual([]);
    expect(out.warnings).toEqual([expect.stringMatching(/account id is not known/)]);
  });
});

describe('vault retention planner', () => {
  const m = member({ id: 'db1', tier: 1, account: OWN_ACCOUNT });
  const days = ['2026-10-01', '2026-10-10', '2026-10-18', '2026-11-20'].map((d) => vaultCopy(pointOf(m, d).dr));
  const view = (vault: Snapshot[], retentionDays = 35, tiers: number[] = [1]): MemberView => ({
    member: m, snapshots: [], steps: new Map(), now: NOW, retentionDays: 30, periodMs: DAY, timeouts: { copyMs: DAY, createMs: DAY }, expired: new Set(),
    vault: { accountId: VAULT_ID, retentionDays, tiers, snapshots: vault },
  });
  const ids = (v: MemberView) => planVaultExpire(v).steps.map((s) => s.target.id);

  it('deletes vault copies older than the vault retention, each marked as destroying a recovery point', () => {
    const steps = planVaultExpire(view(days)).steps; // 35 days before Nov 24: Oct 20
    expect(steps.map((s) => s.target.id)).toEqual([days[2]!.id, days[1]!.id, days[0]!.id]);
    expect(steps.every((s) => s.destroys && s.slot === null)).toBe(true);
  });

  it('the vault retention is its own: 60 days keeps them all', () => {
    expect(ids(view(days, 40))).toEqual([days[1]!.id, days[0]!.id]);
    expect(ids(view(days, 60))).toEqual([]);
  });

  it("never the member's newest available vault copy, however old", () => {
    expect(ids(view([days[0]!, days[1]!]))).toEqual([days[0]!.id]);
    expect(ids(view([days[0]!, { ...days[1]!, status: 'pending' }]))).toEqual([]);
  });

  it('never a snapshot without the managed and vault tags, nor one copied from another account', () => {
    const noVaultTag = { ...days[0]!, tags: { ...days[0]!.tags, [TAG.vault]: 'false' } };
    const unmanaged = { ...days[1]!, tags: {} };
    const foreignAccount = vaultCopy(pointOf(m, '2026-10-05').dr, OTHER);
    expect(ids(view([noVaultTag, unmanaged, foreignAccount, days[3]!]))).toEqual([]);
  });

  it('copies of a tier the vault no longer covers still age out; no vault: nothing', () => {
    expect(ids(view(days, 35, [0]))).toEqual([days[2]!.id, days[1]!.id, days[0]!.id]);
    const { vault: _none, ...noVault } = view(days);
    expect(planVaultExpire(noVault).steps).toEqual([]);
  });
});

describe('the engine with a vault account', () => {
  interface VaultHarness extends Harness {
    readonly vaultRds: FakeRds;
    readonly vaultKeys: FakeKeys;
  }

  function withVault(ids = ['db1'], over: Parameters<typeof harness>[0] = {}): VaultHarness {
    const h = harness({ instances: ids.map((id) => member({ id, tier: 1, account: OWN_ACCOUNT })), kms: { 'us-west-2': 'alias/dr' }, vault: vaultConfig(), ...over }, '2026-11-24T10:00:00Z');
    for (const id of ids) h.rds.addDatabase({ id });
    const vaultRds = new FakeRds(h.clock);
    vaultRds.accountId = VAULT_ID;
    vaultRds.link(h.rds);
    const vaultKeys = new FakeKeys();
    h.accounts.vault = { id: VAULT_ID, name: null, provider: vaultRds, keys: vaultKeys, restores: h.restores };
    return Object.assign(h, { vaultRds, vaultKeys });
  }

  /** Passes until the member's DR copy is available (AWS-like: everything takes a pass to finish). */
  async function toDrCopy(h: VaultHarness): Promise<void> {
    await reconcile(h.deps, { trigger: 'test' }); // created (creating)
    h.rds.settle();
    await reconcile(h.deps, { trigger: 'test' }); // copied (pending)
    h.rds.settle();
  }

  const shared = (h: VaultHarness, id = 'sw-db1-20261124') => [...(h.rds.shares.get(`us-west-2/instance/${id}`) ?? [])];

  it('shares the DR copy, copies it with the vault role under the vault key and tags, and removes the share once the copy is available', async () => {
    const h = withVault();
    await toDrCopy(h);
    const pass = await reconcile(h.deps, { trigger: 'test' });
    const vaultId = 'sw-v123456789012-db1-20261124';
    expect(pass.results[0]).toMatchObject({ status: 'ok', vaulted: [{ id: vaultId, region: 'us-west-2', kind: 'instance' }] });
    expect(pass.summary.vaulted).toBe(1);
    expect(shared(h)).toEqual([VAULT_ID]);
    expect(h.vaultRds.calls.filter((c) => c.op === 'copySnapshot').map((c) => c.arg)).toEqual([
      `us-west-2/instance/${vaultId}<-arn:aws:rds:us-west-2:123456789012:snapshot:sw-db1-20261124|key=arn:aws:kms:us-west-2:123456789012:key/fake-us-west-2`,
    ]);
    const copy = h.vaultRds.snapshots.get(`us-west-2/instance/${vaultId}`);
    expect(copy?.tags).toMatchObject({ [TAG.managed]: 'true', [TAG.instance]: 'db1', [TAG.vault]: 'true', [TAG.sourceAccount]: OWN_ACCOUNT, [TAG.recoveryPoint]: expect.stringMatching(/^2026-11-24T10:00:00/) });
    // The DR key was inspected in the member's account before anything was shared.
    expect(h.keys.inspected).toContain('us-west-2|arn:aws:kms:us-west-2:123456789012:key/fake-us-west-2');
    const ledger = await h.store.getMemberState(memberKey(member({ id: 'db1', account: OWN_ACCOUNT })));
    expect(ledger?.vault?.map((s) => [s.id, s.status])).toEqual([[vaultId, 'pending']]);
    expect(ledger?.snapshots.some((s) => s.id === vaultId)).toBe(false);

    // In flight until AWS says available; the next pass refreshes it by id in the vault account and unshares.
    h.clock.advance(15 * 60 * 1000);
    const watching = await reconcile(h.deps, { trigger: 'test' });
    expect(watching.results[0]?.steps?.filter((s) => s.kind === 'vault').map((s) => s.phase)).toEqual(['in-flight']);
    expect(shared(h)).toEqual([VAULT_ID]);
    h.vaultRds.settle();
    h.clock.advance(15 * 60 * 1000);
    const done = await reconcile(h.deps, { trigger: 'test' });
    expect(h.vaultRds.calls.some((c) => c.op === 'listSnapshotsMatching' && c.arg === `us-west-2/instance/snapshot:${vaultId}`)).toBe(true);
    expect(shared(h)).toEqual([]);
    expect(done.results[0]).toMatchObject({ status: 'ok' });
    expect(done.results[0]?.vaulted).toBeUndefined(); // listed once, when it started
    expect((await h.store.getMemberState(memberKey(member({ id: 'db1', account: OWN_ACCOUNT }))))?.vault?.map((s) => s.status)).toEqual(['available']);
    // Nothing left to do for the vault: the next pass leaves the member alone.
    h.clock.advance(15 * 60 * 1000);
    const idle = await reconcile(h.deps, { trigger: 'test' });
    expect(idle.results).toEqual([]);
  });

  it('a vault copy AWS makes available at once (as moto does) is unshared in the same step', async () => {
    const h = withVault();
    h.rds.newStatus = 'available';
    h.vaultRds.newStatus = 'available';
    const first = await reconcile(h.deps, { trigger: 'test' }); // created and copied to the DR region
    expect(first.results[0]?.copied).toHaveLength(1);
    const pass = await reconcile(h.deps, { trigger: 'test' }); // due again at once: the DR copy awaits its vault copy
    expect(pass.results[0]).toMatchObject({ status: 'ok', vaulted: [{ id: 'sw-v123456789012-db1-20261124' }] });
    expect(h.rds.count('shareSnapshot')).toBe(1);
    expect(h.rds.count('unshareSnapshot')).toBe(1);
    expect(shared(h)).toEqual([]);
    // `snapward run` says so in its summary line (only a pass that touched the vault mentions it).
    const out = captureOutput();
    printReport(pass, out, false);
    expect(out.stdout).toMatch(/, 0 deleted, 1 vaulted, 0 vault copies deleted, \d+ in progress, 0 failed/);
    const plain = captureOutput();
    printReport(first, plain, false);
    expect(plain.stdout).toMatch(/, 0 deleted, \d+ in progress/);
  });

  it('a vault copy that failed in AWS: the share is removed and the failure reported (a pass whose only failure is the vault exits 1)', async () => {
    const h = withVault();
    await toDrCopy(h);
    await reconcile(h.deps, { trigger: 'test' });
    h.vaultRds.setStatus({ id: 'sw-v123456789012-db1-20261124', region: 'us-west-2', kind: 'instance' }, 'failed');
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(shared(h)).toEqual([]);
    expect(pass.results[0]?.status).toBe('failed');
    expect(pass.results[0]?.errors.map((e) => e.message)).toEqual([expect.stringMatching(/vault copy sw-v123456789012-db1-20261124 .* ended in state 'failed'.*share with the vault account was removed/)]);
    // Nothing else failed: the vault step alone makes the pass fail, and the CLI's exit code 1.
    expect(pass.results[0]?.steps?.filter((s) => s.error).map((s) => s.kind)).toEqual(['vault']);
    expect(pass.summary.failed).toBe(1);
    expect(pass.outcome).toBe('failed');
    expect(exitCodeFor({ unobserved: pass.unobserved.length > 0, failed: pass.summary.failed > 0 || pass.problems.length > 0 })).toBe(1);
    // The failed copy holds its id: the next pass says so instead of trying again blindly.
    const next = await reconcile(h.deps, { trigger: 'test' });
    expect(next.results[0]?.errors.map((e) => e.code)).toEqual(['SNAPSHOT_ID_TAKEN']);
    expect(h.vaultRds.count('copySnapshot')).toBe(1);
  });

  it('an unshare that fails is tried again by the next pass until the share is gone', async () => {
    const h = withVault();
    await toDrCopy(h);
    await reconcile(h.deps, { trigger: 'test' });
    h.vaultRds.settle();
    h.rds.fail('unshareSnapshot', 'sw-db1-20261124', () => new SnapwardError('THROTTLED', 'Rate exceeded', { retryable: true }), 1);
    const failing = await reconcile(h.deps, { trigger: 'test' });
    expect(failing.results[0]?.errors.map((e) => [e.code, e.step])).toEqual([['THROTTLED', 'unshare']]);
    expect(shared(h)).toEqual([VAULT_ID]);
    const again = await reconcile(h.deps, { trigger: 'test' });
    expect(again.results[0]?.status).toBe('ok');
    expect(shared(h)).toEqual([]);
    expect(h.rds.count('unshareSnapshot')).toBe(2);
  });

  it('a vault copy on its way longer than timeouts.copy is deleted with the vault role, the share removed, and made again', async () => {
    const h = withVault();
    await toDrCopy(h);
    await reconcile(h.deps, { trigger: 'test' });
    const vaultId = 'sw-v123456789012-db1-20261124';
    h.clock.advance(25 * HOUR);
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(h.vaultRds.calls.filter((c) => c.op === 'deleteSnapshot').map((c) => c.arg)).toEqual([`us-west-2/instance/${vaultId}`]);
    expect(h.rds.count('deleteSnapshot')).toBe(0);
    expect(shared(h)).toEqual([]);
    expect(pass.results[0]?.errors.map((e) => e.code)).toEqual(['COPY_TIMED_OUT']);
    const again = await reconcile(h.deps, { trigger: 'test' });
    expect(again.results[0]?.vaulted?.map((s) => s.id)).toEqual([vaultId]);
    expect(shared(h)).toEqual([VAULT_ID]);
  });

  it('VAULT_KEY_NOT_SHAREABLE: a DR copy under an AWS managed key is never shared; the failure names the key, the instance and the fix, and backs off', async () => {
    const h = withVault();
    h.keys.awsManaged.add('arn:aws:kms:us-west-2:123456789012:key/fake-us-west-2');
    await toDrCopy(h);
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(h.rds.count('shareSnapshot')).toBe(0);
    expect(h.vaultRds.count('copySnapshot')).toBe(0);
    const [error] = pass.results[0]?.errors ?? [];
    expect(error?.code).toBe('VAULT_KEY_NOT_SHAREABLE');
    expect(error?.message).toMatch(/no vault copy of db1 .*AWS managed key arn:aws:kms:us-west-2:123456789012:key\/fake-us-west-2 .*customer managed key \(kms\.us-west-2\).*vault account/);
    expect(pass.results[0]?.nextAttemptAt).toBeInstanceOf(Date);
    expect(pass.summary.failed).toBe(1);
    // Backing off: the next pass reports it without asking KMS again.
    const inspected = h.keys.inspected.length;
    const next = await reconcile(h.deps, { trigger: 'test' });
    expect(h.keys.inspected.length).toBe(inspected);
    expect(next.results[0]?.errors.map((e) => e.code)).toEqual(['VAULT_KEY_NOT_SHAREABLE']);
  });

  it('the vault cannot copy a snapshot that is not shared with it (the fake answers as AWS does)', async () => {
    const h = withVault();
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    const dr = [...h.rds.snapshots.values()].find((s) => s.region === 'us-west-2')!;
    h.rds.shares.clear();
    await expect(h.vaultRds.copySnapshot({ kind: 'instance', source: dr, targetRegion: 'us-west-2', targetId: 'sw-vx-1', kmsKeyId: 'k', tags: {} })).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });

  it('a vault copy waits when the vault account has no free copy slot in the DR region; the member account\'s slots are its own', async () => {
    const h = withVault(['a', 'b'], { concurrency: { instances: 4, instanceCopiesPerRegion: 1, clusterCopiesPerRegion: 1 } });
    // Both members already have an available DR copy (the first pass audits and finds them).
    for (const id of ['a', 'b']) {
      const { primary, dr } = pointOf(member({ id }), '2026-11-24');
      h.rds.put(primary).put(dr);
    }
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(pass.summary).toMatchObject({ vaulted: 1 });
    const deferred = pass.results.flatMap((r) => r.deferred);
    expect(deferred).toEqual([expect.objectContaining({ step: 'vault', reason: `0 in flight to us-west-2 in the vault account ${VAULT_ID} (limit 1)` })]);
    expect(h.vaultRds.count('copySnapshot')).toBe(1);
    // The waiting one starts once the vault's slot is free.
    h.vaultRds.settle();
    const next = await reconcile(h.deps, { trigger: 'test' });
    expect(next.summary).toMatchObject({ vaulted: 1 });
    expect(h.vaultRds.count('copySnapshot')).toBe(2);
  });

  it('two member accounts: the same instance id gets two vault copies kept apart, and the vault slots are one pool for both accounts', async () => {
    const PROD_A = '111111111111';
    const h = withVault(['db1'], {
      instances: [member({ id: 'db1', tier: 1, account: OWN_ACCOUNT }), member({ id: 'db1', tier: 1, account: PROD_A, accountName: 'prod-a' })],
      accounts: [{ name: 'prod-a', id: PROD_A, roleArn: `arn:aws:iam::${PROD_A}:role/snapward-member` }],
      concurrency: { instances: 4, instanceCopiesPerRegion: 1, clusterCopiesPerRegion: 1 },
    });
    const prodA = new FakeRds(h.clock);
    prodA.accountId = PROD_A;
    prodA.addDatabase({ id: 'db1' });
    h.accounts.add({ id: PROD_A, name: 'prod-a', provider: prodA, keys: new FakeKeys(), restores: h.restores });
    h.vaultRds.link(prodA);
    for (const rds of [h.rds, prodA]) {
      const { primary, dr } = pointOf(member({ id: 'db1' }), '2026-11-24');
      const arn = (s: Snapshot) => s.arn.replace('123456789012', rds.accountId);
      rds.put({ ...primary, arn: arn(primary) }).put({ ...dr, arn: arn(dr) });
    }
    const first = await reconcile(h.deps, { trigger: 'test' });
    expect(first.summary).toMatchObject({ vaulted: 1 });
    // Deferred when planned (the slot went to the other account's member), not refused at the lease.
    expect(first.results.flatMap((r) => r.deferred)).toEqual([expect.objectContaining({ step: 'vault', reason: `0 in flight to us-west-2 in the vault account ${VAULT_ID} (limit 1)` })]);
    h.vaultRds.settle();
    await reconcile(h.deps, { trigger: 'test' });
    const vaultIds = [...h.vaultRds.snapshots.values()].map((s) => [s.id, s.tags[TAG.sourceAccount]]).sort();
    expect(vaultIds).toEqual([['sw-v111111111111-db1-20261124', PROD_A], ['sw-v123456789012-db1-20261124', OWN_ACCOUNT]]);
    // Each account shared its own DR copy, and only while its copy was on its way.
    expect(prodA.calls.filter((c) => c.op === 'shareSnapshot').map((c) => c.arg)).toEqual([`us-west-2/instance/sw-db1-20261124:${VAULT_ID}`]);
    expect(h.rds.calls.filter((c) => c.op === 'shareSnapshot').map((c) => c.arg)).toEqual([`us-west-2/instance/sw-db1-20261124:${VAULT_ID}`]);
    const vaultOf = async (account: string) => (await h.store.getMemberState(memberKey(member({ id: 'db1', account }))))?.vault?.map((s) => s.id);
    expect(await vaultOf(PROD_A)).toEqual(['sw-v111111111111-db1-20261124']);
    expect(await vaultOf(OWN_ACCOUNT)).toEqual(['sw-v123456789012-db1-20261124']);
  });

  it("vault retention deletes with the vault's role after confirming from the vault side; never the newest vault copy, never a foreign snapshot", async () => {
    const h = withVault();
    const m = member({ id: 'db1', account: OWN_ACCOUNT });
    const old = ['2026-10-01', '2026-10-10'].map((d) => vaultCopy(pointOf(m, d).dr));
    const newest = vaultCopy(pointOf(m, '2026-11-24').dr);
    const foreign = { ...vaultCopy(pointOf(m, '2026-10-02').dr), tags: { [TAG.instance]: 'db1' } };
    const otherAccount = vaultCopy(pointOf(m, '2026-10-03').dr, OTHER);
    for (const s of [...old, newest, foreign, otherAccount]) h.vaultRds.put(s);
    const { primary, dr } = pointOf(m, '2026-11-24');
    h.rds.put(primary).put(dr);
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(pass.results[0]?.vaultDeleted?.map((s) => s.id).sort()).toEqual(old.map((s) => s.id).sort());
    expect(h.vaultRds.calls.filter((c) => c.op === 'deleteSnapshot').map((c) => c.arg).sort()).toEqual(old.map((s) => `us-west-2/instance/${s.id}`).sort());
    expect(h.rds.count('deleteSnapshot')).toBe(0);
    // Confirmed with AWS from the vault account by id first, the newest vault copy among the ids asked.
    const confirm = h.vaultRds.calls.find((c) => c.op === 'listSnapshotsMatching' && c.arg.includes('snapshot:'));
    expect(confirm?.arg).toContain(newest.id);
    expect([...h.vaultRds.snapshots.values()].map((s) => s.id).sort()).toEqual([newest.id, foreign.id, otherAccount.id].sort());
    expect(pass.results[0]?.vaulted).toBeUndefined(); // the newest point is vaulted already
  });

  it('a vault delete is refused when the vault side no longer shows the newest vault copy', async () => {
    const h = withVault();
    const m = member({ id: 'db1', account: OWN_ACCOUNT });
    const old = vaultCopy(pointOf(m, '2026-10-01').dr);
    const newest = vaultCopy(pointOf(m, '2026-11-23').dr);
    h.vaultRds.put(old).put(newest);
    const { primary, dr } = pointOf(m, '2026-11-23');
    h.rds.put(primary).put(dr);
    // The audit listing sees both; by the time deletions are confirmed the newest is gone.
    const list = h.vaultRds.listSnapshotsMatching.bind(h.vaultRds);
    h.vaultRds.listSnapshotsMatching = async (region, kind, filter) => {
      const found = await list(region, kind, filter);
      return 'snapshotIds' in filter ? found.filter((s) => s.id !== newest.id) : found;
    };
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(h.vaultRds.count('deleteSnapshot')).toBe(0);
    expect(pass.results[0]?.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/retention deleted nothing in us-west-2 \(vault\): the newest recovery point .* no longer exists/)]));
  });

  it('a vault listing that fails is reported for the member, and nothing is deleted on the ledger\'s word', async () => {
    const h = withVault();
    h.rds.newStatus = 'available';
    h.vaultRds.fail('listSnapshotsMatching', 'us-west-2', () => new SnapwardError('ACCESS_DENIED', 'not authorized to perform rds:DescribeDBSnapshots'));
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(pass.results[0]?.status).toBe('failed');
    expect(pass.results[0]?.errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/could not list the vault account 999999999999 in us-west-2/)]));
    expect(h.vaultRds.count('deleteSnapshot')).toBe(0);
  });
});

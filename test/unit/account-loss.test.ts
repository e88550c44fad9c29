import { runCheck } from '../../src/app/check';
import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { newestVaultCopy, vaultCovers } from '../../src/domain/account-loss';
import { ownVaultCopiesOf } from '../../src/domain/vault-copies';
import { VaultConfig } from '../../src/domain/config';
import { SnapwardError } from '../../src/domain/errors';
import { memberKey } from '../../src/domain/ledger';
import { accountLossRpo } from '../../src/domain/rpo';
import { TAG } from '../../src/domain/tags';
import { DEFAULT_TIER_POLICIES } from '../../src/domain/tiers';
import { DAY, HOUR } from '../../src/domain/time';
import { FleetMember, Snapshot, Tier } from '../../src/domain/types';
import { harness, Harness } from '../support/app-harness';
import { member, snapshot } from '../support/builders';
import { OWN_ACCOUNT } from '../support/fake-accounts';
import { FakeRds } from '../support/fake-provider';

const VAULT = '999999999999';
const vaultConfig: VaultConfig = { account: { id: VAULT, roleArn: `arn:aws:iam::${VAULT}:role/snapward-vault` }, kms: { 'us-west-2': 'alias/vault' }, retentionDays: 35, tiers: [2, 3] };
/** Tier 3 sets an accountLoss target of 2 days; tier 2 is covered by the vault without a target; tier 1 is not covered. */
const tiers = { ...DEFAULT_TIER_POLICIES, 3: { ...DEFAULT_TIER_POLICIES[3], accountLossRpoMs: 2 * DAY } };

const withTarget = member({ id: 'db-t', tier: 3 });
const noTarget = member({ id: 'db-n', tier: 2 });
const uncovered = member({ id: 'db-u', tier: 1 });
const fleet = [withTarget, noTarget, uncovered];

/** A copy snapward made in the vault of `instanceId`'s DR copy: recovery point from the tag, copied (much) later. */
function vaultCopy(id: string, m: FleetMember, recoveryPoint: string, overrides: Partial<Snapshot> = {}, account = OWN_ACCOUNT): Snapshot {
  const copiedAt = new Date(new Date(recoveryPoint).getTime() + 20 * HOUR);
  return snapshot({
    id,
    region: m.drRegion,
    dbId: m.id,
    arn: `arn:aws:rds:${m.drRegion}:${VAULT}:snapshot:${id}`,
    createdAt: copiedAt,
    originalCreatedAt: copiedAt, // a copy of a copy: its own times are not the recovery point
    tags: {
      [TAG.managed]: 'true',
      [TAG.instance]: m.id,
      [TAG.type]: 'daily',
      [TAG.sourceRegion]: m.drRegion,
      [TAG.sourceSnapshot]: `sw-${m.id}-x`,
      [TAG.recoveryPoint]: new Date(recoveryPoint).toISOString(),
      [TAG.vault]: 'true',
      [TAG.sourceAccount]: account,
    },
    ...overrides,
  });
}

function setup(config: { vault?: VaultConfig | null } = {}): Harness & { vaultRds: FakeRds } {
  const h = harness({ instances: fleet, tiers, ...(config.vault === null ? {} : { vault: config.vault ?? vaultConfig }) }, '2026-11-24T10:00:00Z');
  for (const m of fleet) h.rds.addDatabase({ id: m.id, backupRetentionDays: 7 });
  h.rds.newStatus = 'available';
  const vaultRds = new FakeRds(h.clock);
  if (config.vault !== null) h.accounts.vault = { id: VAULT, name: null, provider: vaultRds, keys: h.keys, restores: h.restores };
  return Object.assign(h, { vaultRds });
}

/** The ledger as the vault work leaves it: `copies` in the member's vault entry (and in the vault account). */
async function vaultHolds(h: Harness & { vaultRds: FakeRds }, m: FleetMember, copies: Snapshot[], inAws = true): Promise<void> {
  const state = await h.store.getMemberState(memberKey(m));
  if (!state) throw new Error(`no ledger entry for ${m.id}: run a pass first`);
  await h.store.putMemberState({ ...state, vault: copies });
  if (inAws) for (const c of copies) h.vaultRds.put(c);
}

const of = <T extends { instanceId: string }>(instances: readonly T[], id: string): T => instances.find((i) => i.instanceId === id)!;

describe('accountLoss (domain)', () => {
  const policy = DEFAULT_TIER_POLICIES[3];
  const now = new Date('2026-11-24T10:00:00Z');
  const at = (iso: string) => [{ source: 'vault-copy' as const, time: new Date(iso), snapshotId: 'v' }];

  it('has no figure to judge without a tier target', () => {
    expect(accountLossRpo({ now, kind: 'instance', policy, candidates: at('2026-11-24T00:00:00Z') })).toBeNull();
  });

  it.each([
    ['2026-11-24T00:00:00Z', 10 * 3600, 'compliant'],
    ['2026-11-22T00:00:00Z', 58 * 3600, 'exceeded'],
    ['2026-11-10T00:00:00Z', 14 * 86400 + 10 * 3600, 'critical'],
  ] as const)('a vault copy from %s is %ds old: %s against a 2-day target', (iso, seconds, band) => {
    const r = accountLossRpo({ now, kind: 'instance', policy: { ...policy, accountLossRpoMs: 2 * DAY }, candidates: at(iso) });
    expect(r).toMatchObject({ scenario: 'accountLoss', targetSeconds: 2 * 86400, achievedSeconds: seconds, band, compliant: band === 'compliant', neverMeets: null });
  });

  it('no vault copy at all is critical against a target', () => {
    expect(accountLossRpo({ now, kind: 'instance', policy: { ...policy, accountLossRpoMs: 2 * DAY }, candidates: [] })).toMatchObject({ achievedSeconds: null, band: 'critical', compliant: false });
  });

  it('a target below the backup period can never be met (vault copies follow the daily DR copies)', () => {
    const r = accountLossRpo({ now, kind: 'instance', policy: { ...policy, accountLossRpoMs: 12 * HOUR }, candidates: at('2026-11-24T09:00:00Z') });
    expect(r?.neverMeets?.reason).toMatch(/vault copies are made from the DR copies, once every 1d/);
    expect(r?.neverMeets?.remedy).toMatch(/snapshotEvery <= 12h/);
  });

  it('covers the tiers vault.tiers lists, and nothing without a vault', () => {
    expect(vaultCovers({ vault: vaultConfig }, { tier: 3 })).toBe(true);
    expect(vaultCovers({ vault: vaultConfig }, { tier: 1 as Tier })).toBe(false);
    expect(vaultCovers({}, { tier: 3 })).toBe(false);
  });

  it("counts only the member's available vault copies from its own account, by the recovery-point tag", () => {
    const m = withTarget;
    const copies = [
      vaultCopy('v-old', m, '2026-11-22T00:00:00Z'),
      vaultCopy('v-copying', m, '2026-11-24T00:00:00Z', { status: 'copying' }),
      vaultCopy('v-other-account', m, '2026-11-24T01:00:00Z', {}, '222222222222'),
      vaultCopy('v-no-tag', m, '2026-11-24T02:00:00Z', {}),
      vaultCopy('v-other-db', member({ id: 'db-x', tier: 3 }), '2026-11-24T03:00:00Z'),
      snapshot({ id: 'foreign', region: 'us-west-2', dbId: m.id, createdAt: new Date('2026-11-24T04:00:00Z') }),
    ];
    const untagged = copies[3]!;
    copies[3] = { ...untagged, tags: Object.fromEntries(Object.entries(untagged.tags).filter(([k]) => k !== TAG.recoveryPoint)) };
    const mine = ownVaultCopiesOf(m, copies);
    expect(mine.map((s) => s.id)).toEqual(['v-old', 'v-copying', 'v-no-tag']);
    // The copy still copying does not count; the untagged one has no known recovery point (its copy time is not one).
    expect(newestVaultCopy(mine)).toEqual({ snapshot: copies[0], time: new Date('2026-11-22T00:00:00Z') });
  });
});

describe('accountLoss in status', () => {
  it('without a vault every member carries no accountLoss figure and is judged as before', async () => {
    const h = setup({ vault: null });
    await reconcile(h.deps, { trigger: 'test' });
    const status = await fleetStatus(h.deps);
    for (const i of status.instances) {
      expect(i).toMatchObject({ vault: null, rpo: { accountLoss: null } });
      expect(i.achieved.accountLoss).toBeNull();
      expect(i.band.accountLoss).toBeNull();
    }
  });

  it('reads vault copies from the ledger: figure and band with a target, figure only without one, nothing for a tier the vault leaves out', async () => {
    const h = setup();
    await reconcile(h.deps, { trigger: 'test' });
    await vaultHolds(h, withTarget, [vaultCopy('v-t-1', withTarget, '2026-11-23T10:00:00Z'), vaultCopy('v-t-2', withTarget, '2026-11-24T09:00:00Z', { status: 'copying' })]);
    await vaultHolds(h, noTarget, [vaultCopy('v-n-1', noTarget, '2026-11-20T10:00:00Z')]);
    await vaultHolds(h, uncovered, [vaultCopy('v-u-1', uncovered, '2026-11-24T09:00:00Z')]); // left over from when tier 1 was covered
    h.vaultRds.calls.length = 0;
    const status = await fleetStatus(h.deps);

    const t = of(status.instances, 'db-t');
    expect(t.vault).toEqual({ account: VAULT, newest: { snapshotId: 'v-t-1', time: new Date('2026-11-23T10:00:00Z') }, error: null });
    expect(t.achieved.accountLoss).toBe(DAY / 1000); // from the recovery point, not the copy time (20 h later), and not the copy still in progress
    expect(t.band.accountLoss).toBe('compliant');
    expect(t.rpo.accountLoss).toMatchObject({ scenario: 'accountLoss', targetSeconds: 2 * 86400, recoveryPoint: { source: 'vault-copy', snapshotId: 'v-t-1' } });

    const n = of(status.instances, 'db-n');
    expect(n.achieved.accountLoss).toBe(4 * 86400);
    expect(n.band.accountLoss).toBeNull(); // no target: figure only
    expect(n.rpo.accountLoss).toBeNull();
    expect(n.compliant).toBe(n.band.instanceLoss === 'compliant' && n.band.regionLoss === 'compliant');

    const u = of(status.instances, 'db-u');
    expect(u).toMatchObject({ vault: null, rpo: { accountLoss: null } });
    expect(u.achieved.accountLoss).toBeNull();
    expect(h.vaultRds.calls).toEqual([]); // the ledger is read; the vault account is not listed
    expect(status.unobserved).toEqual([]);
  });

  it('a covered member with a target and no available vault copy is critical and not compliant', async () => {
    const h = setup();
    h.clock.set('2026-11-24T10:00:00Z');
    await reconcile(h.deps, { trigger: 'test' });
    await vaultHolds(h, withTarget, [vaultCopy('v-t-1', withTarget, '2026-11-24T09:00:00Z', { status: 'copying' })]);
    const t = of((await fleetStatus(h.deps)).instances, 'db-t');
    expect(t.achieved.accountLoss).toBeNull();
    expect(t.band.accountLoss).toBe('critical');
    expect(t.compliant).toBe(false);
    expect(t.vault?.newest).toBeNull();
  });

  it('meeting the target counts towards compliant; missing it makes the member not compliant', async () => {
    const h = setup();
    await reconcile(h.deps, { trigger: 'test' });
    // Tier 3 is met for instance and region loss right after the pass (moto-like fake: copies available at once).
    const before = of((await fleetStatus(h.deps)).instances, 'db-t');
    expect(before.band).toMatchObject({ instanceLoss: 'compliant', regionLoss: 'compliant' });
    await vaultHolds(h, withTarget, [vaultCopy('v-t-1', withTarget, '2026-11-24T00:00:00Z')]);
    expect(of((await fleetStatus(h.deps)).instances, 'db-t').compliant).toBe(true);
    await vaultHolds(h, withTarget, [vaultCopy('v-t-0', withTarget, '2026-11-21T00:00:00Z')]);
    const late = of((await fleetStatus(h.deps)).instances, 'db-t');
    expect(late.band.accountLoss).toBe('exceeded'); // 3 d 10 h against 2 d
    expect(late.compliant).toBe(false);
  });

  it('lists the vault account for a member whose ledger never held its vault copies, and --live lists it always', async () => {
    const h = setup();
    await reconcile(h.deps, { trigger: 'test' });
    h.vaultRds.put(vaultCopy('v-t-1', withTarget, '2026-11-24T00:00:00Z'));
    h.vaultRds.put(vaultCopy('v-n-1', noTarget, '2026-11-24T00:00:00Z'));
    // A ledger entry that never held its vault copies (the vault work has not listed them yet).
    for (const m of [withTarget, noTarget]) {
      const { vault: _never, ...state } = (await h.store.getMemberState(memberKey(m)))!;
      await h.store.putMemberState(state);
    }
    h.vaultRds.calls.length = 0;
    const status = await fleetStatus(h.deps);
    expect(h.vaultRds.calls.map((c) => `${c.op} ${c.arg}`)).toEqual(['listSnapshots us-west-2/instance']); // one listing per DR region and kind
    expect(of(status.instances, 'db-t').vault?.newest?.snapshotId).toBe('v-t-1');
    expect(of(status.instances, 'db-n').achieved.accountLoss).toBe(10 * 3600);

    await vaultHolds(h, withTarget, [], false);
    await vaultHolds(h, noTarget, [], false);
    h.vaultRds.calls.length = 0;
    expect(of((await fleetStatus(h.deps)).instances, 'db-t').vault?.newest).toBeNull(); // the ledger says none
    const live = await fleetStatus(h.deps, { live: true });
    expect(of(live.instances, 'db-t').vault?.newest?.snapshotId).toBe('v-t-1');
    expect(h.vaultRds.count('listSnapshots')).toBe(1);
  });

  it('the same instance id in two accounts counts only the vault copies of its own account', async () => {
    const PROD_A = '111111111111';
    const inA = member({ id: 'db-t', tier: 3, account: PROD_A, accountName: 'prod-a' });
    const h = harness({ instances: [withTarget, inA], tiers, vault: vaultConfig, accounts: [{ name: 'prod-a', id: PROD_A, roleArn: `arn:aws:iam::${PROD_A}:role/snapward-member` }] });
    const rdsA = new FakeRds(h.clock);
    h.accounts.add({ id: PROD_A, name: 'prod-a', provider: rdsA, keys: h.keys, restores: h.restores });
    const vaultRds = new FakeRds(h.clock);
    h.accounts.vault = { id: VAULT, name: null, provider: vaultRds, keys: h.keys, restores: h.restores };
    for (const rds of [h.rds, rdsA]) rds.addDatabase({ id: 'db-t', backupRetentionDays: 7 });
    // Two vault copies of a database called db-t, told apart only by snapward:source-account.
    vaultRds.put(vaultCopy('v-own', withTarget, '2026-11-24T00:00:00Z', {}, OWN_ACCOUNT)).put(vaultCopy('v-a', inA, '2026-11-20T00:00:00Z', {}, PROD_A));
    const status = await fleetStatus(h.deps);
    const byAccount = new Map(status.instances.map((i) => [i.account, i]));
    expect(byAccount.get(OWN_ACCOUNT)?.vault?.newest?.snapshotId).toBe('v-own');
    expect(byAccount.get(OWN_ACCOUNT)?.achieved.accountLoss).toBe(10 * 3600);
    expect(byAccount.get(PROD_A)?.vault?.newest?.snapshotId).toBe('v-a');
    expect(byAccount.get(PROD_A)?.band.accountLoss).toBe('severe'); // 4 d 10 h against 2 d
  });

  it('a vault account that cannot be read leaves accountLoss unknown (never fine), and says so per region naming the vault', async () => {
    const h = setup();
    await reconcile(h.deps, { trigger: 'test' });
    h.vaultRds.put(vaultCopy('v-t-1', withTarget, '2026-11-24T00:00:00Z'));
    h.vaultRds.fail('listSnapshots', 'us-west-2', () => new SnapwardError('ACCESS_DENIED', 'User is not authorized to perform: sts:AssumeRole on snapward-vault'));
    const status = await fleetStatus(h.deps);
    const t = of(status.instances, 'db-t');
    expect(t.observed).toBe(true); // its own account was read: instance and region loss stand
    expect(t.band).toMatchObject({ instanceLoss: 'compliant', regionLoss: 'compliant', accountLoss: 'unknown' });
    expect(t.achieved.accountLoss).toBeNull();
    expect(t.compliant).toBe(false);
    expect(t.vault?.error?.code).toBe('ACCESS_DENIED');
    const n = of(status.instances, 'db-n');
    expect(n.band.accountLoss).toBeNull(); // no target: not judged, but its figure is not claimed either
    expect(n.achieved.accountLoss).toBeNull();
    expect(status.unobserved).toEqual([expect.objectContaining({ region: 'us-west-2', vaultAccount: VAULT, instances: ['db-n', 'db-t'] })]);
  });
});

describe('the watchdog and the vault', () => {
  /** A fleet known for weeks, backed up today, with each covered member's newest vault copy in the ledger and in the vault. */
  async function protectedFleet() {
    const h = setup();
    for (const m of fleet) await h.store.putMemberState({ key: memberKey(m), dueAt: new Date('2026-11-01T00:00:00Z'), auditedAt: null, policy: '', pending: [], snapshots: [], updatedAt: new Date('2026-11-01T00:00:00Z'), firstSeenAt: new Date('2026-11-01T00:00:00Z'), lost: [] });
    await reconcile(h.deps, { trigger: 'test' });
    await vaultHolds(h, withTarget, [vaultCopy('v-t-23', withTarget, '2026-11-23T00:00:00Z'), vaultCopy('v-t-24', withTarget, '2026-11-24T00:00:00Z')]);
    await vaultHolds(h, noTarget, [vaultCopy('v-n-24', noTarget, '2026-11-24T00:00:00Z')]);
    return h;
  }

  it("confirms each covered member's newest vault copy by id from the vault account, in one batch per region and kind", async () => {
    const h = await protectedFleet();
    h.vaultRds.calls.length = 0;
    const report = await runCheck(h.deps, { trigger: 'test' });
    expect(h.vaultRds.calls.map((c) => `${c.op} ${c.arg}`)).toEqual(['listSnapshotsMatching us-west-2/instance/snapshot:v-t-24,v-n-24']);
    expect(report.open.filter((f) => f.kind === 'Recovery Point Deleted' || f.kind === 'Observation Failed' || f.key.endsWith('|accountLoss'))).toEqual([]);
    expect(report.unobserved).toEqual([]);
  });

  it('a vault copy deleted in the vault is Recovery Point Deleted naming the vault account; the next newest is confirmed, and the ledger forgets it', async () => {
    const h = await protectedFleet();
    h.vaultRds.snapshots.delete('us-west-2/instance/v-t-24');
    h.clock.advance(HOUR);
    const report = await runCheck(h.deps, { trigger: 'test' });
    const deleted = report.open.filter((f) => f.kind === 'Recovery Point Deleted');
    expect(deleted.map((f) => f.detail)).toEqual([
      expect.objectContaining({ instanceId: 'db-t', region: 'us-west-2', snapshotId: 'v-t-24', account: VAULT, vault: true, recoveryPointTime: '2026-11-24T00:00:00.000Z', coverageRestored: false }),
    ]);
    expect(String(deleted[0]?.detail.message)).toMatch(/^vault copy v-t-24 of db-t in us-west-2 in vault account 999999999999 \(from 2026-11-24T00:00:00.000Z\) was deleted outside snapward; .*the next run copies into the vault again$/);
    expect(h.events.take().map((e) => e.detailType)).toContain('Recovery Point Deleted');
    // The older copy was asked about next and stands: accountLoss falls back to it.
    const t = of(report.status.instances, 'db-t');
    expect(t.vault?.newest?.snapshotId).toBe('v-t-23');
    expect(t.achieved.accountLoss).toBe(DAY / 1000 + 11 * 3600);
    const state = await h.store.getMemberState(memberKey(withTarget));
    expect(state?.vault?.map((s) => s.id)).toEqual(['v-t-23']);
    expect(state?.lost?.map((l) => l.snapshot.id)).toEqual(['v-t-24']);
    expect(state?.dueAt).toEqual(h.clock.now()); // the next pass makes the vault copy again

    // A newer vault copy covers it again: the finding resolves once told.
    await vaultHolds(h, withTarget, [vaultCopy('v-t-23', withTarget, '2026-11-23T00:00:00Z'), vaultCopy('v-t-24b', withTarget, '2026-11-24T00:00:00Z')]);
    h.clock.advance(HOUR);
    const healed = await runCheck(h.deps, { trigger: 'test' });
    expect(healed.resolved.filter((f) => f.kind === 'Recovery Point Deleted').map((f) => f.detail.snapshotId)).toEqual(['v-t-24']);
  });

  it('an accountLoss target below the backup period is one Target Unreachable with the remedy, never RPO Breached', async () => {
    const h = setup();
    const deps = h.with({ config: { ...h.deps.config, tiers: { ...tiers, 3: { ...tiers[3], accountLossRpoMs: 12 * HOUR } } } });
    for (const m of fleet) await h.store.putMemberState({ key: memberKey(m), dueAt: new Date('2026-11-01T00:00:00Z'), auditedAt: null, policy: '', pending: [], snapshots: [], updatedAt: new Date('2026-11-01T00:00:00Z'), firstSeenAt: new Date('2026-11-01T00:00:00Z'), lost: [] });
    await reconcile(deps, { trigger: 'test' });
    await vaultHolds(h, withTarget, [vaultCopy('v-t-20', withTarget, '2026-11-20T00:00:00Z')]);
    const report = await runCheck(deps, { trigger: 'test' });
    const account = report.open.filter((f) => f.key.endsWith('|accountLoss'));
    expect(account.map((f) => f.kind)).toEqual(['Target Unreachable']);
    expect(account[0]?.detail).toMatchObject({ instanceId: 'db-t', scenario: 'accountLoss', account: VAULT, targetSeconds: 12 * 3600 });
    expect(String(account[0]?.detail.remedy)).toMatch(/snapshotEvery <= 12h/);
  });

  it('a vault account that cannot be read is Observation Failed naming it, not a pass; accountLoss findings stay as they were until it is read again', async () => {
    const h = await protectedFleet();
    await vaultHolds(h, withTarget, [vaultCopy('v-t-20', withTarget, '2026-11-20T00:00:00Z')]); // 4 d 10 h: breaches the 2-day target
    const breached = await runCheck(h.deps, { trigger: 'test' });
    const rpo = breached.open.filter((f) => f.kind === 'RPO Breached' && f.detail.scenario === 'accountLoss');
    expect(rpo.map((f) => f.detail)).toEqual([expect.objectContaining({ instanceId: 'db-t', region: 'us-west-2', account: VAULT, targetSeconds: 2 * 86400, band: 'severe', achievedSeconds: 4 * 86400 + 10 * 3600 })]);
    expect(String(rpo[0]?.detail.message)).toMatch(/account loss would lose 381600s of db-t \(newest copy in vault account 999999999999\), target 172800s/);

    h.vaultRds.fail('listSnapshotsMatching', 'us-west-2', () => new SnapwardError('ACCESS_DENIED', 'AccessDenied: not authorized to perform sts:AssumeRole'));
    h.clock.advance(HOUR);
    const blind = await runCheck(h.deps, { trigger: 'test' });
    const failed = blind.open.filter((f) => f.kind === 'Observation Failed');
    expect(failed.map((f) => [f.key, f.subject])).toEqual([[`Observation Failed|us-west-2|vault:${VAULT}`, 'us-west-2']]);
    expect(failed[0]?.detail).toMatchObject({ account: VAULT, vault: true, instanceIds: ['db-n', 'db-t'] });
    expect(String(failed[0]?.detail.message)).toMatch(/^us-west-2 \(vault account 999999999999\): .*2 instance\(s\) cannot be observed in the vault/);
    expect(blind.unobserved).toHaveLength(1); // the check is partial, not a silent pass
    expect(blind.resolved.map((f) => f.kind)).not.toContain('RPO Breached'); // unknown resolves nothing
    expect(blind.open.map((f) => f.id)).toEqual(expect.arrayContaining(rpo.map((f) => f.id)));
    expect(of(blind.status.instances, 'db-t').band.accountLoss).toBe('unknown');
    // The fleet's own regions were read: no Observation Failed for them.
    expect(blind.open.some((f) => f.key === 'Observation Failed|us-west-2')).toBe(false);

    // Readable again, with a fresh vault copy: both resolve.
    const fresh = new FakeRds(h.clock);
    h.accounts.vault = { id: VAULT, name: null, provider: fresh, keys: h.keys, restores: h.restores };
    const copy = vaultCopy('v-t-24', withTarget, '2026-11-24T00:00:00Z');
    fresh.put(copy).put(vaultCopy('v-n-24', noTarget, '2026-11-24T00:00:00Z'));
    await vaultHolds(h, withTarget, [copy], false);
    h.clock.advance(HOUR);
    const healed = await runCheck(h.deps, { trigger: 'test' });
    expect(healed.resolved.map((f) => f.kind).sort()).toEqual(['Observation Failed', 'RPO Breached']);
    expect(healed.unobserved).toEqual([]);
  });
});

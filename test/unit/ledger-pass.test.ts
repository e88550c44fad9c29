import { reconcile } from '../../src/app/reconcile';
import { applyAudit, memberKey } from '../../src/domain/ledger';
import { nextDueAt as dueAt } from '../../src/app/engine/member-run';
import { DEFAULT_TIER_POLICIES } from '../../src/domain/tiers';
import { DAY, HOUR } from '../../src/domain/time';
import { harness } from '../support/app-harness';
import { managed, managedCopy, member } from '../support/builders';
import { Snapshot } from '../../src/domain/types';

/** The ledger's effect on a pass: what it no longer asks AWS, and how AWS still has the last word. */
const fleet = [member({ id: 'db1' }), member({ id: 'db2' }), member({ id: 'db3', region: 'eu-west-1', drRegion: 'eu-central-1' })];
const kms = { 'us-west-2': 'alias/dr-usw2', 'eu-central-1': 'alias/dr-euc1' };

function fleetHarness(now = '2026-11-24T10:00:00Z', extra: Parameters<typeof harness>[0] = {}) {
  const h = harness({ instances: fleet, kms, ...extra }, now);
  h.rds.addDatabase({ id: 'db1' }).addDatabase({ id: 'db2' }).addDatabase({ id: 'db3', region: 'eu-west-1' });
  return h;
}

describe('a pass over the ledger', () => {
  it('an idle pass makes no AWS call, takes no lease and writes no result', async () => {
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    const calls = h.rds.calls.length;
    const leases = jest.spyOn(h.store, 'acquireLease');
    h.clock.advance(15 * 60 * 1000);
    const idle = await reconcile(h.deps, { trigger: 'test' });
    expect(h.rds.calls.slice(calls)).toEqual([]);
    expect(leases).not.toHaveBeenCalled();
    expect(idle.summary).toMatchObject({ instances: 3, upToDate: 3, created: 0, failed: 0 });
    expect(idle.outcome).toBe('succeeded');
    expect(await h.store.listInstanceResults(idle.runId as string)).toEqual([]);
  });

  it('refreshes snapshots in flight by id, never by listing the region, and copies them once available', async () => {
    const h = fleetHarness();
    await reconcile(h.deps, { trigger: 'test' }); // creates; AWS says `creating`
    const calls = h.rds.calls.length;
    h.clock.advance(15 * 60 * 1000);
    const stillCreating = await reconcile(h.deps, { trigger: 'test' });
    expect(stillCreating.summary).toMatchObject({ copied: 0, inProgress: 3, upToDate: 0 });
    h.rds.settle();
    h.clock.advance(15 * 60 * 1000);
    const landed = await reconcile(h.deps, { trigger: 'test' });
    expect(landed.summary).toMatchObject({ copied: 3, failed: 0 });
    const reads = h.rds.calls.slice(calls).filter((c) => !['copySnapshot'].includes(c.op));
    expect(reads.map((c) => c.op)).toEqual(Array(reads.length).fill('listSnapshotsMatching'));
    expect(reads.map((c) => c.arg)).toContain('us-east-1/instance/snapshot:sw-db1-20261124,sw-db2-20261124');
  });

  it('a snapshot gone from AWS while in flight leaves the ledger, and the period is taken again', async () => {
    const h = fleetHarness();
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.snapshots.delete('us-east-1/instance/sw-db1-20261124'); // the create failed and AWS dropped it
    h.clock.advance(15 * 60 * 1000);
    const again = await reconcile(h.deps, { trigger: 'test' });
    expect(again.results.find((r) => r.instanceId === 'db1')?.created.map((s) => s.id)).toEqual(['sw-db1-20261124']);
    expect(again.results.find((r) => r.instanceId === 'db2')?.created).toEqual([]);
    expect(h.rds.count('listSnapshots')).toBe(4); // the first pass's listings only
  });

  it('catches drift at the audit: a copy deleted by hand is made again after `run --audit`', async () => {
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.snapshots.delete('us-west-2/instance/sw-db1-20261124');
    h.clock.advance(HOUR);
    const trusting = await reconcile(h.deps, { trigger: 'test' });
    expect(trusting.summary.upToDate).toBe(3); // the ledger cannot know yet
    const audited = await reconcile(h.deps, { trigger: 'test', audit: true });
    expect(audited.results.find((r) => r.instanceId === 'db1')?.copied.map((s) => `${s.region}:${s.id}`)).toEqual(['us-west-2:sw-db1-20261124']);
    expect(audited.summary.copied).toBe(1);
  });

  it('spreads audits: at most the budget per pass, the longest unaudited first', async () => {
    const h = fleetHarness('2026-11-24T10:00:00Z', { audit: { everyMs: DAY, membersPerPass: 2 } });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' }); // first sight: all three listed
    const auditedAt = async (at: Date) => (await h.store.listMemberStates()).filter((s) => s.auditedAt?.getTime() === at.getTime()).map((s) => s.key);
    expect(await auditedAt(h.clock.now())).toHaveLength(3);
    h.clock.set('2026-11-25T10:00:00Z');
    await reconcile(h.deps, { trigger: 'test' });
    const second = await auditedAt(h.clock.now());
    expect(second).toHaveLength(2);
    h.clock.advance(15 * 60 * 1000);
    await reconcile(h.deps, { trigger: 'test' });
    const third = await auditedAt(h.clock.now());
    expect(third).toHaveLength(1);
    expect(new Set([...second, ...third]).size).toBe(3);
    h.clock.advance(15 * 60 * 1000);
    await reconcile(h.deps, { trigger: 'test' });
    expect(await auditedAt(h.clock.now())).toEqual([]); // everyone audited within the day
  });

  it('makes a member due again when its policy changes', async () => {
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    const idle = await reconcile(h.deps, { trigger: 'test' });
    expect(idle.summary.upToDate).toBe(3);
    const shorter = await reconcile(h.with({ config: { ...h.deps.config, retentionDays: 7 } }), { trigger: 'test' });
    expect(shorter.summary.upToDate).toBe(0);
    expect(await reconcile(h.with({ config: { ...h.deps.config, retentionDays: 7 } }), { trigger: 'test' })).toMatchObject({ summary: { upToDate: 3 } });
  });

  it('an ad hoc backup enters the ledger, so the next pass copies it without listing', async () => {
    const { takeAdhocBackup } = await import('../../src/app/backup');
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.advance(HOUR);
    const backup = await takeAdhocBackup(h.deps, { instanceId: 'db2', reason: 'before upgrade', trigger: 'test' });
    expect(backup.result.warnings).toEqual([]);
    const before = h.rds.calls.length;
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(pass.results.map((r) => r.instanceId)).toEqual(['db2']);
    expect(pass.results[0]?.copied.map((s) => s.id)).toEqual([backup.snapshot?.id]);
    expect(h.rds.calls.slice(before).map((c) => c.op)).toEqual(['copySnapshot']);
  });
});

describe('status over the ledger', () => {
  it('reads recovery points from the ledger without listing snapshots; --live lists them and sees drift', async () => {
    const { fleetStatus } = await import('../../src/app/status');
    const h = fleetHarness();
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.snapshots.delete('us-west-2/instance/sw-db1-20261124'); // by hand, behind snapward's back
    const before = h.rds.calls.length;
    const recorded = await fleetStatus(h.deps);
    // Manual snapshots come from the ledger; automated ones (PITR evidence) are still listed.
    const listings = h.rds.calls.slice(before).filter((c) => c.op === 'listSnapshots' || c.op === 'listSnapshotsMatching');
    expect(listings.map((c) => c.arg).sort()).toEqual(['eu-west-1/instance/automated', 'us-east-1/instance/automated']);
    expect(recorded.instances.find((i) => i.instanceId === 'db1')?.dr?.snapshotId).toBe('sw-db1-20261124');
    const live = await fleetStatus(h.deps, { live: true });
    expect(live.instances.find((i) => i.instanceId === 'db1')?.dr).toBeNull();
    expect(live.instances.find((i) => i.instanceId === 'db2')?.dr?.snapshotId).toBe('sw-db2-20261124');
  });

  it('lists automated snapshots only where point-in-time restore gives no time', async () => {
    const { fleetStatus } = await import('../../src/app/status');
    const h = harness({ instances: fleet, kms }, '2026-11-24T10:00:00Z');
    const restorable = new Date('2026-11-24T09:55:00Z');
    h.rds.addDatabase({ id: 'db1', backupRetentionDays: 7, latestRestorableTime: restorable }).addDatabase({ id: 'db2', backupRetentionDays: 7, latestRestorableTime: restorable });
    h.rds.addDatabase({ id: 'db3', region: 'eu-west-1' }); // automated backups off: PITR unknown
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    const before = h.rds.calls.length;
    const status = await fleetStatus(h.deps);
    expect(h.rds.calls.slice(before).filter((c) => c.op === 'listSnapshots').map((c) => c.arg)).toEqual(['eu-west-1/instance/automated']);
    expect(status.instances.find((i) => i.instanceId === 'db1')?.rpo.instanceLoss.recoveryPoint).toMatchObject({ source: 'managed-snapshot' });
  });

  it('lists a member the ledger has never audited, so status is right before the first pass', async () => {
    const { fleetStatus } = await import('../../src/app/status');
    const h = fleetHarness();
    h.rds.put(managed('sw-db2-20261123', 'db2', new Date('2026-11-23T05:00:00Z')));
    const status = await fleetStatus(h.deps);
    expect(status.instances.find((i) => i.instanceId === 'db2')?.primary?.snapshotId).toBe('sw-db2-20261123');
  });
});

describe('applyAudit', () => {
  const m = member({ id: 'db1' });
  const day = (d: number) => managed(`sw-db1-202611${String(d).padStart(2, '0')}`, 'db1', new Date(`2026-11-${String(d).padStart(2, '0')}T01:00:00Z`));
  const copyOf = (d: number) => managedCopy(day(d), 'us-west-2', new Date(`2026-11-${String(d).padStart(2, '0')}T02:00:00Z`));
  const both = new Set(['us-east-1', 'us-west-2']);

  it('replaces what the ledger held in the listed regions with what AWS listed', () => {
    const { snapshots, warnings } = applyAudit([day(1), copyOf(1), day(2), copyOf(2)], m, [day(2), copyOf(2), day(3)], both, new Set());
    expect(snapshots.map((s) => `${s.region}:${s.id}`).sort()).toEqual(['us-east-1:sw-db1-20261102', 'us-east-1:sw-db1-20261103', 'us-west-2:sw-db1-20261102']);
    expect(warnings).toEqual([]);
  });

  it('does not believe a filtered listing that returns nothing where snapshots are known, and says so', () => {
    const { snapshots, warnings } = applyAudit([day(1), copyOf(1)], m, [day(1)], both, new Set());
    expect(snapshots.map((s) => `${s.region}:${s.id}`).sort()).toEqual(['us-east-1:sw-db1-20261101', 'us-west-2:sw-db1-20261101']);
    expect(warnings).toEqual([expect.stringMatching(/^audit of us-west-2 by database id returned none of the 1 snapshot/)]);
  });

  it('believes an unfiltered listing that returns nothing', () => {
    const { snapshots, warnings } = applyAudit([day(1), copyOf(1)], m, [day(1)], both, both);
    expect(snapshots.map((s) => s.region)).toEqual(['us-east-1']);
    expect(warnings).toEqual([]);
  });
});

describe('nextDueAt', () => {
  const m = member({ id: 'db1' });
  const settings = (now: string) => ({ now: new Date(now) });
  // The due-time rule asks the registered planners (app/engine/member-run.ts).
  const nextDueAt = (member: typeof m, snapshots: Snapshot[], failed: boolean, s: { now: Date }) =>
    dueAt({ retentionDays: 30, tiers: DEFAULT_TIER_POLICIES }, member, snapshots, [], failed, s.now);
  const pair = (id: string, at: string) => {
    const primary = managed(id, 'db1', new Date(at));
    return [primary, managedCopy(primary, 'us-west-2', new Date(Date.parse(at) + HOUR))];
  };

  it('is the next period when the period is covered and copied and nothing expires sooner', () => {
    expect(nextDueAt(m, pair('sw-db1-20261124', '2026-11-24T01:00:00Z'), false, settings('2026-11-24T10:00:00Z'))).toEqual(new Date('2026-11-25T00:00:00Z'));
  });

  it('is the first retention expiry when that comes before the next period', () => {
    const snapshots = [...pair('sw-db1-20261025', '2026-10-25T12:00:00Z'), ...pair('sw-db1-20261124', '2026-11-24T01:00:00Z')];
    expect(nextDueAt(m, snapshots, false, settings('2026-11-24T10:00:00Z'))).toEqual(new Date(Date.parse('2026-10-25T12:00:00Z') + 30 * DAY + 1));
  });

  it('is now when the copy is missing, a snapshot is in flight, or the pass failed for the member', () => {
    const now = settings('2026-11-24T10:00:00Z');
    const [primary, copy] = pair('sw-db1-20261124', '2026-11-24T01:00:00Z');
    expect(nextDueAt(m, [primary!], false, now)).toEqual(now.now);
    expect(nextDueAt(m, [primary!, { ...copy!, status: 'copying' }], false, now)).toEqual(now.now);
    expect(nextDueAt(m, [primary!, copy!], true, now)).toEqual(now.now);
    expect(nextDueAt(m, [], false, now)).toEqual(now.now);
  });

  it('keys members by account, region, kind and id', () => {
    expect(memberKey(m)).toBe('123456789012/us-east-1/instance/db1');
  });
});

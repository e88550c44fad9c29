import { reconcile } from '../../src/app/reconcile';
import { memberKey } from '../../src/domain/ledger';
import { TAG } from '../../src/domain/tags';
import { DAY, HOUR } from '../../src/domain/time';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';

/**
 * Never delete on a belief: retention confirms with AWS, by id and batched, that what it deletes is
 * still snapward's and that the newest recovery point it keeps still exists, before any delete.
 * These replay the fault run that found a database left with no recovery point at all.
 */
const fleet = [member({ id: 'db1' }), member({ id: 'db2' })];
const kms = { 'us-west-2': 'alias/dr-usw2' };
// Audits effectively off, so only the retention guard can catch what was done by hand.
const noAudits = { audit: { everyMs: 365 * DAY, membersPerPass: null } };

/** Daily passes from 2026-10-01, every snapshot available at once, `days` days long. */
async function daysOfBackups(days: number) {
  const h = harness({ instances: fleet, kms, ...noAudits }, '2026-10-01T10:00:00Z');
  h.rds.addDatabase({ id: 'db1' }).addDatabase({ id: 'db2' });
  h.rds.newStatus = 'available';
  for (let d = 0; d < days; d++) {
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.advance(DAY);
  }
  return h;
}

const ids = (h: ReturnType<typeof harness>, region: string, instance: string): string[] =>
  [...h.rds.snapshots.values()].filter((s) => s.region === region && s.tags[TAG.instance] === instance).map((s) => s.id).sort();

describe('retention deletes only what AWS confirms', () => {
  it('keeps the remaining points of a dropped database whose newest snapshot and copy were deleted by hand', async () => {
    const h = await daysOfBackups(31);
    // The database is dropped, then its newest snapshot and DR copy are deleted by hand.
    h.rds.databases.splice(h.rds.databases.findIndex((d) => d.id === 'db1'), 1);
    const newest = ids(h, 'us-east-1', 'db1').at(-1) as string;
    expect(newest).toBe('sw-db1-20261031');
    h.rds.snapshots.delete(`us-east-1/instance/${newest}`);
    h.rds.snapshots.delete(`us-west-2/instance/${newest}`);
    const before = { primary: ids(h, 'us-east-1', 'db1'), dr: ids(h, 'us-west-2', 'db1') };

    for (let d = 0; d < 32; d++) {
      await reconcile(h.deps, { trigger: 'test' });
      h.clock.advance(DAY);
      // Never left with nothing, in either region, on any day.
      expect(ids(h, 'us-east-1', 'db1').length).toBeGreaterThan(0);
      expect(ids(h, 'us-west-2', 'db1').length).toBeGreaterThan(0);
    }
    // The newest point left in each region survives whatever its age.
    expect(ids(h, 'us-east-1', 'db1')).toContain(before.primary.at(-1));
    expect(ids(h, 'us-west-2', 'db1')).toContain(before.dr.at(-1));
  });

  it('deletes nothing of the member in that region when the newest point is gone, corrects the ledger, records the loss and re-lists it', async () => {
    const h = await daysOfBackups(31);
    h.rds.snapshots.delete('us-east-1/instance/sw-db1-20261031');
    const deletes = h.rds.count('deleteSnapshot');
    const pass = await reconcile(h.deps, { trigger: 'test' });
    const db1 = pass.results.find((r) => r.instanceId === 'db1');
    expect(db1?.deleted.filter((s) => s.region === 'us-east-1')).toEqual([]);
    expect(db1?.warnings.join(' ')).toMatch(/retention deleted nothing in us-east-1: the newest recovery point sw-db1-20261031 no longer exists/);
    // db2 and db1's DR region were confirmed: their expired snapshots went as usual.
    expect(pass.results.find((r) => r.instanceId === 'db2')?.deleted.length).toBeGreaterThan(0);
    expect(db1?.deleted.filter((s) => s.region === 'us-west-2').length).toBeGreaterThan(0);
    expect(h.rds.count('deleteSnapshot') - deletes).toBe(pass.summary.deleted);
    const state = await h.store.getMemberState(memberKey(fleet[0]!));
    expect(state?.snapshots.map((s) => `${s.region}:${s.id}`)).not.toContain('us-east-1:sw-db1-20261031');
    expect(state?.snapshots.map((s) => `${s.region}:${s.id}`)).toContain('us-west-2:sw-db1-20261031');
    expect(state?.auditedAt).toBeNull();
    expect(state?.lost?.map((l) => `${l.snapshot.region}:${l.snapshot.id}`)).toEqual(['us-east-1:sw-db1-20261031']);
  });

  it('never deletes a snapshot whose managed tag was removed by hand', async () => {
    const h = await daysOfBackups(31);
    const oldest = 'us-east-1/instance/sw-db1-20261001';
    const s = h.rds.snapshots.get(oldest);
    const { [TAG.managed]: _gone, ...tags } = s?.tags ?? {};
    h.rds.snapshots.set(oldest, { ...s!, tags });
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(h.rds.snapshots.has(oldest)).toBe(true);
    expect(pass.results.find((r) => r.instanceId === 'db1')?.warnings.join(' ')).toMatch(/sw-db1-20261001 no longer carries snapward:managed=true/);
  });

  it('confirms a whole pass of deletions in one call per region and kind', async () => {
    const h = await daysOfBackups(31);
    const calls = h.rds.calls.length;
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(pass.summary.deleted).toBe(4); // the day-1 snapshot and copy of both members
    const confirmations = h.rds.calls.slice(calls).filter((c) => c.op === 'listSnapshotsMatching');
    expect(confirmations.map((c) => c.arg.split(':')[0]).sort()).toEqual(['us-east-1/instance/snapshot', 'us-west-2/instance/snapshot']);
    expect(confirmations.find((c) => c.arg.startsWith('us-east-1'))?.arg).toBe(
      'us-east-1/instance/snapshot:sw-db1-20261001,sw-db1-20261031,sw-db2-20261001,sw-db2-20261031',
    );
  });

  it('deletes nothing in a region whose confirmation listing failed', async () => {
    const h = await daysOfBackups(31);
    h.rds.fail('listSnapshotsMatching', 'us-west-2/instance/snapshot', () => new Error('socket hang up'));
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(pass.results.flatMap((r) => r.deleted).map((s) => s.region)).toEqual(['us-east-1', 'us-east-1']);
    expect(pass.results.flatMap((r) => r.warnings).join(' ')).toMatch(/retention deleted nothing in us-west-2: could not confirm with AWS/);
  });

  it('a dry run shows only the deletions AWS confirms', async () => {
    const h = await daysOfBackups(31);
    h.rds.snapshots.delete('us-west-2/instance/sw-db2-20261031');
    h.clock.advance(HOUR);
    const dry = await reconcile(h.deps, { trigger: 'test', dryRun: true });
    // An hour past the pass, two days have expired in each region; db2's DR side is held back.
    expect(dry.planned.find((p) => p.instanceId === 'db2')?.delete).toEqual([
      { id: 'sw-db2-20261001', region: 'us-east-1' },
      { id: 'sw-db2-20261002', region: 'us-east-1' },
    ]);
    expect(dry.planned.find((p) => p.instanceId === 'db1')?.delete.length).toBe(4);
  });
});

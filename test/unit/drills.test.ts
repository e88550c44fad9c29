import { advanceDrills, cancelDrill, startAdhocDrill } from '../../src/app/drills';
import { DEFAULT_DRILLS, DrillsConfig } from '../../src/domain/drill';
import { memberKey } from '../../src/domain/ledger';
import { HOUR } from '../../src/domain/time';
import { FleetMember } from '../../src/domain/types';
import { harness, Harness } from '../support/app-harness';
import { managed, managedCopy, member } from '../support/builders';

/** The drill use cases over fakes shaped like AWS: restores stay `creating`, deletes `deleting`, until settled. */
const now = '2026-11-24T10:00:00Z';

async function withDrCopy(h: Harness, m: FleetMember): Promise<string> {
  const source = managed(`sw-${m.id}-20261124`, m.id, new Date('2026-11-24T00:05:00Z'), { kind: m.kind, dbId: m.id });
  const copy = managedCopy(source, m.drRegion, new Date('2026-11-24T01:00:00Z'), { kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr-key' });
  await h.store.putMemberState({ key: memberKey(m), dueAt: new Date(now), auditedAt: new Date(now), policy: 'p', pending: [], snapshots: [source, copy], updatedAt: new Date(now) });
  h.restores.engines.set(copy.id, m.kind === 'cluster' ? 'aurora-postgresql' : 'postgres');
  return copy.id;
}

function setup(members: FleetMember[], drills: Partial<DrillsConfig> = {}) {
  const h = harness({ instances: members, drills: { ...DEFAULT_DRILLS, ...drills } }, now);
  return h;
}
const pass = (h: Harness, members: FleetMember[], deps = h.deps) => advanceDrills(deps, { members, owner: 'r-test' });

describe('advanceDrills', () => {
  it('starts at most maxConcurrent scheduled drills per region, carries them across passes, then starts the next', async () => {
    const fleet = ['a', 'b', 'c'].map((id) => member({ id, tier: 1 }));
    const h = setup(fleet);
    for (const m of fleet) await withDrCopy(h, m);

    const first = await pass(h, fleet);
    expect(first.started).toHaveLength(2);
    expect(first.deferred).toEqual([{ instanceId: 'c', reason: '2 scheduled drill(s) already in flight in us-west-2 (drills.maxConcurrent 2)' }]);
    expect(first.advanced.map((p) => p.steps)).toEqual([
      ['request-restore', expect.stringMatching(/^wait: sw-drill-a-\d+ is creating$/)],
      ['request-restore', expect.stringMatching(/^wait: sw-drill-b-\d+ is creating$/)],
    ]);
    expect(h.restores.calls.filter((c) => c.op === 'restore')).toHaveLength(2);

    h.clock.advance(40 * 60_000);
    const idle = await pass(h, fleet); // nothing changed in AWS: wait, no new restore
    expect(idle.started).toEqual([]);
    expect(h.restores.calls.filter((c) => c.op === 'restore')).toHaveLength(2);

    h.restores.settle(); // available
    const third = await pass(h, fleet);
    expect(third.advanced.map((p) => p.steps.slice(0, 3))).toEqual([['mark-available', 'validate', 'delete'], ['mark-available', 'validate', 'delete']]);
    expect(third.started).toEqual([]); // still cleaning: slots not free yet
    h.restores.settle(); // deleted
    const fourth = await pass(h, fleet);
    expect(fourth.advanced.slice(0, 2).map((p) => p.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(fourth.started).toHaveLength(1);
    const drills = await h.store.listDrills();
    const a = drills.find((d) => d.instanceId === 'a');
    expect(a).toMatchObject({ rtoSeconds: 40 * 60, band: 'compliant', recoveryPointAgeSeconds: 10 * 3600 - 5 * 60, source: { region: 'us-west-2', engine: 'postgres' } });
  });

  it('reads recovery points only for members a free slot can go to (a fleet rolling drills out has hundreds due)', async () => {
    const fleet = ['a', 'b', 'c', 'd', 'e'].map((id) => member({ id, tier: 1 }));
    const h = setup(fleet);
    for (const m of fleet) await withDrCopy(h, m);
    const reads = jest.spyOn(h.store, 'getMemberState');
    const report = await pass(h, fleet);
    expect(reads).toHaveBeenCalledTimes(2);
    expect(report.started).toHaveLength(2);
    expect(report.deferred.map((d) => d.instanceId)).toEqual(['c', 'd', 'e']);
    reads.mockClear();
    const next = await pass(h, fleet); // slots still taken by a and b
    expect(reads).not.toHaveBeenCalled();
    expect(next.deferred).toHaveLength(3);
  });

  it('a cluster drill: its instance gets the source writer\'s class, is deleted before the cluster; no class anywhere fails the drill clearly', async () => {
    const aurora = member({ id: 'core', kind: 'cluster', tier: 0 });
    const h = setup([aurora]);
    await withDrCopy(h, aurora);
    await pass(h, [aurora]);
    h.restores.settle();
    await pass(h, [aurora]); // cluster available: create its instance
    expect(h.restores.calls.find((c) => c.op === 'createClusterInstance')?.arg).toMatch(/-1:db\.r6g\.large$/);
    h.restores.settle();
    await pass(h, [aurora]); // validated, instance deleting
    expect(h.restores.calls.filter((c) => c.op === 'deleteDatabase').map((c) => c.arg)).toEqual([expect.stringMatching(/-1$/)]);
    h.restores.settle();
    await pass(h, [aurora]); // cluster deleting
    h.restores.settle();
    await pass(h, [aurora]);
    expect((await h.store.listDrills())[0]).toMatchObject({ phase: 'done', outcome: 'succeeded' });

    const h2 = setup([aurora]);
    h2.restores.writer = null;
    await withDrCopy(h2, aurora);
    await pass(h2, [aurora]);
    h2.restores.settle();
    await pass(h2, [aurora]);
    const d = (await h2.store.listDrills())[0];
    expect(d?.error).toMatchObject({ code: 'INVALID_PARAMETER', step: 'create-instance', message: expect.stringMatching(/drills\.regions\.us-west-2\.instanceClass/) });
    expect(d?.phase).toBe('cleaning'); // the restored cluster is being deleted
  });

  it('a process killed after requesting the restore but before recording it: the next pass adopts the restore, never requests a second', async () => {
    const m = member({ id: 'a', tier: 1 });
    const h = setup([m]);
    const copyId = await withDrCopy(h, m);
    const { drill } = await startAdhocDrill(h.deps, { instanceId: 'a', owner: 'cli' });
    // Rewind the record to "recorded, not requested", as if the process died between the two writes.
    await h.store.putDrill({ ...drill, startedAt: null, recoveryPointAgeSeconds: null, source: { ...drill.source, engine: null } });
    h.clock.advance(60_000);
    const report = await pass(h, [m]);
    expect(report.advanced[0]?.steps).toEqual(['adopt-restore', expect.stringMatching(/is creating$/)]);
    expect(h.restores.calls.filter((c) => c.op === 'restore')).toHaveLength(1);
    expect(await h.store.getDrill(drill.drillId)).toMatchObject({ startedAt: new Date(now), source: { snapshotId: copyId, engine: 'postgres' } });
  });

  it('a drill stuck past maxAge fails DRILL_TIMED_OUT and is cleaned up', async () => {
    const m = member({ id: 'a', tier: 1 });
    const h = setup([m]);
    await withDrCopy(h, m);
    await pass(h, [m]);
    h.clock.advance(25 * HOUR);
    const late = await pass(h, [m]);
    expect(late.advanced[0]?.steps.slice(0, 2)).toEqual(['fail: DRILL_TIMED_OUT', 'delete']);
    h.restores.settle();
    await pass(h, [m]);
    expect((await h.store.listDrills())[0]).toMatchObject({ phase: 'done', outcome: 'failed', error: { code: 'DRILL_TIMED_OUT', step: 'restore' } });
  });

  it('a hook that times out fails the drill VALIDATION_FAILED with its output kept', async () => {
    const m = member({ id: 'a', tier: 1 });
    const h = setup([m]);
    h.hook.answer = { ok: false, exitCode: null, output: 'connecting...\n(timed out after 900s)' };
    await withDrCopy(h, m);
    const deps = h.with({ drillHook: h.hook });
    await pass(h, [m], deps);
    h.restores.settle();
    await pass(h, [m], deps);
    expect(h.hook.inputs[0]).toMatchObject({ sourceInstance: 'a', engine: 'postgres', port: 5432 });
    expect((await h.store.listDrills())[0]).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: 'validation hook timed out' }, validation: { hook: { exitCode: null, output: expect.stringMatching(/timed out/) } } });
  });

  it('skips drill work while another process holds the drills lease; the sweep still runs', async () => {
    const m = member({ id: 'a', tier: 1 });
    const h = setup([m]);
    await withDrCopy(h, m);
    await h.store.acquireLease('drills', 'someone-else', HOUR, h.clock.now());
    const report = await pass(h, [m]);
    expect(report.skipped).toMatch(/another process/);
    expect(await h.store.listDrills()).toEqual([]);
    expect(h.restores.calls.map((c) => c.op)).toEqual(['listDrillDatabases', 'listDrillDatabases']);
  });

  it('takes the drills lease over from a run recorded as finished (a crashed pass does not block drills for the lease TTL)', async () => {
    const m = member({ id: 'a', tier: 1 });
    const h = setup([m]);
    await withDrCopy(h, m);
    await h.store.startRun({ id: 'r-dead', kind: 'reconcile', trigger: 'test', startedAt: h.clock.now(), owner: { host: 'test', pid: 9 } });
    await h.store.acquireLease('drills', 'r-dead', HOUR, h.clock.now());
    expect((await pass(h, [m])).skipped).toMatch(/another process/); // still running: waited out
    await h.store.finishRun('r-dead', { finishedAt: h.clock.now(), outcome: 'interrupted', summary: null, error: null });
    const report = await pass(h, [m]);
    expect(report.skipped).toBeNull();
    expect(report.started).toHaveLength(1);
  });

  it('sweeps at most once per quarter of maxAge across passes (each sweep lists every region)', async () => {
    const m = member({ id: 'a', tier: 3 });
    const h = setup([m]);
    h.restores.plant({ id: 'sw-drill-old-20261101000000', createdAt: new Date('2026-11-01T00:00:00Z'), tags: { 'snapward:drill': 'lost' } });
    const lists = () => h.restores.calls.filter((c) => c.op === 'listDrillDatabases').length;
    expect((await pass(h, [m])).swept).toEqual([{ id: 'sw-drill-old-20261101000000', kind: 'instance', region: 'us-west-2', account: '123456789012' }]);
    expect(lists()).toBe(2); // us-east-1 and us-west-2
    h.clock.advance(6 * HOUR - 60_000); // maxAge 24h: every 6h
    await pass(h, [m]);
    expect(lists()).toBe(2);
    h.clock.advance(2 * 60_000);
    await pass(h, [m]);
    expect(lists()).toBe(4);
  });

  it('a member due without a DR copy yet is skipped, not failed; tiers without a schedule are never started', async () => {
    const fleet = [member({ id: 'a', tier: 1 }), member({ id: 'b', tier: 3 })];
    const h = setup(fleet);
    const report = await pass(h, fleet);
    expect(report.started).toEqual([]);
    expect(report.deferred).toEqual([{ instanceId: 'a', reason: 'no available recovery point of a in us-west-2 yet' }]);
    expect(report.problems).toEqual([]);
  });
});

describe('ad hoc drills and cancel', () => {
  it('drill <id> requests the restore and returns; cancel moves it to cleanup and it ends cancelled', async () => {
    const m = member({ id: 'a', tier: 3 });
    const h = setup([m]);
    await withDrCopy(h, m);
    h.rds.addDatabase({ id: 'a', region: 'us-east-1' });
    const { drill, progress } = await startAdhocDrill(h.deps, { instanceId: 'a', owner: 'cli' });
    expect(progress.steps).toEqual(['request-restore']);
    expect(drill).toMatchObject({ trigger: 'adhoc', phase: 'restoring', rtoTargetSeconds: 72 * 3600 });
    const cancelled = await cancelDrill(h.deps, drill.drillId, 'cli');
    expect(cancelled.progress.steps).toEqual(['cancel', 'delete', expect.stringMatching(/^wait: .* is deleting$/)]);
    h.restores.settle();
    await pass(h, [m]);
    expect(await h.store.getDrill(drill.drillId)).toMatchObject({ phase: 'done', outcome: 'cancelled', error: null, rtoSeconds: null });
    expect(h.restores.dbs.size).toBe(0);
  });

  it('ad hoc drills do not count against maxConcurrent', async () => {
    const fleet = ['a', 'b', 'c'].map((id) => member({ id, tier: 1 }));
    const h = setup(fleet, { maxConcurrent: 1 });
    for (const m of fleet) await withDrCopy(h, m);
    await startAdhocDrill(h.deps, { instanceId: 'a', owner: 'cli' });
    const report = await pass(h, fleet);
    expect(report.started).toHaveLength(1);
    expect((await h.store.listDrills()).filter((d) => d.phase !== 'done').map((d) => `${d.instanceId}:${d.trigger}`).sort()).toEqual(['a:adhoc', 'b:schedule']);
  });
});

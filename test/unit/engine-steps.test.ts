import { runCheck } from '../../src/app/check';
import { reconcile } from '../../src/app/reconcile';
import { SnapwardError } from '../../src/domain/errors';
import { fleetStatus } from '../../src/app/status';
import { planCopy } from '../../src/domain/kinds/copy';
import { planCreate } from '../../src/domain/kinds/create';
import { planExpire } from '../../src/domain/kinds/expire';
import { backoffMs, FIRST_BACKOFF_MS } from '../../src/domain/retry';
import { StepState } from '../../src/domain/steps';
import { DAY, HOUR, MINUTE } from '../../src/domain/time';
import { FleetMember, Snapshot } from '../../src/domain/types';
import { allocateSlots, applyBackoff, carriedStepStates, MemberView, ScheduledStep } from '../../src/domain/work';
import { harness } from '../support/app-harness';
import { at, managed, managedCopy, member } from '../support/builders';

const NOW = at('2026-11-24T10:00:00Z');

function view(m: FleetMember, snapshots: Snapshot[], over: Partial<MemberView> = {}): MemberView {
  return { member: m, snapshots, steps: new Map(), now: NOW, retentionDays: 30, periodMs: DAY, timeouts: { copyMs: 24 * HOUR, createMs: 12 * HOUR }, expired: new Set(), ...over };
}

describe('planners, one per kind', () => {
  const m = member({ id: 'db1', tier: 1 });

  it('create: the period snapshot when it is missing; nothing when it exists; blocked when a foreign snapshot holds its id', () => {
    expect(planCreate(view(m, [])).steps.map((s) => [s.id, s.phase])).toEqual([['create:us-east-1/sw-db1-20261124', 'ready']]);
    const ours = managed('sw-db1-20261124', 'db1', at('2026-11-24T01:00:00Z'));
    expect(planCreate(view(m, [ours])).steps).toEqual([]);
    const foreign = { ...ours, tags: {} };
    const blocked = planCreate(view(m, [foreign])).steps;
    expect(blocked.map((s) => [s.phase, s.error?.code])).toEqual([['blocked', 'SNAPSHOT_ID_TAKEN']]);
  });

  it('create: a snapshot creating longer than timeouts.create is CREATE_TIMED_OUT and left alone; shorter is in flight', () => {
    const stuck = managed('sw-db1-20261123', 'db1', at('2026-11-23T01:00:00Z'), { status: 'creating' });
    const ours = managed('sw-db1-20261124', 'db1', at('2026-11-24T01:00:00Z'));
    const steps = planCreate(view(m, [stuck, ours])).steps;
    expect(steps.map((s) => [s.target.id, s.phase, s.error?.code ?? null])).toEqual([['sw-db1-20261123', 'failed', 'CREATE_TIMED_OUT']]);
    const young = { ...ours, status: 'creating' };
    expect(planCreate(view(m, [young])).steps.map((s) => s.phase)).toEqual(['in-flight']);
  });

  it('copy: every available primary point without a DR twin, newest first, with the slot of the DR region', () => {
    const d23 = managed('sw-db1-20261123', 'db1', at('2026-11-23T01:00:00Z'));
    const d24 = managed('sw-db1-20261124', 'db1', at('2026-11-24T01:00:00Z'));
    const steps = planCopy(view(m, [d23, d24])).steps;
    expect(steps.map((s) => [s.id, s.phase, s.slot])).toEqual([
      ['copy:us-west-2/sw-db1-20261124', 'ready', { account: '123456789012', region: 'us-west-2', dbKind: 'instance' }],
      ['copy:us-west-2/sw-db1-20261123', 'ready', { account: '123456789012', region: 'us-west-2', dbKind: 'instance' }],
    ]);
    expect(planCopy(view(m, [d24, managedCopy(d24, 'us-west-2', at('2026-11-24T02:00:00Z'))])).steps).toEqual([]);
  });

  it('copy: a copy in flight longer than timeouts.copy is cancelled; a younger one is watched', () => {
    const d23 = managed('sw-db1-20261123', 'db1', at('2026-11-23T01:00:00Z'));
    const copying = managedCopy(d23, 'us-west-2', at('2026-11-23T02:00:00Z'), { status: 'copying' });
    const started = (when: Date): Map<string, StepState> =>
      new Map([['copy:us-west-2/sw-db1-20261123', { id: 'copy:us-west-2/sw-db1-20261123', kind: 'copy', target: { id: copying.id, region: 'us-west-2', kind: 'instance' }, slot: { account: '123456789012', region: 'us-west-2', dbKind: 'instance' }, phase: 'in-flight', attempts: 0, nextAttemptAt: null, lastError: null, startedAt: when, finishedAt: null }]]);
    const old = planCopy(view(m, [d23, copying], { steps: started(new Date(NOW.getTime() - 25 * HOUR)) })).steps;
    expect(old.map((s) => [s.phase, (s.input as { action: string }).action, s.slot])).toEqual([['ready', 'cancel', null]]);
    const young = planCopy(view(m, [d23, copying], { steps: started(new Date(NOW.getTime() - 2 * HOUR)) })).steps;
    expect(young.map((s) => s.phase)).toEqual(['in-flight']);
  });

  it('expire: what retention chose, never a source whose copy is still in flight', () => {
    const old = managed('sw-db1-20261020', 'db1', at('2026-10-20T01:00:00Z'));
    const expired = new Set(['us-east-1/sw-db1-20261020']);
    expect(planExpire(view(m, [old], { expired })).steps.map((s) => [s.id, s.destroys?.id])).toEqual([['expire:us-east-1/sw-db1-20261020', 'sw-db1-20261020']]);
    const copying = managedCopy(old, 'us-west-2', at('2026-10-20T02:00:00Z'), { status: 'copying' });
    expect(planExpire(view(m, [old, copying], { expired })).steps).toEqual([]);
  });
});

describe('fleet-wide copy priority', () => {
  const step = (id: string, tier: 0 | 1 | 2 | 3, adhoc: boolean, debtHours: number, k = 0): ScheduledStep => ({
    id: `copy:us-west-2/${id}`,
    kind: 'copy',
    member: member({ id, tier }),
    target: { id, region: 'us-west-2', kind: 'instance' },
    phase: 'ready',
    slot: { account: '123456789012', region: 'us-west-2', dbKind: 'instance' },
    priority: [tier, k, adhoc ? 0 : 1, -debtHours * HOUR],
    input: null,
    history: null,
  });

  it('gives slots by tier, then ad hoc before daily, then the largest RPO debt, then id; the rest wait with the reason', () => {
    const steps = [step('t3', 3, false, 100), step('t1-old', 1, false, 30), step('t1-none', 1, false, 1e6), step('t1-adhoc', 1, true, 1), step('t0', 0, false, 1), step('t1-b', 1, false, 20)];
    const free = new Map([['123456789012/us-west-2/instance', 4]]);
    const out = allocateSlots(steps, { free, describe: () => '20 in flight to us-west-2 (limit 20)' });
    const ready = out.filter((s) => s.phase === 'ready').map((s) => s.member.id);
    expect(ready.sort()).toEqual(['t0', 't1-adhoc', 't1-none', 't1-old'].sort());
    const deferred = out.filter((s) => s.phase === 'deferred');
    expect(deferred.map((s) => [s.member.id, s.reason])).toEqual([['t3', '20 in flight to us-west-2 (limit 20)'], ['t1-b', '20 in flight to us-west-2 (limit 20)']]);
    expect(free.get('123456789012/us-west-2/instance')).toBe(0);
  });
});

describe('backoff', () => {
  it('starts at 15 minutes, doubles, stays under the cap, and jitters upwards by at most a quarter', () => {
    const cap = 6 * HOUR;
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(n, cap, 'create:us-east-1/sw-x'));
    waits.forEach((w, i) => {
      const base = Math.min(cap, FIRST_BACKOFF_MS * 2 ** i);
      expect(w).toBeGreaterThanOrEqual(base);
      expect(w).toBeLessThanOrEqual(Math.min(cap, base * 1.25));
    });
    expect(waits[7]).toBe(cap);
    expect(backoffMs(1, cap, 'a')).not.toBe(backoffMs(1, cap, 'b'));
  });

  it('a ready step waits out its backoff unless the operator retries failed work now', () => {
    const s = planCreate(view(member({ id: 'db1' }), [])).steps[0]!;
    const history: StepState = { id: s.id, kind: s.kind, target: s.target, slot: null, phase: 'failed', attempts: 2, nextAttemptAt: new Date(NOW.getTime() + 20 * MINUTE), lastError: { code: 'INSTANCE_NOT_FOUND', message: 'gone' }, startedAt: null, finishedAt: null };
    expect(applyBackoff(s, history, NOW, false)).toMatchObject({ phase: 'backoff', error: { code: 'INSTANCE_NOT_FOUND' } });
    expect(applyBackoff(s, history, NOW, true).phase).toBe('ready');
    expect(applyBackoff(s, history, new Date(NOW.getTime() + 21 * MINUTE), false).phase).toBe('ready');
  });
});

describe('the engine over a day', () => {
  it('a configured instance that does not exist costs at most 10 AWS calls naming it a day, and stays failed with its next attempt', async () => {
    const h = harness({ instances: [member({ id: 'ghost', tier: 1 }), member({ id: 'db1', tier: 1 })], kms: { 'us-west-2': 'alias/dr' } }, '2026-11-24T00:05:00Z');
    h.rds.addDatabase({ id: 'db1' });
    h.rds.newStatus = 'available';
    const reports = [];
    for (let pass = 0; pass < 96; pass++) {
      reports.push(await reconcile(h.deps, { trigger: 'test' }));
      h.clock.advance(15 * MINUTE);
    }
    const naming = h.rds.calls.filter((c) => /ghost/.test(c.arg));
    expect(naming.length).toBeLessThanOrEqual(10); // 8 here: creates at 0, 15m, 45m, 1h45, 3h45, 7h45, 13h45, 19h45 (this small fleet's audits list whole regions, naming no one)
    expect(naming.length).toBeGreaterThanOrEqual(5);
    // Every pass reports it failed, with its last error and when it is tried again.
    for (const r of reports) {
      const ghost = r.results.find((x) => x.instanceId === 'ghost');
      expect(ghost?.status).toBe('failed');
      expect(ghost?.errors.map((e) => e.code)).toContain('INSTANCE_NOT_FOUND');
      expect(r.summary.failed).toBe(1);
    }
    const last = reports.at(-1)?.results.find((x) => x.instanceId === 'ghost');
    expect(last?.attempts).toBeGreaterThanOrEqual(5);
    expect(last?.nextAttemptAt).toBeInstanceOf(Date);
    const status = await fleetStatus(h.deps);
    const row = status.instances.find((i) => i.instanceId === 'ghost');
    expect(row).toMatchObject({ attempts: last?.attempts, lastError: { code: 'INSTANCE_NOT_FOUND' } });
    expect(row?.nextAttemptAt).toEqual(last?.nextAttemptAt);

    // The watchdog keeps Backup Failed open meanwhile, saying when the next attempt is.
    const check = await runCheck(h.deps, { trigger: 'test' });
    const failed = check.open.find((f) => f.kind === 'Backup Failed' && f.subject === 'ghost');
    expect(failed?.detail).toMatchObject({ attempts: last?.attempts, nextAttemptAt: last?.nextAttemptAt?.toISOString() });

    // The operator fixed it: --retry-failed tries now, whatever the backoff says.
    h.rds.addDatabase({ id: 'ghost' });
    const retried = await reconcile(h.deps, { trigger: 'test', retryFailed: true });
    expect(retried.results.find((x) => x.instanceId === 'ghost')).toMatchObject({ status: 'ok', attempts: 0 });
  });

  it('copies deferred for want of a slot are visible, with the reason, and counted in the summary', async () => {
    const fleet = ['a', 'b', 'c'].map((id) => member({ id, tier: 2 }));
    const h = harness({ instances: fleet, kms: { 'us-west-2': 'alias/dr' }, concurrency: { instances: 4, instanceCopiesPerRegion: 1, clusterCopiesPerRegion: 1 } });
    for (const m of fleet) h.rds.addDatabase({ id: m.id });
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.settle();
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(pass.summary).toMatchObject({ copied: 1, deferred: 2 });
    expect(pass.deferred).toEqual([{ count: 2, step: 'copy', reason: '0 in flight to us-west-2 (limit 1)' }]);
    const waiting = pass.results.flatMap((r) => r.deferred);
    expect(waiting.map((d) => d.step)).toEqual(['copy', 'copy']);
  });

  it('two passes at once never have more copies in flight than the limit', async () => {
    const fleet = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => member({ id, tier: 2 }));
    const h = harness({ instances: fleet, kms: { 'us-west-2': 'alias/dr' }, concurrency: { instances: 2, instanceCopiesPerRegion: 2, clusterCopiesPerRegion: 1 } });
    for (const m of fleet) h.rds.addDatabase({ id: m.id });
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.settle();
    // Two overlapping passes (two owners, as a CLI pass beside the Lambda), both planning from the same ledger.
    const other = h.with({ runtime: { ...h.deps.runtime, owner: { host: 'other', pid: 2 } } });
    await Promise.all([reconcile(h.deps, { trigger: 'test' }), reconcile(other, { trigger: 'test' })]);
    const inFlight = [...h.rds.snapshots.values()].filter((s) => s.region === 'us-west-2' && s.status === 'pending');
    expect(inFlight.length).toBe(2);
  });

  it('a copy the pass finds finished frees its slot in that same pass (the pass an RDS "copy finished" event wakes)', async () => {
    const fleet = ['a', 'b', 'c'].map((id) => member({ id, tier: 2 }));
    const h = harness({ instances: fleet, kms: { 'us-west-2': 'alias/dr' }, concurrency: { instances: 4, instanceCopiesPerRegion: 2, clusterCopiesPerRegion: 1 } });
    for (const m of fleet) h.rds.addDatabase({ id: m.id });
    await reconcile(h.deps, { trigger: 'test' });
    h.rds.settle();
    const first = await reconcile(h.deps, { trigger: 'test' });
    expect(first.summary).toMatchObject({ copied: 2, deferred: 1 });
    h.rds.settle(); // both copies finished
    const woken = await reconcile(h.deps, { trigger: 'event', regions: ['us-west-2'] });
    expect(woken.summary).toMatchObject({ copied: 1, deferred: 0 });
    // The finished copies' slot leases are gone; the new copy holds one.
    const held = await Promise.all([0, 1].map((i) => h.store.leaseHolder(`copy-slot:123456789012/us-west-2/instance#${i}`, h.clock.now())));
    expect(held.filter(Boolean)).toHaveLength(1);
  });

  it('an idle pass (nobody due) reads no copy-slot lease', async () => {
    const h = harness({ instances: [member({ id: 'db1' })], kms: { 'us-west-2': 'alias/dr' } });
    h.rds.addDatabase({ id: 'db1' });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    const reads = jest.spyOn(h.store, 'leaseHolder');
    const idle = await reconcile(h.deps, { trigger: 'test' });
    expect(idle.results).toEqual([]);
    expect(reads.mock.calls.filter(([name]) => name.startsWith('copy-slot:'))).toEqual([]);
  });

  it('an entry of the older ledger format is re-listed from AWS', async () => {
    const h = harness({ instances: [member({ id: 'db1' })], kms: { 'us-west-2': 'alias/dr' } });
    h.rds.addDatabase({ id: 'db1' });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    const state = await h.store.getMemberState('123456789012/us-east-1/instance/db1');
    await h.store.putMemberState({ ...state!, policy: state!.policy.replace(/^v3\|/, ''), dueAt: new Date(NOW.getTime() + DAY) });
    const before = h.rds.count('listSnapshotsMatching') + h.rds.count('listSnapshots');
    await reconcile(h.deps, { trigger: 'test' });
    expect(h.rds.count('listSnapshotsMatching') + h.rds.count('listSnapshots')).toBeGreaterThan(before);
    expect((await h.store.getMemberState('123456789012/us-east-1/instance/db1'))?.policy).toMatch(/^v3\|/);
  });
});

describe('planned before the lease, checked under it', () => {
  it('a member another pass wrote after this pass planned it is planned again from the new entry', async () => {
    const h = harness({ instances: [member({ id: 'db1' })], kms: { 'us-west-2': 'alias/dr' } });
    h.rds.addDatabase({ id: 'db1' });
    await reconcile(h.deps, { trigger: 'test' }); // the snapshot, creating
    h.rds.settle();
    // Another pass copies it between this pass's planning and its taking the member's lease.
    const store = h.store;
    let raced = false;
    const racing = Object.create(store) as typeof store;
    racing.acquireLease = async (name, owner, ttl, at, replacing) => {
      if (!raced && name.startsWith('instance:')) {
        raced = true;
        const source = [...h.rds.snapshots.values()].find((s) => s.region === 'us-east-1')!;
        const copy = await h.rds.copySnapshot({ kind: 'instance', source, targetRegion: 'us-west-2', targetId: source.id, kmsKeyId: 'k', tags: { ...source.tags, 'snapward:source-snapshot': source.id } });
        const state = (await store.getMemberState('123456789012/us-east-1/instance/db1'))!;
        await store.putMemberState({ ...state, snapshots: [{ ...source }, copy], pending: [{ id: copy.id, region: copy.region, kind: copy.kind }], updatedAt: new Date(state.updatedAt.getTime() + 1) });
      }
      return store.acquireLease(name, owner, ttl, at, replacing);
    };
    const copiesBefore = h.rds.count('copySnapshot');
    const pass = await reconcile(h.with({ store: racing }), { trigger: 'test' });
    expect(raced).toBe(true);
    expect(h.rds.count('copySnapshot') - copiesBefore).toBe(1); // the other pass's copy only
    expect(pass.results[0]).toMatchObject({ status: 'ok', copied: [], inProgress: [{ id: 'sw-db1-20261124', region: 'us-west-2' }] });
  });
});

describe('what the ledger keeps of finished work', () => {
  const done = (id: string, finishedHoursAgo: number): StepState => ({
    id, kind: 'copy', target: { id, region: 'us-west-2', kind: 'instance' }, slot: { account: '123456789012', region: 'us-west-2', dbKind: 'instance' }, phase: 'done',
    attempts: 0, nextAttemptAt: null, lastError: null, startedAt: new Date(NOW.getTime() - (finishedHoursAgo + 1) * HOUR), finishedAt: new Date(NOW.getTime() - finishedHoursAgo * HOUR),
  });

  it('keeps finished slot work of the last day, and the newest older one when none is that recent (copy capacity falls back to it)', () => {
    const prior = (...s: StepState[]) => new Map(s.map((x) => [x.id, x]));
    expect(carriedStepStates(prior(done('a', 2), done('b', 30)), new Set(), [], NOW).map((s) => s.id)).toEqual(['a']);
    expect(carriedStepStates(prior(done('b', 30), done('c', 50)), new Set(), [], NOW).map((s) => s.id)).toEqual(['b']);
  });
});

describe('a listing the member needed failed', () => {
  it('a DR region that could not be read gets no copy, not even of a snapshot made available in this pass', async () => {
    const h = harness({ instances: [member({ id: 'db1' })], kms: { 'us-west-2': 'alias/dr' } });
    h.rds.addDatabase({ id: 'db1' });
    h.rds.newStatus = 'available';
    h.rds.fail('listSnapshots', 'us-west-2', () => new SnapwardError('THROTTLED', 'Rate exceeded', { retryable: true }));
    h.rds.fail('listSnapshotsMatching', 'us-west-2', () => new SnapwardError('THROTTLED', 'Rate exceeded', { retryable: true }));
    const pass = await reconcile(h.deps, { trigger: 'test' });
    expect(h.rds.count('createSnapshot')).toBe(1);
    expect(h.rds.count('copySnapshot')).toBe(0);
    expect(pass.results[0]?.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^no copy made to us-west-2: Rate exceeded/)]);
  });
});

import { memberDrillSubject } from '../../src/domain/drill';
import { OWN_ACCOUNT } from '../support/fake-accounts';
import { DEFAULT_DRILLS, DRILL_TAG, DRILL_SOURCE_TAG, DrillDatabase, DrillRecord, restoredIdFor } from '../../src/domain/drill';
import { allocateDrillStarts, builtInChecks, dueForDrill, nextDrillStep, selectSweep, validated } from '../../src/domain/drill-plan';
import { DAY, HOUR } from '../../src/domain/time';
import { member } from '../support/builders';
import { drill } from '../support/drill-builders';

const now = new Date('2026-11-24T10:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const done = (instanceId: string, outcome: DrillRecord['outcome'], finishedAgo: number, over: Partial<DrillRecord> = {}) =>
  drill({ drillId: `d-${instanceId}-${finishedAgo}`, instanceId, phase: 'done', outcome, createdAt: ago(finishedAgo + HOUR), finishedAt: ago(finishedAgo), updatedAt: ago(finishedAgo), ...over });

describe('dueForDrill', () => {
  const fleet = [member({ id: 't0', tier: 0 }), member({ id: 't1', tier: 1 }), member({ id: 't2', tier: 2 }), member({ id: 't1b', tier: 1 })];
  it.each([
    ['never drilled: tiers 0 and 1 due (tier order), tier 2 has no schedule', [], ['t0', 't1', 't1b']],
    ['a succeeded drill within every is not due', [done('t1', 'succeeded', 89 * DAY)], ['t0', 't1b']],
    ['a succeeded drill older than every is due again, after the never-drilled of its tier', [done('t1', 'succeeded', 91 * DAY)], ['t0', 't1b', 't1']],
    ['a drill in flight is never doubled', [drill({ instanceId: 't0', phase: 'validating' })], ['t1', 't1b']],
    ['a failed scheduled drill is not retried within a day', [done('t0', 'failed', 23 * HOUR)], ['t1', 't1b']],
    ['a failed scheduled drill is retried after a day', [done('t0', 'failed', 25 * HOUR)], ['t0', 't1', 't1b']],
    ['a failed ad hoc drill does not hold the schedule back', [done('t0', 'failed', HOUR, { trigger: 'adhoc' })], ['t0', 't1', 't1b']],
  ])('%s', (_name, drills, expected) => {
    expect(dueForDrill(fleet, drills, DEFAULT_DRILLS, now).due.map((d) => d.member.id)).toEqual(expected);
  });

  it('says why a member waits out a failed drill', () => {
    expect(dueForDrill(fleet, [done('t0', 'failed', HOUR)], DEFAULT_DRILLS, now).skipped).toEqual([
      { instanceId: 't0', reason: expect.stringMatching(/ended failed; not retried before 2026-11-25T09:00:00.000Z/) },
    ]);
  });
});

describe('allocateDrillStarts', () => {
  const point = (id: string) => ({ region: 'us-west-2', snapshotId: `sw-${id}`, snapshotArn: 'arn', recoveryPointTime: ago(HOUR), encrypted: true, kmsKeyId: 'k', engine: null });
  const due = ['a', 'b', 'c'].map((id) => ({ member: member({ id }), lastSucceededAt: null }));
  it('gives at most maxConcurrent scheduled drills per restore region, ad hoc ones not counted', () => {
    const inFlight = [drill({ instanceId: 'x', phase: 'restoring' }), drill({ instanceId: 'y', phase: 'cleaning', trigger: 'adhoc' })];
    const plan = allocateDrillStarts(due, new Map(due.map((d) => [memberDrillSubject(d.member), point(d.member.id)])), inFlight, DEFAULT_DRILLS);
    expect(plan.start.map((s) => s.member.id)).toEqual(['a']);
    expect(plan.skipped.map((s) => s.reason)).toEqual([
      '2 scheduled drill(s) already in flight in us-west-2 (drills.maxConcurrent 2)',
      '2 scheduled drill(s) already in flight in us-west-2 (drills.maxConcurrent 2)',
    ]);
  });
  it('skips (does not fail) a member with no available recovery point, and restores the primary region with source primary', () => {
    const plan = allocateDrillStarts(due, new Map([[`${OWN_ACCOUNT}/a`, null], [`${OWN_ACCOUNT}/b`, point('b')]]), [], { ...DEFAULT_DRILLS, source: 'primary' });
    expect(plan.start.map((s) => s.member.id)).toEqual(['b']);
    expect(plan.skipped).toEqual([{ instanceId: 'a', reason: 'no available recovery point of a in us-east-1 yet' }, { instanceId: 'c', reason: 'no available recovery point of c in us-east-1 yet' }]);
  });
});

describe('nextDrillStep', () => {
  const tags = (d: DrillRecord) => ({ [DRILL_TAG]: d.drillId, [DRILL_SOURCE_TAG]: d.source.snapshotId });
  const db = (d: DrillRecord, status: string, over: Partial<DrillDatabase> = {}): DrillDatabase => ({
    id: d.restoredId, kind: d.kind, region: 'us-west-2', status, createdAt: ago(HOUR), engine: 'postgres', encrypted: true,
    kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr-key', endpoint: 'e', port: 5432, tags: tags(d), ...over,
  });
  const started = drill({ startedAt: ago(HOUR), createdAt: ago(HOUR) });
  const cluster = drill({ kind: 'cluster', startedAt: ago(HOUR), createdAt: ago(HOUR), restoredInstanceId: 'm' });
  const member1 = (status: string) => ({ ...db(cluster, status), id: 'm', kind: 'instance' as const });
  const maxAge = DEFAULT_DRILLS.maxAgeMs;
  it.each<[string, DrillRecord, DrillDatabase | null, DrillDatabase | null, string]>([
    ['a new drill requests its restore', drill(), null, null, 'request-restore'],
    ['a restore requested by a killed process is adopted', drill(), db(drill(), 'creating'), null, 'adopt-restore'],
    ['creating: wait across passes', started, db(started, 'creating'), null, 'wait'],
    ['modifying: wait', started, db(started, 'modifying'), null, 'wait'],
    ['available instance: mark available', started, db(started, 'available'), null, 'mark-available'],
    ['restore failed', started, db(started, 'incompatible-restore'), null, 'fail'],
    ['restored database vanished', started, null, null, 'fail'],
    ['a database without our tag at our name is never adopted', drill(), db(drill(), 'available', { tags: {} }), null, 'fail'],
    ['cluster available without its instance: create it', cluster, db(cluster, 'available'), null, 'create-member'],
    ['cluster instance creating: wait', cluster, db(cluster, 'available'), member1('creating'), 'wait'],
    ['cluster and instance available', cluster, db(cluster, 'available'), member1('available'), 'mark-available'],
    ['validating: validate', { ...started, phase: 'validating' }, db(started, 'available'), null, 'validate'],
    ['stuck past maxAge: fail', drill({ createdAt: ago(maxAge + 1), startedAt: ago(maxAge) }), db(started, 'creating'), null, 'fail'],
    ['cancel requested: cancel', { ...started, cancelRequested: true }, db(started, 'creating'), null, 'cancel'],
    ['cleaning: delete the instance', { ...started, phase: 'cleaning' }, db(started, 'available'), null, 'delete'],
    ['cleaning: deleting, wait', { ...started, phase: 'cleaning' }, db(started, 'deleting'), null, 'wait'],
    ['cleaning: gone, finish', { ...started, phase: 'cleaning' }, null, null, 'finish'],
    ['done: nothing', { ...started, phase: 'done' }, null, null, 'none'],
  ])('%s', (_name, d, restored, memberDb, kind) => {
    expect(nextDrillStep(d, { db: restored, member: memberDb }, now, maxAge).kind).toBe(kind);
  });

  it('cleans a cluster instance first, then the cluster', () => {
    const c = { ...cluster, phase: 'cleaning' as const };
    expect(nextDrillStep(c, { db: db(c, 'available'), member: member1('available') }, now, maxAge)).toEqual({ kind: 'delete', which: 'member' });
    expect(nextDrillStep(c, { db: db(c, 'available'), member: null }, now, maxAge)).toEqual({ kind: 'delete', which: 'db' });
  });

  it('finishes with the verdict: failed with an error, cancelled when asked, succeeded otherwise', () => {
    const c = { ...started, phase: 'cleaning' as const };
    const outcome = (d: DrillRecord) => (nextDrillStep(d, { db: null, member: null }, now, maxAge) as { outcome: string }).outcome;
    expect(outcome(c)).toBe('succeeded');
    expect(outcome({ ...c, cancelRequested: true })).toBe('cancelled');
    expect(outcome({ ...c, error: { code: 'X', message: 'm', step: 'restore' } })).toBe('failed');
  });
});

describe('validation and RTO band', () => {
  const d = drill({ startedAt: new Date(now.getTime() - 5 * HOUR), rtoTargetSeconds: 4 * 3600, source: { ...drill().source, engine: 'postgres' } });
  it.each([
    [3 * HOUR, 'compliant'],
    [4 * HOUR, 'compliant'],
    [7 * HOUR, 'exceeded'],
    [15 * HOUR, 'severe'],
    [17 * HOUR, 'critical'],
  ])('RTO %d ms against a 4 h target is %s', (rto, band) => {
    const r = validated({ ...d, startedAt: new Date(now.getTime() - rto) }, [{ name: 'available', ok: true }], null, now);
    expect(r).toMatchObject({ rtoSeconds: rto / 1000, band, phase: 'cleaning', error: null, validatedAt: now });
  });
  it('a failed check or hook fails the drill with VALIDATION_FAILED, RTO still measured', () => {
    expect(validated(d, [{ name: 'same-engine', ok: false }], null, now).error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/same-engine/) });
    expect(validated(d, [], { ok: false, exitCode: null, output: '' }, now).error?.message).toMatch(/timed out/);
    expect(validated(d, [], { ok: false, exitCode: 2, output: 'x' }, now)).toMatchObject({ rtoSeconds: 5 * 3600, error: { message: 'validation hook failed (exit 2)' } });
  });
  it('built-in checks: key compared by key id, engine, the chosen point', () => {
    const restored: DrillDatabase = { id: d.restoredId, kind: 'instance', region: 'us-west-2', status: 'available', createdAt: now, engine: 'postgres', encrypted: true, kmsKeyId: 'dr-key', endpoint: null, port: null, tags: { [DRILL_SOURCE_TAG]: d.source.snapshotId } };
    expect(builtInChecks(d, { db: restored, member: null }).map((c) => [c.name, c.ok])).toEqual([
      ['available', true], ['encrypted-with-source-key', true], ['same-engine', true], ['restored-from-chosen-point', true],
    ]);
    const wrong = { ...restored, kmsKeyId: 'other-key', engine: 'mysql', tags: {} };
    expect(builtInChecks(d, { db: wrong, member: null }).filter((c) => !c.ok).map((c) => c.name)).toEqual(['encrypted-with-source-key', 'same-engine', 'restored-from-chosen-point']);
  });
});

describe('selectSweep', () => {
  const base = { region: 'us-west-2', status: 'available', engine: 'postgres', encrypted: true, kmsKeyId: null, endpoint: null, port: null };
  it('takes tagged databases older than maxAge (instances before clusters), never untagged ones, never young or undated ones', () => {
    const dbs: DrillDatabase[] = [
      { ...base, id: 'sw-drill-old-cluster', kind: 'cluster', createdAt: ago(25 * HOUR), tags: { [DRILL_TAG]: 'x' } },
      { ...base, id: 'sw-drill-old', kind: 'instance', createdAt: ago(25 * HOUR), tags: { [DRILL_TAG]: 'x' } },
      { ...base, id: 'sw-drill-lookalike', kind: 'instance', createdAt: ago(900 * HOUR), tags: {} },
      { ...base, id: 'sw-drill-young', kind: 'instance', createdAt: ago(23 * HOUR), tags: { [DRILL_TAG]: 'y' } },
      { ...base, id: 'sw-drill-undated', kind: 'instance', createdAt: null, tags: { [DRILL_TAG]: 'z' } },
      { ...base, id: 'sw-drill-going', kind: 'instance', createdAt: ago(90 * HOUR), status: 'deleting', tags: { [DRILL_TAG]: 'z' } },
    ];
    expect(selectSweep(dbs, now, 24 * HOUR).map((d) => d.id)).toEqual(['sw-drill-old', 'sw-drill-old-cluster']);
  });
});

describe('restoredIdFor', () => {
  it.each(['db1', 'a-very-long-instance-identifier-that-goes-on-and-on-for-ever', 'Odd_Name.1'])('%s gives a valid id of at most 53 characters', (id) => {
    const out = restoredIdFor(id, now);
    expect(out).toMatch(/^sw-drill-[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(out.length).toBeLessThanOrEqual(53);
  });
  it('distinct long ids sharing a prefix stay distinct', () => {
    expect(restoredIdFor('shared-prefix-long-instance-name-aaaaaaaa-1', now)).not.toBe(restoredIdFor('shared-prefix-long-instance-name-aaaaaaaa-2', now));
  });
});

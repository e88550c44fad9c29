import { CoveredRegions, parseReconcileInvocation } from '../../handlers/lib/reconcile-invocation';
import { harness, Harness } from '../support/app-harness';
import { member } from '../support/builders';

/**
 * RDS snapshot events as the reconcile function receives them (fixtures shaped like RDS's own
 * examples in the RDS User Guide, "Amazon RDS event examples", with the ids of its event table).
 */
const envelope = (detailType: string, region: string, detail: Record<string, unknown>, time = '2026-11-24T10:20:00Z') => ({
  version: '0',
  id: '844e2571-85d4-695f-b930-0153b71dcb42',
  'detail-type': detailType,
  source: 'aws.rds',
  account: '123456789012',
  time,
  region,
  resources: [detail.SourceArn],
  detail,
});

const snapshotEvent = (eventId: string, region: string, id: string, category: string, message: string, date = '2026-11-24T10:20:00.123Z') =>
  envelope('RDS DB Snapshot Event', region, { EventCategories: [category], SourceType: 'SNAPSHOT', SourceArn: `arn:aws:rds:${region}:123456789012:snapshot:${id}`, Date: date, Message: message, SourceIdentifier: id, EventID: eventId });

export const FIXTURES = {
  created: snapshotEvent('RDS-EVENT-0042', 'us-east-1', 'sw-db1-20261124', 'creation', 'Manual snapshot created'),
  copyFinished: snapshotEvent('RDS-EVENT-0060', 'us-west-2', 'sw-db1-20261124', 'notification', 'Finished copy of snapshot sw-db1-20261124 from region us-east-1 in 23 minutes'),
  copyCancelled: snapshotEvent('RDS-EVENT-0061', 'us-west-2', 'sw-db1-20261124', 'notification', 'Canceled snapshot copy request of sw-db1-20261124 from region us-east-1'),
  deleted: snapshotEvent('RDS-EVENT-0041', 'us-west-2', 'sw-db1-20261024', 'deletion', 'Deleted manual snapshot'),
  clusterCreated: envelope('RDS DB Cluster Snapshot Event', 'us-east-1', {
    EventCategories: ['backup'],
    SourceType: 'CLUSTER_SNAPSHOT',
    SourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:sw-aurora1-20261124',
    Date: '2026-11-24T10:20:00.123Z',
    SourceIdentifier: 'sw-aurora1-20261124',
    Message: 'Manual cluster snapshot created',
    EventID: 'RDS-EVENT-0075',
  }),
};

describe('RDS snapshot events for the reconcile function', () => {
  it.each([
    ['snapshot created', FIXTURES.created, ['us-east-1'], 'RDS-EVENT-0042'],
    ['cluster snapshot created', FIXTURES.clusterCreated, ['us-east-1'], 'RDS-EVENT-0075'],
    ['cross-region copy finished', FIXTURES.copyFinished, ['us-west-2'], 'RDS-EVENT-0060'],
    ['cross-region copy cancelled', FIXTURES.copyCancelled, ['us-west-2'], 'RDS-EVENT-0061'],
    ['snapshot deleted', FIXTURES.deleted, ['us-west-2'], 'RDS-EVENT-0041'],
  ])('%s: a targeted pass over the region it happened in', (_what, event, regions, eventId) => {
    expect(parseReconcileInvocation(event)).toMatchObject({ kind: 'event', regions, eventId, at: new Date('2026-11-24T10:20:00.123Z') });
  });

  it('takes the identifier with or without the rds: prefix RDS examples show, and the ARN region too', () => {
    const prefixed = { ...FIXTURES.copyFinished, detail: { ...FIXTURES.copyFinished.detail, SourceIdentifier: 'rds:sw-db1-20261124', SourceArn: 'arn:aws:rds:us-west-1:123456789012:snapshot:rds:sw-db1-20261124' } };
    expect(parseReconcileInvocation(prefixed)).toMatchObject({ snapshotId: 'sw-db1-20261124', regions: ['us-west-2', 'us-west-1'] });
    const noDate = { ...FIXTURES.created, detail: { ...FIXTURES.created.detail, Date: undefined } };
    expect(parseReconcileInvocation(noDate)).toMatchObject({ at: new Date('2026-11-24T10:20:01Z') }); // whole seconds, rounded up
  });

  it('the schedule still works: its input, or nothing at all', () => {
    expect(parseReconcileInvocation({ dryRun: false })).toEqual({ kind: 'schedule', dryRun: false, audit: false });
    expect(parseReconcileInvocation(undefined)).toEqual({ kind: 'schedule', dryRun: false, audit: false });
    expect(parseReconcileInvocation({ audit: true })).toEqual({ kind: 'schedule', dryRun: false, audit: true });
  });

  it.each([
    ['another service', { ...FIXTURES.created, source: 'aws.ec2' }, /source: got "aws.ec2", expected "aws.rds"/],
    ['another RDS event type', { ...FIXTURES.created, 'detail-type': 'RDS DB Instance Event' }, /detail-type: got "RDS DB Instance Event", expected one of "RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"/],
    ['an event id that moves no slot', { ...FIXTURES.created, detail: { ...FIXTURES.created.detail, EventID: 'RDS-EVENT-0040' } }, /detail.EventID: got "RDS-EVENT-0040", expected one of the events that move a copy slot: RDS-EVENT-0042/],
    ['someone else\'s snapshot', { ...FIXTURES.deleted, detail: { ...FIXTURES.deleted.detail, SourceIdentifier: 'nightly-db1' } }, /detail.SourceIdentifier: got "nightly-db1", expected one of snapward's snapshots/],
    ['no region', { ...FIXTURES.copyFinished, region: undefined }, /region: got nothing, .*expected the AWS region/],
    ['a region that is not one', { ...FIXTURES.copyFinished, region: 'moon-1' }, /region: got "moon-1"/],
    ['a bad time', { ...FIXTURES.copyFinished, time: 'yesterday' }, /time: got "yesterday", expected the event time as an ISO 8601 time/],
    ['no detail', { ...FIXTURES.copyFinished, detail: undefined }, /detail: got nothing/],
    ['a cluster event id under the instance type', { ...FIXTURES.created, detail: { ...FIXTURES.created.detail, EventID: 'RDS-EVENT-0075' } }, /detail-type: got "RDS DB Snapshot Event", expected "RDS DB Cluster Snapshot Event" for RDS-EVENT-0075/],
    ['a scheduled input with a bad field', { audit: 'yes' }, /invalid reconcile event: audit: got "yes"/],
  ])('rejects %s, naming the field, the value and what was expected', (_what, event, message) => {
    expect(() => parseReconcileInvocation(event)).toThrow(message);
  });

  it('remembers which passes saw which regions: a duplicate or late event is covered, a newer one is not', () => {
    const covered = new CoveredRegions();
    const event = new Date('2026-11-24T10:20:00Z');
    expect(covered.covers(['us-west-2'], event)).toBe(false); // a new container knows of no pass
    covered.note(['us-east-1'], new Date('2026-11-24T10:21:00Z'));
    expect(covered.covers(['us-west-2'], event)).toBe(false); // another region's pass
    covered.note(['us-west-2'], new Date('2026-11-24T10:19:00Z'));
    expect(covered.covers(['us-west-2'], event)).toBe(false); // started before the event
    covered.note(['us-west-2'], new Date('2026-11-24T10:20:30Z'));
    expect(covered.covers(['us-west-2'], event)).toBe(true);
    expect(covered.covers(['us-west-2', 'eu-west-1'], event)).toBe(false); // every region must be seen
    covered.note(null, new Date('2026-11-24T10:30:00Z')); // a whole-fleet pass
    expect(covered.covers(['us-west-2', 'eu-west-1'], new Date('2026-11-24T10:29:00Z'))).toBe(true);
    expect(covered.covers([], event)).toBe(false);
  });
});

// The handler itself, with the application built on the fakes (no AWS, no DynamoDB).
let h: Harness;
jest.mock('../../handlers/lib/bootstrap', () => ({
  lambdaApp: async () => ({ app: { deps: h.deps, clients: { useSignal: () => undefined } }, env: { SNAPWARD_DEADLINE_MARGIN_MS: 1000 } }),
}));
import { forgetCoveredRegions, handler } from '../../handlers/reconcile';

const context = { getRemainingTimeInMillis: () => 900_000 };

describe('reconcile handler on RDS snapshot events', () => {
  beforeEach(() => {
    forgetCoveredRegions();
    h = harness({ instances: [member({ id: 'db1' }), member({ id: 'eu1', region: 'eu-west-1', drRegion: 'eu-central-1' })], kms: { 'us-west-2': 'alias/dr', 'eu-central-1': 'alias/dr' } });
    h.rds.addDatabase({ id: 'db1' }).addDatabase({ id: 'eu1', region: 'eu-west-1' });
    h.rds.newStatus = 'available';
  });

  it('an event runs a targeted pass over its region only, recorded with the event trigger', async () => {
    const res = await handler(FIXTURES.created, context);
    expect(res).toMatchObject({ skipped: null, outcome: 'succeeded', trigger: { eventId: 'RDS-EVENT-0042', regions: ['us-east-1'] } });
    const run = await h.store.getRun(res.runId as string);
    expect(run).toMatchObject({ kind: 'reconcile', trigger: 'event' });
    // The member in us-east-1 was worked on; the one in eu-west-1 was not touched.
    expect(h.rds.calls.some((c) => c.arg.includes('eu-west-1/instance/eu1'))).toBe(false);
    expect(h.rds.calls.some((c) => c.op === 'createSnapshot' && c.arg.includes('/db1/'))).toBe(true);
  });

  it('the same event twice, or a late one, costs no second pass once a pass started after it saw the region', async () => {
    h.clock.set('2026-11-24T10:25:00Z');
    const first = await handler(FIXTURES.copyFinished, context); // at 10:20:00.123, before this pass
    expect(first.runId).not.toBeNull();
    const calls = h.rds.calls.length;
    const runs = (await h.store.listRuns({ kind: 'reconcile' })).length;
    const again = await handler(FIXTURES.copyFinished, context);
    const late = await handler(FIXTURES.deleted, context);
    expect([again.skipped, late.skipped]).toEqual([expect.stringMatching(/a pass that started after RDS-EVENT-0060 of sw-db1-20261124 already saw us-west-2/), expect.stringMatching(/RDS-EVENT-0041/)]);
    expect(h.rds.calls.length).toBe(calls); // no AWS call
    expect((await h.store.listRuns({ kind: 'reconcile' })).length).toBe(runs); // no run

    // An event newer than every pass seen makes its pass.
    const newer = await handler({ ...FIXTURES.copyFinished, time: '2026-11-24T10:40:00Z', detail: { ...FIXTURES.copyFinished.detail, Date: '2026-11-24T10:40:00.000Z' } }, context);
    expect(newer.skipped).toBeNull();
  });

  it('in a new container the late event makes a cheap targeted pass: nothing due, nothing changed', async () => {
    await handler({}, context); // the scheduled pass does the day's work
    forgetCoveredRegions(); // a new container remembers no pass
    const created = h.rds.calls.filter((c) => c.op === 'createSnapshot' || c.op === 'copySnapshot').length;
    const res = await handler(FIXTURES.created, context);
    expect(res).toMatchObject({ skipped: null, outcome: 'succeeded' });
    expect(res.summary).toMatchObject({ created: 0, copied: 0, failed: 0 });
    expect(h.rds.calls.filter((c) => c.op === 'createSnapshot' || c.op === 'copySnapshot').length).toBe(created);
  });

  it('a malformed or unknown event is refused before anything is read: no run, no AWS call', async () => {
    await expect(handler({ ...FIXTURES.created, source: 'aws.ec2' }, context)).rejects.toThrow(/invalid RDS snapshot event: source: got "aws.ec2"/);
    await expect(handler({ ...FIXTURES.deleted, detail: { ...FIXTURES.deleted.detail, SourceIdentifier: 'manual-backup' } }, context)).rejects.toThrow(/SourceIdentifier/);
    expect(h.rds.calls).toEqual([]);
    expect(await h.store.listRuns({})).toEqual([]);
  });

  it('a pass stopped before it reached every member covers nothing: the next event still makes its pass', async () => {
    h.clock.set('2026-11-24T10:30:00Z');
    const stopped = await handler({}, { getRemainingTimeInMillis: () => 500 }); // under the 1 s margin: takes no member
    expect(stopped.outcome).toBe('interrupted');
    expect((await handler(FIXTURES.copyCancelled, context)).skipped).toBeNull();
  });

  it('a scheduled pass also counts: an event older than it is covered', async () => {
    h.clock.set('2026-11-24T10:30:00Z');
    await handler({}, context);
    expect((await handler(FIXTURES.copyCancelled, context)).skipped).toMatch(/RDS-EVENT-0061/);
  });
});

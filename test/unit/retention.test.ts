import { selectExpired } from '../../src/domain/retention';
import { TAG } from '../../src/domain/tags';
import { at, managed, managedCopy, snapshot } from '../support/builders';

const now = at('2026-12-25T12:00:00Z');
const owns = (id: string): boolean => id === 'db1';
const ids = (list: { id: string; region: string }[]): string[] => list.map((s) => `${s.region}:${s.id}`).sort();

describe('retention selection', () => {
  const old1 = managed('sw-db1-20261101', 'db1', at('2026-11-01T03:00:00Z'));
  const old2 = managed('sw-db1-20261102', 'db1', at('2026-11-02T03:00:00Z'));
  const recent = managed('sw-db1-20261220', 'db1', at('2026-12-20T03:00:00Z'));

  it('expires managed snapshots older than the retention, keeping the newer ones', () => {
    expect(ids(selectExpired([old1, old2, recent], now, 30, owns))).toEqual(['us-east-1:sw-db1-20261101', 'us-east-1:sw-db1-20261102']);
  });

  it('keeps the newest available snapshot even when it is past retention', () => {
    expect(ids(selectExpired([old1, old2], now, 30, owns))).toEqual(['us-east-1:sw-db1-20261101']);
  });

  it('keeps the newest *available* one: a newer snapshot still creating does not count', () => {
    const creating = managed('sw-db1-20261225', 'db1', at('2026-12-25T03:00:00Z'), { status: 'creating' });
    expect(ids(selectExpired([old1, old2, creating], now, 30, owns))).toEqual(['us-east-1:sw-db1-20261101']);
  });

  it('decides per region: the newest copy in the DR region is kept too', () => {
    const copy1 = managedCopy(old1, 'us-west-2', at('2026-11-01T05:00:00Z'));
    const copy2 = managedCopy(old2, 'us-west-2', at('2026-11-02T05:00:00Z'));
    expect(ids(selectExpired([old1, old2, recent, copy1, copy2], now, 30, owns))).toEqual([
      'us-east-1:sw-db1-20261101',
      'us-east-1:sw-db1-20261102',
      'us-west-2:sw-db1-20261101',
    ]);
  });

  it('judges a copy by its original snapshot time, not the copy time', () => {
    // Taken 40 days ago, copied 2 days ago: expired. Taken 10 days ago, copied today: kept.
    const takenLongAgo = managed('sw-db1-a', 'db1', at('2026-11-15T00:00:00Z'));
    const lateCopy = managedCopy(takenLongAgo, 'us-west-2', at('2026-12-23T00:00:00Z'));
    const newer = managedCopy(managed('sw-db1-b', 'db1', at('2026-12-15T00:00:00Z')), 'us-west-2', at('2026-12-25T11:00:00Z'));
    expect(ids(selectExpired([lateCopy, newer], now, 30, owns))).toEqual(['us-west-2:sw-db1-a']);
  });

  it('uses the recovery-point tag for cluster copies, which carry no original time', () => {
    const src = managed('sw-cl-a', 'db1', at('2026-11-01T00:00:00Z'), { kind: 'cluster' });
    const copy = managedCopy(src, 'us-west-2', at('2026-12-24T00:00:00Z'), { kind: 'cluster', originalCreatedAt: null });
    const newest = managedCopy(managed('sw-cl-b', 'db1', at('2026-12-24T00:00:00Z'), { kind: 'cluster' }), 'us-west-2', at('2026-12-24T01:00:00Z'), { kind: 'cluster' });
    expect(ids(selectExpired([copy, newest], now, 30, owns))).toEqual(['us-west-2:sw-cl-a']);
  });

  it('never expires a copy whose recovery point cannot be known', () => {
    const unknown = snapshot({ id: 'sw-db1-x', region: 'us-west-2', createdAt: at('2026-01-01T00:00:00Z'), tags: { [TAG.managed]: 'true', [TAG.instance]: 'db1', [TAG.sourceSnapshot]: 'sw-db1-x' } });
    const newest = managedCopy(recent, 'us-west-2', at('2026-12-20T05:00:00Z'));
    expect(selectExpired([unknown, newest], now, 30, owns)).toEqual([]);
  });

  it.each([
    ['a snapshot without the managed tag', snapshot({ id: 'manual-by-a-human', createdAt: at('2026-01-01T00:00:00Z'), tags: { [TAG.instance]: 'db1' } })],
    ['an automated snapshot', managed('rds:db1-2026-01-01-00-00', 'db1', at('2026-01-01T00:00:00Z'), { snapshotType: 'automated' })],
    ['a snapshot that is not available', managed('sw-db1-old-copying', 'db1', at('2026-01-01T00:00:00Z'), { status: 'copying' })],
    ['a managed snapshot of an instance outside the fleet', managed('sw-other-20260101', 'other', at('2026-01-01T00:00:00Z'))],
    ['a managed tag with another value', managed('sw-db1-false', 'db1', at('2026-01-01T00:00:00Z'), {}, { [TAG.managed]: 'false' })],
  ])('never touches %s', (_what, victim) => {
    expect(selectExpired([victim, old2, recent], now, 30, owns).map((s) => s.id)).not.toContain(victim.id);
  });

  it('honours the retention boundary exactly (older than N days expires, N days does not)', () => {
    const exactly30 = managed('sw-db1-edge', 'db1', at('2026-11-25T12:00:00Z'));
    const justOver = managed('sw-db1-over', 'db1', at('2026-11-25T11:59:59Z'));
    expect(selectExpired([exactly30, justOver, recent], now, 30, owns).map((s) => s.id)).toEqual(['sw-db1-over']);
  });
});

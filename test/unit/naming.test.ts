import { adhocSnapshotId, dailySnapshotId, requestSnapshotId, isValidSnapshotId, MAX_SNAPSHOT_ID_LENGTH } from '../../src/domain/naming';
import { periodOf } from '../../src/domain/period';
import { HOUR } from '../../src/domain/time';

const day = periodOf(new Date('2026-11-24T15:30:00Z'));

describe('snapshot identifiers', () => {
  it.each([
    ['jira-prod-use1-1', 'sw-jira-prod-use1-1-20261124'],
    ['a', 'sw-a-20261124'],
    ['DB1', 'sw-db1-20261124'], // AWS ids are case-insensitive: no hash needed
  ])('daily id of %s is %s', (instanceId, expected) => {
    expect(dailySnapshotId(instanceId, day)).toBe(expected);
  });

  it('uses an hour-and-minute period key for sub-daily periods', () => {
    const sixHours = periodOf(new Date('2026-11-24T15:30:00Z'), 6 * HOUR);
    expect(dailySnapshotId('db1', sixHours)).toBe('sw-db1-20261124t1200');
  });

  it('ad hoc ids carry the second and differ from the daily id', () => {
    const id = adhocSnapshotId('db1', new Date('2026-11-24T15:30:07Z'));
    expect(id).toBe('sw-db1-adhoc-20261124153007');
    expect(id).not.toBe(dailySnapshotId('db1', day));
  });

  const longA = 'confluence-production-eu-central-1-tenant-0001-replica-aaaa';
  const longB = 'confluence-production-eu-central-1-tenant-0001-replica-bbbb';
  it.each([longA, longB, 'x'.repeat(63), 'a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x-y-z-0-1-2-3-4'])(
    'an id made from %s is valid for both APIs (<= 63 chars, letter first, no --, no trailing hyphen)',
    (instanceId) => {
      for (const id of [dailySnapshotId(instanceId, day), adhocSnapshotId(instanceId, new Date('2026-11-24T15:30:07Z'))]) {
        expect(id.length).toBeLessThanOrEqual(MAX_SNAPSHOT_ID_LENGTH);
        expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
        expect(isValidSnapshotId(id)).toBe(true);
      }
    },
  );

  it('keeps long ids that share a prefix apart, and is deterministic', () => {
    expect(dailySnapshotId(longA, day)).not.toBe(dailySnapshotId(longB, day));
    expect(adhocSnapshotId(longA, new Date(0))).not.toBe(adhocSnapshotId(longB, new Date(0)));
    expect(dailySnapshotId(longA, day)).toBe(dailySnapshotId(longA, day));
  });

  it('differs per period for the same instance', () => {
    const tomorrow = periodOf(new Date('2026-11-25T00:00:00Z'));
    expect(dailySnapshotId('db1', day)).not.toBe(dailySnapshotId('db1', tomorrow));
  });

  it.each([
    ['ok-id', true],
    ['Upper', false],
    ['1starts-with-digit', false],
    ['double--hyphen', false],
    ['trailing-', false],
    ['rds:db1-2026-11-24-10-00', false],
    ['a'.repeat(64), false],
  ])('isValidSnapshotId(%s) is %s', (id, valid) => {
    expect(isValidSnapshotId(id)).toBe(valid);
  });

  it('request ids come from the idempotency key: same key same id, other key or instance another id', () => {
    const id = requestSnapshotId('db1', 'req-7f3a9c21');
    expect(id).toMatch(/^sw-db1-req-[0-9a-f]{16}$/);
    expect(requestSnapshotId('db1', 'req-7f3a9c21')).toBe(id);
    expect(requestSnapshotId('db1', 'req-7f3a9c22')).not.toBe(id);
    expect(requestSnapshotId('db2', 'req-7f3a9c21')).not.toBe(id.replace('db1', 'db2'));
    expect(isValidSnapshotId(requestSnapshotId('x'.repeat(63), 'k'.repeat(128)))).toBe(true);
  });
});

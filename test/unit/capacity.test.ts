import { capacityExceeded, copyCapacity, dailyCapacity, medianOf, recentDurations, shortfallByTier } from '../../src/domain/capacity';
import { MemberState } from '../../src/domain/ledger';
import { StepPhase, StepState } from '../../src/domain/steps';
import { DEFAULT_TIER_POLICIES } from '../../src/domain/tiers';
import { DAY, HOUR, MINUTE } from '../../src/domain/time';
import { DbKind } from '../../src/domain/types';
import { member } from '../support/builders';

const NOW = new Date('2026-11-29T12:00:00Z');
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);
const CONCURRENCY = { instanceCopiesPerRegion: 20, clusterCopiesPerRegion: 5 };
let seq = 0;

/** A step holding a copy slot of `region` (or none: `slot: null`). */
function step(phase: StepPhase, over: Partial<StepState> & { region?: string; dbKind?: DbKind } = {}): StepState {
  const { region = 'us-west-2', dbKind = 'instance', ...rest } = over;
  const id = `work:${region}/sw-db-${++seq}`;
  return { id, kind: 'work', target: { id: `sw-db-${seq}`, region, kind: dbKind }, slot: { account: '123456789012', region, dbKind }, phase, attempts: 0, nextAttemptAt: null, lastError: null, startedAt: null, finishedAt: null, ...rest };
}

/** A copy that finished `endedAgo` ago after running `minutes`. */
const finished = (minutes: number, endedAgo: number, over: Partial<StepState> & { region?: string; dbKind?: DbKind } = {}): StepState =>
  step('done', { startedAt: ago(endedAgo + minutes * MINUTE), finishedAt: ago(endedAgo), ...over });

function state(key: string, steps: StepState[]): MemberState {
  return { key, dueAt: NOW, auditedAt: NOW, policy: '', pending: [], snapshots: [], updatedAt: NOW, steps };
}

/** Tier 0 snapshotted every hour (24 copies a day), the others daily. */
const tiers = { ...DEFAULT_TIER_POLICIES, 0: { ...DEFAULT_TIER_POLICIES[0], snapshotEveryMs: HOUR } };

describe('copy capacity (domain/capacity.ts)', () => {
  it.each([
    ['no values', [], null],
    ['one', [7], 7],
    ['odd count', [30, 10, 20], 20],
    ['even count: mean of the middle two', [40, 10, 20, 30], 25],
  ])('median of %s', (_what, values, expected) => {
    expect(medianOf(values)).toBe(expected);
  });

  it.each([
    // limit, median minutes, copies a day
    [20, 10, 2880],
    [20, 30, 960],
    [5, 30, 240],
    [20, 7, 4114], // floor(20 x 1440 / 7)
    [20, 0, 28800], // a copy available at once counts as one minute
  ])('limit %i at a %i-minute median gives %i copies a day', (limit, minutes, perDay) => {
    expect(dailyCapacity(limit, minutes * MINUTE)).toBe(perDay);
  });

  it('durations: the last day when 50 or more landed in it, else the newest 50 whatever their age', () => {
    const lastDay = Array.from({ length: 60 }, (_, i) => finished(10, i * 10 * MINUTE));
    const older = Array.from({ length: 30 }, () => finished(90, 2 * DAY));
    expect(recentDurations([...lastDay, ...older], NOW)).toHaveLength(60);
    expect(new Set(recentDurations([...lastDay, ...older], NOW))).toEqual(new Set([10 * MINUTE]));

    const few = Array.from({ length: 5 }, () => finished(10, HOUR));
    const durations = recentDurations([...few, ...older, ...Array.from({ length: 30 }, () => finished(200, 5 * DAY))], NOW);
    expect(durations).toHaveLength(50); // 5 today + the 30 of two days ago + the newest 15 of five days ago
    expect(durations.filter((d) => d === 10 * MINUTE)).toHaveLength(5);
    expect(durations.filter((d) => d === 90 * MINUTE)).toHaveLength(30);
    expect(durations.filter((d) => d === 200 * MINUTE)).toHaveLength(15);
  });

  it('durations skip what is not a measurement: in flight, deferred, failed, no start, a finish before the start or in the future', () => {
    const steps = [
      finished(20, HOUR),
      step('in-flight', { startedAt: ago(HOUR) }),
      step('deferred'),
      step('failed', { startedAt: ago(2 * HOUR), finishedAt: ago(HOUR) }),
      step('done', { startedAt: null, finishedAt: ago(HOUR) }),
      step('done', { startedAt: ago(HOUR), finishedAt: ago(2 * HOUR) }),
      step('done', { startedAt: ago(HOUR), finishedAt: new Date(NOW.getTime() + HOUR) }),
    ];
    expect(recentDurations(steps, NOW)).toEqual([20 * MINUTE]);
  });

  it('one row per DR region and kind: in flight, limit, median, capacity, demand from the periods, backlog', () => {
    const members = [
      ...Array.from({ length: 30 }, (_, i) => member({ id: `daily-${i}`, tier: 2 })), // 1 copy a day each
      member({ id: 'hourly', tier: 0 }), // tier 0 snapshots every hour: 24 copies a day
      member({ id: 'aurora', kind: 'cluster', tier: 3 }),
      member({ id: 'eu', region: 'eu-west-1', drRegion: 'eu-central-1', tier: 3 }),
    ];
    const states = [
      state('a', [finished(10, HOUR), finished(30, 2 * HOUR), finished(20, 3 * HOUR), step('in-flight', { startedAt: ago(HOUR) }), step('deferred'), step('deferred')]),
      state('b', [step('in-flight', { startedAt: ago(HOUR) }), finished(120, HOUR, { dbKind: 'cluster' }), step('deferred', { dbKind: 'cluster' })]),
      null,
    ];
    const rows = copyCapacity({ members, states, tiers, concurrency: CONCURRENCY, now: NOW });
    const plain = rows.map(({ demandByTier: _d, ...r }) => r);
    expect(plain).toEqual([
      { region: 'eu-central-1', kind: 'instance', inFlight: 0, limit: 20, medianCopyMinutes: null, samples: 0, capacityPerDay: null, demandPerDay: 1, backlog: 0 },
      { region: 'us-west-2', kind: 'cluster', inFlight: 0, limit: 5, medianCopyMinutes: 120, samples: 1, capacityPerDay: 60, demandPerDay: 1, backlog: 1 },
      { region: 'us-west-2', kind: 'instance', inFlight: 2, limit: 20, medianCopyMinutes: 20, samples: 3, capacityPerDay: 1440, demandPerDay: 54, backlog: 2 },
    ]);
    expect(rows[2]?.demandByTier).toEqual({ 0: 24, 1: 0, 2: 30, 3: 0 });
  });

  it('a slot step in a region no member copies to still gets a row (a member that left the fleet)', () => {
    const rows = copyCapacity({ members: [], states: [state('gone', [step('in-flight', { region: 'ap-south-1', startedAt: ago(HOUR) })])], tiers, concurrency: CONCURRENCY, now: NOW });
    expect(rows).toMatchObject([{ region: 'ap-south-1', kind: 'instance', inFlight: 1, demandPerDay: 0, capacityPerDay: null }]);
  });

  it("the vault account's copy slots are not the DR region's: skipped accounts count nowhere", () => {
    const vaultStep = { ...step('in-flight', { startedAt: ago(HOUR) }), slot: { account: '999999999999', region: 'us-west-2', dbKind: 'instance' as const } };
    const rows = copyCapacity({ members: [member()], states: [state('a', [vaultStep, { ...vaultStep, phase: 'deferred' as const }])], tiers, concurrency: CONCURRENCY, now: NOW, skipAccounts: new Set(['999999999999']) });
    expect(rows).toMatchObject([{ region: 'us-west-2', inFlight: 0, backlog: 0 }]);
    expect(copyCapacity({ members: [member()], states: [state('a', [vaultStep])], tiers, concurrency: CONCURRENCY, now: NOW })).toMatchObject([{ inFlight: 1 }]);
  });

  it('steps without a slot are not copies: they count nowhere', () => {
    const noSlot = { ...finished(10, HOUR), slot: null };
    const rows = copyCapacity({ members: [member()], states: [state('a', [noSlot, { ...step('in-flight'), slot: null }])], tiers, concurrency: CONCURRENCY, now: NOW });
    expect(rows).toMatchObject([{ inFlight: 0, samples: 0, medianCopyMinutes: null }]);
  });

  it.each([
    // capacity, demand by tier, expected per tier [tier, served, hours lost a day]
    ['fits', 100, { 0: 10, 1: 10, 2: 30, 3: 40 }, [[0, 10, 0], [1, 10, 0], [2, 30, 0], [3, 40, 0]]],
    ['tier 3 gets half', 70, { 0: 10, 1: 10, 2: 30, 3: 40 }, [[0, 10, 0], [1, 10, 0], [2, 30, 0], [3, 20, 12]]],
    ['tier 3 starved, tier 2 gets a third', 30, { 0: 10, 1: 10, 2: 30, 3: 40 }, [[0, 10, 0], [1, 10, 0], [2, 10, 16], [3, 0, 24]]],
    ['a tier with no members is not listed', 5, { 0: 0, 1: 0, 2: 10, 3: 0 }, [[2, 5, 12]]],
  ] as const)('shortfall by tier: %s', (_what, capacityPerDay, demandByTier, expected) => {
    const shortfall = shortfallByTier({ capacityPerDay, demandByTier }) ?? [];
    expect(shortfall.map((s) => [s.tier, s.servedPerDay, s.rpoHoursLostPerDay])).toEqual(expected);
  });

  it('unknown capacity: no shortfall and never "exceeded"', () => {
    expect(shortfallByTier({ capacityPerDay: null, demandByTier: { 0: 1, 1: 0, 2: 0, 3: 0 } })).toBeNull();
    expect(capacityExceeded({ capacityPerDay: null, demandPerDay: 1e6 })).toBe(false);
    expect(capacityExceeded({ capacityPerDay: 960, demandPerDay: 2000 })).toBe(true);
    expect(capacityExceeded({ capacityPerDay: 2000, demandPerDay: 2000 })).toBe(false);
  });
});

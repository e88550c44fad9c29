import { parseArgs, runRealisticBench } from '../../scripts/bench-realistic';

/**
 * Smoke test of `npm run bench:realistic` (scripts/bench-realistic.ts): a small fleet over a few
 * moved hours against moto behind the realistic-AWS proxy. It checks the instrument, not the
 * engine's figures: copies take their T minutes (nothing beats the floor), the proxy's copy limit
 * holds, event nudges refill slots sooner than the 15-minute schedule, and the calls are counted.
 */
describe('bench:realistic (N = 30, 3 moved hours)', () => {
  const base = ['--instances', '30', '--hours', '3', '--max-hours', '3', '--copy-minutes', '10', '--create-minutes', '5'];

  it('measures a scheduled and a nudged day: every copy lands, never faster than the floor, nudges sooner', async () => {
    const scheduled = await runRealisticBench(parseArgs(base));
    const nudged = await runRealisticBench(parseArgs([...base, '--nudges']));
    for (const run of [scheduled, nudged]) {
      expect(run.setup.tierCounts).toEqual([2, 7, 12, 9]);
      expect(run.completion).toMatchObject({ dayCopies: 30, landed: 30, floorMinutes: 20 });
      // The first copies can start only once their source has been `creating` for 5 minutes.
      expect(run.completion.allAvailableAfterMinutes).toBeGreaterThanOrEqual(25);
      expect(run.copies.started).toBe(30);
      expect(run.calls.inDay).toBeGreaterThan(0);
      // The configured instance that does not exist is named by the engine's calls at least once.
      expect(run.calls.ghostNamedInDay).toBeGreaterThan(0);
      expect(run.passes.scheduledInDay).toBe(12);
    }
    expect(scheduled.passes.nudgesInDay).toBe(0);
    expect(nudged.passes.nudgesInDay).toBeGreaterThan(0);
    // The schedule alone starts the second batch at the 30-minute pass (lands at 40); nudges start it ~1 minute after the first lands.
    expect(scheduled.completion.allAvailableAfterMinutes).toBeGreaterThanOrEqual(40);
    expect(nudged.completion.allAvailableAfterMinutes as number).toBeLessThan(scheduled.completion.allAvailableAfterMinutes as number);
  }, 90_000);

  it('rejects bad arguments naming the flag, the value and what was expected', () => {
    expect(() => parseArgs(['--tiers', '50,50,10,0'])).toThrow('--tiers: got 50,50,10,0, expected four whole percentages for tiers 0..3 adding up to 100');
    expect(() => parseArgs(['--copy-minutes', '0'])).toThrow('--copy-minutes: got 0, expected minutes > 0');
    expect(() => parseArgs(['--hours', '24', '--max-hours', '12'])).toThrow('--max-hours: got 12, expected hours from --hours (24) to 96');
  });
});

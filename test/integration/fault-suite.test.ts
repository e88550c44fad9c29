import { runFaultSuite } from '../../scripts/fault-suite';

/**
 * The fault suite (`npm run faults`, scripts/fault-suite.ts) in small: the built CLI killed with
 * SIGKILL at random points and re-run, two passes at once, a third of the RDS requests answered
 * Throttling. No snapshot or copy is ever made twice, no run record is lost, a killed run's
 * leases block no re-run, and every trial ends with each database's snapshot and DR copy.
 */
it('kills, concurrent passes and throttling: no duplicates, no lost records, no dead-lease skips, every trial converges', async () => {
  const report = await runFaultSuite({ trials: 2, instances: 4, throttle: 1 / 3, seed: 20261129 });
  expect(report.trials).toBe(4); // calibration, 2 kill trials, the concurrent trial
  expect(report.rdsThrottled).toBeGreaterThan(0);
  expect(report.rdsThrottled / report.rdsRequests).toBeCloseTo(1 / 3, 1);
  expect(report.details.flatMap((t) => t.duplicates)).toEqual([]);
  expect(report.details.flatMap((t) => t.lostRecords)).toEqual([]);
  expect(report.details.flatMap((t) => t.notConverged)).toEqual([]);
  expect(report.deadLeaseSkips).toBe(0);
  expect(report.ok).toBe(true);
}, 150_000);

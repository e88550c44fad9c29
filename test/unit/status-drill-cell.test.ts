import { drillCell } from '../../src/cli/commands/status';

describe('status: the DRILL RTO column beside the RPO figures', () => {
  const drill = { drillId: 'd-1', finishedAt: new Date('2026-11-24T12:00:00Z'), rtoTargetSeconds: 4 * 3600 };
  it.each([
    [null, 'no drill yet'],
    [{ ...drill, rtoSeconds: 3900, band: 'compliant' as const, outcome: 'succeeded' as const }, '1h05m compliant'],
    [{ ...drill, rtoSeconds: 9 * 3600, band: 'severe' as const, outcome: 'succeeded' as const }, '9h00m severe'],
    [{ ...drill, rtoSeconds: null, band: null, outcome: 'failed' as const }, 'failed'],
  ])('%j -> %s', (summary, cell) => {
    expect(drillCell(summary)).toBe(cell);
  });
});

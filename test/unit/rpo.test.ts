import { achievedRpo, bandOf, neverMeets, RpoInputs } from '../../src/domain/rpo';
import { DEFAULT_TIER_POLICIES } from '../../src/domain/tiers';
import { DAY, HOUR, MINUTE } from '../../src/domain/time';

const now = new Date('2026-11-24T12:00:00Z');
const ago = (ms: number): Date => new Date(now.getTime() - ms);

function inputs(over: Partial<RpoInputs> = {}): RpoInputs {
  return { now, kind: 'instance', policy: DEFAULT_TIER_POLICIES[1], instanceLoss: [], regionLoss: [], pitrEnabled: true, crossRegionPitr: false, ...over };
}

describe('RPO bands', () => {
  it.each([
    [0, 3600, 'compliant'],
    [3600, 3600, 'compliant'],
    [3601, 3600, 'exceeded'],
    [7200, 3600, 'exceeded'],
    [7201, 3600, 'severe'],
    [14400, 3600, 'severe'],
    [14401, 3600, 'critical'],
    [null, 3600, 'critical'],
  ] as const)('achieved %p s against %p s is %s', (achieved, target, band) => {
    expect(bandOf(achieved, target)).toBe(band);
  });
});

describe('achieved RPO per scenario', () => {
  it('instance loss takes the newest of snapshot, point-in-time and automated snapshot', () => {
    const r = achievedRpo(
      inputs({
        instanceLoss: [
          { source: 'managed-snapshot', time: ago(10 * HOUR), snapshotId: 'sw-a' },
          { source: 'point-in-time', time: ago(4 * MINUTE) },
          { source: 'automated-snapshot', time: ago(20 * HOUR), snapshotId: 'rds:a' },
        ],
      }),
    );
    expect(r.instanceLoss).toMatchObject({ achievedSeconds: 240, targetSeconds: 3600, band: 'compliant', compliant: true, recoveryPoint: { source: 'point-in-time' } });
  });

  it('region loss is judged on the DR copy (its original time) when nothing else exists', () => {
    const r = achievedRpo(inputs({ regionLoss: [{ source: 'dr-copy', time: ago(5 * HOUR), snapshotId: 'sw-a' }] }));
    expect(r.regionLoss).toMatchObject({ achievedSeconds: 5 * 3600, band: 'critical', compliant: false });
  });

  it('no recovery point at all: achieved null, band critical', () => {
    const r = achievedRpo(inputs());
    expect(r.regionLoss).toMatchObject({ achievedSeconds: null, band: 'critical', compliant: false, recoveryPoint: null });
  });

  it('a recovery point in the future (clock skew) counts as zero loss', () => {
    expect(achievedRpo(inputs({ instanceLoss: [{ source: 'point-in-time', time: new Date(now.getTime() + 60_000) }] })).instanceLoss.achievedSeconds).toBe(0);
  });
});

describe('targets a configuration can never meet', () => {
  it.each([
    // [what, kind, tier, pitr, crossRegionPitr, snapshotEvery, scenario, never?]
    ['tier 1, daily copies, no cross-region PITR', 'instance', 1, true, false, DAY, 'regionLoss', true],
    ['tier 1 with replicated automated backups', 'instance', 1, true, true, DAY, 'regionLoss', false],
    ['tier 3 (24 h) with daily copies', 'instance', 3, true, false, DAY, 'regionLoss', false],
    ['tier 2 (8 h) with daily copies', 'instance', 2, true, false, DAY, 'regionLoss', true],
    ['tier 2 (8 h) with 6 h copies', 'instance', 2, true, false, 6 * HOUR, 'regionLoss', false],
    ['tier 1 instance loss with PITR', 'instance', 1, true, false, DAY, 'instanceLoss', false],
    ['tier 1 instance loss without automated backups', 'instance', 1, false, false, DAY, 'instanceLoss', true],
    ['tier 0 Aurora cluster, daily copies', 'cluster', 0, true, false, DAY, 'regionLoss', true],
  ] as const)('%s: never meets = %s', (_what, kind, tier, pitr, xpitr, every, scenario, never) => {
    const policy = { ...DEFAULT_TIER_POLICIES[tier], snapshotEveryMs: every };
    const result = neverMeets(scenario, { kind, policy, pitrEnabled: pitr, crossRegionPitr: xpitr });
    expect(result !== null).toBe(never);
    if (result) {
      expect(result.reason).toMatch(/RPO target/);
      expect(result.remedy.length).toBeGreaterThan(10);
    }
  });

  it('names the remedy that fits: automated backup replication for instances, Global Database for Aurora', () => {
    const policy = DEFAULT_TIER_POLICIES[1];
    expect(neverMeets('regionLoss', { kind: 'instance', policy, pitrEnabled: true, crossRegionPitr: false })?.remedy).toMatch(/StartDBInstanceAutomatedBackupsReplication/);
    expect(neverMeets('regionLoss', { kind: 'cluster', policy, pitrEnabled: true, crossRegionPitr: false })?.remedy).toMatch(/Aurora Global Database/);
    expect(neverMeets('instanceLoss', { kind: 'instance', policy, pitrEnabled: false, crossRegionPitr: false })?.remedy).toMatch(/BackupRetentionPeriod/);
  });
});

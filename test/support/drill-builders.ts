import { DrillRecord } from '../../src/domain/drill';

/** A drill record with sensible defaults: a scheduled instance drill of db1 from its DR copy, just recorded. */
export function drill(overrides: Partial<DrillRecord> = {}): DrillRecord {
  const createdAt = overrides.createdAt ?? new Date('2026-11-24T10:00:00.000Z');
  return {
    drillId: 'drill-20261124100000-0001',
    instanceId: 'db1',
    account: '123456789012',
    kind: 'instance',
    region: 'us-east-1',
    tier: 1,
    trigger: 'schedule',
    phase: 'restoring',
    outcome: null,
    source: {
      region: 'us-west-2',
      snapshotId: 'sw-db1-20261124',
      snapshotArn: 'arn:aws:rds:us-west-2:123456789012:snapshot:sw-db1-20261124',
      recoveryPointTime: new Date('2026-11-24T00:05:00.000Z'),
      encrypted: true,
      kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr-key',
      engine: null,
    },
    restoredId: 'sw-drill-db1-20261124100000',
    restoredInstanceId: null,
    createdAt,
    startedAt: null,
    availableAt: null,
    validatedAt: null,
    finishedAt: null,
    rtoSeconds: null,
    rtoTargetSeconds: 6 * 3600,
    band: null,
    recoveryPointAgeSeconds: null,
    validation: null,
    error: null,
    cancelRequested: false,
    cleanupError: null,
    updatedAt: createdAt,
    ...overrides,
  };
}

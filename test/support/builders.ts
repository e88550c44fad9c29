import { SnapwardConfig } from '../../src/domain/config';
import { TAG } from '../../src/domain/tags';
import { DEFAULT_TIER_POLICIES } from '../../src/domain/tiers';
import { ConfiguredInstance, FleetMember, Snapshot } from '../../src/domain/types';
import { OWN_ACCOUNT } from './fake-accounts';

/** Fixture builders: defaults that make sense, overrides for what a test is about. */

export function member(overrides: Partial<FleetMember> = {}): FleetMember {
  return { id: 'db1', kind: 'instance', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, account: OWN_ACCOUNT, accountName: null, origin: 'config', ...overrides };
}

export function snapshot(overrides: Partial<Snapshot> & { id: string }): Snapshot {
  const region = overrides.region ?? 'us-east-1';
  const kind = overrides.kind ?? 'instance';
  return {
    arn: `arn:aws:rds:${region}:123456789012:${kind === 'instance' ? 'snapshot' : 'cluster-snapshot'}:${overrides.id}`,
    kind,
    region,
    dbId: 'db1',
    status: 'available',
    snapshotType: 'manual',
    createdAt: new Date('2026-11-01T00:00:00Z'),
    originalCreatedAt: null,
    encrypted: true,
    tags: {},
    ...overrides,
  };
}

/** A snapshot snapward made for `instanceId` (tags as the real code writes them). */
export function managed(
  id: string,
  instanceId: string,
  at: Date,
  overrides: Partial<Snapshot> = {},
  extraTags: Record<string, string> = {},
): Snapshot {
  return snapshot({
    id,
    dbId: instanceId,
    createdAt: at,
    originalCreatedAt: overrides.kind === 'cluster' ? null : at,
    tags: { [TAG.managed]: 'true', [TAG.instance]: instanceId, [TAG.type]: 'daily', ...extraTags },
    ...overrides,
  });
}

/** A DR copy of `source` made at `copiedAt` (a later time than the recovery point). */
export function managedCopy(source: Snapshot, drRegion: string, copiedAt: Date, overrides: Partial<Snapshot> = {}): Snapshot {
  const rp = source.originalCreatedAt ?? source.createdAt;
  return snapshot({
    ...source,
    arn: source.arn.replace(source.region, drRegion),
    region: drRegion,
    createdAt: copiedAt,
    tags: {
      ...source.tags,
      [TAG.sourceRegion]: source.region,
      [TAG.sourceSnapshot]: source.id,
      ...(rp ? { [TAG.recoveryPoint]: rp.toISOString() } : {}),
    },
    ...overrides,
  });
}

/**
 * A member as the config lists it: by account name (accountName), or without an account for the
 * caller's own. Tests may hand members (FleetMember) or config entries.
 */
export function configured(m: FleetMember | ConfiguredInstance): ConfiguredInstance {
  const { accountName, account, ...rest } = m as Partial<FleetMember> & ConfiguredInstance;
  if (accountName) return { ...rest, account: accountName };
  return account !== undefined && !/^\d{12}$/.test(account) ? { ...rest, account } : rest;
}

export function config(overrides: Partial<SnapwardConfig> = {}): SnapwardConfig {
  const base: SnapwardConfig = {
    configPath: null,
    retentionDays: 30,
    kms: { 'us-west-2': 'alias/snapward-dr', 'us-east-1': 'alias/snapward-dr' },
    instances: [member()],
    discover: [],
    state: { sqlite: ':memory:' },
    tiers: DEFAULT_TIER_POLICIES,
    concurrency: { instances: 4, instanceCopiesPerRegion: 20, clusterCopiesPerRegion: 5 },
    audit: { everyMs: 24 * 60 * 60 * 1000, membersPerPass: null },
    attachments: [],
    ...overrides,
  };
  return { ...base, instances: base.instances.map(configured) };
}

export const at = (iso: string): Date => new Date(iso);

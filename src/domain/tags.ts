import { FleetMember, Snapshot } from './types';

/**
 * The tags snapward puts on every snapshot it makes. `snapward:managed=true` is the ownership
 * mark: retention only ever deletes snapshots that carry it (and IAM can enforce the same rule).
 */
export const TAG = {
  managed: 'snapward:managed',
  instance: 'snapward:instance',
  kind: 'snapward:kind',
  tier: 'snapward:tier',
  product: 'snapward:product',
  type: 'snapward:type',
  period: 'snapward:period',
  reason: 'snapward:reason',
  requestedBy: 'snapward:requested-by',
  /** On a copy: the source region, the source snapshot id and its recovery-point time (ISO). */
  sourceRegion: 'snapward:source-region',
  sourceSnapshot: 'snapward:source-snapshot',
  recoveryPoint: 'snapward:recovery-point',
  /** On a vault copy: the 12-digit id of the member's account it was copied from. */
  sourceAccount: 'snapward:source-account',
  /** On a vault copy: `true` (it lives in the vault account, under the vault's key and retention). */
  vault: 'snapward:vault',
} as const;

export type SnapshotPurpose = 'daily' | 'adhoc';

/** Facts read back from a managed snapshot's tags and times. */
export interface ManagedInfo {
  readonly instanceId: string;
  readonly purpose: SnapshotPurpose;
  readonly period?: string;
  /** True for a cross-region copy made by snapward. */
  readonly isCopy: boolean;
  /**
   * When the data was captured: the original snapshot time, never the copy time. Null when it
   * cannot be known (a copy with neither our tag nor OriginalSnapshotCreateTime): such a
   * snapshot is never expired.
   */
  readonly recoveryPointTime: Date | null;
}

export function baseTags(member: FleetMember, purpose: SnapshotPurpose): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.managed]: 'true',
    [TAG.instance]: member.id,
    [TAG.kind]: member.kind,
    [TAG.tier]: String(member.tier),
    [TAG.type]: purpose,
  };
  if (member.product) tags[TAG.product] = sanitizeTagValue(member.product);
  return tags;
}

/** Tags for the DR copy of `source`: the source's snapward tags plus where and when it came from. */
export function copyTags(source: Snapshot, recoveryPointTime: Date): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(source.tags)) {
    if (key.startsWith('snapward:')) tags[key] = value;
  }
  tags[TAG.sourceRegion] = source.region;
  tags[TAG.sourceSnapshot] = source.id;
  tags[TAG.recoveryPoint] = recoveryPointTime.toISOString();
  return tags;
}

/** Tags of a vault copy of the DR copy `drCopy`: its copy tags plus the source account and the vault mark. */
export function vaultTags(drCopy: Snapshot, recoveryPointTime: Date, sourceAccountId: string): Record<string, string> {
  const tags = copyTags(drCopy, recoveryPointTime);
  // copyTags names the DR copy as the source; the recovery point stays the original's (never a copy time).
  tags[TAG.sourceAccount] = sourceAccountId;
  tags[TAG.vault] = 'true';
  return tags;
}

/** True for a snapshot snapward made in the vault account (it belongs in a member's vault list, not its own). */
export const isVaultCopy = (s: Snapshot): boolean => s.tags[TAG.vault] === 'true';

export function managedInfo(snapshot: Snapshot): ManagedInfo | null {
  const t = snapshot.tags;
  if (t[TAG.managed] !== 'true' || snapshot.snapshotType !== 'manual') return null;
  const instanceId = t[TAG.instance];
  if (!instanceId) return null;
  const isCopy = Boolean(t[TAG.sourceSnapshot]);
  let recoveryPointTime: Date | null;
  if (isCopy) {
    const tagged = t[TAG.recoveryPoint] ? new Date(t[TAG.recoveryPoint] as string) : null;
    recoveryPointTime = tagged && !Number.isNaN(tagged.getTime()) ? tagged : snapshot.originalCreatedAt;
  } else {
    recoveryPointTime = snapshot.originalCreatedAt ?? snapshot.createdAt;
  }
  return {
    instanceId: instanceId.toLowerCase(),
    purpose: t[TAG.type] === 'adhoc' ? 'adhoc' : 'daily',
    ...(t[TAG.period] ? { period: t[TAG.period] } : {}),
    isCopy,
    recoveryPointTime,
  };
}


/**
 * RDS tag values allow letters, digits, spaces and `_.:/=+-@`, up to 256 characters.
 * Free text (a reason, a user name) is squeezed into that set rather than rejected.
 */
export function sanitizeTagValue(text: string): string {
  return text
    .replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, '_')
    .slice(0, 256);
}

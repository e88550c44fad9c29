import { SNAPSHOT_ID_PREFIX } from './naming';

/**
 * The RDS events that can free or fill a copy slot, as RDS sends them to EventBridge (the default
 * bus of the region where they happen; best effort: they may be late, repeated or missing). A
 * pass is level-triggered, so an event only makes a pass come sooner; it is never evidence.
 *
 * Ids from the RDS User Guide, "Amazon RDS event categories and event messages" (DB snapshot
 * events) and the Aurora User Guide (DB cluster snapshot events). RDS documents no copy or
 * deletion event for DB cluster snapshots: a cluster copy that finishes is seen by the next
 * scheduled pass.
 */
export const RDS_EVENT_SOURCE = 'aws.rds';

export const SNAPSHOT_EVENT_TYPES = ['RDS DB Snapshot Event', 'RDS DB Cluster Snapshot Event'] as const;
export type SnapshotEventType = (typeof SNAPSHOT_EVENT_TYPES)[number];

/** Event id -> what it means for the copy slots. */
export const SLOT_EVENTS: Readonly<Record<string, { readonly type: SnapshotEventType; readonly means: string }>> = {
  'RDS-EVENT-0042': { type: 'RDS DB Snapshot Event', means: 'a manual DB snapshot was created: its copy can start' },
  'RDS-EVENT-0060': { type: 'RDS DB Snapshot Event', means: 'a cross-region copy finished: its slot is free' },
  'RDS-EVENT-0061': { type: 'RDS DB Snapshot Event', means: 'a cross-region copy was cancelled: its slot is free' },
  'RDS-EVENT-0041': { type: 'RDS DB Snapshot Event', means: 'a DB snapshot was deleted (deleting a copy in flight cancels it; a deletion frees snapshot quota)' },
  'RDS-EVENT-0075': { type: 'RDS DB Cluster Snapshot Event', means: 'a manual DB cluster snapshot was created: its copy can start' },
};

export const SLOT_EVENT_IDS: readonly string[] = Object.keys(SLOT_EVENTS);

/**
 * snapward's snapshots by `detail.SourceIdentifier`. RDS's own example events show the identifier
 * with an `rds:` prefix (`"SourceIdentifier": "rds:my-db-snapshot"`) while events seen in the wild
 * carry the bare identifier (`"database-1"`), so both spellings are accepted.
 */
export const SNAPWARD_SOURCE_PREFIXES = [SNAPSHOT_ID_PREFIX, `rds:${SNAPSHOT_ID_PREFIX}`] as const;

export const isSnapwardSource = (identifier: string): boolean => SNAPWARD_SOURCE_PREFIXES.some((p) => identifier.toLowerCase().startsWith(p));

/** The region in an RDS ARN (`arn:aws:rds:us-west-2:...`), or null. */
export function arnRegion(arn: string | undefined): string | null {
  const parts = arn?.split(':') ?? [];
  return parts[0] === 'arn' && parts[2] === 'rds' && parts[3] ? parts[3] : null;
}

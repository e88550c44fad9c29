/**
 * The watchdog's vocabulary: what kinds of findings exist and how urgent each is. Pure data and
 * rules; the lifecycle (open, re-notify, resolve) lives in app/check.ts.
 */

/** Alert kinds; each is also the EventBridge detail-type of its event (`<kind> Resolved` when healed). */
export const FINDING_KINDS = [
  'Snapshot Missed',
  'Copy Missed',
  'RPO Breached',
  'Backup Failed',
  'Quota Warning',
  'Replication Broken',
  'Replication Lagging',
  'Observation Failed',
  'Recovery Point Deleted',
  'Key Unusable',
  'Target Unreachable',
  // A DR region that cannot take the fleet's copies a day (app/watchdog-capacity.ts).
  'Copy Capacity Exceeded',
  // Restore drills (app/watchdog-drills.ts).
  'Drill Overdue',
  'Drill Failed',
  'RTO Breached',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/**
 * `critical`: recovery is at risk now, page someone the same day. `warning`: a target is missed
 * or about to be, fix it in working hours. `info`: a standing fact about the configuration,
 * told once (never re-notified while open).
 */
export type Severity = 'critical' | 'warning' | 'info';

/**
 * Which severity a finding carries (`detail.severity` of every event):
 * - Recovery Point Deleted, Key Unusable, Replication Broken: always critical;
 * - RPO Breached: critical in the `severe` and `critical` bands, warning when `exceeded`;
 * - Observation Failed: critical once the region has been blind for longer than its tightest RPO
 *   target (`detail.confidenceBreached`), warning before;
 * - Target Unreachable: info (the configuration cannot meet the target; told once with the remedy);
 * - Copy Capacity Exceeded: critical when tier 0 or 1 copies fall behind (`detail.topTiersLose`),
 *   warning when only lower tiers do;
 * - everything else (Snapshot Missed, Copy Missed, Backup Failed, Quota Warning, Replication
 *   Lagging): warning.
 */
export function severityOf(kind: FindingKind, detail: Readonly<Record<string, unknown>>): Severity {
  switch (kind) {
    case 'Recovery Point Deleted':
    case 'Key Unusable':
    case 'Replication Broken':
      return 'critical';
    case 'RPO Breached':
    case 'RTO Breached':
      return detail.band === 'severe' || detail.band === 'critical' ? 'critical' : 'warning';
    case 'Observation Failed':
      return detail.confidenceBreached === true ? 'critical' : 'warning';
    case 'Target Unreachable':
      return 'info';
    case 'Copy Capacity Exceeded':
      return detail.topTiersLose === true ? 'critical' : 'warning';
    default:
      return 'warning';
  }
}

/** Info findings are told once: re-sending a standing fact every few hours is an alert storm. */
export const renotifies = (severity: Severity): boolean => severity !== 'info';

/**
 * A condition the watchdog found, with a lifecycle: opened once, re-notified while open,
 * resolved when healed. A finding that opens again after being resolved is a new finding (new id).
 */
export interface Finding {
  /** Stable for the life of the finding (the `findingId` of its events). */
  readonly id: string;
  /** Identity of the condition, e.g. `Snapshot Missed|jira-1`: at most one open finding per key. */
  readonly key: string;
  readonly kind: FindingKind;
  /** What it is about: an instance id, a region, an attachment pair. */
  readonly subject: string;
  readonly status: 'open' | 'resolved';
  readonly openedAt: Date;
  /** Last check that still saw the condition. */
  readonly lastSeenAt: Date;
  readonly resolvedAt: Date | null;
  /** The latest event detail (JSON document). */
  readonly detail: Readonly<Record<string, unknown>>;
  /** Last time the open event was delivered; null while never delivered. */
  readonly notifiedAt: Date | null;
  /** When the Resolved event was delivered; null while not (yet) delivered. */
  readonly resolvedNotifiedAt: Date | null;
  /** An operator's acknowledgement: the finding stays open but is not re-notified until `until`. */
  readonly acknowledged: Acknowledgement | null;
}

/** `snapward findings ack`: who, why, and until when re-notification is paused. */
export interface Acknowledgement {
  readonly by: string;
  readonly reason: string;
  readonly until: Date;
}

export interface FindingObservation {
  readonly key: string;
  readonly kind: FindingKind;
  readonly subject: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly at: Date;
  /** Id to use if this opens a new finding. */
  readonly newId: string;
}


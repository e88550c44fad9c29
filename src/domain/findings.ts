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
      return detail.band === 'severe' || detail.band === 'critical' ? 'critical' : 'warning';
    case 'Observation Failed':
      return detail.confidenceBreached === true ? 'critical' : 'warning';
    case 'Target Unreachable':
      return 'info';
    default:
      return 'warning';
  }
}

/** Info findings are told once: re-sending a standing fact every few hours is an alert storm. */
export const renotifies = (severity: Severity): boolean => severity !== 'info';

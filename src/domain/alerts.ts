import { HOUR } from './time';

/** Where alerts go and how the watchdog judges time. From the `alerts` config key. */
export interface AlertsConfig {
  /** EventBridge bus name (or ARN); null: findings are tracked but no events are sent. */
  readonly eventBus: string | null;
  readonly region: string | null;
  /** How long after a period starts its snapshot may still be missing before `Snapshot Missed`. */
  readonly graceMs: number;
  /** Same for the DR copy (copies can take hours). */
  readonly copyGraceMs: number;
  /** Re-send the event of a finding still open after this long. */
  readonly renotifyMs: number;
  /** `Quota Warning` above this share of the manual snapshot quota. */
  readonly quotaWarnPercent: number;
}

export const DEFAULT_ALERTS: AlertsConfig = Object.freeze({
  eventBus: null,
  region: null,
  graceMs: 2 * HOUR,
  copyGraceMs: 6 * HOUR,
  renotifyMs: 6 * HOUR,
  quotaWarnPercent: 80,
});

/** EventBridge `source` of every snapward alert. */
export const ALERT_SOURCE = 'snapward';

import { SnapwardError } from './errors';
import { Band, Scenario } from './rpo';
import { DAY } from './time';
import { Tier, TIERS } from './types';

/**
 * The daily compliance history (issue 13): per instance and UTC day, the worst band seen that
 * day per scenario and the achieved RPO of the check that saw it. Compact on purpose: at most a
 * few writes per instance per day whatever the check cadence, read back by the dashboard's
 * 30-day chart and the auditor export. Pure.
 */

/** A band, or `unknown` when the check could not read the instance (never counted as compliant). */
export type HistoryBand = Band | 'unknown';
export const HISTORY_BANDS: readonly HistoryBand[] = ['compliant', 'exceeded', 'severe', 'critical', 'unknown'];

/** How long a day is kept, counted back from the newest day asked for (all drivers). */
export const COMPLIANCE_RETENTION_DAYS = 400;

export interface ComplianceDay {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly instanceId: string;
  readonly tier: Tier;
  readonly band: Readonly<Record<Scenario, HistoryBand>>;
  /** Achieved RPO in seconds when the band above was seen (null: no recovery point, or unknown). */
  readonly achieved: Readonly<Record<Scenario, number | null>>;
  /** The check that last changed this entry. */
  readonly recordedAt: Date;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** `2026-11-24` for any time that day (UTC). */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `day` moved by `n` days (negative: back). */
export function addDays(day: string, n: number): string {
  return dayOf(new Date(Date.parse(`${checkDay(day, 'day')}T00:00:00Z`) + n * DAY));
}

/** The oldest day still kept when `newest` is the newest day asked for: 400 days, `newest` included. */
export function oldestKeptDay(newest: string): string {
  return addDays(newest, -(COMPLIANCE_RETENTION_DAYS - 1));
}

export function checkDay(day: string, field: string): string {
  if (typeof day !== 'string' || !DAY_RE.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || dayOf(new Date(`${day}T00:00:00Z`)) !== day) {
    throw new SnapwardError('STATE_STORE_ERROR', `${field} must be a UTC day as YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  return day;
}

/** Refuses what no driver should store: the field, the value and what was expected. */
export function checkComplianceDay(entry: ComplianceDay): void {
  checkDay(entry.day, 'compliance day');
  if (typeof entry.instanceId !== 'string' || entry.instanceId === '') throw invalid('instanceId', entry.instanceId, 'a non-empty string');
  if (!TIERS.includes(entry.tier)) throw invalid('tier', entry.tier, `one of ${TIERS.join(', ')}`);
  for (const s of ['instanceLoss', 'regionLoss'] as const) {
    if (!HISTORY_BANDS.includes(entry.band?.[s])) throw invalid(`band.${s}`, entry.band?.[s], `one of ${HISTORY_BANDS.join(', ')}`);
    const a = entry.achieved?.[s];
    if (a !== null && !(typeof a === 'number' && Number.isFinite(a) && a >= 0)) throw invalid(`achieved.${s}`, a, 'null or seconds >= 0');
  }
  if (!(entry.recordedAt instanceof Date) || Number.isNaN(entry.recordedAt.getTime())) throw invalid('recordedAt', entry.recordedAt, 'a valid Date');
}

const invalid = (field: string, value: unknown, expected: string): SnapwardError =>
  new SnapwardError('STATE_STORE_ERROR', `compliance ${field} must be ${expected}, got ${JSON.stringify(value)}`);

const SEVERITY: Readonly<Record<Band, number>> = { compliant: 0, exceeded: 1, severe: 2, critical: 3 };

/**
 * One scenario's verdict for the day after another check: a seen band beats `unknown` (it is
 * evidence), and between seen bands the worse one stays, with the figure of the check that saw it.
 * @returns null when the stored verdict stands
 */
function mergeScenario(stored: { band: HistoryBand; achieved: number | null }, seen: { band: HistoryBand; achieved: number | null }) {
  if (seen.band === 'unknown') return null;
  if (stored.band === 'unknown' || SEVERITY[seen.band] > SEVERITY[stored.band]) return seen;
  return null;
}

/**
 * The day's entry after a check saw `observed`: the stored entry when nothing got worse (no
 * write needed), else the merged one. The first check of a day always writes.
 * @returns null when `stored` already says it all
 */
export function mergeComplianceDay(stored: ComplianceDay | null, observed: ComplianceDay): ComplianceDay | null {
  if (!stored) return observed;
  const band = { ...stored.band };
  const achieved = { ...stored.achieved };
  let changed = stored.tier !== observed.tier;
  for (const s of ['instanceLoss', 'regionLoss'] as const) {
    const next = mergeScenario({ band: stored.band[s], achieved: stored.achieved[s] }, { band: observed.band[s], achieved: observed.achieved[s] });
    if (next) {
      band[s] = next.band;
      achieved[s] = next.achieved;
      changed = true;
    }
  }
  return changed ? { ...stored, tier: observed.tier, band, achieved, recordedAt: observed.recordedAt } : null;
}

/**
 * The key an instance's history is kept under: its id in the caller's own account (as before
 * accounts, so older entries still match), `<account>/<id>` in any other account (ids are unique
 * per account only; an RDS id never holds a `/`).
 */
export function historySubject(s: { readonly account: string; readonly instanceId: string }, ownAccount: string): string {
  return s.account === ownAccount ? s.instanceId : `${s.account}/${s.instanceId}`;
}

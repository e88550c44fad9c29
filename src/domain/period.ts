import { DAY, MINUTE, utcDate } from './time';

/**
 * A backup period: the window in which an instance must get one scheduled snapshot.
 * Periods are aligned to the Unix epoch, so a day-long period is a UTC day and a 6 h period
 * starts at 00:00, 06:00, 12:00 and 18:00 UTC.
 */
export interface Period {
  readonly start: Date;
  readonly end: Date;
  /** Stable, id-safe key: `20261124` for a day, `20261124t0600` for shorter periods. */
  readonly key: string;
}

export const DEFAULT_PERIOD_MS = DAY;

export function periodOf(at: Date, lengthMs: number = DEFAULT_PERIOD_MS): Period {
  if (!Number.isInteger(lengthMs) || lengthMs < MINUTE || DAY % lengthMs !== 0) {
    throw new RangeError(`period length ${lengthMs} ms must be a whole number of minutes dividing 24h`);
  }
  const startMs = Math.floor(at.getTime() / lengthMs) * lengthMs;
  const start = new Date(startMs);
  const end = new Date(startMs + lengthMs);
  return { start, end, key: periodKey(start, lengthMs) };
}

/** The period before `period` (same length). */
export function previousPeriod(period: Period): Period {
  const lengthMs = period.end.getTime() - period.start.getTime();
  return periodOf(new Date(period.start.getTime() - lengthMs), lengthMs);
}

function periodKey(start: Date, lengthMs: number): string {
  if (lengthMs === DAY) return utcDate(start);
  const hh = String(start.getUTCHours()).padStart(2, '0');
  const mm = String(start.getUTCMinutes()).padStart(2, '0');
  return `${utcDate(start)}t${hh}${mm}`;
}

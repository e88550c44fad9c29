/** Durations and UTC formatting helpers (pure). */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `20261124` for 2026-11-24 (UTC). */
export function utcDate(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** `20261124153000` for 2026-11-24T15:30:00Z. */
export function utcStamp(d: Date): string {
  return `${utcDate(d)}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/**
 * Parses a duration such as `30m`, `6h`, `1d`, `90s` or `1h30m` into milliseconds.
 * Returns null when the text is not a duration, so callers can report the bad value.
 */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(\d+[dhms])+$/.test(trimmed)) return null;
  const units: Record<string, number> = { d: DAY, h: HOUR, m: MINUTE, s: SECOND };
  let total = 0;
  for (const [, value, unit] of trimmed.matchAll(/(\d+)([dhms])/g)) {
    total += Number(value) * (units[unit as string] as number);
  }
  return total;
}

/** `1d 2h`, `3h 5m`, `45s`: a short human form of a duration in milliseconds. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms) / SECOND);
  const d = Math.floor(rest / 86400);
  rest -= d * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m && !d) parts.push(`${m}m`);
  if (!d && !h && (s || parts.length === 0)) parts.push(`${s}s`);
  return sign + parts.slice(0, 2).join(' ');
}

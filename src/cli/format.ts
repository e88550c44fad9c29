import { formatDuration } from '../domain/time';

/** `2026-11-24 15:30Z` */
export function shortTime(d: Date | null | undefined): string {
  if (!d) return '-';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** `3h 5m ago` */
export function age(d: Date | null | undefined, now: Date): string {
  return d ? `${formatDuration(now.getTime() - d.getTime())} ago` : '-';
}

/**
 * A duration for a table cell, two units at most, the second one zero-padded so columns line up:
 * `45s`, `12m05s`, `3h05m`, `2d4h` (days keep the hour unpadded, as people write it).
 * Truncates (never rounds up): a figure compared with a target must not look worse than it is.
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  const total = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${sign}${d}d${h > 0 ? `${h}h` : ''}`;
  if (h > 0) return `${sign}${h}h${two(m)}m`;
  if (m > 0) return `${sign}${m}m${two(s)}s`;
  return `${sign}${s}s`;
}

/** `humanDuration` for a figure in seconds; `null` (no recovery point at all) reads `none`. */
export function humanSeconds(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? 'none' : humanDuration(seconds * 1000);
}

/** `3h05m ago` */
export function humanAge(d: Date | null | undefined, now: Date): string {
  return d ? `${humanDuration(now.getTime() - d.getTime())} ago` : '-';
}

export const ELLIPSIS = '…';

/**
 * Cuts `text` to `width` characters keeping both ends, since instance ids differ at both ends
 * (`jira-prod-use1-1` and `jira-prod-euw1-1`): `jira-pr…euw1-1`.
 */
export function elideMiddle(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  if (width === 1) return ELLIPSIS;
  const keep = width - 1;
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${chars.slice(0, head).join('')}${ELLIPSIS}${tail > 0 ? chars.slice(chars.length - tail).join('') : ''}`;
}

/** Cuts `text` to `width` characters at the end (free text: its start says the most). */
export function elideEnd(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return `${chars.slice(0, width - 1).join('')}${ELLIPSIS}`;
}

/** Display width of a cell: code points, ANSI colour sequences excluded. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}


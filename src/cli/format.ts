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

import { StoreRefusal } from './store-errors';

/**
 * The checks every state-store driver makes on what it is given, held once. A value the store
 * could not keep faithfully (an invalid date has no ISO form) is refused before anything is
 * written.
 */

/** A date as stored: ISO-8601 UTC text (fixed width, so it sorts as text). */
export function iso(value: Date, field: string): string {
  // Not `instanceof Date`: a Date from another realm (a VM context, jest) is just as good.
  if (Number.isNaN(value.getTime())) throw new Error(`${field} is not a valid date`);
  return value.toISOString();
}

export function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new StoreRefusal(`limit must be a non-negative integer, got ${limit}`);
}

/** A lease must last a while: a positive number of milliseconds. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new StoreRefusal(`lease ttlMs must be a positive number, got ${ttlMs}`);
}

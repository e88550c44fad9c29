import { ErrorCode, ErrorInfo } from './errors';
import { MINUTE } from './time';

/**
 * When a failed step is tried again. Failures the next pass can heal on its own (throttling, a
 * snapshot still creating, a copy slot taken, a timeout) are retried at the next pass. Failures
 * that need someone to act (the database is gone, access is denied, the key is unusable, a
 * parameter is wrong) back off exponentially from the last attempt, so a broken instance costs a
 * handful of AWS calls a day instead of one every 15 minutes, while its failure stays reported.
 */
export const NON_RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INSTANCE_NOT_FOUND', 'ACCESS_DENIED', 'KMS_KEY_NOT_ACCESSIBLE', 'INVALID_PARAMETER', 'VAULT_KEY_NOT_SHAREABLE']);

export const FIRST_BACKOFF_MS = 15 * MINUTE;

export function backsOff(error: ErrorInfo): boolean {
  return NON_RETRYABLE.has(error.code);
}

/**
 * The wait after the `attempts`-th failure in a row: 15 minutes, doubled per further failure, up
 * to `maxBackoffMs`, stretched by up to a quarter by jitter (so a fleet that broke at once does not
 * retry at once). The jitter comes from `seed` (the step id), which keeps the domain pure and a
 * step's schedule reproducible.
 */
export function backoffMs(attempts: number, maxBackoffMs: number, seed: string): number {
  const base = Math.min(maxBackoffMs, FIRST_BACKOFF_MS * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.min(maxBackoffMs, Math.round(base * (1 + 0.25 * jitter(`${seed}#${attempts}`))));
}

/** A number in [0, 1) from a string (FNV-1a). */
function jitter(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x100000000;
}

/**
 * Idempotency keys of ad hoc backup requests (CLI `--idempotency-key`, the operator event's
 * `idempotencyKey`): the key only names the request, so any text people use for that works, a
 * change-ticket id such as `chg-881` included: 1 to 128 printable ASCII characters (space to
 * `~`), the same rule as the operator event's schema (handlers/lib/events.ts), so a key the CLI
 * takes is one the event takes too.
 */
export const IDEMPOTENCY_KEY_EXPECTED = 'a key of 1 to 128 printable characters';

const PRINTABLE_ASCII = /^[\x20-\x7E]{1,128}$/;

export function isValidIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && PRINTABLE_ASCII.test(key);
}

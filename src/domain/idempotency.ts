/**
 * Idempotency keys of ad hoc backup requests (CLI `--idempotency-key`, the operator event's
 * `idempotencyKey`): the key only names the request, so any text people use for that works, a
 * change-ticket id such as `chg-881` included. 1 to 128 printable characters (code points): no
 * control, format or unassigned characters, which would not survive logs and tags intact.
 */
export const IDEMPOTENCY_KEY_EXPECTED = 'a key of 1 to 128 printable characters';

const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]+$/u;

export function isValidIdempotencyKey(key: unknown): key is string {
  if (typeof key !== 'string') return false;
  const length = [...key].length;
  return length >= 1 && length <= 128 && PRINTABLE.test(key) && key.trim() !== '';
}

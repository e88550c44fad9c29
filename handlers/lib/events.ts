import { z } from 'zod';
import { isValidIdempotencyKey } from '../../src/domain/idempotency';
import { SnapwardError } from '../../src/domain/errors';

/** Validates an incoming event; the error names each bad field, its value and what was expected. */
export function parseEvent<T extends z.ZodTypeAny>(schema: T, event: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const path = i.path.join('.') || '(event)';
    return `${path}: got ${JSON.stringify(valueAt(event, i.path))?.slice(0, 80) ?? 'nothing'}, ${i.message}`;
  });
  throw new SnapwardError('USAGE', `invalid ${what} event: ${problems.join('; ')}`);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** `Backup Requested` from the operators' bus rule. */
export const backupRequestedEvent = z.object({
  source: z.literal('snapward.operator', { message: 'expected "snapward.operator"' }),
  'detail-type': z.literal('Backup Requested', { message: 'expected "Backup Requested"' }),
  detail: z
    .object({
      instanceId: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, 'expected an RDS DB instance or cluster identifier'),
      reason: z.string().min(1, 'expected why the backup is wanted').max(256),
      requestedBy: z.string().min(1, 'expected who asked').max(128),
      // One rule with the CLI's --idempotency-key (src/domain/idempotency.ts): a change ticket (OPS-12) is a good key.
      idempotencyKey: z.string().refine(isValidIdempotencyKey, 'expected a unique key of 1..128 printable characters, e.g. "OPS-12"'),
    })
    .strict(),
});

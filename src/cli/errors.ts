import { SnapwardError } from '../domain/errors';

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failures: 1, usage: 2, undelivered: 3, unobserved: 4, storeUnreadable: 5, interrupted: 130 } as const;

/**
 * One exit code when several things went wrong: an alert not delivered (3) wins, then part of the
 * fleet not observed (4), then failures or open problems (1). 0 means seen and fine.
 */
export function exitCodeFor(outcome: { undelivered?: boolean; unobserved?: boolean; failed?: boolean }): number {
  if (outcome.undelivered) return EXIT.undelivered;
  if (outcome.unobserved) return EXIT.unobserved;
  if (outcome.failed) return EXIT.failures;
  return EXIT.ok;
}

/** A bad command-line value: names the option, the value and what was expected. */
export function usageError(option: string, value: unknown, expected: string): SnapwardError {
  return new SnapwardError('USAGE', `${option}: got ${JSON.stringify(value)}, expected ${expected}`);
}

export function parsePositiveInt(option: string, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > max) throw usageError(option, value, `a whole number from 1 to ${max}`);
    return n;
  };
}

/** A state file this build cannot read at all: garbage, or written by a newer snapward. */
export function unreadableStore(err: unknown): { path: string; why: 'corrupt' | 'newer-schema' } | null {
  if (!(err instanceof SnapwardError) || err.code !== 'STATE_STORE_ERROR') return null;
  const why = err.context.unreadable;
  if (why !== 'corrupt' && why !== 'newer-schema') return null;
  return { path: String(err.context.path ?? 'the state file'), why };
}

/** What is safe to do about an unreadable store: the message behind exit code 5. */
export function unreadableStoreAdvice(store: { path: string; why: 'corrupt' | 'newer-schema' }): string {
  const cause = store.why === 'newer-schema' ? 'it was written by a newer snapward: upgrade snapward, or' : 'it is damaged or not a snapward store:';
  return (
    `the state store ${store.path} cannot be read (${cause} move it aside, e.g. mv ${store.path} ${store.path}.bad). ` +
    'Moving it aside loses run history and findings, not backups: the snapshots are in AWS, and the next pass re-audits every instance from AWS.'
  );
}

import { SnapwardError } from '../../domain/errors';

/**
 * How every state-store driver shapes its errors, held once: a STATE_STORE_ERROR whose message
 * starts `state store <where>:`, with the driver's context (the file, the table).
 *
 * Two kinds of failure: one the store states itself (a request refused as given: an unknown
 * run, a duplicate id, a bad limit or ttl; a cancelled transaction: a `StoreRefusal`, told as is)
 * and an operation that broke underneath (told as `<what> failed: <cause>`, retryable when the
 * driver says the cause clears up on its own).
 */
export interface StoreIdentity {
  /** The store as a person names it: a file path, `dynamodb:<table>`. */
  readonly where: string;
  /** Put on every error's context (e.g. `{ path }`, `{ table }`). */
  readonly context: Readonly<Record<string, unknown>>;
}

/** A failure the store states itself; the driver's wrapper turns it into a STATE_STORE_ERROR naming the store. */
export class StoreRefusal extends Error {
  override readonly name = 'StoreRefusal';
}

export function storeError(store: StoreIdentity, message: string): SnapwardError {
  return new SnapwardError('STATE_STORE_ERROR', `state store ${store.where}: ${message}`, { context: { ...store.context } });
}

/** What a driver knows about a failure of its own storage. */
export interface FailureClass {
  /** The cause clears up on its own (lock contention, throttling). */
  readonly retryable: boolean;
  /** More context (e.g. the SQLite or AWS error code). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * Whatever an operation threw, as a STATE_STORE_ERROR: a SnapwardError passes as it is, a
 * refusal is told as is, anything else as `<what> failed` with the driver's classification.
 */
export function storeFailure(store: StoreIdentity, what: string, err: unknown, classify: (err: unknown) => FailureClass): SnapwardError {
  if (err instanceof SnapwardError) return err;
  if (err instanceof StoreRefusal) return storeError(store, err.message);
  const message = err instanceof Error ? err.message : String(err);
  const { retryable, context } = classify(err);
  return new SnapwardError('STATE_STORE_ERROR', `state store ${store.where}: ${what} failed: ${message}`, {
    retryable,
    cause: err,
    context: { ...store.context, ...context },
  });
}

export const unknownRun = (runId: string): StoreRefusal => new StoreRefusal(`run '${runId}' does not exist`);
export const runExists = (runId: string): StoreRefusal => new StoreRefusal(`run '${runId}' already exists`);
export const unknownFinding = (id: string): StoreRefusal => new StoreRefusal(`finding '${id}' does not exist`);
export const findingExists = (id: string): StoreRefusal => new StoreRefusal(`finding '${id}' already exists`);

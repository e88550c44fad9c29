import { ErrorInfo } from '../../domain/errors';
import { FinishRun, InstanceResult, RunKind, RunOutcome, RunRecord, RunSummary, RunTrigger, StepResult } from '../../ports/state-store';
import { iso } from './store-input';

/**
 * A run as every driver stores it: flat fields (columns in SQLite, attributes in DynamoDB),
 * times as ISO-8601 UTC text, documents (summary, error, details, results) as JSON text, so the
 * drivers hold a run byte for byte alike and read it back alike.
 */
export interface StoredRun {
  readonly id: string;
  readonly kind: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: string;
  readonly ownerHost: string;
  /** A number (DynamoDB's document client may hand back another numeric form). */
  readonly ownerPid: unknown;
  readonly heartbeatAt: string;
  readonly summary: string | null;
  readonly error: string | null;
  /** Absent in runs stored before details existed. */
  readonly details?: string | null;
}

/** A JSON document, or null. */
export const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));
export const parseJson = <T>(text: unknown): T | null => (text === null || text === undefined ? null : (JSON.parse(text as string) as T));
export const parseDate = (text: unknown): Date | null => (text === null || text === undefined ? null : new Date(text as string));

export function decodeRun(r: StoredRun): RunRecord {
  return {
    id: r.id,
    kind: r.kind as RunKind,
    trigger: r.trigger as RunTrigger,
    startedAt: new Date(r.startedAt),
    finishedAt: parseDate(r.finishedAt),
    outcome: r.outcome as RunOutcome,
    owner: { host: r.ownerHost, pid: Number(r.ownerPid) },
    heartbeatAt: new Date(r.heartbeatAt),
    summary: parseJson<RunSummary>(r.summary),
    error: parseJson<ErrorInfo>(r.error),
    details: parseJson<unknown>(r.details),
  };
}

/** A run's closing fields as stored (validated: an invalid finish time is refused). */
export function encodeFinish(finish: FinishRun): { outcome: string; finishedAt: string; summary: string | null; error: string | null; details: string | null } {
  return {
    outcome: finish.outcome,
    finishedAt: iso(finish.finishedAt, 'finishedAt'),
    summary: json(finish.summary),
    error: json(finish.error),
    details: json(finish.details ?? null),
  };
}

export const encodeResult = (result: InstanceResult): string => JSON.stringify(result);
/** Dates travel as ISO text: a result's and its steps' next attempts are revived on the way back. */
export function decodeResult(text: string): InstanceResult {
  type Raw = Omit<InstanceResult, 'nextAttemptAt' | 'steps'> & { nextAttemptAt?: string | null; steps?: (Omit<StepResult, 'nextAttemptAt'> & { nextAttemptAt: string | null })[] };
  const raw = JSON.parse(text) as Raw;
  const revive = (t: string | null | undefined): Date | null => (t ? new Date(t) : null);
  const { nextAttemptAt, steps, ...rest } = raw;
  return {
    ...rest,
    ...(nextAttemptAt !== undefined ? { nextAttemptAt: revive(nextAttemptAt) } : {}),
    ...(steps ? { steps: steps.map((s) => ({ ...s, nextAttemptAt: revive(s.nextAttemptAt) })) } : {}),
  };
}


import { AttachmentPair, BucketRef, TierPolicy } from '../config';
import { ErrorInfo } from '../errors';
import { ConfigCheck } from './config-check';
import { ReplicationStatus } from './types';

/**
 * What one verification found for one pair: the document printed by `verify-replication --json`
 * and stored in the run's `details`. Plain JSON (times as ISO strings), so it reads back from the
 * state store exactly as it was written.
 */
export type VerifyMode = 'full' | 'sample';

export interface MissingExample {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string;
  readonly ageSeconds: number;
  /** The source's replication status, when a HeadObject was made for it (null: none reported). */
  readonly sourceStatus?: ReplicationStatus | null;
}

export interface MismatchExample {
  readonly key: string;
  /** `size`: the replica's size differs; `version`: the replica is a REPLICA of another version. */
  readonly reason: 'size' | 'version';
  readonly sourceSize: number;
  readonly replicaSize: number;
  readonly sourceVersionId?: string | null;
  readonly replicaVersionId?: string | null;
  readonly replicaStatus?: ReplicationStatus | null;
}

export interface ExtraExample {
  readonly key: string;
  readonly size: number;
}

export interface StatusExample {
  readonly key: string;
  readonly lastModified: string;
  readonly ageSeconds: number;
}

/** A few keys per category (at most MAX_EXAMPLES each): enough to start looking, bounded whatever the bucket size. */
export interface ObjectExamples {
  /** The oldest missing objects. */
  readonly missing: readonly MissingExample[];
  readonly mismatched: readonly MismatchExample[];
  readonly extra: readonly ExtraExample[];
  readonly failed: readonly StatusExample[];
  readonly pending: readonly StatusExample[];
}

export interface ObjectChecks {
  /** Source objects listed under the prefix (full: all of them are checked; sample: the sample is drawn from them). */
  readonly listed: number;
  /** Source objects examined, missing ones included. */
  readonly checked: number;
  /** Examined source objects the replica does not have. */
  readonly missing: number;
  /** ...of which were written within the replication-time threshold (15 min): possibly still in flight. */
  readonly missingRecent: number;
  /** In both buckets, but with another size (or, where HeadObject shows a REPLICA, of another version). */
  readonly mismatched: number;
  /** Only in the replica (informational: deletes are not replicated by default). */
  readonly extra: number;
  /** Examined source objects whose replication status is FAILED. */
  readonly failed: number;
  /** Examined source objects still PENDING after the replication-time threshold. */
  readonly pending: number;
  /** Examined source objects with no replication status (written before the rule, or outside it). */
  readonly notTracked: number;
  readonly examples: ObjectExamples;
}

export interface RpoCheck {
  /** The pair's tier RPO target. */
  readonly targetSeconds: number;
  /** Age of the oldest missing object (0 when none is missing); null when the objects could not be checked. */
  readonly achievedSeconds: number | null;
  readonly compliant: boolean | null;
}

export interface PairResult {
  readonly name: string;
  readonly mode: VerifyMode;
  readonly ok: boolean;
  readonly source: BucketRef;
  readonly replica: BucketRef;
  readonly prefix: string;
  /** Ages are measured from this time. */
  readonly checkedAt: string;
  readonly config: ConfigCheck;
  readonly objects: ObjectChecks;
  readonly oldestMissingSeconds: number | null;
  readonly rpo: RpoCheck;
  /** Set when the pair could not be checked (an AWS error); what was learnt before it is kept. */
  readonly error: ErrorInfo | null;
}

export const emptyExamples = (): ObjectExamples => ({ missing: [], mismatched: [], extra: [], failed: [], pending: [] });

export const emptyChecks = (): ObjectChecks => ({
  listed: 0, checked: 0, missing: 0, missingRecent: 0, mismatched: 0, extra: 0, failed: 0, pending: 0, notTracked: 0, examples: emptyExamples(),
});

export interface PairFindings {
  readonly mode: VerifyMode;
  readonly checkedAt: Date;
  readonly config: ConfigCheck;
  readonly objects: ObjectChecks | null;
  readonly oldestMissingSeconds: number | null;
  readonly error: ErrorInfo | null;
}

/**
 * A pair is ok when it was checked, its configuration has no problem, and every examined object is
 * in the replica, at the same size, and neither FAILED nor overdue. Objects only in the replica
 * do not count (S3 does not replicate deletes unless asked to).
 */
export function pairResult(pair: AttachmentPair, policy: TierPolicy, found: PairFindings): PairResult {
  const objects = found.objects ?? emptyChecks();
  const clean = objects.missing + objects.mismatched + objects.failed + objects.pending === 0;
  const targetSeconds = Math.round(policy.rpoMs / 1000);
  const achievedSeconds = found.error || !found.objects ? null : (found.oldestMissingSeconds ?? 0);
  return {
    name: pair.name,
    mode: found.mode,
    ok: !found.error && found.objects !== null && found.config.problems.length === 0 && clean,
    source: { bucket: pair.source.bucket, region: pair.source.region },
    replica: { bucket: pair.replica.bucket, region: pair.replica.region },
    prefix: pair.prefix,
    checkedAt: found.checkedAt.toISOString(),
    config: found.config,
    objects,
    oldestMissingSeconds: found.oldestMissingSeconds,
    rpo: { targetSeconds, achievedSeconds, compliant: achievedSeconds === null ? null : achievedSeconds <= targetSeconds },
    error: found.error,
  };
}

/** succeeded: every pair ok; failed: some pair could not be checked at all; partial: problems found. */
export function verificationOutcome(pairs: readonly PairResult[]): 'succeeded' | 'partial' | 'failed' {
  if (pairs.some((p) => p.error)) return 'failed';
  return pairs.every((p) => p.ok) ? 'succeeded' : 'partial';
}

import { MINUTE } from '../time';
import { MergedEntry } from './merge';
import { ExtraExample, MismatchExample, MissingExample, ObjectChecks, StatusExample } from './result';
import { ObjectHead, ObjectSummary } from './types';

/** Examples kept per category. */
export const MAX_EXAMPLES = 5;
/** S3 Replication Time Control's threshold: a source still PENDING after this is overdue. */
export const REPLICATION_THRESHOLD_MS = 15 * MINUTE;

/**
 * Counts what a verification sees, object by object, in constant memory: counters plus at most
 * MAX_EXAMPLES examples per category. Fed either by the full merge (`add`) or by sampled HeadObjects
 * (`sampled`); full mode then enriches its few examples with HeadObjects (`noteSourceHead`,
 * `noteVersions`). Ages are measured from `now`.
 */
export class ObjectTally {
  listed = 0;
  private checked = 0;
  private missing = 0;
  private missingRecent = 0;
  private mismatched = 0;
  private extra = 0;
  private failed = 0;
  private pending = 0;
  private notTracked = 0;
  private oldestMissingMs: number | null = null;
  /** Kept oldest first: the oldest missing objects are the ones the RPO is about. */
  private missingExamples: MissingExample[] = [];
  private readonly mismatchExamples: MismatchExample[] = [];
  private readonly extraExamples: ExtraExample[] = [];
  private readonly failedExamples: StatusExample[] = [];
  private readonly pendingExamples: StatusExample[] = [];

  constructor(private readonly now: Date) {}

  /** One entry of the full merge. */
  add(entry: MergedEntry): void {
    if (entry.source === null) {
      this.extra += 1;
      if (this.extraExamples.length < MAX_EXAMPLES) this.extraExamples.push({ key: entry.replica.key, size: entry.replica.size });
      return;
    }
    this.listed += 1;
    this.checked += 1;
    if (entry.replica === null) this.addMissing(entry.source);
    else if (entry.replica.size !== entry.source.size) this.addMismatch({ key: entry.source.key, reason: 'size', sourceSize: entry.source.size, replicaSize: entry.replica.size });
  }

  /**
   * One sampled object: HeadObject of the source and of the replica. A source gone since the
   * listing (null) was deleted in between and is not counted.
   */
  sampled(source: ObjectHead | null, replica: ObjectHead | null): void {
    if (!source) return;
    this.checked += 1;
    this.countStatus(source);
    if (!replica) {
      this.addMissing(source, source.replicationStatus);
    } else if (replica.size !== source.size) {
      this.addMismatch({ ...versions(source, replica), key: source.key, reason: 'size', sourceSize: source.size, replicaSize: replica.size });
    } else if (isOtherVersion(source, replica)) {
      this.addMismatch({ ...versions(source, replica), key: source.key, reason: 'version', sourceSize: source.size, replicaSize: replica.size });
    }
  }

  /** Keys of the missing examples (full mode heads their sources afterwards). */
  missingKeys(): string[] {
    return this.missingExamples.map((e) => e.key);
  }

  mismatchedKeys(): string[] {
    return this.mismatchExamples.map((e) => e.key);
  }

  /** Full mode: the source of a missing example, as HeadObject saw it. */
  noteSourceHead(head: ObjectHead | null): void {
    if (!head) return;
    this.missingExamples = this.missingExamples.map((e) => (e.key === head.key ? { ...e, sourceStatus: head.replicationStatus } : e));
    this.countStatus(head);
  }

  /** Full mode: both sides of a mismatched example. Flags a replica of another version. */
  noteVersions(source: ObjectHead | null, replica: ObjectHead | null): void {
    if (!source || !replica) return;
    const i = this.mismatchExamples.findIndex((e) => e.key === source.key);
    const example = this.mismatchExamples[i];
    if (!example) return;
    this.mismatchExamples[i] = { ...example, ...versions(source, replica), ...(isOtherVersion(source, replica) ? { reason: 'version' as const } : {}) };
  }

  result(): { objects: ObjectChecks; oldestMissingSeconds: number | null } {
    return {
      objects: {
        listed: this.listed,
        checked: this.checked,
        missing: this.missing,
        missingRecent: this.missingRecent,
        mismatched: this.mismatched,
        extra: this.extra,
        failed: this.failed,
        pending: this.pending,
        notTracked: this.notTracked,
        examples: {
          missing: this.missingExamples,
          mismatched: this.mismatchExamples,
          extra: this.extraExamples,
          failed: this.failedExamples,
          pending: this.pendingExamples,
        },
      },
      oldestMissingSeconds: this.oldestMissingMs === null ? null : seconds(this.oldestMissingMs),
    };
  }

  private countStatus(head: ObjectHead): void {
    const status = head.replicationStatus;
    const ageMs = this.ageMs(head.lastModified);
    const example = (): StatusExample => ({ key: head.key, lastModified: head.lastModified.toISOString(), ageSeconds: seconds(ageMs) });
    if (status === 'FAILED') {
      this.failed += 1;
      if (this.failedExamples.length < MAX_EXAMPLES) this.failedExamples.push(example());
    } else if (status === 'PENDING' && ageMs > REPLICATION_THRESHOLD_MS) {
      this.pending += 1;
      if (this.pendingExamples.length < MAX_EXAMPLES) this.pendingExamples.push(example());
    } else if (status === null) {
      this.notTracked += 1;
    }
  }

  private addMissing(object: ObjectSummary, sourceStatus?: ObjectHead['replicationStatus']): void {
    this.missing += 1;
    const ageMs = this.ageMs(object.lastModified);
    if (ageMs < REPLICATION_THRESHOLD_MS) this.missingRecent += 1;
    if (this.oldestMissingMs === null || ageMs > this.oldestMissingMs) this.oldestMissingMs = ageMs;
    const examples = this.missingExamples;
    const youngest = examples[examples.length - 1];
    if (examples.length >= MAX_EXAMPLES && youngest && youngest.ageSeconds >= seconds(ageMs)) return;
    const example: MissingExample = {
      key: object.key,
      size: object.size,
      lastModified: object.lastModified.toISOString(),
      ageSeconds: seconds(ageMs),
      ...(sourceStatus !== undefined ? { sourceStatus } : {}),
    };
    // Oldest first; an equal age keeps listing order (stable).
    const at = examples.findIndex((e) => e.ageSeconds < example.ageSeconds);
    examples.splice(at === -1 ? examples.length : at, 0, example);
    if (examples.length > MAX_EXAMPLES) examples.pop();
  }

  private addMismatch(example: MismatchExample): void {
    this.mismatched += 1;
    if (this.mismatchExamples.length < MAX_EXAMPLES) this.mismatchExamples.push(example);
  }

  private ageMs(t: Date): number {
    return Math.max(0, this.now.getTime() - t.getTime());
  }
}

/**
 * Replicas keep the source's version id, so a REPLICA with another id holds another version. A
 * source still PENDING may legitimately be ahead of its replica, so it is not judged here.
 */
function isOtherVersion(source: ObjectHead, replica: ObjectHead): boolean {
  return (
    replica.replicationStatus === 'REPLICA' &&
    source.replicationStatus !== 'PENDING' &&
    source.versionId !== null &&
    replica.versionId !== null &&
    source.versionId !== replica.versionId
  );
}

const versions = (source: ObjectHead, replica: ObjectHead) => ({
  sourceVersionId: source.versionId,
  replicaVersionId: replica.versionId,
  replicaStatus: replica.replicationStatus,
});

const seconds = (ms: number): number => Math.floor(ms / 1000);

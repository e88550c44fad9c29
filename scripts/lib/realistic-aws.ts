import { Clock } from '../../src/ports/clock';
import { mulberry32 } from './prng';

/**
 * The timing AWS has and moto lacks (moto makes every snapshot and copy `available` at once and
 * never queues a copy), as a model the realistic-AWS proxy (realistic-aws-proxy.ts) consults on
 * every RDS request. Time is the app's own injected Clock (the benchmark's moved clock), so
 * "C minutes" are C minutes of the clock the engine reads, not of the wall.
 *
 * What it models (aws-behaviours.md section 1):
 *  - a snapshot made by CreateDBSnapshot / CreateDBClusterSnapshot is `creating` for C minutes,
 *    then `available` (1.8);
 *  - a copy made by CopyDBSnapshot / CopyDBClusterSnapshot is `copying` for T minutes with
 *    PercentProgress growing from 0 to 100, then `available` (1.7, 1.8);
 *  - at most 20 instance-snapshot copies and 5 cluster-snapshot copies in flight per destination
 *    region (1.7, 1.11); a copy beyond that is refused with AWS's own error (see copyLimitError);
 *  - deleting a copy while it is `copying` cancels it and frees its slot (1.7: "If the snapshot is
 *    being copied, the copy operation is terminated", botocore DeleteDBSnapshot doc);
 *  - deleting a snapshot still `creating`, or copying from one, is refused with
 *    InvalidDBSnapshotState / InvalidDBClusterSnapshotStateFault (1.10: delete requires
 *    `available`; 1.5: a copy's source must be `available`).
 * What it does not: API rate limits, the `pending` state of a queued copy (AWS queues beyond its
 * own capacity; here the limit refuses first), copies of one source database being serialised,
 * snapshot size (every copy takes T), incremental vs full copies.
 */
export type SnapshotKind = 'instance' | 'cluster';

export interface RealisticAwsOptions {
  readonly clock: Clock;
  /** Minutes a new snapshot stays `creating`. */
  readonly createMinutes: number;
  /** Minutes a copy stays `copying`. */
  readonly copyMinutes: number;
  /**
   * Spread of C and T: each snapshot or copy takes the nominal minutes times a factor drawn
   * uniformly from [1 - jitter, 1 + jitter]. 0 (default): every one takes exactly C or T.
   */
  readonly createJitter?: number;
  readonly copyJitter?: number;
  /** Seed of the jitter's generator, so a run can be repeated. */
  readonly seed?: number;
  /** In-flight copies per destination region: AWS's 20 and 5 unless told otherwise. */
  readonly copyLimits?: Readonly<Record<SnapshotKind, number>>;
}

/** AWS's in-flight copy limits per destination region and account (aws-behaviours.md 1.7 / 1.11). */
export const AWS_COPY_LIMITS: Readonly<Record<SnapshotKind, number>> = Object.freeze({ instance: 20, cluster: 5 });

export interface TrackedSnapshot {
  readonly op: 'create' | 'copy';
  readonly region: string;
  readonly kind: SnapshotKind;
  /** Lower-case: RDS stores and compares ids case-insensitively. */
  readonly id: string;
  /** The database it was taken from, when the answer named it. */
  dbId: string | null;
  /** Clock time of the call that made it. */
  readonly startedAt: number;
  /** Clock time it becomes `available`. */
  readonly readyAt: number;
  /** Copies: the source snapshot's region and id. */
  readonly source: { readonly region: string; readonly id: string } | null;
  /** Set when it was deleted (a copy deleted while `copying` is a cancelled copy). */
  deletedAt: number | null;
  /** Copies: deleted before readyAt. */
  cancelled: boolean;
}

export interface Refusal {
  readonly at: number;
  readonly region: string;
  readonly kind: SnapshotKind;
  readonly targetId: string;
  readonly code: string;
}

export interface Verdict {
  readonly status: number;
  readonly body: string;
}

const MINUTE_MS = 60_000;
const RDS_NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

/** An RDS Query-protocol error answer, as RDS (and moto) write it. */
export function rdsErrorBody(code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return `<ErrorResponse xmlns="${RDS_NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>snapward-realistic-aws</RequestId></ErrorResponse>`;
}

/**
 * AWS's answer to a copy beyond the in-flight limit: HTTP 400, wire code `SnapshotQuotaExceeded`
 * (botocore rds model: CopyDBSnapshot and CopyDBClusterSnapshot list SnapshotQuotaExceededFault,
 * whose wire code is `SnapshotQuotaExceeded`; SDK v3 names it SnapshotQuotaExceededFault), with the
 * message AWS was seen to return, the limit in it: "An error occurred (SnapshotQuotaExceeded) when
 * calling the CopyDBSnapshot operation: Cannot copy more than 5 snapshots across regions"
 * (github.com/pbudzon/aws-maintenance/issues/19, 2020, when the instance limit was 5; cited in
 * ../shared/reference/aws-behaviours.md 1.4). No cluster-copy message was found, so cluster
 * copies get the same wording with their own limit.
 */
export function copyLimitError(limit: number): Verdict {
  return { status: 400, body: rdsErrorBody('SnapshotQuotaExceeded', `Cannot copy more than ${limit} snapshots across regions`) };
}

/** InvalidDBSnapshotState (instances) / InvalidDBClusterSnapshotStateFault (clusters): botocore rds wire codes. */
function invalidStateError(kind: SnapshotKind, message: string): Verdict {
  return { status: 400, body: rdsErrorBody(kind === 'instance' ? 'InvalidDBSnapshotState' : 'InvalidDBClusterSnapshotStateFault', message) };
}


export class RealisticAws {
  private readonly tracked = new Map<string, TrackedSnapshot>();
  /** Every create and copy made through the layer, in call order (deleted ones included). */
  readonly history: TrackedSnapshot[] = [];
  readonly refusals: Refusal[] = [];
  private readonly random: () => number;
  /** Copies checked and sent on to moto, not yet answered: they hold their slot meanwhile. */
  private readonly reserved = new Map<string, number>();
  readonly limits: Readonly<Record<SnapshotKind, number>>;

  constructor(private readonly options: RealisticAwsOptions) {
    for (const [name, value] of [['createMinutes', options.createMinutes], ['copyMinutes', options.copyMinutes], ['createJitter', options.createJitter ?? 0], ['copyJitter', options.copyJitter ?? 0]] as const) {
      if (!Number.isFinite(value) || value < 0) throw new Error(`realistic AWS: ${name} is ${value}, expected a number >= 0`);
    }
    for (const j of [options.createJitter ?? 0, options.copyJitter ?? 0]) if (j >= 1) throw new Error(`realistic AWS: jitter ${j} must be below 1`);
    this.random = mulberry32(options.seed ?? 1);
    this.limits = options.copyLimits ?? AWS_COPY_LIMITS;
  }

  now(): number {
    return this.options.clock.now().getTime();
  }

  get(region: string, kind: SnapshotKind, id: string): TrackedSnapshot | undefined {
    return this.tracked.get(key(region, kind, id));
  }

  /** The status AWS would report now for a snapshot the layer made, with its progress. */
  statusOf(t: TrackedSnapshot, at = this.now()): { status: 'creating' | 'copying' | 'available'; percent: number } {
    if (at >= t.readyAt) return { status: 'available', percent: 100 };
    const span = Math.max(1, t.readyAt - t.startedAt);
    const percent = Math.max(0, Math.min(99, Math.floor((100 * (at - t.startedAt)) / span)));
    return { status: t.op === 'create' ? 'creating' : 'copying', percent };
  }

  /** Copies `copying` now into a destination region (cancelled and finished ones do not count). */
  inFlight(region: string, kind: SnapshotKind, at = this.now()): number {
    let n = 0;
    for (const t of this.tracked.values()) if (t.op === 'copy' && t.region === region && t.kind === kind && at < t.readyAt) n++;
    return n + (this.reserved.get(slot(region, kind)) ?? 0);
  }

  /**
   * Before a copy is forwarded: refused (with AWS's answer) when the destination region has its
   * limit of copies in flight, or when the source is one of ours still `creating`; null: go ahead,
   * and the copy holds a slot until `started` or `released` (copies checked at the same time
   * cannot overshoot the limit).
   */
  checkCopy(region: string, kind: SnapshotKind, targetId: string, source: { region: string; id: string } | null): Verdict | null {
    const at = this.now();
    const src = source ? this.get(source.region, kind, source.id) : undefined;
    if (src && at < src.readyAt) {
      const verdict = invalidStateError(kind, `Snapshot ${source?.id} is not in available state; its status is ${this.statusOf(src, at).status}`);
      this.refusals.push({ at, region, kind, targetId: targetId.toLowerCase(), code: 'InvalidSnapshotState' });
      return verdict;
    }
    const limit = this.limits[kind];
    if (this.inFlight(region, kind, at) >= limit) {
      this.refusals.push({ at, region, kind, targetId: targetId.toLowerCase(), code: 'SnapshotQuotaExceeded' });
      return copyLimitError(limit);
    }
    this.reserved.set(slot(region, kind), (this.reserved.get(slot(region, kind)) ?? 0) + 1);
    return null;
  }

  /** A checked copy that moto refused (or that failed on the way): its slot is free again. */
  released(region: string, kind: SnapshotKind): void {
    const n = this.reserved.get(slot(region, kind)) ?? 0;
    if (n > 0) this.reserved.set(slot(region, kind), n - 1);
  }

  /** Before a delete is forwarded: a snapshot still `creating` cannot be deleted; null: go ahead. */
  checkDelete(region: string, kind: SnapshotKind, id: string): Verdict | null {
    const t = this.get(region, kind, id);
    if (t && t.op === 'create' && this.now() < t.readyAt) return invalidStateError(kind, `Snapshot ${id.toLowerCase()} is not in available state; its status is creating`);
    return null;
  }

  /** After AWS (moto) accepted a create or a copy: from now on it is `creating` / `copying`. */
  started(op: 'create' | 'copy', region: string, kind: SnapshotKind, id: string, dbId: string | null, source: { region: string; id: string } | null = null): TrackedSnapshot {
    if (op === 'copy') this.released(region, kind);
    const at = this.now();
    const minutes = op === 'create' ? this.options.createMinutes : this.options.copyMinutes;
    const jitter = op === 'create' ? (this.options.createJitter ?? 0) : (this.options.copyJitter ?? 0);
    const factor = jitter === 0 ? 1 : 1 - jitter + 2 * jitter * this.random();
    const t: TrackedSnapshot = {
      op,
      region,
      kind,
      id: id.toLowerCase(),
      dbId: dbId?.toLowerCase() ?? null,
      startedAt: at,
      readyAt: at + Math.round(minutes * factor * MINUTE_MS),
      source: source ? { region: source.region, id: source.id.toLowerCase() } : null,
      deletedAt: null,
      cancelled: false,
    };
    this.tracked.set(key(region, kind, id), t);
    this.history.push(t);
    return t;
  }

  /** After AWS (moto) deleted a snapshot: a copy still `copying` is thereby cancelled. */
  deleted(region: string, kind: SnapshotKind, id: string): void {
    const k = key(region, kind, id);
    const t = this.tracked.get(k);
    if (!t) return;
    const at = this.now();
    t.deletedAt = at;
    t.cancelled = t.op === 'copy' && at < t.readyAt;
    this.tracked.delete(k);
  }

  /** Clock times at which a create or a copy made through the layer completes, after `after`. */
  completionsAfter(after: number): { at: number; region: string; op: 'create' | 'copy' }[] {
    const out: { at: number; region: string; op: 'create' | 'copy' }[] = [];
    for (const t of this.tracked.values()) if (t.readyAt > after) out.push({ at: t.readyAt, region: t.region, op: t.op });
    return out.sort((a, b) => a.at - b.at);
  }

  /**
   * Rewrites a describe/create/copy answer from moto: every DBSnapshot / DBClusterSnapshot element
   * the layer made gets the status, PercentProgress and SnapshotCreateTime it would have in AWS now
   * (an instance copy also keeps its source's OriginalSnapshotCreateTime). Others pass unchanged.
   */
  rewrite(xml: string, region: string): string {
    const at = this.now();
    return xml.replace(SNAPSHOT_ELEMENT, (element: string, tag: string) => {
      const kind: SnapshotKind = tag === 'DBSnapshot' ? 'instance' : 'cluster';
      const id = new RegExp(`<${tag}Identifier>([^<]*)</${tag}Identifier>`).exec(element)?.[1];
      const t = id === undefined ? undefined : this.get(region, kind, id);
      if (!t) return element;
      const { status, percent } = this.statusOf(t, at);
      let out = setElement(element, tag, 'Status', status);
      out = setElement(out, tag, 'PercentProgress', String(percent));
      out = setElement(out, tag, 'SnapshotCreateTime', new Date(t.startedAt).toISOString());
      if (kind === 'instance') {
        const src = t.source ? this.get(t.source.region, kind, t.source.id) : undefined;
        out = setElement(out, tag, 'OriginalSnapshotCreateTime', new Date((src ?? t).startedAt).toISOString());
      }
      return out;
    });
  }
}

const SNAPSHOT_ELEMENT = /<(DBSnapshot|DBClusterSnapshot)>[\s\S]*?<\/\1>/g;

/** Replaces a child element's text, or appends the child when the element has none. */
function setElement(element: string, tag: string, child: string, value: string): string {
  const re = new RegExp(`<${child}>[^<]*</${child}>|<${child}/>`);
  if (re.test(element)) return element.replace(re, `<${child}>${value}</${child}>`);
  return element.replace(new RegExp(`</${tag}>$`), `<${child}>${value}</${child}></${tag}>`);
}

const slot = (region: string, kind: SnapshotKind): string => `${region}/${kind}`;
const key = (region: string, kind: SnapshotKind, id: string): string => `${region}/${kind}/${id.toLowerCase()}`;

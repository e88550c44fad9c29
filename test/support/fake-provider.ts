import { SnapwardError } from '../../src/domain/errors';
import { AccountQuota, Database, DbKind, ReplicatedBackup, Snapshot, SnapshotRef } from '../../src/domain/types';
import { AlertEvent, EventPublisher } from '../../src/ports/event-publisher';
import { KeyResolver, KeyState } from '../../src/ports/key-resolver';
import { CopySnapshotRequest, CreateSnapshotRequest, SnapshotFilter, SnapshotProvider } from '../../src/ports/snapshot-provider';

type Op = 'listSnapshots' | 'listSnapshotsMatching' | 'describeSnapshot' | 'createSnapshot' | 'copySnapshot' | 'deleteSnapshot' | 'shareSnapshot' | 'unshareSnapshot' | 'listDatabases' | 'listReplicatedBackups' | 'accountQuotas';

/**
 * An in-memory RDS for use-case tests: scripted snapshot states (`creating` until `settle()`),
 * injected failures, and a log of every call, so tests assert on what the app asked of AWS.
 */
export class FakeRds implements SnapshotProvider {
  readonly snapshots = new Map<string, Snapshot>();
  readonly databases: Database[] = [];
  readonly replicatedBackups: ReplicatedBackup[] = [];
  /** region -> quotas; a region missing here answers like moto does (not implemented). */
  readonly quotas = new Map<string, AccountQuota[]>();
  readonly calls: { op: Op; arg: string }[] = [];
  /** Status of new snapshots and copies: `available` mimics moto, `creating` mimics AWS. */
  newStatus: 'available' | 'creating' = 'creating';
  private readonly failures: { op: Op; match: (arg: string) => boolean; error: () => Error; times: number }[] = [];

  constructor(private readonly clock: { now(): Date }) {}

  addDatabase(db: Partial<Database> & { id: string }): this {
    this.databases.push({ kind: 'instance', region: 'us-east-1', status: 'available', encrypted: true, tags: {}, latestRestorableTime: null, backupRetentionDays: 0, ...db });
    return this;
  }

  put(s: Snapshot): this {
    this.snapshots.set(key(s), s);
    return this;
  }

  /** Fail `op` on calls whose argument text matches, `times` times (default: always). */
  fail(op: Op, match: string | RegExp, error: () => Error, times = Infinity): this {
    const test = typeof match === 'string' ? (a: string) => a.includes(match) : (a: string) => match.test(a);
    this.failures.push({ op, match: test, error, times });
    return this;
  }

  /** Everything creating/copying becomes available, as if AWS finished. */
  settle(): void {
    for (const [k, s] of this.snapshots) if (s.status !== 'available') this.snapshots.set(k, { ...s, status: 'available' });
  }

  count(op: Op): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  async listSnapshots(region: string, kind: DbKind, type: 'manual' | 'automated' = 'manual'): Promise<Snapshot[]> {
    this.record('listSnapshots', `${region}/${kind}${type === 'manual' ? '' : `/${type}`}`);
    return [...this.snapshots.values()].filter((s) => s.region === region && s.kind === kind && s.snapshotType === type);
  }

  async listSnapshotsMatching(region: string, kind: DbKind, filter: SnapshotFilter): Promise<Snapshot[]> {
    const byDb = 'dbIds' in filter;
    const ids = new Set(byDb ? filter.dbIds : filter.snapshotIds);
    this.record('listSnapshotsMatching', `${region}/${kind}/${byDb ? 'db' : 'snapshot'}:${[...ids].join(',')}`);
    return [...this.snapshots.values()].filter(
      (s) => s.region === region && s.kind === kind && s.snapshotType === 'manual' && ids.has(byDb ? s.dbId : s.id),
    );
  }

  async listReplicatedBackups(region: string): Promise<ReplicatedBackup[]> {
    this.record('listReplicatedBackups', region);
    return this.replicatedBackups.filter((b) => b.region === region);
  }

  async accountQuotas(region: string): Promise<AccountQuota[]> {
    this.record('accountQuotas', region);
    const quotas = this.quotas.get(region);
    if (!quotas) throw new SnapwardError('AWS_ERROR', `DescribeAccountAttributes in ${region}: InternalFailure: not implemented`, { retryable: true });
    return quotas;
  }

  async describeSnapshot(ref: SnapshotRef): Promise<Snapshot | null> {
    this.record('describeSnapshot', `${ref.region}/${ref.kind}/${ref.id}`);
    return this.snapshots.get(key(ref)) ?? null;
  }

  async createSnapshot(req: CreateSnapshotRequest): Promise<Snapshot> {
    this.record('createSnapshot', `${req.region}/${req.kind}/${req.dbId}/${req.snapshotId}`);
    const db = this.databases.find((d) => d.id === req.dbId && d.region === req.region && d.kind === req.kind);
    if (!db) throw new SnapwardError('INSTANCE_NOT_FOUND', `DBInstanceNotFoundFault: DBInstance ${req.dbId} not found.`);
    if (this.snapshots.has(key({ ...req, id: req.snapshotId }))) throw new SnapwardError('SNAPSHOT_ALREADY_EXISTS', `${req.snapshotId} exists`);
    const now = this.clock.now();
    const s: Snapshot = {
      id: req.snapshotId,
      arn: `arn:aws:rds:${req.region}:${this.accountId}:${req.kind === 'instance' ? 'snapshot' : 'cluster-snapshot'}:${req.snapshotId}`,
      kind: req.kind,
      region: req.region,
      dbId: req.dbId,
      status: this.newStatus,
      snapshotType: 'manual',
      createdAt: now,
      originalCreatedAt: req.kind === 'instance' ? now : null,
      encrypted: db.encrypted,
      tags: { ...req.tags },
    };
    this.put(s);
    return s;
  }

  /** This fake's account (a cross-account copy reads the source's account from its ARN). */
  accountId = '123456789012';
  /** Other accounts' fakes, by account id: a copy whose source ARN names one reads the source there. */
  readonly linked = new Map<string, FakeRds>();

  /** Lets this account copy snapshots `other` shares with it (the vault copying a member's DR copy). */
  link(other: FakeRds): this {
    this.linked.set(other.accountId, other);
    return this;
  }

  async copySnapshot(req: CopySnapshotRequest): Promise<Snapshot> {
    this.record('copySnapshot', `${req.targetRegion}/${req.kind}/${req.targetId}<-${req.source.arn}|key=${req.kmsKeyId}`);
    if (this.snapshots.has(key({ id: req.targetId, region: req.targetRegion, kind: req.kind }))) {
      throw new SnapwardError('SNAPSHOT_ALREADY_EXISTS', `${req.targetId} exists`);
    }
    const sourceAccount = req.source.arn.split(':')[4];
    if (sourceAccount && sourceAccount !== this.accountId) return this.copyShared(req, sourceAccount);
    const s: Snapshot = {
      ...req.source,
      arn: req.source.arn.replace(`:${req.source.region}:`, `:${req.targetRegion}:`),
      id: req.targetId,
      region: req.targetRegion,
      status: this.newStatus === 'available' ? 'available' : 'pending',
      createdAt: this.clock.now(),
      encrypted: req.kind === 'instance' ? true : req.source.encrypted,
      kmsKeyId: req.kmsKeyId,
      tags: { ...req.tags },
    };
    this.put(s);
    return s;
  }

  /**
   * A copy from another account (RDS CopyDBSnapshot with a source ARN): AWS lets an account copy
   * another's manual snapshot only when it is shared with it (the `restore` attribute), else
   * answers DBSnapshotNotFound (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html).
   */
  private copyShared(req: CopySnapshotRequest, sourceAccount: string): Snapshot {
    const owner = this.linked.get(sourceAccount);
    const source = owner?.snapshots.get(key(req.source));
    if (!owner || !source || !owner.shares.get(key(req.source))?.has(this.accountId)) {
      throw new SnapwardError('SNAPSHOT_NOT_FOUND', `DBSnapshotNotFound: DBSnapshot ${req.source.arn} not found.`);
    }
    if (source.status !== 'available') throw new SnapwardError('INVALID_SNAPSHOT_STATE', `InvalidDBSnapshotState: ${req.source.arn} is ${source.status}`);
    const s: Snapshot = {
      ...source,
      arn: `arn:aws:rds:${req.targetRegion}:${this.accountId}:${req.kind === 'instance' ? 'snapshot' : 'cluster-snapshot'}:${req.targetId}`,
      id: req.targetId,
      region: req.targetRegion,
      status: this.newStatus === 'available' ? 'available' : 'pending',
      createdAt: this.clock.now(),
      encrypted: true,
      kmsKeyId: req.kmsKeyId,
      tags: { ...req.tags },
    };
    this.put(s);
    return s;
  }

  /** Sets a snapshot's status (a copy that failed in AWS, one still on its way). */
  setStatus(ref: SnapshotRef, status: string): void {
    const s = this.snapshots.get(key(ref));
    if (!s) throw new Error(`test: no snapshot ${ref.id}`);
    this.put({ ...s, status });
  }

  async deleteSnapshot(ref: SnapshotRef): Promise<void> {
    this.record('deleteSnapshot', `${ref.region}/${ref.kind}/${ref.id}`);
    if (!this.snapshots.delete(key(ref))) throw new SnapwardError('SNAPSHOT_NOT_FOUND', `${ref.id} not found`);
  }

  /** Accounts each snapshot is shared with (`region/kind/id` -> account ids). */
  readonly shares = new Map<string, Set<string>>();

  async shareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    this.record('shareSnapshot', `${ref.region}/${ref.kind}/${ref.id}:${accountId}`);
    if (!this.snapshots.has(key(ref))) throw new SnapwardError('SNAPSHOT_NOT_FOUND', `${ref.id} not found`);
    const set = this.shares.get(key(ref)) ?? new Set<string>();
    set.add(accountId);
    this.shares.set(key(ref), set);
  }

  async unshareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    this.record('unshareSnapshot', `${ref.region}/${ref.kind}/${ref.id}:${accountId}`);
    if (!this.snapshots.has(key(ref))) throw new SnapwardError('SNAPSHOT_NOT_FOUND', `${ref.id} not found`);
    this.shares.get(key(ref))?.delete(accountId);
  }

  async listDatabases(region: string): Promise<Database[]> {
    this.record('listDatabases', region);
    return this.databases.filter((d) => d.region === region);
  }

  private record(op: Op, arg: string): void {
    this.calls.push({ op, arg });
    const failure = this.failures.find((f) => f.op === op && f.times > 0 && f.match(arg));
    if (failure) {
      failure.times -= 1;
      throw failure.error();
    }
  }
}

export class FakeKeys implements KeyResolver {
  readonly missing = new Set<string>();
  /** `region|keyRef` -> KMS KeyState other than Enabled (with a deletion date for PendingDeletion). */
  readonly states = new Map<string, { state: string; deletionDate?: Date }>();
  readonly inspected: string[] = [];
  /** Key refs KMS reports as AWS managed (besides any aws/rds alias). */
  readonly awsManaged = new Set<string>();
  async resolve(region: string, keyRef: string): Promise<string> {
    if (this.missing.has(region)) throw new SnapwardError('KMS_KEY_NOT_ACCESSIBLE', `NotFoundException: Alias ${keyRef} is not found.`);
    return `arn:aws:kms:${region}:123456789012:key/fake-${region}`;
  }
  async inspect(region: string, keyRef: string): Promise<KeyState> {
    this.inspected.push(`${region}|${keyRef}`);
    if (this.missing.has(region)) return { arn: null, state: 'NotFound', deletionDate: null, manager: null };
    const s = this.states.get(`${region}|${keyRef}`);
    return { arn: `arn:aws:kms:${region}:123456789012:key/fake-${region}`, state: s?.state ?? 'Enabled', deletionDate: s?.deletionDate ?? null, manager: keyRef.includes('aws/rds') || this.awsManaged.has(keyRef) ? 'AWS' : 'CUSTOMER' };
  }
}

export class FakeClock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

const key = (r: { id: string; region: string; kind: DbKind }): string => `${r.region}/${r.kind}/${r.id.toLowerCase()}`;

/** Collects published alerts; `down` makes every delivery fail (the bus is unreachable). */
export class FakeEvents implements EventPublisher {
  readonly sent: AlertEvent[] = [];
  down = false;
  async publish(events: readonly AlertEvent[]): Promise<boolean[]> {
    if (this.down) return events.map(() => false);
    this.sent.push(...events);
    return events.map(() => true);
  }
  take(): AlertEvent[] {
    return this.sent.splice(0);
  }
}

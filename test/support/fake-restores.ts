import { DrillDatabase, DrillHookResult } from '../../src/domain/drill';
import { SnapwardError } from '../../src/domain/errors';
import { DbKind } from '../../src/domain/types';
import { DrillHook, DrillHookInput } from '../../src/ports/drill-hook';
import { ClusterInstanceRequest, RestoreProvider, RestoreRequest } from '../../src/ports/restore-provider';

type Op = 'snapshotEngine' | 'restore' | 'createClusterInstance' | 'describe' | 'writerClass' | 'deleteDatabase' | 'listDrillDatabases';

/**
 * An in-memory restore side of RDS. Shaped like AWS by default: a restore is `creating` until
 * `settle()`, a delete `deleting` until `settle()`; like moto (at once) when the linked FakeRds
 * makes snapshots `available` at once. Snapshot engines come from `engines`, or from the linked
 * FakeRds's snapshots. Failures are injected per operation.
 */
export class FakeRestores implements RestoreProvider {
  readonly dbs = new Map<string, DrillDatabase & { deleting?: boolean }>();
  /** snapshot id -> engine; a missing id is a snapshot that does not exist. */
  readonly engines = new Map<string, string>();
  readonly calls: { op: Op; arg: string }[] = [];
  writer: string | null = 'db.r6g.large';
  private readonly failures: { op: Op; error: () => Error; times: number }[] = [];

  constructor(
    private readonly clock: { now(): Date },
    private readonly rds?: { readonly snapshots: ReadonlyMap<string, { kind: DbKind; region: string; id: string; encrypted: boolean; kmsKeyId?: string }>; readonly newStatus: string },
  ) {}

  private get instant(): boolean {
    return this.rds?.newStatus === 'available';
  }

  fail(op: Op, error: () => Error, times = 1): this {
    this.failures.push({ op, error, times });
    return this;
  }

  /** Everything creating becomes available; everything deleting is gone. */
  settle(): void {
    for (const [k, db] of this.dbs) {
      if (db.status === 'deleting') this.dbs.delete(k);
      else if (db.status === 'creating') this.dbs.set(k, { ...db, status: 'available' });
    }
  }

  setStatus(kind: DbKind, id: string, status: string): void {
    const db = this.dbs.get(`${kind}/${id}`);
    if (db) this.dbs.set(`${kind}/${id}`, { ...db, status });
  }

  plant(db: Partial<DrillDatabase> & { id: string }): void {
    const full: DrillDatabase = { kind: 'instance', region: 'us-west-2', status: 'available', createdAt: this.clock.now(), engine: 'postgres', encrypted: true, kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr-key', endpoint: `${db.id}.example`, port: 5432, tags: {}, ...db };
    this.dbs.set(`${full.kind}/${full.id}`, full);
  }

  private check(op: Op, arg: string): void {
    this.calls.push({ op, arg });
    const f = this.failures.find((x) => x.op === op && x.times > 0);
    if (f) {
      f.times -= 1;
      throw f.error();
    }
  }

  async snapshotEngine(_kind: DbKind, _region: string, snapshotId: string): Promise<string | null> {
    this.check('snapshotEngine', snapshotId);
    const known = this.engines.get(snapshotId);
    if (known) return known;
    const inRds = [...(this.rds?.snapshots.values() ?? [])].find((s) => s.id === snapshotId && s.region === _region && s.kind === _kind);
    return inRds ? (inRds.kind === 'cluster' ? 'aurora-postgresql' : 'postgres') : null;
  }

  async restore(req: RestoreRequest): Promise<DrillDatabase> {
    this.check('restore', req.targetId);
    if (this.dbs.has(`${req.kind}/${req.targetId}`)) throw new SnapwardError('DB_ALREADY_EXISTS', `${req.targetId} exists`);
    // As AWS does: the restored database is encrypted with the snapshot's key.
    const source = [...(this.rds?.snapshots.values() ?? [])].find((s) => s.id === req.snapshotId && s.region === req.region && s.kind === req.kind);
    const encryption = source ? { encrypted: source.encrypted, kmsKeyId: source.kmsKeyId ?? null } : {};
    this.plant({ id: req.targetId, kind: req.kind, region: req.region, status: this.instant ? 'available' : 'creating', engine: req.engine, tags: { ...req.tags }, ...encryption });
    return this.dbs.get(`${req.kind}/${req.targetId}`) as DrillDatabase;
  }

  async createClusterInstance(req: ClusterInstanceRequest): Promise<DrillDatabase> {
    this.check('createClusterInstance', `${req.instanceId}:${req.instanceClass}`);
    this.plant({ id: req.instanceId, kind: 'instance', region: req.region, status: this.instant ? 'available' : 'creating', engine: req.engine, tags: { ...req.tags }, clusterId: req.clusterId });
    return this.dbs.get(`instance/${req.instanceId}`) as DrillDatabase;
  }

  async describe(kind: DbKind, _region: string, id: string): Promise<DrillDatabase | null> {
    this.check('describe', id);
    return this.dbs.get(`${kind}/${id}`) ?? null;
  }

  async writerClass(_region: string, clusterId: string): Promise<string | null> {
    this.check('writerClass', clusterId);
    return this.writer;
  }

  async deleteDatabase(db: Pick<DrillDatabase, 'kind' | 'region' | 'id' | 'clusterId'>): Promise<void> {
    this.check('deleteDatabase', db.id);
    const found = this.dbs.get(`${db.kind}/${db.id}`);
    if (found && this.instant) this.dbs.delete(`${db.kind}/${db.id}`);
    else if (found) this.dbs.set(`${db.kind}/${db.id}`, { ...found, status: 'deleting' });
  }

  async listDrillDatabases(region: string): Promise<DrillDatabase[]> {
    this.check('listDrillDatabases', region);
    return [...this.dbs.values()].filter((d) => d.region === region && d.tags['snapward:drill'] !== undefined);
  }
}

/** A hook with a scripted answer, recording what it was told. */
export class FakeHook implements DrillHook {
  readonly describe = 'fake hook';
  readonly inputs: DrillHookInput[] = [];
  answer: DrillHookResult & { ok: boolean } = { ok: true, exitCode: 0, output: 'ok' };
  async run(input: DrillHookInput): Promise<DrillHookResult & { ok: boolean }> {
    this.inputs.push(input);
    return this.answer;
  }
}

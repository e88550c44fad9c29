import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SnapwardError } from '../../domain/errors';
import { MemberState, MemberStateSummary } from '../../domain/ledger';
import { ComplianceDay, oldestKeptDay } from '../../domain/history';
import { byDayThenInstance, ComplianceRecord, decodeCompliance, encodeCompliance, keptRange } from './compliance-codec';
import { DRILLS_MIGRATION, SqliteDrillStore } from './sqlite-drill-store';
import { checkMemberState, decodeLedgerBody, decodeMemberSummary, encodeLedgerBody, encodeMemberSummary, StoredMemberSummary } from './member-state-codec';
import { decodeResult, decodeRun, encodeFinish, encodeResult, StoredRun } from './run-codec';
import { resultPlace } from '../../domain/runs';
import { decodeFinding, encodeAcknowledgement, StoredFinding } from './finding-codec';
import { FailureClass, findingExists, runExists, storeFailure, StoreIdentity, StoreRefusal, unknownFinding, unknownRun } from './store-errors';
import { checkLimit, checkTtl, iso } from './store-input';
import { Acknowledgement, Finding, FindingObservation, FinishRun, InstanceResult, NewRun, RunKind, RunRecord, StateStore } from '../../ports/state-store';

/**
 * Schema steps; step i brings the database from user_version i to i + 1. Only ever append: a
 * file written by this build must open in every later build. Times are ISO-8601 UTC text (fixed
 * width, so they sort as text) and documents are JSON, so `sqlite3 state.db` is readable as is.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id           TEXT PRIMARY KEY,
     kind         TEXT NOT NULL,
     trigger      TEXT NOT NULL,
     started_at   TEXT NOT NULL,
     finished_at  TEXT,
     outcome      TEXT NOT NULL,
     owner_host   TEXT NOT NULL,
     owner_pid    INTEGER NOT NULL,
     heartbeat_at TEXT NOT NULL,
     summary      TEXT,
     error        TEXT
   );
   CREATE INDEX runs_started_at ON runs (started_at);
   CREATE TABLE instance_results (
     run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     instance_id TEXT NOT NULL,
     recorded_at TEXT NOT NULL,
     seq         INTEGER NOT NULL,
     result      TEXT NOT NULL,
     PRIMARY KEY (run_id, instance_id)
   );`,
  `ALTER TABLE runs ADD COLUMN details TEXT;`,
  // The partial unique index is what makes "at most one open finding per key" hold across
  // processes: a second open row for a key cannot be written, whoever writes it.
  `CREATE TABLE findings (
     id                   TEXT PRIMARY KEY,
     key                  TEXT NOT NULL,
     kind                 TEXT NOT NULL,
     subject              TEXT NOT NULL,
     status               TEXT NOT NULL,
     opened_at            TEXT NOT NULL,
     last_seen_at         TEXT NOT NULL,
     resolved_at          TEXT,
     detail               TEXT NOT NULL,
     notified_at          TEXT,
     resolved_notified_at TEXT
   );
   CREATE UNIQUE INDEX findings_open_key ON findings (key) WHERE status = 'open';
   CREATE INDEX findings_opened_at ON findings (opened_at);`,
  // A lease is held by `owner` while `expires_at` (exclusive) is in the future.
  `CREATE TABLE leases (
     name       TEXT PRIMARY KEY,
     owner      TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );`,
  // The ledger (domain/ledger.ts): one row per member; snapshots and pending are JSON documents.
  `CREATE TABLE member_state (
     key        TEXT PRIMARY KEY,
     due_at     TEXT NOT NULL,
     audited_at TEXT,
     policy     TEXT NOT NULL,
     pending    TEXT NOT NULL,
     snapshots  TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );`,
  // An operator's acknowledgement of an open finding (JSON: by, reason, until), or NULL.
  `ALTER TABLE findings ADD COLUMN acknowledged TEXT;`,
  // The daily compliance history (domain/history.ts): one row per UTC day and instance.
  `CREATE TABLE compliance_history (
     day                    TEXT NOT NULL,
     instance_id            TEXT NOT NULL,
     tier                   INTEGER NOT NULL,
     band_instance_loss     TEXT NOT NULL,
     band_region_loss       TEXT NOT NULL,
     achieved_instance_loss INTEGER,
     achieved_region_loss   INTEGER,
     recorded_at            TEXT NOT NULL,
     PRIMARY KEY (day, instance_id)
   );`,
  // Restore drills (sqlite-drill-store.ts).
  DRILLS_MIGRATION,
];

/** The schema version this build writes (and the newest it can read). */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

const BUSY_TIMEOUT_MS = 5000;
const ORDER = 'ORDER BY started_at DESC, id DESC';
const FINDING_ORDER = 'ORDER BY opened_at DESC, id DESC';

// Columns under the names the shared codecs read (run-codec.ts, finding-codec.ts, member-state-codec.ts).
const RUN_COLUMNS = `id, kind, trigger, started_at AS startedAt, finished_at AS finishedAt, outcome, owner_host AS ownerHost,
  owner_pid AS ownerPid, heartbeat_at AS heartbeatAt, summary, error, details`;
const FINDING_COLUMNS = `id, key, kind, subject, status, opened_at AS openedAt, last_seen_at AS lastSeenAt, resolved_at AS resolvedAt,
  detail, notified_at AS notifiedAt, resolved_notified_at AS resolvedNotifiedAt, acknowledged`;
const MEMBER_COLUMNS = 'key, due_at AS dueAt, audited_at AS auditedAt, policy, pending, updated_at AS updatedAt';

/** The durable state store: one SQLite file per deployment (better-sqlite3, synchronous). */
export class SqliteStateStore implements StateStore {
  /** Prepared once per store: re-preparing on every call was most of an idle pass's CPU. */
  private readonly statements = new Map<string, Database.Statement>();

  private readonly store: StoreIdentity;

  /** `file` names the store in errors. Use `open`, `openReadOnly` (or MemoryStateStore). */
  protected constructor(
    private readonly db: Database.Database,
    file: string,
  ) {
    this.store = identity(file);
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async listMemberStates(): Promise<MemberStateSummary[]> {
    return this.exec('listMemberStates', () =>
      (this.prepare(`SELECT ${MEMBER_COLUMNS} FROM member_state ORDER BY key`).all() as StoredMemberSummary[]).map(decodeMemberSummary),
    );
  }

  async getMemberState(key: string): Promise<MemberState | null> {
    return this.exec('getMemberState', () => {
      const row = this.prepare(`SELECT ${MEMBER_COLUMNS}, snapshots FROM member_state WHERE key = ?`).get(key) as (StoredMemberSummary & { snapshots: string }) | undefined;
      return row ? { ...decodeMemberSummary(row), ...decodeLedgerBody(row.snapshots) } : null;
    });
  }

  async putMemberState(state: MemberState): Promise<void> {
    this.exec('putMemberState', () => {
      checkMemberState(state);
      this.prepare(
        `INSERT INTO member_state (key, due_at, audited_at, policy, pending, snapshots, updated_at)
         VALUES (@key, @dueAt, @auditedAt, @policy, @pending, @snapshots, @updatedAt)
         ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, audited_at = excluded.audited_at, policy = excluded.policy,
           pending = excluded.pending, snapshots = excluded.snapshots, updated_at = excluded.updated_at`,
      ).run({ ...encodeMemberSummary(state), snapshots: encodeLedgerBody(state) });
    });
  }

  async putCompliance(entries: readonly ComplianceDay[]): Promise<void> {
    this.exec('putCompliance', () => {
      const records = entries.map(encodeCompliance); // all validated before any is written
      if (records.length === 0) return;
      const insert = this.prepare(
        `INSERT INTO compliance_history (day, instance_id, tier, band_instance_loss, band_region_loss, achieved_instance_loss, achieved_region_loss, recorded_at)
         VALUES (@day, @instanceId, @tier, @bandInstanceLoss, @bandRegionLoss, @achievedInstanceLoss, @achievedRegionLoss, @recordedAt)
         ON CONFLICT (day, instance_id) DO UPDATE SET tier = excluded.tier, band_instance_loss = excluded.band_instance_loss,
           band_region_loss = excluded.band_region_loss, achieved_instance_loss = excluded.achieved_instance_loss,
           achieved_region_loss = excluded.achieved_region_loss, recorded_at = excluded.recorded_at`,
      );
      const newest = records.reduce((m, r) => (r.day > m ? r.day : m), records[0]!.day);
      const prune = this.prepare('DELETE FROM compliance_history WHERE day < ?');
      this.db.transaction(() => {
        for (const r of records) insert.run(r);
        prune.run(oldestKeptDay(newest));
      })();
    });
  }

  async listCompliance(range: { readonly from: string; readonly to: string }): Promise<ComplianceDay[]> {
    return this.exec('listCompliance', () => {
      const kept = keptRange(range);
      if (!kept) return [];
      const rows = this.prepare(
        `SELECT day, instance_id AS instanceId, tier, band_instance_loss AS bandInstanceLoss, band_region_loss AS bandRegionLoss,
           achieved_instance_loss AS achievedInstanceLoss, achieved_region_loss AS achievedRegionLoss, recorded_at AS recordedAt
         FROM compliance_history WHERE day >= ? AND day <= ? ORDER BY day, instance_id`,
      ).all(kept.from, kept.to) as ComplianceRecord[];
      return rows.map(decodeCompliance).sort(byDayThenInstance);
    });
  }

  /**
   * Opens (creating folders, file and schema as needed) the store at `file`; `:memory:` works.
   * Switching a new file to WAL takes a lock SQLite's busy timeout does not wait for, so two
   * processes opening one new file at once (two passes on a fresh machine, a busy CI box) can be
   * told "database is locked": such an open is tried again, within the busy timeout.
   */
  static open(file: string): SqliteStateStore {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return SqliteStateStore.openOnce(file);
      } catch (err) {
        const locked = err instanceof SnapwardError && /database is locked/.test(err.message);
        if (!locked || Date.now() >= deadline) throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(50 * attempt, 250)); // a short synchronous pause
      }
    }
  }

  private static openOnce(file: string): SqliteStateStore {
    let db: Database.Database | undefined;
    try {
      if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      db = new Database(file);
      // The timeout rides out short write locks held by another snapward process.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // Checked before anything writes: a newer build's file is left exactly as it was.
      const version = schemaVersion(db, file);
      // WAL lets `snapward runs` read while a pass writes.
      db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL cannot corrupt the file; a power cut may lose the last commits, which
      // the next pass redoes from AWS's answers. FULL paid an fsync per instance written.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, version);
      return new SqliteStateStore(db, file);
    } catch (err) {
      db?.close();
      throw wrap(err, file, 'open');
    }
  }

  /**
   * Opens an existing store for reading only (status, runs, findings, show, dry runs): never
   * creates, migrates or writes the file, nor leaves -wal/-shm files beside it. Null when there
   * is no file yet. Without a -wal file (no writer, none crashed) the file is read into memory
   * (an older schema is then migrated in memory only); with one, SQLite opens it read-only so the
   * newest commits in the WAL are seen.
   */
  static openReadOnly(file: string): SqliteStateStore | null {
    if (!fs.existsSync(file)) return null;
    let db: Database.Database | undefined;
    try {
      if (fs.existsSync(`${file}-wal`)) {
        db = new Database(file, { readonly: true, fileMustExist: true });
        db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
        const version = schemaVersion(db, file);
        if (version < MIGRATIONS.length) db = inMemoryCopy(db.serialize(), file);
        return new SqliteStateStore(db, file);
      }
      db = inMemoryCopy(fs.readFileSync(file), file);
      return new SqliteStateStore(db, file);
    } catch (err) {
      db?.close();
      throw wrap(err, file, 'open');
    }
  }

  async startRun(run: NewRun): Promise<void> {
    this.exec('startRun', () => {
      const startedAt = iso(run.startedAt, 'startedAt');
      const info = this.prepare(
          `INSERT INTO runs (id, kind, trigger, started_at, outcome, owner_host, owner_pid, heartbeat_at)
           VALUES (?, ?, ?, ?, 'running', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        )
        .run(run.id, run.kind, run.trigger, startedAt, run.owner.host, run.owner.pid, startedAt);
      if (info.changes === 0) throw runExists(run.id);
    });
  }

  async recordInstance(runId: string, result: InstanceResult, at: Date): Promise<void> {
    this.exec('recordInstance', () => {
      const when = iso(at, 'at');
      this.db.transaction(() => {
        this.touch(runId, when);
        // seq is set once, on first insert: a re-record replaces the result but keeps its place.
        this.prepare(
            `INSERT INTO instance_results (run_id, instance_id, recorded_at, seq, result)
             VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM instance_results WHERE run_id = ?), ?)
             ON CONFLICT (run_id, instance_id) DO UPDATE SET recorded_at = excluded.recorded_at, result = excluded.result`,
          )
          .run(runId, resultPlace(result), when, runId, encodeResult(result));
      })();
    });
  }

  async heartbeat(runId: string, at: Date): Promise<void> {
    this.exec('heartbeat', () => this.touch(runId, iso(at, 'at')));
  }

  async finishRun(runId: string, finish: FinishRun): Promise<boolean> {
    return this.exec('finishRun', () =>
      this.db.transaction(() => {
        // The outcome guard in the WHERE makes check-and-set one statement: no lost interrupt.
        const info = this.prepare(
            `UPDATE runs SET outcome = @outcome, finished_at = @finishedAt, summary = @summary, error = @error, details = @details
             WHERE id = @runId AND outcome = 'running'`,
          )
          .run({ ...encodeFinish(finish), runId });
        if (info.changes > 0) return true;
        if (!this.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) throw unknownRun(runId);
        return false;
      })(),
    );
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    return this.exec('getRun', () => {
      const row = this.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).get(runId) as StoredRun | undefined;
      return row ? decodeRun(row) : null;
    });
  }

  async listRuns(options: { limit?: number; kind?: RunKind } = {}): Promise<RunRecord[]> {
    return this.exec('listRuns', () => {
      const { limit, kind } = options;
      checkLimit(limit);
      // LIMIT -1 is SQLite for "no limit".
      const rows = this.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE (@kind IS NULL OR kind = @kind) ${ORDER} LIMIT @limit`)
        .all({ kind: kind ?? null, limit: limit ?? -1 }) as StoredRun[];
      return rows.map(decodeRun);
    });
  }

  async listRunning(): Promise<RunRecord[]> {
    return this.exec('listRunning', () =>
      (this.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE outcome = 'running' ${ORDER}`).all() as StoredRun[]).map(decodeRun),
    );
  }

  async listInstanceResults(runId: string): Promise<InstanceResult[]> {
    return this.exec('listInstanceResults', () =>
      (this.prepare('SELECT result FROM instance_results WHERE run_id = ? ORDER BY seq').all(runId) as { result: string }[]).map((r) => decodeResult(r.result)),
    );
  }

  async observeFinding(observation: FindingObservation): Promise<Finding> {
    return this.exec('observeFinding', () => {
      const when = iso(observation.at, 'at');
      const detail = JSON.stringify(observation.detail);
      // IMMEDIATE takes the write lock before the read, so another process cannot open a finding
      // for the key between our look-up and our insert (a deferred transaction would fail with
      // SQLITE_BUSY_SNAPSHOT there instead of waiting).
      return this.db.transaction((): Finding => {
        const open = this.openFinding(observation.key);
        if (open) {
          this.prepare('UPDATE findings SET last_seen_at = ?, detail = ?, kind = ?, subject = ? WHERE id = ?')
            .run(when, detail, observation.kind, observation.subject, open.id);
          return this.mustGetFinding(open.id);
        }
        if (this.prepare('SELECT 1 FROM findings WHERE id = ?').get(observation.newId)) {
          throw findingExists(observation.newId);
        }
        // DO NOTHING on the open-key index: should another writer have opened one after all, its
        // finding is the open one, and we return it rather than fail.
        const info = this.prepare(
            `INSERT INTO findings (id, key, kind, subject, status, opened_at, last_seen_at, detail)
             VALUES (?, ?, ?, ?, 'open', ?, ?, ?) ON CONFLICT DO NOTHING`,
          )
          .run(observation.newId, observation.key, observation.kind, observation.subject, when, when, detail);
        if (info.changes > 0) return this.mustGetFinding(observation.newId);
        const winner = this.openFinding(observation.key);
        if (!winner) throw new StoreRefusal(`could not open a finding for key '${observation.key}'`);
        return decodeFinding(winner);
      }).immediate();
    });
  }

  async resolveFinding(id: string, at: Date): Promise<boolean> {
    return this.exec('resolveFinding', () =>
      this.db.transaction(() => {
        const info = this.prepare(`UPDATE findings SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open'`)
          .run(iso(at, 'at'), id);
        if (info.changes > 0) return true;
        if (!this.prepare('SELECT 1 FROM findings WHERE id = ?').get(id)) throw unknownFinding(id);
        return false;
      })(),
    );
  }

  async markFindingNotified(id: string, which: 'open' | 'resolved', at: Date): Promise<void> {
    this.exec('markFindingNotified', () => {
      const column = which === 'open' ? 'notified_at' : 'resolved_notified_at';
      const info = this.prepare(`UPDATE findings SET ${column} = ? WHERE id = ?`).run(iso(at, 'at'), id);
      if (info.changes === 0) throw unknownFinding(id);
    });
  }

  async getFinding(id: string): Promise<Finding | null> {
    return this.exec('getFinding', () => {
      const row = this.prepare(`SELECT ${FINDING_COLUMNS} FROM findings WHERE id = ?`).get(id) as StoredFinding | undefined;
      return row ? decodeFinding(row) : null;
    });
  }

  async listFindings(options: { status?: 'open' | 'resolved'; limit?: number } = {}): Promise<Finding[]> {
    return this.exec('listFindings', () => {
      const { status, limit } = options;
      checkLimit(limit);
      const rows = this.prepare(`SELECT ${FINDING_COLUMNS} FROM findings WHERE (@status IS NULL OR status = @status) ${FINDING_ORDER} LIMIT @limit`)
        .all({ status: status ?? null, limit: limit ?? -1 }) as StoredFinding[];
      return rows.map(decodeFinding);
    });
  }

  async acknowledgeFinding(id: string, ack: Acknowledgement | null): Promise<boolean> {
    return this.exec('acknowledgeFinding', () => {
      const value = encodeAcknowledgement(ack);
      const info = this.prepare(`UPDATE findings SET acknowledged = ? WHERE id = ? AND status = 'open'`).run(value, id);
      if (info.changes > 0) return true;
      if (!this.prepare('SELECT 1 FROM findings WHERE id = ?').get(id)) throw unknownFinding(id);
      return false;
    });
  }

  async leaseHolder(name: string, at: Date): Promise<string | null> {
    return this.exec('leaseHolder', () => {
      const row = this.prepare('SELECT owner FROM leases WHERE name = ? AND expires_at > ?').get(name, iso(at, 'at')) as { owner: string } | undefined;
      return row?.owner ?? null;
    });
  }

  async acquireLease(name: string, owner: string, ttlMs: number, at: Date, replacing?: string): Promise<boolean> {
    return this.exec('acquireLease', () => {
      const now = iso(at, 'at');
      checkTtl(ttlMs);
      const until = iso(new Date(at.getTime() + ttlMs), 'lease end');
      // IMMEDIATE: the write lock is taken up front, so two processes never both see the lease free.
      return this.db.transaction((): boolean => {
        const info = this.prepare(
            `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @until)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
             WHERE leases.expires_at <= @now OR leases.owner = excluded.owner OR leases.owner = @replacing`,
          )
          .run({ name, owner, until, now, replacing: replacing ?? null });
        return info.changes > 0;
      }).immediate();
    });
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.exec('releaseLease', () => {
      this.prepare('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, owner);
    });
  }

  // Drills live in their own class (sqlite-drill-store.ts), on the same file; the store hands the calls on.
  private drillStore?: SqliteDrillStore;
  private get drills(): SqliteDrillStore {
    return (this.drillStore ??= new SqliteDrillStore(this.db, (what, fn) => this.exec(what, fn)));
  }
  createDrill: StateStore['createDrill'] = (d) => this.drills.createDrill(d);
  putDrill: StateStore['putDrill'] = (d) => this.drills.putDrill(d);
  getDrill: StateStore['getDrill'] = (id) => this.drills.getDrill(id);
  listDrills: StateStore['listDrills'] = (o) => this.drills.listDrills(o);
  firstSightings: StateStore['firstSightings'] = (ids, at) => this.drills.firstSightings(ids, at);

  async close(): Promise<void> {
    this.exec('close', () => {
      if (this.db.open) this.db.close();
    });
  }

  private touch(runId: string, when: string): void {
    const info = this.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(when, runId);
    if (info.changes === 0) throw unknownRun(runId);
  }

  private openFinding(key: string): StoredFinding | undefined {
    return this.prepare(`SELECT ${FINDING_COLUMNS} FROM findings WHERE key = ? AND status = 'open'`).get(key) as StoredFinding | undefined;
  }

  private mustGetFinding(id: string): Finding {
    const row = this.prepare(`SELECT ${FINDING_COLUMNS} FROM findings WHERE id = ?`).get(id) as StoredFinding | undefined;
    if (!row) throw unknownFinding(id);
    return decodeFinding(row);
  }

  /** Runs one synchronous operation, turning whatever it throws into a STATE_STORE_ERROR. */
  private exec<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storeFailure(this.store, what, err, classify);
    }
  }
}

/**
 * A new, empty store database in memory at the current schema: a copy of one migrated once per
 * process, since copying is several times faster than migrating (tests open one per case).
 */
export function emptyMemoryDatabase(): Database.Database {
  if (!emptyTemplate) {
    const db = new Database(':memory:');
    migrate(db, 0);
    emptyTemplate = db.serialize();
    db.close();
  }
  const db = new Database(emptyTemplate);
  db.pragma('foreign_keys = ON');
  return db;
}
let emptyTemplate: Buffer | undefined;

function schemaVersion(db: Database.Database, file: string): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new SnapwardError(
      'STATE_STORE_ERROR',
      `state store ${file}: schema version ${current} was written by a newer snapward (this one knows up to ${MIGRATIONS.length}); upgrade snapward`,
      { context: { path: file, schemaVersion: current, unreadable: 'newer-schema' } },
    );
  }
  return current;
}

/** A private in-memory copy of a store file, brought to the current schema. Writes nothing to disk. */
function inMemoryCopy(bytes: Buffer, file: string): Database.Database {
  const copy = Buffer.from(bytes);
  // Bytes 18-19 say "WAL mode" (2); an in-memory database cannot be in WAL mode, so it reads the
  // copy as a rollback-journal file (1). The page contents are the same.
  if (copy.length >= 20 && copy[18] === 2 && copy[19] === 2) copy[18] = copy[19] = 1;
  const db = new Database(copy);
  migrate(db, schemaVersion(db, file));
  return db;
}

function migrate(db: Database.Database, current: number): void {
  for (let version = current; version < MIGRATIONS.length; version++) {
    // One transaction per step, version bump included: a crash never leaves a half-applied step.
    // IMMEDIATE, and the version read again inside it: two processes opening a new file at once
    // (two passes started together) both saw version 0; the second must skip the first's steps.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) > version) return;
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

const identity = (file: string): StoreIdentity => ({ where: file, context: { path: file } });

function wrap(err: unknown, file: string, what: string): SnapwardError {
  return storeFailure(identity(file), what, err, classify);
}

/** SQLite's own failures: lock contention outlasting the busy timeout clears up on its own; other failures do not. */
function classify(err: unknown): FailureClass {
  const sqliteCode = (err as { code?: unknown } | null)?.code;
  return {
    retryable: sqliteCode === 'SQLITE_BUSY' || sqliteCode === 'SQLITE_LOCKED',
    context: {
      ...(typeof sqliteCode === 'string' ? { sqliteCode } : {}),
      // Not a store this build can read at all (garbage, a truncated copy): the CLI's exit code 5.
      ...(sqliteCode === 'SQLITE_NOTADB' || sqliteCode === 'SQLITE_CORRUPT' ? { unreadable: 'corrupt' } : {}),
    },
  };
}

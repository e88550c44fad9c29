import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MemoryStateStore, SqliteStateStore } from '../../src/adapters/state';
import { SnapwardError } from '../../src/domain/errors';
import { describeStateStoreContract } from './state-store.contract';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'snapward-state-'));
}

describeStateStoreContract('memory', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});

describeStateStoreContract('sqlite file', async () => {
  const dir = tempDir();
  const store = SqliteStateStore.open(path.join(dir, 'state.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStateStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function openError(file: string): SnapwardError {
    try {
      SqliteStateStore.open(file).close();
    } catch (err) {
      expect(err).toBeInstanceOf(SnapwardError);
      return err as SnapwardError;
    }
    throw new Error(`opening ${file} should have failed`);
  }

  it('keeps runs and results across close and re-open', async () => {
    const file = path.join(dir, 'state.db');
    const first = SqliteStateStore.open(file);
    await first.startRun({ id: 'r-1', kind: 'backup', trigger: 'cli', startedAt: new Date('2026-01-02T03:04:05.678Z'), owner: { host: 'h', pid: 7 } });
    await first.recordInstance('r-1', { instanceId: 'db-a', kind: 'instance', region: 'r', drRegion: 'd', status: 'ok', created: [], copied: [], deleted: [], inProgress: [], deferred: [], warnings: [], errors: [] }, new Date('2026-01-02T03:05:00Z'));
    await first.close();

    const second = SqliteStateStore.open(file);
    expect(await second.getRun('r-1')).toMatchObject({ outcome: 'running', startedAt: new Date('2026-01-02T03:04:05.678Z') });
    expect((await second.listInstanceResults('r-1')).map((r) => r.instanceId)).toEqual(['db-a']);
    await second.close();
  });

  it('writes a human-readable schema version 7 file in WAL mode', async () => {
    const file = path.join(dir, 'state.db');
    const store = SqliteStateStore.open(file);
    await store.startRun({ id: 'r-1', kind: 'reconcile', trigger: 'schedule', startedAt: new Date('2026-01-02T03:04:05.678Z'), owner: { host: 'h', pid: 7 } });
    await store.observeFinding({ key: 'RPO Breached|db-a', kind: 'RPO Breached', subject: 'db-a', detail: { ageHours: 25 }, at: new Date('2026-01-02T04:00:00Z'), newId: 'f-1' });
    await store.close();

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(7);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT started_at, heartbeat_at FROM runs').get()).toEqual({
        started_at: '2026-01-02T03:04:05.678Z',
        heartbeat_at: '2026-01-02T03:04:05.678Z',
      });
      expect(db.prepare('SELECT status, opened_at, detail, notified_at FROM findings').get()).toEqual({
        status: 'open', opened_at: '2026-01-02T04:00:00.000Z', detail: '{"ageHours":25}', notified_at: null,
      });
    } finally {
      db.close();
    }
  });

  it('migrates a schema version 2 file to 7, keeping its runs', async () => {
    const file = path.join(dir, 'v2.db');
    // The version 2 schema as released (steps 1 and 2), frozen here on purpose.
    const v2 = new Database(file);
    v2.exec(`CREATE TABLE runs (
       id TEXT PRIMARY KEY, kind TEXT NOT NULL, trigger TEXT NOT NULL, started_at TEXT NOT NULL,
       finished_at TEXT, outcome TEXT NOT NULL, owner_host TEXT NOT NULL, owner_pid INTEGER NOT NULL,
       heartbeat_at TEXT NOT NULL, summary TEXT, error TEXT
     );
     CREATE INDEX runs_started_at ON runs (started_at);
     CREATE TABLE instance_results (
       run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, instance_id TEXT NOT NULL,
       recorded_at TEXT NOT NULL, seq INTEGER NOT NULL, result TEXT NOT NULL,
       PRIMARY KEY (run_id, instance_id)
     );
     ALTER TABLE runs ADD COLUMN details TEXT;`);
    v2.pragma('user_version = 2');
    v2.prepare(
      `INSERT INTO runs (id, kind, trigger, started_at, finished_at, outcome, owner_host, owner_pid, heartbeat_at, summary, error, details)
       VALUES ('r-old', 'check', 'schedule', '2026-01-02T03:04:05.678Z', '2026-01-02T03:05:00.000Z', 'succeeded', 'h', 7,
               '2026-01-02T03:04:05.678Z', NULL, NULL, '{"checked":2}')`,
    ).run();
    v2.close();

    const store = SqliteStateStore.open(file);
    try {
      expect(await store.getRun('r-old')).toMatchObject({
        kind: 'check', outcome: 'succeeded', startedAt: new Date('2026-01-02T03:04:05.678Z'), details: { checked: 2 },
      });
      expect(await store.listFindings()).toEqual([]);
      const opened = await store.observeFinding({ key: 'k', kind: 'Backup Failed', subject: 's', detail: {}, at: new Date(0), newId: 'f-1' });
      expect(opened.id).toBe('f-1');
      expect(await store.acquireLease('instance:db-a', 'r-new', 60_000, new Date(0))).toBe(true);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(7);
      expect(db.prepare('SELECT name, owner, expires_at FROM leases').all()).toEqual([
        { name: 'instance:db-a', owner: 'r-new', expires_at: '1970-01-01T00:01:00.000Z' },
      ]);
    } finally {
      db.close();
    }
  });

  it('deletes compliance days past the 400 kept, so the file does not grow forever', async () => {
    const file = path.join(dir, 'state.db');
    const store = SqliteStateStore.open(file);
    const entry = (day: string) => ({
      day, instanceId: 'db-a', tier: 0 as const, band: { instanceLoss: 'compliant' as const, regionLoss: 'compliant' as const },
      achieved: { instanceLoss: 60, regionLoss: 60 }, recordedAt: new Date(`${day}T01:00:00Z`),
    });
    await store.putCompliance([entry('2025-10-20'), entry('2025-10-21')]);
    await store.putCompliance([entry('2026-11-24')]);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT day, band_instance_loss, achieved_region_loss FROM compliance_history ORDER BY day').all()).toEqual([
        { day: '2025-10-21', band_instance_loss: 'compliant', achieved_region_loss: 60 },
        { day: '2026-11-24', band_instance_loss: 'compliant', achieved_region_loss: 60 },
      ]);
    } finally {
      db.close();
    }
  });

  it('opens one finding when two processes observe the same key at once', async () => {
    const file = path.join(dir, 'state.db');
    const a = SqliteStateStore.open(file);
    const b = SqliteStateStore.open(file);
    try {
      const observe = (store: SqliteStateStore, newId: string, ms: number) =>
        store.observeFinding({ key: 'Snapshot Missed|jira-1', kind: 'Snapshot Missed', subject: 'jira-1', detail: { by: newId }, at: new Date(ms), newId });
      // Both observations are under way before either result is read.
      const pending = [observe(a, 'f-a', 1000), observe(b, 'f-b', 1001)];
      const [fromA, fromB] = await Promise.all(pending);
      expect(fromB!.id).toBe(fromA!.id);
      for (const store of [a, b]) {
        const open = await store.listFindings({ status: 'open' });
        expect(open.map((f) => f.id)).toEqual([fromA!.id]);
        expect(await store.listFindings()).toHaveLength(1);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('grants a lease to one of two processes racing for it', async () => {
    const file = path.join(dir, 'state.db');
    const a = SqliteStateStore.open(file);
    const b = SqliteStateStore.open(file);
    try {
      const at = new Date('2026-01-02T03:04:05.678Z');
      const pending = [a.acquireLease('instance:db-a', 'run-a', 60_000, at), b.acquireLease('instance:db-a', 'run-b', 60_000, at)];
      const granted = await Promise.all(pending);
      expect(granted.filter(Boolean)).toHaveLength(1);
      const [winner, loser] = granted[0] ? ['run-a', 'run-b'] : ['run-b', 'run-a'];
      await b.releaseLease('instance:db-a', loser as string);
      expect(await a.acquireLease('instance:db-a', loser as string, 60_000, at)).toBe(false);
      await a.releaseLease('instance:db-a', winner as string);
      expect(await b.acquireLease('instance:db-a', loser as string, 60_000, at)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lets the database itself refuse a second open finding for a key', async () => {
    const file = path.join(dir, 'state.db');
    const store = SqliteStateStore.open(file);
    await store.observeFinding({ key: 'k', kind: 'Quota Warning', subject: 's', detail: {}, at: new Date(0), newId: 'f-1' });
    await store.close();

    const db = new Database(file);
    try {
      const insert = db.prepare(
        `INSERT INTO findings (id, key, kind, subject, status, opened_at, last_seen_at, detail)
         VALUES (?, 'k', 'Quota Warning', 's', ?, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '{}')`,
      );
      expect(() => insert.run('f-2', 'open')).toThrow(/UNIQUE constraint failed/);
      // Resolved findings of a key may be many.
      insert.run('f-3', 'resolved');
      insert.run('f-4', 'resolved');
      expect(db.prepare('SELECT COUNT(*) AS n FROM findings WHERE key = ?').get('k')).toEqual({ n: 3 });
    } finally {
      db.close();
    }
  });

  it('refuses a file written by a newer schema version, leaving it alone', () => {
    const file = path.join(dir, 'future.db');
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();

    const err = openError(file);
    expect(err.code).toBe('STATE_STORE_ERROR');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/schema version 999.*newer snapward/);

    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(999);
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });

  it('creates missing parent folders', async () => {
    const file = path.join(dir, 'a', 'b', 'state.db');
    const store = SqliteStateStore.open(file);
    await store.close();
    expect(fs.existsSync(file)).toBe(true);
  });

  it('reports an unusable path as STATE_STORE_ERROR naming the path', () => {
    // A regular file where a folder should be fails even for root, unlike a chmod-ed folder.
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, '');
    const file = path.join(blocker, 'sub', 'state.db');
    const err = openError(file);
    expect(err.code).toBe('STATE_STORE_ERROR');
    expect(err.message).toContain(file);
    expect(err.cause).toBeDefined();
  });

  it('works in memory and fails cleanly once closed', async () => {
    const store = SqliteStateStore.open(':memory:');
    await store.startRun({ id: 'r-1', kind: 'reconcile', trigger: 'test', startedAt: new Date(0), owner: { host: 'h', pid: 1 } });
    expect(await store.getRun('r-1')).not.toBeNull();
    await store.close();
    await store.close();
    await expect(store.getRun('r-1')).rejects.toMatchObject({ code: 'STATE_STORE_ERROR' });
  });
});

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

  it('writes a human-readable schema version 2 file in WAL mode', async () => {
    const file = path.join(dir, 'state.db');
    const store = SqliteStateStore.open(file);
    await store.startRun({ id: 'r-1', kind: 'reconcile', trigger: 'schedule', startedAt: new Date('2026-01-02T03:04:05.678Z'), owner: { host: 'h', pid: 7 } });
    await store.close();

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT started_at, heartbeat_at FROM runs').get()).toEqual({
        started_at: '2026-01-02T03:04:05.678Z',
        heartbeat_at: '2026-01-02T03:04:05.678Z',
      });
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

import { MemoryStateStore } from '../../src/adapters/state/memory-state-store';
import { SqliteStateStore } from '../../src/adapters/state/sqlite-state-store';
import { storeError, storeFailure, StoreRefusal, unknownRun } from '../../src/adapters/state/store-errors';
import { checkLimit, checkTtl, iso } from '../../src/adapters/state/store-input';
import { SnapwardError } from '../../src/domain/errors';

const table = { where: 'dynamodb:snapward-state', context: { table: 'snapward-state' } };
const classify = (err: unknown) => ({ retryable: (err as { name?: string }).name === 'ThrottlingException', context: { awsError: (err as { name?: string }).name } });

describe('state-store error shaping (store-errors.ts)', () => {
  it('tells a refusal as is, naming the store and its context', () => {
    const err = storeFailure(table, 'finishRun', unknownRun('r-1'), classify);
    expect(err).toBeInstanceOf(SnapwardError);
    expect(err).toMatchObject({ code: 'STATE_STORE_ERROR', message: "state store dynamodb:snapward-state: run 'r-1' does not exist", retryable: false, context: { table: 'snapward-state' } });
  });

  it('tells a broken operation as `<what> failed`, with the driver\'s classification and the cause', () => {
    const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const err = storeFailure(table, 'listRuns', cause, classify);
    expect(err).toMatchObject({ code: 'STATE_STORE_ERROR', message: 'state store dynamodb:snapward-state: listRuns failed: Rate exceeded', retryable: true, context: { table: 'snapward-state', awsError: 'ThrottlingException' } });
    expect(err.cause).toBe(cause);
  });

  it('passes a SnapwardError through untouched', () => {
    const inner = storeError({ where: '/tmp/state.db', context: { path: '/tmp/state.db' } }, 'the store is closed');
    expect(storeFailure(table, 'getRun', inner, classify)).toBe(inner);
  });
});

describe('state-store input checks (store-input.ts)', () => {
  it('refuses a bad limit or ttl as a refusal, and an invalid date by field', () => {
    expect(() => checkLimit(-1)).toThrow(StoreRefusal);
    expect(() => checkLimit(1.5)).toThrow('limit must be a non-negative integer, got 1.5');
    expect(() => checkLimit(undefined)).not.toThrow();
    expect(() => checkLimit(0)).not.toThrow();
    expect(() => checkTtl(0)).toThrow('lease ttlMs must be a positive number, got 0');
    expect(() => checkTtl(Number.POSITIVE_INFINITY)).toThrow(StoreRefusal);
    expect(() => iso(new Date(Number.NaN), 'dueAt')).toThrow('dueAt is not a valid date');
    expect(iso(new Date('2026-11-24T10:00:00Z'), 'at')).toBe('2026-11-24T10:00:00.000Z');
  });
});

describe('the memory driver is SQLite in memory', () => {
  const owner = { host: 'h', pid: 1 };
  const at = new Date('2026-11-24T10:00:00Z');

  it('is the SQLite driver, and every store starts empty and stays apart from the others', async () => {
    const a = new MemoryStateStore();
    expect(a).toBeInstanceOf(SqliteStateStore);
    await a.startRun({ id: 'r-1', kind: 'check', trigger: 'test', startedAt: at, owner });
    await a.observeFinding({ key: 'k', kind: 'RPO Breached', subject: 'db-a', detail: {}, at, newId: 'f-1' });
    const b = new MemoryStateStore();
    expect(await b.listRuns()).toEqual([]);
    expect(await b.listFindings()).toEqual([]);
    expect((await a.listRuns()).map((r) => r.id)).toEqual(['r-1']);
    await a.close();
    await b.close();
  });

  it('names itself in its errors, and refuses use after close', async () => {
    const store = new MemoryStateStore();
    await expect(store.finishRun('ghost', { finishedAt: at, outcome: 'failed', summary: null, error: null })).rejects.toMatchObject({
      code: 'STATE_STORE_ERROR',
      message: "state store :memory:: run 'ghost' does not exist",
    });
    await store.close();
    await expect(store.getRun('r-1')).rejects.toMatchObject({ code: 'STATE_STORE_ERROR' });
  });
});

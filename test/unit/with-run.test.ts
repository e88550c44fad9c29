import { takeAdhocBackup } from '../../src/app/backup';
import { runCheck } from '../../src/app/check';
import { verifyReplication } from '../../src/app/verify-replication';
import { withRun } from '../../src/app/with-run';
import { AppDeps } from '../../src/app/deps';
import { SnapwardError } from '../../src/domain/errors';
import { HOUR } from '../../src/domain/time';
import { Logger } from '../../src/ports/logger';
import { StateStore } from '../../src/ports/state-store';
import { harness, Harness } from '../support/app-harness';
import { member } from '../support/builders';

/** The harness's store with `finishRun` failing on the calls `fails` picks (1-based). */
function failingFinish(store: StateStore, fails: (call: number) => boolean): StateStore {
  let calls = 0;
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'finishRun') {
        return (...args: Parameters<StateStore['finishRun']>) => {
          calls++;
          if (fails(calls)) return Promise.reject(new SnapwardError('STATE_STORE_ERROR', `finishRun call ${calls} failed`));
          return target.finishRun(...args);
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `target` with one method replaced (given the original, bound); everything else as it is. */
function overriding<T extends object>(target: T, name: keyof T, replace: (original: (...args: unknown[]) => unknown) => unknown): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop) as unknown;
      const bound = typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      return prop === name ? replace(bound as (...args: unknown[]) => unknown) : bound;
    },
  });
}

/** A logger that keeps what was logged at warn and error. */
function recordingLogger(): Logger & { lines: { level: string; msg?: string; obj: object }[] } {
  const lines: { level: string; msg?: string; obj: object }[] = [];
  const logger = {
    lines,
    debug: () => undefined,
    info: () => undefined,
    warn: (obj: object, msg?: string) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj: object, msg?: string) => void lines.push({ level: 'error', obj, msg }),
    child: () => logger,
  };
  return logger;
}

async function onlyRun(h: Harness) {
  const runs = await h.store.listRuns();
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

describe('withRun', () => {
  it('records the run as running while the body works, then its outcome, summary, error and details', async () => {
    const h = harness();
    const summary = { instances: 2, failed: 1, created: 1, copied: 0, deleted: 0, inProgress: 1, warnings: 0 };
    const value = await withRun(h.deps, { kind: 'reconcile', trigger: 'test' }, async (run) => {
      expect(await h.store.getRun(run.id)).toMatchObject({ outcome: 'running', kind: 'reconcile', trigger: 'test', startedAt: run.startedAt, owner: h.deps.runtime.owner });
      h.clock.advance(60_000);
      return { value: `done ${run.id}`, outcome: 'partial', summary, error: { code: 'THROTTLED', message: 'slow down', retryable: true }, details: { note: 1 } };
    });
    const run = await onlyRun(h);
    expect(value).toBe(`done ${run.id}`);
    expect(run).toMatchObject({ outcome: 'partial', summary, error: { code: 'THROTTLED' }, details: { note: 1 }, finishedAt: h.clock.now() });
  });

  it('records an interrupted run with its reason and keeps the finish time the body gives', async () => {
    const h = harness();
    const finishedAt = new Date(h.clock.now().getTime() + 5000);
    await withRun(h.deps, { kind: 'reconcile', trigger: 'test' }, async () => ({ value: null, outcome: 'interrupted', error: { code: 'INTERRUPTED', message: 'SIGTERM: stopped after 3 of 9' }, finishedAt }));
    expect(await onlyRun(h)).toMatchObject({ outcome: 'interrupted', finishedAt, error: { code: 'INTERRUPTED', message: 'SIGTERM: stopped after 3 of 9' }, summary: null, details: null });
  });

  it('records nothing and reaps nothing in a dry run, and gives the body no run id', async () => {
    const h = harness();
    await h.store.startRun({ id: 'r-dead', kind: 'reconcile', trigger: 'cli', startedAt: h.clock.now(), owner: { host: 'test', pid: 4242 } });
    h.deadPids.add(4242);
    const seen = await withRun(h.deps, { kind: 'reconcile', trigger: 'test', dryRun: true }, async (run) => ({ value: run.id, outcome: 'succeeded' }));
    expect(seen).toBeNull();
    expect((await h.store.listRuns()).map((r) => [r.id, r.outcome])).toEqual([['r-dead', 'running']]);
  });

  it('a body that may be a dry run gets a run id when it is not one', async () => {
    const h = harness();
    const dryRun = Number('0') > 1; // a boolean known only at run time, as reconcile's option
    const id = await withRun(h.deps, { kind: 'reconcile', trigger: 'test', dryRun }, async (run) => ({ value: run.id, outcome: 'succeeded' }));
    expect(id).toBe((await onlyRun(h)).id);
  });

  it('reaps the runs of dead processes before starting its own', async () => {
    const h = harness();
    await h.store.startRun({ id: 'r-dead', kind: 'check', trigger: 'schedule', startedAt: new Date(h.clock.now().getTime() - HOUR / 4), owner: { host: 'test', pid: 4242 } });
    h.deadPids.add(4242);
    await withRun(h.deps, { kind: 'check', trigger: 'test' }, async () => ({ value: 1, outcome: 'succeeded' }));
    expect(await h.store.getRun('r-dead')).toMatchObject({ outcome: 'interrupted', error: { code: 'INTERRUPTED' } });
  });

  it('a body that throws leaves the run failed with its error, and the error is re-thrown as is', async () => {
    const h = harness();
    const boom = new SnapwardError('STATE_STORE_ERROR', 'disk full');
    await expect(withRun(h.deps, { kind: 'backup', trigger: 'test' }, async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await onlyRun(h)).toMatchObject({ outcome: 'failed', error: { code: 'STATE_STORE_ERROR', message: 'disk full' }, finishedAt: h.clock.now() });
  });

  it('when recording the outcome fails, the run is recorded failed with that error, which is re-thrown', async () => {
    const h = harness();
    const deps = h.with({ store: failingFinish(h.store, (n) => n === 1) });
    await expect(withRun(deps, { kind: 'check', trigger: 'test' }, async () => ({ value: 1, outcome: 'succeeded' }))).rejects.toThrow('finishRun call 1 failed');
    expect(await onlyRun(h)).toMatchObject({ outcome: 'failed', error: { code: 'STATE_STORE_ERROR', message: 'finishRun call 1 failed' } });
  });

  it('when nothing can be recorded, says so in the log and re-throws the first error', async () => {
    const h = harness();
    const logger = recordingLogger();
    const deps: AppDeps = h.with({ store: failingFinish(h.store, () => true), logger });
    const boom = new Error('bug in the body');
    await expect(withRun(deps, { kind: 'verify-replication', trigger: 'test' }, async () => Promise.reject(boom))).rejects.toBe(boom);
    const run = await onlyRun(h);
    expect(run.outcome).toBe('running'); // the store refused every finish: only reaping can close it now
    expect(logger.lines).toEqual([
      { level: 'error', msg: 'could not record the failed run', obj: expect.objectContaining({ runId: run.id, kind: 'verify-replication', error: expect.objectContaining({ code: 'INTERNAL', message: 'bug in the body' }) }) },
    ]);
  });

  it('a run closed by someone else (reaped) keeps their verdict; the body\'s value is still returned', async () => {
    const h = harness();
    const logger = recordingLogger();
    const value = await withRun(h.with({ logger }), { kind: 'reconcile', trigger: 'test' }, async (run) => {
      await h.store.finishRun(run.id, { finishedAt: h.clock.now(), outcome: 'interrupted', summary: null, error: { code: 'INTERRUPTED', message: 'reaped' } });
      return { value: 'v', outcome: 'succeeded' };
    });
    expect(value).toBe('v');
    expect(await onlyRun(h)).toMatchObject({ outcome: 'interrupted', error: { message: 'reaped' } });
    expect(logger.lines.map((l) => l.msg)).toEqual(['the run was already closed; its outcome was not recorded']);
  });

  it('a start the store refuses is thrown and runs no body', async () => {
    const h = harness();
    await h.store.startRun({ id: 'r-taken', kind: 'check', trigger: 'test', startedAt: h.clock.now(), owner: h.deps.runtime.owner });
    const body = jest.fn();
    const deps = h.with({ runtime: { ...h.deps.runtime, newRunId: () => 'r-taken' } });
    await expect(withRun(deps, { kind: 'check', trigger: 'test' }, body)).rejects.toMatchObject({ code: 'STATE_STORE_ERROR' });
    expect(body).not.toHaveBeenCalled();
    expect(await h.store.getRun('r-taken')).toMatchObject({ outcome: 'running' }); // not ours to close
  });

  // The property, over every place a failure can strike and every way the store's finish can
  // fail while it can still record: the run never stays `running`, and the error comes out.
  const failurePoints: readonly { name: string; bodyThrows: boolean; finishFails: (n: number) => boolean; expected: string }[] = [
    { name: 'the body throws', bodyThrows: true, finishFails: () => false, expected: 'body failed' },
    { name: 'the body throws and recording the failure fails once', bodyThrows: true, finishFails: (n) => n === 1, expected: 'body failed' },
    { name: 'recording the outcome fails', bodyThrows: false, finishFails: (n) => n === 1, expected: 'finishRun call 1 failed' },
    { name: 'recording the outcome fails, then recording the failure fails once', bodyThrows: false, finishFails: (n) => n <= 2, expected: 'finishRun call 1 failed' },
  ];
  for (const kind of ['reconcile', 'backup', 'check', 'verify-replication'] as const) {
    for (const point of failurePoints) {
      it(`${kind}: ${point.name}: the run ends failed with that error, which is re-thrown`, async () => {
        const h = harness();
        const deps = h.with({ store: failingFinish(h.store, point.finishFails) });
        const run = withRun(deps, { kind, trigger: 'test' }, async () => {
          if (point.bodyThrows) throw new Error('body failed');
          return { value: 1, outcome: 'succeeded' };
        });
        await expect(run).rejects.toThrow(point.expected);
        expect(await onlyRun(h)).toMatchObject({ kind, outcome: 'failed', error: { message: point.expected } });
      });
    }
  }
});

describe('use cases on withRun', () => {
  const boom = (): never => {
    throw new SnapwardError('STATE_STORE_ERROR', 'store went away');
  };

  it('backup: a failure after the start (the ledger write) leaves the run failed, not running', async () => {
    const h = harness({ instances: [member({ id: 'db-a' })] });
    h.rds.addDatabase({ id: 'db-a' });
    const store = overriding(h.store, 'recordInstance', () => boom);
    await expect(takeAdhocBackup(h.with({ store }), { instanceId: 'db-a', trigger: 'test' })).rejects.toThrow('store went away');
    expect(await onlyRun(h)).toMatchObject({ kind: 'backup', outcome: 'failed', error: { code: 'STATE_STORE_ERROR', message: 'store went away' } });
  });

  it('check: a store failure mid-check leaves the run failed, not running', async () => {
    const h = harness({ instances: [member({ id: 'db-a' })] });
    h.rds.addDatabase({ id: 'db-a' });
    const store = overriding(h.store, 'observeFinding', () => boom);
    await expect(runCheck(h.with({ store }), { trigger: 'test' })).rejects.toThrow('store went away');
    expect(await onlyRun(h)).toMatchObject({ kind: 'check', outcome: 'failed', error: { code: 'STATE_STORE_ERROR' } });
  });

  it('verify-replication: when its outcome cannot be recorded, the run is failed with that error, not running', async () => {
    const pair = { name: 'media', tier: 1 as const, source: { bucket: 'media-src', region: 'us-east-1' }, replica: { bucket: 'media-dr', region: 'us-west-2' }, prefix: '' };
    const h = harness({ attachments: [pair] });
    h.objects.addPair(pair.source.bucket, pair.replica.bucket, [pair.source.region, pair.replica.region]);
    // AWS failures are caught per pair; only the store (or a bug) fails the run.
    const store = failingFinish(h.store, (n) => n === 1);
    await expect(verifyReplication(h.with({ store }), { trigger: 'test', mode: 'full' })).rejects.toThrow('finishRun call 1 failed');
    expect(await onlyRun(h)).toMatchObject({ kind: 'verify-replication', outcome: 'failed', error: { code: 'STATE_STORE_ERROR', message: 'finishRun call 1 failed' } });
  });
});

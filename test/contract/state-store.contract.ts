import { SnapwardError } from '../../src/domain/errors';
import { ComplianceDay } from '../../src/domain/history';
import { MemberState } from '../../src/domain/ledger';
import { Snapshot } from '../../src/domain/types';
import { describeDrillStoreContract } from './drill-store.contract';
import { FindingObservation, InstanceResult, NewRun, RunSummary, StateStore } from '../../src/ports/state-store';

/**
 * The behaviour every StateStore driver must show, exercised only through the port so the same
 * suite can prove memory, SQLite and (later) DynamoDB alike. `open` must give an empty store.
 */
export function describeStateStoreContract(
  name: string,
  open: () => Promise<{ store: StateStore; cleanup: () => Promise<void> }>,
): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    const t0 = new Date('2026-11-24T10:00:00.123Z');
    const at = (ms: number): Date => new Date(t0.getTime() + ms);
    const newRun = (id: string, over: Partial<NewRun> = {}): NewRun => ({
      id, kind: 'reconcile', trigger: 'test', startedAt: t0, owner: { host: 'host-a', pid: 4242 }, ...over,
    });
    const summary: RunSummary = { instances: 3, failed: 1, created: 2, copied: 1, deleted: 4, inProgress: 1, warnings: 2 };
    const result = (instanceId: string, over: Partial<InstanceResult> = {}): InstanceResult => ({
      instanceId, kind: 'instance', region: 'eu-west-1', drRegion: 'eu-central-1', status: 'ok',
      created: [{ id: `${instanceId}-snap`, region: 'eu-west-1', kind: 'instance' }],
      copied: [], deleted: [], inProgress: [], deferred: [], warnings: [], errors: [], ...over,
    });
    const finish = { finishedAt: at(60_000), outcome: 'succeeded', summary, error: null } as const;

    async function expectStoreError(promise: Promise<unknown>, message: RegExp): Promise<void> {
      const err: unknown = await promise.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(SnapwardError);
      expect((err as SnapwardError).code).toBe('STATE_STORE_ERROR');
      expect((err as SnapwardError).message).toMatch(message);
    }

    it('records a started run as running, with nothing finished yet', async () => {
      await store.startRun(newRun('r-1', { kind: 'backup', trigger: 'cli' }));
      expect(await store.getRun('r-1')).toEqual({
        id: 'r-1', kind: 'backup', trigger: 'cli', startedAt: t0, finishedAt: null, outcome: 'running',
        owner: { host: 'host-a', pid: 4242 }, heartbeatAt: t0, summary: null, error: null, details: null,
      });
    });

    it('returns null for an unknown run and no results for it', async () => {
      expect(await store.getRun('nope')).toBeNull();
      expect(await store.listInstanceResults('nope')).toEqual([]);
    });

    it('refuses to start a run whose id exists, keeping the original', async () => {
      await store.startRun(newRun('r-1'));
      await expectStoreError(store.startRun(newRun('r-1', { kind: 'backup', startedAt: at(5) })), /r-1.*already exists/);
      const run = await store.getRun('r-1');
      expect(run?.kind).toBe('reconcile');
      expect(run?.startedAt).toEqual(t0);
    });

    it('rejects invalid dates', async () => {
      await expectStoreError(store.startRun(newRun('r-1', { startedAt: new Date(NaN) })), /date/);
      expect(await store.getRun('r-1')).toBeNull();
    });

    it('lists instance results in first-recorded order; re-recording replaces in place', async () => {
      await store.startRun(newRun('r-1'));
      await store.recordInstance('r-1', result('db-b', { status: 'failed' }), at(1000));
      await store.recordInstance('r-1', result('db-a'), at(2000));
      await store.recordInstance('r-1', result('db-c'), at(3000));
      await store.recordInstance('r-1', result('db-b', { warnings: ['second try'] }), at(4000));
      const results = await store.listInstanceResults('r-1');
      expect(results.map((r) => r.instanceId)).toEqual(['db-b', 'db-a', 'db-c']);
      expect(results[0]).toEqual(result('db-b', { warnings: ['second try'] }));
    });

    it('keeps the results of the same instance id in two accounts (or regions) apart within a run', async () => {
      await store.startRun(newRun('r-1'));
      await store.recordInstance('r-1', result('db-a', { account: '111111111111', accountName: 'prod-a' }), at(1));
      await store.recordInstance('r-1', result('db-a', { account: '222222222222', accountName: null, status: 'failed' }), at(2));
      await store.recordInstance('r-1', result('db-a', { account: '222222222222', accountName: null, region: 'us-east-1' }), at(3));
      const results = await store.listInstanceResults('r-1');
      expect(results.map((r) => [r.instanceId, r.account, r.region, r.status])).toEqual([
        ['db-a', '111111111111', 'eu-west-1', 'ok'],
        ['db-a', '222222222222', 'eu-west-1', 'failed'],
        ['db-a', '222222222222', 'us-east-1', 'ok'],
      ]);
    });

    it('keeps each run\'s results apart', async () => {
      await store.startRun(newRun('r-1'));
      await store.startRun(newRun('r-2'));
      await store.recordInstance('r-1', result('db-a'), at(1));
      await store.recordInstance('r-2', result('db-b'), at(2));
      expect((await store.listInstanceResults('r-1')).map((r) => r.instanceId)).toEqual(['db-a']);
      expect((await store.listInstanceResults('r-2')).map((r) => r.instanceId)).toEqual(['db-b']);
    });

    it('round-trips an instance result deep-equal, errors included', async () => {
      const full = result('db-x', {
        kind: 'cluster', status: 'failed',
        copied: [{ id: 'c1', region: 'eu-central-1', kind: 'cluster' }],
        deleted: [{ id: 'd1', region: 'eu-west-1', kind: 'cluster' }, { id: 'd2', region: 'eu-central-1', kind: 'cluster' }],
        inProgress: [{ id: 'p1', region: 'eu-west-1', kind: 'cluster' }],
        deferred: [{ id: 'f1', region: 'eu-central-1', kind: 'cluster', step: 'copy', reason: '5 in flight to eu-central-1 (limit 5)' }],
        warnings: ['w1', 'ünïcödé "quoted"'],
        errors: [{ code: 'THROTTLED', message: 'slow down', step: 'copy', retryable: true }, { code: 'AWS_ERROR', message: 'x' }],
        attempts: 3,
        nextAttemptAt: at(90_000),
        steps: [
          { id: 'create:eu-west-1/s1', kind: 'create', target: { id: 's1', region: 'eu-west-1', kind: 'cluster' }, phase: 'backoff', attempts: 3, nextAttemptAt: at(90_000), error: { code: 'ACCESS_DENIED', message: 'no' }, reason: 'backing off' },
          { id: 'copy:eu-central-1/f1', kind: 'copy', target: { id: 'f1', region: 'eu-central-1', kind: 'cluster' }, phase: 'deferred', attempts: 0, nextAttemptAt: null, error: null, reason: '5 in flight' },
        ],
      });
      await store.startRun(newRun('r-1'));
      await store.recordInstance('r-1', full, at(1));
      expect(await store.listInstanceResults('r-1')).toEqual([full]);
    });

    it('refreshes the heartbeat on recordInstance and heartbeat, changing nothing else', async () => {
      await store.startRun(newRun('r-1'));
      await store.recordInstance('r-1', result('db-a'), at(1500));
      expect((await store.getRun('r-1'))?.heartbeatAt).toEqual(at(1500));
      await store.heartbeat('r-1', at(2750));
      const run = await store.getRun('r-1');
      expect(run).toMatchObject({ heartbeatAt: at(2750), outcome: 'running', startedAt: t0, finishedAt: null });
    });

    it('finishes a running run once and returns true', async () => {
      await store.startRun(newRun('r-1'));
      const error = { code: 'INTERNAL', message: 'boom', step: 'list', retryable: false } as const;
      expect(await store.finishRun('r-1', { finishedAt: at(9999), outcome: 'partial', summary, error })).toBe(true);
      expect(await store.getRun('r-1')).toMatchObject({ outcome: 'partial', finishedAt: at(9999), summary, error, heartbeatAt: t0 });
    });

    it('accepts a null summary and error on finish', async () => {
      await store.startRun(newRun('r-1'));
      expect(await store.finishRun('r-1', { finishedAt: at(1), outcome: 'failed', summary: null, error: null })).toBe(true);
      expect(await store.getRun('r-1')).toMatchObject({ outcome: 'failed', summary: null, error: null });
    });

    it('never lets a late finish overwrite an earlier verdict', async () => {
      await store.startRun(newRun('r-1'));
      const interrupted = { finishedAt: at(10), outcome: 'interrupted', summary: null, error: { code: 'INTERRUPTED', message: 'gone' } } as const;
      expect(await store.finishRun('r-1', interrupted)).toBe(true);
      const before = await store.getRun('r-1');
      expect(await store.finishRun('r-1', finish)).toBe(false);
      expect(await store.getRun('r-1')).toEqual(before);
    });

    it('still records a late instance result on a finished run, without reopening it', async () => {
      await store.startRun(newRun('r-1'));
      await store.finishRun('r-1', finish);
      await store.recordInstance('r-1', result('db-a'), at(120_000));
      expect((await store.listInstanceResults('r-1')).map((r) => r.instanceId)).toEqual(['db-a']);
      expect((await store.getRun('r-1'))?.outcome).toBe('succeeded');
    });

    it('fails on an unknown run id for writes', async () => {
      await expectStoreError(store.finishRun('ghost', finish), /ghost.*does not exist/);
      await expectStoreError(store.recordInstance('ghost', result('db-a'), at(1)), /ghost.*does not exist/);
      await expectStoreError(store.heartbeat('ghost', at(1)), /ghost.*does not exist/);
      expect(await store.getRun('ghost')).toBeNull();
      expect(await store.listInstanceResults('ghost')).toEqual([]);
    });

    it('lists runs newest first, ties by id descending, honouring limit and kind', async () => {
      await store.startRun(newRun('r-old', { startedAt: at(-1000) }));
      await store.startRun(newRun('r-new', { startedAt: at(5000), kind: 'backup' }));
      await store.startRun(newRun('r-a', { startedAt: at(0) }));
      await store.startRun(newRun('r-b', { startedAt: at(0), kind: 'backup' }));
      const ids = async (o?: Parameters<StateStore['listRuns']>[0]) => (await store.listRuns(o)).map((r) => r.id);
      expect(await ids()).toEqual(['r-new', 'r-b', 'r-a', 'r-old']);
      expect(await ids({ limit: 2 })).toEqual(['r-new', 'r-b']);
      expect(await ids({ limit: 0 })).toEqual([]);
      expect(await ids({ limit: 10 })).toHaveLength(4);
      expect(await ids({ kind: 'backup' })).toEqual(['r-new', 'r-b']);
      expect(await ids({ kind: 'reconcile', limit: 1 })).toEqual(['r-a']);
    });

    it('orders by time, not by id or insertion', async () => {
      await store.startRun(newRun('z', { startedAt: at(0) }));
      await store.startRun(newRun('a', { startedAt: at(1) }));
      expect((await store.listRuns()).map((r) => r.id)).toEqual(['a', 'z']);
    });

    it('lists only running runs as running', async () => {
      await store.startRun(newRun('r-1'));
      await store.startRun(newRun('r-2', { startedAt: at(1) }));
      await store.startRun(newRun('r-3', { startedAt: at(2) }));
      await store.finishRun('r-2', finish);
      const running = await store.listRunning();
      expect(running.map((r) => r.id).sort()).toEqual(['r-1', 'r-3']);
      expect(running.every((r) => r.outcome === 'running')).toBe(true);
    });

    it('hands out copies: mutating returned objects or arguments does not change the store', async () => {
      const startedAt = new Date(t0.getTime());
      const res = result('db-a');
      await store.startRun(newRun('r-1', { startedAt }));
      await store.recordInstance('r-1', res, at(1));
      await store.finishRun('r-1', { ...finish, summary: { ...summary } });
      startedAt.setTime(0);
      (res.warnings as string[]).push('mutated arg');

      const run = (await store.getRun('r-1')) as unknown as Record<string, any>;
      run.startedAt.setTime(0);
      run.summary.created = 999;
      run.owner.pid = 1;
      const [listed] = (await store.listRuns()) as unknown as Record<string, any>[];
      listed!.heartbeatAt.setTime(0);
      const results = (await store.listInstanceResults('r-1')) as unknown as Record<string, any>[];
      results[0]!.created.push({ id: 'x' });
      results.push({ instanceId: 'ghost' });

      expect(await store.getRun('r-1')).toMatchObject({ startedAt: t0, heartbeatAt: at(1), summary, owner: { pid: 4242 } });
      expect(await store.listInstanceResults('r-1')).toEqual([result('db-a')]);
    });

    it('stores a run\'s details document, null when none was given', async () => {
      await store.startRun(newRun('r-1'));
      await store.startRun(newRun('r-2', { startedAt: at(1) }));
      expect((await store.getRun('r-1'))?.details).toBeNull();
      const details = { pairs: [{ name: 'media', ok: false, objects: { missing: 3 } }], note: 'ünïcode' };
      await store.finishRun('r-1', { ...finish, details });
      await store.finishRun('r-2', finish);
      expect((await store.getRun('r-1'))?.details).toEqual(details);
      expect((await store.getRun('r-2'))?.details).toBeNull();
    });

    it('round-trips dates to the millisecond', async () => {
      const odd = new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999));
      await store.startRun(newRun('r-1', { startedAt: odd }));
      await store.heartbeat('r-1', new Date(odd.getTime() + 1));
      await store.finishRun('r-1', { ...finish, finishedAt: new Date(odd.getTime() + 2) });
      const run = await store.getRun('r-1');
      expect(run?.startedAt.getTime()).toBe(odd.getTime());
      expect(run?.heartbeatAt.getTime()).toBe(odd.getTime() + 1);
      expect(run?.finishedAt?.getTime()).toBe(odd.getTime() + 2);
      expect(run?.startedAt).toBeInstanceOf(Date);
    });

    describe('findings', () => {
      const observation = (key: string, newId: string, ms: number, over: Partial<FindingObservation> = {}): FindingObservation => ({
        key, kind: 'Snapshot Missed', subject: key.split('|')[1] ?? key, detail: { instanceId: 'jira-1', ageHours: 30 },
        at: at(ms), newId, ...over,
      });
      const ids = async (o?: Parameters<StateStore['listFindings']>[0]) => (await store.listFindings(o)).map((f) => f.id);

      it('opens a finding with the given id, never notified yet', async () => {
        const opened = await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        const expected = {
          id: 'f-1', key: 'Snapshot Missed|jira-1', kind: 'Snapshot Missed', subject: 'jira-1', status: 'open',
          openedAt: at(1000), lastSeenAt: at(1000), resolvedAt: null, detail: { instanceId: 'jira-1', ageHours: 30 },
          notifiedAt: null, resolvedNotifiedAt: null, acknowledged: null,
        };
        expect(opened).toEqual(expected);
        expect(await store.getFinding('f-1')).toEqual(expected);
        expect(opened.openedAt).toBeInstanceOf(Date);
      });

      it('refreshes the open finding of a key: same id, new lastSeenAt and detail, same openedAt', async () => {
        await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        const again = await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-2', 5000, { detail: { ageHours: 31 } }));
        expect(again).toMatchObject({ id: 'f-1', status: 'open', openedAt: at(1000), lastSeenAt: at(5000), detail: { ageHours: 31 } });
        expect(await store.getFinding('f-1')).toEqual(again);
        expect(await store.getFinding('f-2')).toBeNull();
        expect(await ids()).toEqual(['f-1']);
      });

      it('opens a separate finding for another key', async () => {
        await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        const other = await store.observeFinding(observation('Copy Missed|jira-1', 'f-2', 2000, { kind: 'Copy Missed' }));
        expect(other).toMatchObject({ id: 'f-2', kind: 'Copy Missed', status: 'open', openedAt: at(2000) });
        expect(await ids({ status: 'open' })).toEqual(['f-2', 'f-1']);
      });

      it('opens a new finding for a key whose finding was resolved, leaving the old one resolved', async () => {
        await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        expect(await store.resolveFinding('f-1', at(2000))).toBe(true);
        const reopened = await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-2', 3000));
        expect(reopened).toMatchObject({ id: 'f-2', status: 'open', openedAt: at(3000), lastSeenAt: at(3000), resolvedAt: null, notifiedAt: null });
        expect(await store.getFinding('f-1')).toMatchObject({ status: 'resolved', resolvedAt: at(2000), openedAt: at(1000), lastSeenAt: at(1000) });
        expect(await ids({ status: 'open' })).toEqual(['f-2']);
        expect(await ids({ status: 'resolved' })).toEqual(['f-1']);
      });

      it('resolves only an open finding: again returns false and changes nothing', async () => {
        await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        expect(await store.resolveFinding('f-1', at(2000))).toBe(true);
        const before = await store.getFinding('f-1');
        expect(await store.resolveFinding('f-1', at(9000))).toBe(false);
        expect(await store.getFinding('f-1')).toEqual(before);
      });

      it('records delivery of the open and of the Resolved event in their own fields', async () => {
        await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        await store.markFindingNotified('f-1', 'open', at(1100));
        expect(await store.getFinding('f-1')).toMatchObject({ notifiedAt: at(1100), resolvedNotifiedAt: null });
        await store.markFindingNotified('f-1', 'open', at(1200));
        expect((await store.getFinding('f-1'))?.notifiedAt).toEqual(at(1200));
        await store.resolveFinding('f-1', at(2000));
        await store.markFindingNotified('f-1', 'resolved', at(2100));
        expect(await store.getFinding('f-1')).toMatchObject({ status: 'resolved', notifiedAt: at(1200), resolvedNotifiedAt: at(2100) });
      });

      it('keeps notifiedAt when an open finding is observed again', async () => {
        await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        await store.markFindingNotified('f-1', 'open', at(1100));
        expect((await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-9', 5000)))?.notifiedAt).toEqual(at(1100));
      });

      it('lists findings newest opened first, ties by id descending, filtering by status and honouring limit', async () => {
        await store.observeFinding(observation('k|old', 'f-old', -1000));
        await store.observeFinding(observation('k|new', 'f-new', 5000));
        await store.observeFinding(observation('k|a', 'f-a', 0));
        await store.observeFinding(observation('k|b', 'f-b', 0));
        // Refreshing does not move a finding: the order is by openedAt.
        await store.observeFinding(observation('k|old', 'unused', 9000));
        await store.resolveFinding('f-b', at(6000));
        expect(await ids()).toEqual(['f-new', 'f-b', 'f-a', 'f-old']);
        expect(await ids({ limit: 2 })).toEqual(['f-new', 'f-b']);
        expect(await ids({ limit: 0 })).toEqual([]);
        expect(await ids({ status: 'open' })).toEqual(['f-new', 'f-a', 'f-old']);
        expect(await ids({ status: 'open', limit: 1 })).toEqual(['f-new']);
        expect(await ids({ status: 'resolved' })).toEqual(['f-b']);
        await expectStoreError(store.listFindings({ limit: -1 }), /limit/);
        await expectStoreError(store.listFindings({ limit: 1.5 }), /limit/);
      });

      it('returns null for an unknown finding and fails on writes to one', async () => {
        expect(await store.getFinding('ghost')).toBeNull();
        await expectStoreError(store.resolveFinding('ghost', at(1)), /ghost.*does not exist/);
        await expectStoreError(store.markFindingNotified('ghost', 'open', at(1)), /ghost.*does not exist/);
        await expectStoreError(store.markFindingNotified('ghost', 'resolved', at(1)), /ghost.*does not exist/);
        expect(await store.listFindings()).toEqual([]);
      });

      it('refuses to open a finding under an id already taken, keeping the original', async () => {
        await store.observeFinding(observation('k|a', 'f-1', 1000));
        await expectStoreError(store.observeFinding(observation('k|b', 'f-1', 2000)), /f-1.*already exists/);
        expect(await store.getFinding('f-1')).toMatchObject({ key: 'k|a', openedAt: at(1000) });
        expect(await ids()).toEqual(['f-1']);
      });

      it('rejects invalid dates', async () => {
        await expectStoreError(store.observeFinding(observation('k|a', 'f-1', 0, { at: new Date(NaN) })), /date/);
        expect(await store.getFinding('f-1')).toBeNull();
        await store.observeFinding(observation('k|a', 'f-1', 0));
        await expectStoreError(store.resolveFinding('f-1', new Date(NaN)), /date/);
        expect((await store.getFinding('f-1'))?.status).toBe('open');
      });

      it('round-trips the detail document deep-equal', async () => {
        const detail = {
          instanceId: 'jira-1', region: 'eu-west-1', ageHours: 30.5, rpoHours: 24, ok: false, none: null,
          snapshots: [{ id: 's1', createdAt: '2026-11-23T10:00:00.000Z' }, { id: 's2', tags: { a: 'b' } }],
          note: 'ünïcödé "quoted"',
        };
        await store.observeFinding(observation('k|a', 'f-1', 0, { detail }));
        expect((await store.getFinding('f-1'))?.detail).toEqual(detail);
        expect((await store.listFindings())[0]?.detail).toEqual(detail);
      });

      it('hands out copies: mutating returned objects or arguments does not change the store', async () => {
        const when = at(1000);
        const detail = { nested: { n: 1 }, list: [1] };
        const opened = (await store.observeFinding(observation('k|a', 'f-1', 0, { at: when, detail }))) as unknown as Record<string, any>;
        when.setTime(0);
        detail.nested.n = 2;
        detail.list.push(2);
        opened.openedAt.setTime(0);
        opened.detail.nested.n = 3;
        opened.status = 'resolved';

        const got = (await store.getFinding('f-1')) as unknown as Record<string, any>;
        got.lastSeenAt.setTime(0);
        got.detail.list.push(9);
        const [listed] = (await store.listFindings()) as unknown as Record<string, any>[];
        listed!.openedAt.setTime(0);
        listed!.detail.extra = true;
        const again = (await store.observeFinding(observation('k|a', 'f-2', 2000, { detail: { x: 1 } }))) as unknown as Record<string, any>;
        again.detail.x = 2;

        expect(await store.getFinding('f-1')).toMatchObject({
          status: 'open', openedAt: at(1000), lastSeenAt: at(2000), detail: { x: 1 },
        });
      });

      it('acknowledges an open finding, keeps it across refreshes, and clears it', async () => {
        await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        const ack = { by: 'alice', reason: 'OPS-12: instance being migrated', until: at(7 * 86_400_000) };
        expect(await store.acknowledgeFinding('f-1', ack)).toBe(true);
        expect((await store.getFinding('f-1'))?.acknowledged).toEqual(ack);
        const refreshed = await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-2', 5000));
        expect(refreshed.acknowledged).toEqual(ack);
        expect((await store.listFindings({ status: 'open' }))[0]?.acknowledged).toEqual(ack);
        expect(await store.acknowledgeFinding('f-1', null)).toBe(true);
        expect((await store.getFinding('f-1'))?.acknowledged).toBeNull();
      });

      it('acknowledges only open findings, and refuses an unknown one', async () => {
        await store.observeFinding(observation('Snapshot Missed|jira-1', 'f-1', 1000));
        await store.resolveFinding('f-1', at(2000));
        expect(await store.acknowledgeFinding('f-1', { by: 'bob', reason: 'late', until: at(3000) })).toBe(false);
        expect((await store.getFinding('f-1'))?.acknowledged).toBeNull();
        await expectStoreError(store.acknowledgeFinding('f-404', null), /f-404/);
      });

      it('hands out copies of the first detail too', async () => {
        const detail = { nested: { n: 1 } };
        await store.observeFinding(observation('k|a', 'f-1', 0, { detail }));
        detail.nested.n = 2;
        const got = (await store.getFinding('f-1')) as unknown as Record<string, any>;
        got.detail.nested.n = 3;
        expect((await store.getFinding('f-1'))?.detail).toEqual({ nested: { n: 1 } });
      });
    });

    describe('leases', () => {
      const TTL = 60_000;
      const acquire = (owner: string, ms: number, name = 'instance:db-a', ttl = TTL) => store.acquireLease(name, owner, ttl, at(ms));

      it('says who holds a lease, and nobody once it has expired', async () => {
        expect(await store.leaseHolder('instance:db-a', at(0))).toBeNull();
        expect(await acquire('run-1', 0)).toBe(true);
        expect(await store.leaseHolder('instance:db-a', at(TTL - 1))).toBe('run-1');
        expect(await store.leaseHolder('instance:db-a', at(TTL))).toBeNull();
      });

      it('takes a live lease from the holder it replaces (a dead run), and from no one else', async () => {
        expect(await acquire('run-dead', 0)).toBe(true);
        expect(await store.acquireLease('instance:db-a', 'run-2', TTL, at(1), 'run-other')).toBe(false);
        expect(await store.acquireLease('instance:db-a', 'run-2', TTL, at(1), 'run-dead')).toBe(true);
        expect(await store.leaseHolder('instance:db-a', at(2))).toBe('run-2');
        // The dead run's id no longer opens it: the new holder keeps it.
        expect(await store.acquireLease('instance:db-a', 'run-3', TTL, at(3), 'run-dead')).toBe(false);
      });

      it('grants a free lease', async () => {
        expect(await acquire('run-1', 0)).toBe(true);
      });

      it('refuses another owner while the lease is unexpired', async () => {
        expect(await acquire('run-1', 0)).toBe(true);
        expect(await acquire('run-2', 1000)).toBe(false);
        expect(await acquire('run-2', TTL - 1)).toBe(false);
      });

      it('renews for the owner, counting the new ttl from the renewal', async () => {
        expect(await acquire('run-1', 0)).toBe(true);
        expect(await acquire('run-1', 50_000)).toBe(true);
        expect(await acquire('run-2', 50_000 + TTL - 1)).toBe(false);
        expect(await acquire('run-2', 50_000 + TTL)).toBe(true);
      });

      it('lets another owner take an expired lease, which then is theirs', async () => {
        expect(await acquire('run-1', 0)).toBe(true);
        // Held until at(0) + ttl, exclusive.
        expect(await acquire('run-2', TTL)).toBe(true);
        expect(await acquire('run-1', TTL + 1)).toBe(false);
        expect(await acquire('run-3', 10 * TTL)).toBe(true);
      });

      it('keeps leases of different names apart', async () => {
        expect(await acquire('run-1', 0, 'instance:db-a')).toBe(true);
        expect(await acquire('run-2', 0, 'instance:db-b')).toBe(true);
        expect(await acquire('run-2', 1, 'instance:db-a')).toBe(false);
        expect(await acquire('run-1', 1, 'instance:db-b')).toBe(false);
      });

      it('ignores a release by anyone but the owner', async () => {
        expect(await acquire('run-1', 0)).toBe(true);
        await store.releaseLease('instance:db-a', 'run-2');
        await store.releaseLease('instance:never-taken', 'run-2');
        expect(await acquire('run-2', 1)).toBe(false);
        expect(await acquire('run-1', 2)).toBe(true);
      });

      it('frees the lease when its owner releases it', async () => {
        expect(await acquire('run-1', 0)).toBe(true);
        await store.releaseLease('instance:db-a', 'run-1');
        expect(await acquire('run-2', 1)).toBe(true);
        // Releasing again (no longer the owner) leaves the new owner's lease alone.
        await store.releaseLease('instance:db-a', 'run-1');
        expect(await acquire('run-3', 2)).toBe(false);
      });

      it('grants a contested lease to exactly one of two racing owners', async () => {
        // Both calls are under way before either result is read.
        const pending = [acquire('run-1', 0), acquire('run-2', 0)];
        const granted = await Promise.all(pending);
        expect(granted.filter(Boolean)).toHaveLength(1);
        const winner = granted[0] ? 'run-1' : 'run-2';
        const loser = granted[0] ? 'run-2' : 'run-1';
        expect(await acquire(winner, 1)).toBe(true);
        expect(await acquire(loser, 2)).toBe(false);
      });

      it('rejects an invalid date or ttl, granting nothing', async () => {
        await expectStoreError(store.acquireLease('instance:db-a', 'run-1', TTL, new Date(NaN)), /date/);
        await expectStoreError(acquire('run-1', 0, 'instance:db-a', 0), /ttl/);
        await expectStoreError(acquire('run-1', 0, 'instance:db-a', Number.NaN), /ttl/);
        expect(await acquire('run-2', 0)).toBe(true);
      });
    });

    describeDrillStoreContract(() => store);

    describe('compliance history', () => {
      const entry = (day: string, instanceId: string, over: Partial<ComplianceDay> = {}): ComplianceDay => ({
        day, instanceId, tier: 1,
        band: { instanceLoss: 'compliant', regionLoss: 'exceeded' },
        achieved: { instanceLoss: 300, regionLoss: 5400 },
        recordedAt: new Date(`${day}T10:05:00.000Z`), ...over,
      });

      it('returns what was put, by day then instance, within the range asked', async () => {
        await store.putCompliance([entry('2026-11-24', 'db-b'), entry('2026-11-23', 'db-a'), entry('2026-11-24', 'db-a')]);
        await store.putCompliance([entry('2026-11-25', 'db-a', { band: { instanceLoss: 'unknown', regionLoss: 'critical' }, achieved: { instanceLoss: null, regionLoss: null }, tier: 0 })]);
        expect(await store.listCompliance({ from: '2026-11-24', to: '2026-11-25' })).toEqual([
          entry('2026-11-24', 'db-a'),
          entry('2026-11-24', 'db-b'),
          entry('2026-11-25', 'db-a', { band: { instanceLoss: 'unknown', regionLoss: 'critical' }, achieved: { instanceLoss: null, regionLoss: null }, tier: 0 }),
        ]);
        expect(await store.listCompliance({ from: '2026-11-01', to: '2026-11-22' })).toEqual([]);
      });

      it('replaces the entry of the same day and instance', async () => {
        await store.putCompliance([entry('2026-11-24', 'db-a')]);
        const worse = entry('2026-11-24', 'db-a', { band: { instanceLoss: 'severe', regionLoss: 'exceeded' }, achieved: { instanceLoss: 9000, regionLoss: 5400 }, recordedAt: new Date('2026-11-24T18:00:00.000Z') });
        await store.putCompliance([worse]);
        expect(await store.listCompliance({ from: '2026-11-24', to: '2026-11-24' })).toEqual([worse]);
      });

      it('keeps 400 days: an older day is never listed again', async () => {
        await store.putCompliance([entry('2025-10-20', 'db-old'), entry('2025-10-21', 'db-kept')]);
        await store.putCompliance([entry('2026-11-24', 'db-a')]);
        // 400 days with 2026-11-24 included: 2025-10-21 is the oldest kept day.
        const listed = await store.listCompliance({ from: '2025-01-01', to: '2026-11-24' });
        expect(listed.map((e) => `${e.day} ${e.instanceId}`)).toEqual(['2025-10-21 db-kept', '2026-11-24 db-a']);
      });

      it('copies: changing a returned entry changes nothing stored', async () => {
        await store.putCompliance([entry('2026-11-24', 'db-a')]);
        const [got] = await store.listCompliance({ from: '2026-11-24', to: '2026-11-24' });
        (got!.band as { instanceLoss: string }).instanceLoss = 'critical';
        expect((await store.listCompliance({ from: '2026-11-24', to: '2026-11-24' }))[0]!.band.instanceLoss).toBe('compliant');
      });

      it('refuses a bad entry naming the field and value, storing none of the batch', async () => {
        const bad = entry('2026-11-24', 'db-b', { band: { instanceLoss: 'green' as never, regionLoss: 'compliant' } });
        await expectStoreError(store.putCompliance([entry('2026-11-24', 'db-a'), bad]), /band\.instanceLoss.*"green"/);
        await expectStoreError(store.putCompliance([entry('2026-11-31', 'db-a')]), /YYYY-MM-DD.*2026-11-31/);
        await expectStoreError(store.listCompliance({ from: 'last week', to: '2026-11-24' }), /from.*last week/);
        expect(await store.listCompliance({ from: '2026-11-01', to: '2026-11-30' })).toEqual([]);
      });

      it('stores a fleet-sized day in one call', async () => {
        const day = Array.from({ length: 120 }, (_, i) => entry('2026-11-24', `db-${String(i).padStart(3, '0')}`));
        await store.putCompliance(day);
        expect(await store.listCompliance({ from: '2026-11-24', to: '2026-11-24' })).toEqual(day);
      });
    });

    describe('member ledger', () => {
      const snap = (id: string, region: string, status = 'available'): Snapshot => ({
        id, arn: `arn:aws:rds:${region}:123456789012:snapshot:${id}`, kind: 'instance', region, dbId: 'db-a', status,
        snapshotType: 'manual', createdAt: at(1000), originalCreatedAt: region === 'eu-west-1' ? at(1000) : null, encrypted: true,
        kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k', tags: { 'snapward:managed': 'true', 'snapward:instance': 'db-a' },
      });
      const state = (key: string, over: Partial<MemberState> = {}): MemberState => ({
        key, dueAt: at(86_400_000), auditedAt: t0, policy: 'eu-central-1|86400000|30',
        pending: [{ id: 'sw-db-a-2', region: 'eu-central-1', kind: 'instance' }],
        snapshots: [snap('sw-db-a-1', 'eu-west-1'), snap('sw-db-a-2', 'eu-central-1', 'copying')], updatedAt: at(5),
        firstSeenAt: at(-86_400_000), lost: [{ snapshot: snap('sw-db-a-0', 'eu-central-1'), noticedAt: at(4), lastSeenAt: at(2) }],
        steps: [
          { id: 'copy:eu-central-1/sw-db-a-2', kind: 'copy', target: { id: 'sw-db-a-2', region: 'eu-central-1', kind: 'instance' }, slot: { account: '123456789012', region: 'eu-central-1', dbKind: 'instance' },
            phase: 'in-flight', attempts: 0, nextAttemptAt: null, lastError: null, startedAt: at(3), finishedAt: null, reason: null },
          { id: 'create:eu-west-1/sw-db-a-3', kind: 'create', target: { id: 'sw-db-a-3', region: 'eu-west-1', kind: 'instance' }, slot: null,
            phase: 'backoff', attempts: 2, nextAttemptAt: at(9), lastError: { code: 'ACCESS_DENIED', message: 'denied', step: 'create' }, startedAt: null, finishedAt: null, reason: 'backing off' },
        ],
        ...over,
      });

      it('round-trips the member\'s vault copies, and reads an entry written without them as having none', async () => {
        const key = 'eu-west-1/instance/db-a';
        const vaultCopy = { ...snap('sw-v111111111111-db-a-1', 'eu-central-1', 'copying'), arn: 'arn:aws:rds:eu-central-1:999999999999:snapshot:sw-v111111111111-db-a-1', tags: { 'snapward:managed': 'true', 'snapward:instance': 'db-a', 'snapward:vault': 'true', 'snapward:source-account': '111111111111' } };
        const s = state(key, { vault: [vaultCopy] });
        await store.putMemberState(s);
        expect(await store.getMemberState(key)).toEqual(s);
        expect((await store.getMemberState(key))?.vault?.[0]?.createdAt).toEqual(at(1000));
        await store.putMemberState(state(key));
        expect(await store.getMemberState(key)).not.toHaveProperty('vault');
        expect((await store.listMemberStates())[0]).not.toHaveProperty('vault');
      });

      it('has no state for an unknown member', async () => {
        expect(await store.getMemberState('eu-west-1/instance/nope')).toBeNull();
        expect(await store.listMemberStates()).toEqual([]);
      });

      it('round-trips a state with its snapshots, dates and all', async () => {
        const s = state('eu-west-1/instance/db-a');
        await store.putMemberState(s);
        expect(await store.getMemberState(s.key)).toEqual(s);
      });

      it('lists summaries without snapshots, ordered by key', async () => {
        await store.putMemberState(state('eu-west-1/instance/db-b', { auditedAt: null }));
        await store.putMemberState(state('eu-west-1/instance/db-a'));
        const list = await store.listMemberStates();
        expect(list.map((x) => x.key)).toEqual(['eu-west-1/instance/db-a', 'eu-west-1/instance/db-b']);
        const { snapshots: _omitted, firstSeenAt: _first, lost: _lost, steps: _steps, ...summary } = state('eu-west-1/instance/db-b', { auditedAt: null });
        expect(list[1]).toEqual(summary);
        expect(list[0]).not.toHaveProperty('snapshots');
      });

      it('replaces a state on put, and a caller changing its copy changes nothing stored', async () => {
        const key = 'eu-west-1/instance/db-a';
        await store.putMemberState(state(key));
        await store.putMemberState(state(key, { dueAt: at(7), pending: [], snapshots: [snap('sw-db-a-3', 'eu-west-1')] }));
        const got = await store.getMemberState(key);
        expect(got?.dueAt).toEqual(at(7));
        expect(got?.snapshots.map((x) => x.id)).toEqual(['sw-db-a-3']);
        (got?.snapshots as Snapshot[]).push(snap('intruder', 'eu-west-1'));
        expect((await store.getMemberState(key))?.snapshots.map((x) => x.id)).toEqual(['sw-db-a-3']);
      });

      it('reads a state written before first sightings and lost points were kept as having neither', async () => {
        const key = 'eu-west-1/instance/db-a';
        const { firstSeenAt: _f, lost: _l, steps: _s, ...old } = state(key);
        await store.putMemberState(old);
        const got = await store.getMemberState(key);
        expect(got?.firstSeenAt).toBeNull();
        expect(got?.lost).toEqual([]);
        expect(got?.steps).toEqual([]);
        expect(got?.snapshots.map((x) => x.id)).toEqual(['sw-db-a-1', 'sw-db-a-2']);
      });

      it('refuses a state with an invalid date, keeping what was stored', async () => {
        const key = 'eu-west-1/instance/db-a';
        await store.putMemberState(state(key));
        await expectStoreError(store.putMemberState(state(key, { dueAt: new Date(Number.NaN) })), /dueAt/);
        expect((await store.getMemberState(key))?.dueAt).toEqual(at(86_400_000));
      });
    });
  });
}

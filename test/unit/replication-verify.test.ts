import { verifyReplication, VerifyReplicationRequest } from '../../src/app/verify-replication';
import { AttachmentPair } from '../../src/domain/config';
import { SnapwardError } from '../../src/domain/errors';
import { PairResult } from '../../src/domain/replication/result';
import { MAX_EXAMPLES } from '../../src/domain/replication/tally';
import { HOUR, MINUTE } from '../../src/domain/time';
import { harness, Harness } from '../support/app-harness';

const NOW = '2026-11-24T10:00:00Z';
const ago = (ms: number): Date => new Date(Date.parse(NOW) - ms);

const attachment = (name: string, overrides: Partial<AttachmentPair> = {}): AttachmentPair => ({
  name,
  tier: 1,
  source: { bucket: `${name}-src`, region: 'us-east-1' },
  replica: { bucket: `${name}-dr`, region: 'us-west-2' },
  prefix: '',
  ...overrides,
});

/** A harness with pairs whose buckets exist, are versioned and have an enabled rule. */
function setup(pairs: AttachmentPair[] = [attachment('media')]): Harness {
  const h = harness({ attachments: pairs }, NOW);
  for (const p of pairs) h.objects.addPair(p.source.bucket, p.replica.bucket, [p.source.region, p.replica.region]);
  return h;
}

/** `n` objects replicated to the replica, object i written i minutes ago. */
function replicated(h: Harness, pair: AttachmentPair, n: number, status: 'COMPLETED' | null = 'COMPLETED'): void {
  for (let i = 0; i < n; i++) {
    const key = `att/${String(i).padStart(5, '0')}`;
    h.objects.put(pair.source.bucket, key, { lastModified: ago(i * MINUTE), size: 10, status, versionId: `v-${i}` });
    h.objects.put(pair.replica.bucket, key, { lastModified: ago(i * MINUTE), size: 10, status: status && 'REPLICA', versionId: `v-${i}` });
  }
}

const run = (h: Harness, request: Partial<VerifyReplicationRequest> = {}) => verifyReplication(h.deps, { trigger: 'test', mode: 'full', ...request });
const only = (pairs: readonly PairResult[]): PairResult => pairs[0] as PairResult;

describe('verify-replication, full mode', () => {
  it('a fully replicated pair is ok, with RPO 0 against the tier target', async () => {
    const h = setup();
    replicated(h, attachment('media'), 50);
    const report = await run(h);
    expect(report.outcome).toBe('succeeded');
    expect(only(report.pairs)).toMatchObject({
      name: 'media',
      mode: 'full',
      ok: true,
      objects: { listed: 50, checked: 50, missing: 0, mismatched: 0, extra: 0, failed: 0, pending: 0 },
      oldestMissingSeconds: null,
      rpo: { targetSeconds: 3600, achievedSeconds: 0, compliant: true },
      error: null,
    });
  });

  it('counts missing, mismatched and extra objects; the oldest missing object is the achieved RPO', async () => {
    const h = setup();
    const pair = attachment('media');
    replicated(h, pair, 30);
    h.objects.buckets.get('media-dr')?.objects.delete('att/00003');
    h.objects.buckets.get('media-dr')?.objects.delete('att/00020');
    h.objects.put('media-src', 'att/new', { lastModified: ago(2 * 60 * MINUTE), size: 4 }); // 2 h old, never replicated
    h.objects.put('media-dr', 'att/00005', { lastModified: ago(0), size: 99 });
    h.objects.put('media-dr', 'zzz/only-in-replica', { lastModified: ago(0), size: 1 });

    const result = only((await run(h)).pairs);
    expect(result.ok).toBe(false);
    expect(result.objects).toMatchObject({ checked: 31, missing: 3, mismatched: 1, extra: 1 });
    expect(result.objects.examples.missing.map((e) => e.key)).toEqual(['att/new', 'att/00020', 'att/00003']); // oldest first
    expect(result.objects.examples.mismatched).toEqual([expect.objectContaining({ key: 'att/00005', reason: 'size', sourceSize: 10, replicaSize: 99 })]);
    expect(result.objects.examples.extra).toEqual([{ key: 'zzz/only-in-replica', size: 1 }]);
    expect(result.oldestMissingSeconds).toBe(7200);
    expect(result.rpo).toEqual({ targetSeconds: 3600, achievedSeconds: 7200, compliant: false });
  });

  it('objects only in the replica are informational: the pair stays ok', async () => {
    const h = setup();
    h.objects.put('media-dr', 'deleted-in-source', { lastModified: ago(HOUR) });
    const result = only((await run(h)).pairs);
    expect(result).toMatchObject({ ok: true, objects: { extra: 1, checked: 0 } });
  });

  it('keeps a bounded number of examples, calls HeadObject only for them, and counts recent misses', async () => {
    const h = setup();
    for (let i = 0; i < 500; i++) h.objects.put('media-src', `k${String(i).padStart(4, '0')}`, { lastModified: ago(i * MINUTE), size: 1, status: i === 499 ? 'FAILED' : null });
    for (let i = 0; i < 500; i += 2) h.objects.put('media-dr', `k${String(i).padStart(4, '0')}`, { lastModified: ago(0), size: i % 4 === 0 ? 1 : 2 });
    const result = only((await run(h)).pairs);
    expect(result.objects).toMatchObject({ checked: 500, missing: 250, mismatched: 125 });
    expect(result.objects.missingRecent).toBe(7); // k0001..k0013 odd: written < 15 min ago
    expect(result.objects.examples.missing).toHaveLength(MAX_EXAMPLES);
    expect(result.objects.examples.missing[0]).toMatchObject({ key: 'k0499', ageSeconds: 499 * 60, sourceStatus: 'FAILED' });
    expect(result.objects.examples.mismatched).toHaveLength(MAX_EXAMPLES);
    expect(result.objects.failed).toBe(1); // found on the examples' HeadObject
    expect(h.objects.count('headObject')).toBe(MAX_EXAMPLES + 2 * MAX_EXAMPLES);
  });

  it('flags a mismatched example whose replica is a REPLICA of another version', async () => {
    const h = setup();
    h.objects.put('media-src', 'a', { lastModified: ago(HOUR), size: 2, status: 'COMPLETED', versionId: 'v2' });
    h.objects.put('media-dr', 'a', { lastModified: ago(HOUR), size: 1, status: 'REPLICA', versionId: 'v1' });
    const example = only((await run(h)).pairs).objects.examples.mismatched[0];
    expect(example).toEqual({ key: 'a', reason: 'version', sourceSize: 2, replicaSize: 1, sourceVersionId: 'v2', replicaVersionId: 'v1', replicaStatus: 'REPLICA' });
  });

  it('only looks under the pair prefix', async () => {
    const pair = attachment('media', { prefix: 'att/' });
    const h = setup([pair]);
    h.objects.put('media-src', 'att/a', { lastModified: ago(0) }).put('media-dr', 'att/a', { lastModified: ago(0) });
    h.objects.put('media-src', 'other/never-replicated', { lastModified: ago(HOUR) });
    expect(only((await run(h)).pairs)).toMatchObject({ ok: true, objects: { checked: 1, missing: 0 } });
  });

  it('merges across page boundaries', async () => {
    const h = setup();
    h.objects.pageSize = 3;
    replicated(h, attachment('media'), 20);
    h.objects.buckets.get('media-dr')?.objects.delete('att/00010');
    expect(only((await run(h)).pairs).objects).toMatchObject({ checked: 20, missing: 1, mismatched: 0, extra: 0 });
  });
});

describe('verify-replication, sample mode', () => {
  it('counts FAILED and overdue PENDING sources; recent PENDING and COMPLETE(D) are fine', async () => {
    const h = setup();
    const put = (key: string, status: 'FAILED' | 'PENDING' | 'COMPLETED', age: number, replica = true) => {
      h.objects.put('media-src', key, { lastModified: ago(age), status, size: 3 });
      if (replica) h.objects.put('media-dr', key, { lastModified: ago(age), status: 'REPLICA', size: 3 });
    };
    put('done', 'COMPLETED', HOUR);
    put('failed', 'FAILED', 2 * HOUR, false);
    put('pending-old', 'PENDING', 20 * MINUTE, false);
    put('pending-new', 'PENDING', 5 * MINUTE, false);
    const result = only((await run(h, { mode: 'sample', sampleSize: 10 })).pairs);
    expect(result).toMatchObject({ mode: 'sample', ok: false, objects: { checked: 4, failed: 1, pending: 1, missing: 3, missingRecent: 1 } });
    expect(result.objects.examples.failed).toEqual([{ key: 'failed', lastModified: ago(2 * HOUR).toISOString(), ageSeconds: 7200 }]);
    expect(result.objects.examples.pending.map((e) => e.key)).toEqual(['pending-old']);
    expect(result.objects.examples.missing.map((e) => [e.key, e.sourceStatus])).toEqual([['failed', 'FAILED'], ['pending-old', 'PENDING'], ['pending-new', 'PENDING']]);
  });

  it('a sample of a healthy pair is ok; objects without a replication status are counted as not tracked', async () => {
    const h = setup();
    replicated(h, attachment('media'), 40, null); // what moto gives: no status at all
    const result = only((await run(h, { mode: 'sample', sampleSize: 10 })).pairs);
    expect(result).toMatchObject({ ok: true, objects: { listed: 40, checked: 10, notTracked: 10, missing: 0 } });
    expect(h.objects.count('headObject')).toBe(20);
  });

  it('flags a replica of another version, but not while the source is still PENDING', async () => {
    const h = setup();
    h.objects.put('media-src', 'done', { lastModified: ago(HOUR), status: 'COMPLETED', versionId: 'v9' });
    h.objects.put('media-dr', 'done', { lastModified: ago(HOUR), status: 'REPLICA', versionId: 'v8' });
    h.objects.put('media-src', 'moving', { lastModified: ago(MINUTE), status: 'PENDING', versionId: 'v9' });
    h.objects.put('media-dr', 'moving', { lastModified: ago(HOUR), status: 'REPLICA', versionId: 'v8' });
    const result = only((await run(h, { mode: 'sample' })).pairs);
    expect(result.objects.mismatched).toBe(1);
    expect(result.objects.examples.mismatched).toEqual([expect.objectContaining({ key: 'done', reason: 'version' })]);
  });

  it('draws the same sample again from the same seed', async () => {
    const h = setup();
    replicated(h, attachment('media'), 200);
    const heads = async (seed: number) => {
      h.objects.calls.length = 0;
      await run(h, { mode: 'sample', sampleSize: 20, seed });
      return h.objects.calls.filter((c) => c.op === 'headObject').map((c) => c.arg).sort();
    };
    expect(await heads(5)).toEqual(await heads(5));
    expect(await heads(5)).not.toEqual(await heads(6));
  });

  it('refreshes the run heartbeat while a long listing goes on', async () => {
    const h = setup();
    h.objects.pageSize = 2;
    replicated(h, attachment('media'), 10);
    const clock = { now: () => (h.clock.advance(MINUTE), h.clock.now()) }; // every look at the clock is a minute later
    const beats: Date[] = [];
    const store = Object.assign(Object.create(h.store), { heartbeat: async (_id: string, at: Date) => void beats.push(at) });
    await verifyReplication(h.with({ clock, store }), { trigger: 'test', mode: 'sample' });
    expect(beats.length).toBeGreaterThanOrEqual(4);
  });
});

describe('verify-replication runs', () => {
  it('records a verify-replication run with every pair result in details', async () => {
    const h = setup();
    const report = await run(h);
    const record = await h.store.getRun(report.runId);
    expect(record).toMatchObject({ kind: 'verify-replication', trigger: 'test', outcome: 'succeeded', error: null, summary: null });
    expect(record?.details).toEqual(JSON.parse(JSON.stringify({ pairs: report.pairs })));
  });

  it('reports configuration problems and records the run as partial', async () => {
    const h = setup();
    h.objects.buckets.get('media-dr')!.versioning = 'Suspended';
    const report = await run(h);
    expect(report.outcome).toBe('partial');
    expect(only(report.pairs)).toMatchObject({ ok: false, config: { problems: [{ code: 'REPLICA_VERSIONING_OFF' }] } });
    expect((await h.store.getRun(report.runId))?.outcome).toBe('partial');
  });

  it('a pair that cannot be checked is recorded with its error; the other pairs are still verified', async () => {
    const pairs = [attachment('gone'), attachment('media')];
    const h = setup(pairs);
    h.objects.buckets.delete('gone-src');
    h.objects.fail('listObjects', 'media-dr', () => new SnapwardError('ACCESS_DENIED', 'AccessDenied: no'));
    const report = await run(h);
    expect(report.outcome).toBe('failed');
    expect(report.pairs.map((p) => [p.name, p.ok, p.error?.code, p.error?.step])).toEqual([
      ['gone', false, 'BUCKET_NOT_FOUND', 'config'],
      ['media', false, 'ACCESS_DENIED', 'objects'],
    ]);
    expect(report.pairs[0]?.rpo).toEqual({ targetSeconds: 3600, achievedSeconds: null, compliant: null });
    expect(report.pairs[1]?.config.problems).toEqual([]); // learnt before the listing failed
    expect(await h.store.getRun(report.runId)).toMatchObject({ outcome: 'failed', error: { code: 'BUCKET_NOT_FOUND' } });
  });

  it('checks one pair with name', async () => {
    const h = setup([attachment('a'), attachment('b')]);
    const report = await run(h, { name: 'b' });
    expect(report.pairs.map((p) => p.name)).toEqual(['b']);
    expect(h.objects.calls.some((c) => c.arg.startsWith('a-'))).toBe(false);
  });

  it('uses the tier of the pair for the RPO target', async () => {
    const h = setup([attachment('t3', { tier: 3 })]);
    expect(only((await run(h)).pairs).rpo.targetSeconds).toBe(24 * 3600);
  });

  it('marks runs of dead processes interrupted before starting', async () => {
    const h = setup();
    await h.store.startRun({ id: 'r-dead', kind: 'verify-replication', trigger: 'cli', startedAt: ago(HOUR), owner: { host: 'test', pid: 4242 } });
    h.deadPids.add(4242);
    await run(h);
    expect((await h.store.getRun('r-dead'))?.outcome).toBe('interrupted');
  });

  it.each<[string, Partial<VerifyReplicationRequest>, AttachmentPair[], RegExp]>([
    ['an unknown pair', { name: 'nope' }, [attachment('media')], /attachment pair "nope" is not configured; expected one of: media/],
    ['no pairs configured', {}, [], /no attachment bucket pairs are configured/],
    ['a sample of 0', { mode: 'sample', sampleSize: 0 }, [attachment('media')], /sample size: got 0, expected a whole number from 1 to 10000/],
  ])('refuses %s with USAGE, touching nothing', async (_name, request, pairs, message) => {
    const h = setup(pairs);
    await expect(run(h, request)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(message) });
    expect(await h.store.listRuns()).toEqual([]);
    expect(h.objects.calls).toEqual([]);
  });
});

import { AttachmentPair, BucketRef } from '../domain/config';
import { ErrorInfo, SnapwardError, toErrorInfo } from '../domain/errors';
import { fnv1a32 } from '../domain/naming';
import { checkPairConfig, ConfigCheck } from '../domain/replication/config-check';
import { mergeListings } from '../domain/replication/merge';
import { ObjectChecks, PairResult, pairResult, verificationOutcome, VerifyMode } from '../domain/replication/result';
import { SampleSelector, seededRandom } from '../domain/replication/sample';
import { itemsOf, readAhead } from '../domain/replication/streams';
import { ObjectTally } from '../domain/replication/tally';
import { MINUTE } from '../domain/time';
import { RunOutcome, RunTrigger } from '../ports/state-store';
import { forEachLimit } from './concurrency';
import { AppDeps } from './deps';
import { withRun } from './with-run';

export const DEFAULT_SAMPLE_SIZE = 100;
export const MAX_SAMPLE_SIZE = 10_000;
/** HeadObject calls in flight per pair in sample mode (two per sampled key). */
const HEAD_CONCURRENCY = 16;
/** A full check of millions of objects runs for minutes: keep the run's heartbeat fresh so no one reaps it. */
const HEARTBEAT_EVERY_MS = MINUTE;

export interface VerifyReplicationRequest {
  readonly trigger: RunTrigger;
  /** Only this pair; default: every configured pair. */
  readonly name?: string;
  /** `full`: every object, by merging both listings; `sample`: HeadObject on a sample of the source. */
  readonly mode: VerifyMode;
  readonly sampleSize?: number;
  /** Seed of the sample's random part. Default: derived from the run id, so a run's sample can be drawn again. */
  readonly seed?: number;
}

export interface VerifyReplicationReport {
  readonly runId: string;
  readonly at: Date;
  readonly outcome: Exclude<RunOutcome, 'running' | 'interrupted'>;
  readonly pairs: readonly PairResult[];
}

/**
 * Checks that S3 replication really copies each attachment bucket to its replica: the buckets'
 * configuration, then the objects (all of them, or a sample). Recorded as a run of kind
 * `verify-replication` with every pair's result in `details.pairs`. A pair that cannot be checked
 * (an AWS error) is recorded with its error and the others still run.
 *
 * @throws SnapwardError USAGE for an unknown pair name, a bad sample size or no pairs configured (nothing is touched).
 */
export async function verifyReplication(deps: AppDeps, request: VerifyReplicationRequest): Promise<VerifyReplicationReport> {
  const pairs = selectPairs(deps, request);
  const sampleSize = request.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(sampleSize) || sampleSize < 1 || sampleSize > MAX_SAMPLE_SIZE) {
    throw new SnapwardError('USAGE', `sample size: got ${sampleSize}, expected a whole number from 1 to ${MAX_SAMPLE_SIZE}`);
  }
  const { store, clock } = deps;
  // AWS failures are caught per pair: only the state store or a bug fails the run (withRun records it).
  return withRun(deps, { kind: 'verify-replication', trigger: request.trigger }, async ({ id: runId, startedAt: at }) => {
    const seed = request.seed ?? parseInt(fnv1a32(runId), 16);
    const logger = deps.logger.child({ runId, phase: 'verify-replication', mode: request.mode });
    let lastBeat = at.getTime();
    const beat = async (): Promise<void> => {
      const now = clock.now();
      if (now.getTime() - lastBeat < HEARTBEAT_EVERY_MS) return;
      lastBeat = now.getTime();
      await store.heartbeat(runId, now);
    };

    const results: PairResult[] = [];
    for (const pair of pairs) {
      const random = seededRandom(parseInt(fnv1a32(`${seed}|${pair.name}`), 16));
      const result = await verifyPair(deps, pair, { mode: request.mode, sampleSize, random, beat });
      logger.info({ pair: pair.name, ok: result.ok, ...counts(result.objects), problems: result.config.problems.length, error: result.error?.code }, 'pair verified');
      results.push(result);
    }
    const outcome = verificationOutcome(results);
    const error: ErrorInfo | null = results.find((r) => r.error)?.error ?? null;
    return { value: { runId, at, outcome, pairs: results }, outcome, error, details: { pairs: results } };
  });
}

function selectPairs(deps: AppDeps, request: VerifyReplicationRequest): readonly AttachmentPair[] {
  const all = deps.config.attachments;
  if (all.length === 0) {
    throw new SnapwardError('USAGE', `no attachment bucket pairs are configured: add them under attachments in ${deps.config.configPath ?? 'the configuration'}`);
  }
  if (request.name === undefined) return all;
  const pair = all.find((p) => p.name === request.name);
  if (!pair) throw new SnapwardError('USAGE', `attachment pair ${JSON.stringify(request.name)} is not configured; expected one of: ${all.map((p) => p.name).join(', ')}`);
  return [pair];
}

interface PairOptions {
  readonly mode: VerifyMode;
  readonly sampleSize: number;
  readonly random: () => number;
  readonly beat: () => Promise<void>;
}

async function verifyPair(deps: AppDeps, pair: AttachmentPair, options: PairOptions): Promise<PairResult> {
  const checkedAt = deps.clock.now();
  const policy = deps.config.tiers[pair.tier];
  let config: ConfigCheck = { problems: [], info: [] };
  let step = 'config';
  try {
    config = await checkConfig(deps, pair);
    step = 'objects';
    const tally = new ObjectTally(checkedAt);
    if (options.mode === 'full') await fullCheck(deps, pair, tally, options.beat);
    else await sampleCheck(deps, pair, tally, options);
    return pairResult(pair, policy, { mode: options.mode, checkedAt, config, ...tally.result(), error: null });
  } catch (err) {
    // Whatever was learnt before the failure (the configuration) stays in the result.
    return pairResult(pair, policy, { mode: options.mode, checkedAt, config, objects: null, oldestMissingSeconds: null, error: toErrorInfo(err, step) });
  }
}

async function checkConfig(deps: AppDeps, pair: AttachmentPair): Promise<ConfigCheck> {
  const { source, replica } = pair;
  const [sourceVersioning, replicaVersioning, replication, replicaRegion] = await Promise.all([
    deps.objects.getBucketVersioning(source.region, source.bucket),
    deps.objects.getBucketVersioning(replica.region, replica.bucket),
    deps.objects.getBucketReplication(source.region, source.bucket),
    deps.objects.getBucketLocation(replica.region, replica.bucket),
  ]);
  return checkPairConfig(pair, { sourceVersioning, replicaVersioning, replication, replicaRegion });
}

/**
 * Every object: one streaming pass merging both listings (each page fetched while the previous
 * one is merged). HeadObject is called only for the few examples, never per object: for their
 * replication status (missing ones) and version ids (mismatched ones).
 */
async function fullCheck(deps: AppDeps, pair: AttachmentPair, tally: ObjectTally, beat: () => Promise<void>): Promise<void> {
  const list = (b: BucketRef) => itemsOf(readAhead(deps.objects.listObjects(b.region, b.bucket, pair.prefix)));
  let n = 0;
  for await (const entry of mergeListings(list(pair.source), list(pair.replica))) {
    tally.add(entry);
    if (++n % 10_000 === 0) await beat();
  }
  for (const key of tally.missingKeys()) tally.noteSourceHead(await deps.objects.headObject(pair.source.region, pair.source.bucket, key));
  for (const key of tally.mismatchedKeys()) {
    const [source, replica] = await headBoth(deps, pair, key);
    tally.noteVersions(source, replica);
  }
}

/** A sample of the source (newest-weighted, see domain/replication/sample.ts), HeadObject on both sides. */
async function sampleCheck(deps: AppDeps, pair: AttachmentPair, tally: ObjectTally, options: PairOptions): Promise<void> {
  const selector = new SampleSelector(options.sampleSize, options.random);
  for await (const page of readAhead(deps.objects.listObjects(pair.source.region, pair.source.bucket, pair.prefix))) {
    for (const object of page) selector.offer(object);
    await options.beat();
  }
  tally.listed = selector.offered;
  const sample = selector.result();
  const heads: Awaited<ReturnType<typeof headBoth>>[] = new Array(sample.length);
  await forEachLimit(sample, HEAD_CONCURRENCY, async (object, i) => {
    heads[i] = await headBoth(deps, pair, object.key);
  });
  // Tallied in sample order, not completion order, so examples are the same from run to run.
  for (const [source, replica] of heads) tally.sampled(source, replica);
}

const headBoth = (deps: AppDeps, pair: AttachmentPair, key: string) =>
  Promise.all([
    deps.objects.headObject(pair.source.region, pair.source.bucket, key),
    deps.objects.headObject(pair.replica.region, pair.replica.bucket, key),
  ]);

function counts(o: ObjectChecks) {
  return { checked: o.checked, missing: o.missing, mismatched: o.mismatched, extra: o.extra, failed: o.failed, pending: o.pending };
}

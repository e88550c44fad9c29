import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { InstancePlan, planFleet } from '../domain/plan';
import { DbKind } from '../domain/types';
import { InstanceResult, RunOutcome, RunSummary, RunTrigger } from '../ports/state-store';
import { forEachLimit } from './concurrency';
import { AppDeps } from './deps';
import { executeInstance, PassContext } from './execute-instance';
import { resolveFleet } from './fleet';
import { loadInventory } from './inventory';
import { reapInterruptedRuns } from './runs';

export interface ReconcileOptions {
  readonly trigger: RunTrigger;
  /** Plan and report, change nothing (no AWS writes, no run recorded). */
  readonly dryRun?: boolean;
  /** Once aborted, no new instance is started; the run is recorded as interrupted. */
  readonly signal?: AbortSignal;
  /**
   * Asked before each instance starts; once it says yes, no new instance is started (a Lambda
   * near its timeout). `reason` goes into the run record.
   */
  readonly shouldStop?: () => boolean;
  readonly stopReason?: string;
}

/** What a dry run would do for one instance. */
export interface PlannedInstance {
  readonly instanceId: string;
  readonly kind: DbKind;
  readonly region: string;
  readonly drRegion: string;
  readonly create: string | null;
  readonly copy: readonly { id: string; to: string }[];
  readonly deferredCopy: readonly { id: string; to: string }[];
  readonly delete: readonly { id: string; region: string }[];
  readonly inProgress: readonly { id: string; region: string; status: string }[];
  readonly blockers: readonly string[];
  readonly warnings: readonly string[];
}

export interface ReconcileReport {
  readonly runId: string | null;
  readonly dryRun: boolean;
  readonly outcome: RunOutcome;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly fleetSize: number;
  readonly summary: RunSummary;
  readonly results: readonly InstanceResult[];
  readonly planned: readonly PlannedInstance[];
  /** Pass-level problems (discovery failures, ...); instance failures are in `results`. */
  readonly problems: readonly ErrorInfo[];
  readonly warnings: readonly string[];
  /** Fleet members not reached because the pass was stopped. */
  readonly notReached: readonly string[];
}

/**
 * One level-triggered pass over the whole fleet: read what AWS holds, plan, and take one short
 * idempotent step per instance (create, copy, expire). Nothing waits on AWS: a snapshot still
 * creating or copying is picked up by a later pass.
 */
export async function reconcile(deps: AppDeps, options: ReconcileOptions): Promise<ReconcileReport> {
  const { store, clock, config, runtime } = deps;
  const dryRun = Boolean(options.dryRun);
  const startedAt = clock.now();
  const runId = dryRun ? null : runtime.newRunId(startedAt);
  const logger = deps.logger.child({ runId, phase: 'reconcile', dryRun });

  if (runId) {
    await reapInterruptedRuns(deps);
    await store.startRun({ id: runId, kind: 'reconcile', trigger: options.trigger, startedAt, owner: runtime.owner });
  }
  try {
    const fleet = await resolveFleet(config, deps.provider);
    const inventory = await loadInventory(deps.provider, fleet.members);
    const plan = planFleet(fleet.members, inventory, {
      now: startedAt,
      retentionDays: config.retentionDays,
      periodMs: (m) => config.tiers[m.tier].snapshotEveryMs,
      copyLimit: { instance: config.concurrency.instanceCopiesPerRegion, cluster: config.concurrency.clusterCopiesPerRegion },
    });
    logger.info({ fleet: fleet.members.length, snapshotsListed: inventory.snapshots.length }, 'planned pass');

    const results: InstanceResult[] = [];
    let started = 0;
    if (!dryRun) {
      const ctx: PassContext = { deps, copySlots: plan.copySlots, listingFailures: inventory.failures };
      started = await forEachLimit(
        plan.instances,
        config.concurrency.instances,
        async (p) => {
          const result = await withInstanceLease(deps, runId as string, p, () => executeInstance(p, ctx, logger.child({ instanceId: p.member.id })));
          results.push(result);
          await store.recordInstance(runId as string, result, clock.now());
        },
        () => Boolean(options.signal?.aborted) || Boolean(options.shouldStop?.()),
      );
    }
    // Report in fleet order, not in the order instances happened to finish.
    const order = new Map(plan.instances.map((p, i) => [p.member.id, i]));
    results.sort((a, b) => (order.get(a.instanceId) ?? 0) - (order.get(b.instanceId) ?? 0));
    const notReached = dryRun ? [] : plan.instances.slice(started).map((p) => p.member.id);
    const summary = summarize(results, fleet.members.length);
    const outcome = decideOutcome(summary, fleet.problems.length > 0, notReached.length > 0);
    const finishedAt = clock.now();
    if (runId) {
      const error: ErrorInfo | null =
        outcome === 'interrupted'
          ? { code: 'INTERRUPTED', message: `${options.stopReason ?? 'stopped on request'}: stopped after ${started} of ${plan.instances.length} instances; the next pass carries on` }
          : (fleet.problems[0] ?? null);
      await store.finishRun(runId, { finishedAt, outcome, summary, error });
    }
    logger.info({ outcome, ...summary }, 'pass finished');
    return {
      runId,
      dryRun,
      outcome: dryRun ? 'succeeded' : outcome,
      startedAt,
      finishedAt,
      fleetSize: fleet.members.length,
      summary,
      results,
      planned: dryRun ? plan.instances.map(describePlan) : [],
      problems: fleet.problems,
      warnings: fleet.warnings,
      notReached,
    };
  } catch (err) {
    // Only the state store or a bug gets here (AWS failures are caught per instance): record it.
    if (runId) {
      await store
        .finishRun(runId, { finishedAt: clock.now(), outcome: 'failed', summary: null, error: toErrorInfo(err) })
        .catch((finishErr: unknown) => logger.error({ err: finishErr }, 'could not record the failed run'));
    }
    throw err;
  }
}

/** Longer than any one instance's steps can take, shorter than the gap between passes. */
const LEASE_TTL_MS = 15 * 60 * 1000;

/**
 * Acts on an instance only while holding its lease, so two overlapping passes (a schedule and an
 * async retry, two operators) never work on the same instance at once. The loser skips it.
 */
async function withInstanceLease(deps: AppDeps, runId: string, plan: InstancePlan, work: () => Promise<InstanceResult>): Promise<InstanceResult> {
  const name = `instance:${plan.member.region}:${plan.member.kind}:${plan.member.id}`;
  if (!(await deps.store.acquireLease(name, runId, LEASE_TTL_MS, deps.clock.now()))) {
    const m = plan.member;
    return {
      instanceId: m.id, kind: m.kind, region: m.region, drRegion: m.drRegion, status: 'ok',
      created: [], copied: [], deleted: [], inProgress: [], deferred: [], errors: [],
      warnings: ['another run is working on this instance right now; skipped in this pass'],
    };
  }
  try {
    return await work();
  } finally {
    await deps.store.releaseLease(name, runId);
  }
}

function summarize(results: readonly InstanceResult[], instances: number): RunSummary {
  const count = (pick: (r: InstanceResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  return {
    instances,
    failed: results.filter((r) => r.status === 'failed').length,
    created: count((r) => r.created.length),
    copied: count((r) => r.copied.length),
    deleted: count((r) => r.deleted.length),
    inProgress: count((r) => r.inProgress.length),
    warnings: count((r) => r.warnings.length),
  };
}

function decideOutcome(summary: RunSummary, fleetProblems: boolean, stopped: boolean): Exclude<RunOutcome, 'running'> {
  if (stopped) return 'interrupted';
  if (summary.failed === 0 && !fleetProblems) return 'succeeded';
  if (summary.instances > 0 && summary.failed === summary.instances) return 'failed';
  return 'partial';
}

function describePlan(p: InstancePlan): PlannedInstance {
  return {
    instanceId: p.member.id,
    kind: p.member.kind,
    region: p.member.region,
    drRegion: p.member.drRegion,
    create: p.create?.snapshotId ?? null,
    copy: p.copies.map((c) => ({ id: c.targetId, to: c.targetRegion })),
    deferredCopy: p.deferredCopies.map((c) => ({ id: c.targetId, to: c.targetRegion })),
    delete: p.deletes.map((s) => ({ id: s.id, region: s.region })),
    inProgress: p.inProgress.map((s) => ({ id: s.id, region: s.region, status: s.status })),
    blockers: p.blockers.map((b) => b.message),
    warnings: p.warnings,
  };
}

import { ErrorInfo, SnapwardError, toErrorInfo } from '../domain/errors';
import { CopySlots, CopyStep, copyStepFor, InstancePlan, slotKey } from '../domain/plan';
import { managedInfo } from '../domain/tags';
import { refOf, Snapshot, SnapshotRef } from '../domain/types';
import { Logger } from '../ports/logger';
import { InstanceResult, SnapshotAction } from '../ports/state-store';
import { AppDeps } from './deps';
import { listingKey } from './inventory';

/** Shared by every instance of one pass. */
export interface PassContext {
  readonly deps: AppDeps;
  /** Copy slots left per destination region/kind; same-pass copies of fresh snapshots take from it. */
  readonly copySlots: CopySlots;
  readonly listingFailures: ReadonlyMap<string, ErrorInfo>;
}

/** A result, plus what AWS said along the way: the ledger is updated from it. */
export interface InstanceOutcome {
  readonly result: InstanceResult;
  /** Snapshots as AWS returned them: created, copied, adopted (ours or a foreign one at our id). */
  readonly observed: readonly Snapshot[];
  /** Snapshots deleted, or found already gone. */
  readonly removed: readonly SnapshotRef[];
}

/**
 * Carries out one instance's plan: create, then copy, then retention deletes. Every step's
 * failure is caught and recorded in the result; nothing here throws for an AWS problem, so
 * one instance never stops the others.
 */
export async function executeInstance(plan: InstancePlan, ctx: PassContext, logger: Logger): Promise<InstanceOutcome> {
  const { member } = plan;
  const r = new ResultBuilder();
  r.warnings.push(...plan.warnings);
  for (const b of plan.blockers) r.errors.push({ code: b.code, message: b.message, step: b.step });

  const primaryListing = ctx.listingFailures.get(listingKey(member.region, member.kind));
  if (primaryListing) {
    r.errors.push(primaryListing);
    return r.build(plan);
  }
  const drListing = ctx.listingFailures.get(listingKey(member.drRegion, member.kind));

  // 1. The period's scheduled snapshot.
  let fresh: Snapshot | null = null;
  if (plan.create) {
    fresh = await createOrAdopt(plan, ctx, r);
    if (fresh && !fresh.encrypted) r.warnings.push(`${member.kind} ${member.id} is not encrypted: snapshot ${fresh.id} is unencrypted`);
  }

  // 2. Copies: the planned ones, plus the fresh snapshot when AWS already reports it available.
  const copies: CopyStep[] = [...plan.copies];
  r.deferred.push(...plan.deferredCopies.map((c) => targetRef(c, member.kind)));
  if (fresh && fresh.status === 'available' && !drListing) {
    const info = managedInfo(fresh);
    const step = copyStepFor(fresh, member.drRegion, info?.recoveryPointTime ?? fresh.createdAt ?? ctx.deps.clock.now());
    const key = slotKey(member.drRegion, member.kind);
    const left = ctx.copySlots.get(key) ?? 0;
    if (left > 0) {
      ctx.copySlots.set(key, left - 1);
      copies.push(step);
    } else {
      r.deferred.push(targetRef(step, member.kind));
    }
  } else if (fresh && fresh.status !== 'available') {
    r.inProgress.push(refOf(fresh));
  }
  if (drListing) {
    r.errors.push({ ...drListing, message: `no copy made to ${member.drRegion}: ${drListing.message}` });
  } else {
    for (const step of copies) await copyOrAdopt(step, plan, ctx, r, logger);
  }

  // 3. Retention.
  for (const snapshot of plan.deletes) {
    try {
      await ctx.deps.provider.deleteSnapshot(refOf(snapshot));
      r.deleted.push(refOf(snapshot));
      r.removed.push(refOf(snapshot));
      logger.info({ snapshotId: snapshot.id, region: snapshot.region }, 'deleted expired snapshot');
    } catch (err) {
      const info = toErrorInfo(err, 'delete');
      if (info.code === 'SNAPSHOT_NOT_FOUND') {
        r.removed.push(refOf(snapshot)); // already gone: what retention wanted
        continue;
      }
      r.errors.push(info);
    }
  }
  r.inProgress.push(...plan.inProgress.map(refOf));
  return r.build(plan);
}

async function createOrAdopt(plan: InstancePlan, ctx: PassContext, r: ResultBuilder): Promise<Snapshot | null> {
  const { member } = plan;
  const create = plan.create as NonNullable<InstancePlan['create']>;
  try {
    const snapshot = await ctx.deps.provider.createSnapshot({
      kind: member.kind,
      region: member.region,
      dbId: member.id,
      snapshotId: create.snapshotId,
      tags: create.tags,
    });
    r.created.push(refOf(snapshot));
    r.observed.push(snapshot);
    return snapshot;
  } catch (err) {
    const info = toErrorInfo(err, 'create');
    if (info.code !== 'SNAPSHOT_ALREADY_EXISTS') {
      r.errors.push(info);
      return null;
    }
    // Made by an overlapping pass since we listed: adopt it if it is ours.
    return adoptExisting({ id: create.snapshotId, region: member.region, kind: member.kind }, member.id, ctx, r, 'create');
  }
}

async function copyOrAdopt(step: CopyStep, plan: InstancePlan, ctx: PassContext, r: ResultBuilder, logger: Logger): Promise<void> {
  const { member } = plan;
  const target = targetRef(step, member.kind);
  let kmsKeyId: string;
  try {
    kmsKeyId = await ctx.deps.keys.resolve(step.targetRegion, ctx.deps.config.kms[step.targetRegion] ?? '');
  } catch (err) {
    r.errors.push({ ...toErrorInfo(err, 'copy'), message: `no copy of ${step.source.id} to ${step.targetRegion}: ${toErrorInfo(err).message}` });
    return;
  }
  if (!step.source.encrypted) {
    r.warnings.push(
      member.kind === 'instance'
        ? `source snapshot ${step.source.id} is unencrypted; its copy in ${step.targetRegion} is encrypted with ${kmsKeyId}`
        : `cluster snapshot ${step.source.id} is unencrypted and AWS cannot encrypt a cluster snapshot while copying it: the copy in ${step.targetRegion} is unencrypted too (encrypt the cluster to fix)`,
    );
  }
  try {
    const copy = await ctx.deps.provider.copySnapshot({ kind: member.kind, source: step.source, targetRegion: step.targetRegion, targetId: step.targetId, kmsKeyId, tags: step.tags });
    r.copied.push(refOf(copy));
    r.observed.push(copy);
    if (copy.status !== 'available') r.inProgress.push(refOf(copy));
    logger.info({ snapshotId: copy.id, region: copy.region, status: copy.status }, 'started cross-region copy');
  } catch (err) {
    const info = toErrorInfo(err, 'copy');
    if (info.code === 'COPY_LIMIT_EXCEEDED') {
      r.deferred.push(target);
      r.warnings.push(`copy of ${step.source.id} to ${step.targetRegion} deferred: ${info.message}`);
    } else if (info.code === 'SNAPSHOT_ALREADY_EXISTS') {
      await adoptExisting(target, member.id, ctx, r, 'copy');
    } else {
      r.errors.push(info);
    }
  }
}

/** An "already exists" is success when the snapshot there is ours for this instance. */
async function adoptExisting(ref: SnapshotRef, instanceId: string, ctx: PassContext, r: ResultBuilder, step: string): Promise<Snapshot | null> {
  let existing: Snapshot | null;
  try {
    existing = await ctx.deps.provider.describeSnapshot(ref);
  } catch (err) {
    r.errors.push(toErrorInfo(err, step));
    return null;
  }
  if (existing) r.observed.push(existing);
  if (existing && managedInfo(existing)?.instanceId === instanceId) return existing;
  r.errors.push(
    new SnapwardError('SNAPSHOT_ID_TAKEN', `snapshot id ${ref.id} in ${ref.region} is taken by a snapshot snapward does not manage for ${instanceId}`).toInfo(step),
  );
  return null;
}

const targetRef = (step: CopyStep, kind: SnapshotRef['kind']): SnapshotRef => ({ id: step.targetId, region: step.targetRegion, kind });

class ResultBuilder {
  readonly created: SnapshotAction[] = [];
  readonly copied: SnapshotAction[] = [];
  readonly deleted: SnapshotAction[] = [];
  readonly inProgress: SnapshotAction[] = [];
  readonly deferred: SnapshotAction[] = [];
  readonly warnings: string[] = [];
  readonly errors: ErrorInfo[] = [];
  readonly observed: Snapshot[] = [];
  readonly removed: SnapshotRef[] = [];

  build(plan: InstancePlan): InstanceOutcome {
    return { result: this.result(plan), observed: this.observed, removed: this.removed };
  }

  private result(plan: InstancePlan): InstanceResult {
    const { member } = plan;
    return {
      instanceId: member.id,
      kind: member.kind,
      region: member.region,
      drRegion: member.drRegion,
      status: this.errors.length ? 'failed' : 'ok',
      created: this.created,
      copied: this.copied,
      deleted: this.deleted,
      inProgress: dedupe(this.inProgress),
      deferred: this.deferred,
      warnings: this.warnings,
      errors: this.errors,
    };
  }
}

function dedupe(refs: SnapshotAction[]): SnapshotAction[] {
  const seen = new Map(refs.map((r) => [`${r.region}/${r.id}`, r]));
  return [...seen.values()];
}

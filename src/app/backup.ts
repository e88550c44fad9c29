import { SnapwardError, toErrorInfo } from '../domain/errors';
import { adhocSnapshotId, requestSnapshotId } from '../domain/naming';
import { baseTags, managedInfo, sanitizeTagValue, TAG } from '../domain/tags';
import { FleetMember, refOf, Snapshot } from '../domain/types';
import { InstanceResult, RunTrigger } from '../ports/state-store';
import { adhocLimitRefusal } from './adhoc-limit';
import { AppDeps } from './deps';
import { membersWithId, placesOf, resolveFleet } from './fleet';
import { noteSnapshotInLedger } from './member-ledger';
import { withRun } from './with-run';

export interface BackupRequest {
  readonly instanceId: string;
  /**
   * The instance's account, by configured name or 12-digit id: needed only when the same id is in
   * more than one account of the fleet.
   */
  readonly account?: string;
  readonly reason?: string;
  readonly requestedBy?: string;
  /** Same key, same snapshot: a repeated request adopts the snapshot the first one made. */
  readonly idempotencyKey?: string;
  readonly trigger: RunTrigger;
  /**
   * Refuse (a failed run, ADHOC_LIMIT) when the instance already has this many ad hoc snapshots
   * from the last 24 hours; a repeat of a served request is never refused. Unset: no limit (the CLI).
   */
  readonly maxPerInstancePerDay?: number;
}

export interface BackupReport {
  readonly runId: string;
  readonly instance: FleetMember;
  readonly snapshot: Snapshot | null;
  /** True when the snapshot already existed for this request (a repeat): nothing new was made. */
  readonly adopted: boolean;
  readonly result: InstanceResult;
}

/**
 * An ad hoc snapshot now, with its own identifier (never the period's daily one, which it does
 * not stand in for) and the reason as a tag. The next reconcile pass copies and retains it like
 * any other managed snapshot. Recorded as a run of kind `backup`.
 *
 * @throws SnapwardError USAGE when the instance is not part of the fleet (nothing is touched).
 */
export async function takeAdhocBackup(deps: AppDeps, request: BackupRequest): Promise<BackupReport> {
  const instanceId = request.instanceId.trim().toLowerCase();
  const fleet = await resolveFleet(deps.config, deps.accounts);
  const matches = membersWithId(fleet.members, instanceId, request.account);
  if (matches.length > 1) {
    throw new SnapwardError('USAGE', `instance ${JSON.stringify(request.instanceId)} is in more than one place: ${placesOf(matches)}; name its account (by name or 12-digit id)`);
  }
  const member = matches[0];
  if (!member) {
    const known = fleet.members.map((m) => m.id).slice(0, 10).join(', ');
    throw new SnapwardError('USAGE', `instance ${JSON.stringify(request.instanceId)} is not in the fleet; expected one of: ${known || '(the fleet is empty)'}`);
  }
  return withRun(deps, { kind: 'backup', trigger: request.trigger }, async ({ id: runId, startedAt }) => {
    const tags: Record<string, string> = { ...baseTags(member, 'adhoc') };
    if (request.reason) tags[TAG.reason] = sanitizeTagValue(request.reason);
    if (request.requestedBy) tags[TAG.requestedBy] = sanitizeTagValue(request.requestedBy);
    const snapshotId = request.idempotencyKey ? requestSnapshotId(member.id, request.idempotencyKey) : adhocSnapshotId(member.id, startedAt);

    let snapshot: Snapshot | null = null;
    let adopted = false;
    const errors = [];
    const warnings: string[] = [];
    const refusal = request.maxPerInstancePerDay === undefined ? null : await adhocLimitRefusal(deps, member, snapshotId, request.maxPerInstancePerDay, startedAt);
    if (refusal) errors.push(refusal);
    else try {
      snapshot = await deps.accounts.scope(member.account).provider.createSnapshot({ kind: member.kind, region: member.region, dbId: member.id, snapshotId, tags });
    } catch (err) {
      const info = toErrorInfo(err, 'create');
      if (info.code === 'SNAPSHOT_ALREADY_EXISTS') {
        // Same idempotency key (or same instance, same second): the request was already carried out.
        const existing = await deps.accounts.scope(member.account).provider.describeSnapshot({ id: snapshotId, region: member.region, kind: member.kind });
        if (existing && managedInfo(existing)?.instanceId === member.id) {
          snapshot = existing;
          adopted = true;
          warnings.push(`snapshot ${snapshotId} was already taken for this request; nothing new was created`);
        } else errors.push({ ...info, code: 'SNAPSHOT_ID_TAKEN' as const });
      } else {
        errors.push(info);
      }
    }
    if (snapshot && !adopted && !snapshot.encrypted) warnings.push(`${member.kind} ${member.id} is not encrypted: snapshot ${snapshot.id} is unencrypted`);
    if (snapshot) {
      const notNoted = await noteSnapshotInLedger(deps, member, snapshot, runId);
      if (notNoted) warnings.push(notNoted);
    }

    const result: InstanceResult = {
      instanceId: member.id,
      kind: member.kind,
      region: member.region,
      drRegion: member.drRegion,
      status: errors.length ? 'failed' : 'ok',
      created: snapshot && !adopted ? [refOf(snapshot)] : [],
      copied: [],
      deleted: [],
      inProgress: snapshot && snapshot.status !== 'available' ? [refOf(snapshot)] : [],
      deferred: [],
      warnings,
      errors,
    };
    const finishedAt = deps.clock.now();
    await deps.store.recordInstance(runId, result, finishedAt);
    deps.logger.info({ runId, instanceId: member.id, snapshotId, ok: !errors.length }, 'ad hoc backup');
    return {
      value: { runId, instance: member, snapshot, adopted, result },
      finishedAt,
      outcome: errors.length ? 'failed' : 'succeeded',
      summary: { instances: 1, failed: errors.length ? 1 : 0, created: result.created.length, copied: 0, deleted: 0, inProgress: result.inProgress.length, warnings: warnings.length },
      error: errors[0] ?? null,
    };
  });
}

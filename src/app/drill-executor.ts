import { clusterMemberIdFor, DRILL_SOURCE_TAG, DRILL_TAG, DrillError, DrillRecord, drillsOf } from '../domain/drill';
import { builtInChecks, DrillObservation, DrillStep, nextDrillStep, validated } from '../domain/drill-plan';
import { SnapwardError, toErrorInfo } from '../domain/errors';
import { TAG } from '../domain/tags';
import { Logger } from '../ports/logger';
import { AppDeps } from './deps';
import { restoresOf } from './drill-records';

/** Steps one drill may take in one call: enough for a whole drill when AWS answers at once (moto). */
const MAX_STEPS = 12;

export interface DrillProgress {
  readonly drillId: string;
  readonly instanceId: string;
  readonly phase: DrillRecord['phase'];
  readonly outcome: DrillRecord['outcome'];
  /** The steps taken this time, in order (`wait` ones included, with their reason). */
  readonly steps: readonly string[];
  /** A failure of this pass's attempt that leaves the drill where it was (the next pass tries again). */
  readonly problem: string | null;
}

/**
 * Carries one drill forward: observe its databases, ask the planner for the next step, do it,
 * record the drill, and again, until it must wait for AWS (never waiting inside a pass) or is done.
 * Every step is recorded before the next is taken, so a killed process loses nothing.
 * `until` stops early (the ad hoc command stops once the restore is requested).
 */
export async function advanceDrill(deps: AppDeps, start: DrillRecord, logger: Logger, until: (d: DrillRecord) => boolean = () => false): Promise<{ drill: DrillRecord; progress: DrillProgress }> {
  let drill = start;
  const steps: string[] = [];
  let problem: string | null = null;
  const log = logger.child({ drillId: drill.drillId, instanceId: drill.instanceId });
  const save = async (next: DrillRecord): Promise<void> => {
    await deps.store.putDrill(next);
    drill = next;
  };
  for (let i = 0; i < MAX_STEPS && !until(drill); i++) {
    let obs: DrillObservation;
    try {
      obs = await observe(deps, drill);
    } catch (err) {
      problem = `could not describe ${drill.restoredId}: ${toErrorInfo(err).message}`; // unknown: change nothing on a guess
      break;
    }
    const now = deps.clock.now();
    const step = nextDrillStep(drill, obs, now, drillsOf(deps.config).maxAgeMs);
    steps.push(step.kind === 'wait' ? `wait: ${step.reason}` : step.kind === 'fail' ? `fail: ${step.error.code}` : step.kind);
    if (step.kind === 'none' || step.kind === 'wait') break;
    log.info({ step: step.kind, phase: drill.phase }, 'drill step');
    const outcome = await carryOut(deps, drill, step, obs);
    if (outcome.retryLater) {
      problem = outcome.retryLater;
      if (outcome.record) await save(outcome.record);
      break;
    }
    if (outcome.record) await save(outcome.record);
    if (drill.phase === 'done') break;
  }
  return { drill, progress: { drillId: drill.drillId, instanceId: drill.instanceId, phase: drill.phase, outcome: drill.outcome, steps, problem } };
}

async function observe(deps: AppDeps, drill: DrillRecord): Promise<DrillObservation> {
  const region = drill.source.region;
  const db = await restoresOf(deps, drill).describe(drill.kind, region, drill.restoredId);
  const member = drill.kind === 'cluster' && drill.restoredInstanceId ? await restoresOf(deps, drill).describe('instance', region, drill.restoredInstanceId) : null;
  return { db, member };
}

interface StepOutcome {
  /** The drill's new record (written before the next step). */
  readonly record?: DrillRecord;
  /** Set when the step must be tried again by a later pass (throttling, a database busy, ...). */
  readonly retryLater?: string;
}

async function carryOut(deps: AppDeps, drill: DrillRecord, step: DrillStep, obs: DrillObservation): Promise<StepOutcome> {
  const now = deps.clock.now();
  const settings = drillsOf(deps.config);
  const region = drill.source.region;
  const regional = settings.regions[region] ?? {};
  const failed = (error: DrillError): StepOutcome => ({ record: { ...drill, phase: 'cleaning', error, updatedAt: now } });
  // A retryable AWS failure waits for the next pass; anything else fails the drill with AWS's message.
  const onError = (err: unknown, where: string): StepOutcome => {
    const info = toErrorInfo(err);
    if (err instanceof SnapwardError && err.retryable) return { retryLater: `${where}: ${info.message}` };
    if (!(err instanceof SnapwardError)) throw err; // a bug or a crash: the pass reports it, the drill stays where it was
    return failed({ code: info.code, message: info.message, step: where });
  };
  const tags = { [DRILL_TAG]: drill.drillId, [TAG.managed]: 'true', [TAG.instance]: drill.instanceId, [DRILL_SOURCE_TAG]: drill.source.snapshotId };

  switch (step.kind) {
    case 'request-restore': {
      try {
        const engine = await restoresOf(deps, drill).snapshotEngine(drill.kind, region, drill.source.snapshotId);
        if (engine === null) return failed({ code: 'SNAPSHOT_NOT_FOUND', message: `recovery point ${drill.source.snapshotId} no longer exists in ${region}`, step: 'restore' });
        const requestedAt = deps.clock.now();
        await restoresOf(deps, drill).restore({
          kind: drill.kind, region, snapshotId: drill.source.snapshotId, targetId: drill.restoredId, engine, tags,
          ...(regional.subnetGroup ? { subnetGroup: regional.subnetGroup } : {}),
          ...(regional.securityGroups?.length ? { securityGroups: regional.securityGroups } : {}),
          ...(drill.kind === 'instance' && regional.instanceClass ? { instanceClass: regional.instanceClass } : {}),
        });
        return {
          record: {
            ...drill,
            startedAt: requestedAt,
            source: { ...drill.source, engine },
            recoveryPointAgeSeconds: Math.max(0, Math.round((requestedAt.getTime() - drill.source.recoveryPointTime.getTime()) / 1000)),
            updatedAt: deps.clock.now(),
          },
        };
      } catch (err) {
        // Requested by an earlier attempt whose answer was lost: the next observation adopts it.
        if (err instanceof SnapwardError && err.code === 'DB_ALREADY_EXISTS') return {};
        return onError(err, 'restore');
      }
    }
    case 'adopt-restore': {
      let engine = drill.source.engine;
      try {
        engine ??= await restoresOf(deps, drill).snapshotEngine(drill.kind, region, drill.source.snapshotId);
      } catch (err) {
        return onError(err, 'restore');
      }
      const startedAt = step.startedAt;
      return {
        record: {
          ...drill,
          startedAt,
          source: { ...drill.source, engine: engine ?? obs.db?.engine ?? null },
          recoveryPointAgeSeconds: Math.max(0, Math.round((startedAt.getTime() - drill.source.recoveryPointTime.getTime()) / 1000)),
          updatedAt: now,
        },
      };
    }
    case 'create-member': {
      const memberId = drill.restoredInstanceId ?? clusterMemberIdFor(drill.restoredId);
      try {
        const instanceClass = regional.instanceClass ?? (await restoresOf(deps, drill).writerClass(drill.region, drill.instanceId));
        if (!instanceClass) {
          return failed({ code: 'INVALID_PARAMETER', message: `no instance class for the cluster's DB instance: the source cluster ${drill.instanceId} has no writer to copy it from; set drills.regions.${region}.instanceClass`, step: 'create-instance' });
        }
        await restoresOf(deps, drill).createClusterInstance({ region, clusterId: drill.restoredId, instanceId: memberId, engine: obs.db?.engine ?? drill.source.engine ?? '', instanceClass, tags });
      } catch (err) {
        if (!(err instanceof SnapwardError && err.code === 'DB_ALREADY_EXISTS')) return onError(err, 'create-instance');
      }
      return { record: { ...drill, restoredInstanceId: memberId, updatedAt: deps.clock.now() } };
    }
    case 'mark-available':
      return { record: { ...drill, phase: 'validating', availableAt: now, updatedAt: now } };
    case 'validate': {
      const checks = builtInChecks(drill, obs);
      let hook = null;
      if (checks.every((c) => c.ok) && deps.drillHook) {
        const target = obs.db; // the instance, or the cluster (its endpoint is the cluster's)
        hook = await deps.drillHook.run(
          { drillId: drill.drillId, endpoint: target?.endpoint ?? null, port: target?.port ?? null, engine: target?.engine ?? '', instance: drill.restoredId, sourceInstance: drill.instanceId },
          settings.hookTimeoutMs,
        );
      }
      return { record: validated(drill, checks, hook, deps.clock.now()) };
    }
    case 'fail':
      return failed(step.error);
    case 'cancel':
      return { record: { ...drill, phase: 'cleaning', updatedAt: now } };
    case 'delete': {
      const target = step.which === 'member' ? obs.member : obs.db;
      if (!target) return {};
      try {
        await restoresOf(deps, drill).deleteDatabase(target);
        return { record: { ...drill, cleanupError: null, updatedAt: deps.clock.now() } };
      } catch (err) {
        const info = toErrorInfo(err);
        if (!(err instanceof SnapwardError)) throw err;
        // Cleanup is never given up: recorded, retried by every pass (and the sweeper after maxAge).
        return { record: { ...drill, cleanupError: { code: info.code, message: info.message, step: 'cleanup' }, updatedAt: now }, retryLater: `cleanup: ${info.message}` };
      }
    }
    case 'finish': {
      const error =
        step.outcome === 'failed' && !drill.error
          ? { code: 'DB_ID_TAKEN', message: `a database at ${drill.restoredId} does not carry this drill's ${DRILL_TAG} tag: left alone`, step: 'cleanup' }
          : drill.error;
      return { record: { ...drill, phase: 'done', outcome: step.outcome, error, finishedAt: now, updatedAt: now } };
    }
    default:
      return {};
  }
}

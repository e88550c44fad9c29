import {
  DRILL_SOURCE_TAG,
  DRILL_TAG,
  DrillCheck,
  DrillDatabase,
  DrillError,
  DrillHookResult,
  DrillOutcome,
  DrillRecord,
  DrillsConfig,
  DrillSource,
  drillSubject,
  FAILED_DRILL_BACKOFF_MS,
  memberDrillSubject,
} from './drill';
import { bandOf } from './rpo';
import { formatDuration } from './time';
import { FleetMember } from './types';

/**
 * The drill planner: pure decisions over the drill records, the members' evidence, the config and
 * `now`. Which drills to start, which one step each drill in flight takes next, what to sweep.
 * The executor (app/drill-executor.ts) observes AWS, asks here, carries the step out, records.
 */

// ---------------------------------------------------------------------------- starting drills

export interface DrillDue {
  readonly member: FleetMember;
  /** The member's newest succeeded drill's end; null when it never had one. */
  readonly lastSucceededAt: Date | null;
}

export interface DrillSkip {
  readonly instanceId: string;
  readonly reason: string;
}

/** The region a member's drill restores into. */
export const drillRegionOf = (m: FleetMember, source: DrillsConfig['source']): string => (source === 'dr' ? m.drRegion : m.region);

/** The newest per instance (`drillSubject`: account and id; records may come in any order). */
export function newestByInstance(drills: readonly DrillRecord[], pick: (d: DrillRecord) => boolean = () => true): Map<string, DrillRecord> {
  const out = new Map<string, DrillRecord>();
  for (const d of drills) {
    if (!pick(d)) continue;
    const seen = out.get(drillSubject(d));
    if (!seen || d.createdAt > seen.createdAt) out.set(drillSubject(d), d);
  }
  return out;
}

/**
 * Members a scheduled drill is due for: their tier has a schedule, no drill of theirs is in
 * flight, no succeeded drill within `every`, and no scheduled drill ended unsuccessfully within
 * the last day. Ordered by tier, then the longest without a succeeded drill (never first).
 */
export function dueForDrill(members: readonly FleetMember[], drills: readonly DrillRecord[], config: DrillsConfig, now: Date): { due: DrillDue[]; skipped: DrillSkip[] } {
  const inFlight = new Set(drills.filter((d) => d.phase !== 'done').map(drillSubject));
  const succeeded = newestByInstance(drills, (d) => d.outcome === 'succeeded');
  const lastScheduled = newestByInstance(drills, (d) => d.trigger === 'schedule' && d.phase === 'done');
  const due: DrillDue[] = [];
  const skipped: DrillSkip[] = [];
  for (const m of members) {
    const every = config.everyMs[m.tier];
    if (every === undefined || inFlight.has(memberDrillSubject(m))) continue;
    const ok = succeeded.get(memberDrillSubject(m));
    const okAt = ok ? (ok.finishedAt ?? ok.createdAt) : null;
    if (okAt && now.getTime() - okAt.getTime() < every) continue;
    const last = lastScheduled.get(memberDrillSubject(m));
    if (last && last.outcome !== 'succeeded') {
      const endedAt = last.finishedAt ?? last.updatedAt;
      const retryAt = endedAt.getTime() + FAILED_DRILL_BACKOFF_MS;
      if (now.getTime() < retryAt) {
        skipped.push({ instanceId: m.id, reason: `last scheduled drill ${last.drillId} ended ${last.outcome}; not retried before ${new Date(retryAt).toISOString()}` });
        continue;
      }
    }
    due.push({ member: m, lastSucceededAt: okAt });
  }
  due.sort(
    (a, b) =>
      a.member.tier - b.member.tier ||
      (a.lastSucceededAt?.getTime() ?? -Infinity) - (b.lastSucceededAt?.getTime() ?? -Infinity) ||
      (a.member.id < b.member.id ? -1 : a.member.id > b.member.id ? 1 : 0),
  );
  return { due, skipped };
}

export interface DrillStart {
  readonly member: FleetMember;
  readonly source: DrillSource;
}

/** Scheduled drills in flight per restore region (ad hoc ones do not count against the limit). */
export function scheduledInFlight(drills: readonly DrillRecord[]): Map<string, number> {
  const used = new Map<string, number>();
  for (const d of drills) if (d.phase !== 'done' && d.trigger === 'schedule') used.set(d.source.region, (used.get(d.source.region) ?? 0) + 1);
  return used;
}

/**
 * Gives the due members (in order) the free scheduled-drill slots of their restore region:
 * `maxConcurrent` minus the scheduled drills in flight there (ad hoc drills do not count). A member
 * with no available recovery point in that region is skipped, not failed.
 */
export function allocateDrillStarts(
  due: readonly DrillDue[],
  points: ReadonlyMap<string, DrillSource | null>,
  drills: readonly DrillRecord[],
  config: DrillsConfig,
): { start: DrillStart[]; skipped: DrillSkip[] } {
  const used = scheduledInFlight(drills);
  const start: DrillStart[] = [];
  const skipped: DrillSkip[] = [];
  for (const { member } of due) {
    const region = drillRegionOf(member, config.source);
    // Slots first: the executor reads a member's recovery points only while its region has one.
    const n = used.get(region) ?? 0;
    if (n >= config.maxConcurrent) {
      skipped.push({ instanceId: member.id, reason: `${n} scheduled drill(s) already in flight in ${region} (drills.maxConcurrent ${config.maxConcurrent})` });
      continue;
    }
    const point = points.get(memberDrillSubject(member)) ?? null;
    if (!point) {
      skipped.push({ instanceId: member.id, reason: `no available recovery point of ${member.id} in ${region} yet` });
      continue;
    }
    used.set(region, n + 1);
    start.push({ member, source: point });
  }
  return { start, skipped };
}

// ---------------------------------------------------------------------------- one drill's next step

/** What AWS says about a drill's databases right now. */
export interface DrillObservation {
  /** The restored DB instance (instance drill) or DB cluster (cluster drill); null when absent. */
  readonly db: DrillDatabase | null;
  /** A cluster drill's DB instance; null when absent (always null for an instance drill). */
  readonly member: DrillDatabase | null;
}

export type DrillStep =
  | { readonly kind: 'request-restore' }
  /** The restore was requested by a process killed before it could record it. */
  | { readonly kind: 'adopt-restore'; readonly startedAt: Date }
  | { readonly kind: 'create-member' }
  | { readonly kind: 'mark-available' }
  | { readonly kind: 'validate' }
  | { readonly kind: 'fail'; readonly error: DrillError }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'delete'; readonly which: 'db' | 'member' }
  | { readonly kind: 'finish'; readonly outcome: DrillOutcome }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'none' };

/** Statuses from which a database never becomes `available` by waiting. */
const BROKEN = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
  'insufficient-capacity',
  'deleting',
  'deleted',
]);

const ownedBy = (db: DrillDatabase, drill: DrillRecord): boolean => db.tags[DRILL_TAG] === drill.drillId;

/**
 * The one step a drill takes next, from its record and what AWS reports. Level-triggered: the
 * same record and observation always give the same step, so a pass killed at any point is
 * carried on by the next one.
 */
export function nextDrillStep(drill: DrillRecord, obs: DrillObservation, now: Date, maxAgeMs: number): DrillStep {
  const { db, member } = obs;
  if (drill.phase === 'done') return { kind: 'none' };
  if (drill.phase === 'cleaning') {
    // Only ever a database carrying this drill's tag: a name is never enough.
    for (const [which, found] of [['member', member], ['db', db]] as const) {
      if (!found) continue;
      if (!ownedBy(found, drill)) return { kind: 'finish', outcome: 'failed' };
      if (found.status === 'deleting') return { kind: 'wait', reason: `${found.id} is deleting` };
      return { kind: 'delete', which };
    }
    return { kind: 'finish', outcome: drill.error ? 'failed' : drill.cancelRequested ? 'cancelled' : 'succeeded' };
  }
  if (drill.cancelRequested) return { kind: 'cancel' };
  const age = now.getTime() - drill.createdAt.getTime();
  if (age > maxAgeMs) {
    return fail('DRILL_TIMED_OUT', `drill still ${drill.phase} after ${formatDuration(age)} (drills.maxAge ${formatDuration(maxAgeMs)})`, drill.phase === 'restoring' ? 'restore' : 'validate');
  }
  for (const found of [db, member]) {
    if (found && !ownedBy(found, drill)) {
      return fail('DB_ID_TAKEN', `${found.kind} ${found.id} in ${found.region} exists without this drill's ${DRILL_TAG} tag; it is not snapward's and is left alone`, 'restore');
    }
  }
  if (drill.phase === 'validating') {
    if (!db || (drill.kind === 'cluster' && !member)) return fail('RESTORE_FAILED', `restored ${drill.kind} ${drill.restoredId} disappeared before validation`, 'validate');
    return { kind: 'validate' };
  }
  // restoring
  if (!drill.startedAt) return db ? { kind: 'adopt-restore', startedAt: db.createdAt ?? now } : { kind: 'request-restore' };
  if (!db) return fail('RESTORE_FAILED', `restored ${drill.kind} ${drill.restoredId} is gone (requested ${drill.startedAt.toISOString()})`, 'restore');
  if (BROKEN.has(db.status)) return fail('RESTORE_FAILED', `restored ${drill.kind} ${db.id} is ${db.status}`, 'restore');
  if (db.status !== 'available') return { kind: 'wait', reason: `${db.id} is ${db.status}` };
  if (drill.kind === 'cluster') {
    if (!member) return { kind: 'create-member' };
    if (BROKEN.has(member.status)) return fail('RESTORE_FAILED', `DB instance ${member.id} in the restored cluster is ${member.status}`, 'create-instance');
    if (member.status !== 'available') return { kind: 'wait', reason: `${member.id} is ${member.status}` };
  }
  return { kind: 'mark-available' };
}

const fail = (code: string, message: string, step: string): DrillStep => ({ kind: 'fail', error: { code, message, step } });

/** KMS key references compare by key id: an ARN and a bare id of one key are the same key. */
const keyId = (ref: string | null): string | null => (ref ? (ref.split('/').pop() ?? ref) : null);

/** The built-in checks: status, encryption key, engine, and the recovery point restored. */
export function builtInChecks(drill: DrillRecord, obs: DrillObservation): DrillCheck[] {
  const sourceEngine = drill.source.engine;
  const dbs = [obs.db, obs.member].filter((d): d is DrillDatabase => d !== null);
  const checks: DrillCheck[] = [
    { name: 'available', ok: dbs.length === (drill.kind === 'cluster' ? 2 : 1) && dbs.every((d) => d.status === 'available'), detail: dbs.map((d) => `${d.id}: ${d.status}`).join(', ') },
  ];
  const db = obs.db;
  if (drill.source.encrypted) {
    const ok = Boolean(db?.encrypted) && keyId(db?.kmsKeyId ?? null) === keyId(drill.source.kmsKeyId);
    checks.push({ name: 'encrypted-with-source-key', ok, detail: `expected ${drill.source.kmsKeyId ?? '(unknown key)'}, got ${db?.encrypted ? (db.kmsKeyId ?? '(no key id)') : 'unencrypted'}` });
  }
  checks.push({ name: 'same-engine', ok: sourceEngine !== null && db?.engine === sourceEngine, detail: `snapshot ${sourceEngine ?? '(unknown)'}, restored ${db?.engine ?? '(none)'}` });
  checks.push({ name: 'restored-from-chosen-point', ok: db?.tags[DRILL_SOURCE_TAG] === drill.source.snapshotId, detail: `expected ${drill.source.snapshotId}, got ${db?.tags[DRILL_SOURCE_TAG] ?? '(untagged)'}` });
  return checks;
}

/** The record after validation: RTO from the restore request to now, its band, pass or fail. */
export function validated(drill: DrillRecord, checks: readonly DrillCheck[], hook: (DrillHookResult & { ok: boolean }) | null, now: Date): DrillRecord {
  const rtoSeconds = drill.startedAt ? Math.max(0, Math.round((now.getTime() - drill.startedAt.getTime()) / 1000)) : null;
  const failedChecks = checks.filter((c) => !c.ok).map((c) => c.name);
  let error: DrillError | null = null;
  if (failedChecks.length) error = { code: 'VALIDATION_FAILED', message: `built-in check(s) failed: ${failedChecks.join(', ')}`, step: 'validate' };
  else if (hook && !hook.ok) error = { code: 'VALIDATION_FAILED', message: hook.exitCode === null ? 'validation hook timed out' : `validation hook failed (exit ${hook.exitCode})`, step: 'validate' };
  return {
    ...drill,
    phase: 'cleaning',
    validatedAt: now,
    rtoSeconds,
    band: rtoSeconds === null ? null : bandOf(rtoSeconds, drill.rtoTargetSeconds),
    validation: { checks: [...checks], hook: hook ? { exitCode: hook.exitCode, output: hook.output } : null },
    error,
    updatedAt: now,
  };
}

// ---------------------------------------------------------------------------- sweeping leftovers

/**
 * Drill databases to delete: those carrying the `snapward:drill` tag whose creation is older than
 * `maxAgeMs`, whether or not the store knows them (a lost store leaves orphans). Never anything
 * without the tag, whatever its name; one whose creation time is unknown is left for later.
 * A cluster's DB instances come before the cluster (AWS refuses to delete a cluster with members).
 */
export function selectSweep(dbs: readonly DrillDatabase[], now: Date, maxAgeMs: number): DrillDatabase[] {
  const old = dbs.filter((d) => d.tags[DRILL_TAG] !== undefined && d.createdAt !== null && now.getTime() - d.createdAt.getTime() > maxAgeMs && d.status !== 'deleting');
  return old.sort((a, b) => (a.kind === b.kind ? (a.id < b.id ? -1 : 1) : a.kind === 'instance' ? -1 : 1));
}

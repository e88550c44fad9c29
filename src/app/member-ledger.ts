import { applyObserved, memberKey, pendingOf } from '../domain/ledger';
import { FleetMember, Snapshot } from '../domain/types';
import { AppDeps } from './deps';

/** The lease that guards an instance's snapshots and its ledger entry. */
/** One per member: ids are unique per account and region only, so the name carries the account. */
export const instanceLeaseName = (m: Pick<FleetMember, 'account' | 'region' | 'kind' | 'id'>): string => `instance:${m.account}:${m.region}:${m.kind}:${m.id}`;

/** Takes the lease, from its holder too when that holder is a run that is no longer running. */
export async function takeLease(deps: Pick<AppDeps, 'store' | 'clock'>, name: string, owner: string, ttlMs: number): Promise<boolean> {
  if (await deps.store.acquireLease(name, owner, ttlMs, deps.clock.now())) return true;
  const holder = await deps.store.leaseHolder(name, deps.clock.now());
  if (!holder) return deps.store.acquireLease(name, owner, ttlMs, deps.clock.now());
  const run = await deps.store.getRun(holder);
  if (run && run.outcome === 'running') return false;
  return deps.store.acquireLease(name, owner, ttlMs, deps.clock.now(), holder);
}

/** Long enough for one ledger update; a crashed holder frees it soon. */
const NOTE_LEASE_TTL_MS = 60 * 1000;

/**
 * Adds a snapshot made outside a pass (an ad hoc backup) to its member's ledger and makes the
 * member due, so the next pass copies it and retention counts it. Returns a warning when the
 * ledger could not be updated now (a pass holds the instance): the next audit of the member finds
 * the snapshot in AWS instead, so nothing is lost, only later.
 */
export async function noteSnapshotInLedger(deps: AppDeps, member: FleetMember, snapshot: Snapshot, holder: string): Promise<string | null> {
  const lease = instanceLeaseName(member);
  if (!(await takeLease(deps, lease, holder, NOTE_LEASE_TTL_MS))) {
    return `a pass is working on ${member.id}: snapward's record of its snapshots will pick up ${snapshot.id} at its next audit`;
  }
  try {
    const key = memberKey(member);
    const state = await deps.store.getMemberState(key);
    const now = deps.clock.now();
    const snapshots = applyObserved(state?.snapshots ?? [], [snapshot], []);
    await deps.store.putMemberState({
      key,
      dueAt: now,
      auditedAt: state?.auditedAt ?? null,
      policy: state?.policy ?? '',
      pending: pendingOf(snapshots),
      snapshots,
      updatedAt: now,
      firstSeenAt: state ? (state.firstSeenAt ?? null) : now,
      lost: state?.lost ?? [],
      steps: state?.steps ?? [],
      ...(state?.vault ? { vault: state.vault } : {}),
    });
    return null;
  } finally {
    await deps.store.releaseLease(lease, holder);
  }
}

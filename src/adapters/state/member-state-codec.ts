import { MemberState } from '../../domain/ledger';
import { Snapshot, SnapshotRef } from '../../domain/types';

/**
 * The ledger's snapshots as JSON text, shared by the durable drivers (and by the memory driver,
 * to copy in and out the same way). Dates travel as ISO text and are revived on the way back.
 */
export function encodeSnapshots(snapshots: readonly Snapshot[]): string {
  return JSON.stringify(snapshots);
}

export function decodeSnapshots(text: string): Snapshot[] {
  const raw = JSON.parse(text) as (Omit<Snapshot, 'createdAt' | 'originalCreatedAt'> & { createdAt: string | null; originalCreatedAt: string | null })[];
  return raw.map((s) => ({ ...s, createdAt: s.createdAt ? new Date(s.createdAt) : null, originalCreatedAt: s.originalCreatedAt ? new Date(s.originalCreatedAt) : null }));
}

export const encodeRefs = (refs: readonly SnapshotRef[]): string => JSON.stringify(refs.map(({ id, region, kind }) => ({ id, region, kind })));
export const decodeRefs = (text: string): SnapshotRef[] => JSON.parse(text) as SnapshotRef[];

/** A bad state would make a pass skip a member forever: refuse it at the door. */
export function checkMemberState(state: MemberState): void {
  for (const [field, value] of [['dueAt', state.dueAt], ['updatedAt', state.updatedAt], ['auditedAt', state.auditedAt]] as const) {
    // Not `instanceof Date`: a Date from another realm (a VM context, jest) is just as good.
    if (value !== null && (typeof value?.getTime !== 'function' || Number.isNaN(value.getTime()))) {
      throw new TypeError(`member state ${state.key}: ${field} must be a valid Date, got ${String(value)}`);
    }
  }
  if (!state.key) throw new TypeError('member state: key must not be empty');
}

import { LostPoint, MemberState } from '../../domain/ledger';
import { Snapshot, SnapshotRef } from '../../domain/types';

/**
 * The ledger's body (snapshots, lost points, first sighting) as JSON text, shared by the durable
 * drivers (and by the memory driver, to copy in and out the same way). Dates travel as ISO text
 * and are revived on the way back.
 *
 * Format: a JSON object `{ "v": 2, snapshots, lost, firstSeenAt }`. Bodies written before
 * version 2 are a bare array of snapshots: they still read (no lost points, first sighting unknown).
 */
export interface LedgerBody {
  readonly snapshots: Snapshot[];
  readonly lost: LostPoint[];
  readonly firstSeenAt: Date | null;
}

type RawSnapshot = Omit<Snapshot, 'createdAt' | 'originalCreatedAt'> & { createdAt: string | null; originalCreatedAt: string | null };

export function encodeLedgerBody(state: Pick<MemberState, 'snapshots' | 'lost' | 'firstSeenAt'>): string {
  return JSON.stringify({ v: 2, snapshots: state.snapshots, lost: state.lost ?? [], firstSeenAt: state.firstSeenAt ?? null });
}

export function decodeLedgerBody(text: string): LedgerBody {
  const raw = JSON.parse(text) as RawSnapshot[] | { v: number; snapshots: RawSnapshot[]; lost?: RawLost[]; firstSeenAt?: string | null };
  if (Array.isArray(raw)) return { snapshots: raw.map(reviveSnapshot), lost: [], firstSeenAt: null };
  return {
    snapshots: raw.snapshots.map(reviveSnapshot),
    lost: (raw.lost ?? []).map((l) => ({ snapshot: reviveSnapshot(l.snapshot), noticedAt: new Date(l.noticedAt), lastSeenAt: l.lastSeenAt ? new Date(l.lastSeenAt) : null })),
    firstSeenAt: raw.firstSeenAt ? new Date(raw.firstSeenAt) : null,
  };
}

interface RawLost {
  snapshot: RawSnapshot;
  noticedAt: string;
  lastSeenAt: string | null;
}

function reviveSnapshot(s: RawSnapshot): Snapshot {
  return { ...s, createdAt: s.createdAt ? new Date(s.createdAt) : null, originalCreatedAt: s.originalCreatedAt ? new Date(s.originalCreatedAt) : null };
}

export const encodeRefs = (refs: readonly SnapshotRef[]): string => JSON.stringify(refs.map(({ id, region, kind }) => ({ id, region, kind })));
export const decodeRefs = (text: string): SnapshotRef[] => JSON.parse(text) as SnapshotRef[];

/** A bad state would make a pass skip a member forever: refuse it at the door. */
export function checkMemberState(state: MemberState): void {
  for (const [field, value] of [['dueAt', state.dueAt], ['updatedAt', state.updatedAt], ['auditedAt', state.auditedAt], ['firstSeenAt', state.firstSeenAt ?? null]] as const) {
    // Not `instanceof Date`: a Date from another realm (a VM context, jest) is just as good.
    if (value !== null && (typeof value?.getTime !== 'function' || Number.isNaN(value.getTime()))) {
      throw new TypeError(`member state ${state.key}: ${field} must be a valid Date, got ${String(value)}`);
    }
  }
  if (!state.key) throw new TypeError('member state: key must not be empty');
}

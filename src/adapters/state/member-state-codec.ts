import { ErrorInfo } from '../../domain/errors';
import { LostPoint, MemberState, MemberStateSummary } from '../../domain/ledger';
import { StepState } from '../../domain/steps';
import { Snapshot, SnapshotRef } from '../../domain/types';

/**
 * The ledger's body (snapshots, lost points, first sighting) as JSON text, shared by the durable
 * drivers (and by the memory driver, to copy in and out the same way). Dates travel as ISO text
 * and are revived on the way back.
 *
 * Format: a JSON object `{ "v": 3, snapshots, lost, firstSeenAt, steps, vault? }`. Version 3 added the
 * steps (attempts, backoff, in-flight work); a version 2 body reads with no steps, and a body
 * written before version 2 is a bare array of snapshots (no lost points, first sighting unknown).
 * An older entry is also re-listed from AWS once (see LEDGER_FORMAT in domain/ledger.ts). `vault`
 * (the member's copies in the vault account) is written only when the entry has it, and read back
 * only when written: a body without it has no vault list.
 */
export interface LedgerBody {
  readonly snapshots: Snapshot[];
  readonly lost: LostPoint[];
  readonly firstSeenAt: Date | null;
  readonly steps: StepState[];
  /** The member's vault copies (issue 16); absent when never listed. */
  readonly vault?: Snapshot[];
}

type RawSnapshot = Omit<Snapshot, 'createdAt' | 'originalCreatedAt'> & { createdAt: string | null; originalCreatedAt: string | null };

export function encodeLedgerBody(state: Pick<MemberState, 'snapshots' | 'lost' | 'firstSeenAt' | 'steps' | 'vault'>): string {
  // `vault` only when known: absent and [] differ (never listed vs. none there).
  return JSON.stringify({ v: 3, snapshots: state.snapshots, lost: state.lost ?? [], firstSeenAt: state.firstSeenAt ?? null, steps: state.steps ?? [], ...(state.vault ? { vault: state.vault } : {}) });
}

export function decodeLedgerBody(text: string): LedgerBody {
  const raw = JSON.parse(text) as RawSnapshot[] | { v: number; snapshots: RawSnapshot[]; lost?: RawLost[]; firstSeenAt?: string | null; steps?: RawStep[]; vault?: RawSnapshot[] };
  if (Array.isArray(raw)) return { snapshots: raw.map(reviveSnapshot), lost: [], firstSeenAt: null, steps: [] };
  return {
    snapshots: raw.snapshots.map(reviveSnapshot),
    lost: (raw.lost ?? []).map((l) => ({ snapshot: reviveSnapshot(l.snapshot), noticedAt: new Date(l.noticedAt), lastSeenAt: l.lastSeenAt ? new Date(l.lastSeenAt) : null })),
    firstSeenAt: raw.firstSeenAt ? new Date(raw.firstSeenAt) : null,
    steps: (raw.steps ?? []).map(reviveStep),
    ...(raw.vault ? { vault: raw.vault.map(reviveSnapshot) } : {}),
  };
}

type RawStep = Omit<StepState, 'nextAttemptAt' | 'startedAt' | 'finishedAt' | 'lastError'> & {
  nextAttemptAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: ErrorInfo | null;
};

const reviveDate = (text: string | null): Date | null => (text ? new Date(text) : null);

function reviveStep(s: RawStep): StepState {
  return { ...s, nextAttemptAt: reviveDate(s.nextAttemptAt), startedAt: reviveDate(s.startedAt), finishedAt: reviveDate(s.finishedAt) };
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

/** A member's ledger summary as every driver stores it (the part an idle pass reads), times as ISO text. */
export interface StoredMemberSummary {
  readonly key: string;
  readonly dueAt: string;
  readonly auditedAt: string | null;
  readonly policy: string;
  /** JSON: the snapshot refs in flight (encodeRefs). */
  readonly pending: string;
  readonly updatedAt: string;
}

/** The summary fields of a state (validate it first with checkMemberState). */
export function encodeMemberSummary(state: MemberState): StoredMemberSummary {
  return {
    key: state.key,
    dueAt: state.dueAt.toISOString(),
    auditedAt: state.auditedAt ? state.auditedAt.toISOString() : null,
    policy: state.policy,
    pending: encodeRefs(state.pending),
    updatedAt: state.updatedAt.toISOString(),
  };
}

export function decodeMemberSummary(s: StoredMemberSummary): MemberStateSummary {
  return {
    key: s.key,
    dueAt: new Date(s.dueAt),
    auditedAt: s.auditedAt ? new Date(s.auditedAt) : null,
    policy: s.policy,
    pending: decodeRefs(s.pending),
    updatedAt: new Date(s.updatedAt),
  };
}

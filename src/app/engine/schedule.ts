import { memberKey, MemberState, MemberStateSummary } from '../../domain/ledger';
import { slotId, StepSlot } from '../../domain/steps';
import { FleetMember, IN_PROGRESS_STATUSES, Snapshot } from '../../domain/types';
import { allocateSlots, applyBackoff, historyOf, MemberView, ScheduledStep, SlotBudget } from '../../domain/work';
import { AppDeps } from '../deps';
import { listingKey } from '../inventory';
import { KINDS } from '../kinds';
import { CopySlotLeases } from './copy-slots';
import { vaultSlotsOf } from './vault-evidence';

/** Every kind's steps for one member, with the warnings the planners raised. */
export function planMemberSteps(view: MemberView, retryFailed: boolean): { steps: ScheduledStep[]; warnings: string[] } {
  const steps: ScheduledStep[] = [];
  const warnings: string[] = [];
  for (const kind of KINDS) {
    const out = kind.plan(view);
    warnings.push(...out.warnings);
    for (const s of out.steps) steps.push(applyBackoff(s, historyOf(s, view.steps), view.now, retryFailed));
  }
  return { steps, warnings };
}

/** The pass's view of each slot pool: its limit, what is in flight, what a lease may still take. */
export interface SlotPools {
  readonly budget: SlotBudget;
  /** Slots a lease may use: the limit minus copies in flight that hold no lease (another tool's). */
  readonly usable: (slot: StepSlot) => number;
}

/**
 * Counts each account's destination region's copy slots (AWS's copy limits are per account and
 * destination region; `fleet` and `seenInAws` are one account's) from everything that knows about copies in flight:
 * the slot leases in the store (this and overlapping passes), the pass's AWS listings, and the
 * ledger's pending copies. The larger count wins, so neither a copy started by another tool nor
 * one started by an overlapping pass is forgotten.
 */
export async function slotPools(
  deps: AppDeps,
  leases: CopySlotLeases,
  fleet: readonly FleetMember[],
  summaries: ReadonlyMap<string, MemberStateSummary>,
  seenInAws: ReadonlyMap<string, number>,
  planned: readonly { readonly member: FleetMember; readonly evidence: { readonly snapshots: readonly Snapshot[]; readonly vault?: readonly Snapshot[] } }[],
): Promise<SlotPools> {
  const limitOf = copyLimitOf(deps);
  // Members this pass planned count what their refreshed ledger holds in flight in the DR region
  // (a copy the refresh found finished frees its slot now); the others, what their entry says.
  const refreshed = new Map(planned.map((p) => [memberKey(p.member), p.evidence.snapshots.filter((s) => s.region === p.member.drRegion && IN_PROGRESS_STATUSES.has(s.status)).length]));
  const pools = new Map<string, { slot: StepSlot; inLedger: number }>();
  for (const m of fleet) {
    const slot = { account: m.account, region: m.drRegion, dbKind: m.kind };
    const pool = pools.get(slotId(slot)) ?? { slot, inLedger: 0 };
    pool.inLedger += refreshed.get(memberKey(m)) ?? (summaries.get(memberKey(m))?.pending ?? []).filter((r) => r.region === m.drRegion).length;
    pools.set(slotId(slot), pool);
  }
  // The vault account's slots (issue 16): its copies in flight as the planned members' vault lists hold them.
  for (const { slot, inLedger } of vaultSlotsOf(deps.accounts.vault?.id ?? null, planned)) {
    const pool = pools.get(slotId(slot)) ?? { slot, inLedger: 0 };
    pool.inLedger += inLedger;
    pools.set(slotId(slot), pool);
  }
  const free = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const untracked = new Map<string, number>();
  // Only the regions a member of this pass copies to can lose or gain a slot now: an idle pass
  // (nobody due) reads no slot lease at all.
  const needed = new Set(planned.map((p) => slotId({ account: p.member.account, region: p.member.drRegion, dbKind: p.member.kind })));
  if (deps.accounts.vault) for (const p of planned) needed.add(slotId({ account: deps.accounts.vault.id, region: p.member.drRegion, dbKind: p.member.kind }));
  for (const [id, { slot, inLedger }] of pools) {
    if (!needed.has(id)) continue;
    const held = await leases.held(slot);
    // The listings saw the member accounts' copies; the vault's count from the ledgers and leases.
    const seen = Math.max(slot.account === deps.accounts.vault?.id ? 0 : (seenInAws.get(listingKey(slot.region, slot.dbKind)) ?? 0), inLedger);
    untracked.set(id, Math.max(0, seen - held));
    const busy = Math.max(seen, held);
    inFlight.set(id, busy);
    free.set(id, Math.max(0, limitOf(slot) - busy));
  }
  return {
    budget: { free, describe: (slot) => `${inFlight.get(slotId(slot)) ?? 0} in flight to ${slot.region}${slot.account === deps.accounts.vault?.id ? ` in the vault account ${slot.account}` : ''} (limit ${limitOf(slot)})` },
    usable: (slot) => Math.max(0, limitOf(slot) - (untracked.get(slotId(slot)) ?? 0)),
  };
}

/**
 * Frees the slot leases of work the pass's evidence shows finished (or gone) since the ledger saw
 * it in flight, before slots are counted: a pass woken by "copy finished" reuses that slot at once.
 */
export async function releaseFinished(leases: CopySlotLeases, planned: readonly { readonly prior: MemberState | null; readonly evidence: { readonly snapshots: readonly Snapshot[]; readonly vault?: readonly Snapshot[] } }[]): Promise<void> {
  for (const p of planned) {
    const inFlight = new Set([...p.evidence.snapshots, ...(p.evidence.vault ?? [])].filter((s) => IN_PROGRESS_STATUSES.has(s.status)).map((s) => `${s.region}/${s.id.toLowerCase()}`));
    for (const step of p.prior?.steps ?? []) {
      if (step.phase === 'in-flight' && step.slot && !inFlight.has(`${step.target.region}/${step.target.id.toLowerCase()}`)) await leases.release(step.slot, step.id);
    }
  }
}

export function copyLimitOf(deps: Pick<AppDeps, 'config'>): (slot: StepSlot) => number {
  const { concurrency } = deps.config;
  return (slot) => (slot.dbKind === 'cluster' ? concurrency.clusterCopiesPerRegion : concurrency.instanceCopiesPerRegion);
}

/** The fleet's ready steps given slots in priority order; those left over are deferred. */
export function allocate(plans: readonly { readonly steps: readonly ScheduledStep[] }[], budget: SlotBudget): ScheduledStep[][] {
  const flat = plans.flatMap((p, i) => p.steps.map((s) => ({ s, i })));
  const allocated = allocateSlots(flat.map((f) => f.s), budget);
  const out: ScheduledStep[][] = plans.map(() => []);
  allocated.forEach((s, k) => (out[(flat[k] as { i: number }).i] as ScheduledStep[]).push(s));
  return out;
}


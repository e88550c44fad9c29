import { copyCapacity, CopyCapacity } from '../domain/capacity';
import { memberKey, MemberState } from '../domain/ledger';
import { FleetMember } from '../domain/types';
import { forEachLimit } from './concurrency';
import { AppDeps } from './deps';
import { membersByAccount } from './fleet';

/**
 * The fleet's copy capacity per account, DR region and kind (domain/capacity.ts) from the ledger: the
 * member states already read are reused, the others are read here (a status filtered to some
 * members still reports the capacity of the whole fleet, which is what a DR region has to give).
 */
export async function fleetCapacity(deps: AppDeps, fleet: readonly FleetMember[], known: ReadonlyMap<string, MemberState | null>, at: Date): Promise<CopyCapacity[]> {
  const states = new Map(known);
  await forEachLimit(
    fleet.filter((m) => !states.has(memberKey(m))),
    16,
    async (m) => {
      states.set(memberKey(m), await deps.store.getMemberState(memberKey(m)));
    },
  );
  // AWS's copy limit is per account and destination region: each account's capacity is its own.
  // Vault copies hold slots of the vault account, not of the DR region the members copy into.
  const skipAccounts = deps.accounts.vault ? new Set([deps.accounts.vault.id]) : undefined;
  const rows: CopyCapacity[] = [];
  for (const [account, members] of membersByAccount(fleet)) {
    const own = members.map((m) => states.get(memberKey(m)) ?? null);
    rows.push(...copyCapacity({ members, states: own, tiers: deps.config.tiers, concurrency: deps.config.concurrency, now: at, ...(skipAccounts ? { skipAccounts } : {}) }).map((c) => ({ ...c, account })));
  }
  return rows;
}

import { causeOf, ErrorInfo } from '../domain/errors';
import { FleetMember } from '../domain/types';
import { placeKey, ResolvedFleet } from './fleet';

/**
 * A part of the fleet snapward could not see: one entry per region and cause, never one per
 * instance, so "RDS is down in us-east-1" is one line, not 206.
 */
export interface Unobserved {
  /** The region; `*` when a whole account could not be worked in (see `account`). */
  readonly region: string;
  /** Set when a whole account could not be worked in (its role could not be assumed): its 12-digit id. */
  readonly account?: string;
  /** `credentials rejected (InvalidClientTokenId)`, `unreachable (TimeoutError)`, ... */
  readonly cause: string;
  /** Instance ids whose figures depend on what could not be read (fleet members, or known from the ledger). */
  readonly instances: readonly string[];
  /** The first error seen for it, with AWS's own message. */
  readonly error: ErrorInfo;
  /** Set when what could not be read is the VAULT account's side of the region (its id): the instances' vault copies are unknown. */
  readonly vaultAccount?: string;
}

export interface Blind {
  readonly region: string;
  readonly account?: string;
  readonly error: ErrorInfo;
  readonly instances: Iterable<string>;
  readonly vaultAccount?: string;
}

/** Merges per-region failures by cause; instances listed once, sorted. */
export function groupUnobserved(entries: Iterable<Blind>): Unobserved[] {
  const groups = new Map<string, { region: string; account?: string; cause: string; error: ErrorInfo; instances: Set<string>; vaultAccount?: string }>();
  for (const e of entries) {
    const cause = causeOf(e.error);
    const key = `${e.account ?? ''}\u0000${e.region}\u0000${cause}\u0000${e.vaultAccount ?? ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { region: e.region, ...(e.account ? { account: e.account } : {}), cause, error: e.error, instances: new Set(), ...(e.vaultAccount ? { vaultAccount: e.vaultAccount } : {}) }));
    for (const id of e.instances) g.instances.add(id);
  }
  return [...groups.values()]
    .map((g) => ({ region: g.region, ...(g.account ? { account: g.account } : {}), cause: g.cause, error: g.error, instances: [...g.instances].sort(), ...(g.vaultAccount ? { vaultAccount: g.vaultAccount } : {}) }))
    .sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : a.cause < b.cause ? -1 : 1));
}

/**
 * Members of an account's region whose discovery failed, as far as anyone knows: the fleet members
 * there plus those the ledger knows there (a discovered database is missing from the fleet exactly
 * when its region could not be listed). Ledger keys are `account/region/kind/id`; failures are
 * keyed `account/region`.
 */
export function blindDiscovery(fleet: ResolvedFleet, ledgerKeys: Iterable<string>): Blind[] {
  if (fleet.regionFailures.size === 0) return [];
  const known = new Map<string, string[]>();
  for (const key of ledgerKeys) {
    const [account, region, , id] = key.split('/');
    if (!account || !region || !id || !fleet.regionFailures.has(placeKey(account, region))) continue;
    known.set(placeKey(account, region), [...(known.get(placeKey(account, region)) ?? []), id]);
  }
  return [...fleet.regionFailures].map(([place, error]) => {
    const [account, region] = place.split('/') as [string, string];
    return {
      region,
      error,
      instances: [...fleet.members.filter((m) => m.account === account && m.region === region).map((m) => m.id), ...(known.get(place) ?? [])],
    };
  });
}

/**
 * What a pass could not see: failed discovery, and failed snapshot listings (`account/region/kind`
 * keys). An account out of reach is reported by its members' failures and the pass's problems.
 */
export function unobservedFromPass(fleet: ResolvedFleet, listingFailures: ReadonlyMap<string, ErrorInfo>, members: readonly FleetMember[], ledgerKeys: Iterable<string>): Unobserved[] {
  const listings: Blind[] = [...listingFailures].map(([key, error]) => {
    const [account, region, kind] = key.split('/');
    return { region: region as string, error, instances: members.filter((m) => m.account === account && m.kind === kind && (m.region === region || m.drRegion === region)).map((m) => m.id) };
  });
  return groupUnobserved([...blindDiscovery(fleet, ledgerKeys), ...listings]);
}

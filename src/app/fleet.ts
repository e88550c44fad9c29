import { SnapwardConfig } from '../domain/config';
import { ErrorInfo, SnapwardError, toErrorInfo } from '../domain/errors';
import { FleetMember, Tier, TIERS } from '../domain/types';
import { Accounts } from '../ports/accounts';
import { DatabaseCatalog } from './catalog';

export interface ResolvedFleet {
  readonly members: readonly FleetMember[];
  /** Discovery problems: a region that could not be listed, a tier tag with a bad value, an account out of reach. */
  readonly problems: readonly ErrorInfo[];
  /** `<account>/<region>` whose databases could not be listed, and why: their discovered members are unknown. */
  readonly regionFailures: ReadonlyMap<string, ErrorInfo>;
  /**
   * Accounts that cannot be worked in (their role cannot be assumed, or an account without a role
   * is not the caller's), and why. Their members stay in the fleet so they are reported failed.
   */
  readonly accountFailures: ReadonlyMap<string, ErrorInfo>;
  readonly warnings: readonly string[];
  /** The caller's own account id; UNKNOWN_ACCOUNT when STS could not say (see accountFailures). */
  readonly ownAccount: string;
}

/**
 * Stands for the caller's own account when sts:GetCallerIdentity could not be answered (STS
 * unreachable, credentials rejected): its members are kept, failed and unobserved with that
 * error, and nothing is done for them. It is never an AWS account id, so nothing is keyed on a guess.
 */
export const UNKNOWN_ACCOUNT = 'unknown';

/** The members per account (12-digit id), in fleet order: each account's work is its own. */
export function membersByAccount<M extends Pick<FleetMember, 'account'>>(members: readonly M[]): Map<string, M[]> {
  const out = new Map<string, M[]>();
  for (const m of members) out.set(m.account, [...(out.get(m.account) ?? []), m]);
  return out;
}

/**
 * The members an operator means by `id` (`backup`, `drill`): in `account` (a configured name or a
 * 12-digit id) when given, else in any account. More than one is ambiguous: see `placesOf`.
 */
export function membersWithId(members: readonly FleetMember[], id: string, account?: string): FleetMember[] {
  return members.filter((m) => m.id === id && (account === undefined || m.account === account || m.accountName === account));
}

/** Where the members an ambiguous id names live: `123456789012 (us-east-1), prod-a (us-east-1)`. */
export const placesOf = (members: readonly FleetMember[]): string => members.map((m) => `${m.accountName ?? m.account} (${m.region})`).join(', ');

/** The account and region a regionFailures key names. */
export const placeKey = (account: string, region: string): string => `${account}/${region}`;

/**
 * The fleet for a pass: the configured instances, plus every database carrying a discovery rule's
 * tier tag, each in its account. A configured entry wins over a discovered one with the same
 * account, region and id; a member of an Aurora cluster is never a member itself (it is backed up
 * through its cluster). Every account the fleet uses is verified first (its role assumed): one
 * that cannot be reached fails its own members, never the others'.
 */
export async function resolveFleet(
  config: SnapwardConfig,
  accounts: Accounts,
  catalog: DatabaseCatalog = new DatabaseCatalog(accounts),
): Promise<ResolvedFleet> {
  // No account id is ever guessed: without the caller's own, its members are not worked on at all.
  let ownAccount = UNKNOWN_ACCOUNT;
  let identityFailure: ErrorInfo | null = null;
  try {
    ownAccount = await accounts.ownId();
  } catch (err) {
    identityFailure = toErrorInfo(err, 'discover');
  }
  const named = new Map((config.accounts ?? []).map((a) => [a.name, a]));
  const accountOf = (name: string | undefined): { account: string; accountName: string | null } => {
    if (name === undefined) return { account: ownAccount, accountName: null };
    const a = named.get(name);
    // config/accounts.ts rejects names that are not configured: this is a bug, not bad input.
    if (!a) throw new SnapwardError('INTERNAL', `account ${JSON.stringify(name)} is not under accounts`);
    return { account: a.id, accountName: a.name };
  };

  const accountFailures = new Map<string, ErrorInfo>();
  const problems: ErrorInfo[] = [];
  if (identityFailure) {
    accountFailures.set(UNKNOWN_ACCOUNT, identityFailure);
    problems.push(identityFailure);
  }
  const used = new Set([...config.instances, ...config.discover].map((entry) => accountOf(entry.account).account));
  await Promise.all(
    [...used].filter((account) => account !== UNKNOWN_ACCOUNT).map(async (account) => {
      try {
        await accounts.verify(account);
      } catch (err) {
        const info = toErrorInfo(err, 'discover');
        accountFailures.set(account, info);
        problems.push(info);
      }
    }),
  );

  const members: FleetMember[] = config.instances.map((i) => ({ ...i, ...accountOf(i.account) }));
  const seen = new Set(members.map((m) => placeKey(m.account, `${m.region}/${m.id}`)));
  const regionFailures = new Map<string, ErrorInfo>();
  const warnings: string[] = [];

  const places = new Map<string, { account: string; region: string }>();
  for (const rule of config.discover) {
    const { account } = accountOf(rule.account);
    if (!accountFailures.has(account)) places.set(placeKey(account, rule.region), { account, region: rule.region });
  }
  const listings = await Promise.all(
    [...places].map(async ([key, { account, region }]) => {
      try {
        return { key, databases: await catalog.databases(account, region) };
      } catch (err) {
        problems.push(toErrorInfo(err, 'discover'));
        regionFailures.set(key, toErrorInfo(err, 'discover'));
        return { key, databases: [] };
      }
    }),
  );
  const byPlace = new Map(listings.map((l) => [l.key, l.databases]));

  for (const rule of config.discover) {
    const { account, accountName } = accountOf(rule.account);
    for (const db of byPlace.get(placeKey(account, rule.region)) ?? []) {
      if (!rule.kinds.includes(db.kind) || db.clusterId || !(rule.tierTag in db.tags)) continue;
      const tier = parseTier(db.tags[rule.tierTag] as string);
      if (tier === null) {
        warnings.push(`${db.kind} ${db.id} in ${db.region}${accountName ? ` (account ${accountName})` : ''}: tag ${rule.tierTag}=${JSON.stringify(db.tags[rule.tierTag])} is not a tier 0..3; not backed up`);
        continue;
      }
      const key = placeKey(account, `${rule.region}/${db.id}`);
      if (seen.has(key)) continue;
      seen.add(key);
      members.push({ id: db.id, kind: db.kind, region: rule.region, drRegion: rule.drRegion, tier, account, accountName, origin: 'discovered' });
    }
  }
  return { members, problems, regionFailures, accountFailures, warnings, ownAccount };
}

function parseTier(value: string): Tier | null {
  const n = Number(value.trim());
  return (TIERS as readonly number[]).includes(n) && value.trim() !== '' ? (n as Tier) : null;
}

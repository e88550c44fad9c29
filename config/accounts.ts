import { z } from 'zod';
import { AccountConfig, VaultConfig } from '../src/domain/config';
import { Tier, TIERS } from '../src/domain/types';
import { ConfigProblem, formatPath } from './errors';
import { REGION, REGION_PATTERN } from './patterns';

/**
 * The `accounts` and `vault` keys (many AWS accounts, and a vault account holding a third copy).
 * Kept beside schema.ts, which only plugs these schemas in, so the account rules read in one place.
 */

// IAM's own limits: a role name is 1..64 of [\w+=,.@-]; a path is "/" or "/.../" of the same
// characters plus "/", 512 at most. The partition is any of AWS's (aws, aws-cn, aws-us-gov, ...).
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const ROLE_ARN_PATTERN = /^arn:aws(-[a-z]+)*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/){0,25}[\w+=,.@-]{1,64}$/;
// sts:AssumeRole's ExternalId: 2..1224 characters of [\w+=,.@:/-] (the STS API reference).
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const ACCOUNT_ID =
  'a 12-digit AWS account id as a quoted string like "111111111111" (unquoted, YAML reads it as a number and drops leading zeros)';
const ROLE_ARN = 'an IAM role ARN like arn:aws:iam::111111111111:role/snapward-member';
const EXTERNAL_ID = 'an external id of 2 to 1224 letters, digits or any of + = , . @ : / - _';
const ACCOUNT_NAME = 'an account name of 1 to 64 letters, digits, "-", "_" or "."';

const accountId = z.string({ error: ACCOUNT_ID }).regex(ACCOUNT_ID_PATTERN, { error: ACCOUNT_ID });
const roleArn = z.string({ error: ROLE_ARN }).max(2048, { error: ROLE_ARN }).regex(ROLE_ARN_PATTERN, { error: ROLE_ARN });
const externalId = z.string({ error: EXTERNAL_ID }).regex(EXTERNAL_ID_PATTERN, { error: EXTERNAL_ID });
export const accountNameSchema = z.string({ error: ACCOUNT_NAME }).regex(ACCOUNT_NAME_PATTERN, { error: ACCOUNT_NAME });

/** Same message style as schema.ts's strict(): names the unknown key and lists the known ones. */
function strict<T extends z.ZodRawShape>(shape: T, what: string) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `allowed: ${allowed}` : `${what} with keys ${allowed}`),
  });
}

export const accountSchema = strict(
  { name: accountNameSchema, id: accountId, roleArn: roleArn.optional(), externalId: externalId.optional() },
  'an account',
);

export const accountsSchema = z.array(accountSchema, { error: 'a list of accounts' });

const TIER_LIST = 'a non-empty list of tiers 0..3';
export const vaultSchema = strict(
  {
    account: strict({ id: accountId, roleArn, externalId: externalId.optional() }, 'the vault account'),
    kms: z.record(z.string().regex(REGION_PATTERN), z.string({ error: 'a KMS key id, ARN or alias' }).trim().min(1, { error: 'a KMS key id, ARN or alias' }), {
      error: (issue) =>
        issue.code === 'invalid_key' ? `a key that is ${REGION}` : "a mapping of DR region to the vault's KMS key id, ARN or alias",
    }),
    retentionDays: z
      .int({ error: 'a whole number of days from 1 to 3650' })
      .min(1, { error: 'a whole number of days from 1 to 3650' })
      .max(3650, { error: 'a whole number of days from 1 to 3650' })
      .optional(),
    tiers: z
      .array(z.int({ error: 'an integer tier 0..3' }).min(0, { error: 'an integer tier 0..3' }).max(3, { error: 'an integer tier 0..3' }), { error: TIER_LIST })
      .min(1, { error: TIER_LIST })
      .optional(),
  },
  'vault settings',
);

type AccountsFile = z.output<typeof accountsSchema> | undefined;
type VaultFile = z.output<typeof vaultSchema> | undefined;

/** `accounts` as the config carries it: [] when absent (everything runs in the caller's account). */
export function accountsFromFile(file: AccountsFile): AccountConfig[] {
  return (file ?? []).map((a) => ({
    name: a.name,
    id: a.id,
    ...(a.roleArn !== undefined ? { roleArn: a.roleArn } : {}),
    ...(a.externalId !== undefined ? { externalId: a.externalId } : {}),
  }));
}

/** `vault` with defaults: the fleet's retention, every tier. */
export function vaultFromFile(file: VaultFile, fleetRetentionDays: number): VaultConfig | undefined {
  if (!file) return undefined;
  return {
    account: { id: file.account.id, roleArn: file.account.roleArn, ...(file.account.externalId !== undefined ? { externalId: file.account.externalId } : {}) },
    kms: { ...file.kms },
    retentionDays: file.retentionDays ?? fleetRetentionDays,
    tiers: file.tiers ? [...new Set(file.tiers as Tier[])].sort((a, b) => a - b) : [...TIERS],
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTier = (v: unknown): v is Tier => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 3;

/**
 * Rules across keys: names and ids unique, a role ARN in its own account, `account` naming a
 * configured account, the vault apart from the members and keyed in every DR region it receives
 * copies in, and an accountLoss target only where a vault copy is made. Reads the raw document
 * (like schema.ts's crossFieldProblems) and skips values zod already rejects.
 */
export function accountProblems(input: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: (string | number)[], value: unknown, expected: string) =>
    problems.push({ path: formatPath(path), value, expected });

  const names = new Map<string, string>();
  const ids = new Map<string, string>();
  let ownAccount: string | null = null;
  const accounts = Array.isArray(input.accounts) ? input.accounts : [];
  accounts.forEach((entry: unknown, i) => {
    if (!isRecord(entry)) return;
    if (typeof entry.name === 'string' && ACCOUNT_NAME_PATTERN.test(entry.name)) {
      const first = names.get(entry.name);
      if (first) add(['accounts', i, 'name'], entry.name, `a name not used already (${first} has the same name)`);
      else names.set(entry.name, formatPath(['accounts', i, 'name']));
    }
    if (typeof entry.id === 'string' && ACCOUNT_ID_PATTERN.test(entry.id)) {
      const first = ids.get(entry.id);
      if (first) add(['accounts', i, 'id'], entry.id, `an account id not used already (${first} has the same id)`);
      else ids.set(entry.id, formatPath(['accounts', i, 'id']));
    }
    roleInAccount(entry, ['accounts', i], add);
    // Without a role an account is worked in with the caller's own credentials: only one can be that.
    if (entry.roleArn === undefined && typeof entry.id === 'string' && ACCOUNT_ID_PATTERN.test(entry.id)) {
      if (ownAccount) add(['accounts', i, 'roleArn'], undefined, `${ROLE_ARN} (${ownAccount} has no roleArn already: only the caller's own account goes without one)`);
      else ownAccount = formatPath(['accounts', i]);
    }
  });

  for (const list of ['instances', 'discover'] as const) {
    const entries = input[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, i) => {
      if (!isRecord(entry) || entry.account === undefined) return;
      const path = [list, i, 'account'];
      if (typeof entry.account !== 'string' || !ACCOUNT_NAME_PATTERN.test(entry.account)) return; // zod's
      if (!names.has(entry.account)) {
        const known = [...names.keys()];
        add(path, entry.account, known.length > 0 ? `the name of an account under accounts (${known.join(', ')})` : 'the name of an account under accounts (none is configured)');
      }
    });
  }

  const vault = input.vault;
  const vaultTiers = isRecord(vault) && Array.isArray(vault.tiers) ? new Set(vault.tiers.filter(isTier)) : new Set<Tier>(TIERS);
  if (isRecord(vault)) {
    if (isRecord(vault.account)) {
      roleInAccount(vault.account, ['vault', 'account'], add);
      const id = vault.account.id;
      if (typeof id === 'string' && ids.has(id)) {
        add(['vault', 'account', 'id'], id, `an account other than the fleet's (${ids.get(id)} has the same id): a vault the production account can write to is no vault`);
      }
    }
    if (isRecord(vault.kms)) vaultKeyProblems(input, vault.kms, vaultTiers, add); // no mapping at all: zod's
  }

  if (isRecord(input.tiers)) {
    for (const tier of TIERS) {
      const override = input.tiers[tier];
      if (!isRecord(override) || override.accountLossRpo === undefined) continue;
      if (!isRecord(vault)) add(['tiers', String(tier), 'accountLossRpo'], override.accountLossRpo, 'no accountLoss target without a vault key (the target is measured on vault copies)');
      else if (!vaultTiers.has(tier)) add(['tiers', String(tier), 'accountLossRpo'], override.accountLossRpo, `no accountLoss target for a tier vault.tiers leaves out (tier ${tier} gets no vault copy)`);
    }
  }
  return problems;
}

type Add = (path: (string | number)[], value: unknown, expected: string) => void;

/** A role assumed for an account must be that account's role. */
function roleInAccount(entry: Record<string, unknown>, at: (string | number)[], add: Add): void {
  if (typeof entry.roleArn !== 'string' || typeof entry.id !== 'string' || !ACCOUNT_ID_PATTERN.test(entry.id)) return;
  const match = ROLE_ARN_PATTERN.exec(entry.roleArn);
  if (match && match[2] !== entry.id) add([...at, 'roleArn'], entry.roleArn, `a role in account ${entry.id} (the ARN names account ${match[2]})`);
}

/**
 * The vault copies each covered member's DR copy within its DR region, so the vault needs its own
 * key there. A discover rule may find any tier, so its DR region needs a key whatever vault.tiers says.
 */
function vaultKeyProblems(input: Record<string, unknown>, kms: Record<string, unknown>, tiers: Set<Tier>, add: Add): void {
  const needed = new Map<string, string>();
  const instances = Array.isArray(input.instances) ? input.instances : [];
  instances.forEach((entry: unknown, i) => {
    if (!isRecord(entry) || typeof entry.drRegion !== 'string' || !REGION_PATTERN.test(entry.drRegion) || !isTier(entry.tier)) return;
    if (tiers.has(entry.tier) && !needed.has(entry.drRegion)) needed.set(entry.drRegion, `${formatPath(['instances', i])} is tier ${entry.tier}, which the vault covers`);
  });
  const rules = Array.isArray(input.discover) ? input.discover : [];
  rules.forEach((entry: unknown, i) => {
    if (!isRecord(entry) || typeof entry.drRegion !== 'string' || !REGION_PATTERN.test(entry.drRegion)) return;
    if (!needed.has(entry.drRegion)) needed.set(entry.drRegion, `${formatPath(['discover', i])} copies there and may find any tier`);
  });
  for (const [region, why] of needed) {
    if (!Object.hasOwn(kms, region)) add(['vault', 'kms', region], undefined, `a vault KMS key for DR region ${region} (${why})`);
  }
}

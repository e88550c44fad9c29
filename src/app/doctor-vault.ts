import { toErrorInfo } from '../domain/errors';
import { FleetMember } from '../domain/types';
import { KeyResolver } from '../ports/key-resolver';
import { AppDeps } from './deps';
import type { DoctorItem } from './doctor';

/**
 * The doctor's vault hints (issue 16), per DR region the vault receives copies in: the DR key
 * must be customer managed (a snapshot under aws/rds cannot be shared with the vault account, so
 * every vault copy there fails VAULT_KEY_NOT_SHAREABLE), and the vault's own key there must be
 * usable from the vault account (its role). Read only; could-not-check when KMS does not answer.
 */
export async function vaultItems(deps: AppDeps, members: readonly FleetMember[]): Promise<DoctorItem[]> {
  const { config } = deps;
  const vault = config.vault;
  if (!vault) return [];
  // A discover rule may find any tier, so its DR region counts whatever vault.tiers says.
  const covered = members.filter((m) => vault.tiers.includes(m.tier));
  const regions = [...new Set([...covered.map((m) => m.drRegion), ...config.discover.map((r) => r.drRegion)])].sort();
  const scope = deps.accounts.vault;
  const items: DoctorItem[] = [];
  // The DR key is each member account's own (the same alias resolves to a key per account).
  const drKeys = new Map<string, { account: string | null; name: string | null; region: string }>();
  for (const m of covered) drKeys.set(`${m.account}|${m.drRegion}`, { account: m.account, name: m.accountName, region: m.drRegion });
  for (const r of config.discover) if (!covered.some((m) => m.drRegion === r.drRegion)) drKeys.set(`|${r.drRegion}`, { account: null, name: null, region: r.drRegion });
  for (const region of regions) {
    const drRef = config.kms[region];
    for (const k of [...drKeys.values()].filter((d) => d.region === region && drRef)) {
      const keys = k.account ? scopeKeys(deps, k.account) : deps.keys;
      const where = k.account && drKeys.size > 1 ? ` in ${k.name ?? k.account}` : '';
      items.push(await drKeyItem(keys, region, drRef as string, vault.account.id, where));
    }
    const vaultRef = vault.kms[region];
    const subject = `vault key ${vaultRef ?? '(none)'} (${region})`;
    if (!vaultRef) {
      items.push({ area: 'vault', subject, state: 'problem', detail: `no vault key for ${region}, where the vault receives copies`, fix: `set vault.kms.${region} to a key of the vault account ${vault.account.id} in ${region}` });
    } else if (!scope) {
      items.push({ area: 'vault', subject, state: 'could-not-check', detail: `the vault account ${vault.account.id} cannot be reached from this process`, fix: `check vault.account.roleArn (${vault.account.roleArn})` });
    } else {
      items.push(await vaultKeyItem(scope.keys, region, vaultRef, vault.account.id));
    }
  }
  return items;
}

/** The key resolver of a member's account; an account that cannot be reached answers through its failure. */
function scopeKeys(deps: AppDeps, account: string): KeyResolver {
  try {
    return deps.accounts.scope(account).keys;
  } catch (err) {
    return { resolve: async () => Promise.reject(err), inspect: async () => Promise.reject(err) };
  }
}

async function drKeyItem(keys: KeyResolver, region: string, ref: string, vaultId: string, where = ''): Promise<DoctorItem> {
  const subject = `DR key ${ref} (${region}${where})`;
  try {
    const k = await keys.inspect(region, ref);
    if (k.manager === 'AWS') {
      return {
        area: 'vault',
        subject,
        state: 'problem',
        detail: `the DR key for ${region} is AWS managed (${k.arn ?? ref}): AWS does not let another account use it, so DR copies under it cannot be shared with the vault account ${vaultId}; every vault copy in ${region} fails with VAULT_KEY_NOT_SHAREABLE`,
        fix: `set kms.${region} to a customer managed key whose key policy lets the vault account ${vaultId} use it (kms:Decrypt, kms:DescribeKey, kms:CreateGrant); DR copies made from then on are vaulted`,
      };
    }
    if (k.manager === null) return { area: 'vault', subject, state: 'could-not-check', detail: `KMS did not say who manages the DR key for ${region} (${k.state})`, fix: `check kms.${region}` };
    return { area: 'vault', subject, state: 'ok', detail: `customer managed: DR copies in ${region} can be shared with the vault account ${vaultId} (its key policy must admit that account; the first vault copy proves it)`, fix: null };
  } catch (err) {
    const e = toErrorInfo(err);
    return { area: 'vault', subject, state: 'could-not-check', detail: `could not read the DR key for ${region}: ${e.code}: ${e.message}`, fix: `grant kms:DescribeKey on kms.${region}` };
  }
}

async function vaultKeyItem(keys: KeyResolver, region: string, ref: string, vaultId: string): Promise<DoctorItem> {
  const subject = `vault key ${ref} (${region})`;
  try {
    const k = await keys.inspect(region, ref);
    if (k.state === 'Enabled') return { area: 'vault', subject, state: 'ok', detail: `reachable with the vault's role in ${vaultId}: ${k.arn} is Enabled`, fix: null };
    return {
      area: 'vault',
      subject,
      state: 'problem',
      detail: `the vault key for ${region} ${k.state === 'NotFound' ? 'does not exist in the vault account' : `is ${k.state}`} (${vaultId})`,
      fix: k.state === 'NotFound' ? `create the key (or alias) in the vault account ${vaultId} in ${region}, or correct vault.kms.${region}` : `enable the key in the vault account ${vaultId}`,
    };
  } catch (err) {
    const e = toErrorInfo(err);
    const denied = e.code === 'ACCESS_DENIED' || e.code === 'KMS_KEY_NOT_ACCESSIBLE';
    return {
      area: 'vault',
      subject,
      state: denied ? 'problem' : 'could-not-check',
      detail: `the vault key for ${region} is not reachable with the vault's role (${vaultId}): ${e.code}: ${e.message}`,
      fix: denied ? `let the vault role use the key (kms:DescribeKey, kms:CreateGrant, kms:Encrypt) in its key policy, or correct vault.kms.${region}` : 'check network access to KMS in that region and run doctor again',
    };
  }
}

import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseConfig } from '../../config/load';
import { SnapwardConfig } from '../../src/domain/config';
import { VAULT_KEY_ALIAS } from './account-roles';
import { KMS_KEY_ARN_PATTERN, show } from './validation';

/**
 * What the fleet a stack deploys needs from IAM, read from the fleet YAML itself: the regions it
 * works in, the DR keys it names, the buckets it verifies. The stack grants at least this (the
 * settings may add to it), and a synth whose settings cover less fails with the list.
 */
export interface FleetNeeds {
  /** Where the YAML was read from (for messages). */
  readonly from: string;
  /** Every database region and DR region of `instances` and `discover`. */
  readonly regions: readonly string[];
  /** Source regions only: where the databases (and so their customer managed keys) live. */
  readonly sourceRegions: readonly string[];
  /** DR keys given as key ARNs under `kms:` (granted as they are). */
  readonly keyArns: readonly string[];
  /** DR regions whose `kms:` entry is an alias or key id: IAM needs the key ARN from the settings. */
  readonly keysByReference: ReadonlyArray<{ readonly region: string; readonly ref: string }>;
  /** Every source and replica bucket under `attachments:`. */
  readonly buckets: readonly string[];
  /** The member roles under `accounts:` (the central functions may assume exactly these). */
  readonly memberRoleArns: readonly string[];
  /** The vault role under `vault:`, when there is a vault. */
  readonly vaultRoleArn: string | null;
  /** `vault.kms`: the vault's key per DR region, as the fleet names it. */
  readonly vaultKeys: ReadonlyArray<{ readonly region: string; readonly ref: string }>;
}

/** Reads and validates the fleet YAML (the same parser the functions use) and lists its needs. */
export function readFleetNeeds(path: string): FleetNeeds {
  const config = parseConfig(readFileSync(path, 'utf8'), path, dirname(path));
  return fleetNeeds(config, path);
}

export function fleetNeeds(config: SnapwardConfig, from: string): FleetNeeds {
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  const members = [...config.instances, ...config.discover];
  const keyArns: string[] = [];
  const keysByReference: Array<{ region: string; ref: string }> = [];
  for (const [region, ref] of Object.entries(config.kms)) {
    if (KMS_KEY_ARN_PATTERN.test(ref)) keyArns.push(ref);
    else keysByReference.push({ region, ref });
  }
  return {
    from,
    regions: uniq(members.flatMap((m) => [m.region, m.drRegion])),
    sourceRegions: uniq(members.map((m) => m.region)),
    keyArns: uniq(keyArns),
    keysByReference,
    buckets: uniq(config.attachments.flatMap((a) => [a.source.bucket, a.replica.bucket])),
    memberRoleArns: uniq((config.accounts ?? []).flatMap((a) => (a.roleArn ? [a.roleArn] : []))),
    vaultRoleArn: config.vault?.account.roleArn ?? null,
    vaultKeys: Object.entries(config.vault?.kms ?? {}).map(([region, ref]) => ({ region, ref })),
  };
}

/**
 * The problems with settings that grant less than the fleet needs, each naming what is missing
 * and where the fleet asks for it.
 */
export function uncoveredNeeds(needs: FleetNeeds, granted: { regions: readonly string[]; kmsKeyArns: readonly string[]; attachmentBuckets: readonly string[] }): string[] {
  const problems: string[] = [];
  const missingRegions = needs.regions.filter((r) => !granted.regions.includes(r));
  if (missingRegions.length > 0) {
    problems.push(`regions: ${show(granted.regions)} leaves out ${missingRegions.join(', ')}, which the fleet ${needs.from} uses; add them (or leave regions out to take the fleet's)`);
  }
  for (const { region, ref } of needs.keysByReference) {
    const arnRegion = (arn: string) => KMS_KEY_ARN_PATTERN.exec(arn)?.[2];
    if (!granted.kmsKeyArns.some((arn) => arnRegion(arn) === region)) {
      problems.push(
        `kmsKeyArns: the fleet ${needs.from} encrypts copies in ${region} with ${show(ref)}, which IAM cannot authorize by name; add that key's ARN (aws kms describe-key --region ${region} --key-id ${ref} --query KeyMetadata.Arn)`,
      );
    }
  }
  // The vault role may use only keys carrying the vault stack's alias (kms:ResourceAliases in
  // vault-stack.ts): a key named by another alias would be refused at the first vault copy.
  for (const { region, ref } of needs.vaultKeys) {
    const alias = /(?:^|:)(alias\/.+)$/.exec(ref)?.[1];
    if (alias !== undefined && alias !== VAULT_KEY_ALIAS) {
      problems.push(
        `vault.kms.${region}: the fleet ${needs.from} names ${show(ref)}, but the vault role may use only the vault stack's keys, aliased ${VAULT_KEY_ALIAS} (SnapwardVaultKeyStack); name ${VAULT_KEY_ALIAS} or that key's ARN`,
      );
    }
  }
  const missingBuckets = needs.buckets.filter((b) => !granted.attachmentBuckets.includes(b));
  if (missingBuckets.length > 0) {
    problems.push(`attachmentBuckets: ${show(granted.attachmentBuckets)} leaves out ${missingBuckets.join(', ')}, which the fleet ${needs.from} verifies; add them (or leave attachmentBuckets out to take the fleet's)`);
  }
  return problems;
}

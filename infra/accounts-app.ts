#!/usr/bin/env node
/**
 * The member and vault stacks as their own CDK app (README, "Many accounts and a vault"): they
 * deploy into other accounts than the central stack, so they are synthesised apart from it.
 *
 *   npm run build && node dist/infra/accounts-app.js --props deploy/accounts.json
 *
 * The props file (JSON):
 *   {
 *     "centralAccount": "111122223333",
 *     "centralRoleArns": ["<the central stack's ReconcileRoleArn, AdhocBackupRoleArn, CheckRoleArn, ReportRoleArn outputs>"],
 *     "members": [{ "account": "111111111111", "externalId": "...", "regions": ["us-east-1", "us-west-2"], "kmsKeyArns": ["..."] }],
 *     "vault": { "account": "999999999999", "regions": ["us-west-2"], "externalId": "...", "homeRegion": "us-east-1" }
 *   }
 * Writes one SnapwardMember-<account> stack per member, SnapwardVault (the role, in homeRegion)
 * and one SnapwardVaultKey-<region> per vault region, each with its account and region set.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { show, SnapwardPropsError } from './constructs/validation';
import { SnapwardMemberStack } from './member-stack';
import { SnapwardVaultKeyStack, SnapwardVaultStack } from './vault-stack';

export interface AccountsAppProps {
  readonly centralAccount: string;
  readonly centralRoleArns: readonly string[];
  readonly members?: ReadonlyArray<{ readonly account: string; readonly externalId: string; readonly regions: readonly string[]; readonly sourceRegions?: readonly string[]; readonly kmsKeyArns?: readonly string[] }>;
  readonly vault?: { readonly account: string; readonly regions: readonly string[]; readonly externalId?: string; readonly homeRegion: string; readonly memberAccounts?: readonly string[] };
}

const KEYS = ['centralAccount', 'centralRoleArns', 'members', 'vault'];

/** Builds the stacks into `app` (cdk-nag AwsSolutions checks every one at synth). */
export function buildAccountStacks(app: App, props: AccountsAppProps): void {
  const unknown = Object.keys(props).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new SnapwardPropsError([`unknown key(s) ${unknown.join(', ')}; expected some of ${KEYS.join(', ')}`], 'snapward accounts app');
  const central = { centralAccount: props.centralAccount, centralRoleArns: props.centralRoleArns };
  for (const m of props.members ?? []) {
    new SnapwardMemberStack(app, `SnapwardMember-${m.account}`, {
      ...central,
      env: { account: m.account, region: m.regions[0] },
      externalId: m.externalId,
      regions: m.regions,
      ...(m.sourceRegions ? { sourceRegions: m.sourceRegions } : {}),
      ...(m.kmsKeyArns ? { kmsKeyArns: m.kmsKeyArns } : {}),
      // With a vault, every member shares its DR copies with it (and gets the key-policy output).
      ...(props.vault ? { vaultAccount: props.vault.account } : {}),
      description: 'snapward member role: the central snapward functions back up this account through it',
    });
  }
  if (props.vault) {
    const v = props.vault;
    if (typeof v.homeRegion !== 'string') throw new SnapwardPropsError([`vault.homeRegion: got ${show(v.homeRegion)}, expected the region to deploy the vault role's stack in, e.g. "us-east-1"`], 'snapward accounts app');
    // Members default to every member account above plus the central account (its own databases).
    const memberAccounts = v.memberAccounts ?? [...new Set([props.centralAccount, ...(props.members ?? []).map((m) => m.account)])];
    new SnapwardVaultStack(app, 'SnapwardVault', {
      ...central,
      env: { account: v.account, region: v.homeRegion },
      ...(v.externalId !== undefined ? { externalId: v.externalId } : {}),
      memberAccounts,
      regions: v.regions,
      description: 'snapward vault role',
    });
    for (const region of v.regions) {
      new SnapwardVaultKeyStack(app, `SnapwardVaultKey-${region}`, { env: { account: v.account, region }, description: `snapward vault key in ${region}` });
    }
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): App {
  const at = argv.indexOf('--props');
  const file = at >= 0 ? argv[at + 1] : undefined;
  if (!file) throw new Error('usage: accounts-app --props FILE (a JSON file; see the top of infra/accounts-app.ts)');
  let props: AccountsAppProps;
  try {
    props = JSON.parse(readFileSync(resolve(file), 'utf8')) as AccountsAppProps;
  } catch (err) {
    throw new Error(`props file ${file}: ${(err as Error).message}; expected a JSON object (see the top of infra/accounts-app.ts)`);
  }
  const app = new App({ outdir: env.CDK_OUTDIR ?? join(process.cwd(), 'cdk.out') });
  buildAccountStacks(app, props);
  return app;
}

if (require.main === module) {
  try {
    const assembly = main(process.argv.slice(2)).synth();
    for (const stack of assembly.stacks) process.stderr.write(`snapward: wrote ${relative(process.cwd(), join(assembly.directory, stack.templateFile))}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  accountListProblems,
  CentralTrustProps,
  centralTrust,
  centralTrustProblems,
  regionProblems,
  VAULT_KEY_ALIAS,
  VAULT_ROLE_NAME,
} from './constructs/account-roles';
import { acknowledgeWildcardResources } from './constructs/nag';
import { MANAGED_TAG, SNAPSHOT_ID_PREFIX, SnapshotPermissions, SNAPWARD_TAG_KEYS } from './constructs/snapshot-permissions';
import { show, SnapwardPropsError } from './constructs/validation';

/**
 * A vault copy carries snapward's copy tags plus the account it came from and the vault mark
 * (issue 16 design: `snapward:source-account=<12-digit id>`, `snapward:vault=true`). The vault
 * kind writes these keys and no other new one: the vault role may tag with nothing else.
 */
export const VAULT_SOURCE_ACCOUNT_TAG = 'snapward:source-account';
export const VAULT_MARK_TAG = 'snapward:vault';
export const VAULT_TAG_KEYS: readonly string[] = [...new Set([...SNAPWARD_TAG_KEYS, VAULT_SOURCE_ACCOUNT_TAG, VAULT_MARK_TAG])];

/**
 * KMS actions RDS needs from the caller to copy a snapshot encrypted with a key of another
 * account (RDS user guide, "Sharing encrypted snapshots": the key's policy must let the target
 * account use the key — Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey — and create
 * grants for AWS resources, and the target account's IAM policy must allow the same on that key).
 * CreateGrant is kept apart (SHARED_SNAPSHOT_KEY_GRANT) so it can carry kms:GrantIsForAWSResource.
 */
export const SHARED_SNAPSHOT_KEY_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  // The guide's ReEncrypt* and GenerateDataKey*, spelt out (no wildcard actions: cdk-nag IAM5).
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
] as const;
export const SHARED_SNAPSHOT_KEY_GRANT = 'kms:CreateGrant';
const forAwsResource = { Bool: { 'kms:GrantIsForAWSResource': 'true' } };

const viaRds = (regions: readonly string[]) => ({ 'kms:ViaService': regions.map((r) => `rds.${r}.amazonaws.com`) });

export interface SnapwardVaultStackProps extends StackProps, CentralTrustProps {
  /** The member accounts whose DR copies are shared with the vault. */
  readonly memberAccounts: readonly string[];
  /** The DR regions vault copies are made in (each needs a SnapwardVaultKeyStack). */
  readonly regions: readonly string[];
  /** @default 'snapward-vault' */
  readonly roleName?: string;
}

/**
 * Deployed once in the vault account: the vault role. Its trust admits only the central
 * functions' roles (with the external id when set). It may read snapshots, copy the member
 * accounts' shared sw-* snapshots into sw-* snapshots of the vault account, re-encrypted with the
 * vault's own key (alias/snapward-vault), tag them as managed, and delete only managed sw-*
 * snapshots of the vault account. Nothing in a member account can write here: no member
 * principal is trusted, and the vault's keys admit only this role.
 */
export class SnapwardVaultStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SnapwardVaultStackProps) {
    super(scope, id, props);
    const problems = [
      ...centralTrustProblems(props, { externalIdRequired: false }),
      ...accountListProblems('memberAccounts', props.memberAccounts),
      ...regionProblems('regions', props.regions),
    ];
    if (!Token.isUnresolved(this.account) && Array.isArray(props.memberAccounts) && props.memberAccounts.includes(this.account)) {
      problems.push(`memberAccounts: ${show(props.memberAccounts)} holds the vault's own account ${this.account}; a vault the production account can write to is no vault`);
    }
    if (problems.length > 0) throw new SnapwardPropsError(problems, 'snapward vault stack');

    this.role = new iam.Role(this, 'VaultRole', {
      roleName: props.roleName ?? VAULT_ROLE_NAME,
      assumedBy: centralTrust(props),
      maxSessionDuration: Duration.hours(1),
      description: 'snapward vault role: copies the member accounts\' shared DR snapshots into this account and expires them',
    });
    const regions = [...props.regions];
    const stack = Stack.of(this);
    const rdsArn = (region: string, account: string, type: 'snapshot' | 'cluster-snapshot') =>
      stack.formatArn({ service: 'rds', region, account, resource: type, resourceName: `${SNAPSHOT_ID_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const types = ['snapshot', 'cluster-snapshot'] as const;
    const vaultSnapshots = regions.flatMap((r) => types.map((t) => rdsArn(r, stack.account, t)));
    const memberSnapshots = props.memberAccounts.flatMap((a) => regions.flatMap((r) => types.map((t) => rdsArn(r, a, t))));

    this.allow('RdsDescribeVaultSnapshots', {
      actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': regions } },
    });
    // RDS authorizes a copy on the source and on the target snapshot.
    this.allow('RdsCopySharedSnapshotsIntoVault', { actions: ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot'], resources: [...memberSnapshots, ...vaultSnapshots] });
    this.allow('RdsTagVaultCopiesOnCreate', {
      actions: ['rds:AddTagsToResource'],
      resources: vaultSnapshots,
      conditions: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...VAULT_TAG_KEYS] },
        StringEquals: { [`aws:RequestTag/${MANAGED_TAG.key}`]: MANAGED_TAG.value },
      },
    });
    // Deletes: only sw-* snapshots of the vault account tagged snapward:managed=true.
    new SnapshotPermissions(this, 'Permissions', { regions, sourceRegions: regions, kmsKeyArns: [], attachmentBuckets: [] }).grantDeleteManagedSnapshots(this.role);

    const vaultKeys = regions.map((region) => stack.formatArn({ service: 'kms', region, resource: 'key', resourceName: '*' }));
    const isVaultKey = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [VAULT_KEY_ALIAS] } };
    this.allow('KmsDescribeVaultKeys', { actions: ['kms:DescribeKey'], resources: vaultKeys, conditions: isVaultKey });
    this.allow('KmsCreateGrantOnVaultKeysForRds', {
      actions: ['kms:CreateGrant'],
      resources: vaultKeys,
      conditions: { ...isVaultKey, Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: viaRds(regions) },
    });
    // The members' DR keys, which encrypt the shared DR copies: RDS uses them on the vault role's
    // behalf while it copies (and the member's key policy must say the same, memberDrKeyStatementsForVault).
    const memberKeys = props.memberAccounts.flatMap((account) => regions.map((region) => stack.formatArn({ service: 'kms', region, account, resource: 'key', resourceName: '*' })));
    this.allow('KmsUseMemberDrKeysThroughRds', { actions: [...SHARED_SNAPSHOT_KEY_ACTIONS], resources: memberKeys, conditions: { StringEquals: viaRds(regions) } });
    this.allow('KmsCreateGrantOnMemberDrKeysForRds', { actions: [SHARED_SNAPSHOT_KEY_GRANT], resources: memberKeys, conditions: { ...forAwsResource, StringEquals: viaRds(regions) } });

    new CfnOutput(this, 'VaultRoleArn', { value: this.role.roleArn, description: "vault.account.roleArn in the fleet's snapward.yaml" });
  }

  private allow(sid: string, props: iam.PolicyStatementProps): void {
    const policy = new iam.Policy(this.role, sid, { statements: [new iam.PolicyStatement({ sid, ...props })] });
    this.role.attachInlinePolicy(policy);
    acknowledgeWildcardResources(policy, props.resources ?? [], vaultWildcardReason);
  }
}

const VAULT_WILDCARD_REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\*$/, 'Describe calls over snapshots shared with the vault and the vault\'s own: their ids are generated per instance and period, and a shared snapshot is described by the sharing account\'s ARN. Read-only, limited to the DR regions by aws:RequestedRegion.'],
  [/:rds:[a-z0-9-]+:.+:(snapshot|cluster-snapshot):sw-\*$/, "snapward's snapshots (sw-<instance>-<period>): the member accounts' shared DR copies as copy sources and the vault's copies as targets, in the DR regions only. Deletion additionally requires the snapward:managed=true tag."],
  [/:kms:[a-z0-9-]+:.+:key\/\*$/, "KMS keys by account and region, narrowed by condition: the vault's own keys only through their alias alias/snapward-vault (kms:ResourceAliases), the member accounts' DR keys only through RDS (kms:ViaService) for copying their shared snapshots. Key ids are created per account and region and are not known to this stack."],
];

function vaultWildcardReason(resource: string): string {
  const found = VAULT_WILDCARD_REASONS.find(([pattern]) => pattern.test(resource));
  if (!found) throw new Error(`vault permissions: no justification written for the wildcard resource ${resource}; add one or narrow the resource`);
  return found[1];
}

export interface SnapwardVaultKeyStackProps extends StackProps {
  /** @default 'snapward-vault' (the vault stack's role, in this stack's account) */
  readonly vaultRoleName?: string;
  /** @default the DR region's own RDS endpoint */
  readonly regions?: readonly string[];
}

/**
 * One per DR region in the vault account: the key vault copies are encrypted with there
 * (alias/snapward-vault), rotated yearly and retained when the stack goes (a key deleted with a
 * stack takes every copy it encrypts with it). Its policy lets the account administer the key
 * but not use it; only the vault role may use it, only through RDS. No member account is named:
 * production cannot decrypt, grant on or schedule the deletion of the vault's keys.
 */
export class SnapwardVaultKeyStack extends Stack {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: SnapwardVaultKeyStackProps = {}) {
    super(scope, id, props);
    const roleArn = Stack.of(this).formatArn({ service: 'iam', region: '', resource: 'role', resourceName: props.vaultRoleName ?? VAULT_ROLE_NAME });
    const account = new iam.AccountRootPrincipal();
    const regions = props.regions ?? [this.region];
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountAdministersNotUses',
          principals: [account],
          actions: [
            'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*',
            'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand',
          ],
          resources: ['*'],
        }),
        // A copy encrypted under a customer managed key needs kms:CreateGrant and kms:DescribeKey
        // from the caller (RDS user guide, "AWS KMS key management"); RDS does the rest by grant.
        new iam.PolicyStatement({
          sid: 'VaultRoleCreatesGrantsForRds',
          principals: [new iam.AccountRootPrincipal().withConditions({ ArnEquals: { 'aws:PrincipalArn': roleArn } })],
          actions: [SHARED_SNAPSHOT_KEY_GRANT],
          resources: ['*'],
          conditions: { ...forAwsResource, StringEquals: viaRds(regions) },
        }),
        new iam.PolicyStatement({
          sid: 'VaultRoleDescribes',
          principals: [new iam.AccountRootPrincipal().withConditions({ ArnEquals: { 'aws:PrincipalArn': roleArn } })],
          actions: ['kms:DescribeKey'],
          resources: ['*'],
        }),
      ],
    });
    this.key = new kms.Key(this, 'VaultKey', {
      description: 'snapward vault: encrypts the vault copies of the member accounts\' DR snapshots in this region',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
      policy,
    });
    this.key.addAlias(VAULT_KEY_ALIAS);
    new CfnOutput(this, 'VaultKeyArn', { value: this.key.keyArn, description: `vault.kms.${this.region} (or ${VAULT_KEY_ALIAS}) in the fleet's snapward.yaml` });
  }
}

/**
 * The statements a member account adds to the policy of each DR key its copies use, so the vault
 * role can copy the shared DR snapshots (RDS user guide, "Sharing encrypted snapshots": the key
 * policy of the source account's customer managed key gives the target account the key's use and
 * grants for AWS resources). Only the vault role, only through RDS in the given regions.
 * Snapshots encrypted with the AWS managed aws/rds key cannot be shared at all (same page), so the
 * DR key must be customer managed. The member stack outputs these (SnapwardMemberStack, prop
 * vaultAccount) for the keys it is given.
 */
export function memberDrKeyStatementsForVault(props: { vaultAccount: string; vaultRoleName?: string; regions: readonly string[]; partition?: string }): iam.PolicyStatement[] {
  const roleArn = `arn:${props.partition ?? 'aws'}:iam::${props.vaultAccount}:role/${props.vaultRoleName ?? VAULT_ROLE_NAME}`;
  const vaultRole = () => new iam.AccountPrincipal(props.vaultAccount).withConditions({ ArnEquals: { 'aws:PrincipalArn': roleArn } });
  return [
    new iam.PolicyStatement({
      sid: 'SnapwardVaultCopiesSharedSnapshots',
      principals: [vaultRole()],
      actions: [...SHARED_SNAPSHOT_KEY_ACTIONS],
      resources: ['*'],
      conditions: { StringEquals: viaRds(props.regions) },
    }),
    new iam.PolicyStatement({
      sid: 'SnapwardVaultGrantsForRds',
      principals: [vaultRole()],
      actions: [SHARED_SNAPSHOT_KEY_GRANT],
      resources: ['*'],
      conditions: { ...forAwsResource, StringEquals: viaRds(props.regions) },
    }),
  ];
}

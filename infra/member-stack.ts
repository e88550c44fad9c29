import { CfnOutput, Duration, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ACCOUNT_ID_PATTERN } from '../config/accounts';
import { CentralTrustProps, centralTrust, centralTrustProblems, MEMBER_ROLE_NAME, regionProblems } from './constructs/account-roles';
import { DrillPermissions } from './constructs/drill-permissions';
import { SnapshotPermissions } from './constructs/snapshot-permissions';
import { checkList, KMS_KEY_ARN_PATTERN, show, SnapwardPropsError } from './constructs/validation';
import { memberDrKeyStatementsForVault } from './vault-stack';

export interface SnapwardMemberStackProps extends StackProps, CentralTrustProps {
  /** Required: a member role is assumed only with the fleet's external id for this account. */
  readonly externalId: string;
  /** Every region the account's databases and their DR copies are in. */
  readonly regions: readonly string[];
  /**
   * The regions the databases live in (their customer managed keys are used through RDS there).
   * @default regions
   */
  readonly sourceRegions?: readonly string[];
  /** The account's DR key ARNs (what its fleet's `kms:` names, as key ARNs). @default [] */
  readonly kmsKeyArns?: readonly string[];
  /** @default 'snapward-member' (then `accounts[].roleArn` is arn:aws:iam::<account>:role/snapward-member) */
  readonly roleName?: string;
  /**
   * The vault account (`vault.account.id`), when the fleet keeps vault copies of this account's
   * databases: the role may then share and unshare its managed sw-* snapshots (the vault copy's
   * first and last steps), and the stack outputs the key-policy statements each DR key needs so
   * the vault role can copy the shared DR copies. @default no vault: no sharing
   */
  readonly vaultAccount?: string;
  /** @default 'snapward-vault' (the vault stack's role name) */
  readonly vaultRoleName?: string;
}

/**
 * Deployed once in each member account (an account whose databases the central snapward
 * protects): the member role. Its trust admits only the central functions' roles, with the
 * external id; its permissions are the same tag-guarded ones the central stack grants its
 * functions today (SnapshotPermissions, DrillPermissions), in this account: snapshots named sw-*,
 * created only with a whole snapward tag set, deleted (and, with a vault, shared) only when tagged
 * snapward:managed=true; drill databases sw-drill-* restored and deleted only with their tag.
 */
export class SnapwardMemberStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SnapwardMemberStackProps) {
    super(scope, id, props);
    const problems = [
      ...centralTrustProblems(props, { externalIdRequired: true }),
      ...regionProblems('regions', props.regions),
      ...(props.sourceRegions !== undefined ? regionProblems('sourceRegions', props.sourceRegions) : []),
      ...checkList('kmsKeyArns', props.kmsKeyArns ?? [], (arn, at) => (KMS_KEY_ARN_PATTERN.test(arn) ? null : `${at}: got ${show(arn)}, expected a KMS key ARN (not an alias)`), { allowEmpty: true }),
    ];
    if (props.vaultAccount !== undefined) {
      if (typeof props.vaultAccount !== 'string' || !ACCOUNT_ID_PATTERN.test(props.vaultAccount)) {
        problems.push(`vaultAccount: got ${show(props.vaultAccount)}, expected the vault account's 12-digit id as a string (vault.account.id), or leave it out without a vault`);
      } else if (!Token.isUnresolved(this.account) && props.vaultAccount === this.account) {
        problems.push(`vaultAccount: ${show(props.vaultAccount)} is this member account itself; a vault the production account can write to is no vault`);
      }
    }
    if (problems.length > 0) throw new SnapwardPropsError(problems, 'snapward member stack');

    this.role = new iam.Role(this, 'MemberRole', {
      roleName: props.roleName ?? MEMBER_ROLE_NAME,
      assumedBy: centralTrust(props),
      // The central side asks for an hour (adapters/aws/account-credentials.ts) and refreshes.
      maxSessionDuration: Duration.hours(1),
      description: 'snapward member role: the central snapward functions back up this account\'s databases through it',
    });
    const permissions = new SnapshotPermissions(this, 'Permissions', {
      regions: props.regions,
      sourceRegions: props.sourceRegions ?? props.regions,
      kmsKeyArns: props.kmsKeyArns ?? [],
      attachmentBuckets: [],
    });
    // The union of what the central reconcile, ad hoc backup, check and report functions are
    // granted for snapshots in their own account: one member role serves them all.
    permissions.grantReadFleet(this.role, { automatedBackups: true, quotas: true });
    permissions.grantInspectKeys(this.role);
    permissions.grantTakeSnapshots(this.role);
    permissions.grantCopySnapshots(this.role);
    permissions.grantDeleteManagedSnapshots(this.role);
    permissions.grantUseKeys(this.role);
    // Restore drills of this account's databases run with this role (restored and swept here);
    // their validation hook is invoked from the central account, so no lambda grant.
    new DrillPermissions(this, 'DrillPermissions', { regions: props.regions }).grantDrills(this.role);
    if (props.vaultAccount !== undefined) {
      permissions.grantShareManagedSnapshots(this.role);
      // A key policy cannot be changed from another stack: the statements are an output for the
      // account's DR keys (README, "Many accounts and a vault": the key-policy requirement).
      const statements = memberDrKeyStatementsForVault({ vaultAccount: props.vaultAccount, regions: props.regions, partition: this.partition, ...(props.vaultRoleName ? { vaultRoleName: props.vaultRoleName } : {}) });
      new CfnOutput(this, 'DrKeyPolicyStatementsForVault', {
        value: this.toJsonString(statements.map((st) => st.toStatementJson())),
        description: "Add these statements to the key policy of each customer managed DR key of this account, so the vault role can copy the shared DR copies (aws/rds-encrypted snapshots cannot be shared)",
      });
    }

    new CfnOutput(this, 'MemberRoleArn', { value: this.role.roleArn, description: "accounts[].roleArn for this account in the fleet's snapward.yaml" });
  }
}

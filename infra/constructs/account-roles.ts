import * as iam from 'aws-cdk-lib/aws-iam';
import { ACCOUNT_ID_PATTERN, EXTERNAL_ID_PATTERN, ROLE_ARN_PATTERN } from '../../config/accounts';
import { checkList, REGION_PATTERN, show } from './validation';

/**
 * The roles snapward works through in other accounts (README, "Many accounts and a vault"): a
 * member role in each account whose databases it protects, a vault role in the vault account,
 * each trusting only the central functions' roles; and the central roles' right to assume
 * exactly those roles and no other.
 */

/** @default role names of the member and vault stacks (what `accounts[].roleArn` and `vault.account.roleArn` name). */
export const MEMBER_ROLE_NAME = 'snapward-member';
export const VAULT_ROLE_NAME = 'snapward-vault';
/** The alias of the vault's key in each DR region (what `vault.kms.<region>` names). */
export const VAULT_KEY_ALIAS = 'alias/snapward-vault';

export interface CentralTrustProps {
  /** The account the central snapward stack runs in. */
  readonly centralAccount: string;
  /**
   * The central functions' role ARNs (the central stack's `...RoleArn` outputs): only these may
   * assume the role. Every one must be in `centralAccount`.
   */
  readonly centralRoleArns: readonly string[];
  /** Required in the request (sts:ExternalId) when set. */
  readonly externalId?: string;
}

/**
 * Who may assume a member or vault role: principals of the central account whose ARN is one of
 * the central functions' roles (aws:PrincipalArn), with the external id when one is set. The
 * central account as principal plus a PrincipalArn condition, rather than the role ARNs as
 * principals, keeps the trust valid when a central role is replaced (IAM pins a role principal
 * to the role's unique id, so a recreated role would silently lose access).
 */
export function centralTrust(props: CentralTrustProps): iam.IPrincipal {
  return new iam.AccountPrincipal(props.centralAccount).withConditions({
    ArnEquals: { 'aws:PrincipalArn': [...props.centralRoleArns] },
    ...(props.externalId !== undefined ? { StringEquals: { 'sts:ExternalId': props.externalId } } : {}),
  });
}

/** sts:AssumeRole on exactly `roleArns` (the member and vault roles the fleet names), nothing else. */
export function grantAssumeAccountRoles(role: iam.Role, roleArns: readonly string[]): void {
  if (roleArns.length === 0) return;
  const policy = new iam.Policy(role, 'StsAssumeAccountRoles', {
    statements: [new iam.PolicyStatement({ sid: 'StsAssumeAccountRoles', actions: ['sts:AssumeRole'], resources: [...new Set(roleArns)].sort() })],
  });
  role.attachInlinePolicy(policy);
}

/** Problems with the trust props, each naming the prop, the value and what is expected. */
export function centralTrustProblems(props: CentralTrustProps, { externalIdRequired }: { externalIdRequired: boolean }): string[] {
  const problems: string[] = [];
  if (typeof props.centralAccount !== 'string' || !ACCOUNT_ID_PATTERN.test(props.centralAccount)) {
    problems.push(`centralAccount: got ${show(props.centralAccount)}, expected the 12-digit id of the account the central snapward stack runs in, as a string`);
  }
  problems.push(
    ...checkList(
      'centralRoleArns',
      props.centralRoleArns,
      (arn, at) => {
        const m = ROLE_ARN_PATTERN.exec(arn);
        if (!m) return `${at}: got ${show(arn)}, expected an IAM role ARN such as "arn:aws:iam::111122223333:role/Snapward-ReconcileServiceRole1A2B3C" (the central stack's outputs)`;
        return m[2] === props.centralAccount ? null : `${at}: the role is in account ${m[2]}, not in centralAccount ${show(props.centralAccount)}`;
      },
      { allowEmpty: false },
    ),
  );
  if (props.externalId === undefined) {
    if (externalIdRequired) problems.push('externalId: missing, expected the external id the fleet configures for this account (accounts[].externalId): the trust requires it');
  } else if (typeof props.externalId !== 'string' || !EXTERNAL_ID_PATTERN.test(props.externalId)) {
    problems.push(`externalId: got ${show(props.externalId)}, expected 2 to 1224 letters, digits or any of + = , . @ : / - _`);
  }
  return problems;
}

export function regionProblems(name: string, regions: unknown): string[] {
  return checkList(name, regions, (r, at) => (REGION_PATTERN.test(r) ? null : `${at}: got ${show(r)}, expected an AWS region code such as "us-east-1"`), { allowEmpty: false });
}

export function accountListProblems(name: string, accounts: unknown): string[] {
  return checkList(name, accounts, (a, at) => (ACCOUNT_ID_PATTERN.test(a) ? null : `${at}: got ${show(a)}, expected a 12-digit AWS account id as a string`), { allowEmpty: false });
}

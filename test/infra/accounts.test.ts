import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapwardMemberStack, SnapwardMemberStackProps } from '../../infra/member-stack';
import { SnapwardStack } from '../../infra/snapward-stack';
import { memberDrKeyStatementsForVault, SnapwardVaultKeyStack, SnapwardVaultStack, VAULT_TAG_KEYS } from '../../infra/vault-stack';
import { SNAPWARD_TAG_KEYS } from '../../infra/constructs/snapshot-permissions';
import { ACCOUNT as CENTRAL, policiesOfRole, PolicyDocument, REGION, resolveIntrinsics } from './lib/template-policies';

/**
 * The member and vault stacks, and the central stack's right to assume their roles: exact trust
 * policies and statements, then the IAM policy simulator (@cloud-copilot/iam-simulate) both ways
 * over the synthesised policies: what must be allowed is, and what must not be is denied.
 */
const ROOT = join(__dirname, '..', '..');
const MEMBER_A = '111111111111';
const MEMBER_B = '222222222222';
const VAULT = '999999999999';
const MEMBER_A_ROLE = `arn:aws:iam::${MEMBER_A}:role/snapward-member`;
const MEMBER_B_ROLE = `arn:aws:iam::${MEMBER_B}:role/snapward-member`;
const VAULT_ROLE = `arn:aws:iam::${VAULT}:role/snapward-vault`;
const REGIONS = ['us-east-1', 'us-west-2'];

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }>;
type Json = { Resources: Resources; Outputs?: Record<string, { Value: unknown }> };
const app = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const json = (stack: Stack) => Template.fromStack(stack).toJSON() as Json;
const roleId = (stack: Stack, role: iam.Role) => stack.getLogicalId(role.node.defaultChild as CfnElement);
const statements = (template: Json, id: string) => policiesOfRole(template, id).flatMap((p) => p.policy.Statement);
const trustOf = (template: Json, id: string) => resolveIntrinsics(template.Resources[id]?.Properties.AssumeRolePolicyDocument, template.Resources) as PolicyDocument;

// The central stack over a fleet with two member accounts and a vault.
const central = (() => {
  const stack = new SnapwardStack(app(), 'Snapward', { projectRoot: ROOT, env: { account: CENTRAL, region: REGION }, fleetConfig: { file: 'test/infra/fixtures/fleet-accounts.yaml' } });
  const template = json(stack);
  const ids = {
    reconcile: roleId(stack, stack.functions.reconcile.role),
    adhocBackup: roleId(stack, stack.functions.adhocBackup.role),
    check: roleId(stack, stack.functions.check.role),
    verifyReplication: roleId(stack, stack.functions.verifyReplication.role),
    report: roleId(stack, stack.drDashboard.reportFunction.role),
  };
  const arn = (id: string) => resolveIntrinsics({ 'Fn::GetAtt': [id, 'Arn'] }, template.Resources) as string;
  return { stack, template, ids, arn };
})();
const CENTRAL_ROLES = [central.arn(central.ids.reconcile), central.arn(central.ids.adhocBackup), central.arn(central.ids.check), central.arn(central.ids.report)];

function memberStack(over: Partial<SnapwardMemberStackProps> = {}) {
  const stack = new SnapwardMemberStack(app(), 'SnapwardMember', {
    env: { account: MEMBER_A, region: 'us-east-1' },
    centralAccount: CENTRAL,
    centralRoleArns: CENTRAL_ROLES,
    externalId: 'snapward-prod-a',
    regions: REGIONS,
    sourceRegions: ['us-east-1'],
    kmsKeyArns: [`arn:aws:kms:us-west-2:${MEMBER_A}:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9`],
    ...over,
  });
  return { stack, template: json(stack), id: roleId(stack, stack.role) };
}
const member = memberStack();
const vault = (() => {
  const stack = new SnapwardVaultStack(app(), 'SnapwardVault', {
    env: { account: VAULT, region: 'us-east-1' },
    centralAccount: CENTRAL,
    centralRoleArns: [central.arn(central.ids.reconcile), central.arn(central.ids.check)],
    externalId: 'snapward-vault',
    memberAccounts: [CENTRAL, MEMBER_A, MEMBER_B],
    regions: ['us-west-2'],
  });
  return { stack, template: json(stack), id: roleId(stack, stack.role) };
})();
const vaultKey = (() => {
  const stack = new SnapwardVaultKeyStack(app(), 'SnapwardVaultKeyUsw2', { env: { account: VAULT, region: 'us-west-2' } });
  const template = json(stack);
  const keyId = Object.keys(template.Resources).find((k) => template.Resources[k]?.Type === 'AWS::KMS::Key') as string;
  return { stack, template, keyId, policy: resolveIntrinsics(template.Resources[keyId]?.Properties.KeyPolicy, template.Resources) as PolicyDocument };
})();

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
interface Ask {
  principal: string;
  identity: Array<{ name: string; policy: PolicyDocument }>;
  action: string;
  resource: string;
  resourceAccount: string;
  resourcePolicy?: PolicyDocument;
  context?: Record<string, string | string[]>;
}
async function simulate(ask: Ask): Promise<Decision> {
  const res = await runSimulation(
    {
      identityPolicies: ask.identity,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(ask.resourcePolicy ? { resourcePolicy: ask.resourcePolicy } : {}),
      // AWS sets aws:PrincipalArn on every request (a role session's is its role's ARN); the simulator needs it given.
      request: { principal: ask.principal, action: ask.action, resource: { resource: ask.resource, accountId: ask.resourceAccount }, contextVariables: { 'aws:PrincipalArn': ask.principal, ...ask.context } },
    },
    {},
  );
  if (res.resultType === 'error') throw new Error(`simulator refused ${ask.action} on ${ask.resource}: ${JSON.stringify(res.errors)}`);
  return res.overallResult as Decision;
}
const allowAll = (action: string): Array<{ name: string; policy: PolicyDocument }> => [{ name: 'broad', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] } }];

describe('central stack: assumes exactly the fleet\'s member and vault roles', () => {
  const assumeResources = (id: string) => statements(central.template, id).filter((s) => [s.Action].flat().includes('sts:AssumeRole')).map((s) => s.Resource);

  it('reconcile and check may assume the member roles and the vault role; ad hoc backup and report the member roles; replication none', () => {
    expect(assumeResources(central.ids.reconcile)).toEqual([[MEMBER_A_ROLE, MEMBER_B_ROLE, VAULT_ROLE]]);
    expect(assumeResources(central.ids.check)).toEqual([[MEMBER_A_ROLE, MEMBER_B_ROLE, VAULT_ROLE]]);
    expect(assumeResources(central.ids.adhocBackup)).toEqual([[MEMBER_A_ROLE, MEMBER_B_ROLE]]);
    expect(assumeResources(central.ids.report)).toEqual([[MEMBER_A_ROLE, MEMBER_B_ROLE]]);
    expect(assumeResources(central.ids.verifyReplication)).toEqual([]);
    expect(Object.keys(central.template.Outputs ?? {})).toEqual(expect.arrayContaining(['ReconcileRoleArn', 'AdhocBackupRoleArn', 'CheckRoleArn', 'ReportRoleArn']));
  });

  it('a fleet without accounts grants no sts:AssumeRole to any role', () => {
    const stack = new SnapwardStack(app(), 'Snapward', { projectRoot: ROOT, env: { account: CENTRAL, region: REGION }, fleetConfig: { file: 'test/infra/fixtures/fleet-two-regions.yaml' } });
    const policies = Object.values(json(stack).Resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    expect(policies.length).toBeGreaterThan(10);
    expect(JSON.stringify(policies)).not.toContain('sts:AssumeRole');
  });

  it('refuses a fleet whose vault key is named by an alias the vault role may not use (only alias/snapward-vault)', () => {
    const fleet = readFileSync(join(ROOT, 'test/infra/fixtures/fleet-accounts.yaml'), 'utf8').replace('kms: { us-west-2: alias/snapward-vault }', 'kms: { us-west-2: alias/vault }');
    const copy = join(mkdtempSync(join(tmpdir(), 'snapward-vault-alias-')), 'fleet.yaml');
    writeFileSync(copy, fleet);
    const build = () => new SnapwardStack(app(), 'Snapward', { projectRoot: ROOT, env: { account: CENTRAL, region: REGION }, fleetConfig: { s3Uri: 's3://ops/snapward.yaml' }, fleetConfigCopy: copy });
    expect(build).toThrow(`vault.kms.us-west-2: the fleet ${copy} names "alias/vault", but the vault role may use only the vault stack's keys, aliased alias/snapward-vault (SnapwardVaultKeyStack); name alias/snapward-vault or that key's ARN`);
    writeFileSync(copy, fleet.replace('alias/vault', `arn:aws:kms:us-west-2:999999999999:key/7b7b7b7b-1111-2222-3333-444455556666`));
    expect(build).not.toThrow();
  });

  it('simulated: reconcile may assume a member role, not any other role of that account; replication may assume none', async () => {
    const anyTrust: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'sts:AssumeRole' }] };
    const ask = (id: string, resource: string) =>
      simulate({ principal: central.arn(id), identity: policiesOfRole(central.template, id), action: 'sts:AssumeRole', resource, resourceAccount: resource.split(':')[4] as string, resourcePolicy: anyTrust });
    expect(await ask(central.ids.reconcile, MEMBER_A_ROLE)).toBe('Allowed');
    expect(await ask(central.ids.reconcile, VAULT_ROLE)).toBe('Allowed');
    expect(await ask(central.ids.reconcile, `arn:aws:iam::${MEMBER_A}:role/OrganizationAccountAccessRole`)).toBe('ImplicitlyDenied');
    expect(await ask(central.ids.adhocBackup, VAULT_ROLE)).toBe('ImplicitlyDenied');
    expect(await ask(central.ids.verifyReplication, MEMBER_A_ROLE)).toBe('ImplicitlyDenied');
  });
});

describe('member stack', () => {
  it('the member role trusts only the central functions\' roles, with the external id, for an hour at most', () => {
    const role = member.template.Resources[member.id]!.Properties;
    expect(role.RoleName).toBe('snapward-member');
    expect(role.MaxSessionDuration).toBe(3600);
    expect(trustOf(member.template, member.id)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` },
          Condition: { ArnEquals: { 'aws:PrincipalArn': CENTRAL_ROLES }, StringEquals: { 'sts:ExternalId': 'snapward-prod-a' } },
        },
      ],
    });
  });

  it('grants the central stack\'s tag-guarded snapshot statements, in the member account', () => {
    const bySid = Object.fromEntries(statements(member.template, member.id).map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(
      [
        'KmsCreateGrantOnDrKeysForRds', 'KmsCreateGrantOnSourceKeysForRds', 'KmsDescribeDrKeys', 'KmsDescribeSourceKeysThroughRds', 'KmsInspectKeys', 'RdsCopyOwnSnapshots', 'RdsCreateClusterSnapshots', 'RdsCreateDbSnapshots', 'RdsDeleteManagedClusterSnapshots', 'RdsDeleteManagedDbSnapshots', 'RdsDescribeFleet', 'RdsTagOwnSnapshotsOnCreate',
        // restore drills of the member's databases (constructs/drill-permissions.ts), no hook invoke
        'RdsDeleteDrillClusters', 'RdsDeleteDrillInstances', 'RdsRestoreDrillClusters', 'RdsRestoreDrillInstances', 'RdsTagDrillDatabases',
      ].sort(),
    );
    expect(bySid.RdsDeleteManagedDbSnapshots).toEqual({
      Sid: 'RdsDeleteManagedDbSnapshots',
      Effect: 'Allow',
      Action: 'rds:DeleteDBSnapshot',
      Resource: REGIONS.map((r) => `arn:aws:rds:${r}:${MEMBER_A}:snapshot:sw-*`),
      Condition: { StringEquals: { 'rds:snapshot-tag/snapward:managed': 'true' } },
    });
    expect(bySid.RdsTagOwnSnapshotsOnCreate?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': [...SNAPWARD_TAG_KEYS] },
      StringEquals: { 'aws:RequestTag/snapward:managed': 'true' },
    });
  });

  it('simulated trust: the central functions with the external id may assume it; a wrong or missing id, another central role, or a principal of the member account may not', async () => {
    const trust = trustOf(member.template, member.id);
    const assume = (principal: string, identity: Array<{ name: string; policy: PolicyDocument }>, context: Record<string, string> = {}) =>
      simulate({ principal, identity, action: 'sts:AssumeRole', resource: MEMBER_A_ROLE, resourceAccount: MEMBER_A, resourcePolicy: trust, context });
    const reconcile = { arn: central.arn(central.ids.reconcile), identity: policiesOfRole(central.template, central.ids.reconcile) };
    expect(await assume(reconcile.arn, reconcile.identity, { 'sts:ExternalId': 'snapward-prod-a' })).toBe('Allowed');
    expect(await assume(central.arn(central.ids.check), policiesOfRole(central.template, central.ids.check), { 'sts:ExternalId': 'snapward-prod-a' })).toBe('Allowed');
    expect(await assume(reconcile.arn, reconcile.identity, { 'sts:ExternalId': 'snapward-prod-b' })).toBe('ImplicitlyDenied');
    expect(await assume(reconcile.arn, reconcile.identity)).toBe('ImplicitlyDenied');
    // Another role of the central account, even one allowed sts:AssumeRole on everything.
    expect(await assume(`arn:aws:iam::${CENTRAL}:role/Admin`, allowAll('sts:AssumeRole'), { 'sts:ExternalId': 'snapward-prod-a' })).toBe('ImplicitlyDenied');
    expect(await assume(central.arn(central.ids.verifyReplication), allowAll('sts:AssumeRole'), { 'sts:ExternalId': 'snapward-prod-a' })).toBe('ImplicitlyDenied');
    // A principal in the member account itself (production's own admins cannot borrow the role).
    expect(await assume(`arn:aws:iam::${MEMBER_A}:role/Admin`, allowAll('sts:AssumeRole'), { 'sts:ExternalId': 'snapward-prod-a' })).toBe('ImplicitlyDenied');
  });

  it('simulated permissions: snapward\'s own snapshots created with the tag set and deleted only when managed; nothing else', async () => {
    const identity = policiesOfRole(member.template, member.id);
    const ask = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
      simulate({ principal: MEMBER_A_ROLE, identity, action, resource, resourceAccount: MEMBER_A, context });
    const snap = (name: string) => `arn:aws:rds:us-west-2:${MEMBER_A}:snapshot:${name}`;
    const tags = { 'aws:TagKeys': ['snapward:managed', 'snapward:instance'], 'aws:RequestTag/snapward:managed': 'true', 'aws:RequestTag/snapward:instance': 'jira-1' };
    expect(await ask('rds:DeleteDBSnapshot', snap('sw-jira-1-20261029'), { 'rds:snapshot-tag/snapward:managed': 'true' })).toBe('Allowed');
    expect(await ask('rds:DeleteDBSnapshot', snap('sw-jira-1-20261029'))).toBe('ImplicitlyDenied');
    expect(await ask('rds:DeleteDBSnapshot', snap('nightly-by-hand'), { 'rds:snapshot-tag/snapward:managed': 'true' })).toBe('ImplicitlyDenied');
    expect(await ask('rds:DeleteDBSnapshot', `arn:aws:rds:eu-west-1:${MEMBER_A}:snapshot:sw-jira-1-20261029`, { 'rds:snapshot-tag/snapward:managed': 'true' })).toBe('ImplicitlyDenied');
    expect(await ask('rds:CreateDBSnapshot', snap('sw-jira-1-20261129'), tags)).toBe('Allowed');
    expect(await ask('rds:AddTagsToResource', snap('sw-jira-1-20261129'), { ...tags, 'aws:TagKeys': ['snapward:managed', 'owner'] })).toBe('ImplicitlyDenied');
    expect(await ask('rds:DeleteDBInstance', `arn:aws:rds:us-east-1:${MEMBER_A}:db:jira-1`)).toBe('ImplicitlyDenied');
  });

  it('refuses bad props, naming the prop, the value and what is expected', () => {
    expect(() => memberStack({ centralRoleArns: [`arn:aws:iam::${MEMBER_B}:role/x`], externalId: undefined as unknown as string, regions: ['us-east'] })).toThrow(
      [
        'invalid snapward member stack props (3 problems):',
        `  centralRoleArns[0]: the role is in account ${MEMBER_B}, not in centralAccount "${CENTRAL}"`,
        '  externalId: missing, expected the external id the fleet configures for this account (accounts[].externalId): the trust requires it',
        '  regions[0]: got "us-east", expected an AWS region code such as "us-east-1"',
      ].join('\n'),
    );
    expect(() => memberStack({ centralAccount: '1234', centralRoleArns: [] })).toThrow(/centralAccount: got "1234", expected the 12-digit id[^\n]*\n {2}centralRoleArns: got \[\], expected at least one entry/);
  });

  it('passes cdk-nag AwsSolutions', () => {
    const report = new AwsSolutionsChecks().validateScope(member.stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(Annotations.fromStack(member.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});

describe('vault stack', () => {
  const identity = policiesOfRole(vault.template, vault.id);
  const ask = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    // RDS authorizes a shared snapshot through its restore attribute, not a resource policy, so the
    // identity side is what is simulated here, for resources of either account.
    simulate({ principal: VAULT_ROLE, identity, action, resource, resourceAccount: VAULT, context });
  const vaultSnap = (name: string) => `arn:aws:rds:us-west-2:${VAULT}:snapshot:${name}`;
  const memberSnap = (name: string) => `arn:aws:rds:us-west-2:${MEMBER_A}:snapshot:${name}`;

  it('the vault role trusts only the central reconcile and check roles, with the external id', () => {
    expect(vault.template.Resources[vault.id]!.Properties.RoleName).toBe('snapward-vault');
    expect(trustOf(vault.template, vault.id).Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` },
        Condition: { ArnEquals: { 'aws:PrincipalArn': [central.arn(central.ids.reconcile), central.arn(central.ids.check)] }, StringEquals: { 'sts:ExternalId': 'snapward-vault' } },
      },
    ]);
  });

  it('simulated: copies the members\' shared sw-* snapshots into vault sw-* snapshots tagged as managed with the source account', async () => {
    const tagged = (keys: readonly string[]) => ({ 'aws:TagKeys': [...keys], 'aws:RequestTag/snapward:managed': 'true' });
    expect(await ask('rds:CopyDBSnapshot', memberSnap('sw-jira-1-20261129'))).toBe('Allowed');
    expect(await ask('rds:CopyDBSnapshot', vaultSnap('sw-jira-1-20261129'))).toBe('Allowed');
    expect(await ask('rds:CopyDBClusterSnapshot', `arn:aws:rds:us-west-2:${MEMBER_B}:cluster-snapshot:sw-billing-20261129`)).toBe('Allowed');
    expect(await ask('rds:CopyDBSnapshot', memberSnap('nightly-by-hand'))).toBe('ImplicitlyDenied');
    expect(await ask('rds:CopyDBSnapshot', `arn:aws:rds:us-west-2:333333333333:snapshot:sw-jira-1-20261129`)).toBe('ImplicitlyDenied');
    expect(await ask('rds:AddTagsToResource', vaultSnap('sw-jira-1-20261129'), tagged(VAULT_TAG_KEYS))).toBe('Allowed');
    expect(await ask('rds:AddTagsToResource', vaultSnap('sw-jira-1-20261129'), tagged(['snapward:managed', 'owner']))).toBe('ImplicitlyDenied');
    expect(await ask('rds:AddTagsToResource', vaultSnap('sw-jira-1-20261129'), { 'aws:TagKeys': ['snapward:instance'] })).toBe('ImplicitlyDenied');
    // Never in a member account: no tagging, no sharing, no deleting there.
    expect(await ask('rds:AddTagsToResource', memberSnap('sw-jira-1-20261129'), tagged(VAULT_TAG_KEYS))).toBe('ImplicitlyDenied');
    expect(await ask('rds:ModifyDBSnapshotAttribute', memberSnap('sw-jira-1-20261129'))).toBe('ImplicitlyDenied');
  });

  it('simulated: deletes only managed sw-* snapshots of the vault account', async () => {
    expect(await ask('rds:DeleteDBSnapshot', vaultSnap('sw-jira-1-20261001'), { 'rds:snapshot-tag/snapward:managed': 'true' })).toBe('Allowed');
    expect(await ask('rds:DeleteDBSnapshot', vaultSnap('sw-jira-1-20261001'))).toBe('ImplicitlyDenied');
    expect(await ask('rds:DeleteDBSnapshot', vaultSnap('legal-hold-2026'), { 'rds:snapshot-tag/snapward:managed': 'true' })).toBe('ImplicitlyDenied');
    expect(await ask('rds:DeleteDBSnapshot', memberSnap('sw-jira-1-20261001'), { 'rds:snapshot-tag/snapward:managed': 'true' })).toBe('ImplicitlyDenied');
    expect(await ask('rds:DeleteDBClusterSnapshot', `arn:aws:rds:us-west-2:${VAULT}:cluster-snapshot:sw-billing-20261001`, { 'rds:cluster-snapshot-tag/snapward:managed': 'true' })).toBe('Allowed');
  });

  it('simulated keys: the vault role uses the vault key only through RDS; the vault account administers it but cannot decrypt; no member principal may touch it', async () => {
    const key = `arn:aws:kms:us-west-2:${VAULT}:key/5a5a5a5a-1111-2222-3333-444455556666`;
    const viaRds = { 'kms:ViaService': 'rds.us-west-2.amazonaws.com', 'kms:ResourceAliases': ['alias/snapward-vault'], 'kms:GrantIsForAWSResource': 'true' };
    const onKey = (principal: string, identityPolicies: Ask['identity'], action: string, context: Record<string, string | string[]> = {}) =>
      simulate({ principal, identity: identityPolicies, action, resource: key, resourceAccount: VAULT, resourcePolicy: vaultKey.policy, context });
    expect(await onKey(VAULT_ROLE, identity, 'kms:CreateGrant', viaRds)).toBe('Allowed');
    expect(await onKey(VAULT_ROLE, identity, 'kms:DescribeKey', { 'kms:ResourceAliases': ['alias/snapward-vault'] })).toBe('Allowed');
    expect(await onKey(VAULT_ROLE, identity, 'kms:CreateGrant', { ...viaRds, 'kms:ViaService': 'ec2.us-west-2.amazonaws.com' })).toBe('ImplicitlyDenied');
    expect(await onKey(VAULT_ROLE, allowAll('kms:Decrypt'), 'kms:Decrypt')).toBe('ImplicitlyDenied');
    const admin = `arn:aws:iam::${VAULT}:role/Admin`;
    expect(await onKey(admin, allowAll('kms:*'), 'kms:Decrypt', { 'kms:ViaService': 'rds.us-west-2.amazonaws.com' })).toBe('ImplicitlyDenied');
    expect(await onKey(admin, allowAll('kms:*'), 'kms:CreateGrant', viaRds)).toBe('Allowed'); // kms:Create* is administration
    expect(await onKey(admin, allowAll('kms:*'), 'kms:ScheduleKeyDeletion')).toBe('Allowed');
    for (const action of ['kms:Decrypt', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy']) {
      expect(await onKey(MEMBER_A_ROLE, allowAll('kms:*'), action, viaRds)).toBe('ImplicitlyDenied');
    }
  });

  it('the vault key policy: the account administers, the vault role only describes and creates grants for RDS; no other principal, no member account', () => {
    const byId = Object.fromEntries(vaultKey.policy.Statement.map((st) => [st.Sid, st]));
    expect(Object.keys(byId).sort()).toEqual(['AccountAdministersNotUses', 'VaultRoleCreatesGrantsForRds', 'VaultRoleDescribes']);
    const vaultRoleOnly = { ArnEquals: { 'aws:PrincipalArn': VAULT_ROLE } };
    expect(byId.VaultRoleCreatesGrantsForRds).toEqual({
      Sid: 'VaultRoleCreatesGrantsForRds',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${VAULT}:root` },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { ...vaultRoleOnly, Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: { 'kms:ViaService': ['rds.us-west-2.amazonaws.com'] } },
    });
    expect(byId.VaultRoleDescribes).toMatchObject({ Action: 'kms:DescribeKey', Condition: vaultRoleOnly });
    expect([byId.AccountAdministersNotUses?.Action].flat()).not.toEqual(expect.arrayContaining(['kms:Decrypt']));
    const principals = JSON.stringify(vaultKey.policy.Statement.map((st) => st.Principal));
    for (const account of [CENTRAL, MEMBER_A, MEMBER_B]) expect(principals).not.toContain(account);
  });

  it('the vault key is rotated, retained when its stack goes, and aliased alias/snapward-vault', () => {
    const key = vaultKey.template.Resources[vaultKey.keyId]!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(Object.values(vaultKey.template.Resources).filter((r) => r.Type === 'AWS::KMS::Alias').map((r) => r.Properties.AliasName)).toEqual(['alias/snapward-vault']);
  });

  it('simulated: a member DR key with the vault statement lets the vault role copy through RDS, and no one else of the vault account', async () => {
    const memberKey = `arn:aws:kms:us-west-2:${MEMBER_A}:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9`;
    const keyPolicy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'EnableIamUserPermissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MEMBER_A}:root` }, Action: 'kms:*', Resource: '*' },
        ...memberDrKeyStatementsForVault({ vaultAccount: VAULT, regions: ['us-west-2'] }).map((st) => resolveIntrinsics(Stack.of(vault.stack).resolve(st.toStatementJson()), {}) as Record<string, unknown>),
      ],
    };
    const onMemberKey = (principal: string, identityPolicies: Ask['identity'], action: string, context: Record<string, string | string[]>) =>
      simulate({ principal, identity: identityPolicies, action, resource: memberKey, resourceAccount: MEMBER_A, resourcePolicy: keyPolicy, context });
    const viaRds = { 'kms:ViaService': 'rds.us-west-2.amazonaws.com' };
    expect(await onMemberKey(VAULT_ROLE, identity, 'kms:Decrypt', viaRds)).toBe('Allowed');
    expect(await onMemberKey(VAULT_ROLE, identity, 'kms:CreateGrant', { ...viaRds, 'kms:GrantIsForAWSResource': 'true' })).toBe('Allowed');
    // A grant the vault role would create for itself (not for RDS) is refused by both policies.
    expect(await onMemberKey(VAULT_ROLE, identity, 'kms:CreateGrant', viaRds)).toBe('ImplicitlyDenied');
    expect(await onMemberKey(VAULT_ROLE, identity, 'kms:Decrypt', {})).toBe('ImplicitlyDenied');
    expect(await onMemberKey(`arn:aws:iam::${VAULT}:role/Admin`, allowAll('kms:*'), 'kms:Decrypt', viaRds)).toBe('ImplicitlyDenied');
  });

  it('refuses the vault\'s own account among the members', () => {
    expect(
      () =>
        new SnapwardVaultStack(app(), 'V', { env: { account: VAULT, region: 'us-east-1' }, centralAccount: CENTRAL, centralRoleArns: CENTRAL_ROLES, memberAccounts: [MEMBER_A, VAULT], regions: ['us-west-2'] }),
    ).toThrow(`memberAccounts: ["${MEMBER_A}","${VAULT}"] holds the vault's own account ${VAULT}; a vault the production account can write to is no vault`);
  });

  it('passes cdk-nag AwsSolutions (role and keys)', () => {
    for (const stack of [vault.stack, vaultKey.stack]) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    }
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../infra/accounts-app';

/** The accounts CDK app: member and vault stacks from one props file, each in its own account and region. */
const CENTRAL_ROLE = 'arn:aws:iam::111122223333:role/Snapward-ReconcileRole286C6F45-AbC123';

function propsFile(props: unknown): { file: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'snapward-accounts-app-'));
  const file = join(dir, 'accounts.json');
  writeFileSync(file, JSON.stringify(props));
  return { file, out: join(dir, 'cdk.out') };
}

describe('accounts app', () => {
  it('writes a member stack per member account, the vault role stack and a vault key stack per region, cdk-nag passing', () => {
    const { file, out } = propsFile({
      centralAccount: '111122223333',
      centralRoleArns: [CENTRAL_ROLE],
      members: [
        { account: '111111111111', externalId: 'snapward-prod-a', regions: ['us-east-1', 'us-west-2'] },
        { account: '222222222222', externalId: 'snapward-prod-b', regions: ['eu-west-1', 'eu-central-1'] },
      ],
      vault: { account: '999999999999', regions: ['us-west-2', 'eu-central-1'], homeRegion: 'us-east-1' },
    });
    const assembly = main(['--props', file], { CDK_OUTDIR: out }).synth();
    expect(assembly.stacks.map((s) => [s.stackName, s.environment.account, s.environment.region]).sort()).toEqual(
      [
        ['SnapwardMember-111111111111', '111111111111', 'us-east-1'],
        ['SnapwardMember-222222222222', '222222222222', 'eu-west-1'],
        ['SnapwardVault', '999999999999', 'us-east-1'],
        ['SnapwardVaultKey-eu-central-1', '999999999999', 'eu-central-1'],
        ['SnapwardVaultKey-us-west-2', '999999999999', 'us-west-2'],
      ].sort(),
    );
    // The vault takes copies from every member and from the central account's own databases.
    const vault = readFileSync(join(out, 'SnapwardVault.template.json'), 'utf8');
    for (const account of ['111122223333', '111111111111', '222222222222']) expect(vault).toContain(`:rds:us-west-2:${account}:snapshot:sw-*`);
    // With a vault, each member role may share its managed snapshots, and its stack says what its DR keys' policies need.
    const member = JSON.parse(readFileSync(join(out, 'SnapwardMember-111111111111.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: { PolicyDocument?: { Statement: Array<{ Sid: string }> } } }>; Outputs: Record<string, unknown> };
    const sids = Object.values(member.Resources).flatMap((r) => (r.Type === 'AWS::IAM::Policy' ? (r.Properties.PolicyDocument?.Statement ?? []).map((st) => st.Sid) : []));
    expect(sids).toEqual(expect.arrayContaining(['RdsShareManagedDbSnapshots', 'RdsShareManagedClusterSnapshots']));
    expect(JSON.stringify(member.Outputs.DrKeyPolicyStatementsForVault)).toContain('999999999999:role/snapward-vault');
  });

  it('without a vault, member roles share nothing and output no key-policy statements', () => {
    const { file, out } = propsFile({ centralAccount: '111122223333', centralRoleArns: [CENTRAL_ROLE], members: [{ account: '111111111111', externalId: 'snapward-prod-a', regions: ['us-east-1', 'us-west-2'] }] });
    main(['--props', file], { CDK_OUTDIR: out }).synth();
    const member = readFileSync(join(out, 'SnapwardMember-111111111111.template.json'), 'utf8');
    expect(member).not.toContain('SnapshotAttribute');
    expect(member).not.toContain('DrKeyPolicyStatementsForVault');
  });

  it('refuses unknown keys and a member without its external id, naming them', () => {
    const unknown = propsFile({ centralAccount: '111122223333', centralRoleArns: [CENTRAL_ROLE], vaults: {} });
    expect(() => main(['--props', unknown.file], { CDK_OUTDIR: unknown.out })).toThrow('unknown key(s) vaults; expected some of centralAccount, centralRoleArns, members, vault');
    const noId = propsFile({ centralAccount: '111122223333', centralRoleArns: [CENTRAL_ROLE], members: [{ account: '111111111111', regions: ['us-east-1'] }] });
    expect(() => main(['--props', noId.file], { CDK_OUTDIR: noId.out })).toThrow(/externalId: missing, expected the external id/);
  });
});

import { runDoctor, StoreCheck } from '../../src/app/doctor';
import { SnapwardError } from '../../src/domain/errors';
import { PreflightProbe } from '../../src/ports/preflight';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';
import { FakeKeys, FakeRds } from '../support/fake-provider';

const store: StoreCheck = { path: '/s/state.db', exists: true, writable: true, schemaVersion: 6, currentVersion: 6, problem: null };
const probe: PreflightProbe = {
  callerIdentity: async () => ({ account: '123456789012', arn: 'arn:aws:iam::123456789012:user/ops' }),
  describeKey: async (region, ref) => ({ arn: `arn:aws:kms:${region}:123456789012:key/${ref}`, state: 'Enabled', usage: 'ENCRYPT_DECRYPT', spec: 'SYMMETRIC_DEFAULT' }),
  describeEventBus: async (_region, name) => ({ arn: `arn:aws:events:us-east-1:123456789012:event-bus/${name}` }),
};
const VAULT_ID = '999999999999';

function withVault(drKey: string, tiers: (0 | 1 | 2 | 3)[] = [0, 1, 2, 3]) {
  const h = harness({
    instances: [member({ id: 'db1', tier: 1 })],
    kms: { 'us-west-2': drKey },
    vault: { account: { id: VAULT_ID, roleArn: `arn:aws:iam::${VAULT_ID}:role/snapward-vault` }, kms: { 'us-west-2': 'alias/vault' }, retentionDays: 35, tiers },
  });
  h.rds.addDatabase({ id: 'db1' });
  const vaultKeys = new FakeKeys();
  h.accounts.vault = { id: VAULT_ID, name: null, provider: new FakeRds(h.clock), keys: vaultKeys, restores: h.restores };
  return { h, vaultKeys };
}

const vaultItems = async (h: ReturnType<typeof withVault>['h']) => (await runDoctor(h.deps, probe, store)).items.filter((i) => i.area === 'vault');

describe('doctor: vault hints', () => {
  it('an AWS managed DR key in a DR region the vault covers is a problem naming VAULT_KEY_NOT_SHAREABLE and the fix', async () => {
    const { h } = withVault('alias/aws/rds');
    const items = await vaultItems(h);
    expect(items.find((i) => i.subject === 'DR key alias/aws/rds (us-west-2)')).toMatchObject({
      state: 'problem',
      detail: expect.stringMatching(/AWS managed.*cannot be shared with the vault account 999999999999.*VAULT_KEY_NOT_SHAREABLE/),
      fix: expect.stringMatching(/kms\.us-west-2 to a customer managed key whose key policy lets the vault account 999999999999 use it/),
    });
  });

  it('a customer managed DR key and a reachable vault key are fine', async () => {
    const { h } = withVault('alias/snapward-dr');
    const items = await vaultItems(h);
    expect(items.map((i) => [i.subject, i.state])).toEqual([
      ['DR key alias/snapward-dr (us-west-2)', 'ok'],
      ['vault key alias/vault (us-west-2)', 'ok'],
    ]);
  });

  it('a vault key the vault role cannot reach, or that does not exist there, is a problem', async () => {
    const { h, vaultKeys } = withVault('alias/snapward-dr');
    vaultKeys.inspect = async () => {
      throw new SnapwardError('ACCESS_DENIED', 'AccessDeniedException: not authorized to perform kms:DescribeKey');
    };
    expect((await vaultItems(h)).find((i) => i.subject === 'vault key alias/vault (us-west-2)')).toMatchObject({ state: 'problem', detail: expect.stringMatching(/not reachable with the vault's role \(999999999999\)/) });
    const missing = withVault('alias/snapward-dr');
    missing.vaultKeys.missing.add('us-west-2');
    expect((await vaultItems(missing.h)).find((i) => i.subject === 'vault key alias/vault (us-west-2)')).toMatchObject({ state: 'problem', detail: expect.stringMatching(/does not exist in the vault account/) });
  });

  it("each member account's DR key is read in that account: the one whose key is AWS managed is named", async () => {
    const PROD_A = '111111111111';
    const h = harness({
      instances: [member({ id: 'db1', tier: 1 }), member({ id: 'db2', tier: 1, account: PROD_A, accountName: 'prod-a' })],
      accounts: [{ name: 'prod-a', id: PROD_A, roleArn: `arn:aws:iam::${PROD_A}:role/snapward-member` }],
      kms: { 'us-west-2': 'alias/snapward-dr' },
      vault: { account: { id: VAULT_ID, roleArn: `arn:aws:iam::${VAULT_ID}:role/snapward-vault` }, kms: { 'us-west-2': 'alias/vault' }, retentionDays: 35, tiers: [1] },
    });
    h.rds.addDatabase({ id: 'db1' });
    const prodKeys = new FakeKeys();
    prodKeys.awsManaged.add('alias/snapward-dr');
    const prodRds = new FakeRds(h.clock).addDatabase({ id: 'db2' });
    h.accounts.add({ id: PROD_A, name: 'prod-a', provider: prodRds, keys: prodKeys, restores: h.restores });
    h.accounts.vault = { id: VAULT_ID, name: null, provider: new FakeRds(h.clock), keys: new FakeKeys(), restores: h.restores };
    const items = await vaultItems(h);
    expect(items.filter((i) => i.subject.startsWith('DR key')).map((i) => [i.subject, i.state])).toEqual([
      ['DR key alias/snapward-dr (us-west-2 in 123456789012)', 'ok'],
      ['DR key alias/snapward-dr (us-west-2 in prod-a)', 'problem'],
    ]);
  });

  it('no vault, or no covered tier in any DR region: no vault items', async () => {
    const plain = harness({ instances: [member({ id: 'db1' })], kms: { 'us-west-2': 'alias/aws/rds' } });
    plain.rds.addDatabase({ id: 'db1' });
    expect((await runDoctor(plain.deps, probe, store)).items.filter((i) => i.area === 'vault')).toEqual([]);
    const { h } = withVault('alias/aws/rds', [0]);
    expect(await vaultItems(h)).toEqual([]);
  });
});

import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CopyDBSnapshotCommand, DBSnapshot, DescribeDBSnapshotsCommand, ModifyDBSnapshotAttributeCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../src/adapters/aws/clients';
import { KmsKeyResolver } from '../../src/adapters/aws/kms-key-resolver';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { reconcile } from '../../src/app/reconcile';
import { TAG } from '../../src/domain/tags';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';
import { FakeAccounts, OWN_ACCOUNT } from '../support/fake-accounts';
import { FakeRestores } from '../support/fake-restores';

/**
 * The vault copy through the real RDS and KMS adapters, with scripted SDK answers: moto 5.1.1
 * resolves a copy's source ARN in the caller's own account, so a cross-account copy cannot run
 * end to end there. What is scripted follows the RDS user guide, "Sharing a DB snapshot"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html): the owner adds
 * the other account to the snapshot's `restore` attribute (ModifyDBSnapshotAttribute ValuesToAdd),
 * the other account copies it by its full ARN with a key of its own (CopyDBSnapshot KmsKeyId,
 * "Copying a shared, encrypted snapshot"), and the owner removes the account again
 * (ValuesToRemove). The two accounts' calls are told apart by the credentials they sign with.
 */
const rds = mockClient(RDSClient);
const kms = mockClient(KMSClient);
afterAll(() => {
  rds.restore();
  kms.restore();
});

const VAULT_ID = '999999999999';
const DR_ARN = `arn:aws:rds:us-west-2:${OWN_ACCOUNT}:snapshot:sw-db1-20261124`;
const creds = (accessKeyId: string) => async () => ({ accessKeyId, secretAccessKey: 'x' });
const accountOf = async (getClient: () => RDSClient | KMSClient): Promise<string> => ((await getClient().config.credentials()).accessKeyId === 'VAULT' ? VAULT_ID : OWN_ACCOUNT);

it('shares the DR copy from the member account, copies it by ARN with the vault role under the vault key, and unshares once available', async () => {
  const drCopy: DBSnapshot = {
    DBSnapshotIdentifier: 'sw-db1-20261124', DBSnapshotArn: DR_ARN, DBInstanceIdentifier: 'db1', Status: 'available', SnapshotType: 'manual', Encrypted: true,
    KmsKeyId: `arn:aws:kms:us-west-2:${OWN_ACCOUNT}:key/dr`, SnapshotCreateTime: new Date('2026-11-24T03:00:00Z'), OriginalSnapshotCreateTime: new Date('2026-11-24T01:00:00Z'),
    TagList: [{ Key: TAG.managed, Value: 'true' }, { Key: TAG.instance, Value: 'db1' }, { Key: TAG.type, Value: 'daily' }, { Key: TAG.sourceRegion, Value: 'us-east-1' },
      { Key: TAG.sourceSnapshot, Value: 'sw-db1-20261124' }, { Key: TAG.recoveryPoint, Value: '2026-11-24T01:00:00.000Z' }],
  };
  const primary: DBSnapshot = { ...drCopy, DBSnapshotArn: DR_ARN.replace('us-west-2', 'us-east-1'), TagList: drCopy.TagList?.filter((t) => !t.Key?.startsWith('snapward:source') && t.Key !== TAG.recoveryPoint) };
  const world: Record<string, Record<string, DBSnapshot[]>> = { [OWN_ACCOUNT]: { 'us-east-1': [primary], 'us-west-2': [drCopy] }, [VAULT_ID]: { 'us-east-1': [], 'us-west-2': [] } };
  const shares = new Set<string>();
  rds.on(DescribeDBSnapshotsCommand).callsFake(async (input, getClient) => {
    const all = world[await accountOf(getClient)]?.[await getClient().config.region()] ?? [];
    const ids = input.Filters?.find((f: { Name?: string }) => f.Name === 'db-snapshot-id')?.Values;
    return { DBSnapshots: ids ? all.filter((s) => ids.includes(s.DBSnapshotIdentifier as string)) : all };
  });
  rds.on(ModifyDBSnapshotAttributeCommand).callsFake(async (input, getClient) => {
    if ((await accountOf(getClient)) !== OWN_ACCOUNT) throw Object.assign(new Error('not the owner'), { name: 'AccessDenied' });
    for (const a of input.ValuesToAdd ?? []) shares.add(a);
    for (const a of input.ValuesToRemove ?? []) shares.delete(a);
    return {};
  });
  rds.on(CopyDBSnapshotCommand).callsFake(async (input, getClient) => {
    const account = await accountOf(getClient);
    if (account !== VAULT_ID || !shares.has(VAULT_ID)) throw Object.assign(new Error(`DBSnapshot ${input.SourceDBSnapshotIdentifier} not found.`), { name: 'DBSnapshotNotFoundFault' });
    const s: DBSnapshot = { ...drCopy, DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier, DBSnapshotArn: `arn:aws:rds:us-west-2:${VAULT_ID}:snapshot:${input.TargetDBSnapshotIdentifier}`, Status: 'pending', KmsKeyId: input.KmsKeyId, TagList: input.Tags };
    world[VAULT_ID]?.['us-west-2']?.push(s);
    return { DBSnapshot: s };
  });
  kms.on(DescribeKeyCommand).callsFake(async (input, getClient) => {
    const account = await accountOf(getClient);
    return { KeyMetadata: { KeyId: 'k', Arn: `arn:aws:kms:us-west-2:${account}:key/${account === VAULT_ID ? 'vault' : 'dr'}`, KeyState: 'Enabled', KeyManager: 'CUSTOMER' } };
  });

  const h = harness({ instances: [member({ id: 'db1', account: OWN_ACCOUNT })], kms: { 'us-west-2': 'alias/dr' }, vault: { account: { id: VAULT_ID, roleArn: `arn:aws:iam::${VAULT_ID}:role/snapward-vault` }, kms: { 'us-west-2': 'alias/vault' }, retentionDays: 35, tiers: [0, 1, 2, 3] } });
  const own = new AwsClients({ maxAttempts: 1, credentials: creds('OWN') });
  const vault = new AwsClients({ maxAttempts: 1, credentials: creds('VAULT') });
  const accounts = new FakeAccounts({ id: OWN_ACCOUNT, name: null, provider: new RdsSnapshotProvider(own), keys: new KmsKeyResolver(own), restores: h.restores });
  accounts.vault = { id: VAULT_ID, name: null, provider: new RdsSnapshotProvider(vault), keys: new KmsKeyResolver(vault), restores: new FakeRestores(h.clock, h.rds) };
  const deps = h.with({ accounts, provider: accounts.scope(OWN_ACCOUNT).provider, keys: accounts.scope(OWN_ACCOUNT).keys });

  const pass1 = await reconcile(deps, { trigger: 'test' });
  expect(pass1.results[0]).toMatchObject({ status: 'ok', vaulted: [{ id: 'sw-v123456789012-db1-20261124', region: 'us-west-2' }] });
  const modify = rds.commandCalls(ModifyDBSnapshotAttributeCommand).map((c) => c.args[0].input);
  expect(modify).toEqual([{ DBSnapshotIdentifier: 'sw-db1-20261124', AttributeName: 'restore', ValuesToAdd: [VAULT_ID] }]);
  const copy = rds.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input);
  expect(copy).toEqual([expect.objectContaining({ SourceDBSnapshotIdentifier: DR_ARN, TargetDBSnapshotIdentifier: 'sw-v123456789012-db1-20261124', KmsKeyId: `arn:aws:kms:us-west-2:${VAULT_ID}:key/vault` })]);
  expect(copy[0]?.Tags).toEqual(expect.arrayContaining([{ Key: TAG.sourceAccount, Value: OWN_ACCOUNT }, { Key: TAG.vault, Value: 'true' }, { Key: TAG.recoveryPoint, Value: '2026-11-24T01:00:00.000Z' }]));
  expect([...shares]).toEqual([VAULT_ID]);

  // AWS finishes the copy; the next pass reads it by id with the vault's credentials and unshares.
  (world[VAULT_ID]?.['us-west-2']?.[0] as DBSnapshot).Status = 'available';
  const pass2 = await reconcile(deps, { trigger: 'test' });
  expect(pass2.results[0]?.status).toBe('ok');
  expect(rds.commandCalls(ModifyDBSnapshotAttributeCommand).map((c) => c.args[0].input).at(-1)).toEqual({ DBSnapshotIdentifier: 'sw-db1-20261124', AttributeName: 'restore', ValuesToRemove: [VAULT_ID] });
  expect([...shares]).toEqual([]);
  expect(rds.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
});

import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { DescribeDBSnapshotAttributesCommand } from '@aws-sdk/client-rds';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountClients } from '../../src/adapters/aws/account-credentials';
import { reconcile } from '../../src/app/reconcile';
import { App, buildApp, createClients } from '../../src/composition';
import { silentLogger } from '../../src/ports/logger';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { config, member } from '../support/builders';
import { useMotoServer } from '../support/moto-session';

/**
 * A fleet with a vault, built by the composition root and run against moto: the wiring from the
 * config to the vault's role. moto cannot copy another account's snapshot (it resolves the source
 * ARN in the caller's own account: DBSnapshotNotFound), so the vault copy itself fails here; what
 * this shows is everything around it: the vault step is planned for the newest DR copy, the share
 * is made with the member's role and removed again after the failure, the failure names the vault
 * account and the cause, and the pass ends `failed` (exit 1). The copy that succeeds is covered by
 * scripted SDK answers (test/adapters/vault-over-sdk.test.ts, vault-copy-over-sdk.test.ts).
 */
const moto = useMotoServer();
const VAULT = { name: 'vault', id: '999999999999', roleArn: 'arn:aws:iam::999999999999:role/snapward-vault' };

describe('a pass with a vault against moto', () => {
  let app: App;
  let clients: ReturnType<typeof createClients>;

  beforeEach(async () => {
    await moto.server().reset();
    await seedFleet(['us-east-1', 'us-west-2'], [{ id: 'jira-1', kind: 'instance', region: 'us-east-1' }]);
    clients = createClients();
    const vault = new AccountClients(clients, { entryPoint: 'test', stsRegion: 'us-east-1' }).forAccount(VAULT);
    const key = await vault.kms('us-west-2').send(new CreateKeyCommand({ Description: 'vault key' }));
    await vault.kms('us-west-2').send(new CreateAliasCommand({ AliasName: 'alias/snapward-vault', TargetKeyId: key.KeyMetadata?.KeyId }));
    app = buildApp({
      config: config({
        instances: [member({ id: 'jira-1', tier: 1 })],
        kms: { 'us-west-2': DR_KEY_ALIAS },
        vault: { account: { id: VAULT.id, roleArn: VAULT.roleArn }, kms: { 'us-west-2': 'alias/snapward-vault' }, retentionDays: 35, tiers: [0, 1] },
        state: { sqlite: join(mkdtempSync(join(tmpdir(), 'snapward-vault-')), 'state.db') },
      }),
      logger: silentLogger,
      entryPoint: 'test',
    });
  });
  afterEach(async () => {
    await app?.close();
    clients?.destroy();
  });

  it('plans the vault copy of the newest DR copy, shares it, fails on moto\'s cross-account copy naming the vault, unshares, and fails the pass', async () => {
    const first = await reconcile(app.deps, { trigger: 'test' }); // snapshot and DR copy (moto: available at once)
    expect(first.outcome).toBe('succeeded');
    const drCopy = first.results[0]?.copied[0]?.id as string;

    const second = await reconcile(app.deps, { trigger: 'test' });
    expect(second.outcome).toBe('failed');
    const vault = second.results[0]?.steps?.find((s) => s.kind === 'vault');
    expect(vault).toMatchObject({ phase: 'failed', target: { region: 'us-west-2', id: `sw-v123456789012-${drCopy.replace(/^sw-/, '')}` }, error: { code: 'SNAPSHOT_NOT_FOUND' } });
    expect(vault?.error?.message).toMatch(/the vault account 999999999999 could not copy it: CopyDBSnapshot arn:aws:rds:us-west-2:123456789012:snapshot:/);

    // The share was made with the member's (here the caller's) role and is gone again.
    const attrs = await clients.rds('us-west-2').send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: drCopy }));
    const restore = attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore');
    expect(restore?.AttributeValues ?? []).not.toContain(VAULT.id);
    expect(second.results[0]?.warnings.join('\n') ?? '').not.toMatch(/unshare.*failed/i);
  });
});

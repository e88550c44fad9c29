import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountClients } from '../../src/adapters/aws/account-credentials';
import { AwsAccounts } from '../../src/adapters/aws/account-directory';
import { KmsKeyResolver } from '../../src/adapters/aws/kms-key-resolver';
import { RdsRestoreProvider } from '../../src/adapters/aws/rds-restore-provider';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { runCheck } from '../../src/app/check';
import { AppDeps } from '../../src/app/deps';
import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { SnapwardConfig, VaultConfig } from '../../src/domain/config';
import { memberKey } from '../../src/domain/ledger';
import { TAG } from '../../src/domain/tags';
import { DEFAULT_TIER_POLICIES } from '../../src/domain/tiers';
import { DAY, HOUR } from '../../src/domain/time';
import { App, buildApp, createClients } from '../../src/composition';
import { silentLogger } from '../../src/ports/logger';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { config, member } from '../support/builders';
import { FakeClock } from '../support/fake-provider';
import { useMotoServer } from '../support/moto-session';

/**
 * The accountLoss scenario and the watchdog's vault confirmation over HTTP against moto, with the
 * vault reached by sts:AssumeRole (moto then acts in the vault's account). moto cannot copy another
 * account's snapshot into the vault (README "What moto cannot model"), so the vault copy is made
 * here as the vault role would leave it: a managed snapshot in the vault account, tagged as a vault
 * copy of the caller's jira-1 with its recovery point. The composition root still refuses a fleet
 * that sets `vault`, so the vault's Accounts are built here the way the composition root builds them.
 */
const moto = useMotoServer();
const CALLER = '123456789012';
const VAULT_ID = '999999999999';
const KEY = memberKey({ account: CALLER, region: 'us-east-1', kind: 'instance', id: 'jira-1' });
const VAULT: VaultConfig = { account: { id: VAULT_ID, roleArn: `arn:aws:iam::${VAULT_ID}:role/snapward-vault` }, kms: { 'us-west-2': 'alias/snapward-vault' }, retentionDays: 35, tiers: [1] };

describe('accountLoss against moto', () => {
  let app: App;
  let clients: ReturnType<typeof createClients>;
  let deps: AppDeps;
  let vaultRds: RdsSnapshotProvider;

  beforeEach(async () => {
    await moto.server().reset();
    clients = createClients();
    const accountClients = new AccountClients(clients, { entryPoint: 'test', stsRegion: 'us-east-1' });
    await seedFleet(['us-east-1', 'us-west-2'], [{ id: 'jira-1', kind: 'instance', region: 'us-east-1' }]);
    // The vault account holds a database of the same name only so that moto can make a snapshot there.
    await seedFleet(['us-west-2'], [{ id: 'jira-1', kind: 'instance', region: 'us-west-2' }], 1, accountClients.roleOf({ name: 'vault', ...VAULT.account })?.provider);
    const base: SnapwardConfig = config({
      instances: [member({ id: 'jira-1', tier: 1 })],
      kms: { 'us-west-2': DR_KEY_ALIAS },
      state: { sqlite: join(mkdtempSync(join(tmpdir(), 'snapward-vault-')), 'state.db') },
    });
    app = buildApp({ config: base, logger: silentLogger, clock: new FakeClock(new Date()), entryPoint: 'test', clients });
    const withVault: SnapwardConfig = { ...base, vault: VAULT, tiers: { ...DEFAULT_TIER_POLICIES, 1: { ...DEFAULT_TIER_POLICIES[1], accountLossRpoMs: DAY } } };
    const own = { provider: new RdsSnapshotProvider(clients), keys: new KmsKeyResolver(clients), restores: new RdsRestoreProvider(clients) };
    deps = { ...app.deps, config: withVault, accounts: new AwsAccounts(withVault, accountClients, own) };
    vaultRds = new RdsSnapshotProvider(accountClients.forAccount({ name: 'vault', ...VAULT.account }));
    await reconcile(deps, { trigger: 'test' });
  });
  afterEach(async () => {
    await app?.close();
  });

  /** A vault copy as the vault role leaves it, recovery point `hoursAgo` before now (moto stamps it now). */
  async function vaultCopy(id: string, hoursAgo: number) {
    const recoveryPoint = new Date(Date.now() - hoursAgo * HOUR).toISOString();
    return vaultRds.createSnapshot({
      kind: 'instance',
      region: 'us-west-2',
      dbId: 'jira-1',
      snapshotId: id,
      tags: { [TAG.managed]: 'true', [TAG.instance]: 'jira-1', [TAG.kind]: 'instance', [TAG.tier]: '1', [TAG.type]: 'daily', [TAG.sourceRegion]: 'us-west-2', [TAG.sourceSnapshot]: 'sw-jira-1-x', [TAG.recoveryPoint]: recoveryPoint, [TAG.vault]: 'true', [TAG.sourceAccount]: CALLER },
    });
  }

  it("status lists the vault account with the vault's role and dates the vault copy by its recovery-point tag; check confirms it and sees it deleted", async () => {
    await vaultCopy('sw-vault-jira-1-a', 5);
    const status = await fleetStatus(deps);
    const s = status.instances[0]!;
    expect(s.account).toBe(CALLER);
    expect(s.vault).toMatchObject({ account: VAULT_ID, newest: { snapshotId: 'sw-vault-jira-1-a' }, error: null });
    // moto made it just now; its recovery point says 5 h ago, and that is what counts.
    expect(s.achieved.accountLoss).toBeGreaterThanOrEqual(5 * 3600 - 60);
    expect(s.achieved.accountLoss).toBeLessThanOrEqual(5 * 3600 + 60);
    expect(s.band.accountLoss).toBe('compliant');
    expect(status.unobserved).toEqual([]);

    // The ledger as the vault work leaves it: then the check asks the vault account by id.
    const state = await deps.store.getMemberState(KEY);
    await deps.store.putMemberState({ ...state!, vault: [(await vaultRds.describeSnapshot({ id: 'sw-vault-jira-1-a', region: 'us-west-2', kind: 'instance' }))!] });
    const fine = await runCheck(deps, { trigger: 'test' });
    expect(fine.open.filter((f) => f.kind === 'Recovery Point Deleted' || f.kind === 'Observation Failed')).toEqual([]);

    await vaultRds.deleteSnapshot({ id: 'sw-vault-jira-1-a', region: 'us-west-2', kind: 'instance' });
    const check = await runCheck(deps, { trigger: 'test' });
    expect(check.open.filter((f) => f.kind === 'Recovery Point Deleted').map((f) => f.detail)).toEqual([
      expect.objectContaining({ instanceId: 'jira-1', account: VAULT_ID, vault: true, region: 'us-west-2', snapshotId: 'sw-vault-jira-1-a' }),
    ]);
    const after = check.status.instances[0]!;
    expect(after.vault?.newest).toBeNull();
    expect(after.band.accountLoss).toBe('critical');
    expect((await deps.store.getMemberState(KEY))?.vault).toEqual([]);
  });
});

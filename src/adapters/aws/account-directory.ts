import { AccountConfig, SnapwardConfig } from '../../domain/config';
import { AccountScope, Accounts } from '../../ports/accounts';
import { AccountClients } from './account-credentials';
import { AwsClients } from './clients';
import { KmsKeyResolver } from './kms-key-resolver';
import { RdsRestoreProvider } from './rds-restore-provider';
import { RdsSnapshotProvider } from './rds-snapshot-provider';

/**
 * The Accounts port over AWS: one scope (RDS, KMS, restores) per configured account with a role,
 * built once and kept for the life of the process so its assumed-role credentials are reused; the
 * caller's own scope for every other id.
 */
export class AwsAccounts implements Accounts {
  private readonly scopes = new Map<string, AccountScope>();
  readonly vault: AccountScope | null;

  constructor(
    private readonly config: SnapwardConfig,
    private readonly clients: AccountClients,
    private readonly own: { readonly provider: RdsSnapshotProvider; readonly keys: KmsKeyResolver; readonly restores: RdsRestoreProvider },
  ) {
    const v = config.vault;
    this.vault = v ? build(v.account.id, null, clients.forAccount({ name: 'vault', ...v.account })) : null;
  }

  ownId(): Promise<string> {
    return this.clients.callerAccountId();
  }

  scope(accountId: string): AccountScope {
    const cached = this.scopes.get(accountId);
    if (cached) return cached;
    const account = this.configured(accountId);
    const scope = account?.roleArn
      ? build(accountId, account.name, this.clients.forAccount(account))
      : { id: accountId, name: account?.name ?? null, ...this.own };
    this.scopes.set(accountId, scope);
    return scope;
  }

  async verify(accountId: string): Promise<void> {
    const account = this.configured(accountId);
    if (account) await this.clients.verify(account);
    else if (this.config.vault?.account.id === accountId) await this.clients.verify({ name: 'vault', ...this.config.vault.account });
  }

  private configured(accountId: string): AccountConfig | undefined {
    return this.config.accounts?.find((a) => a.id === accountId);
  }
}

function build(id: string, name: string | null, clients: AwsClients): AccountScope {
  return { id, name, provider: new RdsSnapshotProvider(clients), keys: new KmsKeyResolver(clients), restores: new RdsRestoreProvider(clients) };
}

import { KeyResolver } from './key-resolver';
import { RestoreProvider } from './restore-provider';
import { SnapshotProvider } from './snapshot-provider';

/**
 * Everything snapward does in one AWS account: the account's RDS, KMS and restores, reached
 * with the account's role (sts:AssumeRole) or with the caller's own credentials.
 */
export interface AccountScope {
  /** The 12-digit account id. */
  readonly id: string;
  /** The configured name (`accounts[].name`); null for the caller's own account when unnamed, and for the vault. */
  readonly name: string | null;
  readonly provider: SnapshotProvider;
  readonly keys: KeyResolver;
  readonly restores: RestoreProvider;
}

/**
 * The accounts a fleet spans (issue 16). A member's work goes through `scope(member.account)`;
 * AppDeps' own `provider`/`keys`/`restores` are the caller's own account's.
 */
export interface Accounts {
  /**
   * The caller's own account id (sts:GetCallerIdentity, asked once per process). Throws a
   * SnapwardError when STS cannot be reached: no account id is ever guessed.
   */
  ownId(): Promise<string>;
  /**
   * The scope of `accountId`: a configured account with a role is worked in through that role; any
   * other id (the caller's own, or a configured account without a role) with the caller's credentials.
   */
  scope(accountId: string): AccountScope;
  /**
   * Proves an account can be worked in: its role assumed, or (no role) the caller's own account
   * is that account. Throws a SnapwardError naming the account otherwise.
   */
  verify(accountId: string): Promise<void>;
  /** The vault account's scope (its role); null when no vault is configured. */
  readonly vault: AccountScope | null;
}

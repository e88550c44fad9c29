import { SnapwardError } from '../../src/domain/errors';
import { AccountScope, Accounts } from '../../src/ports/accounts';

/** moto's default account id: fakes and moto agree on who the caller is. */
export const OWN_ACCOUNT = '123456789012';

/**
 * The Accounts port over fakes: a scope per account id, registered by the test. An account made
 * unreachable fails `verify` (as an AssumeRole the trust policy refuses would) and every call of
 * its scope's fakes is the test's business.
 */
export class FakeAccounts implements Accounts {
  private readonly scopes = new Map<string, AccountScope>();
  readonly unreachable = new Map<string, () => Error>();
  vault: AccountScope | null = null;
  ownIdCalls = 0;

  constructor(private readonly own: AccountScope) {
    this.scopes.set(own.id, own);
  }

  /** The same accounts with the caller's own scope replaced (a test swapping in real adapters). */
  withOwn(own: Partial<Omit<AccountScope, 'id' | 'name'>>): FakeAccounts {
    const copy = new FakeAccounts({ ...this.own, ...own });
    for (const [id, scope] of this.scopes) if (id !== this.own.id) copy.add(scope);
    for (const [id, error] of this.unreachable) copy.unreachable.set(id, error);
    copy.vault = this.vault;
    copy.ownIdError = this.ownIdError;
    return copy;
  }

  add(scope: AccountScope): this {
    this.scopes.set(scope.id, scope);
    return this;
  }

  /** Set: sts:GetCallerIdentity fails with it (STS unreachable, credentials rejected). */
  ownIdError: (() => Error) | null = null;

  async ownId(): Promise<string> {
    this.ownIdCalls += 1;
    if (this.ownIdError) throw this.ownIdError();
    return this.own.id;
  }

  scope(accountId: string): AccountScope {
    const scope = this.scopes.get(accountId);
    if (!scope) throw new SnapwardError('INTERNAL', `test: no fake scope for account ${accountId}`);
    return scope;
  }

  async verify(accountId: string): Promise<void> {
    const error = this.unreachable.get(accountId);
    if (error) throw error();
  }
}

import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AccountConfig } from '../../domain/config';
import { SnapwardError } from '../../domain/errors';
import { AwsClients, CredentialsProvider } from './clients';
import { classifyAwsError } from './errors';

/**
 * Clients per (account, region): the caller's own credentials, or an account's role assumed with
 * sts:AssumeRole. Credentials are cached per process and refreshed before they expire, so a pass
 * over thousands of databases in one account makes one AssumeRole, not one per call.
 *
 * @example
 * const accounts = new AccountClients(clients, { entryPoint: 'reconcile', stsRegion: 'us-east-1' });
 * const rds = accounts.forAccount(config.accounts[0]).rds('eu-west-1');
 */
export interface AccountClientsOptions {
  /** Names the session (`snapward-<entryPoint>`) so CloudTrail in the member account says who acted. */
  readonly entryPoint: string;
  /** Where STS is called: a regional endpoint (global-endpoint tokens fail in opt-in regions). */
  readonly stsRegion: string;
  /** Asked for fresh credentials when fewer than this many ms are left. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** Lifetime asked for in AssumeRole. Default 3600 (1 hour, every role's default maximum). */
  readonly durationSeconds?: number;
  /**
   * A failed AssumeRole is answered from memory for this long, so a pass over an account whose
   * role is broken makes one STS call, not one per database. Default 60 s.
   */
  readonly failureTtlMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60 * 1000;
export const DEFAULT_ROLE_SECONDS = 3600;
export const DEFAULT_FAILURE_TTL_MS = 60 * 1000;
/** Old credentials are still handed out after a failed refresh while at least this long is left. */
const STILL_VALID_MS = 30 * 1000;
// sts:AssumeRole RoleSessionName: 2..64 characters of [\w+=,.@-].
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** Who an account is to an error message: `prod-a (111111111111)`, or just the id. */
export function describeAccount(account: { readonly name?: string | null; readonly id: string }): string {
  return account.name ? `${account.name} (${account.id})` : account.id;
}

interface Cached {
  readonly credentials: Awaited<ReturnType<CredentialsProvider>>;
  readonly expiresAt: number;
}

/** One role's credentials: fetched on first use, reused until `refreshMarginMs` before expiry. */
export class AssumedRoleCredentials {
  private cached: Cached | null = null;
  private inFlight: Promise<Cached> | null = null;
  private failure: { error: SnapwardError; until: number } | null = null;
  private readonly now: () => number;

  constructor(
    private readonly clients: AwsClients,
    private readonly account: { readonly name?: string | null; readonly id: string; readonly roleArn: string; readonly externalId?: string },
    private readonly options: AccountClientsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The SDK's provider shape: hand it to a client as `credentials`. */
  readonly provider: CredentialsProvider = () => this.get();

  /** AssumeRole calls made so far (every fetch and refresh), for tests and the bench. */
  assumeCalls = 0;

  async get(): Promise<Cached['credentials']> {
    const now = this.now();
    const margin = this.options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    if (this.cached && this.cached.expiresAt - margin > now) return this.cached.credentials;
    // A refresh that fails (STS throttled for a moment) falls back on credentials that have not
    // expired yet: the margin is there so that a refresh may fail without failing any call.
    const stillValid = this.cached && this.cached.expiresAt - STILL_VALID_MS > now ? this.cached.credentials : null;
    if (this.failure && this.failure.until > now) {
      if (stillValid) return stillValid;
      throw this.failure.error;
    }
    // Concurrent callers share one request.
    this.inFlight ??= this.assume().finally(() => {
      this.inFlight = null;
    });
    try {
      return (await this.inFlight).credentials;
    } catch (err) {
      if (stillValid) return stillValid;
      throw err;
    }
  }

  private async assume(): Promise<Cached> {
    const { roleArn, externalId } = this.account;
    this.assumeCalls += 1;
    try {
      const res = await this.clients.sts(this.options.stsRegion).send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: `snapward-${this.options.entryPoint}`,
          DurationSeconds: this.options.durationSeconds ?? DEFAULT_ROLE_SECONDS,
          ...(externalId !== undefined ? { ExternalId: externalId } : {}),
        }),
      );
      const c = res.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw Object.assign(new Error('the answer carried no credentials'), { name: 'IncompleteCredentials' });
      }
      const expiration = new Date(c.Expiration);
      const cached: Cached = {
        credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration },
        expiresAt: expiration.getTime(),
      };
      this.cached = cached;
      this.failure = null;
      return cached;
    } catch (err) {
      const error = roleError(err, this.account);
      this.failure = { error, until: this.now() + (this.options.failureTtlMs ?? DEFAULT_FAILURE_TTL_MS) };
      throw error;
    }
  }
}

/**
 * A role that cannot be assumed, as an error naming the account and the role. The code is the
 * AWS error's class (ACCESS_DENIED for a trust policy or external id that does not admit us,
 * THROTTLED or TIMEOUT for what a later pass may get through).
 */
function roleError(err: unknown, account: { readonly name?: string | null; readonly id: string; readonly roleArn: string; readonly externalId?: string }): SnapwardError {
  const who = describeAccount(account);
  const base = classifyAwsError(err, `cannot work in account ${who}: AssumeRole ${account.roleArn}`);
  const hint =
    base.code === 'ACCESS_DENIED'
      ? `; the role's trust policy must admit this function's role${account.externalId !== undefined ? ' with the configured external id' : ''}, and the caller needs sts:AssumeRole on it`
      : '';
  return new SnapwardError(base.code, `${base.message}${hint}`, {
    retryable: base.retryable,
    context: { ...base.context, accountId: account.id, accountName: account.name ?? null, roleArn: account.roleArn },
    cause: err,
  });
}

/**
 * The factory the composition root holds: one client set per account (the caller's own set for
 * an account without a role), and the caller's account id asked of STS once per process.
 */
export class AccountClients {
  private readonly byAccount = new Map<string, { clients: AwsClients; role: AssumedRoleCredentials | null }>();
  private callerId: Promise<string> | null = null;

  constructor(
    private readonly clients: AwsClients,
    private readonly options: AccountClientsOptions,
  ) {
    const session = `snapward-${options.entryPoint}`;
    if (!SESSION_NAME.test(session)) {
      throw new SnapwardError('INTERNAL', `session name ${JSON.stringify(session)} is not 2..64 letters, digits or +=,.@-_: pick a shorter entry point`);
    }
  }

  /** Clients for `account`; undefined or an account without a role: the caller's own clients. */
  forAccount(account?: AccountConfig): AwsClients {
    return this.entry(account).clients;
  }

  /** The role's credentials cache (null for the caller's own credentials). */
  roleOf(account: AccountConfig): AssumedRoleCredentials | null {
    return this.entry(account).role;
  }

  /** The account the caller's own credentials act in, from sts:GetCallerIdentity, asked once per process. */
  callerAccountId(): Promise<string> {
    this.callerId ??= this.askCallerId().catch((err: unknown) => {
      this.callerId = null; // not remembered: the next caller asks again
      throw err;
    });
    return this.callerId;
  }

  /**
   * Proves `account` can be worked in: its role assumed (a clear error naming it otherwise), or,
   * for an account without a role, that the caller's own credentials are that account's. An
   * account checked this way cannot silently act in another account.
   */
  async verify(account: AccountConfig): Promise<void> {
    const role = this.roleOf(account);
    if (role) {
      await role.get();
      return;
    }
    const caller = await this.callerAccountId();
    if (caller !== account.id) {
      throw new SnapwardError(
        'ACCESS_DENIED',
        `cannot work in account ${describeAccount(account)}: it has no roleArn, so it must be the caller's own account, but the caller's credentials act in ${caller}; give it the roleArn of a snapward member role there`,
        { context: { accountId: account.id, accountName: account.name, callerAccountId: caller } },
      );
    }
  }

  private entry(account?: AccountConfig): { clients: AwsClients; role: AssumedRoleCredentials | null } {
    if (!account?.roleArn) return { clients: this.clients, role: null };
    const key = `${account.id}|${account.roleArn}|${account.externalId ?? ''}`;
    let entry = this.byAccount.get(key);
    if (!entry) {
      const role = new AssumedRoleCredentials(this.clients, { ...account, roleArn: account.roleArn }, this.options);
      entry = { clients: this.clients.withCredentials(role.provider), role };
      this.byAccount.set(key, entry);
    }
    return entry;
  }

  private async askCallerId(): Promise<string> {
    try {
      const res = await this.clients.sts(this.options.stsRegion).send(new GetCallerIdentityCommand({}));
      if (!res.Account) throw Object.assign(new Error('the answer named no account'), { name: 'IncompleteIdentity' });
      return res.Account;
    } catch (err) {
      throw classifyAwsError(err, `GetCallerIdentity in ${this.options.stsRegion}`);
    }
  }
}

import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { AccountClients } from '../../src/adapters/aws/account-credentials';
import { AwsClients } from '../../src/adapters/aws/clients';
import { SnapwardError } from '../../src/domain/errors';

/**
 * What moto cannot show about sts:AssumeRole (moto admits any role and any external id):
 * a refusal, the external id on the wire, expiry and refresh. Shapes from the AWS STS API
 * reference, "AssumeRole": RoleArn, RoleSessionName (2..64 of [\w+=,.@-]), ExternalId (2..1224),
 * DurationSeconds (default 3600), Credentials.Expiration; an AccessDenied error "User: ... is not
 * authorized to perform: sts:AssumeRole on resource: ..." when the trust policy (or its
 * sts:ExternalId condition) does not admit the caller.
 */
const sts = mockClient(STSClient);
afterAll(() => sts.restore());
const fault = (name: string, message: string, status = 403) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

const PROD_A = { name: 'prod-a', id: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/snapward-member', externalId: 'snapward-7f3a' };
const PROD_B = { name: 'prod-b', id: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/snapward-member' };
const T0 = Date.parse('2026-11-29T10:00:00Z');
const MINUTE = 60_000;

function granted(at: number, keyId: string, lifetimeMs = 60 * MINUTE) {
  return { Credentials: { AccessKeyId: keyId, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(at + lifetimeMs) } };
}

function setup(entryPoint = 'reconcile') {
  sts.reset();
  const clock = { now: T0 };
  const accounts = new AccountClients(new AwsClients({ maxAttempts: 1 }), { entryPoint, stsRegion: 'us-east-1', now: () => clock.now });
  return { clock, accounts };
}

describe('assumed-role credentials per account', () => {
  it('one AssumeRole for many uses, with the session name, the external id and an hour asked for', async () => {
    const { accounts } = setup('cli');
    let n = 0;
    sts.on(AssumeRoleCommand).callsFake(async () => granted(T0, `ASIA${++n}`));
    const role = accounts.roleOf(PROD_A)!;
    const got = await Promise.all(Array.from({ length: 20 }, () => role.get()));
    await role.get();
    expect(new Set(got.map((c) => c.accessKeyId))).toEqual(new Set(['ASIA1']));
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: PROD_A.roleArn, RoleSessionName: 'snapward-cli', DurationSeconds: 3600, ExternalId: 'snapward-7f3a' },
    ]);
  });

  it('sends no ExternalId when none is configured, and keeps one cache per account', async () => {
    const { accounts } = setup();
    sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => granted(T0, input.RoleArn.includes('2222') ? 'ASIAB' : 'ASIAA'));
    expect((await accounts.roleOf(PROD_B)!.get()).accessKeyId).toBe('ASIAB');
    expect((await accounts.roleOf(PROD_A)!.get()).accessKeyId).toBe('ASIAA');
    expect(accounts.forAccount(PROD_A)).toBe(accounts.forAccount(PROD_A));
    expect(accounts.forAccount(PROD_A)).not.toBe(accounts.forAccount(PROD_B));
    const inputs = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({ RoleArn: PROD_B.roleArn, RoleSessionName: 'snapward-reconcile', DurationSeconds: 3600 });
    expect(inputs[0]).not.toHaveProperty('ExternalId');
  });

  it('an account without a role uses the caller\'s own clients, and assumes nothing', async () => {
    const base = new AwsClients({ maxAttempts: 1 });
    const accounts = new AccountClients(base, { entryPoint: 'cli', stsRegion: 'us-east-1' });
    expect(accounts.forAccount({ name: 'home', id: '123456789012' })).toBe(base);
    expect(accounts.forAccount(undefined)).toBe(base);
    expect(accounts.roleOf({ name: 'home', id: '123456789012' })).toBeNull();
  });

  it('refreshes before expiry: reused while more than 5 minutes are left, asked again after', async () => {
    const { clock, accounts } = setup();
    let n = 0;
    sts.on(AssumeRoleCommand).callsFake(async () => granted(clock.now, `ASIA${++n}`));
    const role = accounts.roleOf(PROD_A)!;
    expect((await role.get()).accessKeyId).toBe('ASIA1');
    clock.now = T0 + 54 * MINUTE; // 6 minutes left
    expect((await role.get()).accessKeyId).toBe('ASIA1');
    clock.now = T0 + 56 * MINUTE; // 4 minutes left: inside the margin
    expect((await role.get()).accessKeyId).toBe('ASIA2');
    clock.now = T0 + 100 * MINUTE; // the new ones (until 116 min) are still good
    expect((await role.get()).accessKeyId).toBe('ASIA2');
    expect(role.assumeCalls).toBe(2);
  });

  it('a refresh that fails keeps serving the old credentials until they expire, then fails', async () => {
    const { clock, accounts } = setup();
    sts.on(AssumeRoleCommand).resolvesOnce(granted(T0, 'ASIA1')).rejects(fault('Throttling', 'Rate exceeded', 400));
    const role = accounts.roleOf(PROD_A)!;
    expect((await role.get()).accessKeyId).toBe('ASIA1');
    clock.now = T0 + 56 * MINUTE; // inside the margin: a refresh is due, and STS is throttling
    expect((await role.get()).accessKeyId).toBe('ASIA1');
    clock.now = T0 + 56 * MINUTE + 30_000; // failure remembered for a minute, old credentials still good
    expect((await role.get()).accessKeyId).toBe('ASIA1');
    expect(role.assumeCalls).toBe(2);
    clock.now = T0 + 59 * MINUTE + 45_000; // 15 s left: not worth handing out
    await expect(role.get()).rejects.toMatchObject({ code: 'THROTTLED' });
  });

  it('a refused AssumeRole names the account and the role, is ACCESS_DENIED, and is not asked again for a minute', async () => {
    const { clock, accounts } = setup();
    sts.on(AssumeRoleCommand).rejects(
      fault('AccessDenied', 'User: arn:aws:sts::123456789012:assumed-role/snapward-reconcile/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/snapward-member'),
    );
    const role = accounts.roleOf(PROD_A)!;
    const err = await role.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapwardError);
    expect(err).toMatchObject({ code: 'ACCESS_DENIED', retryable: false, context: { accountId: '111111111111', accountName: 'prod-a', roleArn: PROD_A.roleArn, awsErrorName: 'AccessDenied' } });
    expect((err as Error).message).toBe(
      'cannot work in account prod-a (111111111111): AssumeRole arn:aws:iam::111111111111:role/snapward-member: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/snapward-reconcile/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/snapward-member; the role\'s trust policy must admit this function\'s role with the configured external id, and the caller needs sts:AssumeRole on it',
    );
    clock.now = T0 + 30_000;
    await expect(role.get()).rejects.toBe(err);
    expect(role.assumeCalls).toBe(1);
    // Fixed (say the trust policy was corrected): after the minute, asked again and used.
    clock.now = T0 + 61_000;
    sts.on(AssumeRoleCommand).resolves(granted(clock.now, 'ASIAOK'));
    expect((await role.get()).accessKeyId).toBe('ASIAOK');
    expect(role.assumeCalls).toBe(2);
  });

  it('a throttled AssumeRole stays retryable, still naming the account', async () => {
    const { accounts } = setup();
    sts.on(AssumeRoleCommand).rejects(fault('Throttling', 'Rate exceeded', 400));
    await expect(accounts.roleOf(PROD_B)!.get()).rejects.toMatchObject({
      code: 'THROTTLED',
      retryable: true,
      message: expect.stringContaining('cannot work in account prod-b (222222222222): AssumeRole arn:aws:iam::222222222222:role/snapward-member'),
    });
  });

  it('the caller\'s account id is asked of STS once per process; a failure is not remembered', async () => {
    const { accounts } = setup();
    sts.on(GetCallerIdentityCommand).rejectsOnce(fault('ExpiredToken', 'The security token included in the request is expired')).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ops' });
    await expect(accounts.callerAccountId()).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await Promise.all([accounts.callerAccountId(), accounts.callerAccountId()])).toEqual(['123456789012', '123456789012']);
    expect(await accounts.callerAccountId()).toBe('123456789012');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(2);
  });

  it('verify: an account without a role must be the caller\'s own; one with a role must be assumable', async () => {
    const { accounts } = setup();
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
    sts.on(AssumeRoleCommand).resolves(granted(T0, 'ASIAA'));
    await expect(accounts.verify({ name: 'home', id: '123456789012' })).resolves.toBeUndefined();
    await expect(accounts.verify({ name: 'other', id: '333333333333' })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining("cannot work in account other (333333333333): it has no roleArn, so it must be the caller's own account, but the caller's credentials act in 123456789012"),
    });
    await expect(accounts.verify(PROD_A)).resolves.toBeUndefined();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('refuses an entry point that would make an invalid session name', () => {
    expect(() => new AccountClients(new AwsClients(), { entryPoint: 'a b', stsRegion: 'us-east-1' })).toThrow(/session name "snapward-a b"/);
    expect(() => new AccountClients(new AwsClients(), { entryPoint: 'x'.repeat(60), stsRegion: 'us-east-1' })).toThrow(/pick a shorter entry point/);
  });
});

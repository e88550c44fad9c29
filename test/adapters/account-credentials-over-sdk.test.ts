import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { Readable } from 'node:stream';
import { AccountClients } from '../../src/adapters/aws/account-credentials';
import { AwsClients } from '../../src/adapters/aws/clients';

/**
 * The assumed role's credentials through the real SDK stack (serialisation, signing): which key
 * signs which request, and when the SDK asks again. STS answers as its query protocol does (STS
 * API reference, "AssumeRole", response elements Credentials.{AccessKeyId, SecretAccessKey,
 * SessionToken, Expiration}); requests signed with temporary credentials carry their key id in the
 * Authorization header's Credential= and the session token in X-Amz-Security-Token (SigV4 docs).
 */
const RDS_NS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const emptyInstances = `<DescribeDBInstancesResponse xmlns="${RDS_NS}"><DescribeDBInstancesResult><DBInstances></DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`;
const assumed = (keyId: string, expiration: Date) =>
  `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${keyId}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token-${keyId}</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:snapward-reconcile</AssumedRoleId><Arn>arn:aws:sts::111111111111:assumed-role/snapward-member/snapward-reconcile</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></AssumeRoleResponse>`;

interface Seen {
  service: string;
  action: string;
  keyId: string;
  token: string | null;
  body: URLSearchParams;
}

class ScriptedAws {
  readonly seen: Seen[] = [];
  private grants = 0;
  /** Lifetimes of the credentials granted, in order; the last one repeats. */
  constructor(private readonly lifetimesMs: number[]) {}
  private lifetime(): number {
    return this.lifetimesMs[Math.min(this.grants - 1, this.lifetimesMs.length - 1)]!;
  }
  async handle(request: { hostname?: string; body?: string; headers: Record<string, string> }): Promise<{ response: unknown }> {
    const service = /^([a-z]+)\./.exec(request.hostname ?? '')?.[1] ?? '?';
    const body = new URLSearchParams(String(request.body ?? ''));
    const keyId = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? '?';
    this.seen.push({ service, action: body.get('Action') ?? '?', keyId, token: request.headers['x-amz-security-token'] ?? null, body });
    const xml = service === 'sts' ? assumed(`ASIA${++this.grants}`, new Date(Date.now() + this.lifetime())) : emptyInstances;
    return { response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(xml)]) } };
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

const PROD_A = { name: 'prod-a', id: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/snapward-member', externalId: 'snapward-7f3a' };

beforeAll(() => {
  delete process.env.AWS_ENDPOINT_URL; // the service must show in the host
  process.env.AWS_ACCESS_KEY_ID = 'AKIACALLERCALLER0000';
  process.env.AWS_SECRET_ACCESS_KEY = 'caller-secret';
  delete process.env.AWS_SESSION_TOKEN;
});

function setup(...lifetimesMs: number[]) {
  const aws = new ScriptedAws(lifetimesMs);
  const accounts = new AccountClients(new AwsClients({ requestHandler: aws, maxAttempts: 1 }), { entryPoint: 'reconcile', stsRegion: 'eu-west-1' });
  return { aws, accounts };
}

describe("an account's clients over the SDK stack", () => {
  it("AssumeRole is signed by the caller and sent once; every RDS call in the account is signed with the role's key and token", async () => {
    const { aws, accounts } = setup(60 * 60 * 1000);
    const rds = accounts.forAccount(PROD_A);
    for (const region of ['us-east-1', 'eu-west-1', 'us-east-1']) await rds.rds(region).send(new DescribeDBInstancesCommand({}));
    expect(aws.seen.map((s) => [s.service, s.action, s.keyId, s.token])).toEqual([
      ['sts', 'AssumeRole', 'AKIACALLERCALLER0000', null],
      ['rds', 'DescribeDBInstances', 'ASIA1', 'token-ASIA1'],
      ['rds', 'DescribeDBInstances', 'ASIA1', 'token-ASIA1'],
      ['rds', 'DescribeDBInstances', 'ASIA1', 'token-ASIA1'],
    ]);
    const call = aws.seen[0]!.body;
    expect([call.get('RoleArn'), call.get('RoleSessionName'), call.get('ExternalId'), call.get('DurationSeconds')]).toEqual([PROD_A.roleArn, 'snapward-reconcile', 'snapward-7f3a', '3600']);
    // The caller's own clients are untouched by the account's role.
    await accounts.forAccount(undefined).rds('us-east-1').send(new DescribeDBInstancesCommand({}));
    expect(aws.seen.at(-1)).toMatchObject({ service: 'rds', keyId: 'AKIACALLERCALLER0000', token: null });
  });

  it("the caller's signal (Ctrl-C, a Lambda's deadline) aborts calls in every account's clients too", async () => {
    const { accounts } = setup(60 * 60 * 1000);
    const base = accounts.forAccount(undefined);
    const rds = accounts.forAccount(PROD_A).rds('us-east-1');
    await rds.send(new DescribeDBInstancesCommand({}));
    const stop = new AbortController();
    base.useSignal(stop.signal);
    stop.abort();
    await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({ name: 'AbortError' });
    base.useSignal(undefined);
    await expect(rds.send(new DescribeDBInstancesCommand({}))).resolves.toBeDefined();
  });

  it('credentials about to expire are never sign a call: replaced once before it is signed, and the new ones are kept', async () => {
    // The first grant has 4 minutes left (inside the 5-minute margin, as after 56 minutes of an
    // hour's session); the next ones an hour.
    const { aws, accounts } = setup(4 * 60 * 1000, 60 * 60 * 1000);
    const rds = accounts.forAccount(PROD_A).rds('us-east-1');
    for (let i = 0; i < 3; i++) await rds.send(new DescribeDBInstancesCommand({}));
    // The SDK checks the identity it was handed before signing: the 4-minute key is replaced
    // before any request goes out with it, and the hour-long one then serves every call.
    expect(aws.seen.map((s) => [s.action, s.keyId])).toEqual([
      ['AssumeRole', 'AKIACALLERCALLER0000'],
      ['AssumeRole', 'AKIACALLERCALLER0000'],
      ['DescribeDBInstances', 'ASIA2'],
      ['DescribeDBInstances', 'ASIA2'],
      ['DescribeDBInstances', 'ASIA2'],
    ]);
  });
});

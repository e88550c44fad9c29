import { Readable } from 'node:stream';
import { AccountClients } from '../../src/adapters/aws/account-credentials';
import { AwsClients } from '../../src/adapters/aws/clients';
import { KmsKeyResolver } from '../../src/adapters/aws/kms-key-resolver';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { SnapwardError } from '../../src/domain/errors';
import { Snapshot } from '../../src/domain/types';

/**
 * The vault copy's steps that moto cannot model, scripted through the real SDK stack (query
 * serialisation, the RDS presign middleware, signing with the vault role's assumed credentials):
 *
 * - The copy of a snapshot shared from another account. moto 5.x resolves a copy's source ARN in
 *   the caller's own account (DBSnapshotNotFound), so it cannot run this. AWS: "To copy a DB
 *   cluster snapshot from a shared manual DB cluster snapshot, SourceDBClusterSnapshotIdentifier
 *   must be the Amazon Resource Name (ARN) of the shared DB cluster snapshot" (RDS API reference,
 *   CopyDBClusterSnapshot; the Aurora user guide, "Copying a DB cluster snapshot across accounts",
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopyDBClusterSnapshot.CrossAccount.html:
 *   "call CopyDBClusterSnapshot and use the SourceDBClusterSnapshotIdentifier parameter to specify
 *   the ARN of the DB cluster snapshot to be copied, which must include the ID for Account A"),
 *   and "If you copy an encrypted DB snapshot that is shared from another Amazon Web Services
 *   account, then you must specify a value for this parameter" (CopyDBSnapshot, KmsKeyId; RDS user
 *   guide, "Copying a DB snapshot", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html,
 *   "you can copy shared snapshots"). The copy stays in the DR region (cross-account cluster
 *   copies are same-region only, the Aurora guide above), so SDK v3 must not presign it.
 * - A share refused because the DR copy is encrypted with the account's default key: "You can't
 *   share a snapshot that has been encrypted using the default KMS key of the AWS account that
 *   shared the snapshot" (RDS user guide, "Sharing encrypted snapshots",
 *   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html). snapward
 *   decides this before sharing, from DescribeKey's KeyManager (AWS for aws/rds), tested here too.
 */
const RDS_NS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const MEMBER = '111111111111';
const VAULT = { name: 'vault', id: '999999999999', roleArn: 'arn:aws:iam::999999999999:role/snapward-vault', externalId: 'snapward-vault' };
const DR = 'us-west-2';
const VAULT_KEY = `arn:aws:kms:${DR}:${VAULT.id}:key/7b7b7b7b-1111-2222-3333-444455556666`;
const MEMBER_DR_KEY = `arn:aws:kms:${DR}:${MEMBER}:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9`;

interface Seen {
  host: string;
  action: string;
  keyId: string;
  body: URLSearchParams;
  json: Record<string, unknown> | null;
}
type Answer = { status: number; body: string; type?: string };

/** Answers like AWS would, from a script per action; records every request as sent on the wire. */
class ScriptedAws {
  readonly seen: Seen[] = [];
  constructor(private readonly script: (seen: Seen) => Answer) {}
  async handle(request: { hostname?: string; body?: string | Uint8Array; headers: Record<string, string> }): Promise<{ response: unknown }> {
    const raw = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body ?? new Uint8Array());
    const target = request.headers['x-amz-target'];
    const seen: Seen = {
      host: request.hostname ?? '',
      action: target ? (target.split('.')[1] as string) : (new URLSearchParams(raw).get('Action') ?? '?'),
      keyId: /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? '?',
      body: new URLSearchParams(target ? '' : raw),
      json: target ? (JSON.parse(raw) as Record<string, unknown>) : null,
    };
    this.seen.push(seen);
    const answer = seen.action === 'AssumeRole' ? { status: 200, body: assumed((seen.body.get('RoleArn') as string).split(':')[4] as string) } : this.script(seen);
    return { response: { statusCode: answer.status, headers: { 'content-type': answer.type ?? 'text/xml' }, body: Readable.from([Buffer.from(answer.body)]) } };
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

/** STS's answer to AssumeRole: a session key named after the role's account, to see who signs what. */
const assumed = (account: string) =>
  `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIA${account}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:snapward-reconcile</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/snapward/snapward-reconcile</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></AssumeRoleResponse>`;
const tagXml = (tags: Record<string, string>) => `<TagList>${Object.entries(tags).map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagList>`;
const rdsError = (code: string, message: string): Answer => ({
  status: 400,
  body: `<ErrorResponse xmlns="${RDS_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>e</RequestId></ErrorResponse>`,
});
/** Tags sent as Tags.Tag.N.Key / .Value (query protocol), back as a record. */
const sentTags = (body: URLSearchParams) => {
  const out: Record<string, string> = {};
  for (let i = 1; body.has(`Tags.Tag.${i}.Key`); i++) out[body.get(`Tags.Tag.${i}.Key`) as string] = body.get(`Tags.Tag.${i}.Value`) as string;
  return out;
};

/** What RDS answers to a copy request: the new snapshot in the caller's account, pending. */
function copyAnswer(seen: Seen): Answer {
  const b = seen.body;
  if (seen.action === 'CopyDBSnapshot') {
    const id = b.get('TargetDBSnapshotIdentifier') as string;
    return {
      status: 200,
      body: `<CopyDBSnapshotResponse xmlns="${RDS_NS}"><CopyDBSnapshotResult><DBSnapshot><DBSnapshotIdentifier>${id}</DBSnapshotIdentifier><DBInstanceIdentifier>jira-1</DBInstanceIdentifier><Status>pending</Status><SnapshotType>manual</SnapshotType><Encrypted>true</Encrypted><KmsKeyId>${b.get('KmsKeyId')}</KmsKeyId><DBSnapshotArn>arn:aws:rds:${DR}:${VAULT.id}:snapshot:${id}</DBSnapshotArn><SourceDBSnapshotIdentifier>${b.get('SourceDBSnapshotIdentifier')}</SourceDBSnapshotIdentifier><OriginalSnapshotCreateTime>2026-11-29T03:10:00Z</OriginalSnapshotCreateTime>${tagXml(sentTags(b))}</DBSnapshot></CopyDBSnapshotResult><ResponseMetadata><RequestId>c</RequestId></ResponseMetadata></CopyDBSnapshotResponse>`,
    };
  }
  const id = b.get('TargetDBClusterSnapshotIdentifier') as string;
  return {
    status: 200,
    body: `<CopyDBClusterSnapshotResponse xmlns="${RDS_NS}"><CopyDBClusterSnapshotResult><DBClusterSnapshot><DBClusterSnapshotIdentifier>${id}</DBClusterSnapshotIdentifier><DBClusterIdentifier>billing</DBClusterIdentifier><Status>copying</Status><SnapshotType>manual</SnapshotType><StorageEncrypted>true</StorageEncrypted><KmsKeyId>${b.get('KmsKeyId')}</KmsKeyId><DBClusterSnapshotArn>arn:aws:rds:${DR}:${VAULT.id}:cluster-snapshot:${id}</DBClusterSnapshotArn><SourceDBClusterSnapshotArn>${b.get('SourceDBClusterSnapshotIdentifier')}</SourceDBClusterSnapshotArn>${tagXml(sentTags(b))}</DBClusterSnapshot></CopyDBClusterSnapshotResult><ResponseMetadata><RequestId>c</RequestId></ResponseMetadata></CopyDBClusterSnapshotResponse>`,
  };
}

beforeAll(() => {
  delete process.env.AWS_ENDPOINT_URL; // the service and region must show in the host
  process.env.AWS_ACCESS_KEY_ID = 'AKIACALLERCALLER0000';
  process.env.AWS_SECRET_ACCESS_KEY = 'caller-secret';
  delete process.env.AWS_SESSION_TOKEN;
});

function setup(script: (seen: Seen) => Answer) {
  const aws = new ScriptedAws(script);
  const base = new AwsClients({ requestHandler: aws, maxAttempts: 1 });
  const accounts = new AccountClients(base, { entryPoint: 'reconcile', stsRegion: DR });
  return { aws, base, vault: accounts.forAccount(VAULT), member: accounts.forAccount({ name: 'prod-a', id: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/snapward-member`, externalId: 'snapward-prod-a' }) };
}

// The member's DR copy, shared with the vault account (what the vault kind copies).
const drCopy = (kind: 'instance' | 'cluster'): Snapshot => ({
  id: kind === 'instance' ? 'sw-jira-1-20261129' : 'sw-billing-20261129',
  arn: `arn:aws:rds:${DR}:${MEMBER}:${kind === 'instance' ? 'snapshot' : 'cluster-snapshot'}:${kind === 'instance' ? 'sw-jira-1-20261129' : 'sw-billing-20261129'}`,
  kind,
  region: DR,
  dbId: kind === 'instance' ? 'jira-1' : 'billing',
  status: 'available',
  snapshotType: 'shared',
  createdAt: new Date('2026-11-29T04:00:00Z'),
  originalCreatedAt: null,
  encrypted: true,
  kmsKeyId: MEMBER_DR_KEY,
  tags: { 'snapward:managed': 'true', 'snapward:instance': 'jira-1' },
});
const vaultTags = { 'snapward:managed': 'true', 'snapward:instance': 'jira-1', 'snapward:source-account': MEMBER, 'snapward:vault': 'true' };

describe('the vault copy of a shared DR copy, over the SDK stack', () => {
  it.each(['instance', 'cluster'] as const)('%s: the vault role copies it by its ARN in the member account, re-encrypted with the vault key, tagged, with no presigned URL (same region)', async (kind) => {
    const { aws, vault } = setup(copyAnswer);
    const copy = await new RdsSnapshotProvider(vault).copySnapshot({ kind, source: drCopy(kind), targetRegion: DR, targetId: `sw-v-${drCopy(kind).id}`, kmsKeyId: VAULT_KEY, tags: vaultTags });

    const sent = aws.seen.filter((s) => s.action.startsWith('Copy'));
    expect(sent).toHaveLength(1);
    const [call] = sent as [Seen];
    const source = kind === 'instance' ? 'SourceDBSnapshotIdentifier' : 'SourceDBClusterSnapshotIdentifier';
    const target = kind === 'instance' ? 'TargetDBSnapshotIdentifier' : 'TargetDBClusterSnapshotIdentifier';
    expect(call.host).toBe(`rds.${DR}.amazonaws.com`);
    expect(call.keyId).toBe(`ASIA${VAULT.id}`); // signed with the vault role's session, not the caller's key
    expect([call.body.get(source), call.body.get(target), call.body.get('KmsKeyId'), call.body.get('CopyTags')]).toEqual([drCopy(kind).arn, `sw-v-${drCopy(kind).id}`, VAULT_KEY, 'false']);
    expect(sentTags(call.body)).toEqual(vaultTags);
    // @aws-sdk/middleware-sdk-rds presigns only when the source ARN's region differs from the
    // client's (crossRegionPresignedUrlMiddleware: `region !== getEndpointFromARN(input[sourceIdKey])`).
    expect(call.body.has('PreSignedUrl')).toBe(false);

    expect(copy).toMatchObject({ id: `sw-v-${drCopy(kind).id}`, kind, region: DR, arn: expect.stringContaining(`:${VAULT.id}:`), encrypted: true, kmsKeyId: VAULT_KEY, tags: vaultTags });
    expect(['pending', 'copying']).toContain(copy.status);
  });

  it('a DR copy (another region) does carry a presigned URL: the check above can see one', async () => {
    const { aws, member } = setup(copyAnswer);
    const source = { ...drCopy('instance'), region: 'us-east-1', arn: `arn:aws:rds:us-east-1:${MEMBER}:snapshot:sw-jira-1-20261129` };
    await new RdsSnapshotProvider(member).copySnapshot({ kind: 'instance', source, targetRegion: DR, targetId: 'sw-jira-1-20261129', kmsKeyId: MEMBER_DR_KEY, tags: {} });
    const url = new URL(aws.seen.find((s) => s.action === 'CopyDBSnapshot')?.body.get('PreSignedUrl') as string);
    expect([url.hostname, url.searchParams.get('DestinationRegion'), url.searchParams.get('SourceDBSnapshotIdentifier')]).toEqual(['rds.us-east-1.amazonaws.com', DR, source.arn]);
  });

  it('an answer that the source is not there (the share was removed too early) is SNAPSHOT_NOT_FOUND naming the source ARN', async () => {
    const { vault } = setup(() => rdsError('DBSnapshotNotFound', `DBSnapshot ${drCopy('instance').arn} not found.`));
    const err = await new RdsSnapshotProvider(vault).copySnapshot({ kind: 'instance', source: drCopy('instance'), targetRegion: DR, targetId: 'sw-v-x', kmsKeyId: VAULT_KEY, tags: vaultTags }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SNAPSHOT_NOT_FOUND', retryable: false });
    expect((err as Error).message).toContain(`CopyDBSnapshot ${drCopy('instance').arn} to sw-v-x in ${DR}`);
  });
});

describe('sharing a DR copy encrypted with aws/rds', () => {
  it('is known before sharing: DescribeKey of the copy\'s key says KeyManager AWS (aws/rds), CUSTOMER for a customer managed key', async () => {
    const keys: Record<string, string> = { 'alias/aws/rds': 'AWS', [MEMBER_DR_KEY]: 'CUSTOMER' };
    const { aws, member } = setup((seen) => {
      const keyId = seen.json?.KeyId as string;
      const arn = keyId.startsWith('arn:') ? keyId : `arn:aws:kms:${DR}:${MEMBER}:key/aaaaaaaa-1111-2222-3333-444455556666`;
      return { status: 200, type: 'application/x-amz-json-1.1', body: JSON.stringify({ KeyMetadata: { KeyId: arn.split('/')[1], Arn: arn, KeyState: 'Enabled', KeyManager: keys[keyId] } }) };
    });
    const resolver = new KmsKeyResolver(member);
    expect(await resolver.inspect(DR, 'alias/aws/rds')).toMatchObject({ manager: 'AWS', state: 'Enabled' });
    expect(await resolver.inspect(DR, MEMBER_DR_KEY)).toMatchObject({ manager: 'CUSTOMER', arn: MEMBER_DR_KEY });
    expect(aws.seen.filter((s) => s.action === 'DescribeKey').map((s) => [s.host, s.keyId, s.json?.KeyId])).toEqual([
      [`kms.${DR}.amazonaws.com`, `ASIA${MEMBER}`, 'alias/aws/rds'],
      [`kms.${DR}.amazonaws.com`, `ASIA${MEMBER}`, MEMBER_DR_KEY],
    ]);
  });

  it('if shared anyway, the refusal is a non-retryable error naming the call, the snapshot and the vault account (never a not-found)', async () => {
    // The user guide states the rule but not the error AWS answers with; the API reference lists
    // only DBSnapshotNotFound, InvalidDBSnapshotState and SharedSnapshotQuotaExceeded for
    // ModifyDBSnapshotAttribute. The code and message below are an assumption (the common
    // InvalidParameterValue): what is pinned is how any such refusal surfaces.
    const { aws, member } = setup(() => rdsError('InvalidParameterValue', 'Snapshots encrypted with the default KMS key cannot be shared.'));
    const err = await new RdsSnapshotProvider(member).shareSnapshot({ id: 'sw-jira-1-20261129', region: DR, kind: 'instance' }, VAULT.id).catch((e: unknown) => e);
    const call = aws.seen.find((s) => s.action === 'ModifyDBSnapshotAttribute') as Seen;
    expect([call.body.get('DBSnapshotIdentifier'), call.body.get('AttributeName'), call.body.get('ValuesToAdd.AttributeValue.1'), call.body.has('ValuesToRemove.AttributeValue.1')]).toEqual(['sw-jira-1-20261129', 'restore', VAULT.id, false]);
    expect(err).toBeInstanceOf(SnapwardError);
    expect(err).toMatchObject({ code: 'INVALID_PARAMETER', retryable: false });
    expect((err as Error).message).toBe(`ModifyDBSnapshotAttribute sw-jira-1-20261129 in ${DR} (share with ${VAULT.id}): InvalidParameterValue: Snapshots encrypted with the default KMS key cannot be shared.`);
  });

  it('unsharing sends ValuesToRemove for the cluster kind', async () => {
    const { aws, member } = setup(() => ({
      status: 200,
      body: `<ModifyDBClusterSnapshotAttributeResponse xmlns="${RDS_NS}"><ModifyDBClusterSnapshotAttributeResult><DBClusterSnapshotAttributesResult><DBClusterSnapshotIdentifier>sw-billing-20261129</DBClusterSnapshotIdentifier><DBClusterSnapshotAttributes><DBClusterSnapshotAttribute><AttributeName>restore</AttributeName><AttributeValues></AttributeValues></DBClusterSnapshotAttribute></DBClusterSnapshotAttributes></DBClusterSnapshotAttributesResult></ModifyDBClusterSnapshotAttributeResult><ResponseMetadata><RequestId>m</RequestId></ResponseMetadata></ModifyDBClusterSnapshotAttributeResponse>`,
    }));
    await new RdsSnapshotProvider(member).unshareSnapshot({ id: 'sw-billing-20261129', region: DR, kind: 'cluster' }, VAULT.id);
    const call = aws.seen.find((s) => s.action === 'ModifyDBClusterSnapshotAttribute') as Seen;
    expect([call.body.get('DBClusterSnapshotIdentifier'), call.body.get('AttributeName'), call.body.get('ValuesToRemove.AttributeValue.1'), call.body.has('ValuesToAdd.AttributeValue.1')]).toEqual(['sw-billing-20261129', 'restore', VAULT.id, false]);
  });
});

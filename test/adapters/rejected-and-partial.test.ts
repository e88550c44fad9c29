import { Readable } from 'node:stream';
import { AwsClients } from '../../src/adapters/aws/clients';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { resolveFleet } from '../../src/app/fleet';
import { causeOf, ErrorInfo, SnapwardError } from '../../src/domain/errors';
import { config as configWith } from '../support/builders';
import { FakeAccounts, OWN_ACCOUNT } from '../support/fake-accounts';

/**
 * Scripted answers through the real SDK stack (serialisation, signing, retries, deserialisation):
 * what moto cannot produce. RDS speaks the query protocol; its errors are the XML
 * `<ErrorResponse><Error><Code>` document. Codes and HTTP statuses are AWS's "Common Errors":
 * InvalidClientTokenId, 403, "The X.509 certificate or AWS access key ID provided does not exist in
 * our records" (https://docs.aws.amazon.com/emr/latest/APIReference/CommonErrors.html, a query
 * API like RDS); ExpiredTokenException, 403, "The security token included in the request is
 * expired" (https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html), whose
 * query-protocol spelling is ExpiredToken.
 */
const rdsError = (code: string, message: string) =>
  `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>scripted</RequestId></ErrorResponse>`;

const instancesPage = (ids: string[]) =>
  `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances>${ids
    .map(
      (id) =>
        `<DBInstance><DBInstanceIdentifier>${id}</DBInstanceIdentifier><Engine>postgres</Engine><DBInstanceStatus>available</DBInstanceStatus><StorageEncrypted>true</StorageEncrypted><BackupRetentionPeriod>7</BackupRetentionPeriod><TagList><Tag><Key>snapward:tier</Key><Value>2</Value></Tag></TagList></DBInstance>`,
    )
    .join('')}</DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`;
const clustersPage = `<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult><DBClusters></DBClusters></DescribeDBClustersResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></DescribeDBClustersResponse>`;

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Answers by region (from the request's host, `rds.<region>.amazonaws.com`) and action. */
class RegionalHandler {
  readonly seen: { region: string; action: string }[] = [];
  constructor(private readonly answer: (region: string, action: string) => Answer) {}
  async handle(request: { hostname?: string; body?: string }): Promise<{ response: unknown }> {
    const region = /rds\.([a-z0-9-]+)\.amazonaws\.com/.exec(request.hostname ?? '')?.[1] ?? '?';
    const action = new URLSearchParams(String(request.body ?? '')).get('Action') ?? '?';
    this.seen.push({ region, action });
    const a = this.answer(region, action);
    return { response: { statusCode: a.status, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(a.body)]) } };
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

beforeAll(() => {
  delete process.env.AWS_ENDPOINT_URL; // the region must show in the host
  process.env.AWS_ACCESS_KEY_ID = 'AKIAWRONGWRONGWRONG0';
  process.env.AWS_SECRET_ACCESS_KEY = 'wrong';
});

describe('credentials rejected, over the SDK', () => {
  it.each([
    ['InvalidClientTokenId', 'The security token included in the request is invalid.'],
    ['ExpiredToken', 'The security token included in the request is expired'],
  ])('%s is ACCESS_DENIED, not retryable, after one attempt (the SDK does not retry it either)', async (code, message) => {
    const handler = new RegionalHandler(() => ({ status: 403, body: rdsError(code, message) }));
    const clients = new AwsClients({ requestHandler: handler, maxAttempts: 8, retryMode: 'standard' });
    const err = (await new RdsSnapshotProvider(clients).listDatabases('us-east-1').catch((e: unknown) => e)) as SnapwardError;
    expect(err).toBeInstanceOf(SnapwardError);
    expect([err.code, err.retryable]).toEqual(['ACCESS_DENIED', false]);
    expect(err.message).toBe(`listing DB instances and clusters in us-east-1: ${code}: ${message}`);
    expect(err.context).toMatchObject({ awsErrorName: code, httpStatus: 403 });
    expect(handler.seen).toEqual([{ region: 'us-east-1', action: 'DescribeDBInstances' }]);
    clients.destroy();
  });
});

describe('discovery failing in one region of two, over the SDK', () => {
  it('keeps the other region\'s databases and names the failed region in the problems', async () => {
    const handler = new RegionalHandler((region, action) => {
      if (region === 'us-east-1') return { status: 403, body: rdsError('InvalidClientTokenId', 'The security token included in the request is invalid.') };
      return { status: 200, body: action === 'DescribeDBInstances' ? instancesPage(['eu-db-1', 'eu-db-2']) : clustersPage };
    });
    const clients = new AwsClients({ requestHandler: handler, maxAttempts: 3, retryMode: 'standard' });
    const config = configWith({
      instances: [],
      discover: [
        { region: 'us-east-1', drRegion: 'us-west-2', tierTag: 'snapward:tier', kinds: ['instance', 'cluster'] },
        { region: 'eu-west-1', drRegion: 'eu-central-1', tierTag: 'snapward:tier', kinds: ['instance', 'cluster'] },
      ],
    });
    const fleet = await resolveFleet(config, new FakeAccounts({ id: OWN_ACCOUNT, name: null, provider: new RdsSnapshotProvider(clients), keys: null as never, restores: null as never }));
    expect(fleet.members.map((m) => [m.id, m.region, m.drRegion, m.tier])).toEqual([
      ['eu-db-1', 'eu-west-1', 'eu-central-1', 2],
      ['eu-db-2', 'eu-west-1', 'eu-central-1', 2],
    ]);
    expect(fleet.problems).toEqual([
      {
        code: 'ACCESS_DENIED',
        step: 'discover',
        retryable: false,
        awsError: 'InvalidClientTokenId',
        message: 'listing DB instances and clusters in us-east-1: InvalidClientTokenId: The security token included in the request is invalid.',
      },
    ]);
    expect(causeOf(fleet.problems[0] as ErrorInfo)).toBe('credentials rejected (InvalidClientTokenId)');
    expect(handler.seen.filter((s) => s.region === 'eu-west-1').map((s) => s.action)).toEqual(['DescribeDBInstances', 'DescribeDBClusters']);
    clients.destroy();
  });
});

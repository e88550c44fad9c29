import { Readable } from 'node:stream';
import { AwsClients } from '../../src/adapters/aws/clients';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { SnapwardError } from '../../src/domain/errors';

/**
 * Throttling must be absorbed by the SDK's retry strategy, not turned into failures. This drives
 * the real SDK middleware stack (serialisation, retries, deserialisation) through a scripted HTTP
 * handler that answers RDS's own XML.
 */
const throttle = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>`;
const created = `<CreateDBSnapshotResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><CreateDBSnapshotResult><DBSnapshot><DBSnapshotIdentifier>s1</DBSnapshotIdentifier><DBInstanceIdentifier>db1</DBInstanceIdentifier><Status>creating</Status><SnapshotType>manual</SnapshotType><Encrypted>true</Encrypted></DBSnapshot></CreateDBSnapshotResult><ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></CreateDBSnapshotResponse>`;

class ScriptedHandler {
  readonly actions: string[] = [];
  constructor(private readonly script: { status: number; body: string }[]) {}
  async handle(request: { body?: string }): Promise<{ response: unknown }> {
    this.actions.push(new URLSearchParams(String(request.body ?? '')).get('Action') ?? '?');
    const step = this.script[Math.min(this.actions.length - 1, this.script.length - 1)] as { status: number; body: string };
    return { response: { statusCode: step.status, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(step.body)]) } };
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

const request = { kind: 'instance' as const, region: 'us-east-1', dbId: 'db1', snapshotId: 's1', tags: {} };

describe('throttling', () => {
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });

  it('retries Throttling answers inside the SDK and succeeds', async () => {
    const handler = new ScriptedHandler([
      { status: 400, body: throttle },
      { status: 400, body: throttle },
      { status: 200, body: created },
    ]);
    const provider = new RdsSnapshotProvider(new AwsClients({ requestHandler: handler, maxAttempts: 5, retryMode: 'standard' }));
    const snapshot = await provider.createSnapshot(request);
    expect(snapshot).toMatchObject({ id: 's1', status: 'creating', encrypted: true });
    expect(handler.actions).toEqual(['CreateDBSnapshot', 'CreateDBSnapshot', 'CreateDBSnapshot']);
  });

  it('reports THROTTLED (retryable) only when every attempt was throttled', async () => {
    const handler = new ScriptedHandler([{ status: 400, body: throttle }]);
    const provider = new RdsSnapshotProvider(new AwsClients({ requestHandler: handler, maxAttempts: 2, retryMode: 'standard' }));
    const err = (await provider.createSnapshot(request).catch((e: unknown) => e)) as SnapwardError;
    expect([err.code, err.retryable]).toEqual(['THROTTLED', true]);
    expect(handler.actions).toHaveLength(2);
  });
});

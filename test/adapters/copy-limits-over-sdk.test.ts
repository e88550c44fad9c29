import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CopyDBSnapshotCommand, CreateDBSnapshotCommand, DBSnapshot, DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../src/adapters/aws/clients';
import { KmsKeyResolver } from '../../src/adapters/aws/kms-key-resolver';
import { RdsSnapshotProvider } from '../../src/adapters/aws/rds-snapshot-provider';
import { reconcile } from '../../src/app/reconcile';
import { HOUR } from '../../src/domain/time';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';

/**
 * What moto cannot show (its copies are available at once and never queue), scripted through the
 * real adapters:
 * - a copy stuck in `copying` past `timeouts.copy` is cancelled by deleting its target while it is
 *   copying (AWS RDS User Guide, "Copying a DB snapshot": "You can cancel a copy ... by deleting the
 *   target DB snapshot while that DB snapshot is in copying status");
 * - a copy over the in-flight copy limit is refused with `SnapshotQuotaExceeded` (RDS API reference,
 *   CopyDBSnapshot errors; the message as ../shared/reference/aws-behaviours.md quotes it): the copy
 *   waits, it is not a failure.
 */
const rds = mockClient(RDSClient);
const kms = mockClient(KMSClient);
afterEach(() => {
  rds.reset();
  kms.reset();
});
afterAll(() => {
  rds.restore();
  kms.restore();
});

function scriptedWorld(copyStatus: () => string) {
  const world: Record<string, DBSnapshot[]> = { 'us-east-1': [], 'us-west-2': [] };
  const regionOf = async (getClient: () => RDSClient) => getClient().config.region();
  rds.on(DescribeDBSnapshotsCommand).callsFake(async (input, getClient) => {
    const all = world[await regionOf(getClient)] ?? [];
    const id = input.DBSnapshotIdentifier;
    return { DBSnapshots: id ? all.filter((s) => s.DBSnapshotIdentifier === id) : all };
  });
  rds.on(CreateDBSnapshotCommand).callsFake(async (input) => {
    const s: DBSnapshot = {
      DBSnapshotIdentifier: input.DBSnapshotIdentifier,
      DBSnapshotArn: `arn:aws:rds:us-east-1:1:snapshot:${input.DBSnapshotIdentifier}`,
      DBInstanceIdentifier: 'db1',
      Status: 'available',
      SnapshotType: 'manual',
      Encrypted: true,
      SnapshotCreateTime: new Date(),
      TagList: input.Tags,
    };
    world['us-east-1']?.push(s);
    return { DBSnapshot: s };
  });
  rds.on(CopyDBSnapshotCommand).callsFake(async (input) => {
    const s: DBSnapshot = { DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier, DBInstanceIdentifier: 'db1', Status: copyStatus(), SnapshotType: 'manual', Encrypted: true, TagList: input.Tags };
    world['us-west-2']?.push(s);
    return { DBSnapshot: s };
  });
  rds.on(DeleteDBSnapshotCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient);
    const list = world[region] ?? [];
    const i = list.findIndex((s) => s.DBSnapshotIdentifier === input.DBSnapshotIdentifier);
    const [gone] = list.splice(i, 1);
    return { DBSnapshot: { ...gone, Status: 'deleted' } };
  });
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: 'arn:aws:kms:us-west-2:1:key/k', KeyState: 'Enabled' } });
  return world;
}

function deps(h: ReturnType<typeof harness>) {
  const clients = new AwsClients({ maxAttempts: 1 });
  return h.with({ provider: new RdsSnapshotProvider(clients), keys: new KmsKeyResolver(clients) });
}

it('a copy still copying after timeouts.copy is cancelled by deleting its target, recorded COPY_TIMED_OUT, and started again', async () => {
  scriptedWorld(() => 'copying');
  const h = harness({ instances: [member({ id: 'db1' })], timeouts: { copyMs: 24 * HOUR, createMs: 12 * HOUR } });
  const d = deps(h);
  const first = await reconcile(d, { trigger: 'test' });
  expect(first.results[0]).toMatchObject({ copied: [{ id: 'sw-db1-20261124', region: 'us-west-2' }], inProgress: [{ region: 'us-west-2' }] });

  h.clock.advance(12 * HOUR);
  const watched = await reconcile(d, { trigger: 'test' });
  expect(rds.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  expect(watched.results[0]?.status).toBe('ok');

  h.clock.advance(13 * HOUR); // 25 h after the copy started
  const late = await reconcile(d, { trigger: 'test' });
  const deletes = rds.commandCalls(DeleteDBSnapshotCommand).map((c) => c.args[0].input.DBSnapshotIdentifier);
  expect(deletes).toEqual(['sw-db1-20261124']);
  const db1 = late.results[0];
  expect(db1?.errors.map((e) => e.code)).toContain('COPY_TIMED_OUT');
  expect(db1?.errors.find((e) => e.code === 'COPY_TIMED_OUT')?.message).toMatch(/has been copying for 25 h \(timeouts.copy 24 h\)/);
  // Retryable: no backoff, the next pass starts the copy again.
  expect(db1?.nextAttemptAt).toBeNull();
  const copiesBefore = rds.commandCalls(CopyDBSnapshotCommand).length;
  await reconcile(d, { trigger: 'test' });
  const again = rds.commandCalls(CopyDBSnapshotCommand).slice(copiesBefore).map((c) => c.args[0].input.TargetDBSnapshotIdentifier);
  expect(again).toContain('sw-db1-20261124');
});

it('a copy refused with SnapshotQuotaExceeded (the in-flight copy limit) waits with the reason and fails nothing', async () => {
  scriptedWorld(() => 'pending');
  rds.on(CopyDBSnapshotCommand).rejects(Object.assign(new Error('You have reached the limit of concurrent snapshot copies in progress'), { name: 'SnapshotQuotaExceeded', $metadata: { httpStatusCode: 400 } }));
  const h = harness({ instances: [member({ id: 'db1' })] });
  const pass = await reconcile(deps(h), { trigger: 'test' });
  expect(pass.results[0]).toMatchObject({ status: 'ok', copied: [] });
  expect(pass.results[0]?.deferred).toEqual([expect.objectContaining({ id: 'sw-db1-20261124', region: 'us-west-2', step: 'copy', reason: expect.stringMatching(/^AWS refused the copy: .*SnapshotQuotaExceeded: You have reached the limit/) })]);
  expect(pass.summary).toMatchObject({ failed: 0, deferred: 1 });
  const state = await h.store.getMemberState('123456789012/us-east-1/instance/db1');
  expect(state?.steps?.find((s) => s.id === 'copy:us-west-2/sw-db1-20261124')).toMatchObject({ phase: 'deferred', attempts: 0 });
});

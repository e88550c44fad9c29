import {
  DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../src/adapters/aws/clients';
import { RdsRestoreProvider } from '../../src/adapters/aws/rds-restore-provider';
import { advanceDrill } from '../../src/app/drill-executor';
import { silentLogger } from '../../src/ports/logger';
import { harness } from '../support/app-harness';
import { drill } from '../support/drill-builders';

/**
 * A drill across passes through the real RDS adapter, with AWS's states that moto skips
 * (a restore stays `creating`, then `modifying` while RDS applies settings, a delete stays
 * `deleting`; AWS "Viewing Amazon RDS DB instance status" table), and the failures AWS documents
 * for RestoreDBInstanceFromDBSnapshot that moto never returns.
 */
const rds = mockClient(RDSClient);
const fault = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
afterAll(() => rds.restore());

function setup() {
  rds.reset();
  const h = harness({}, '2026-11-24T10:00:00Z');
  const deps = h.with({ restores: new RdsRestoreProvider(new AwsClients({ maxAttempts: 1 })) });
  const world: { db: DBInstance | null } = { db: null };
  rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 'sw-db1-20261124', Engine: 'postgres' }] });
  rds.on(DescribeDBInstancesCommand).callsFake(async () => {
    if (!world.db) throw fault('DBInstanceNotFound', 'DBInstance not found');
    return { DBInstances: [world.db] };
  });
  return { h, deps, world };
}

const restored = (status: string, over: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: drill().restoredId, DBInstanceStatus: status, Engine: 'postgres', StorageEncrypted: true,
  KmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr-key', InstanceCreateTime: new Date('2026-11-24T10:00:00Z'),
  Endpoint: { Address: 'restored.rds', Port: 5432 },
  TagList: [{ Key: 'snapward:drill', Value: drill().drillId }, { Key: 'snapward:drill-source', Value: 'sw-db1-20261124' }], ...over,
});

it('restoring -> creating -> modifying -> available -> validated -> deleting -> gone, one pass at a time, RTO from request to validation', async () => {
  const { h, deps, world } = setup();
  rds.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake(async () => {
    world.db = restored('creating');
    return { DBInstance: world.db };
  });
  rds.on(DeleteDBInstanceCommand).callsFake(async () => {
    world.db = restored('deleting');
    return { DBInstance: world.db };
  });
  await h.store.createDrill(drill());
  const pass = async () => (await advanceDrill(deps, (await h.store.getDrill(drill().drillId))!, silentLogger)).progress;

  expect((await pass()).steps).toEqual(['request-restore', 'wait: sw-drill-db1-20261124100000 is creating']);
  h.clock.advance(20 * 60_000);
  world.db = restored('modifying');
  expect((await pass()).steps).toEqual(['wait: sw-drill-db1-20261124100000 is modifying']);
  h.clock.advance(10 * 60_000);
  world.db = restored('available');
  const third = await pass();
  expect(third.steps).toEqual(['mark-available', 'validate', 'delete', 'wait: sw-drill-db1-20261124100000 is deleting']);
  expect(await h.store.getDrill(drill().drillId)).toMatchObject({ phase: 'cleaning', rtoSeconds: 30 * 60, band: 'compliant', error: null });
  h.clock.advance(5 * 60_000);
  world.db = null;
  expect((await pass()).steps).toEqual(['finish']);
  expect(await h.store.getDrill(drill().drillId)).toMatchObject({ phase: 'done', outcome: 'succeeded', rtoSeconds: 30 * 60, finishedAt: h.clock.now() });
  expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(1);
  expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(1);
});

it.each([
  ['InstanceQuotaExceeded', 'DB instance quota reached', 'RESTORE_QUOTA_EXCEEDED'],
  ['DBSubnetGroupNotFoundFault', 'DBSubnetGroup dr-restore not found', 'SUBNET_GROUP_NOT_FOUND'],
  ['KMSKeyNotAccessibleFault', 'the key is disabled', 'KMS_KEY_NOT_ACCESSIBLE'],
  ['DBSnapshotNotFound', 'DBSnapshot not found', 'SNAPSHOT_NOT_FOUND'],
])('a restore refused with %s fails the drill with a stable code and AWS message, nothing left behind', async (name, message, code) => {
  const { h, deps } = setup();
  rds.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(fault(name, message));
  await h.store.createDrill(drill());
  const { drill: after } = await advanceDrill(deps, drill(), silentLogger);
  expect(after).toMatchObject({ phase: 'done', outcome: 'failed', error: { code, step: 'restore' } });
  expect(after.error?.message).toContain(message);
});

it('a restored database whose key became unusable (inaccessible-encryption-credentials) fails the drill and is deleted', async () => {
  const { h, deps, world } = setup();
  rds.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake(async () => {
    world.db = restored('inaccessible-encryption-credentials');
    return { DBInstance: world.db };
  });
  rds.on(DeleteDBInstanceCommand).callsFake(async () => {
    world.db = null;
    return {};
  });
  await h.store.createDrill(drill());
  const { drill: after } = await advanceDrill(deps, drill(), silentLogger);
  expect(after).toMatchObject({ phase: 'done', outcome: 'failed', error: { code: 'RESTORE_FAILED', step: 'restore', message: expect.stringMatching(/inaccessible-encryption-credentials/) } });
  expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(1);
});

it('throttling leaves the drill where it was for the next pass', async () => {
  const { h, deps } = setup();
  rds.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(Object.assign(fault('Throttling', 'Rate exceeded'), { $retryable: { throttling: true } }));
  await h.store.createDrill(drill());
  const { drill: after, progress } = await advanceDrill(deps, drill(), silentLogger);
  expect(after).toMatchObject({ phase: 'restoring', startedAt: null, error: null });
  expect(progress.problem).toMatch(/Rate exceeded/);
});

import { createServer, Server } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { loadConfig } from '../../config/load';
import { runCheck } from '../../src/app/check';
import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { App, buildApp } from '../../src/composition';
import { DAY, HOUR } from '../../src/domain/time';
import { silentLogger } from '../../src/ports/logger';
import { DR_KEY_ALIAS, seedFleet, SeededFleet } from '../../scripts/lib/seed-fleet';
import { BUS, drain, makeBusToQueue, REGION } from '../support/bus-queue';
import { runCli } from '../support/cli-capture';
import { FakeClock } from '../support/fake-provider';
import { useMotoServer } from '../support/moto-session';

/**
 * Issue "act and report only on what AWS confirms", end to end on moto: a blind check resolves
 * nothing and exits 4, a recovery point deleted by hand is seen by the next check and restored by
 * the next run, unusable DR keys page someone, and an acknowledgement silences re-notification
 * until it expires.
 */
const moto = useMotoServer();

const yaml = (stateFile: string): string => `kms:
  us-west-2: ${DR_KEY_ALIAS}
instances:
  - { id: orders-db, region: us-east-1, drRegion: us-west-2, tier: 3 }
  - { id: billing-db, region: us-east-1, drRegion: us-west-2, tier: 3 }
alerts: { eventBus: ${BUS}, region: ${REGION} }
state: { sqlite: ${stateFile} }
`;

describe('acting and reporting only on what AWS confirms (moto)', () => {
  let dir: string;
  let configPath: string;
  let app: App;
  let clock: FakeClock;
  let queueUrl: string;
  let fleet: SeededFleet;

  beforeEach(async () => {
    await moto.server().reset();
    fleet = await seedFleet(['us-east-1', 'us-west-2'], [
      { id: 'orders-db', kind: 'instance', region: 'us-east-1' },
      { id: 'billing-db', kind: 'instance', region: 'us-east-1' },
    ]);
    queueUrl = await makeBusToQueue();
    dir = mkdtempSync(join(tmpdir(), 'snapward-trust-'));
    configPath = join(dir, 'snapward.yaml');
    writeFileSync(configPath, yaml(join(dir, 'state.db')));
    clock = new FakeClock(new Date());
    app = buildApp({ config: loadConfig({ configPath }), logger: silentLogger, clock });
  });
  afterEach(async () => app?.close());

  /** Two checks two days apart on the app's clock: the fleet is past its newcomer grace, with Snapshot Missed open. */
  async function knownFleetNeverBackedUp(): Promise<void> {
    const now = clock.now();
    clock.set(new Date(now.getTime() - 2 * DAY).toISOString());
    await runCheck(app.deps, { trigger: 'test' });
    clock.set(now.toISOString());
    const report = await runCheck(app.deps, { trigger: 'test' });
    expect(report.open.filter((f) => f.kind === 'Snapshot Missed').map((f) => f.subject).sort()).toEqual(['billing-db', 'orders-db']);
    await drain(queueUrl);
  }

  it('RDS unreachable: check resolves nothing, sends no Resolved event, names the cause once per region, exits 4', async () => {
    await knownFleetNeverBackedUp();
    await reconcile(app.deps, { trigger: 'test' }); // would heal both findings...
    const closed = await closedPort();
    process.env.AWS_ENDPOINT_URL_RDS = `http://127.0.0.1:${closed}`;
    try {
      const blind = await runCli(['check', '--config', configPath]); // ...but this check cannot see RDS
      expect(blind.code).toBe(4);
      expect(blind.stdout).toMatch(/us-east-1: unreachable[^\n]*: 2 instances unknown/);
      expect(blind.stdout.match(/instances unknown/g)?.length).toBeLessThanOrEqual(2); // one line per region and cause
      const arrived = await drain(queueUrl);
      expect(arrived.filter((e) => e.detailType.endsWith('Resolved'))).toEqual([]);
      expect(arrived.map((e) => e.detailType)).toContain('Observation Failed');
      const statusRun = await runCli(['status', '--json', '--config', configPath]);
      expect(statusRun.code).toBe(4);
      const json = JSON.parse(statusRun.stdout);
      expect(json.instances.map((i: { band: unknown }) => i.band)).toEqual([
        { instanceLoss: 'unknown', regionLoss: 'unknown', accountLoss: null }, // no vault: not judged
        { instanceLoss: 'unknown', regionLoss: 'unknown', accountLoss: null },
      ]);
      // status reads the ledger for snapshots; what it still asks RDS for is in the primary region.
      expect(json.unobserved).toEqual([expect.objectContaining({ region: 'us-east-1', instances: ['billing-db', 'orders-db'] })]);
      // A pass asked to look (an audit re-lists every member) and unable to: exit 4. (An idle pass
      // asks AWS nothing, so it has nothing it could not see.)
      const pass = await runCli(['run', '--audit', '--json', '--config', configPath]);
      expect(pass.code).toBe(4);
      expect(JSON.parse(pass.stdout).unobserved.map((u: { region: string }) => u.region)).toContain('us-east-1');
    } finally {
      delete process.env.AWS_ENDPOINT_URL_RDS;
    }
    const open = await app.deps.store.listFindings({ status: 'open' });
    expect(open.filter((f) => f.kind === 'Snapshot Missed').map((f) => f.subject).sort()).toEqual(['billing-db', 'orders-db']);
    // Seen again (after a pass that can read again): the findings resolve, and the blind region's with them.
    expect((await runCli(['run', '--config', configPath])).code).toBe(0);
    const seeing = await runCli(['check', '--config', configPath]);
    expect(seeing.code).toBe(0);
    const healed = await drain(queueUrl);
    expect(healed.every((e) => e.detailType.endsWith(' Resolved'))).toBe(true);
    expect(healed.filter((e) => e.detailType === 'Snapshot Missed Resolved')).toHaveLength(2);
    expect(healed.filter((e) => e.detailType === 'Observation Failed Resolved').map((e) => e.detail.region)).toContain('us-east-1');
  }, 120_000);

  it('a DR copy deleted by hand is seen by the next check and copied again by the next run', async () => {
    await reconcile(app.deps, { trigger: 'test' });
    const before = (await fleetStatus(app.deps)).instances.find((i) => i.instanceId === 'orders-db');
    const copy = before?.dr?.snapshotId as string;
    const dr = new RDSClient({ region: 'us-west-2' });
    await dr.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: copy }));
    dr.destroy();

    const check = await runCheck(app.deps, { trigger: 'test' });
    const deleted = check.open.filter((f) => f.kind === 'Recovery Point Deleted');
    expect(deleted.map((f) => f.detail)).toEqual([
      expect.objectContaining({ instanceId: 'orders-db', region: 'us-west-2', snapshotId: copy, recoveryPointTime: before?.dr?.time.toISOString(), lastSeenAt: expect.any(String) }),
    ]);
    const event = (await drain(queueUrl)).find((e) => e.detailType === 'Recovery Point Deleted');
    expect(event?.detail).toMatchObject({ severity: 'critical', snapshotId: copy, region: 'us-west-2' });
    // The ledger forgot it: status no longer shows it; the member is due.
    expect((await fleetStatus(app.deps)).instances.find((i) => i.instanceId === 'orders-db')?.dr).toBeNull();

    const run = await reconcile(app.deps, { trigger: 'test' });
    expect(run.results.find((r) => r.instanceId === 'orders-db')?.copied.map((s) => `${s.region}:${s.id}`)).toEqual([`us-west-2:${copy}`]);
    clock.advance(HOUR);
    const healed = await runCheck(app.deps, { trigger: 'test' });
    expect(healed.open.filter((f) => f.kind === 'Recovery Point Deleted')).toEqual([]);
    expect((await drain(queueUrl)).map((e) => e.detailType)).toContain('Recovery Point Deleted Resolved');
  });

  it('a disabled DR key, then one pending deletion, is Key Unusable (critical) naming every instance that depends on it', async () => {
    await reconcile(app.deps, { trigger: 'test' });
    const kms = new KMSClient({ region: 'us-west-2' });
    // By key id: moto 5.1 answers DisableKey and ScheduleKeyDeletion by ARN with an HTTP 500.
    const keyId = (fleet.keys['us-west-2'] as string).split('/').pop();
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    const disabled = await runCheck(app.deps, { trigger: 'test' });
    const unusable = disabled.open.filter((f) => f.kind === 'Key Unusable');
    expect(unusable.map((f) => f.detail)).toEqual([
      expect.objectContaining({ region: 'us-west-2', keyId: fleet.keys['us-west-2'], state: 'Disabled', role: 'dr', instanceIds: ['billing-db', 'orders-db'] }),
    ]);
    expect((await drain(queueUrl)).find((e) => e.detailType === 'Key Unusable')?.detail.severity).toBe('critical');

    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    kms.destroy();
    const pending = await runCheck(app.deps, { trigger: 'test' });
    const again = pending.open.filter((f) => f.kind === 'Key Unusable');
    expect(again.map((f) => f.id)).toEqual(unusable.map((f) => f.id)); // the same finding, refreshed
    expect(again[0]?.detail).toMatchObject({ state: 'PendingDeletion', deletionDate: expect.any(String) });
    expect(String(again[0]?.detail.message)).toMatch(/scheduled for deletion on .*unrecoverable/);
  });

  it('findings ack keeps a finding open but silent until it expires, and every event carries the acknowledgement', async () => {
    await knownFleetNeverBackedUp();
    const open = await app.deps.store.listFindings({ status: 'open' });
    const target = open.find((f) => f.kind === 'Snapshot Missed' && f.subject === 'orders-db');
    const ack = await runCli(['findings', 'ack', target!.id, '--reason', 'OPS-12: restore in progress', '--until', '2d', '--by', 'alice', '--config', configPath, '--json']);
    expect(ack.code).toBe(0);
    expect(JSON.parse(ack.stdout).acknowledged).toMatchObject({ by: 'alice', reason: 'OPS-12: restore in progress' });
    const listed = JSON.parse((await runCli(['findings', '--json', '--config', configPath])).stdout);
    expect(listed.find((f: { id: string }) => f.id === target!.id).acknowledged).toEqual({ by: 'alice', reason: 'OPS-12: restore in progress', until: expect.any(String) });
    expect(listed.find((f: { id: string; subject: string; acknowledged: unknown }) => f.subject === 'billing-db' && f.acknowledged === null)).toBeDefined();

    clock.advance(7 * HOUR); // past re-notification: the other finding is re-sent, the acknowledged one is not
    await runCheck(app.deps, { trigger: 'test' });
    const reminders = (await drain(queueUrl)).filter((e) => e.detailType === 'Snapshot Missed');
    expect(reminders.map((e) => e.instanceId)).toEqual(['billing-db']);

    clock.advance(2 * DAY); // the acknowledgement has run out: reminders resume, without it
    await runCheck(app.deps, { trigger: 'test' });
    const resumed = (await drain(queueUrl)).filter((e) => e.detailType === 'Snapshot Missed');
    expect(resumed.map((e) => e.instanceId).sort()).toEqual(['billing-db', 'orders-db']);
    expect(resumed.find((e) => e.instanceId === 'orders-db')?.detail.acknowledged).toBeNull();
    expect((await app.deps.store.getFinding(target!.id))?.acknowledged).toBeNull();
  });
});

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

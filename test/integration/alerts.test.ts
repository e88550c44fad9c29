import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from '../../src/app/check';
import { reconcile } from '../../src/app/reconcile';
import { App, buildApp } from '../../src/composition';
import { DEFAULT_ALERTS } from '../../src/domain/alerts';
import { DAY } from '../../src/domain/time';
import { silentLogger } from '../../src/ports/logger';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { config, member } from '../support/builders';
import { FakeClock } from '../support/fake-provider';
import { useMotoServer } from '../support/moto-session';
import { BUS, drain, makeBusToQueue, REGION } from '../support/bus-queue';

/**
 * The watchdog end to end: findings published to a real EventBridge bus (moto) whose rule
 * delivers to an SQS queue, so each alert can be counted as it arrives.
 */
const moto = useMotoServer();

describe('alerts through EventBridge to SQS (moto)', () => {
  let app: App;
  let clock: FakeClock;
  let queueUrl: string;

  beforeEach(async () => {
    await moto.server().reset();
    await seedFleet(['us-east-1', 'us-west-2'], [
      { id: 'orders-db', kind: 'instance', region: 'us-east-1' },
      { id: 'billing-db', kind: 'instance', region: 'us-east-1' },
    ]);
    queueUrl = await makeBusToQueue();
    clock = new FakeClock(new Date());
    const dir = mkdtempSync(join(tmpdir(), 'snapward-alerts-'));
    app = buildApp({
      config: {
        ...config({
          instances: [member({ id: 'orders-db', tier: 3 }), member({ id: 'billing-db', tier: 3 })],
          kms: { 'us-west-2': DR_KEY_ALIAS },
          state: { sqlite: join(dir, 'state.db') },
        }),
        alerts: { ...DEFAULT_ALERTS, eventBus: BUS, region: REGION },
      },
      logger: silentLogger,
      clock,
    });
  });
  afterEach(async () => app?.close());

  it('a dead schedule (moved clock): each Snapshot Missed arrives exactly once and is not repeated', async () => {
    await reconcile(app.deps, { trigger: 'test' });
    clock.advance(2 * DAY); // nothing ran for two days
    const first = await runCheck(app.deps, { trigger: 'test' });
    expect(first.events).toMatchObject({ failed: 0, configured: true });
    const arrived = await drain(queueUrl);
    const missed = arrived.filter((e) => e.detailType === 'Snapshot Missed');
    expect(missed.map((e) => e.instanceId).sort()).toEqual(['billing-db', 'orders-db']);
    // Exactly once: no (detail-type, findingId) pair twice, and nothing beyond what was sent.
    const pairs = arrived.map((e) => `${e.detailType}|${e.findingId}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(arrived.length).toBe(first.events.sent);

    clock.advance(10 * 60 * 1000);
    const second = await runCheck(app.deps, { trigger: 'test' });
    expect(await drain(queueUrl)).toEqual([]);
    expect(second.open.map((f) => f.id).sort()).toEqual(first.open.map((f) => f.id).sort());
  });

  it('a fleet never backed up is reported once past its newcomer grace, and a pass resolves it with the same findingIds', async () => {
    // moto stamps snapshots with its own (real) time, so the pass below runs on the real clock.
    const now = clock.now();
    clock.set(new Date(now.getTime() - 2 * DAY).toISOString()); // snapward first saw the fleet two days ago...
    const newcomer = await runCheck(app.deps, { trigger: 'test' });
    expect(newcomer.open.filter((f) => f.kind === 'Snapshot Missed')).toEqual([]); // ...when it was new: grace
    expect(await drain(queueUrl)).toEqual([]);
    clock.set(now.toISOString());
    const first = await runCheck(app.deps, { trigger: 'test' });
    const missed = (await drain(queueUrl)).filter((e) => e.detailType === 'Snapshot Missed');
    expect(missed.map((e) => e.instanceId).sort()).toEqual(['billing-db', 'orders-db']);
    // No snapshot yet (recoveryPointTime null); instance-loss RPO still comes from point-in-time restore.
    expect(first.open.find((f) => f.kind === 'Snapshot Missed')?.detail).toMatchObject({ recoveryPointTime: null, achievedSeconds: expect.any(Number) });

    await reconcile(app.deps, { trigger: 'test' });
    const healed = await runCheck(app.deps, { trigger: 'test' });
    const resolved = (await drain(queueUrl)).filter((e) => e.detailType === 'Snapshot Missed Resolved');
    expect(resolved.map((e) => e.findingId).sort()).toEqual(missed.map((e) => e.findingId).sort());
    expect(healed.open).toEqual([]);
    expect((await app.deps.store.listFindings({ status: 'resolved' })).map((f) => f.resolvedNotifiedAt)).not.toContain(null);
  });

  it('a healthy fleet right after a pass raises nothing and exits clean', async () => {
    await reconcile(app.deps, { trigger: 'test' });
    const report = await runCheck(app.deps, { trigger: 'test' });
    expect(report.open).toEqual([]);
    expect(await drain(queueUrl)).toEqual([]);
    // moto does not implement DescribeAccountAttributes: the quota is reported unknown, the check carries on.
    expect(report.quotas.map((q) => q.status)).toEqual(['unknown', 'unknown']);
  });
});

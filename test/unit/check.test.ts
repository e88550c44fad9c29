import { runCheck } from '../../src/app/check';
import { reconcile } from '../../src/app/reconcile';
import { SnapwardError } from '../../src/domain/errors';
import { DAY, HOUR } from '../../src/domain/time';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';
import { memberKey } from '../../src/domain/ledger';
import { FleetMember } from '../../src/domain/types';

/** Tier 3 (RPO 24 h) keeps RPO Breached out of the way unless a test wants it. */
const fleet = [member({ id: 'db-a', tier: 3 }), member({ id: 'db-b', tier: 3 })];

/** A fleet snapward has known for weeks (no newcomer grace), with no backup taken yet. */
function setup(now = '2026-11-24T10:00:00Z') {
  const h = harness({ instances: fleet }, now);
  h.rds.addDatabase({ id: 'db-a', backupRetentionDays: 7 }).addDatabase({ id: 'db-b', backupRetentionDays: 7 });
  h.rds.newStatus = 'available';
  return h;
}

/** Records that snapward first saw `members` at `iso` (their ledger entries, never audited yet). */
async function seenSince(h: ReturnType<typeof harness>, members: readonly FleetMember[], iso = '2026-11-01T00:00:00Z'): Promise<void> {
  const at = new Date(iso);
  for (const m of members) {
    await h.store.putMemberState({ key: memberKey(m), dueAt: at, auditedAt: null, policy: '', pending: [], snapshots: [], updatedAt: at, firstSeenAt: at, lost: [] });
  }
}

const kinds = (events: { detailType: string; detail: Record<string, unknown> }[]) =>
  events.map((e) => `${e.detailType}:${String(e.detail.instanceId ?? e.detail.region)}`).sort();

describe('watchdog', () => {
  it('with no pass for two days, check alone reports Snapshot Missed for every instance, once', async () => {
    const h = setup('2026-11-22T10:00:00Z');
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.set('2026-11-24T10:00:00Z');
    const first = await runCheck(h.deps, { trigger: 'test' });
    const sent = h.events.take();
    expect(kinds(sent).filter((k) => k.startsWith('Snapshot Missed'))).toEqual(['Snapshot Missed:db-a', 'Snapshot Missed:db-b']);
    const missed = sent.find((e) => e.detailType === 'Snapshot Missed');
    expect(missed?.detail).toMatchObject({ findingId: expect.stringMatching(/^f-/), kind: 'Snapshot Missed', region: 'us-east-1', tier: 3, targetSeconds: 86400, recoveryPointTime: '2026-11-22T10:00:00.000Z', runId: first.runId });
    expect(missed?.detail.achievedSeconds).toBe(2 * 86400);

    h.clock.advance(5 * 60 * 1000);
    const second = await runCheck(h.deps, { trigger: 'test' });
    expect(h.events.take()).toEqual([]); // still open, not re-sent
    expect(second.open.map((f) => f.id).sort()).toEqual(first.open.map((f) => f.id).sort());
  });

  it('re-notifies a finding still open after the interval, with the same findingId', async () => {
    const h = setup();
    await seenSince(h, fleet);
    await runCheck(h.deps, { trigger: 'test' });
    const ids = h.events.take().map((e) => e.detail.findingId).sort();
    h.clock.advance(6 * HOUR);
    await runCheck(h.deps, { trigger: 'test' });
    const again = h.events.take().filter((e) => e.detailType === 'Snapshot Missed');
    expect(again.map((e) => e.detail.findingId).sort()).toEqual(ids.filter((id) => again.some((e) => e.detail.findingId === id)));
    expect(again).toHaveLength(2);
  });

  it('resolves a finding when a pass heals it, and a later miss is a new finding', async () => {
    const h = setup();
    await seenSince(h, fleet);
    await runCheck(h.deps, { trigger: 'test' });
    const opened = h.events.take().filter((e) => e.detailType === 'Snapshot Missed' && e.detail.instanceId === 'db-a')[0];
    await reconcile(h.deps, { trigger: 'test' });
    const healed = await runCheck(h.deps, { trigger: 'test' });
    const resolvedEvents = h.events.take().filter((e) => e.detailType === 'Snapshot Missed Resolved');
    expect(resolvedEvents.map((e) => e.detail.findingId)).toContain(opened?.detail.findingId);
    expect(healed.open.filter((f) => f.kind === 'Snapshot Missed')).toEqual([]);

    h.clock.advance(2 * DAY);
    await runCheck(h.deps, { trigger: 'test' });
    const reopened = h.events.take().find((e) => e.detailType === 'Snapshot Missed' && e.detail.instanceId === 'db-a');
    expect(reopened?.detail.findingId).toBeDefined();
    expect(reopened?.detail.findingId).not.toBe(opened?.detail.findingId);
  });

  it('keeps findings un-notified while the bus is down and delivers them on the next check', async () => {
    const h = setup();
    await seenSince(h, fleet);
    h.events.down = true;
    const down = await runCheck(h.deps, { trigger: 'test' });
    expect(down.events).toMatchObject({ sent: 0, configured: true });
    expect(down.events.failed).toBeGreaterThan(0);
    expect((await h.store.listFindings({ status: 'open' })).every((f) => f.notifiedAt === null)).toBe(true);
    expect((await h.store.getRun(down.runId))?.outcome).toBe('partial');
    h.events.down = false;
    h.clock.advance(5 * 60 * 1000);
    const up = await runCheck(h.deps, { trigger: 'test' });
    expect(up.events).toMatchObject({ sent: down.events.failed, failed: 0 });
    expect((await h.store.listFindings({ status: 'open' })).every((f) => f.notifiedAt !== null)).toBe(true);
  });

  it('raises Backup Failed from the last pass, and resolves it after a good pass', async () => {
    const h = setup();
    h.rds.fail('createSnapshot', 'db-b', () => new SnapwardError('INVALID_INSTANCE_STATE', 'instance is stopped'), 1);
    const pass = await reconcile(h.deps, { trigger: 'test' });
    await runCheck(h.deps, { trigger: 'test' });
    const failed = h.events.take().filter((e) => e.detailType === 'Backup Failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({ instanceId: 'db-b', runId: expect.any(String), errors: [{ code: 'INVALID_INSTANCE_STATE' }] });
    expect(String(failed[0]?.detail.message)).toContain(pass.runId as string);
    await reconcile(h.deps, { trigger: 'test' });
    await runCheck(h.deps, { trigger: 'test' });
    expect(kinds(h.events.take())).toContain('Backup Failed Resolved:db-b');
  });

  it('raises Copy Missed when the primary snapshot exists but its DR copy does not, after the copy grace', async () => {
    const h = setup();
    await seenSince(h, fleet);
    h.keys.missing.add('us-west-2');
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.advance(7 * HOUR);
    const report = await runCheck(h.deps, { trigger: 'test' });
    expect(report.open.filter((f) => f.kind === 'Copy Missed').map((f) => f.subject).sort()).toEqual(['db-a', 'db-b']);
    expect(report.open.filter((f) => f.kind === 'Snapshot Missed')).toEqual([]);
  });

  it('warns above 80% of the manual snapshot quota, and says when the quota cannot be read', async () => {
    const h = setup();
    h.rds.quotas.set('us-east-1', [{ name: 'ManualSnapshots', used: 85, max: 100 }, { name: 'DBInstances', used: 39, max: 40 }]);
    const report = await runCheck(h.deps, { trigger: 'test' });
    expect(report.open.filter((f) => f.kind === 'Quota Warning').map((f) => f.key)).toEqual(['Quota Warning|us-east-1|ManualSnapshots']);
    expect(report.quotas).toEqual([
      { region: 'us-east-1', account: '123456789012', status: 'warning', message: expect.stringMatching(/ManualSnapshots in us-east-1: 85 of 100/) },
      { region: 'us-west-2', account: '123456789012', status: 'unknown', message: expect.stringMatching(/quota could not be read/) },
    ]);
  });

  it('a target the configuration can never meet is one Target Unreachable with the remedy, never RPO Breached', async () => {
    const tier1 = member({ id: 'tier1', tier: 1 });
    const h = harness({ instances: [tier1] });
    await seenSince(h, [tier1]);
    h.rds.addDatabase({ id: 'tier1', backupRetentionDays: 7, latestRestorableTime: new Date('2026-11-24T09:58:00Z') });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.advance(2 * HOUR);
    h.rds.databases[0] = { ...h.rds.databases[0]!, latestRestorableTime: new Date('2026-11-24T11:58:00Z') };
    const report = await runCheck(h.deps, { trigger: 'test' });
    // Region loss: daily copies can never give 1 hour; instance loss: PITR keeps it at 2 minutes.
    expect(report.open.filter((f) => f.kind === 'RPO Breached')).toEqual([]);
    const gaps = report.open.filter((f) => f.kind === 'Target Unreachable');
    expect(gaps.map((f) => f.key)).toEqual(['Target Unreachable|123456789012|tier1|regionLoss']);
    expect(gaps[0]?.detail).toMatchObject({ scenario: 'regionLoss', region: 'us-west-2', remedy: expect.stringMatching(/StartDBInstanceAutomatedBackupsReplication/) });
    const events = h.events.take();
    expect(events.find((e) => e.detailType === 'Target Unreachable')?.detail.severity).toBe('info');
    // A standing fact is told once: no reminder however long it stays open.
    h.clock.advance(DAY);
    h.rds.databases[0] = { ...h.rds.databases[0]!, latestRestorableTime: new Date('2026-11-25T11:58:00Z') };
    await runCheck(h.deps, { trigger: 'test' });
    expect(h.events.take().filter((e) => e.detailType === 'Target Unreachable')).toEqual([]);
  });

  it('flags an RPO breach it could have met, with its band and severity', async () => {
    const tier2 = member({ id: 'tier2', tier: 2 });
    const h = harness({ instances: [tier2] });
    await seenSince(h, [tier2]);
    h.rds.addDatabase({ id: 'tier2', backupRetentionDays: 7, latestRestorableTime: new Date('2026-11-24T09:58:00Z') });
    h.rds.newStatus = 'available';
    await reconcile(h.deps, { trigger: 'test' });
    h.clock.advance(20 * HOUR); // PITR stuck at 09:58: instance loss would lose 20 h against 8 h
    const report = await runCheck(h.deps, { trigger: 'test' });
    const breaches = report.open.filter((f) => f.kind === 'RPO Breached');
    expect(breaches.map((f) => f.key)).toEqual(['RPO Breached|123456789012|tier2|instanceLoss']);
    expect(breaches[0]?.detail).toMatchObject({ scenario: 'instanceLoss', band: 'severe', targetSeconds: 8 * 3600 });
    expect(h.events.take().find((e) => e.detailType === 'RPO Breached')?.detail.severity).toBe('critical');
  });

  it('leaves the findings of an instance it cannot read as they are', async () => {
    const h = setup();
    await seenSince(h, fleet);
    await runCheck(h.deps, { trigger: 'test' });
    const before = await h.store.listFindings({ status: 'open' });
    await reconcile(h.deps, { trigger: 'test' }); // would heal them...
    h.rds.fail('listSnapshots', 'us-east-1/instance', () => new SnapwardError('THROTTLED', 'Rate exceeded', { retryable: true }));
    const report = await runCheck(h.deps, { trigger: 'test' }); // ...but this check cannot see it
    expect(report.resolved).toEqual([]);
    const open = await h.store.listFindings({ status: 'open' });
    expect(open.filter((f) => f.kind !== 'Observation Failed').map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort());
    // What it could not see is a finding of its own, for the region, naming the cause.
    expect(open.filter((f) => f.kind === 'Observation Failed').map((f) => [f.subject, f.detail.cause])).toEqual([['us-east-1', 'throttled']]);
    expect(report.unobserved).toEqual([expect.objectContaining({ region: 'us-east-1', cause: 'throttled', instances: ['db-a', 'db-b'] })]);
  });

  it('turns the newest verification into Replication Broken / Lagging findings, and resolves them when it is clean', async () => {
    const pair = { name: 'jira-media', tier: 1 as const, source: { bucket: 'src', region: 'us-east-1' }, replica: { bucket: 'dst', region: 'us-west-2' }, prefix: '' };
    const h = harness({ instances: fleet, attachments: [pair] });
    h.rds.addDatabase({ id: 'db-a' }).addDatabase({ id: 'db-b' });
    const result = (over: { problems?: string[]; missing?: number; oldest?: number | null; mismatched?: number }) => ({
      name: 'jira-media', mode: 'full', ok: false, source: pair.source, replica: pair.replica, prefix: '', checkedAt: h.clock.now().toISOString(),
      config: { problems: (over.problems ?? []).map((m) => ({ code: 'X', message: m })), info: [] },
      objects: { listed: 10, checked: 10, missing: over.missing ?? 0, missingRecent: 0, mismatched: over.mismatched ?? 0, extra: 0, failed: 0, pending: 0, notTracked: 0, examples: {} },
      oldestMissingSeconds: over.oldest ?? null,
      rpo: { targetSeconds: 3600, achievedSeconds: over.oldest ?? 0, compliant: (over.oldest ?? 0) <= 3600 },
      error: null,
    });
    const verification = async (pairResult: unknown) => {
      const id = `r-verify-${h.clock.now().getTime()}`;
      await h.store.startRun({ id, kind: 'verify-replication', trigger: 'test', startedAt: h.clock.now(), owner: { host: 'test', pid: 1000 } });
      await h.store.finishRun(id, { finishedAt: h.clock.now(), outcome: 'partial', summary: null, error: null, details: { pairs: [pairResult] } });
    };
    await verification(result({ problems: ['replication rule is Disabled'], missing: 40, oldest: 7200, mismatched: 2 }));
    await runCheck(h.deps, { trigger: 'test' });
    const opened = h.events.take().filter((e) => e.detailType.startsWith('Replication'));
    expect(opened.map((e) => e.detailType).sort()).toEqual(['Replication Broken', 'Replication Lagging']);
    expect(opened.find((e) => e.detailType === 'Replication Broken')?.detail).toMatchObject({ pair: 'jira-media', tier: 1, message: expect.stringMatching(/rule is Disabled.*2 objects differ/) });
    expect(opened.find((e) => e.detailType === 'Replication Lagging')?.detail).toMatchObject({ achievedSeconds: 7200, targetSeconds: 3600 });

    h.clock.advance(60_000);
    await verification({ ...result({}), ok: true });
    await runCheck(h.deps, { trigger: 'test' });
    expect(h.events.take().filter((e) => e.detailType.startsWith('Replication')).map((e) => e.detailType).sort()).toEqual([
      'Replication Broken Resolved',
      'Replication Lagging Resolved',
    ]);
  });
});

import { runCheck } from '../../src/app/check';
import { reconcile } from '../../src/app/reconcile';
import { fleetStatus } from '../../src/app/status';
import { printCapacity } from '../../src/cli/capacity-view';
import { severityOf } from '../../src/domain/findings';
import { memberKey } from '../../src/domain/ledger';
import { StepPhase, StepState } from '../../src/domain/steps';
import { DAY, HOUR, MINUTE } from '../../src/domain/time';
import { FleetMember } from '../../src/domain/types';
import { harness } from '../support/app-harness';
import { member } from '../support/builders';
import { captureOutput } from '../support/cli-capture';

/**
 * The copy capacity as status reports it (and its JSON), and check's Copy Capacity Exceeded:
 * opened when a DR region's daily demand exceeds its capacity, resolved when it fits again,
 * never judged while the capacity is unknown.
 */
const NOW = '2026-11-24T10:00:00Z';
const now = new Date(NOW);
let seq = 0;

function slotStep(phase: StepPhase, minutes: number | null, over: Partial<StepState> = {}): StepState {
  const n = ++seq;
  const finishedAt = phase === 'done' ? new Date(now.getTime() - HOUR) : null;
  const startedAt = minutes === null ? null : new Date((finishedAt ?? now).getTime() - minutes * MINUTE);
  return { id: `x:us-west-2/sw-${n}`, kind: 'x', target: { id: `sw-${n}`, region: 'us-west-2', kind: 'instance' }, slot: { account: '123456789012', region: 'us-west-2', dbKind: 'instance' }, phase, attempts: 0, nextAttemptAt: null, lastError: null, startedAt, finishedAt, ...over };
}

/** `n` tier-`tier` instances copying to us-west-2, snapward's for weeks, nothing taken yet. */
function fleetOf(counts: Partial<Record<0 | 1 | 2 | 3, number>>): FleetMember[] {
  return Object.entries(counts).flatMap(([tier, n]) => Array.from({ length: n ?? 0 }, (_, i) => member({ id: `t${tier}-db-${i}`, tier: Number(tier) as 0 | 1 | 2 | 3 })));
}

async function setup(fleet: FleetMember[], steps: StepState[], limit = 20) {
  const h = harness({ instances: fleet, concurrency: { instances: 4, instanceCopiesPerRegion: limit, clusterCopiesPerRegion: 5 } }, NOW);
  for (const m of fleet) h.rds.addDatabase({ id: m.id, backupRetentionDays: 7 });
  await putSteps(h, fleet, steps);
  return h;
}

/** Spreads `steps` over the members' ledger entries (the first member holds them all). */
async function putSteps(h: ReturnType<typeof harness>, fleet: FleetMember[], steps: StepState[]): Promise<void> {
  const at = new Date('2026-11-01T00:00:00Z');
  for (const [i, m] of fleet.entries()) {
    await h.store.putMemberState({ key: memberKey(m), dueAt: at, auditedAt: null, policy: '', pending: [], snapshots: [], updatedAt: at, firstSeenAt: at, lost: [], steps: i === 0 ? steps : [] });
  }
}

describe('copy capacity in status', () => {
  it('status gives each DR region its in-flight copies, limit, median, capacity, demand and backlog; JSON carries the same', async () => {
    const fleet = fleetOf({ 2: 6 });
    const h = await setup(fleet, [slotStep('done', 30), slotStep('done', 10), slotStep('done', 20), slotStep('in-flight', 5), slotStep('deferred', null), slotStep('deferred', null)], 2);
    const status = await fleetStatus(h.deps);
    expect(status.capacity).toEqual([
      { account: '123456789012', region: 'us-west-2', kind: 'instance', inFlight: 1, limit: 2, medianCopyMinutes: 20, samples: 3, capacityPerDay: 144, demandPerDay: 6, backlog: 2, demandByTier: { 0: 0, 1: 0, 2: 6, 3: 0 } },
    ]);
    const json = JSON.parse(JSON.stringify(status)) as { capacity: Record<string, unknown>[] };
    expect(json.capacity[0]).toMatchObject({ region: 'us-west-2', kind: 'instance', inFlight: 1, limit: 2, medianCopyMinutes: 20, capacityPerDay: 144, demandPerDay: 6, backlog: 2 });

    const out = captureOutput();
    printCapacity(out, status.capacity ?? [], false);
    expect(out.stdout).toContain('us-west-2 instance 1 of 2 20 min (3 copies) 144 6 2');
  });

  it('with no finished copy the capacity is unknown, said in words, never 0', async () => {
    const h = await setup(fleetOf({ 3: 2 }), [slotStep('in-flight', 5)]);
    const [row] = (await fleetStatus(h.deps)).capacity ?? [];
    expect(row).toMatchObject({ inFlight: 1, medianCopyMinutes: null, capacityPerDay: null, demandPerDay: 2 });
    const out = captureOutput();
    printCapacity(out, [row as NonNullable<typeof row>], false);
    expect(out.stdout).toContain('unknown (no copy finished yet)');
  });

  it('a status of some members reports no capacity unless asked; asked, it is the whole fleet', async () => {
    const fleet = fleetOf({ 2: 3 });
    const h = await setup(fleet, [slotStep('in-flight', 5)]);
    const only = (m: FleetMember) => m.id === 't2-db-2';
    expect((await fleetStatus(h.deps, { only })).capacity).toBeUndefined();
    const asked = await fleetStatus(h.deps, { only, capacity: true });
    expect(asked.instances.map((i) => i.instanceId)).toEqual(['t2-db-2']);
    expect(asked.capacity).toMatchObject([{ inFlight: 1, demandPerDay: 3 }]);
  });
});

describe('copy capacity from the passes\' own ledger', () => {
  it('copies started by one pass and seen available by a later one give the in-flight count, then the median and the capacity', async () => {
    const fleet = fleetOf({ 2: 3 });
    const h = harness({ instances: fleet, concurrency: { instances: 4, instanceCopiesPerRegion: 2, clusterCopiesPerRegion: 5 } }, NOW);
    for (const m of fleet) h.rds.addDatabase({ id: m.id, backupRetentionDays: 7 });
    await reconcile(h.deps, { trigger: 'test' }); // snapshots creating
    h.rds.settle();
    h.clock.advance(15 * MINUTE);
    await reconcile(h.deps, { trigger: 'test' }); // 2 copies start (the limit), 1 waits
    expect((await fleetStatus(h.deps)).capacity).toMatchObject([{ region: 'us-west-2', kind: 'instance', inFlight: 2, limit: 2, backlog: 1, medianCopyMinutes: null, capacityPerDay: null, demandPerDay: 3 }]);
    h.rds.settle();
    h.clock.advance(30 * MINUTE);
    await reconcile(h.deps, { trigger: 'test' }); // sees both copies available 30 minutes after they started
    const [row] = (await fleetStatus(h.deps)).capacity ?? [];
    expect(row).toMatchObject({ samples: 2, medianCopyMinutes: 30, capacityPerDay: 96 }); // 2 x 1440 / 30
    h.clock.advance(15 * MINUTE);
    await reconcile(h.deps, { trigger: 'test' }); // the third copy has started by now
    expect((await fleetStatus(h.deps)).capacity).toMatchObject([{ inFlight: 1, backlog: 0, samples: 2, medianCopyMinutes: 30 }]);
  });
});

describe('Copy Capacity Exceeded', () => {
  it('opens when demand exceeds capacity, says what each tier loses and the remedies, and resolves when demand fits again', async () => {
    // Limit 1 at a 720-minute median: 2 copies a day. Demand: 1 tier-1 and 3 tier-3 daily copies.
    const fleet = fleetOf({ 1: 1, 3: 3 });
    const h = await setup(fleet, [slotStep('done', 720)], 1);
    const report = await runCheck(h.deps, { trigger: 'test' });
    const found = report.open.filter((f) => f.kind === 'Copy Capacity Exceeded');
    expect(found).toHaveLength(1);
    const f = found[0] as NonNullable<(typeof found)[0]>;
    expect(f).toMatchObject({ key: 'Copy Capacity Exceeded|us-west-2|instance', subject: 'us-west-2' });
    expect(f.detail).toMatchObject({ capacityPerDay: 2, demandPerDay: 4, limit: 1, medianCopyMinutes: 720, topTiersLose: false });
    expect(f.detail.tiers).toEqual([
      { tier: 1, demandPerDay: 1, servedPerDay: 1, rpoHoursLostPerDay: 0 },
      { tier: 3, demandPerDay: 3, servedPerDay: 1, rpoHoursLostPerDay: 16 },
    ]);
    expect(String(f.detail.message)).toMatch(/us-west-2 can complete about 2 DB snapshot copies a day .* needs 4: tier 3 loses 16 h of region-loss RPO per day/);
    expect(String(f.detail.remedy)).toMatch(/less often.*another AWS account.*replicated backups/);
    expect(severityOf(f.kind, f.detail)).toBe('warning');
    expect(report.capacity).toEqual([expect.objectContaining({ region: 'us-west-2', kind: 'instance', status: 'exceeded' })]);
    expect(h.events.take().filter((e) => e.detailType === 'Copy Capacity Exceeded')).toHaveLength(1);

    // Copies got faster (a 60-minute median): 24 a day, demand 4 fits.
    await putSteps(h, fleet, [slotStep('done', 60)]);
    h.clock.advance(5 * MINUTE);
    const healed = await runCheck(h.deps, { trigger: 'test' });
    expect(healed.open.filter((x) => x.kind === 'Copy Capacity Exceeded')).toEqual([]);
    expect(healed.resolved.map((x) => x.key)).toContain('Copy Capacity Exceeded|us-west-2|instance');
    expect(healed.capacity).toEqual([expect.objectContaining({ status: 'ok' })]);
  });

  it('is critical when tier 0 or 1 copies fall behind', async () => {
    const h = await setup(fleetOf({ 0: 3 }), [slotStep('done', 720)], 1);
    const f = (await runCheck(h.deps, { trigger: 'test' })).open.find((x) => x.kind === 'Copy Capacity Exceeded');
    expect(f?.detail).toMatchObject({ topTiersLose: true, tiers: [{ tier: 0, servedPerDay: 2, rpoHoursLostPerDay: 8 }] });
    expect(severityOf('Copy Capacity Exceeded', f?.detail ?? {})).toBe('critical');
  });

  it('unknown capacity (no copy finished yet) opens nothing, resolves nothing, and says so', async () => {
    const fleet = fleetOf({ 3: 3 });
    const h = await setup(fleet, [slotStep('done', 720)], 1);
    expect((await runCheck(h.deps, { trigger: 'test' })).open.some((f) => f.kind === 'Copy Capacity Exceeded')).toBe(true);
    // The durations age out of the ledger: the capacity becomes unknown; the finding stays as it was.
    await putSteps(h, fleet, [slotStep('in-flight', 5)]);
    h.clock.advance(DAY);
    const blind = await runCheck(h.deps, { trigger: 'test' });
    expect(blind.open.filter((f) => f.kind === 'Copy Capacity Exceeded')).toHaveLength(1);
    expect(blind.resolved.filter((f) => f.kind === 'Copy Capacity Exceeded')).toEqual([]);
    expect(blind.capacity).toEqual([expect.objectContaining({ status: 'unknown', message: expect.stringMatching(/no instance copy to us-west-2 has finished yet/) })]);

    const fresh = await setup(fleetOf({ 3: 500 }), []);
    const none = await runCheck(fresh.deps, { trigger: 'test' });
    expect(none.open.filter((f) => f.kind === 'Copy Capacity Exceeded')).toEqual([]);
    expect(none.capacity).toEqual([expect.objectContaining({ status: 'unknown' })]);
  });
});

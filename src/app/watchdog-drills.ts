import { DRILL_OVERDUE_GRACE_MS, DrillRecord, drillsOf, memberDrillSubject } from '../domain/drill';
import { newestByInstance } from '../domain/drill-plan';
import { formatDuration } from '../domain/time';
import { Tier } from '../domain/types';
import { AppDeps } from './deps';
import { drillRecords } from './drill-records';
import { findingKey, Observation } from './watchdog-rules';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * The drill findings, judged per fleet member from the drill records:
 * - Drill Overdue: its tier has a schedule and its newest succeeded drill (or, never drilled, its
 *   first sighting by snapward: the ledger's, or for members seen before the ledger recorded
 *   sightings, the first check that judged drills) is older than `every` plus 7 days;
 * - Drill Failed: its newest finished drill failed (with the step and reason);
 * - RTO Breached: its newest succeeded drill's RTO is over the tier's target.
 * A later succeeded, compliant drill resolves them. A member whose newest drill is still in
 * flight or was cancelled keeps its Drill Failed finding as it is (not judged).
 * Adds to `judged` the `kind|subject` pairs it could judge.
 */
export async function judgeDrills(
  deps: AppDeps,
  members: readonly { instanceId: string; account: string; accountName?: string | null; tier: Tier; firstSeenAt?: Date | null }[],
  own: string,
  at: Date,
  judged: Set<string>,
): Promise<Observation[]> {
  const settings = drillsOf(deps.config);
  const drills = await drillRecords(deps, {}, own);
  const scheduled = members.filter((m) => settings.everyMs[m.tier] !== undefined).map((m) => m.instanceId);
  const sightings = await deps.store.firstSightings(scheduled, at);
  const newest = newestByInstance(drills);
  const newestDone = newestByInstance(drills, (d) => d.phase === 'done' && d.outcome !== 'cancelled');
  const newestOk = newestByInstance(drills, (d) => d.outcome === 'succeeded');
  const out: Observation[] = [];
  for (const m of members) {
    const id = m.instanceId;
    const subject = memberDrillSubject({ account: m.account, id });
    // Keys name the account; the caller's own also judges its keys from before accounts.
    const judge = (kind: 'Drill Overdue' | 'Drill Failed' | 'RTO Breached') => {
      judged.add(findingKey(kind, m.account, id));
      if (m.account === own) judged.add(`${kind}|${id}`);
    };
    const whose = { account: m.account, accountName: m.accountName ?? null };
    const every = settings.everyMs[m.tier];
    const ok = newestOk.get(subject) ?? null;
    if (every !== undefined) {
      judge('Drill Overdue');
      const since = ok ? (ok.finishedAt ?? ok.createdAt) : (m.firstSeenAt ?? sightings.get(id) ?? at);
      const limit = every + DRILL_OVERDUE_GRACE_MS;
      if (at.getTime() - since.getTime() > limit) {
        out.push({
          key: findingKey('Drill Overdue', m.account, id), kind: 'Drill Overdue', subject: id,
          detail: {
            instanceId: id, ...whose, tier: m.tier, lastSucceededDrillId: ok?.drillId ?? null, since: iso(since), every: formatDuration(every),
            message: ok
              ? `${id}: last succeeded restore drill ${ok.drillId} ended ${formatDuration(at.getTime() - since.getTime())} ago; tier ${m.tier} drills every ${formatDuration(every)}`
              : `${id}: never restored in a drill, and snapward has known it for ${formatDuration(at.getTime() - since.getTime())}; tier ${m.tier} drills every ${formatDuration(every)}`,
          },
        });
      }
    }
    const last = newest.get(subject);
    const done = newestDone.get(subject);
    if (done && last?.drillId === done.drillId) {
      judge('Drill Failed');
      if (done.outcome === 'failed') out.push(failedObservation(done, whose));
    }
    if (ok) {
      judge('RTO Breached');
      if (ok.band !== null && ok.band !== 'compliant') {
        out.push({
          key: findingKey('RTO Breached', m.account, id), kind: 'RTO Breached', subject: id,
          detail: {
            instanceId: id, ...whose, tier: m.tier, drillId: ok.drillId, rtoSeconds: ok.rtoSeconds, rtoTargetSeconds: ok.rtoTargetSeconds, band: ok.band,
            message: `${id}: restore drill ${ok.drillId} took ${formatDuration((ok.rtoSeconds ?? 0) * 1000)} from restore request to validated, over the tier ${m.tier} RTO of ${formatDuration(ok.rtoTargetSeconds * 1000)} (${ok.band})`,
          },
        });
      }
    }
  }
  return out;
}

function failedObservation(d: DrillRecord, whose: { account: string; accountName: string | null }): Observation {
  return {
    key: findingKey('Drill Failed', whose.account, d.instanceId), kind: 'Drill Failed', subject: d.instanceId,
    detail: {
      instanceId: d.instanceId, ...whose, tier: d.tier, drillId: d.drillId, step: d.error?.step ?? null, code: d.error?.code ?? null, reason: d.error?.message ?? null,
      message: `${d.instanceId}: restore drill ${d.drillId} failed at ${d.error?.step ?? 'an unknown step'}: ${d.error?.code ?? ''} ${d.error?.message ?? ''}`.trim(),
    },
  };
}

import { toErrorInfo } from '../domain/errors';
import { AlertEvent } from '../ports/event-publisher';
import { Finding, FindingKind, RunTrigger } from '../ports/state-store';
import { DatabaseCatalog } from './catalog';
import { AppDeps } from './deps';
import { reapInterruptedRuns } from './runs';
import { fleetStatus, FleetStatus } from './status';
import { backupFailedObservation, instanceObservations, Observation, quotaObservations, replicationObservations } from './watchdog-rules';
import { PairResult } from '../domain/replication/result';
import { judgeDrills } from './watchdog-drills';

/** Kinds this check judges per instance: an instance it could not read keeps its findings as they are. */
const INSTANCE_KINDS: ReadonlySet<FindingKind> = new Set(['Snapshot Missed', 'Copy Missed', 'RPO Breached', 'Backup Failed']);
const REPLICATION_KINDS: ReadonlySet<FindingKind> = new Set(['Replication Broken', 'Replication Lagging']);

export interface QuotaCheck {
  readonly region: string;
  readonly status: 'ok' | 'warning' | 'unknown';
  readonly message: string;
}

export interface CheckReport {
  readonly runId: string;
  readonly at: Date;
  readonly status: FleetStatus;
  /** Findings open after this check (new and old). */
  readonly open: readonly Finding[];
  readonly opened: readonly Finding[];
  readonly resolved: readonly Finding[];
  readonly quotas: readonly QuotaCheck[];
  readonly events: { readonly sent: number; readonly failed: number; readonly configured: boolean };
}

/**
 * The watchdog: reads AWS and the state store, turns what it sees into findings with a
 * lifecycle (opened once, re-notified after an interval while open, resolved when healed) and
 * publishes their events. Works with no pass ever having run: a dead schedule shows up as
 * `Snapshot Missed` for every instance. Recorded as a run of kind `check`.
 */
export async function runCheck(deps: AppDeps, options: { trigger: RunTrigger }): Promise<CheckReport> {
  const { store, clock } = deps;
  const at = clock.now();
  const runId = deps.runtime.newRunId(at);
  await reapInterruptedRuns(deps);
  await store.startRun({ id: runId, kind: 'check', trigger: options.trigger, startedAt: at, owner: deps.runtime.owner });
  try {
    const status = await fleetStatus(deps);
    const observations: Observation[] = [];
    const judged = new Set<string>(); // `kind|subject` pairs this check could judge
    await judgeInstances(deps, status, at, observations, judged);
    const quotas = await checkQuotas(deps, status, observations, judged);
    await judgeReplication(deps, observations, judged);
    observations.push(...(await judgeDrills(deps, status.instances, at, judged))); // restore drills

    // Lifecycle: observe what holds, resolve what no longer does.
    const fleetIds = new Set(status.instances.map((i) => i.instanceId));
    const pairNames = new Set(deps.config.attachments.map((a) => a.name));
    const openBefore = await store.listFindings({ status: 'open' });
    const seen: Finding[] = [];
    const opened: Finding[] = [];
    for (const o of observations) {
      const f = await store.observeFinding({ ...o, detail: { ...o.detail, runId }, at, newId: deps.runtime.newFindingId(at) });
      seen.push(f);
      if (!openBefore.some((b) => b.id === f.id)) opened.push(f);
    }
    const seenKeys = new Set(seen.map((f) => f.key));
    const resolved: Finding[] = [];
    for (const f of openBefore) {
      if (seenKeys.has(f.key)) continue;
      const gone = (INSTANCE_KINDS.has(f.kind) && !fleetIds.has(f.subject)) || (REPLICATION_KINDS.has(f.kind) && !pairNames.has(f.subject));
      if (!gone && !judged.has(`${f.kind}|${f.subject}`)) continue;
      if (await store.resolveFinding(f.id, at)) resolved.push({ ...f, status: 'resolved', resolvedAt: at });
    }

    const events = await deliver(deps, seen, resolved, at, runId);
    const open = await store.listFindings({ status: 'open' });
    await store.finishRun(runId, {
      finishedAt: clock.now(),
      outcome: events.failed > 0 ? 'partial' : 'succeeded',
      summary: null,
      error: null,
      details: { open: open.length, opened: opened.length, resolved: resolved.length, events, quotas },
    });
    return { runId, at, status, open, opened, resolved, quotas, events };
  } catch (err) {
    await store.finishRun(runId, { finishedAt: clock.now(), outcome: 'failed', summary: null, error: toErrorInfo(err) }).catch(() => undefined);
    throw err;
  }
}

/** Snapshot Missed, Copy Missed, RPO Breached from the fleet status; Backup Failed from the newest finished pass. */
async function judgeInstances(deps: AppDeps, status: FleetStatus, at: Date, observations: Observation[], judged: Set<string>): Promise<void> {
  const lastPass = (await deps.store.listRuns({ kind: 'reconcile', limit: 5 })).find((r) => r.outcome !== 'running');
  const lastResults = lastPass ? new Map((await deps.store.listInstanceResults(lastPass.id)).map((r) => [r.instanceId, r])) : new Map();
  for (const s of status.instances) {
    if (s.errors.length) continue; // could not read it: judge nothing, resolve nothing
    observations.push(...instanceObservations(s, at, deps.alerts, deps.config.tiers[s.tier].snapshotEveryMs));
    for (const kind of ['Snapshot Missed', 'Copy Missed', 'RPO Breached'] as const) judged.add(`${kind}|${s.instanceId}`);
    const result = lastResults.get(s.instanceId);
    if (result && lastPass) {
      judged.add(`Backup Failed|${s.instanceId}`);
      const failed = backupFailedObservation(s, result, lastPass.id);
      if (failed) observations.push(failed);
    }
  }
}

/**
 * Replication findings come from the newest finished verification (verify-replication runs on its
 * own schedule; the watchdog does not list buckets). A pair it could not check is not judged.
 */
async function judgeReplication(deps: AppDeps, observations: Observation[], judged: Set<string>): Promise<void> {
  const latest = (await deps.store.listRuns({ kind: 'verify-replication', limit: 5 })).find((r) => r.outcome !== 'running' && r.outcome !== 'interrupted');
  const pairs = (latest?.details as { pairs?: PairResult[] } | null)?.pairs ?? [];
  for (const pair of pairs) {
    const configured = deps.config.attachments.find((a) => a.name === pair.name);
    if (!configured || !latest) continue;
    const found = replicationObservations(pair, configured.tier, latest.id);
    if (!found) continue;
    judged.add(`Replication Broken|${pair.name}`);
    judged.add(`Replication Lagging|${pair.name}`);
    observations.push(...found);
  }
}

async function checkQuotas(deps: AppDeps, status: FleetStatus, observations: Observation[], judged: Set<string>): Promise<QuotaCheck[]> {
  const regions = [...new Set(status.instances.flatMap((i) => [i.region, i.drRegion]))].sort();
  return Promise.all(
    regions.map(async (region): Promise<QuotaCheck> => {
      try {
        const quotas = await deps.provider.accountQuotas(region);
        judged.add(`Quota Warning|${region}`);
        const found = quotaObservations(region, quotas, deps.alerts.quotaWarnPercent);
        observations.push(...found);
        return found.length
          ? { region, status: 'warning', message: found.map((f) => String(f.detail.message)).join('; ') }
          : { region, status: 'ok', message: 'manual snapshot quotas below the warning level' };
      } catch (err) {
        // Not every endpoint implements DescribeAccountAttributes (moto does not): say so, carry on.
        return { region, status: 'unknown', message: `quota could not be read: ${toErrorInfo(err).message}` };
      }
    }),
  );
}

/** Sends due events; marks what was delivered. An undelivered event is retried by the next check. */
async function deliver(deps: AppDeps, seen: readonly Finding[], resolvedNow: readonly Finding[], at: Date, runId: string) {
  const { store, events: publisher, alerts } = deps;
  const due: { finding: Finding; which: 'open' | 'resolved'; event: AlertEvent }[] = [];
  for (const f of seen) {
    if (!f.notifiedAt || at.getTime() - f.notifiedAt.getTime() >= alerts.renotifyMs) {
      due.push({ finding: f, which: 'open', event: { detailType: f.kind, detail: eventDetail(f, runId), time: at } });
    }
  }
  // Resolved now, or earlier but its Resolved event never got out. A finding whose open event
  // never got out has nothing to resolve for the receivers: it is closed silently.
  const earlier = (await store.listFindings({ status: 'resolved', limit: 500 })).filter((f) => !f.resolvedNotifiedAt && !resolvedNow.some((r) => r.id === f.id));
  for (const f of [...resolvedNow, ...earlier]) {
    if (!f.notifiedAt) {
      await store.markFindingNotified(f.id, 'resolved', at);
      continue;
    }
    due.push({ finding: f, which: 'resolved', event: { detailType: `${f.kind} Resolved`, detail: { ...eventDetail(f, runId), resolvedAt: (f.resolvedAt ?? at).toISOString() }, time: at } });
  }
  if (!publisher || due.length === 0) return { sent: 0, failed: 0, configured: Boolean(publisher) };
  const delivered = await publisher.publish(due.map((d) => d.event));
  let sent = 0;
  for (const [i, d] of due.entries()) {
    if (!delivered[i]) continue;
    sent++;
    await store.markFindingNotified(d.finding.id, d.which, at);
  }
  return { sent, failed: due.length - sent, configured: true };
}

function eventDetail(f: Finding, runId: string): Record<string, unknown> {
  return { ...f.detail, findingId: f.id, kind: f.kind, openedAt: f.openedAt.toISOString(), runId };
}

import { toErrorInfo } from '../domain/errors';
import { AlertEvent } from '../ports/event-publisher';
import { Finding, FindingKind, RunTrigger } from '../ports/state-store';
import { AppDeps } from './deps';
import { withRun } from './with-run';
import { recordComplianceHistory } from './compliance-history';
import { fleetStatus, FleetStatus } from './status';
import {
  accountFindingKey,
  backupFailedObservation,
  findingKey,
  inAccount,
  instanceObservations,
  isVaultFindingKey,
  keyUnusable,
  lostPointObservations,
  Observation,
  observationFailed,
  observationKey,
  quotaObservations,
  replicationObservations,
} from './watchdog-rules';
import { PairResult } from '../domain/replication/result';
import { judgeDrills } from './watchdog-drills';
import { renotifies, severityOf } from '../domain/findings';
import { Tier } from '../domain/types';
import { forEachLimit } from './concurrency';
import { Unobserved } from './unobserved';
import { UNKNOWN_ACCOUNT } from './fleet';
import { CapacityCheck, judgeCapacity } from './watchdog-capacity';

/** Kinds this check judges per instance: an instance it could not read keeps its findings as they are. */
const INSTANCE_KINDS: ReadonlySet<FindingKind> = new Set(['Snapshot Missed', 'Copy Missed', 'RPO Breached', 'Backup Failed', 'Target Unreachable', 'Recovery Point Deleted']);
const REPLICATION_KINDS: ReadonlySet<FindingKind> = new Set(['Replication Broken', 'Replication Lagging']);

export interface QuotaCheck {
  readonly region: string;
  /** The 12-digit id of the account whose quota it is. */
  readonly account: string;
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
  /** Copy capacity per DR region and kind: fits, exceeded (a finding), or unknown and why. */
  readonly capacity: readonly CapacityCheck[];
  readonly events: { readonly sent: number; readonly failed: number; readonly configured: boolean };
  /** What could not be read: the instances it hides are unknown, and their findings untouched. */
  readonly unobserved: readonly Unobserved[];
}

/**
 * The watchdog: reads AWS and the state store, turns what it sees into findings with a
 * lifecycle (opened once, re-notified after an interval while open, resolved when healed) and
 * publishes their events. Works with no pass ever having run: a dead schedule shows up as
 * `Snapshot Missed` for every instance. Recorded as a run of kind `check`.
 *
 * Only what it saw is judged: an instance, region or key it could not read keeps its findings
 * exactly as they are (nothing resolved, nothing opened on a guess), and the blind region gets an
 * `Observation Failed` finding of its own.
 */
export async function runCheck(deps: AppDeps, options: { trigger: RunTrigger }): Promise<CheckReport> {
  const { store } = deps;
  return withRun(deps, { kind: 'check', trigger: options.trigger }, async ({ id: runId, startedAt: at }) => {
    // The check before this one (this one is recorded already: the newest two hold it).
    const previousCheck = (await store.listRuns({ kind: 'check', limit: 2 })).find((r) => r.id !== runId) ?? null;
    const status = await fleetStatus(deps, { watchdog: { holder: runId } });
    await recordComplianceHistory(deps, status); // the dashboard's daily history; never throws
    const openBefore = await store.listFindings({ status: 'open' });
    const observations: Observation[] = [];
    const judged = new Set<string>(); // finding keys this check could judge
    await judgeInstances(deps, status, at, previousCheck?.startedAt ?? null, observations, judged);
    judgeObservation(deps, status, openBefore, at, observations, judged);
    await judgeKeys(deps, status, observations, judged);
    const quotas = await checkQuotas(deps, status, observations, judged);
    await judgeReplication(deps, observations, judged);
    // Restore drills; members whose account is unknown (STS did not answer) cannot be matched to theirs.
    observations.push(...(await judgeDrills(deps, status.instances.filter((i) => i.account !== UNKNOWN_ACCOUNT), status.ownAccount, at, judged)));
    const capacity = judgeCapacity(status, openBefore, observations, judged); // copy capacity (app/watchdog-capacity.ts)

    // Lifecycle: observe what holds, resolve what no longer does.
    const seen: Finding[] = [];
    const opened: Finding[] = [];
    for (const o of observations) {
      const f = await store.observeFinding({ ...o, detail: { ...o.detail, runId }, at, newId: deps.runtime.newFindingId(at) });
      seen.push(f);
      if (!openBefore.some((b) => b.id === f.id)) opened.push(f);
    }
    const seenKeys = new Set(seen.map((f) => f.key));
    // A member or pair that left the configuration takes its findings with it, but only when the
    // whole fleet was seen: a discovery that failed must not look like databases that went away.
    const fleetIds = new Set(status.instances.map((i) => i.instanceId));
    const pairNames = new Set(deps.config.attachments.map((a) => a.name));
    const sawAll = status.unobserved.length === 0;
    const resolved: Finding[] = [];
    for (const f of openBefore) {
      if (seenKeys.has(f.key)) continue;
      const gone = sawAll && ((INSTANCE_KINDS.has(f.kind) && !fleetIds.has(f.subject)) || (REPLICATION_KINDS.has(f.kind) && !pairNames.has(f.subject)));
      if (!gone && !judged.has(f.key)) continue;
      if (await store.resolveFinding(f.id, at)) resolved.push({ ...f, status: 'resolved', resolvedAt: at });
    }

    const events = await deliver(deps, seen, resolved, at, runId);
    const open = await store.listFindings({ status: 'open' });
    return {
      value: { runId, at, status, open, opened, resolved, quotas, capacity, events, unobserved: status.unobserved },
      outcome: events.failed > 0 || status.unobserved.length > 0 ? 'partial' : 'succeeded',
      details: { open: open.length, opened: opened.length, resolved: resolved.length, events, quotas, capacity, unobserved: status.unobserved },
    };
  });
}

/**
 * Snapshot Missed, Copy Missed, RPO Breached, Target Unreachable and Recovery Point Deleted from
 * the fleet status; Backup Failed from the newest finished pass. Instances it could not read are
 * not judged at all.
 */
async function judgeInstances(deps: AppDeps, status: FleetStatus, at: Date, since: Date | null, observations: Observation[], judged: Set<string>): Promise<void> {
  const lastPass = (await deps.store.listRuns({ kind: 'reconcile', limit: 5 })).find((r) => r.outcome !== 'running');
  // Results of runs recorded before accounts carry none: they are the caller's own account's.
  const lastResults = lastPass ? new Map((await deps.store.listInstanceResults(lastPass.id)).map((r) => [`${r.account ?? status.ownAccount}/${r.instanceId}`, r])) : new Map();
  const open = await deps.store.listFindings({ status: 'open' });
  const openKeysBySubject = new Map<string, string[]>();
  for (const f of open) if (INSTANCE_KINDS.has(f.kind)) openKeysBySubject.set(f.subject, [...(openKeysBySubject.get(f.subject) ?? []), f.key]);
  for (const s of status.instances) {
    if (!s.observed) continue; // could not read it: judge nothing, resolve nothing
    const found = [...instanceObservations(s, at, deps.alerts, deps.config.tiers[s.tier].snapshotEveryMs), ...lostPointObservations(s, since)];
    observations.push(...found);
    // Every instance-level finding of an instance seen whole is judged: what it no longer shows is resolved.
    // (The same id in another account is another instance: its findings are not this one's to judge.
    // Keys from before accounts carry none and are the caller's own account's.) Its vault findings
    // only when the vault account was read too.
    const vaultBlind = s.vault !== null && s.vault.error !== null;
    for (const key of openKeysBySubject.get(s.instanceId) ?? []) {
      if (!key.startsWith('Backup Failed|') && ownedBy(key, s.account, status.ownAccount) && !(vaultBlind && isVaultFindingKey(key))) judged.add(key);
    }
    const result = lastResults.get(`${s.account}/${s.instanceId}`);
    if (result && lastPass) {
      judged.add(findingKey('Backup Failed', s.account, s.instanceId));
      if (s.account === status.ownAccount) judged.add(findingKey('Backup Failed', s.instanceId)); // from before accounts
      const failed = backupFailedObservation(s, result, lastPass.id);
      if (failed) observations.push(failed);
    }
  }
}

/** Whether an instance finding's key is about the instance in `account` (keys name the account after the kind). */
function ownedBy(key: string, account: string, ownAccount: string): boolean {
  const named = /^[^|]+\|(\d{12})\|/.exec(key);
  return named ? named[1] === account : account === ownAccount;
}

/**
 * Observation Failed per region that could not be read; resolved for every region read whole. The
 * vault account's side of a DR region (issue 16) is a finding of its own, naming the vault account.
 */
function judgeObservation(deps: AppDeps, status: FleetStatus, openBefore: readonly Finding[], at: Date, observations: Observation[], judged: Set<string>): void {
  const tiers = new Map(status.instances.map((i) => [i.instanceId, i.tier]));
  const blind = new Map<string, Unobserved[]>();
  // A read cut short by Ctrl-C, SIGTERM or the Lambda deadline says nothing about AWS: that
  // region's Observation Failed is neither opened nor resolved by this check.
  // A whole account out of reach is one finding about the account, not one per region; the vault
  // account's side of a region is one of its own (keyed by the finding key).
  const keyOf = (u: Unobserved): string => (u.account ? findingKey('Observation Failed', u.account) : observationKey(u.region, u.vaultAccount));
  const interrupted = new Set(status.unobserved.filter((u) => u.error.code === 'INTERRUPTED').map(keyOf));
  for (const u of status.unobserved) if (u.error.code !== 'INTERRUPTED') blind.set(keyOf(u), [...(blind.get(keyOf(u)) ?? []), u]);
  for (const [key, entries] of blind) {
    const first = entries[0] as Unobserved;
    const merged: Unobserved = {
      region: first.region,
      ...(first.account ? { account: first.account } : {}),
      cause: entries.map((e) => e.cause).join('; '),
      instances: [...new Set(entries.flatMap((e) => e.instances))].sort(),
      error: first.error,
      ...(first.vaultAccount ? { vaultAccount: first.vaultAccount } : {}),
    };
    // The vault's blindness hides only accountLoss: its confidence is held to those targets.
    const targetMs = (t: Tier): number | undefined => (first.vaultAccount ? deps.config.tiers[t].accountLossRpoMs : deps.config.tiers[t].rpoMs);
    const targets = merged.instances.map((id) => tiers.get(id)).filter((t): t is Tier => t !== undefined).map(targetMs).filter((ms): ms is number => ms !== undefined).map((ms) => Math.round(ms / 1000));
    const openedAt = openBefore.find((f) => f.key === key)?.openedAt ?? null;
    observations.push(observationFailed(merged, openedAt, at, targets.length ? Math.min(...targets) : null));
  }
  const keys = new Set([...status.instances.flatMap((i) => [i.region, i.drRegion]), ...deps.config.discover.map((d) => d.region)].map((r) => observationKey(r)));
  for (const i of status.instances) if (i.vault) keys.add(observationKey(i.drRegion, i.vault.account));
  for (const key of keys) if (!blind.has(key) && !interrupted.has(key)) judged.add(key);
  for (const account of new Set([...status.instances.map((i) => i.account), UNKNOWN_ACCOUNT])) {
    const key = findingKey('Observation Failed', account);
    if (!blind.has(key) && !interrupted.has(key)) judged.add(key);
  }
}

/**
 * Key Unusable: each DR key and each customer managed source key the fleet uses is read once
 * (DescribeKey). A key that could not be read is not judged.
 */
async function judgeKeys(deps: AppDeps, status: FleetStatus, observations: Observation[], judged: Set<string>): Promise<void> {
  // Keys are per account: the same alias names another key in each account, read with its own role.
  const uses = new Map<string, { account: string; region: string; keyRef: string; role: 'dr' | 'source'; instances: string[] }>();
  const use = (account: string, region: string, keyRef: string, role: 'dr' | 'source', instanceId: string): void => {
    const key = `${account}|${region}|${keyRef}`;
    let u = uses.get(key);
    if (!u) uses.set(key, (u = { account, region, keyRef, role, instances: [] }));
    u.instances.push(instanceId);
  };
  for (const s of status.instances) {
    const drKey = deps.config.kms[s.drRegion];
    if (drKey) use(s.account, s.drRegion, drKey, 'dr', s.instanceId);
    if (s.sourceKey) use(s.account, s.region, s.sourceKey, 'source', s.instanceId);
  }
  await forEachLimit([...uses.values()], 4, async (u) => {
    let state;
    try {
      state = await deps.accounts.scope(u.account).keys.inspect(u.region, u.keyRef);
    } catch {
      return; // could not look: judge nothing
    }
    if (u.role === 'source' && state.manager === 'AWS') return; // AWS managed keys cannot be disabled or deleted
    judged.add(accountFindingKey('Key Unusable', u.account, status.ownAccount, u.region, state.arn ?? u.keyRef));
    const found = keyUnusable(u.region, u.keyRef, state, u.instances.sort(), u.role);
    if (found) observations.push(inAccount(found, u.account, status.ownAccount));
  });
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
    judged.add(findingKey('Replication Broken', pair.name));
    judged.add(findingKey('Replication Lagging', pair.name));
    observations.push(...found);
  }
}

async function checkQuotas(deps: AppDeps, status: FleetStatus, observations: Observation[], judged: Set<string>): Promise<QuotaCheck[]> {
  // Quotas are per account and region: each account's are read with its own credentials. The
  // caller's own keep their keys from before accounts; another account's name it.
  const places = new Map<string, { account: string; region: string }>();
  for (const i of status.instances) for (const region of [i.region, i.drRegion]) places.set(`${i.account}/${region}`, { account: i.account, region });
  const sorted = [...places.values()].sort((a, b) => (a.account + a.region < b.account + b.region ? -1 : 1));
  return Promise.all(
    sorted.map(async ({ account, region }): Promise<QuotaCheck> => {
      try {
        const quotas = await deps.accounts.scope(account).provider.accountQuotas(region);
        for (const name of ['ManualSnapshots', 'ManualClusterSnapshots']) judged.add(accountFindingKey('Quota Warning', account, status.ownAccount, region, name));
        const found = quotaObservations(region, quotas, deps.alerts.quotaWarnPercent).map((o) => inAccount(o, account, status.ownAccount));
        observations.push(...found);
        return found.length
          ? { region, account, status: 'warning', message: found.map((f) => String(f.detail.message)).join('; ') }
          : { region, account, status: 'ok', message: 'manual snapshot quotas below the warning level' };
      } catch (err) {
        // Not every endpoint implements DescribeAccountAttributes (moto does not): say so, carry on.
        return { region, account, status: 'unknown', message: `quota could not be read: ${toErrorInfo(err).message}` };
      }
    }),
  );
}

/**
 * Sends due events; marks what was delivered. An undelivered event is retried by the next check.
 * An open finding is re-sent every `renotify` unless it is acknowledged (until its `until`) or a
 * standing fact (`info` severity: told once). Acknowledgements that have run out are cleared.
 */
async function deliver(deps: AppDeps, seen: readonly Finding[], resolvedNow: readonly Finding[], at: Date, runId: string) {
  const { store, events: publisher, alerts } = deps;
  const due: { finding: Finding; which: 'open' | 'resolved'; event: AlertEvent }[] = [];
  for (const seenFinding of seen) {
    let f = seenFinding;
    if (f.acknowledged && f.acknowledged.until.getTime() <= at.getTime()) {
      await store.acknowledgeFinding(f.id, null);
      f = { ...f, acknowledged: null };
    }
    const severity = severityOf(f.kind, f.detail);
    const silenced = f.acknowledged !== null;
    const reminder = f.notifiedAt !== null && at.getTime() - f.notifiedAt.getTime() >= alerts.renotifyMs && renotifies(severity);
    if ((!f.notifiedAt && !silenced) || (reminder && !silenced)) {
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
  const acknowledged = f.acknowledged ? { by: f.acknowledged.by, reason: f.acknowledged.reason, until: f.acknowledged.until.toISOString() } : null;
  return { ...f.detail, findingId: f.id, kind: f.kind, severity: severityOf(f.kind, f.detail), acknowledged, openedAt: f.openedAt.toISOString(), runId };
}

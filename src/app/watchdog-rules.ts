import { AlertsConfig } from '../domain/alerts';
import { PairResult } from '../domain/replication/result';
import { periodOf } from '../domain/period';
import { AnyScenario, SCENARIOS, ScenarioRpo } from '../domain/rpo';
import { isVaultLoss, vaultRecoveryPoint } from '../domain/account-loss';
import { AccountQuota } from '../domain/types';
import { FindingKind, InstanceResult } from '../ports/state-store';
import { managedInfo } from '../domain/tags';
import { KeyState } from '../ports/key-resolver';
import { InstanceStatus } from './status';
import { Unobserved } from './unobserved';

/**
 * What the watchdog sees, as observations (conditions that hold now). Pure functions over the
 * fleet status, the last pass's results and the account quotas; the lifecycle (open, re-notify,
 * resolve) lives in check.ts.
 */
export interface Observation {
  readonly key: string;
  readonly kind: FindingKind;
  readonly subject: string;
  readonly detail: Record<string, unknown>;
}

export const findingKey = (kind: FindingKind, ...parts: string[]): string => [kind, ...parts].join('|');

/**
 * The key of a finding about an account's region, key or capacity: the caller's own account keeps
 * the keys it had before accounts; another account's name it right after the kind.
 */
export const accountFindingKey = (kind: FindingKind, account: string, ownAccount: string, ...parts: string[]): string =>
  account === ownAccount ? findingKey(kind, ...parts) : findingKey(kind, account, ...parts);

/** An observation `accountFindingKey` keys: made about another account, it names the account in its key and detail. */
export function inAccount(o: Observation, account: string, ownAccount: string): Observation {
  return account === ownAccount ? o : { ...o, key: `${o.kind}|${account}|${o.key.slice(o.kind.length + 1)}`, detail: { ...o.detail, account } };
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

const SCENARIO_LABEL: Record<AnyScenario, string> = { instanceLoss: 'instance loss', regionLoss: 'region loss', accountLoss: 'account loss' };

/**
 * True for an instance finding about the vault's side (accountLoss, a vault copy deleted): a
 * check that could not read the vault account leaves these exactly as they are.
 */
export const isVaultFindingKey = (key: string): boolean => key.endsWith('|accountLoss') || key.includes('|vault:');

/** `Observation Failed` per region, and per region of the vault account (whose blindness hides only accountLoss). */
export const observationKey = (region: string, vaultAccount?: string): string =>
  vaultAccount ? findingKey('Observation Failed', region, `vault:${vaultAccount}`) : findingKey('Observation Failed', region);

/** The account in a snapshot's ARN (`arn:aws:rds:<region>:<account>:snapshot:<id>`). */
const arnAccount = (arn: string): string | null => arn.split(':')[4] || null;

/**
 * Snapshot Missed, Copy Missed, RPO Breached and Target Unreachable for one instance.
 *
 * - A newcomer (first seen less than one period plus the grace time ago) gets no Snapshot Missed,
 *   Copy Missed or RPO Breached: it has not had its chance yet.
 * - A scenario the configuration can never meet, however well every run goes, is one Target
 *   Unreachable finding with the remedy, and never RPO Breached ("could have met it and did not").
 */
export function instanceObservations(s: InstanceStatus, now: Date, alerts: AlertsConfig, periodMs: number): Observation[] {
  const out: Observation[] = [];
  const base = {
    instanceId: s.instanceId,
    account: s.account,
    accountName: s.accountName,
    region: s.region,
    tier: s.tier,
    targetSeconds: s.rpoTargetSeconds,
  };
  const newcomer = (graceMs: number): boolean => s.firstSeenAt !== null && now.getTime() - s.firstSeenAt.getTime() < periodMs + graceMs;
  // The newest period whose grace time has passed must have an available snapshot.
  const due = periodOf(new Date(now.getTime() - alerts.graceMs), periodMs);
  const primaryTime = s.primary?.time ?? null;
  if ((!primaryTime || primaryTime < due.start) && !newcomer(alerts.graceMs)) {
    out.push({
      key: findingKey('Snapshot Missed', s.account, s.instanceId),
      kind: 'Snapshot Missed',
      subject: s.instanceId,
      detail: {
        ...base,
        achievedSeconds: s.achieved.instanceLoss,
        recoveryPointTime: iso(primaryTime),
        period: due.key,
        message: `no available snapshot of ${s.instanceId} for period ${due.key} (due by ${iso(new Date(due.start.getTime() + alerts.graceMs))})`,
      },
    });
  }
  const copyDue = periodOf(new Date(now.getTime() - alerts.copyGraceMs), periodMs);
  const drTime = s.dr?.time ?? null;
  const primaryMadeIt = primaryTime !== null && primaryTime >= copyDue.start;
  if (primaryMadeIt && (!drTime || drTime < copyDue.start) && !newcomer(alerts.copyGraceMs)) {
    out.push({
      key: findingKey('Copy Missed', s.account, s.instanceId),
      kind: 'Copy Missed',
      subject: s.instanceId,
      detail: {
        ...base,
        region: s.drRegion,
        sourceRegion: s.region,
        achievedSeconds: s.achieved.regionLoss,
        recoveryPointTime: iso(drTime),
        period: copyDue.key,
        message: `no available copy of ${s.instanceId} in ${s.drRegion} for period ${copyDue.key}`,
      },
    });
  }
  // accountLoss is judged only where the tier sets a target and the vault account was read.
  const judged: [AnyScenario, ScenarioRpo][] = SCENARIOS.map((sc) => [sc, s.rpo[sc]]);
  if (s.rpo.accountLoss && s.vault && s.vault.error === null) judged.push(['accountLoss', s.rpo.accountLoss]);
  for (const [scenario, r] of judged) {
    const where = scenario === 'regionLoss' ? { region: s.drRegion } : scenario === 'accountLoss' ? { region: s.drRegion, account: s.vault?.account ?? null, targetSeconds: r.targetSeconds } : {};
    const label = SCENARIO_LABEL[scenario];
    if (r.neverMeets) {
      out.push({
        key: findingKey('Target Unreachable', s.account, s.instanceId, scenario),
        kind: 'Target Unreachable',
        subject: s.instanceId,
        detail: {
          ...base,
          ...where,
          scenario,
          reason: r.neverMeets.reason,
          remedy: r.neverMeets.remedy,
          message: `${label} of ${s.instanceId} cannot meet its ${r.targetSeconds}s target with this configuration: ${r.neverMeets.reason}; remedy: ${r.neverMeets.remedy}`,
        },
      });
      continue;
    }
    if (r.compliant || newcomer(scenario === 'instanceLoss' ? alerts.graceMs : alerts.copyGraceMs)) continue;
    const inVault = scenario === 'accountLoss' ? ` (newest copy in vault account ${s.vault?.account ?? '?'})` : '';
    out.push({
      key: findingKey('RPO Breached', s.account, s.instanceId, scenario),
      kind: 'RPO Breached',
      subject: s.instanceId,
      detail: {
        ...base,
        ...where,
        scenario,
        band: r.band,
        achievedSeconds: r.achievedSeconds,
        recoveryPointTime: iso(r.recoveryPoint?.time),
        message: `${label} would lose ${r.achievedSeconds === null ? 'everything (no recovery point)' : `${r.achievedSeconds}s`} of ${s.instanceId}${inVault}, target ${r.targetSeconds}s`,
      },
    });
  }
  return out;
}

/**
 * Recovery Point Deleted: a managed snapshot that disappeared before snapward expired it. Open
 * while the region has no recovery point as new as the lost one; one the next run has already
 * replaced is still told once, by the first check that learns of it (`since`: the previous check).
 */
export function lostPointObservations(s: InstanceStatus, since: Date | null): Observation[] {
  const out: Observation[] = [];
  for (const l of s.lost) {
    // A vault copy (issue 16) is covered again only by a newer vault copy, and is named with the vault account.
    const vault = isVaultLoss(l) ? (s.vault?.account ?? arnAccount(l.snapshot.arn) ?? 'unknown') : null;
    const time = (vault ? vaultRecoveryPoint(l.snapshot) : null) ?? managedInfo(l.snapshot)?.recoveryPointTime ?? null;
    const newest = vault ? (s.vault?.newest ?? null) : l.snapshot.region === s.region ? s.primary : l.snapshot.region === s.drRegion ? s.dr : null;
    const restored = time !== null && newest !== null && newest.time >= time;
    if (restored && since !== null && l.noticedAt <= since) continue;
    const what = vault ? `vault copy ${l.snapshot.id} of ${s.instanceId} in ${l.snapshot.region} in vault account ${vault}` : `recovery point ${l.snapshot.id} of ${s.instanceId} in ${l.snapshot.region}`;
    out.push({
      key: vault
        ? findingKey('Recovery Point Deleted', s.account, s.instanceId, l.snapshot.region, l.snapshot.id, `vault:${vault}`)
        : findingKey('Recovery Point Deleted', s.account, s.instanceId, l.snapshot.region, l.snapshot.id),
      kind: 'Recovery Point Deleted',
      subject: s.instanceId,
      detail: {
        instanceId: s.instanceId,
        account: s.account,
        accountName: s.accountName,
        tier: s.tier,
        region: l.snapshot.region,
        snapshotId: l.snapshot.id,
        recoveryPointTime: iso(time),
        lastSeenAt: iso(l.lastSeenAt),
        noticedAt: iso(l.noticedAt),
        coverageRestored: restored,
        ...(vault ? { account: vault, vault: true } : {}),
        message: `${what} (from ${iso(time)}) was deleted outside snapward; last seen ${iso(l.lastSeenAt) ?? 'never'}${restored ? `; a newer ${vault ? 'vault copy' : 'recovery point'} covers it again` : `; the next run ${vault ? 'copies into the vault again' : 'restores coverage'}`}`,
      },
    });
  }
  return out;
}

/**
 * Observation Failed: a region (or kind of read) snapward could not read, naming the cause. Once
 * a region has been blind for longer than the tightest RPO target of the instances it hides,
 * snapward can no longer vouch for that target: `confidenceBreached`, and the event says so.
 */
export function observationFailed(u: Unobserved, openedAt: Date | null, now: Date, tightestTargetSeconds: number | null): Observation {
  const blindSeconds = openedAt ? Math.round((now.getTime() - openedAt.getTime()) / 1000) : 0;
  const confidenceBreached = tightestTargetSeconds !== null && blindSeconds > tightestTargetSeconds;
  const where = u.account ? `account ${u.account}` : u.vaultAccount ? `${u.region} (vault account ${u.vaultAccount})` : u.region;
  return {
    key: u.account ? findingKey('Observation Failed', u.account) : observationKey(u.region, u.vaultAccount),
    kind: 'Observation Failed',
    subject: u.account ?? u.region,
    detail: {
      instanceId: null,
      region: u.account ? null : u.region,
      account: u.account ?? u.vaultAccount ?? null,
      ...(u.vaultAccount ? { vault: true } : {}),
      cause: u.cause,
      instances: u.instances.length,
      instanceIds: u.instances.slice(0, 50),
      blindSeconds,
      targetSeconds: tightestTargetSeconds,
      confidenceBreached,
      error: u.error.message,
      message:
        `${where}: ${u.cause}: ${u.instances.length} instance(s) cannot be observed${u.vaultAccount ? ' in the vault (their account-loss recovery points)' : ''}` +
        (confidenceBreached ? `; blind for ${blindSeconds}s, longer than the tightest RPO target there (${tightestTargetSeconds}s): their recovery points can no longer be vouched for` : ''),
    },
  };
}

/** Key Unusable: a key copies or restores depend on is disabled, pending deletion, missing, ... */
export function keyUnusable(region: string, keyRef: string, key: KeyState, instanceIds: readonly string[], role: 'dr' | 'source'): Observation | null {
  if (!UNUSABLE_KEY_STATES.has(key.state)) return null;
  const when = key.deletionDate ? `; scheduled for deletion on ${key.deletionDate.toISOString()}: every backup encrypted with it becomes unrecoverable then` : '';
  return {
    key: findingKey('Key Unusable', region, key.arn ?? keyRef),
    kind: 'Key Unusable',
    subject: key.arn ?? keyRef,
    detail: {
      instanceId: null,
      region,
      keyId: key.arn ?? keyRef,
      keyRef,
      role,
      state: key.state,
      deletionDate: iso(key.deletionDate),
      instances: instanceIds.length,
      instanceIds: [...instanceIds],
      message: `${role === 'dr' ? 'DR' : 'source'} key ${keyRef} in ${region} is ${key.state}${when}; ${instanceIds.length} instance(s) depend on it for ${role === 'dr' ? 'their DR copies' : 'their snapshots and copies'}: ${instanceIds.slice(0, 10).join(', ')}${instanceIds.length > 10 ? ', ...' : ''}`,
    },
  };
}

/** KMS key states in which nothing can be encrypted or decrypted with the key. */
export const UNUSABLE_KEY_STATES: ReadonlySet<string> = new Set(['Disabled', 'PendingDeletion', 'PendingImport', 'Unavailable', 'NotFound']);

/** Backup Failed: the instance failed in the newest finished pass that reached it. */
export function backupFailedObservation(s: InstanceStatus, result: InstanceResult, runId: string): Observation | null {
  if (result.status !== 'failed') return null;
  return {
    key: findingKey('Backup Failed', s.account, s.instanceId),
    kind: 'Backup Failed',
    subject: s.instanceId,
    detail: {
      instanceId: s.instanceId,
      account: s.account,
      accountName: s.accountName,
      region: s.region,
      tier: s.tier,
      targetSeconds: s.rpoTargetSeconds,
      achievedSeconds: s.achieved.instanceLoss,
      recoveryPointTime: iso(s.primary?.time),
      runId,
      errors: result.errors,
      // A failure that backs off (domain/retry.ts): how often it failed, and when it is tried again.
      attempts: result.attempts ?? null,
      nextAttemptAt: iso(result.nextAttemptAt ?? undefined),
      message: `backup of ${s.instanceId} failed in run ${runId}: ${result.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`,
    },
  };
}

/** Quota names DescribeAccountAttributes uses for the manual snapshot quotas. */
const SNAPSHOT_QUOTAS = ['ManualSnapshots', 'ManualClusterSnapshots'];

export function quotaObservations(region: string, quotas: readonly AccountQuota[], warnPercent: number): Observation[] {
  return quotas
    .filter((q) => SNAPSHOT_QUOTAS.includes(q.name) && q.max > 0 && (q.used / q.max) * 100 > warnPercent)
    .map((q) => ({
      key: findingKey('Quota Warning', region, q.name),
      kind: 'Quota Warning' as const,
      subject: region,
      detail: {
        instanceId: null,
        region,
        quota: q.name,
        used: q.used,
        max: q.max,
        percent: Math.round((q.used / q.max) * 1000) / 10,
        message: `${q.name} in ${region}: ${q.used} of ${q.max} used (over ${warnPercent}%); request a quota increase before snapshots start failing`,
      },
    }));
}

/**
 * Replication Broken (the setup is wrong, or objects failed or differ) and Replication Lagging
 * (objects missing for longer than the tier's RPO, or overdue) from a verification's pair result.
 * Null when the pair could not be checked: nothing is judged then.
 */
export function replicationObservations(pair: PairResult, tier: number, runId: string): Observation[] | null {
  if (pair.error) return null;
  const base = {
    instanceId: null,
    pair: pair.name,
    region: pair.replica.region,
    sourceRegion: pair.source.region,
    tier,
    targetSeconds: pair.rpo.targetSeconds,
    achievedSeconds: pair.rpo.achievedSeconds,
    recoveryPointTime: null,
    verificationRunId: runId,
  };
  const out: Observation[] = [];
  const o = pair.objects;
  if (pair.config.problems.length > 0 || o.failed > 0 || o.mismatched > 0) {
    const why = [
      ...pair.config.problems.map((p) => p.message),
      ...(o.failed ? [`${o.failed} objects FAILED to replicate`] : []),
      ...(o.mismatched ? [`${o.mismatched} objects differ in size`] : []),
    ];
    out.push({ key: findingKey('Replication Broken', pair.name), kind: 'Replication Broken', subject: pair.name, detail: { ...base, message: `replication of ${pair.name} is broken: ${why.join('; ')}` } });
  }
  if (pair.rpo.compliant === false || o.pending > 0) {
    out.push({
      key: findingKey('Replication Lagging', pair.name),
      kind: 'Replication Lagging',
      subject: pair.name,
      detail: { ...base, message: `replication of ${pair.name} lags: oldest missing object ${pair.oldestMissingSeconds ?? 0}s old (target ${pair.rpo.targetSeconds}s), ${o.pending} overdue PENDING` },
    });
  }
  return out;
}

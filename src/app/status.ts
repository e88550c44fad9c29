import { StepState } from '../domain/steps';
import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { DrillSummary, newestDrillSummaries } from './drill-status';
import { memberDrillSubject } from '../domain/drill';
import { dailySnapshotId } from '../domain/naming';
import { periodOf } from '../domain/period';
import { accountLossRpo, achievedRpo, AnyScenario, Band, lossSeconds, RecoveryPointCandidate, Scenario, ScenarioRpo } from '../domain/rpo';
import { PairResult } from '../domain/replication/result';
import { applyAudit, keepLost, LostPoint, memberKey, MemberState } from '../domain/ledger';
import { managedInfo } from '../domain/tags';
import { Database, DbKind, FleetMember, ReplicatedBackup, refKey, Snapshot, Tier } from '../domain/types';
import { DatabaseCatalog } from './catalog';
import { SnapshotProvider } from '../ports/snapshot-provider';
import { AppDeps } from './deps';
import { membersByAccount, resolveFleet } from './fleet';
import { forEachLimit } from './concurrency';
import { listingKey } from './inventory';
import { gatherPassEvidence } from './pass-evidence';
import { confirmNewestPoints } from './confirm-points';
import { instanceLeaseName, takeLease } from './member-ledger';
import { Blind, blindDiscovery, groupUnobserved, Unobserved } from './unobserved';
import { CopyCapacity } from '../domain/capacity';
import { fleetCapacity } from './capacity-status';
import { isVaultLoss, newestVaultCopy, vaultCovers } from '../domain/account-loss';
import { gatherVaultStatusEvidence, noVaultStatusEvidence, VaultStatusEvidence } from './vault-status-evidence';

export interface RecoveryPoint {
  readonly snapshotId: string;
  readonly time: Date;
}

export interface InstanceStatus {
  readonly instanceId: string;
  /** The 12-digit id of the account holding it. */
  readonly account: string;
  /** The configured account's name; null for the caller's own account. */
  readonly accountName: string | null;
  readonly kind: DbKind;
  readonly tier: Tier;
  readonly product: string | null;
  readonly region: string;
  readonly drRegion: string;
  readonly origin: FleetMember['origin'];
  /** Newest available managed snapshot in the primary region, by recovery-point time. */
  readonly primary: RecoveryPoint | null;
  /** Newest available managed copy in the DR region. */
  readonly dr: RecoveryPoint | null;
  /** Its copies in the vault account (issue 16); null when no vault covers it (no `vault`, or its tier not in vault.tiers). */
  readonly vault: VaultStatus | null;
  readonly period: { readonly key: string; readonly snapshotId: string; readonly covered: 'yes' | 'in-progress' | 'no' };
  readonly rpoTargetSeconds: number;
  /**
   * False when something the figures depend on could not be read (`errors` says what): the bands
   * are then `unknown` and the achieved figures null. Unknown is never compliant, never critical.
   */
  readonly observed: boolean;
  /**
   * Seconds of data lost if disaster struck now, per scenario (null: no recovery point at all, or
   * unknown). `accountLoss` (the newest vault copy) is null also for a member no vault covers.
   */
  readonly achieved: Record<AnyScenario, number | null>;
  /** `accountLoss` is null when no vault covers the member or its tier sets no `accountLossRpo` target: not judged. */
  readonly band: Record<Scenario, StatusBand> & { readonly accountLoss: StatusBand | null };
  /** True only when every judged scenario was seen within target (accountLoss only where the tier sets a target). */
  readonly compliant: boolean;
  /** The full picture per scenario: recovery point used, band, and "can never meet" advice (`accountLoss`: null when not judged). */
  readonly rpo: Record<Scenario, ScenarioRpo> & { readonly accountLoss: ScenarioRpo | null };
  /** When snapward first saw the instance (now, if never before); null when that was before first sightings were recorded. */
  readonly firstSeenAt: Date | null;
  /** Managed recovery points that vanished before snapward expired them. */
  readonly lost: readonly LostPoint[];
  /** The KMS key of the newest primary snapshot (the source key copies and restores depend on). */
  readonly sourceKey: string | null;
  readonly errors: readonly ErrorInfo[];
  /** The newest finished restore drill (its RTO and band); null when never drilled. */
  readonly drill: DrillSummary | null;
  /**
   * The instance's failing work as the last pass left it (domain/steps.ts): failed attempts in a
   * row, when it is tried again (null: at the next pass), and the last error. 0 / null / null
   * when nothing is failing.
   */
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly lastError: ErrorInfo | null;
}

/** A member's copies in the vault account, for the accountLoss scenario. */
export interface VaultStatus {
  /** The vault account's id. */
  readonly account: string;
  /** Newest AVAILABLE vault copy, at the recovery point of the DR copy it came from (never its copy time). */
  readonly newest: RecoveryPoint | null;
  /** Why its vault copies could not be read (accountLoss is then unknown); null when they were. */
  readonly error: ErrorInfo | null;
}

/** A scenario's band as status reports it: `unknown` when the figures could not be read. */
export type StatusBand = Band | 'unknown';

/** An attachment pair's replication as the newest verification saw it. */
export interface AttachmentStatus {
  readonly name: string;
  readonly tier: Tier;
  readonly rpoTargetSeconds: number;
  /** Age of the oldest object missing from the replica (0: none missing); null: never verified. */
  readonly achievedSeconds: number | null;
  readonly compliant: boolean | null;
  readonly ok: boolean | null;
  readonly verifiedAt: Date | null;
  readonly runId: string | null;
}

export interface FleetStatus {
  readonly at: Date;
  /** The caller's own account id (sts:GetCallerIdentity). */
  readonly ownAccount: string;
  readonly instances: readonly InstanceStatus[];
  readonly attachments: readonly AttachmentStatus[];
  /** What could not be read, one entry per region and cause, with the instances it leaves unknown. */
  readonly unobserved: readonly Unobserved[];
  readonly problems: readonly ErrorInfo[];
  readonly warnings: readonly string[];
  /**
   * Copy capacity per DR region and kind, for the whole fleet (app/capacity-status.ts); absent
   * when not asked for (a status of some members only, such as `show`).
   */
  readonly capacity?: readonly CopyCapacity[];
}

/** What the fleet holds, gathered once for status and the watchdog. */
interface Evidence {
  readonly managed: ReadonlyMap<string, readonly Snapshot[]>;
  readonly automated: readonly Snapshot[];
  readonly databases: ReadonlyMap<string, Database>;
  readonly replicated: readonly ReplicatedBackup[];
  readonly states: ReadonlyMap<string, MemberState | null>;
  /** Member key -> what could not be read for it. */
  readonly errors: ReadonlyMap<string, readonly ErrorInfo[]>;
  readonly blind: readonly Blind[];
  /** Per member key: recovery points found gone by this status's confirmation. */
  readonly lost: ReadonlyMap<string, readonly LostPoint[]>;
  readonly warnings: readonly string[];
  /** Vault copies of the members a vault covers (app/vault-status-evidence.ts). */
  readonly vault: VaultStatusEvidence;
}

/**
 * Per instance: newest recovery point in each region, whether the current period is covered,
 * and the achieved RPO per failure scenario against the tier target. Reads only, unless
 * `watchdog` is given (see there).
 */
export interface StatusOptions {
  /** List every member's snapshots from AWS instead of reading the ledger (`status --live`). */
  readonly live?: boolean;
  /** Only these members (a CLI filter, `show`): the others are neither listed nor judged. */
  readonly only?: (member: FleetMember) => boolean;
  /**
   * The watchdog's status (`check`): confirms every member's newest recovery points with AWS by
   * id, takes the lost ones out of the ledger (and makes the member due, so the next pass restores
   * coverage), and records first sightings, each under the member's lease held as `holder`.
   */
  readonly watchdog?: { readonly holder: string };
  /** Report the copy capacity of the whole fleet (default: when the status is not limited by `only`). */
  readonly capacity?: boolean;
}

export async function fleetStatus(deps: AppDeps, options: StatusOptions = {}): Promise<FleetStatus> {
  const at = deps.clock.now();
  const catalog = new DatabaseCatalog(deps.accounts);
  const fleet = await resolveFleet(deps.config, deps.accounts, catalog);
  const ledgerKeys = (await deps.store.listMemberStates()).map((s) => s.key);
  const members = options.only ? fleet.members.filter(options.only) : fleet.members;
  // Each account's evidence is read with its own credentials; an account out of reach is blind.
  const evidences = new Map<string, Evidence>();
  for (const [account, group] of membersByAccount(members)) {
    const failure = fleet.accountFailures.get(account);
    evidences.set(account, failure ? blindEvidence(account, group, failure, deps.config.vault?.account.id ?? null) : await gatherEvidence(deps, deps.accounts.scope(account).provider, group, catalog, options, at));
  }
  const all = [...evidences.values()];
  const drills = await newestDrillSummaries(deps); // restore drills (app/drill-status.ts)
  const instances = members.map((m) => ({ ...instanceStatus(deps, m, evidences.get(m.account) as Evidence, at), drill: drills.get(memberDrillSubject(m)) ?? null }));
  const unobserved = groupUnobserved([...blindDiscovery(fleet, ledgerKeys), ...all.flatMap((e) => e.blind)]);
  const states = new Map(all.flatMap((e) => [...e.states]));
  const capacity = (options.capacity ?? !options.only) ? { capacity: await fleetCapacity(deps, fleet.members, states, at) } : {};
  return { at, ownAccount: fleet.ownAccount, instances, attachments: await attachmentStatus(deps), unobserved, problems: fleet.problems, warnings: [...fleet.warnings, ...all.flatMap((e) => e.warnings)], ...capacity };
}

/** An account whose role cannot be assumed: nothing of it was seen, and every member says why. */
function blindEvidence(account: string, members: readonly FleetMember[], error: ErrorInfo, vaultAccount: string | null): Evidence {
  const errors = new Map(members.map((m) => [memberKey(m), [error]]));
  const blind: Blind[] = [{ region: '*', account, error, instances: members.map((m) => m.id) }];
  return { managed: new Map(), automated: [], databases: new Map(), replicated: [], states: new Map(), errors, blind, lost: new Map(), warnings: [], vault: noVaultStatusEvidence(vaultAccount) };
}

/** From the newest finished verification: the watchdog and status read it, they do not list buckets. */
async function attachmentStatus(deps: AppDeps): Promise<AttachmentStatus[]> {
  if (deps.config.attachments.length === 0) return [];
  const latest = (await deps.store.listRuns({ kind: 'verify-replication', limit: 5 })).find((r) => r.outcome !== 'running' && r.outcome !== 'interrupted');
  const pairs = (latest?.details as { pairs?: PairResult[] } | null)?.pairs ?? [];
  return deps.config.attachments.map((a) => {
    const p = pairs.find((x) => x.name === a.name);
    return {
      name: a.name,
      tier: a.tier,
      rpoTargetSeconds: Math.round(deps.config.tiers[a.tier].rpoMs / 1000),
      achievedSeconds: p?.rpo.achievedSeconds ?? null,
      compliant: p?.rpo.compliant ?? null,
      ok: p ? p.ok : null,
      verifiedAt: p ? new Date(p.checkedAt) : null,
      runId: p && latest ? latest.id : null,
    };
  });
}

/** Collects what could not be read: per member for its figures, per region for the report. */
class Blindness {
  readonly errors = new Map<string, ErrorInfo[]>();
  readonly blind: Blind[] = [];

  note(region: string, error: ErrorInfo, members: readonly FleetMember[]): void {
    if (members.length === 0) return;
    this.blind.push({ region, error, instances: members.map((m) => m.id) });
    for (const m of members) this.errors.set(memberKey(m), [...(this.errors.get(memberKey(m)) ?? []), error]);
  }
}

/**
 * Managed snapshots come from the ledger the passes keep (no listing: the watchdog runs every few
 * minutes, and listing a fleet's snapshots that often would spend the account's RDS API rate).
 * Members the ledger has never audited, or all of them with `live`, are listed from AWS. The
 * watchdog confirms the ledger's newest points by id (confirm-points.ts).
 */
async function managedSnapshots(
  deps: AppDeps,
  provider: SnapshotProvider,
  members: readonly FleetMember[],
  options: StatusOptions,
  at: Date,
  blindness: Blindness,
  catalog: DatabaseCatalog,
): Promise<Pick<Evidence, 'managed' | 'states' | 'lost' | 'warnings' | 'vault'>> {
  const states = new Map<string, MemberState | null>();
  await forEachLimit(members, 16, async (m) => {
    states.set(memberKey(m), await deps.store.getMemberState(memberKey(m)));
  });
  const listNow = new Set(members.filter((m) => options.live || !states.get(memberKey(m))?.auditedAt).map(memberKey));
  const listed = listNow.size > 0 ? await gatherPassEvidence(provider, members, listNow, new Map()) : null;
  const managed = new Map<string, Snapshot[]>();
  for (const m of members) {
    const key = memberKey(m);
    let snapshots = [...(states.get(key)?.snapshots ?? [])];
    const audit = listed?.audited.get(key);
    if (audit) snapshots = applyAudit(snapshots, m, audit.snapshots, audit.regions, audit.unfiltered).snapshots;
    if (listed && listNow.has(key)) {
      for (const region of [m.region, m.drRegion]) {
        const failure = listed.failures.get(listingKey(region, m.kind));
        if (failure) blindness.note(region, failure, [m]);
      }
    }
    managed.set(key, snapshots);
  }
  // The vault account's side (accountLoss): a vault it could not read is blind for those members' accountLoss only.
  const vault = await gatherVaultStatusEvidence(deps, members, states, { ...(options.live ? { live: true } : {}), confirm: Boolean(options.watchdog) }, at, catalog);
  blindness.blind.push(...vault.blind);
  if (!options.watchdog) return { managed, states, lost: new Map(), warnings: [], vault };

  // Only what the ledger says needs confirming: a live listing is AWS's word already.
  const fromLedger = members.filter((m) => !listNow.has(memberKey(m)));
  const confirmation = await confirmNewestPoints(provider, fromLedger, managed, (m) => states.get(memberKey(m))?.auditedAt ?? null, at);
  for (const [key, error] of confirmation.failures) {
    const [region, kind] = key.split('/');
    blindness.note(region as string, error, fromLedger.filter((m) => m.kind === kind && (m.region === region || m.drRegion === region)));
  }
  for (const [key, snapshots] of confirmation.snapshots) managed.set(key, snapshots);
  const warnings = await recordInLedger(deps, members, states, confirmation.lost, vault.lost, options.watchdog.holder, at);
  return { managed, states, lost: confirmation.lost, warnings, vault };
}

/**
 * The watchdog's writes to the ledger, each under the member's lease: lost points leave the
 * snapshots (so status stops showing them) and join `lost`; the member becomes due and is
 * re-listed, so the next pass restores coverage. Lost vault copies leave `vault` the same way. A member met for the first time gets an entry
 * with its first sighting. A member a pass is working on is left to that pass.
 */
async function recordInLedger(
  deps: AppDeps,
  members: readonly FleetMember[],
  states: ReadonlyMap<string, MemberState | null>,
  lost: ReadonlyMap<string, readonly LostPoint[]>,
  vaultLost: ReadonlyMap<string, readonly LostPoint[]>,
  holder: string,
  at: Date,
): Promise<string[]> {
  const warnings: string[] = [];
  const todo = members.filter((m) => lost.get(memberKey(m))?.length || vaultLost.get(memberKey(m))?.length || !states.get(memberKey(m)));
  await forEachLimit(todo, 8, async (m) => {
    const key = memberKey(m);
    const lease = instanceLeaseName(m);
    if (!(await takeLease(deps, lease, holder, WATCHDOG_LEASE_TTL_MS))) {
      if (lost.get(key)?.length || vaultLost.get(key)?.length) warnings.push(`${m.id}: a pass is working on it; its lost recovery points stay in snapward's record until that pass or the next check`);
      return;
    }
    try {
      const state = await deps.store.getMemberState(key);
      const gone = lost.get(key) ?? [];
      const vaultGone = vaultLost.get(key) ?? [];
      if (state && gone.length === 0 && vaultGone.length === 0) return; // a pass recorded it meanwhile
      const goneKeys = new Set([...gone, ...vaultGone].map((l) => refKey(l.snapshot)));
      const snapshots = (state?.snapshots ?? []).filter((s) => !goneKeys.has(refKey(s)));
      const vault = state?.vault?.filter((s) => !goneKeys.has(refKey(s)));
      // Vault copies are judged against the vault's copies and kept as long as the vault keeps them.
      const before = state?.lost ?? [];
      const vaultRetention = deps.config.vault?.retentionDays ?? deps.config.retentionDays;
      await deps.store.putMemberState({
        key,
        dueAt: at,
        auditedAt: gone.length || vaultGone.length ? null : (state?.auditedAt ?? null),
        policy: state?.policy ?? '',
        pending: state?.pending ?? [],
        snapshots,
        updatedAt: at,
        firstSeenAt: state ? (state.firstSeenAt ?? null) : at,
        lost: [
          ...keepLost(before.filter((l) => !isVaultLoss(l)), gone, snapshots, at, deps.config.retentionDays),
          ...keepLost(before.filter(isVaultLoss), vaultGone, vault ?? [], at, vaultRetention),
        ],
        steps: state?.steps ?? [],
        // The vault copies are the passes' to change: a status write keeps them as they are, but
        // for one the watchdog confirmed gone from the vault (as it does with the member's own).
        ...(vault ? { vault } : {}),
      });
    } finally {
      await deps.store.releaseLease(lease, holder);
    }
  });
  return warnings;
}

/** A check's ledger writes are one read and one write per member. */
const WATCHDOG_LEASE_TTL_MS = 60 * 1000;

async function gatherEvidence(deps: AppDeps, provider: SnapshotProvider, members: readonly FleetMember[], catalog: DatabaseCatalog, options: StatusOptions, at: Date): Promise<Evidence> {
  const blindness = new Blindness();
  const { managed, states, lost, warnings, vault } = await managedSnapshots(deps, provider, members, options, at, blindness, catalog);
  const drRegions = unique(members.filter((m) => m.kind === 'instance').map((m) => m.drRegion));
  const automated: Snapshot[] = [];
  const databases = new Map<string, Database>();
  const replicated: ReplicatedBackup[] = [];
  await Promise.all([
    ...unique(members.map((m) => m.region)).map(async (region) => {
      try {
        for (const db of await catalog.databases(members[0]?.account ?? '', region)) databases.set(`${region}/${db.kind}/${db.id}`, db);
      } catch (err) {
        blindness.note(region, toErrorInfo(err, 'list'), members.filter((m) => m.region === region));
      }
    }),
    ...drRegions.map(async (region) => {
      try {
        replicated.push(...(await provider.listReplicatedBackups(region)));
      } catch {
        // Optional evidence: without it, region-loss RPO is judged on DR copies alone.
      }
    }),
  ]);
  // Automated snapshots exist only where automated backups are on, and then point-in-time
  // restore (LatestRestorableTime) is newer than any of them. So they are listed only where a
  // member's database is unknown or reports no restorable time: at 7 a day per instance, listing
  // them every 5 minutes would cost more RDS calls than the whole backup cycle.
  const needAutomated = members.filter((m) => !databases.get(`${m.region}/${m.kind}/${m.id}`)?.latestRestorableTime);
  await Promise.all(
    unique(needAutomated.map((m) => listingKey(m.region, m.kind))).map(async (key) => {
      const [region, kind] = key.split('/') as [string, DbKind];
      try {
        automated.push(...(await provider.listSnapshots(region, kind, 'automated')));
      } catch (err) {
        blindness.note(region, toErrorInfo(err, 'list'), needAutomated.filter((m) => m.region === region && m.kind === kind));
      }
    }),
  );
  return { managed, automated, databases, replicated, states, errors: blindness.errors, blind: blindness.blind, lost, warnings, vault };
}

function instanceStatus(deps: AppDeps, m: FleetMember, ev: Evidence, at: Date): Omit<InstanceStatus, 'drill'> {
  const policy = deps.config.tiers[m.tier];
  const period = periodOf(at, policy.snapshotEveryMs);
  const dailyId = dailySnapshotId(m.id, period);
  const state = ev.states.get(memberKey(m)) ?? null;
  const mine = (ev.managed.get(memberKey(m)) ?? []).filter((s) => s.kind === m.kind && managedInfo(s)?.instanceId === m.id);
  const daily = mine.find((s) => s.region === m.region && s.id === dailyId);
  const primary = newestManaged(mine.filter((s) => s.region === m.region));
  const dr = newestManaged(mine.filter((s) => s.region === m.drRegion));
  const db = ev.databases.get(`${m.region}/${m.kind}/${m.id}`);
  const pitrEnabled = Boolean(db && db.backupRetentionDays > 0);
  const replica = ev.replicated.find((b) => b.region === m.drRegion && b.sourceRegion === m.region && b.dbId === m.id);
  const automated = ev.automated
    .filter((s) => s.kind === m.kind && s.dbId === m.id && s.region === m.region && s.status === 'available' && s.createdAt)
    .map((s) => ({ source: 'automated-snapshot' as const, time: s.createdAt as Date, snapshotId: s.id }));

  const instanceLoss: RecoveryPointCandidate[] = [...automated];
  if (primary) instanceLoss.push({ source: 'managed-snapshot', ...primary });
  if (pitrEnabled && db?.latestRestorableTime) instanceLoss.push({ source: 'point-in-time', time: db.latestRestorableTime });
  const regionLoss: RecoveryPointCandidate[] = [];
  if (dr) regionLoss.push({ source: 'dr-copy', ...dr });
  if (replica?.latestTime) regionLoss.push({ source: 'replicated-backup', time: replica.latestTime });

  const rpo = achievedRpo({ now: at, kind: m.kind, policy, instanceLoss, regionLoss, pitrEnabled, crossRegionPitr: Boolean(replica) });
  const errors = ev.errors.get(memberKey(m)) ?? [];
  const observed = errors.length === 0;
  const account = accountLossOf(deps, m, ev, at, observed);
  // Lost points the ledger holds plus the ones just found, once each.
  const lost = new Map([...(state?.lost ?? []), ...(ev.lost.get(memberKey(m)) ?? []), ...(ev.vault.lost.get(memberKey(m)) ?? [])].map((l) => [refKey(l.snapshot), l]));
  return {
    instanceId: m.id,
    account: m.account,
    accountName: m.accountName,
    kind: m.kind,
    tier: m.tier,
    product: m.product ?? null,
    region: m.region,
    drRegion: m.drRegion,
    origin: m.origin,
    primary,
    dr,
    vault: account.vault,
    period: { key: period.key, snapshotId: dailyId, covered: !daily ? 'no' : daily.status === 'available' ? 'yes' : 'in-progress' },
    rpoTargetSeconds: rpo.instanceLoss.targetSeconds,
    observed,
    achieved: observed
      ? { instanceLoss: rpo.instanceLoss.achievedSeconds, regionLoss: rpo.regionLoss.achievedSeconds, accountLoss: account.achieved }
      : { instanceLoss: null, regionLoss: null, accountLoss: null },
    band: observed ? { instanceLoss: rpo.instanceLoss.band, regionLoss: rpo.regionLoss.band, accountLoss: account.band } : { instanceLoss: 'unknown', regionLoss: 'unknown', accountLoss: account.band },
    compliant: observed && rpo.instanceLoss.compliant && rpo.regionLoss.compliant && account.compliant,
    rpo: { ...rpo, accountLoss: account.rpo },
    // Never seen before: this is the first sighting.
    firstSeenAt: state ? (state.firstSeenAt ?? null) : at,
    lost: [...lost.values()],
    sourceKey: primary ? (mine.find((s) => s.region === m.region && s.id === primary.snapshotId)?.kmsKeyId ?? null) : null,
    errors,
    ...failingWork(state?.steps ?? []),
  };
}

/**
 * The accountLoss scenario of one member: its newest available vault copy against the tier's
 * `accountLossRpoMs`. No vault for it: no figure, not judged. Its vault copies unread (or the
 * member itself unread): unknown, and not compliant where a target is set.
 */
function accountLossOf(
  deps: AppDeps,
  m: FleetMember,
  ev: Evidence,
  at: Date,
  observed: boolean,
): { vault: VaultStatus | null; achieved: number | null; band: StatusBand | null; compliant: boolean; rpo: ScenarioRpo | null } {
  if (!vaultCovers(deps.config, m) || ev.vault.account === null) return { vault: null, achieved: null, band: null, compliant: true, rpo: null };
  const key = memberKey(m);
  const error = ev.vault.errors.get(key) ?? null;
  const newest = error ? null : newestVaultCopy(ev.vault.copies.get(key) ?? []);
  const point = newest ? { snapshotId: newest.snapshot.id, time: newest.time } : null;
  const vault: VaultStatus = { account: ev.vault.account, newest: point, error };
  const rpo = accountLossRpo({ now: at, kind: m.kind, policy: deps.config.tiers[m.tier], candidates: point ? [{ source: 'vault-copy', ...point }] : [] });
  const known = observed && error === null;
  return {
    vault,
    achieved: known ? lossSeconds(at, point?.time ?? null) : null,
    band: rpo === null ? null : known ? rpo.band : 'unknown',
    compliant: rpo === null || (known && rpo.compliant),
    rpo,
  };
}

/** The failing steps of the ledger, summed up: the most attempts, the soonest retry, the newest error. */
function failingWork(steps: readonly StepState[]): Pick<InstanceStatus, 'attempts' | 'nextAttemptAt' | 'lastError'> {
  const failing = steps.filter((s) => s.lastError && (s.phase === 'failed' || s.phase === 'backoff'));
  if (failing.length === 0) return { attempts: 0, nextAttemptAt: null, lastError: null };
  const worst = failing.reduce((a, b) => (b.attempts > a.attempts ? b : a));
  const waits = failing.map((s) => s.nextAttemptAt);
  const nextAttemptAt = waits.every((w) => w !== null) ? new Date(Math.min(...waits.map((w) => (w as Date).getTime()))) : null;
  return { attempts: worst.attempts, nextAttemptAt, lastError: worst.lastError };
}

function newestManaged(snapshots: readonly Snapshot[]): RecoveryPoint | null {
  let best: RecoveryPoint | null = null;
  for (const s of snapshots) {
    const time = managedInfo(s)?.recoveryPointTime;
    if (s.status !== 'available' || !time) continue;
    if (!best || time > best.time) best = { snapshotId: s.id, time };
  }
  return best;
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

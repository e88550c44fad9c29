import { ErrorInfo, toErrorInfo } from '../domain/errors';
import { DrillSummary, newestDrillSummaries } from './drill-status';
import { dailySnapshotId } from '../domain/naming';
import { periodOf } from '../domain/period';
import { achievedRpo, Band, RecoveryPointCandidate, Scenario, ScenarioRpo } from '../domain/rpo';
import { PairResult } from '../domain/replication/result';
import { applyAudit, memberKey, MemberState } from '../domain/ledger';
import { managedInfo } from '../domain/tags';
import { Database, DbKind, FleetMember, ReplicatedBackup, Snapshot, Tier } from '../domain/types';
import { DatabaseCatalog } from './catalog';
import { AppDeps } from './deps';
import { resolveFleet } from './fleet';
import { forEachLimit } from './concurrency';
import { listingKey } from './inventory';
import { gatherPassEvidence } from './pass-evidence';

export interface RecoveryPoint {
  readonly snapshotId: string;
  readonly time: Date;
}

export interface InstanceStatus {
  readonly instanceId: string;
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
  readonly period: { readonly key: string; readonly snapshotId: string; readonly covered: 'yes' | 'in-progress' | 'no' };
  readonly rpoTargetSeconds: number;
  /** Seconds of data lost if disaster struck now, per scenario (null: no recovery point at all). */
  readonly achieved: Record<Scenario, number | null>;
  readonly band: Record<Scenario, Band>;
  /** True only when both scenarios are within target. */
  readonly compliant: boolean;
  /** The full picture per scenario: recovery point used, band, and "can never meet" advice. */
  readonly rpo: Record<Scenario, ScenarioRpo>;
  readonly errors: readonly ErrorInfo[];
  /** The newest finished restore drill (its RTO and band); null when never drilled. */
  readonly drill: DrillSummary | null;
}

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
  readonly instances: readonly InstanceStatus[];
  readonly attachments: readonly AttachmentStatus[];
  readonly problems: readonly ErrorInfo[];
  readonly warnings: readonly string[];
}

/** What the fleet holds, gathered once for status and the watchdog. */
interface Evidence {
  readonly managed: readonly Snapshot[];
  /** Member key -> why its snapshots could not be listed (only members listed live). */
  readonly listingFailures: ReadonlyMap<string, readonly ErrorInfo[]>;
  readonly automated: readonly Snapshot[];
  readonly databases: ReadonlyMap<string, Database>;
  readonly replicated: readonly ReplicatedBackup[];
  readonly failures: ReadonlyMap<string, ErrorInfo>;
}

/**
 * Per instance: newest recovery point in each region, whether the current period is covered,
 * and the achieved RPO per failure scenario against the tier target. Reads only.
 */
export interface StatusOptions {
  /** List every member's snapshots from AWS instead of reading the ledger (`status --live`). */
  readonly live?: boolean;
}

export async function fleetStatus(deps: AppDeps, options: StatusOptions = {}): Promise<FleetStatus> {
  const at = deps.clock.now();
  const catalog = new DatabaseCatalog(deps.provider);
  const fleet = await resolveFleet(deps.config, deps.provider, catalog);
  const evidence = await gatherEvidence(deps, fleet.members, catalog, Boolean(options.live));
  const drills = await newestDrillSummaries(deps); // restore drills (app/drill-status.ts)
  const instances = fleet.members.map((m) => ({ ...instanceStatus(deps, m, evidence, at), drill: drills.get(m.id) ?? null }));
  return { at, instances, attachments: await attachmentStatus(deps), problems: fleet.problems, warnings: fleet.warnings };
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

/**
 * Managed snapshots come from the ledger the passes keep (no listing: the watchdog runs every few
 * minutes, and listing a fleet's snapshots that often would spend the account's RDS API rate).
 * Members the ledger has never audited, or all of them with `live`, are listed from AWS.
 */
async function managedSnapshots(deps: AppDeps, members: readonly FleetMember[], live: boolean): Promise<Pick<Evidence, 'managed' | 'listingFailures'>> {
  const states = new Map<string, MemberState | null>();
  await forEachLimit(members, 16, async (m) => {
    states.set(memberKey(m), await deps.store.getMemberState(memberKey(m)));
  });
  const listNow = new Set(members.filter((m) => live || !states.get(memberKey(m))?.auditedAt).map(memberKey));
  const listed = listNow.size > 0 ? await gatherPassEvidence(deps.provider, members, listNow, new Map()) : null;
  const managed: Snapshot[] = [];
  const listingFailures = new Map<string, ErrorInfo[]>();
  for (const m of members) {
    const key = memberKey(m);
    let snapshots = states.get(key)?.snapshots ?? [];
    const audit = listed?.audited.get(key);
    if (audit) snapshots = applyAudit(snapshots, m, audit.snapshots, audit.regions, audit.unfiltered).snapshots;
    if (listed && listNow.has(key)) {
      const failed = [listingKey(m.region, m.kind), listingKey(m.drRegion, m.kind)].map((k) => listed.failures.get(k)).filter((e): e is ErrorInfo => Boolean(e));
      if (failed.length) listingFailures.set(key, failed);
    }
    managed.push(...snapshots.filter((s) => managedInfo(s)));
  }
  return { managed, listingFailures };
}

async function gatherEvidence(deps: AppDeps, members: readonly FleetMember[], catalog: DatabaseCatalog, live: boolean): Promise<Evidence> {
  const { managed, listingFailures } = await managedSnapshots(deps, members, live);
  const failures = new Map<string, ErrorInfo>();
  const drRegions = unique(members.filter((m) => m.kind === 'instance').map((m) => m.drRegion));
  const automated: Snapshot[] = [];
  const databases = new Map<string, Database>();
  const replicated: ReplicatedBackup[] = [];
  await Promise.all([
    ...unique(members.map((m) => m.region)).map(async (region) => {
      try {
        for (const db of await catalog.databases(region)) databases.set(`${region}/${db.kind}/${db.id}`, db);
      } catch (err) {
        failures.set(`databases:${region}`, toErrorInfo(err, 'list'));
      }
    }),
    ...drRegions.map(async (region) => {
      try {
        replicated.push(...(await deps.provider.listReplicatedBackups(region)));
      } catch {
        // Optional evidence: without it, region-loss RPO is judged on DR copies alone.
      }
    }),
  ]);
  // Automated snapshots exist only where automated backups are on, and then point-in-time
  // restore (LatestRestorableTime) is newer than any of them. So they are listed only where a
  // member's database is unknown or reports no restorable time: at 7 a day per instance, listing
  // them every 5 minutes would cost more RDS calls than the whole backup cycle.
  const needAutomated = unique(
    members.filter((m) => !databases.get(`${m.region}/${m.kind}/${m.id}`)?.latestRestorableTime).map((m) => `${m.region}/${m.kind}`),
  );
  await Promise.all(
    needAutomated.map(async (key) => {
      const [region, kind] = key.split('/') as [string, DbKind];
      try {
        automated.push(...(await deps.provider.listSnapshots(region, kind, 'automated')));
      } catch (err) {
        failures.set(`automated:${key}`, toErrorInfo(err, 'list'));
      }
    }),
  );
  return { managed, listingFailures, automated, databases, replicated, failures };
}

function instanceStatus(deps: AppDeps, m: FleetMember, ev: Evidence, at: Date): Omit<InstanceStatus, 'drill'> {
  const policy = deps.config.tiers[m.tier];
  const period = periodOf(at, policy.snapshotEveryMs);
  const dailyId = dailySnapshotId(m.id, period);
  const mine = ev.managed.filter((s) => s.kind === m.kind && managedInfo(s)?.instanceId === m.id);
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
  const errors = [
    ...(ev.listingFailures.get(memberKey(m)) ?? []),
    ...[`automated:${m.region}/${m.kind}`, `databases:${m.region}`].map((k) => ev.failures.get(k)).filter((e): e is ErrorInfo => Boolean(e)),
  ];
  return {
    instanceId: m.id,
    kind: m.kind,
    tier: m.tier,
    product: m.product ?? null,
    region: m.region,
    drRegion: m.drRegion,
    origin: m.origin,
    primary,
    dr,
    period: { key: period.key, snapshotId: dailyId, covered: !daily ? 'no' : daily.status === 'available' ? 'yes' : 'in-progress' },
    rpoTargetSeconds: rpo.instanceLoss.targetSeconds,
    achieved: { instanceLoss: rpo.instanceLoss.achievedSeconds, regionLoss: rpo.regionLoss.achievedSeconds },
    band: { instanceLoss: rpo.instanceLoss.band, regionLoss: rpo.regionLoss.band },
    compliant: rpo.instanceLoss.compliant && rpo.regionLoss.compliant,
    rpo,
    errors,
  };
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

import { ErrorInfo, SnapwardError, toErrorInfo } from '../domain/errors';
import { memberKey } from '../domain/ledger';
import { managedInfo } from '../domain/tags';
import { FleetMember, Snapshot } from '../domain/types';
import { Finding, InstanceResult, RunKind, RunOutcome, RunTrigger } from '../ports/state-store';
import { DatabaseCatalog } from './catalog';
import { AppDeps } from './deps';
import { resolveFleet } from './fleet';
import { InstanceDrills, instanceDrills } from './instance-drills';
import { memberHint, notInFleetHint } from './instance-hints';
import { asSeen } from './runs';
import { fleetStatus, InstanceStatus } from './status';

/** One managed snapshot of the instance, in either region. */
export interface StorySnapshot {
  readonly id: string;
  readonly region: string;
  readonly role: 'primary' | 'dr-copy';
  readonly purpose: 'daily' | 'adhoc';
  readonly status: string;
  readonly recoveryPointTime: Date | null;
  readonly encrypted: boolean;
}

/** A run that touched the instance, with what it did there. */
export interface StoryRun {
  readonly runId: string;
  readonly kind: RunKind;
  readonly trigger: RunTrigger;
  readonly startedAt: Date;
  readonly outcome: RunOutcome;
  readonly result: InstanceResult;
}

export interface InstanceStory {
  readonly at: Date;
  readonly instance: FleetMember;
  /** Tier target, newest recovery points and achieved RPO per scenario (as `status` shows them). */
  readonly status: InstanceStatus | null;
  /** Why it cannot be backed up as configured (missing, wrong kind, cluster member); null: fine. */
  readonly hint: string | null;
  readonly snapshots: {
    /** `ledger`: snapward's record (no AWS call); `live`: listed from AWS now. */
    readonly source: 'ledger' | 'live';
    readonly items: readonly StorySnapshot[];
    readonly problems: readonly ErrorInfo[];
  };
  /** Newest first, among the `runsScanned` newest runs. */
  readonly runs: readonly StoryRun[];
  readonly runsScanned: number;
  readonly findings: readonly Finding[];
  readonly drills: InstanceDrills;
}

export interface StoryOptions {
  /** List its snapshots from AWS instead of the ledger. */
  readonly live?: boolean;
  /** How many of the newest runs to look through. @default 50 */
  readonly runs?: number;
}

/**
 * One instance's story, read only: its place in the fleet, RPO now, every managed snapshot in
 * both regions, the recent runs that touched it and what they did, its findings and drills.
 * @throws SnapwardError USAGE when the id is not a fleet member (with a hint why, when AWS knows it).
 */
export async function instanceStory(deps: AppDeps, instanceId: string, options: StoryOptions = {}): Promise<InstanceStory> {
  const id = instanceId.trim().toLowerCase();
  const catalog = new DatabaseCatalog(deps.accounts);
  const fleet = await resolveFleet(deps.config, deps.accounts, catalog);
  const member = fleet.members.find((m) => m.id === id);
  if (!member) {
    const hint = await notInFleetHint(deps.config, catalog, fleet.ownAccount, id);
    throw new SnapwardError('USAGE', `instance ${JSON.stringify(instanceId)} is not in the fleet${hint ? `: ${hint}` : ''}`);
  }
  const at = deps.clock.now();
  const status = (await fleetStatus(deps, { live: Boolean(options.live), only: (m) => memberKey(m) === memberKey(member) })).instances[0] ?? null;
  let hint: string | null = null;
  try {
    hint = memberHint(member, await catalog.databases(member.account, member.region));
  } catch {
    hint = null; // the status errors already say the region could not be listed
  }
  const snapshots = await storySnapshots(deps, member, Boolean(options.live));

  const scanned = await deps.store.listRuns({ limit: options.runs ?? 50 });
  const runs: StoryRun[] = [];
  for (const r of scanned.filter((x) => x.kind === 'reconcile' || x.kind === 'backup')) {
    const result = (await deps.store.listInstanceResults(r.id)).find((x) => x.instanceId === member.id && (x.account === undefined || x.account === member.account));
    if (!result) continue;
    const seen = asSeen(r, deps);
    runs.push({ runId: r.id, kind: r.kind, trigger: r.trigger, startedAt: r.startedAt, outcome: seen.outcome, result });
  }
  const findings = (await deps.store.listFindings({ limit: 10000 })).filter((f) => f.subject === member.id);
  return { at, instance: member, status, hint, snapshots, runs, runsScanned: scanned.length, findings, drills: await instanceDrills(deps, member) };
}

async function storySnapshots(deps: AppDeps, m: FleetMember, live: boolean): Promise<InstanceStory['snapshots']> {
  const problems: ErrorInfo[] = [];
  let all: Snapshot[] = [];
  if (live) {
    for (const region of [m.region, m.drRegion]) {
      try {
        all.push(...(await deps.accounts.scope(m.account).provider.listSnapshotsMatching(region, m.kind, { dbIds: [m.id] })));
      } catch (err) {
        problems.push(toErrorInfo(err, 'list'));
      }
    }
  } else {
    all = [...((await deps.store.getMemberState(memberKey(m)))?.snapshots ?? [])];
  }
  const items = all
    .map((s) => ({ s, info: managedInfo(s) }))
    .filter(({ info }) => info?.instanceId === m.id)
    .map(({ s, info }) => ({
      id: s.id,
      region: s.region,
      role: s.region === m.drRegion ? ('dr-copy' as const) : ('primary' as const),
      purpose: info?.purpose ?? 'daily',
      status: s.status,
      recoveryPointTime: info?.recoveryPointTime ?? null,
      encrypted: s.encrypted,
    }))
    .sort((a, b) => (b.recoveryPointTime?.getTime() ?? 0) - (a.recoveryPointTime?.getTime() ?? 0) || (a.region < b.region ? -1 : 1));
  return { source: live ? 'live' : 'ledger', items, problems };
}

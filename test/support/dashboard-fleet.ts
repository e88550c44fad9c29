import { runCheck } from '../../src/app/check';
import { reconcile } from '../../src/app/reconcile';
import { FleetStatus } from '../../src/app/status';
import { SnapwardError } from '../../src/domain/errors';
import { addDays } from '../../src/domain/history';
import { MINUTE } from '../../src/domain/time';
import { FleetMember } from '../../src/domain/types';
import { harness, Harness } from './app-harness';
import { member } from './builders';

/**
 * The demo's fleet (scripts/demo.ts: same ids, tiers, products and regions) lived through 30
 * days with the fakes, so the dashboard has something true to show: a nightly pass at 00:30
 * and a check at 10:00 each day, with the kind of trouble a month brings. Point-in-time restore
 * is on for tiers 0 and 1; automated backups are replicated to the DR region for one of them.
 */
export const DEMO_MEMBERS: readonly FleetMember[] = [
  member({ id: 'identity-core-use1', kind: 'cluster', region: 'us-east-1', drRegion: 'us-west-2', tier: 0, product: 'identity' }),
  member({ id: 'jira-prod-use1-1', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, product: 'jira' }),
  member({ id: 'jira-prod-use1-2', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, product: 'jira' }),
  member({ id: 'confluence-prod-use1-1', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, product: 'confluence' }),
  member({ id: 'jira-prod-euw1-1', region: 'eu-west-1', drRegion: 'eu-central-1', tier: 1, product: 'jira' }),
  member({ id: 'bitbucket-prod-euw1-1', region: 'eu-west-1', drRegion: 'eu-central-1', tier: 1, product: 'bitbucket' }),
  member({ id: 'confluence-prod-euw1-1', region: 'eu-west-1', drRegion: 'eu-central-1', tier: 2, product: 'confluence' }),
  member({ id: 'wiki-internal-euw1', region: 'eu-west-1', drRegion: 'eu-central-1', tier: 3, product: 'wiki' }),
];

export interface LivedFleet {
  readonly h: Harness;
  /** Days (UTC) on which no check ran: gaps in the chart. */
  readonly daysWithoutCheck: readonly string[];
  /** `status --json` as the CLI prints it (the same fleetStatus, through JSON). */
  status(): Promise<StatusJson>;
}

export type StatusJson = ReturnType<typeof toJson>;
const toJson = (s: FleetStatus) => JSON.parse(JSON.stringify(s)) as {
  instances: { instanceId: string; tier: number; region: string; drRegion: string; product: string | null; achieved: Record<string, number | null>; band: Record<string, string>; errors: unknown[] }[];
};

export async function livedFleet(today = '2026-11-24'): Promise<LivedFleet> {
  const first = addDays(today, -29);
  const h = harness(
    { instances: [...DEMO_MEMBERS], kms: { 'us-west-2': 'alias/snapward-dr', 'eu-central-1': 'alias/snapward-dr' } },
    `${first}T00:30:00Z`,
  );
  h.rds.newStatus = 'available';
  for (const m of DEMO_MEMBERS) {
    const pitr = m.tier <= 1;
    h.rds.addDatabase({ id: m.id, kind: m.kind, region: m.region, backupRetentionDays: pitr ? 7 : 0, encrypted: m.id !== 'wiki-internal-euw1' });
  }
  const noCheck = [addDays(first, 5), addDays(first, 6)];
  const noPass = new Set([addDays(first, 12), addDays(first, 13)]);
  for (let i = 0; i < 30; i++) {
    const day = addDays(first, i);
    h.clock.set(`${day}T00:30:00Z`);
    // jira-prod-euw1-1's snapshots fail for the last two days: a live Snapshot Missed.
    if (i === 28) h.rds.fail('createSnapshot', 'jira-prod-euw1-1', () => new SnapwardError('AWS_ERROR', 'InvalidDBInstanceState: instance is being modified'));
    if (!noPass.has(day)) await reconcile(h.deps, { trigger: 'test' });
    h.clock.set(`${day}T10:00:00Z`);
    for (const db of h.rds.databases) {
      if (db.backupRetentionDays > 0) (db as { latestRestorableTime: Date | null }).latestRestorableTime = new Date(h.clock.now().getTime() - 5 * MINUTE);
    }
    h.rds.replicatedBackups.splice(0, h.rds.replicatedBackups.length, {
      region: 'us-west-2', sourceRegion: 'us-east-1', dbId: 'jira-prod-use1-1', latestTime: new Date(h.clock.now().getTime() - 10 * MINUTE),
    });
    // Day 20: eu-west-1 could not be read at check time (unknown, never compliant).
    if (i === 20) h.rds.fail('listDatabases', 'eu-west-1', () => new SnapwardError('AWS_ERROR', 'ThrottlingException: Rate exceeded', { retryable: true }), 1);
    if (!noCheck.includes(day)) await runCheck(h.deps, { trigger: 'test' });
  }
  h.clock.set(`${today}T10:05:00Z`);
  return {
    h,
    daysWithoutCheck: noCheck,
    status: async () => {
      const { fleetStatus } = await import('../../src/app/status');
      return toJson(await fleetStatus(h.deps));
    },
  };
}


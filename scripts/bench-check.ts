import { DeleteDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_AUDIT } from '../config/load';
import { createPinoLogger } from '../src/adapters/log/pino-logger';
import { runCheck } from '../src/app/check';
import { reconcile } from '../src/app/reconcile';
import { buildApp } from '../src/composition';
import { DEFAULT_ALERTS } from '../src/domain/alerts';
import { SnapwardConfig } from '../src/domain/config';
import { DEFAULT_TIER_POLICIES } from '../src/domain/tiers';
import { ConfiguredInstance, Tier } from '../src/domain/types';
import { CallCounter, CounterSnapshot } from './lib/call-counter';
import { startMoto } from './lib/moto';
import { DR_KEY_ALIAS, seedFleet, useEmulator } from './lib/seed-fleet';

/**
 * Watchdog benchmark: the AWS calls one `check` makes per instance, against moto, counted by an
 * SDK middleware and re-counted at AWS's page size (100 records) where moto pages differently.
 *
 *   npm run bench:check -- [--instances N] [--lost K] [--json]
 *
 * Checks, after one pass has snapshotted and copied the whole fleet:
 *   first     the first check: confirms every newest point and records first sightings;
 *   steady    the same fleet a few minutes later: what every check of the day costs;
 *   lost      after K DR copies were deleted by hand: each must open Recovery Point Deleted.
 *
 * The issue's budget is for the confirmation of newest points: at most 0.05 calls per instance
 * per check at AWS paging (DescribeDBSnapshots / DescribeDBClusterSnapshots by id, 50 ids a call).
 * moto does not implement DescribeAccountAttributes (an HTTP 500, retried once by the quota
 * client): those calls are counted but say nothing about AWS.
 */
const PRIMARY = [
  { region: 'us-east-1', drRegion: 'us-west-2' },
  { region: 'eu-west-1', drRegion: 'eu-central-1' },
] as const;
const CONFIRM_BUDGET_PER_INSTANCE = 0.05;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface CheckFigures {
  readonly name: string;
  readonly wallSeconds: number;
  readonly calls: number;
  readonly awsPagedCalls: number;
  readonly perInstance: number;
  readonly confirmCallsAwsPaged: number;
  readonly confirmPerInstance: number;
  readonly byOperation: Record<string, number>;
  readonly open: Record<string, number>;
}

async function main(): Promise<number> {
  const instances = Number(arg('instances') ?? 1000);
  const lostCount = Number(arg('lost') ?? 10);
  const json = process.argv.includes('--json');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const moto = await startMoto({ env: { MOTO_RDS_SNAPSHOT_LIMIT: String(instances * 10 + 1000) } });
  const dir = mkdtempSync(join(tmpdir(), 'snapward-bench-check-'));
  try {
    useEmulator(moto.endpoint);
    const tiers: Tier[] = [0, 1, 2, 3];
    const members: ConfiguredInstance[] = Array.from({ length: instances }, (_, i) => {
      const p = PRIMARY[i % PRIMARY.length] as (typeof PRIMARY)[number];
      return { id: `db-${String(i).padStart(5, '0')}`, kind: 'instance', region: p.region, drRegion: p.drRegion, tier: tiers[i % 4] as Tier, origin: 'config' };
    });
    await seedFleet(
      PRIMARY.flatMap((p) => [p.region, p.drRegion]),
      members.map((m) => ({ id: m.id, kind: 'instance' as const, region: m.region })),
    );
    const config: SnapwardConfig = {
      configPath: null,
      retentionDays: 30,
      kms: Object.fromEntries(PRIMARY.map((p) => [p.drRegion, DR_KEY_ALIAS])),
      instances: members,
      discover: [],
      state: { sqlite: join(dir, 'state.db') },
      tiers: DEFAULT_TIER_POLICIES,
      concurrency: { instances: 16, instanceCopiesPerRegion: instances, clusterCopiesPerRegion: 5 },
      audit: { ...DEFAULT_AUDIT },
      attachments: [],
    };
    const counter = new CallCounter();
    const logger = createPinoLogger('error', openSync('/dev/null', 'w'));
    const app = buildApp({ config, logger, aws: { onClient: (client, service, region) => counter.attach(client, service, region) } });
    const pass = await reconcile({ ...app.deps, alerts: DEFAULT_ALERTS }, { trigger: 'test' });
    if (pass.summary.failed > 0) throw new Error(`the setup pass failed for ${pass.summary.failed} instances`);

    const figures: CheckFigures[] = [];
    const measure = async (name: string): Promise<CheckFigures> => {
      counter.reset();
      const t0 = performance.now();
      const report = await runCheck(app.deps, { trigger: 'test' });
      const wallSeconds = (performance.now() - t0) / 1000;
      const snap = counter.snapshot();
      const confirm = confirmCalls(snap);
      const open: Record<string, number> = {};
      for (const f of report.open) open[f.kind] = (open[f.kind] ?? 0) + 1;
      const f: CheckFigures = {
        name,
        wallSeconds: round(wallSeconds),
        calls: snap.calls,
        awsPagedCalls: snap.awsPagedCalls,
        perInstance: round(snap.awsPagedCalls / instances, 4),
        confirmCallsAwsPaged: confirm,
        confirmPerInstance: round(confirm / instances, 4),
        byOperation: snap.callsByOperation,
        open,
      };
      figures.push(f);
      return f;
    };
    await measure('first');
    await measure('steady');
    const rds = new RDSClient({ region: 'us-west-2' });
    const victims = members.filter((m) => m.drRegion === 'us-west-2').slice(0, lostCount);
    for (const m of victims) await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: `sw-${m.id}-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}` }));
    rds.destroy();
    const lost = await measure('lost');
    await app.close();

    const seen = lost.open['Recovery Point Deleted'] ?? 0;
    const steady = figures.find((f) => f.name === 'steady') as CheckFigures;
    const ok = steady.confirmPerInstance <= CONFIRM_BUDGET_PER_INSTANCE && seen === victims.length;
    const summary = { instances, budget: { confirmCallsPerInstancePerCheck: CONFIRM_BUDGET_PER_INSTANCE }, checks: figures, lostDeleted: victims.length, lostSeen: seen, ok };
    if (json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(`check benchmark: ${instances} instances in ${PRIMARY.length} region pairs (moto)`);
      for (const f of figures) {
        console.log(
          `  ${f.name.padEnd(7)} ${f.wallSeconds}s  ${f.calls} calls (${f.awsPagedCalls} at AWS paging) = ${f.perInstance}/instance; confirmation ${f.confirmCallsAwsPaged} = ${f.confirmPerInstance}/instance (budget ${CONFIRM_BUDGET_PER_INSTANCE})`,
        );
        console.log(`          ${Object.entries(f.byOperation).map(([op, n]) => `${op} ${n}`).join(', ')}`);
      }
      console.log(`  ${victims.length} DR copies deleted by hand, ${seen} Recovery Point Deleted findings open: ${ok ? 'OK' : 'NOT OK'}`);
    }
    return ok ? 0 : 1;
  } finally {
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The newest-point confirmations: snapshot describes by id (the check lists no snapshots otherwise). */
function confirmCalls(snap: CounterSnapshot): number {
  return snap.operations.filter((o) => o.operation === 'DescribeDBSnapshots' || o.operation === 'DescribeDBClusterSnapshots').reduce((n, o) => n + o.awsPagedCalls, 0);
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/moto';
import { DR_KEY_ALIAS, seedFleet } from '../../scripts/lib/seed-fleet';
import { runCli } from '../support/cli-capture';
import { useMotoServer } from '../support/moto-session';

/** report and check over moto with the SQLite store: the dashboard's figures are status's. */
const moto = useMotoServer();

describe('snapward report against moto', () => {
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    await moto.server().reset();
    await seedFleet(['us-east-1', 'us-west-2'], [
      { id: 'app-db-1', kind: 'instance', region: 'us-east-1' },
      { id: 'app-db-2', kind: 'instance', region: 'us-east-1' },
      { id: 'app-aurora', kind: 'cluster', region: 'us-east-1' },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'snapward-report-'));
    configPath = join(dir, 'snapward.yaml');
    writeFileSync(
      configPath,
      `retentionDays: 30
kms:
  us-west-2: ${DR_KEY_ALIAS}
instances:
  - { id: app-db-1, region: us-east-1, drRegion: us-west-2, tier: 1, product: shop }
  - { id: app-db-2, region: us-east-1, drRegion: us-west-2, tier: 3 }
  - { id: app-aurora, kind: cluster, region: us-east-1, drRegion: us-west-2, tier: 0 }
state:
  sqlite: state.db
`,
    );
    expect((await runCli(['run', '--config', configPath])).code).toBe(0);
    await runCli(['check', '--config', configPath]);
  }, 60_000);

  it('report --json has the tier counts and rows of status --json for the same store, and the day check recorded', async () => {
    const before = Date.now();
    const status = JSON.parse((await runCli(['status', '--json', '--config', configPath])).stdout);
    const res = await runCli(['report', '--json', '--config', configPath]);
    // Two processes, seconds apart on a busy machine: an achieved RPO may have grown in between.
    const slackSeconds = Math.ceil((Date.now() - before) / 1000);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.source).toBe(`sqlite:${join(dir, 'state.db')}`);
    for (const s of status.instances) {
      const row = report.instances.find((r: { instanceId: string }) => r.instanceId === s.instanceId);
      // RTO from the same newest drill status --json shows (the run drilled the tier 0/1 members).
      const rto = s.drill?.rtoSeconds ?? null;
      expect(row).toMatchObject({ tier: s.tier, region: s.region, drRegion: s.drRegion, band: s.band, rto: rto === null ? { status: 'no-drill' } : { status: 'measured', seconds: rto, band: s.drill.band } });
      expect(Object.keys(row.achieved).sort()).toEqual(Object.keys(s.achieved).sort());
      for (const [scenario, seconds] of Object.entries(s.achieved as Record<string, number | null>)) {
        if (seconds === null) {
          expect(row.achieved[scenario]).toBeNull();
          continue;
        }
        expect(row.achieved[scenario]).toBeGreaterThanOrEqual(seconds);
        expect(row.achieved[scenario]).toBeLessThanOrEqual(seconds + slackSeconds);
      }
    }
    for (const tier of [0, 1, 2, 3]) {
      for (const scenario of ['instanceLoss', 'regionLoss']) {
        const expected = { compliant: 0, exceeded: 0, severe: 0, critical: 0, unknown: 0 } as Record<string, number>;
        for (const s of status.instances.filter((i: { tier: number }) => i.tier === tier)) expected[s.errors.length ? 'unknown' : s.band[scenario]]! += 1;
        expect(report.tiers[tier][scenario]).toEqual(expected);
      }
    }
    // check recorded today's compliance for every instance: one point per tier present today.
    expect(report.history.recordedDays).toBe(1);
    expect(report.history.series.map((s: { tier: number; scenario: string; points: (number | null)[] }) => `${s.tier} ${s.scenario} ${s.points.filter((p) => p !== null).length}`).sort()).toEqual([
      '0 instanceLoss 1', '0 regionLoss 1', '1 instanceLoss 1', '1 regionLoss 1', '3 instanceLoss 1', '3 regionLoss 1',
    ]);
    expect(report.runs.map((r: { kind: string }) => r.kind).sort()).toEqual(['check', 'reconcile']);
  });

  it('report --html FILE --csv DIR writes a self-contained page and the four CSV files', async () => {
    const html = join(dir, 'out', 'dashboard.html');
    const csv = join(dir, 'out', 'csv');
    const res = await runCli(['report', '--html', html, '--csv', csv, '--since', '7d', '--config', configPath]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`wrote ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)="(?!data:)/); // nothing loaded from elsewhere
    for (const name of ['instances.csv', 'findings.csv', 'drills.csv', 'runs.csv']) expect(existsSync(join(csv, name))).toBe(true);
    expect(readFileSync(join(csv, 'instances.csv'), 'utf8').trim().split('\r\n')).toHaveLength(4);
    expect(readFileSync(join(csv, 'runs.csv'), 'utf8').trim().split('\r\n')).toHaveLength(3);
  });

  it('RDS unreachable: every instance counts unknown, the page says why, the file is still written, exit 4', async () => {
    const html = join(dir, 'blind', 'dashboard.html');
    process.env.AWS_ENDPOINT_URL_RDS = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    let res: Awaited<ReturnType<typeof runCli>>;
    try {
      res = await runCli(['report', '--json', '--html', html, '--config', configPath]);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_RDS;
    }
    expect(res.code).toBe(4);
    const report = JSON.parse(res.stdout);
    expect(report.observedFully).toBe(false);
    for (const t of report.tiers) for (const s of ['instanceLoss', 'regionLoss']) expect(t[s].compliant).toBe(0);
    expect(report.tiers.reduce((n: number, t: { instanceLoss: { unknown: number } }) => n + t.instanceLoss.unknown, 0)).toBe(3);
    expect(report.unobserved.join('\n')).toMatch(/us-east-1: unreachable[^\n]*3 instance\(s\) unknown/);
    expect(res.stderr).toContain(`wrote ${html}`);
    expect(readFileSync(html, 'utf8')).toMatch(/us-east-1: unreachable/);
  }, 60_000);

  it('report with no output, or a bad --since, exits 2 naming what was expected', async () => {
    const none = await runCli(['report', '--config', configPath]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/report: got "no output", expected at least one of --html FILE, --csv DIR or --json/);
    const bad = await runCli(['report', '--json', '--since', 'last week', '--config', configPath]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: got "last week"/);
  });
});

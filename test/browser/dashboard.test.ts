/// <reference lib="dom" />
import { statSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Browser, Page } from 'puppeteer-core';
import { gatherReport } from '../../src/app/report/gather';
import { renderReportHtml } from '../../src/app/report/html';
import { buildReportModel } from '../../src/app/report/model';
import { formatDuration } from '../../src/domain/time';
import { addDays } from '../../src/domain/history';
import { livedFleet, LivedFleet, StatusJson } from '../support/dashboard-fleet';
import { instanceStatus, reportInput, syntheticFleetInput } from '../support/report-fixtures';
import { TARGET, VAULT, vaulted } from '../support/account-loss-fixtures';
import { launchBrowser, outputPath, watchedPage, WatchedPage } from './browser';

/**
 * The DR dashboard file in real headless Chromium: the demo's fleet after 30 lived days, then a
 * 5,000-instance page for responsiveness. One browser for the file.
 */
jest.setTimeout(30_000);
let browser: Browser;
let fleet: LivedFleet;
let status: StatusJson;
let view: WatchedPage;
let fileUrl: string;

const BANDS = ['compliant', 'exceeded', 'severe', 'critical', 'unknown'] as const;
/** As the dashboard must count: unreadable (errors) is unknown, never compliant. */
const bandOf = (i: StatusJson['instances'][number], s: 'instanceLoss' | 'regionLoss'): string => (i.errors.length ? 'unknown' : i.band[s] as string);

const visibleRows = (page: Page) =>
  page.$$eval('#instances tbody tr', (rows) =>
    rows.filter((r) => !(r as HTMLElement).hidden).map((r) => ({ id: r.getAttribute('data-instance') as string, tier: Number(r.getAttribute('data-tier')), region: r.getAttribute('data-region'), dr: r.getAttribute('data-dr-region') })),
  );

beforeAll(async () => {
  [browser, fleet] = await Promise.all([launchBrowser(), livedFleet()]);
  status = await fleet.status();
  const model = await gatherReport(fleet.h.deps, { source: 'memory:browser-test' });
  const file = outputPath('dashboard.html');
  writeFileSync(file, renderReportHtml(model));
  fileUrl = pathToFileURL(file).href;
  view = await watchedPage(browser);
  await view.page.goto(fileUrl, { waitUntil: 'load' });
  await view.page.waitForSelector('html[data-ready="true"]');
  // Before any test touches the page (they run in random order): the README's picture.
  await view.page.screenshot({ path: outputPath('dashboard.png'), fullPage: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('report --html in Chromium', () => {
  it('loads with no console error and no request but the file itself, and leaves a screenshot', async () => {
    expect(statSync(outputPath('dashboard.png')).size).toBeGreaterThan(10_000);
    expect(view.errors).toEqual([]);
    expect([...new Set(view.requests)]).toEqual([fileUrl]);
  });

  it('shows per tier the same band counts as status --json, unknown included', async () => {
    const shown = await view.page.$$eval('.count', (els) => els.map((e) => [e.getAttribute('data-tier'), e.getAttribute('data-scenario'), e.getAttribute('data-band'), Number(e.querySelector('.band')?.textContent)] as const));
    for (const tier of [0, 1, 2, 3]) {
      for (const s of ['instanceLoss', 'regionLoss'] as const) {
        for (const band of BANDS) {
          const expected = status.instances.filter((i) => i.tier === tier && bandOf(i, s) === band).length;
          const got = shown.find(([t, sc, b]) => t === String(tier) && sc === s && b === band)?.[3];
          expect({ tier, s, band, count: got }).toEqual({ tier, s, band, count: expected });
        }
      }
      // RTO: an instance without a drill that measured one counts as unknown.
      const rtoUnknown = shown.find(([t, sc, b]) => t === String(tier) && sc === 'rto' && b === 'unknown')?.[3];
      expect(rtoUnknown).toBe(status.instances.filter((i) => i.tier === tier && (i.drill?.rtoSeconds ?? null) === null).length);
    }
  });

  it('shows instance rows as status --json has them', async () => {
    expect((await visibleRows(view.page)).map((r) => r.id).sort()).toEqual(status.instances.map((i) => i.instanceId).sort());
    for (const id of ['identity-core-use1', 'jira-prod-euw1-1', 'wiki-internal-euw1']) {
      const want = status.instances.find((i) => i.instanceId === id)!;
      const cells = await view.page.$eval(`#instances tr[data-instance="${id}"]`, (r) => Array.from((r as HTMLTableRowElement).cells).map((c: HTMLTableCellElement) => (c.textContent ?? '').replace(/\s+/g, ' ').trim()));
      expect(cells[1]).toBe(String(want.tier));
      expect(cells[2]).toBe(want.product);
      expect(cells[3]).toBe(`${want.region} → ${want.drRegion}`);
      for (const [col, s] of [[6, 'instanceLoss'], [7, 'regionLoss']] as const) {
        const seconds = want.achieved[s] ?? null;
        expect(cells[col]).toBe(`${seconds === null ? 'none' : formatDuration(seconds * 1000)} ${bandOf(want, s)}`);
      }
      const rto = want.drill?.rtoSeconds ?? null;
      expect(cells[8]).toBe(rto === null ? 'no drill yet' : `${formatDuration(rto * 1000)} ${want.drill?.band}`);
    }
  });

  it('sorts by any column from the keyboard, the tier column included', async () => {
    const { page } = view;
    await page.bringToFront(); // the 5,000-row test may have opened its own tab meanwhile
    const tierButton = (await page.$$('#instances thead th button'))[1]!;
    await tierButton.focus();
    await page.keyboard.press('Enter');
    const up = (await visibleRows(page)).map((r) => r.tier);
    expect(up).toEqual([...up].sort((a, b) => a - b));
    expect(await page.$eval('#instances thead th:nth-child(2)', (th) => th.getAttribute('aria-sort'))).toBe('ascending');
    await page.keyboard.press('Space');
    const down = (await visibleRows(page)).map((r) => r.tier);
    expect(down).toEqual([...up].sort((a, b) => b - a));
    expect(down[0]).toBe(3);

    // Region-loss RPO, descending: the worst band (then the oldest recovery point) first.
    const regionLoss = (await page.$$('#instances thead th button'))[7]!;
    await regionLoss.click();
    await regionLoss.click();
    const ids = (await visibleRows(page)).map((r) => r.id);
    const rank = (id: string) => BANDS.indexOf(bandOf(status.instances.find((i) => i.instanceId === id)!, 'regionLoss') as never);
    expect(ids.map(rank)).toEqual([...ids.map(rank)].sort((a, b) => b - a));
    expect(ids[0]).toBe('jira-prod-euw1-1'); // critical with the oldest DR copy (its snapshots fail)
  });

  it('filters by tier, by region and to problems only', async () => {
    const { page } = view;
    await page.select('#filter-tier', '1');
    const tier1 = await visibleRows(page);
    expect(tier1.map((r) => r.id).sort()).toEqual(status.instances.filter((i) => i.tier === 1).map((i) => i.instanceId).sort());
    expect(await page.$eval('#shown-count', (e) => e.textContent)).toBe(`Showing ${tier1.length} of ${tier1.length} matching (${status.instances.length} instances)`);

    await page.select('#filter-tier', '');
    await page.select('#filter-region', 'eu-central-1');
    expect((await visibleRows(page)).map((r) => r.id).sort()).toEqual(status.instances.filter((i) => i.drRegion === 'eu-central-1' || i.region === 'eu-central-1').map((i) => i.instanceId).sort());
    await page.select('#filter-region', '');

    // Problems: any band other than compliant (unknown too) or an open finding.
    const open = await fleet.h.store.listFindings({ status: 'open' });
    const problems = status.instances
      .filter((i) => bandOf(i, 'instanceLoss') !== 'compliant' || bandOf(i, 'regionLoss') !== 'compliant' || open.some((f) => f.subject === i.instanceId))
      .map((i) => i.instanceId)
      .sort();
    await page.focus('#filter-problems');
    await page.keyboard.press('Space');
    const shown = (await visibleRows(page)).map((r) => r.id).sort();
    expect(shown).toEqual(problems);
    expect(shown).toContain('jira-prod-euw1-1');
    expect(shown).not.toContain('wiki-internal-euw1');
    expect(shown.length).toBeLessThan(status.instances.length);
    await page.keyboard.press('Space');
    expect(await visibleRows(page)).toHaveLength(status.instances.length);
  });

  it('draws one history point per recorded day and tier; a day without a check is a gap', async () => {
    const { page } = view;
    const history = await fleet.h.store.listCompliance({ from: addDays('2026-11-24', -29), to: '2026-11-24' });
    for (const tier of [0, 1, 2, 3]) {
      const recorded = [...new Set(history.filter((e) => e.tier === tier).map((e) => e.day))].sort();
      for (const scenario of ['instanceLoss', 'regionLoss']) {
        const days = await page.$$eval(`svg[data-scenario="${scenario}"] .point[data-tier="${tier}"]`, (els) => els.map((e) => e.getAttribute('data-day') as string));
        expect(days).toEqual(recorded);
      }
    }
    expect(fleet.daysWithoutCheck).toHaveLength(2);
    for (const day of fleet.daysWithoutCheck) expect(await page.$$(`svg .point[data-day="${day}"]`)).toHaveLength(0);
    // The gap breaks the line: a tier-0 line is two pieces.
    const path = await page.$eval('svg[data-scenario="instanceLoss"] path[data-tier="0"]', (p) => p.getAttribute('d') as string);
    expect(path.match(/M/g)).toHaveLength(2);
  });

  it('says when it was generated, from which store, and what could not be observed', async () => {
    const text = await view.page.$eval('body', (b) => b.innerText);
    expect(await view.page.$eval('#source', (e) => e.textContent)).toBe('memory:browser-test');
    expect(await view.page.$eval('#generated-at', (e) => e.getAttribute('datetime'))).toBe('2026-11-24T10:05:00.000Z');
    expect(text).not.toMatch(/restore drills: not available in this build/); // drills are read since they landed
    expect(text).toMatch(/Snapshot Missed: jira-prod-euw1-1, open/);
    // Which tiers are red, since when and why.
    expect(await view.page.$eval('.tier[data-tier="1"] .tier-since', (e) => e.textContent)).toBe('not all compliant since 2026-10-26');
    expect(await view.page.$eval('.tier[data-tier="1"] .tier-why', (e) => e.textContent)).toMatch(/1 Snapshot Missed/);
    expect(await view.page.$$('.tier[data-tier="3"] .tier-since')).toHaveLength(0); // compliant again since day 21
  });
});

describe('with a vault account (issue 16)', () => {
  it('shows the account-loss column after region loss, sorts worst first by it, and counts a breach as a problem', async () => {
    const at = new Date('2026-11-24T10:00:00Z');
    const H = 3600;
    const instances = [
      vaulted('vault-ok', 1, 10 * H), // compliant
      vaulted('vault-late', 1, 60 * H), // exceeded
      vaulted('vault-none', 1, null), // no vault copy: critical
      vaulted('vault-unread', 1, 10 * H, { error: true }), // unknown
      vaulted('vault-no-target', 2, 30 * H, { judged: false }), // a figure only
      instanceStatus('not-covered', 3, at, { instanceLoss: 600, regionLoss: 600 }),
    ];
    const base = reportInput(at, []).tierTargets;
    const model = buildReportModel(reportInput(at, instances, { tierTargets: { ...base, 1: { ...base[1], accountLossSeconds: TARGET } }, vault: { account: VAULT } }));
    const file = outputPath('dashboard-vault.html');
    writeFileSync(file, renderReportHtml(model));
    const v = await watchedPage(browser);
    await v.page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await v.page.waitForSelector('html[data-ready="true"]');
    const headers = await v.page.$$eval('#instances thead th', (ths) => ths.map((t) => (t.textContent ?? '').trim()));
    expect(headers.slice(6, 10)).toEqual(['Instance-loss RPO', 'Region-loss RPO', 'Account-loss RPO (vault)', 'RTO (newest drill)']);
    const cell = (id: string) => v.page.$eval(`#instances tr[data-instance="${id}"]`, (r) => ((r as HTMLTableRowElement).cells[8]?.textContent ?? '').replace(/\s+/g, ' ').trim());
    expect(await cell('vault-late')).toBe(`${formatDuration(60 * H * 1000)} exceeded`);
    expect(await cell('vault-none')).toBe('none critical');
    expect(await cell('vault-unread')).toBe('unknown');
    expect(await cell('vault-no-target')).toBe(`${formatDuration(30 * H * 1000)} no target`);
    expect(await cell('not-covered')).toBe('-');
    const card = await v.page.$$eval('.count[data-tier="1"][data-scenario="accountLoss"]', (els) => els.map((e) => [e.getAttribute('data-band'), Number(e.querySelector('.band')?.textContent)]));
    expect(Object.fromEntries(card)).toEqual({ compliant: 1, exceeded: 1, severe: 0, critical: 1, unknown: 1 });

    // Descending by account loss: unknown, critical, exceeded, then by age (a figure without a target
    // ranks with the compliant ones); an instance the vault does not cover last.
    const button = (await v.page.$$('#instances thead th button'))[8]!;
    await button.click();
    await button.click();
    const order = (await visibleRows(v.page)).map((r) => r.id);
    expect(order).toEqual(['vault-unread', 'vault-none', 'vault-late', 'vault-no-target', 'vault-ok', 'not-covered']);

    await v.page.click('#filter-problems');
    expect((await visibleRows(v.page)).map((r) => r.id).sort()).toEqual(['vault-late', 'vault-none', 'vault-unread']);
    expect(v.errors).toEqual([]);
    await v.page.close();
  });
});

describe('5,000 instances', () => {
  it('loads and stays responsive to sorting and filtering (figures measured, bound generous)', async () => {
    const model = buildReportModel(syntheticFleetInput(5000, new Date('2026-11-24T10:00:00Z')));
    const file = outputPath('dashboard-5000.html');
    const html = renderReportHtml(model);
    writeFileSync(file, html);
    const big = await watchedPage(browser, 1280, 900);
    const t0 = Date.now();
    await big.page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await big.page.waitForSelector('html[data-ready="true"]');
    const loadMs = Date.now() - t0;
    const timed = async (action: () => Promise<unknown>): Promise<number> => {
      const start = Date.now();
      await action();
      // A frame after the action: the layout it caused is done too.
      await big.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      return Date.now() - start;
    };
    const sortMs = await timed(async () => (await big.page.$$('#instances thead th button'))[6]!.click());
    const sortTierMs = await timed(async () => (await big.page.$$('#instances thead th button'))[1]!.click());
    const filterMs = await timed(() => big.page.click('#filter-problems'));
    const problems = model.instances.filter((i) => i.problem).length;
    expect(problems).toBeGreaterThan(250);
    expect(await visibleRows(big.page)).toHaveLength(250); // one page laid out at a time
    expect(await big.page.$eval('#shown-count', (e) => e.textContent)).toBe(`Showing 250 of ${problems} matching (5000 instances)`);
    const showAllMs = await timed(() => big.page.click('#show-all'));
    const tiers = (await visibleRows(big.page)).map((r) => r.tier);
    expect(tiers).toHaveLength(problems);
    expect(tiers).toEqual([...tiers].sort((a, b) => a - b));
    // The table scrolls inside its box: the page itself stays one screen wide.
    expect(await big.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    expect(big.errors).toEqual([]);
    console.log(`dashboard at 5,000 instances: ${(html.length / 1e6).toFixed(1)} MB, load ${loadMs} ms, sort ${sortMs} ms / ${sortTierMs} ms, filter ${filterMs} ms, show all ${problems} problems ${showAllMs} ms`);
    await big.page.close();
    for (const ms of [sortMs, sortTierMs, filterMs]) expect(ms).toBeLessThan(5000);
    expect(loadMs).toBeLessThan(30_000);
  }, 120_000);
});

/// <reference lib="dom" />
import { Browser } from 'puppeteer-core';
import { gatherReport } from '../../src/app/report/gather';
import { registerServe } from '../../src/cli/commands/serve';
import { DashboardServer, isLoopback, startDashboardServer } from '../../src/cli/serve-server';
import { Command } from 'commander';
import { captureOutput } from '../support/cli-capture';
import { livedFleet, LivedFleet } from '../support/dashboard-fleet';
import { launchBrowser, outputPath, watchedPage } from './browser';

/** `snapward serve`: HTTP behaviour, the token rule, and the live page in Chromium. One browser. */
jest.setTimeout(30_000);
const TOKEN = 'a-long-enough-test-token-0123';
let browser: Browser;
let fleet: LivedFleet;
let open: DashboardServer;
let guarded: DashboardServer;
let reads = 0;

beforeAll(async () => {
  [browser, fleet] = await Promise.all([launchBrowser(), livedFleet()]);
  const report = () => {
    reads += 1;
    return gatherReport(fleet.h.deps, { source: 'memory:serve-test' });
  };
  [open, guarded] = await Promise.all([
    startDashboardServer({ host: '127.0.0.1', port: 0, report }),
    startDashboardServer({ host: '127.0.0.1', port: 0, token: TOKEN, report }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([open?.close(), guarded?.close(), browser?.close()]);
});

describe('serve over HTTP', () => {
  it('answers /healthz without a token, and nothing else without one when a token is set', async () => {
    expect(await (await fetch(`${guarded.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const api = await fetch(`${guarded.url}/api/report`);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="snapward"');
    const wrong = await fetch(`${guarded.url}/api/report`, { headers: { Authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    const page = await fetch(`${guarded.url}/`);
    expect(page.status).toBe(401);
    const html = await page.text();
    expect(html).toContain('id="token-form"');
    expect(html).not.toContain('jira-prod-use1-1'); // no fleet data before the token
  });

  it('serves /api/report, re-read from the store on each request', async () => {
    const before = reads;
    const res = await fetch(`${guarded.url}/api/report`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json();
    const direct = JSON.parse(JSON.stringify(await gatherReport(fleet.h.deps, { source: 'memory:serve-test' })));
    expect(body).toEqual(direct);
    await fetch(`${open.url}/api/report`);
    expect(reads).toBe(before + 2);
  });

  it('is read-only: other methods are refused, unknown paths are 404', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${open.url}/api/report`, { method });
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, 'GET, HEAD']);
    }
    expect((await fetch(`${open.url}/favicon.ico`)).status).toBe(404);
    expect((await fetch(`${open.url}/`, { method: 'HEAD' })).status).toBe(200);
  });

  it('refuses to bind a non-loopback address without a token, or with a short one', async () => {
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost') && isLoopback('127.8.9.10')).toBe(true);
    expect(isLoopback('0.0.0.0') || isLoopback('10.0.0.5') || isLoopback('::')).toBe(false);
    await expect(startDashboardServer({ host: '0.0.0.0', port: 0, report: async () => { throw new Error('never read'); } })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/--host: got "0\.0\.0\.0".*SNAPWARD_SERVE_TOKEN/),
    });
    await expect(startDashboardServer({ host: '0.0.0.0', port: 0, token: 'short', report: async () => { throw new Error('never read'); } })).rejects.toMatchObject({
      message: expect.stringMatching(/SNAPWARD_SERVE_TOKEN: got 5 characters, expected at least 16/),
    });
  });

  it('the serve command exits 2 with the reason when bound to 0.0.0.0 with no token', async () => {
    const { main } = await import('../../src/cli/main');
    const out = captureOutput();
    delete process.env.SNAPWARD_SERVE_TOKEN;
    const code = await main(['serve', '--host', '0.0.0.0', '--port', '18080', '--config', `${__dirname}/../../config/examples/snapward.example.yaml`], out);
    expect(code).toBe(2);
    expect(out.stderr).toMatch(/not a loopback address; serving it needs a token: set SNAPWARD_SERVE_TOKEN/);
    // The token comes from the environment only: there is no option for it.
    const program = new Command();
    registerServe(program, out, () => undefined, {});
    expect(program.commands[0]!.options.map((o) => o.long)).toEqual(['--port', '--host']);
  });
});

describe('serve in Chromium', () => {
  it('on loopback without a token: the live page, no console error, no request but the page', async () => {
    const view = await watchedPage(browser);
    await view.page.goto(`${open.url}/`, { waitUntil: 'load' });
    await view.page.waitForSelector('html[data-ready="true"]');
    expect(await view.page.$$eval('#instances tbody tr', (rows) => rows.length)).toBe(8);
    expect(view.errors).toEqual([]);
    expect([...new Set(view.requests)]).toEqual([`${open.url}/`]);
    await view.page.close();
  });

  it('with a token: asks for it once, then shows the dashboard; a wrong token is refused', async () => {
    const view = await watchedPage(browser);
    await view.page.goto(`${guarded.url}/`, { waitUntil: 'load' });
    await view.page.type('#token', 'wrong-token-wrong-token');
    await view.page.keyboard.press('Enter');
    await view.page.waitForFunction(() => document.getElementById('token-message')?.textContent === 'That token was refused.');
    await view.page.$eval('#token', (e) => ((e as HTMLInputElement).value = ''));
    await view.page.type('#token', TOKEN);
    await view.page.keyboard.press('Enter');
    await view.page.waitForSelector('html[data-ready="true"]');
    expect(await view.page.$$eval('#instances tbody tr', (rows) => rows.length)).toBe(8);
    await view.page.click('#filter-problems');
    expect(await view.page.$eval('#shown-count', (e) => e.textContent)).toMatch(/^Showing 6 of 6 matching/);
    await view.page.screenshot({ path: outputPath('serve.png') });
    // The 401 of the wrong token is the only console message Chromium adds; nothing else failed.
    expect(view.errors.filter((e) => !/401/.test(e))).toEqual([]);
    expect([...new Set(view.requests)]).toEqual([`${guarded.url}/`]);
    await view.page.close();
  });
});

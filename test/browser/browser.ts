import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';

/** test-output/ (git-ignored): screenshots and pages the browser tests leave for people to look at. */
export const OUTPUT_DIR = resolve(__dirname, '..', '..', 'test-output');

/** One headless Chromium per test file (Debian's package; the global setup found or installed it). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH;
  if (!executablePath) throw new Error('CHROMIUM_PATH is not set: run the browser tests through jest (test/support/chromium-global-setup.ts)');
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return puppeteer.launch({
    executablePath,
    headless: true,
    // No sandbox: CI containers run as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  readonly errors: string[];
  /** Every request the page made (URLs). */
  readonly requests: string[];
}

/** A page that records console errors, page errors and every request it makes. */
export async function watchedPage(browser: Browser, width = 1440, height = 1000): Promise<WatchedPage> {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('request', (r) => requests.push(r.url()));
  return { page, errors, requests };
}

export const outputPath = (name: string): string => join(OUTPUT_DIR, name);

/** Open the fixture page and wait until `window.sightline` is ready. Console output is kept for failures. */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FixtureServer } from './server.js';

export interface OpenedFixture {
  page: Page;
  context: BrowserContext;
  /** Console lines and page errors seen so far ("[type] text"). */
  logs: string[];
  close(): Promise<void>;
}

export interface OpenFixtureOptions {
  /** Path on the server (default '/'). */
  path?: string;
  /** Echo page console to the test's stdout (default: env SIGHTLINE_E2E_VERBOSE). */
  verbose?: boolean;
}

export async function openFixture(browser: Browser, server: FixtureServer, opts: OpenFixtureOptions = {}): Promise<OpenedFixture> {
  const verbose = opts.verbose ?? !!process.env.SIGHTLINE_E2E_VERBOSE;
  const context = await browser.newContext();
  const page = await context.newPage();
  const logs: string[] = [];
  const push = (line: string) => {
    logs.push(line);
    if (logs.length > 500) logs.shift();
    if (verbose) console.log(line);
  };
  page.on('console', (m) => push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => push(`[pageerror] ${e.message}`));
  page.on('crash', () => push('[crash] page crashed'));
  await page.goto(server.url + (opts.path ?? '/'));
  await page.waitForFunction(() => (window as unknown as { sightlineReady?: boolean }).sightlineReady === true, undefined, { timeout: 30_000 });
  return {
    page,
    context,
    logs,
    close: async () => {
      await context.close().catch(() => {});
    },
  };
}

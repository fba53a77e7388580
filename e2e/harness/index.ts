/**
 * Reusable e2e plumbing: `launchBrowser` (Chromium via playwright-core, WebGPU on by default),
 * `buildFixture` + `startFixtureServer` (the Vite-built fixture app with COOP/COEP and ../shared under
 * /shared/), `openFixture` (a page with `window.sightline` ready). Typical file:
 *
 *   const env = await setupE2E();            // beforeAll
 *   const { page } = await openFixture(env.browser, env.server);
 *   await env.close();                       // afterAll
 */
import { launchBrowser, type LaunchOptions, type LaunchedBrowser } from './browser.js';
import { buildFixture } from './fixture.js';
import { startFixtureServer, type FixtureServer, type FixtureServerOptions } from './server.js';
import type { Browser } from 'playwright-core';

export * from './browser.js';
export * from './fixture.js';
export * from './server.js';
export * from './page.js';

export interface E2EEnv {
  browser: Browser;
  launched: LaunchedBrowser;
  server: FixtureServer;
  close(): Promise<void>;
}

/** Build the fixture (if stale), start the server and one browser. */
export async function setupE2E(opts: { browser?: LaunchOptions; server?: FixtureServerOptions } = {}): Promise<E2EEnv> {
  await buildFixture();
  const server = await startFixtureServer(opts.server);
  let launched: LaunchedBrowser;
  try {
    launched = await launchBrowser(opts.browser);
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    browser: launched.browser,
    launched,
    server,
    close: async () => {
      await launched.close();
      await server.close();
    },
  };
}

/**
 * Chromium for the e2e suite: Debian's /usr/bin/chromium driven by playwright-core. One browser per test file
 * (launching is cheap, pages are cheaper). Launched through launchServer so we own the pid: a crashed GPU
 * process can make close() hang (../shared/docs/browser-webgpu-here.md), so teardown has a timeout and then
 * kills by pid.
 */
import { chromium, type Browser, type BrowserServer } from 'playwright-core';

export const CHROMIUM_PATH = process.env.SIGHTLINE_CHROMIUM ?? '/usr/bin/chromium';

export interface LaunchOptions {
  /** Pass --enable-unsafe-webgpu (the only flag that yields the SwiftShader adapter here). Default true. */
  webgpu?: boolean;
  /** Add --enable-precise-memory-info and --js-flags=--expose-gc (heap-growth tests). Default false. */
  memory?: boolean;
  /** More Chromium flags. */
  args?: string[];
}

export interface LaunchedBrowser {
  browser: Browser;
  pid: number | undefined;
  /** Close with a timeout, then SIGKILL the browser process by pid. Safe to call twice. */
  close(timeoutMs?: number): Promise<void>;
}

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchBrowser(opts: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const { webgpu = true, memory = false, args = [] } = opts;
  const all = [...BASE_ARGS];
  if (webgpu) all.push('--enable-unsafe-webgpu');
  if (memory) all.push('--enable-precise-memory-info', '--js-flags=--expose-gc');
  all.push(...args);
  const server: BrowserServer = await chromium.launchServer({ executablePath: CHROMIUM_PATH, headless: true, args: all });
  const pid = server.process().pid;
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint());
  } catch (e) {
    await server.kill();
    throw e;
  }
  let closed = false;
  return {
    browser,
    pid,
    async close(timeoutMs = 10_000) {
      if (closed) return;
      closed = true;
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      const done = (async () => {
        await browser.close().catch(() => {});
        await server.close().catch(() => {});
        return 'ok' as const;
      })();
      if ((await Promise.race([done, timeout])) === 'timeout' && pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        await server.kill().catch(() => {});
      }
    },
  };
}

/**
 * Shared by the demo e2e files: build the demo (apps/demo, Vite) once per run, serve it with its real server
 * (COOP/COEP + CSP, ../shared models and samples) on a free port, open pages that record CSP violations,
 * and save small screenshots under e2e/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
// @ts-expect-error plain .mjs modules of the demo app (no type declarations)
import { buildDemo } from '../apps/demo/build.mjs';
// @ts-expect-error plain .mjs modules of the demo app (no type declarations)
import { startDemoServer } from '../apps/demo/server.mjs';
import { e2eDir } from './harness/index.js';
// Type-only: brings the demo's `window.sightlineDemo` declaration into scope.
import type {} from '../apps/demo/src/testHook.js';

export interface DemoServer {
  url: string;
  config: { defaultModel: { url: string } | null; samples: string[] };
  close(): Promise<void>;
}

let built: Promise<string> | null = null;

export async function startDemo(): Promise<DemoServer> {
  built ??= buildDemo({ quiet: true }) as Promise<string>;
  const root = await built;
  return (await startDemoServer({ root, port: 0 })) as DemoServer;
}

export interface DemoPage {
  page: Page;
  logs: string[];
  /** CSP violations seen by the page (directive + blocked URI). */
  violations(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openDemo(browser: Browser, server: DemoServer, opts: { path?: string; width?: number; height?: number; permissions?: string[] } = {}): Promise<DemoPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, permissions: opts.permissions });
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(server.url + (opts.path ?? '/'));
  await page.waitForFunction(() => window.sightlineDemo?.ready === true, undefined, { timeout: 30_000 });
  return {
    page,
    logs,
    violations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    close: () => context.close().catch(() => {}),
  };
}

/** Screenshot → e2e/artifacts/<name>.png, palette-quantised so the committed files stay small. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = join(e2eDir, 'artifacts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  const png = await page.screenshot({ type: 'png' });
  await sharp(png).png({ palette: true, quality: 90, effort: 7, compressionLevel: 9 }).toFile(file);
  return file;
}

/** Wait until the demo's default model is loaded (or fail with the page's errors). */
export async function waitModel(p: DemoPage, timeout = 120_000): Promise<void> {
  try {
    await p.page.waitForFunction(() => window.sightlineDemo.modelReady || window.sightlineDemo.errors.length > 0, undefined, { timeout });
  } catch (e) {
    throw new Error(`model did not load: ${p.logs.slice(-10).join('\n')}`, { cause: e });
  }
  const errors = await p.page.evaluate(() => window.sightlineDemo.errors);
  if (errors.length) throw new Error(`demo errors: ${errors.join('; ')}`);
}

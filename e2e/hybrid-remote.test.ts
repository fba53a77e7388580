// Issue 5 in the browser: createDetector({ model, remote }) in real Chromium (no WebGPU here → WASM locally)
// routes to the real tritonserver through the nginx CORS proxy that `sightline triton init` generates, and
// when the server dies mid-run every frame is recomputed locally — one outcome per item, with provenance.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, setupE2E, type E2EEnv, type OpenedFixture } from './harness/index.js';
import { matchDetections, type DetectReference } from '../packages/testkit/src/referenceMatch.js';
import { requireShared, sharedPath } from '../packages/testkit/src/shared.js';
import { startTritonServer, type TritonServerHandle } from '../packages/triton/test-triton/harness/tritonServer.js';
import { startNginxProxy, type NginxProxyHandle } from '../packages/triton/test-triton/harness/nginx.js';

const ok = requireShared(['models', 'yolov8n.onnx'], ['models', 'yolov8n_dynamic_batch.onnx'], ['images', 'bus.jpg'], ['images', 'zidane.jpg'], ['reference', 'detect_yolov8n.json']);

interface Outcome {
  error?: { code: string; message: string };
  backend?: string;
  route: { path: string; attempts: number; endpoint?: string };
  detections?: { classId: number; label: string; score: number; box: [number, number, number, number] }[];
  bytes?: { up: number; down: number };
}

describe.skipIf(!ok)('web: hybrid local WASM + Triton through nginx CORS', () => {
  let env: E2EEnv;
  let f: OpenedFixture;
  let triton: TritonServerHandle;
  let nginx: NginxProxyHandle;
  const ref = () => JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;

  beforeAll(async () => {
    triton = await startTritonServer({ models: ['yolov8n'], maxBatchSize: 4 });
    nginx = await startNginxProxy({ upstream: triton.httpUrl });
    env = await setupE2E({ browser: { webgpu: false } });
    f = await openFixture(env.browser, env.server);
  }, 300_000);
  afterAll(async () => {
    await f?.close();
    await env?.close();
    await nginx?.stop();
    await triton?.stop({ kill: true });
  });

  const run = (names: string[]) =>
    f.page.evaluate(async (names) => {
      const w = window as unknown as { hybrid: any; routes: any[] };
      const out = await w.hybrid.detectBatch(names.map((n) => `/shared/images/${n}`));
      return out.map((o: any) =>
        o.error ? { error: { code: o.error.code, message: o.error.message }, route: o.route } : { backend: o.backend, route: o.route, detections: o.detections, bytes: o.bytes },
      );
    }, names) as Promise<Outcome[]>;

  it('without a local GPU, calls go to Triton (CORS through nginx) and match the reference', async () => {
    const info = await f.page.evaluate(async (url) => {
      const w = window as unknown as { hybrid: any; routes: any[] };
      w.routes = [];
      w.hybrid = await window.sightline.createDetector({
        model: '/shared/models/yolov8n.onnx',
        remote: { url, model: 'yolov8n', timeoutMs: 60_000 },
        breaker: { failureThreshold: 1, cooldownMs: 600_000 },
        onRoute: (e: unknown) => w.routes.push(e),
      });
      return w.hybrid.info;
    }, nginx.url);
    expect(info.backend).toBe('wasm');
    expect(info.remote).toMatchObject({ model: 'yolov8n', connected: true });
    const outs = await run(['bus.jpg', 'zidane.jpg']);
    expect(outs).toHaveLength(2);
    outs.forEach((o, i) => {
      expect(o.error).toBeUndefined();
      expect(o).toMatchObject({ backend: 'triton-http', route: { path: 'remote', attempts: 1 } });
      expect(o.bytes!.up).toBeGreaterThan(1_000_000);
      const m = matchDetections(o.detections as never, ref().images[i ? 'zidane.jpg' : 'bus.jpg'].detections, { scoreTol: 0.05 });
      expect(m.misses).toEqual([]);
    });
    const reasons = await f.page.evaluate(() => (window as unknown as { routes: any[] }).routes.map((r) => r.decision.reason));
    expect(reasons[0]).toBe('no-webgpu');
  }, 240_000);

  it('server killed: every frame is recomputed locally on WASM, in order, none lost', async () => {
    await triton.stop({ kill: true });
    const outs = await run(['zidane.jpg', 'bus.jpg', 'zidane.jpg']);
    expect(outs).toHaveLength(3);
    outs.forEach((o, i) => {
      expect(o.error, JSON.stringify(o.error)).toBeUndefined();
      expect(o).toMatchObject({ backend: 'wasm', route: { path: 'local', attempts: 2 } });
      const m = matchDetections(o.detections as never, ref().images[i === 1 ? 'bus.jpg' : 'zidane.jpg'].detections, { scoreTol: 0.05 });
      expect(m.misses).toEqual([]);
    });
    const fallbacks = await f.page.evaluate(() => (window as unknown as { routes: any[] }).routes.filter((r) => r.fallback).map((r) => r.fallback));
    expect(fallbacks.at(-1)).toMatchObject({ from: 'remote', to: 'local', items: 3 });
    // The breaker is now open (threshold 1): the next call does not even try the server.
    const next = await run(['bus.jpg']);
    expect(next[0]).toMatchObject({ backend: 'wasm', route: { path: 'local', attempts: 1 } });
    const last = await f.page.evaluate(() => (window as unknown as { routes: any[] }).routes.at(-1).decision.reason);
    expect(last).toBe('remote-unhealthy');
  }, 240_000);
});

// 2,000 frames through a tiny detector on the WASM path: the JS heap (settled GC, precise memory info) does
// not grow beyond GC noise, and dispose() removes the engine from the worker and makes calls fail typed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, setupE2E, type E2EEnv, type OpenedFixture } from './harness/index.js';
import { tinyYoloV8Model } from '../packages/testkit/src/tinyModels.js';

describe('web: memory over 2,000 frames', () => {
  let env: E2EEnv;
  let f: OpenedFixture;
  beforeAll(async () => {
    env = await setupE2E({ browser: { webgpu: false, memory: true } });
    env.server.addFile('/gen/tiny-v8.onnx', tinyYoloV8Model({ imgsz: 64, numClasses: 3 }));
    f = await openFixture(env.browser, env.server);
  });
  afterAll(async () => {
    await f?.close();
    await env?.close();
  });

  it('no JS heap growth, dispose frees the engine', async () => {
    const r = await f.page.evaluate(async () => {
      const det = await window.sightline.createDetector({ model: '/gen/tiny-v8.onnx', backend: 'wasm' });
      const frame = () => new ImageData(new Uint8ClampedArray(96 * 72 * 4).fill(90), 96, 72);
      for (let i = 0; i < 200; i++) await det.detect(frame());
      const before = await window.fixture.settledHeap();
      let dets = 0;
      for (let i = 0; i < 2000; i++) dets += (await det.detect(frame())).detections.length;
      const after = await window.fixture.settledHeap();
      await det.dispose();
      const disposed = await det.detect(frame()).then(() => 'ok', (e: { code?: string }) => e.code);
      return { before, after, dets, disposed };
    });
    expect(Number.isFinite(r.before)).toBe(true);
    // GC noise on a ~10 MB page heap is well under 1 MB; a per-frame leak of even 500 bytes would show 1 MB.
    expect(r.after - r.before).toBeLessThan(1_000_000);
    expect(r.dets).toBeGreaterThanOrEqual(0);
    expect(r.disposed).toBe('E_DISPOSED');
  });
});

// The public detector on WebGPU uses the GPU passes (letterbox from the frame, candidate filter on the GPU
// output): its detections equal the WASM detector's on the same frames (ImageBitmap and raw pixels), for a
// generated tiny YOLOv8 and YOLOv5 model. SwiftShader is slow, so tiny models only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyYoloV5Model, tinyYoloV8Model } from '@sightline/testkit';
import { openFixture, setupE2E, type E2EEnv, type OpenedFixture } from './harness/index.js';

describe('web: WebGPU detector with GPU pre/post-processing', () => {
  let env: E2EEnv;
  let f: OpenedFixture;
  beforeAll(async () => {
    env = await setupE2E({ browser: { webgpu: true } });
    f = await openFixture(env.browser, env.server);
    const planted = [
      { cx: 20, cy: 22, w: 16, h: 12, classId: 1, score: 0.9 },
      { cx: 44, cy: 40, w: 10, h: 20, classId: 0, score: 0.5 },
    ];
    env.server.addFile('/gen/engine_v8.onnx', tinyYoloV8Model({ imgsz: 64, numClasses: 2, planted, scoreFromInput: 1 }));
    env.server.addFile('/gen/engine_v5.onnx', tinyYoloV5Model({ imgsz: 64, numClasses: 2, planted, scoreFromInput: 1 }));
  });
  afterAll(async () => {
    await f?.close();
    await env?.close();
  });

  for (const model of ['/gen/engine_v8.onnx', '/gen/engine_v5.onnx']) {
    it(`${model}: webgpu detections == wasm detections (bitmap and pixels)`, async () => {
      const r = await f.page.evaluate(async (model) => {
        const gpu = await window.sightline.createDetector({ model, backend: 'webgpu', warmup: false });
        const cpu = await window.sightline.createDetector({ model, backend: 'wasm', warmup: false });
        const img = await window.fixture.loadBitmap('/shared/images/zidane.jpg');
        const c = new OffscreenCanvas(img.width, img.height);
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        // Pixels are transferred to the worker: one ImageData per call.
        const pixels = () => ctx.getImageData(0, 0, img.width, img.height);
        const out = {
          backend: gpu.info.backend,
          gpuBitmap: await gpu.detect(await createImageBitmap(img)),
          gpuPixels: await gpu.detect(pixels()),
          cpu: await cpu.detect(pixels()),
        };
        await gpu.dispose();
        await cpu.dispose();
        return out;
      }, model);
      expect(r.backend).toBe('webgpu');
      expect(r.gpuBitmap.backend).toBe('webgpu');
      expect(r.cpu.backend).toBe('wasm');
      expect(r.cpu.detections.length).toBe(2);
      for (const g of [r.gpuBitmap, r.gpuPixels]) {
        expect([g.width, g.height]).toEqual([r.cpu.width, r.cpu.height]);
        expect(g.detections.length).toBe(r.cpu.detections.length);
        g.detections.forEach((d, i) => {
          const c = r.cpu.detections[i];
          expect(d.classId).toBe(c.classId);
          expect(Math.abs(d.score - c.score)).toBeLessThan(1e-5);
          for (let k = 0; k < 4; k++) expect(Math.abs(d.box[k] - c.box[k])).toBeLessThan(1);
        });
      }
    });
  }

  it('recovers from a GPU device loss: new device, new session and GPU passes, same detections', async () => {
    const r = await f.page.evaluate(async () => {
      const det = await window.sightline.createDetector({ model: '/gen/engine_v8.onnx', backend: 'webgpu', warmup: false });
      const frame = () => window.fixture.canvas(80, 60, '#c08040');
      const before = await det.detect(frame());
      const lost = await det.loseDeviceForTesting();
      await new Promise((res) => setTimeout(res, 100)); // device.lost settles asynchronously
      const after = await det.detect(frame());
      await det.dispose();
      return { lost, before: before.detections, after: after.detections, backend: after.backend };
    });
    expect(r.lost).toBe(true);
    expect(r.backend).toBe('webgpu');
    expect(r.before.length).toBe(2);
    expect(r.after).toEqual(r.before);
  });
});

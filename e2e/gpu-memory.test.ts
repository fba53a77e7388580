// Issue 3 item 7 / issue 6 soak on the WebGPU path: a long detect loop through the GPU passes (letterbox,
// ORT on the shared device, candidate compaction) keeps a bounded number of live GPU buffers — counted on the
// shared GPUDevice itself — and dispose() releases the engine. SwiftShader is slow, so a tiny generated model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyYoloV8Model } from '@sightline/testkit';
import { openFixture, setupE2E, type E2EEnv, type OpenedFixture } from './harness/index.js';

const FRAMES = Number(process.env.SIGHTLINE_GPU_SOAK_FRAMES ?? 400);

describe('web: WebGPU loop keeps GPU memory bounded', () => {
  let env: E2EEnv;
  let f: OpenedFixture;
  beforeAll(async () => {
    env = await setupE2E({ browser: { webgpu: true } });
    f = await openFixture(env.browser, env.server);
    env.server.addFile('/gen/soak_v8.onnx', tinyYoloV8Model({ imgsz: 64, numClasses: 2, planted: [{ cx: 20, cy: 22, w: 16, h: 12, classId: 1, score: 0.9 }], scoreFromInput: 0 }));
  });
  afterAll(async () => {
    await f?.close();
    await env?.close();
  });

  it(`${FRAMES} frames: live GPU buffers stop growing after warm-up`, async () => {
    const r = await f.page.evaluate(async (frames) => {
      const det = await window.sightline.createDetector({ model: '/gen/soak_v8.onnx', backend: 'webgpu' });
      const canvas = new OffscreenCanvas(320, 240);
      const ctx = canvas.getContext('2d')!;
      const frame = async (i: number) => {
        // A changing frame each time (like video), sent as a transferred ImageBitmap.
        ctx.fillStyle = `rgb(${i % 255}, ${(i * 7) % 255}, 90)`;
        ctx.fillRect(0, 0, 320, 240);
        return det.detect(await createImageBitmap(canvas));
      };
      const warm = 30;
      for (let i = 0; i < warm; i++) await frame(i);
      const afterWarm = await det.gpuBufferStats();
      let found = 0;
      for (let i = warm; i < frames; i++) found += (await frame(i)).detections.length;
      const afterLoop = await det.gpuBufferStats();
      const backend = det.info.backend;
      await det.dispose();
      return { backend, afterWarm, afterLoop, found };
    }, FRAMES);
    console.log(`WebGPU soak: ${FRAMES} frames, live buffers ${r.afterWarm?.live} → ${r.afterLoop?.live} (${r.afterWarm?.liveBytes} → ${r.afterLoop?.liveBytes} bytes), created ${r.afterWarm?.created} → ${r.afterLoop?.created}`);
    expect(r.backend).toBe('webgpu');
    expect(r.found).toBeGreaterThan(0);
    expect(r.afterWarm).not.toBeNull();
    expect(r.afterWarm!.live).toBeGreaterThan(0);
    // Bounded: nothing accumulates per frame (a per-frame leak would add ≥ FRAMES − 30 buffers).
    expect(r.afterLoop!.live).toBeLessThanOrEqual(r.afterWarm!.live + 4);
    expect(r.afterLoop!.liveBytes).toBeLessThanOrEqual(r.afterWarm!.liveBytes * 1.1 + 1_000_000);
  }, 600_000);
});

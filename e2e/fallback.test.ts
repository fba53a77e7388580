// Backend selection is never silent: with WebGPU unavailable, and with an fp16 model on the SwiftShader
// adapter (no shader-f16), backend 'auto' falls back to WASM and says why, both in info and onFallback.
import { afterAll, describe, expect, it } from 'vitest';
import { openFixture, setupE2E, type E2EEnv } from './harness/index.js';
import { requireShared } from '../packages/testkit/src/shared.js';
import { tinyYoloV8Model } from '../packages/testkit/src/tinyModels.js';

const ok = requireShared(['models', 'yolov8n_fp16.onnx'], ['models', 'yolov8n.onnx']);

async function tryFallback(env: E2EEnv, model: string) {
  const f = await openFixture(env.browser, env.server);
  try {
    return await f.page.evaluate(async (model) => {
      const events: { from: string; to: string; reason: string }[] = [];
      const det = await window.sightline.createDetector({ model, backend: 'auto', onFallback: (e) => events.push(e), warmup: false });
      const r = await det.detect(window.fixture.canvas(64, 48));
      const strict = await window.sightline.createDetector({ model, backend: 'webgpu', warmup: false }).then(
        () => 'created',
        (e: { code?: string; name?: string }) => `${e.name}:${e.code}`,
      );
      // The event proxy is async: give it a tick to land.
      await new Promise((res) => setTimeout(res, 50));
      const out = { backend: det.info.backend, resultBackend: r.backend, fallbacks: det.info.fallbacks, events, strict, size: [r.width, r.height] };
      await det.dispose();
      return out;
    }, model);
  } finally {
    await f.close();
  }
}

describe.skipIf(!ok)('web: reported fallback to WASM', () => {
  const envs: E2EEnv[] = [];
  afterAll(async () => {
    for (const e of envs) await e.close();
  });

  it('WebGPU unavailable (no --enable-unsafe-webgpu): falls back with the reason', async () => {
    const env = await setupE2E({ browser: { webgpu: false } });
    envs.push(env);
    const r = await tryFallback(env, '/shared/models/yolov8n.onnx');
    expect(r.backend).toBe('wasm');
    expect(r.resultBackend).toBe('wasm');
    expect(r.size).toEqual([64, 48]);
    expect(r.fallbacks).toHaveLength(1);
    expect(r.fallbacks[0]).toMatchObject({ from: 'webgpu', to: 'wasm' });
    expect(r.fallbacks[0].reason).toMatch(/adapter|WebGPU/i);
    expect(r.events).toEqual(r.fallbacks);
    expect(r.strict).toBe('EngineError:E_BACKEND_UNAVAILABLE');
  });

  it('fp16 model on an adapter without shader-f16: falls back with the reason', async () => {
    const env = await setupE2E({ browser: { webgpu: true } });
    envs.push(env);
    const r = await tryFallback(env, '/shared/models/yolov8n_fp16.onnx');
    expect(r.backend).toBe('wasm');
    expect(r.fallbacks).toHaveLength(1);
    expect(r.fallbacks[0].reason).toMatch(/shader-f16/);
    expect(r.events).toEqual(r.fallbacks);
    expect(r.strict).toBe('EngineError:E_BACKEND_UNAVAILABLE');
  });
});

describe('web: WASM threads without cross-origin isolation', () => {
  let env: E2EEnv | undefined;
  afterAll(async () => {
    await env?.close();
  });

  // No COOP/COEP → no SharedArrayBuffer → ORT runs one thread whatever was asked: info must say so.
  it('info.numThreads reports the 1 thread ORT really runs, and detection works', async () => {
    env = await setupE2E({ browser: { webgpu: false }, server: { isolated: false } });
    env.server.addFile('/gen/tiny-threads.onnx', tinyYoloV8Model({ imgsz: 64, numClasses: 2, planted: [{ cx: 30, cy: 30, w: 20, h: 20, classId: 1, score: 0.9 }] }));
    const f = await openFixture(env.browser, env.server);
    try {
      const r = await f.page.evaluate(async () => {
        const det = await window.sightline.createDetector({ model: '/gen/tiny-threads.onnx', backend: 'wasm', numThreads: 4, warmup: false });
        const out = await det.detect(window.fixture.canvas(64, 64));
        const res = { isolated: crossOriginIsolated, threads: det.info.numThreads, classes: out.detections.map((d) => d.classId) };
        await det.dispose();
        return res;
      });
      expect(r).toEqual({ isolated: false, threads: 1, classes: [1] });
    } finally {
      await f.close();
    }
  });
});

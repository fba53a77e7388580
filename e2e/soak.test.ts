// 2,000 frames of detector.watch() on the WASM path (tiny generated model with two planted boxes, tracking
// on) fed by a canvas MediaStream: the JS heap after the run equals the heap after warm-up within GC noise,
// frames are never queued, track ids stay stable, a hidden page pauses the loop and AbortSignal stops it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, setupE2E, type E2EEnv, type OpenedFixture } from './harness/index.js';
import { tinyYoloV8Model } from '../packages/testkit/src/tinyModels.js';

describe('web: watch() soak, 2,000 frames', () => {
  let env: E2EEnv;
  let f: OpenedFixture;
  beforeAll(async () => {
    env = await setupE2E({ browser: { webgpu: false, memory: true } });
    env.server.addFile(
      '/gen/tiny-watch.onnx',
      tinyYoloV8Model({
        imgsz: 64,
        numClasses: 3,
        planted: [
          { cx: 16, cy: 20, w: 12, h: 16, classId: 0, score: 0.9 },
          { cx: 44, cy: 40, w: 14, h: 10, classId: 2, score: 0.8 },
        ],
      }),
    );
    f = await openFixture(env.browser, env.server);
  });
  afterAll(async () => {
    await f?.close();
    await env?.close();
  });

  it('heap flat, one frame in flight, stable ids, pause on hidden, stop on abort', async () => {
    const r = await f.page.evaluate(async () => {
      const det = await window.sightline.createDetector({ model: '/gen/tiny-watch.onnx', backend: 'wasm', numThreads: 1 });
      // A live source: a canvas repainted every animation frame, captured as a MediaStream.
      const canvas = document.createElement('canvas');
      canvas.width = 160;
      canvas.height = 120;
      document.body.append(canvas);
      const ctx = canvas.getContext('2d')!;
      let painting = true;
      let tick = 0;
      const paint = () => {
        if (!painting) return;
        ctx.fillStyle = `rgb(${tick++ % 255}, 90, 90)`;
        ctx.fillRect(0, 0, 160, 120);
        requestAnimationFrame(paint);
      };
      paint();
      const stream = canvas.captureStream(60);

      const run = (frames: number, extra: { signal?: AbortSignal; onCount?: (n: number) => void } = {}) =>
        new Promise<{ results: number; stats: unknown; ids: Set<number>; video: HTMLVideoElement }>((resolve, reject) => {
          let results = 0;
          const ids = new Set<number>();
          const h = det.watch(stream, {
            track: true,
            signal: extra.signal,
            onError: reject,
            onResult: (res) => {
              results++;
              for (const d of res.detections) if (d.trackId !== undefined) ids.add(d.trackId);
              extra.onCount?.(results);
              if (results === frames) h.stop();
            },
          });
          void h.done.then(() => resolve({ results, stats: h.stats, ids, video: h.video }));
        });

      const warm = await run(200);
      const before = await window.fixture.settledHeap();
      const main = await run(2000);
      const after = await window.fixture.settledHeap();

      // Visibility: a hidden page sends no frames; visible again resumes.
      const setVisibility = (v: 'hidden' | 'visible') => {
        Object.defineProperty(document, 'visibilityState', { value: v, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      };
      const ac = new AbortController();
      let count = 0;
      const pausedRun = run(1e9, { signal: ac.signal, onCount: (n) => (count = n) });
      const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
      while (count < 10) await sleep(20);
      setVisibility('hidden');
      await sleep(200);
      const atHide = count;
      await sleep(800);
      const whileHidden = count - atHide;
      setVisibility('visible');
      const atShow = count;
      while (count < atShow + 10) await sleep(20);
      ac.abort();
      const aborted = await pausedRun;
      const afterAbort = count;
      await sleep(300);

      painting = false;
      stream.getTracks().forEach((t) => t.stop());
      await det.dispose();
      return {
        before,
        after,
        warmResults: warm.results,
        results: main.results,
        stats: main.stats as unknown as { frames: number; dropped: number; maxInFlight: number; inFlight: number; errors: number; backend: string },
        ids: [...main.ids],
        videoRemoved: !main.video.isConnected,
        whileHidden,
        resumed: count - atShow,
        stoppedByAbort: count === afterAbort && aborted.results === afterAbort,
        hiddenVideos: document.querySelectorAll('video').length,
      };
    });
    expect(r.warmResults).toBe(200);
    expect(r.results).toBe(2000);
    expect(r.stats.frames).toBe(2000);
    expect(r.stats.errors).toBe(0);
    expect(r.stats.maxInFlight).toBe(1);
    expect(r.stats.inFlight).toBe(0);
    expect(r.stats.backend).toBe('wasm');
    // Two planted objects, tracked: exactly two ids over 2,000 frames (no flicker, no re-spawned tracks).
    expect(r.ids).toHaveLength(2);
    // Same bound as the detect() memory test: a 500-byte-per-frame leak would show as 1 MB.
    expect(Number.isFinite(r.before)).toBe(true);
    expect(r.after - r.before).toBeLessThan(1_000_000);
    expect(r.videoRemoved).toBe(true);
    expect(r.hiddenVideos).toBe(0);
    expect(r.whileHidden).toBe(0);
    expect(r.resumed).toBeGreaterThanOrEqual(10);
    expect(r.stoppedByAbort).toBe(true);
    console.log(`[soak] heap ${(r.before / 1e6).toFixed(2)} → ${(r.after / 1e6).toFixed(2)} MB, dropped ${r.stats.dropped}`);
  });
});

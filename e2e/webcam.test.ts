// The demo's live camera path in real Chromium with a fake camera fed from a real clip (bus.jpg for 2 s,
// then zidane.jpg for 2 s, looping, 10 fps): the overlay shows the reference classes for the frames that
// contain them, slow WASM inference drops frames instead of queueing them (never more than one in flight),
// and stopping releases the camera.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type LaunchedBrowser } from './harness/index.js';
import { openDemo, saveScreenshot, startDemo, waitModel, type DemoServer } from './demoHarness.js';
import { writeY4m, type Placement } from './y4m.js';
import { fitRect, mapBox } from '../packages/web/src/overlay/fitRect.js';
import { classColor } from '../packages/web/src/overlay/palette.js';
import { requireShared, sharedPath } from '../packages/testkit/src/shared.js';
import type { DetectReference } from '../packages/testkit/src/referenceMatch.js';

const ok = requireShared(['models', 'yolov8n.onnx'], ['images', 'bus.jpg'], ['images', 'zidane.jpg'], ['reference', 'detect_yolov8n.json']);
const IMAGES = ['bus.jpg', 'zidane.jpg'] as const;
const W = 640;
const H = 480;

type Box = [number, number, number, number];
const iou = (a: Box, b: Box) => {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
};

describe.skipIf(!ok)('demo: live camera (fake device from a real clip)', () => {
  let server: DemoServer;
  let b: LaunchedBrowser;
  let dir: string;
  let placements: Placement[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sightline-cam-'));
    const clip = join(dir, 'clip.y4m');
    placements = await writeY4m(clip, IMAGES.map((n) => ({ file: sharedPath('images', n), frames: 20 })), { width: W, height: H, fps: 10 });
    server = await startDemo();
    b = await launchBrowser({
      webgpu: false,
      args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${clip}`],
    });
  });
  afterAll(async () => {
    await b?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('boxes follow the clip, frames are dropped not queued, stop releases the camera', async () => {
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;
    // Reference detections ≥ 0.5 mapped into the 640×480 camera frame.
    const expected = IMAGES.map((name, i) => {
      const p = placements[i];
      return ref.images[name].detections
        .filter((d) => d.score >= 0.5)
        .map((d) => ({ label: d.label, box: d.box.map((v, k) => v * p.scale + (k % 2 === 0 ? p.x : p.y)) as Box }));
    });
    const p = await openDemo(b.browser, server);
    try {
      await waitModel(p);
      // Raw per-frame detections (tracking would hold back new objects for a frame at each cut).
      await p.page.uncheck('#track');
      await p.page.click('#cam-start');
      await p.page.waitForFunction(() => window.sightlineDemo.stream !== null, undefined, { timeout: 30_000 });
      // The boxes lag the live video by one inference: screenshot only while the video still shows bus.jpg
      // (portrait: grey letterbox bars at the left edge) before and after the capture.
      const videoShowsBus = () =>
        p.page.evaluate(() => {
          const v = document.getElementById('video') as HTMLVideoElement;
          const c = new OffscreenCanvas(v.videoWidth, v.videoHeight);
          const ctx = c.getContext('2d')!;
          ctx.drawImage(v, 0, 0);
          const px = ctx.getImageData(4, v.videoHeight / 2, 1, 1).data;
          return Math.abs(px[0] - 114) < 12 && Math.abs(px[1] - 114) < 12 && Math.abs(px[2] - 114) < 12;
        });
      const screenshotOnBus = async (): Promise<boolean> => {
        if (!(await videoShowsBus())) return false;
        await saveScreenshot(p.page, 'demo-webcam');
        return videoShowsBus();
      };
      const seen = new Set<number>();
      const classify = (dets: { label: string; score: number; box: number[] }[]) =>
        expected.findIndex((exp) => exp.every((e) => dets.some((d) => d.label === e.label && iou(d.box as Box, e.box) >= 0.5)));
      const deadline = Date.now() + 150_000;
      let frames: { frameIndex: number; width: number; height: number; detections: { label: string; score: number; box: number[] }[] }[] = [];
      let shot = false;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        frames = await p.page.evaluate(() => window.sightlineDemo.frames);
        for (const f of frames) {
          const k = classify(f.detections);
          if (k >= 0) seen.add(k);
        }
        if (!shot && frames.length > 0 && classify(frames[frames.length - 1].detections) === 0) shot = await screenshotOnBus();
        if (seen.size === 2 && frames.length >= 8 && shot) break;
      }
      expect(frames.length).toBeGreaterThanOrEqual(4);
      for (const f of frames) expect([f.width, f.height]).toEqual([W, H]);
      expect([...seen].sort()).toEqual([0, 1]);
      // Every frame is one of the two stills: most results must show exactly the expected objects.
      const matched = frames.filter((f) => classify(f.detections) >= 0).length;
      expect(matched / frames.length).toBeGreaterThanOrEqual(0.75);
      // Classes on the overlay for bus frames ⊇ {person, bus}; zidane frames ⊇ {person}.
      for (const f of frames) {
        const k = classify(f.detections);
        if (k < 0) continue;
        const labels = new Set(f.detections.filter((d) => d.score >= 0.5).map((d) => d.label));
        for (const e of expected[k]) expect(labels.has(e.label)).toBe(true);
      }
      // The overlay drew the last result where the video is painted (object-fit: contain inside the stage):
      // the left edge of each box, mapped with fitRect, carries its class colour.
      const o = await p.page.evaluate(() => {
        const c = document.querySelector('canvas.overlay') as HTMLCanvasElement;
        const v = document.getElementById('video') as HTMLVideoElement;
        return { cw: c.width, ch: c.height, vw: v.clientWidth, vh: v.clientHeight, dpr: devicePixelRatio, last: window.sightlineDemo.last! };
      });
      expect(o.last.detections.length).toBeGreaterThan(0);
      expect([o.cw, o.ch]).toEqual([Math.round(o.vw * o.dpr), Math.round(o.vh * o.dpr)]);
      const r = fitRect('contain', o.last.width, o.last.height, o.cw, o.ch);
      const strongest = [...o.last.detections].sort((a, b) => b.score - a.score)[0];
      const box = mapBox(strongest.box, r, o.cw, o.ch)!;
      const edge = await p.page.evaluate(
        ({ x, y }) => Array.from((document.querySelector('canvas.overlay') as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data),
        { x: Math.round(box[0] + 1), y: Math.round((box[1] + box[3]) / 2) },
      );
      const hex = classColor(strongest.classId);
      // Colour exact; alpha partial where the 2 px stroke straddles a fractional pixel edge.
      expect(edge.slice(0, 3)).toEqual([parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)]);
      expect(edge[3]).toBeGreaterThanOrEqual(128);
      // Outside the painted video (the letterbox bar at the far left) nothing is drawn.
      const bar = await p.page.evaluate(() => Array.from((document.querySelector('canvas.overlay') as HTMLCanvasElement).getContext('2d')!.getImageData(2, 2, 1, 1).data));
      expect(bar[3]).toBe(0);

      // Read together: the loop is still running, so both must come from the same instant.
      const { stats, delivered } = await p.page.evaluate(() => ({ stats: window.sightlineDemo.stats!, delivered: window.sightlineDemo.frames.length }));
      expect(stats.backend).toBe('wasm');
      // 10 fps camera vs ≥ 150 ms inference: frames are skipped, and never more than one is in flight.
      expect(stats.dropped).toBeGreaterThan(0);
      expect(stats.maxInFlight).toBe(1);
      // stats are those of the latest result: every frame sent before it has been delivered.
      expect(stats.frames).toBe(delivered);
      const hud = await p.page.evaluate(() => Number(document.getElementById('hud-dropped')?.textContent));
      expect(hud).toBeGreaterThan(0);

      await p.page.click('#cam-stop');
      const released = await p.page.evaluate(() => ({
        states: window.sightlineDemo.stream?.getTracks().map((t) => t.readyState),
        src: (document.getElementById('video') as HTMLVideoElement).srcObject,
      }));
      expect(released.states).toEqual(['ended']);
      expect(released.src).toBeNull();
      // No results after stop.
      const n = await p.page.evaluate(() => window.sightlineDemo.frames.length);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await p.page.evaluate(() => window.sightlineDemo.frames.length)).toBe(n);
      expect(await p.violations()).toEqual([]);
    } finally {
      await p.close();
    }
  });
});

// WGSL letterbox and candidate passes in real Chromium WebGPU (SwiftShader here) against the core CPU path
// and the shared reference outputs. Tensors are read back in the test page only, to compare.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { requireShared, sharedPath, type DetectReference } from '@sightline/testkit';
import { setupGpuE2E, type GpuE2E } from './gpu-harness.js';
import type { OpenedFixture } from './harness/index.js';

const haveShared = requireShared(['images', 'bus.jpg'], ['reference', 'bus_yolov8n_output0_f32.bin'], ['reference', 'detect_yolov8n.json']);

interface Diff {
  n: number;
  maxDiff: number;
  meanAbs: number;
  mismatches: number;
}

describe.skipIf(!haveShared)('GPU passes (WebGPU in Chromium)', () => {
  let env: GpuE2E;
  let f: OpenedFixture;
  beforeAll(async () => {
    env = await setupGpuE2E();
    f = await env.open();
  });
  afterAll(async () => {
    await f?.close();
    await env?.close();
  });

  it('has a WebGPU adapter', async () => {
    const a = await f.page.evaluate(() => window.gpuFixture.adapter());
    expect(a).not.toBeNull();
  });

  it('letterbox of real images equals the core CPU letterbox bit for bit (ImageData and ImageBitmap sources)', async () => {
    const urls = ['/shared/images/bus.jpg', '/shared/images/zidane.jpg', '/shared/images/astronaut.png'];
    const r = (await f.page.evaluate((u) => window.gpuFixture.letterboxImages(u), urls)) as Record<string, { viaImageData: Diff; viaBitmap: Diff }>;
    for (const url of urls) {
      expect(r[url].viaImageData.n).toBe(3 * 640 * 640);
      expect(r[url].viaImageData, url).toMatchObject({ maxDiff: 0, mismatches: 0 });
      expect(r[url].viaBitmap, url).toMatchObject({ maxDiff: 0, mismatches: 0 });
    }
  });

  it('letterbox of a VideoFrame (importExternalTexture, or a staged copy where the adapter cannot import it) equals the CPU letterbox', async () => {
    const d = (await f.page.evaluate((u) => window.gpuFixture.letterboxVideoFrame(u), '/shared/images/bus.jpg')) as Diff & { format: string };
    console.log('[gpu] VideoFrame letterbox vs CPU:', d);
    expect(d.n).toBe(3 * 640 * 640);
    expect(d).toMatchObject({ maxDiff: 0, mismatches: 0 });
  });

  it('letterbox of bus.jpg is close to the OpenCV reference tensor (JPEG decoders differ slightly)', async () => {
    const d = (await f.page.evaluate(
      ([i, r]) => window.gpuFixture.letterboxVsReference(i, r),
      ['/shared/images/bus.jpg', '/shared/reference/bus_letterbox_input_f32.bin'],
    )) as Diff;
    console.log('[gpu] bus.jpg GPU letterbox vs OpenCV reference:', d);
    expect(d.n).toBe(3 * 640 * 640);
    expect(d.meanAbs).toBeLessThan(0.01);
  });

  it('letterbox matches the CPU path on synthetic sizes, RGB buffers and a batch of two', async () => {
    const r = (await f.page.evaluate(() => window.gpuFixture.letterboxSynthetic())) as Record<string, Diff>;
    expect(Object.keys(r).length).toBe(8);
    for (const [name, d] of Object.entries(r)) expect(d, name).toMatchObject({ maxDiff: 0, mismatches: 0 });
  });

  it('classifier crop pass equals the core ClassifyPreprocessor (Pillow antialiased bilinear) bit for bit', async () => {
    const urls = ['/shared/images/bus.jpg', '/shared/images/goldfish.jpg'];
    const r = (await f.page.evaluate((u) => window.gpuFixture.classifyCrop(u), urls)) as Record<string, Diff>;
    expect(Object.keys(r).length).toBe(3);
    for (const [name, d] of Object.entries(r)) {
      expect(d.n, name).toBe(3 * 224 * 224);
      expect(d, name).toMatchObject({ maxDiff: 0, mismatches: 0 });
    }
  });

  it('rejects bad sources with typed errors', async () => {
    const r = await f.page.evaluate(() => window.gpuFixture.letterboxErrors());
    expect(r).toEqual({ zeroSize: 'E_IMAGE_EMPTY', shortBuffer: 'E_IMAGE_BUFFER', tooLarge: 'E_IMAGE_TOO_LARGE', unsupported: 'E_UNSUPPORTED_SOURCE', badIndex: 'E_INVALID_OPTION' });
  });

  it('candidate pass on the reference YOLOv8n output equals the CPU decode and the reference detections', async () => {
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;
    const bus = ref.images['bus.jpg'];
    const r = await f.page.evaluate(
      ([conf, w, h]) => window.gpuFixture.candidatesReference('/shared/reference/bus_yolov8n_output0_f32.bin', conf, { srcW: w, srcH: h }),
      [ref.conf, bus.width, bus.height] as const,
    );
    console.log('[gpu] candidate read-back per run:', r.runs, 'raw output bytes:', r.rawBytes);
    expect(r.same.identical).toBe(true);
    expect(r.same.gpu).toBeGreaterThan(0);
    expect(r.filtered.identical).toBe(true);
    expect(r.filtered.gpu).toBeLessThan(r.same.gpu);
    expect(r.filtered.gpu).toBeGreaterThan(0);
    // Read-back stays far below the raw 2.8 MB output, and under the 64 KB target.
    for (const run of r.runs) expect(run.bytesReadBack).toBeLessThanOrEqual(64 * 1024);
    expect(r.gpuDet).toEqual(r.cpuDet);
    expect(r.gpuDet.length).toBe(bus.detections.length);
    bus.detections.forEach((d, i) => {
      expect(r.gpuDet[i].classId).toBe(d.classId);
      expect(Math.abs(r.gpuDet[i].score - d.score)).toBeLessThan(1e-4);
      for (let k = 0; k < 4; k++) expect(Math.abs(r.gpuDet[i].box[k] - d.box[k])).toBeLessThan(0.05);
    });
  });

  it('candidate pass equals the CPU decoders on every layout (ties, NaN/Inf, classes, batch) and reports truncation', async () => {
    const r = (await f.page.evaluate(() => window.gpuFixture.candidatesSynthetic())) as Record<string, unknown>;
    for (const [name, v] of Object.entries(r)) {
      if (name === 'cap') continue;
      for (const per of v as { identical: boolean; gpu: number }[]) {
        expect(per, name).toMatchObject({ identical: true });
        expect(per.gpu, name).toBeGreaterThan(0);
      }
    }
    expect(r.cap).toEqual({ count: 50, truncated: true, found: 500 });
  });
});

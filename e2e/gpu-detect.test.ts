// Whole WebGPU detect path in Chromium (SwiftShader): GPU letterbox → ORT native WebGPU EP on the shared
// device (IO on the GPU) → GPU candidate pass → core NMS, against the CPU path (core letterbox → ORT wasm →
// core decode) on a generated tiny model, and one real YOLOv8n parity run on bus.jpg (~20 s on SwiftShader).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { matchDetections, requireShared, sharedPath, tinyYoloV8Model, type DetectReference } from '@sightline/testkit';
import type { Detection } from '@sightline/core';
import { setupGpuE2E, type GpuE2E } from './gpu-harness.js';
import type { OpenedFixture } from './harness/index.js';

const haveShared = requireShared(['images', 'bus.jpg'], ['models', 'yolov8n.onnx'], ['reference', 'detect_yolov8n.json']);

type Plain = Pick<Detection, 'classId' | 'score' | 'box'>;

function expectSameDetections(gpu: Plain[], cpu: Plain[]): void {
  expect(gpu.length).toBe(cpu.length);
  gpu.forEach((d, i) => {
    expect(d.classId).toBe(cpu[i].classId);
    expect(Math.abs(d.score - cpu[i].score)).toBeLessThan(1e-4);
    for (let k = 0; k < 4; k++) expect(Math.abs(d.box[k] - cpu[i].box[k])).toBeLessThan(1);
  });
}

describe.skipIf(!haveShared)('WebGPU detect path with GPU pre/post-processing', () => {
  let env: GpuE2E;
  let f: OpenedFixture;
  beforeAll(async () => {
    env = await setupGpuE2E();
    f = await env.open();
    env.server.addFile(
      '/gen/tiny_v8.onnx',
      tinyYoloV8Model({
        imgsz: 64,
        numClasses: 2,
        planted: [
          { cx: 20, cy: 22, w: 16, h: 12, classId: 1, score: 0.9 },
          { cx: 44, cy: 40, w: 10, h: 20, classId: 0, score: 0.5 },
        ],
        scoreFromInput: 1,
      }),
    );
  });
  afterAll(async () => {
    await f?.close();
    await env?.close();
  });

  it('tiny generated YOLOv8 model: GPU path equals the CPU path; input pixels reach the model', async () => {
    const r = await f.page.evaluate(() =>
      window.gpuFixture.detectBoth('/gen/tiny_v8.onnx', '/shared/images/bus.jpg', { kind: 'yolov8', numClasses: 2, numAnchors: 84, transposed: false }, 64, 0.25),
    );
    expect(r.errors).toEqual([]);
    expect(r.location).toBe('gpu-buffer');
    expect(r.gpuDet.length).toBe(2);
    expectSameDetections(r.gpuDet, r.cpuDet);
    // The probe box scores the mean of letterboxed channel 0: not a constant, so pixels made it through.
    const probe = r.gpuDet.find((d) => d.classId === 0)!;
    expect(probe.score).toBeGreaterThan(0.25);
    expect(probe.score).not.toBeCloseTo(0.5, 3);
    expect(r.bytesReadBack).toBeLessThan(r.rawOutputBytes + 1024);
  });

  it('real yolov8n.onnx on bus.jpg: GPU path equals the CPU path and the reference', async () => {
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;
    const r = await f.page.evaluate(
      (conf) => window.gpuFixture.detectBoth('/shared/models/yolov8n.onnx', '/shared/images/bus.jpg', { kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false }, 640, conf),
      ref.conf,
    );
    console.log(`[gpu-detect] yolov8n WebGPU (SwiftShader): session ${r.createMs.toFixed(0)} ms, detect ${r.runMs.toFixed(0)} ms, read back ${r.bytesReadBack} B of ${r.rawOutputBytes} B raw output`);
    expect(r.errors).toEqual([]);
    expectSameDetections(r.gpuDet, r.cpuDet);
    expect(r.bytesReadBack).toBeLessThanOrEqual(64 * 1024);
    const m = matchDetections(
      r.gpuDet.map((d) => ({ ...d, label: '' })),
      ref.images['bus.jpg'].detections,
    );
    expect(m.misses).toEqual([]);
    expect(m.matched).toBeGreaterThan(3);
  });

  it('tfjs classifier (layers model) runs on the shared WebGPU device with exact expected scores; disposed engine throws', async () => {
    const r = await f.page.evaluate(() => window.gpuFixture.tfjsClassify());
    expect(r.info.backend).toBe('webgpu');
    expect(r.info.tfBackend).toBe('webgpu');
    expect(r.info.sameDevice).toBe(true);
    expect(r.info.format).toBe('layers');
    expect(r.info.layout.kind).toBe('classification');
    const order = [0, 1, 2].sort((a, b) => r.expected[b] - r.expected[a]);
    expect(r.top.map((t) => t.classId)).toEqual(order);
    r.top.forEach((t) => expect(Math.abs(t.score - r.expected[t.classId])).toBeLessThan(1e-5));
    expect(r.top[0].label).toBe(['a', 'b', 'c'][order[0]]);
    expect(r.disposedCode).toBe('E_DISPOSED');
  });

  it('tfjs model with a yolov8-layout output feeds the core decoder (letterbox geometry mapped back)', async () => {
    const r = await f.page.evaluate(() => window.gpuFixture.tfjsDetect());
    expect(r.info.layout).toEqual({ kind: 'yolov8', numClasses: 2, numAnchors: 16, transposed: false });
    expect(r.info.channelsLast).toBe(true);
    // 64×48 → 32×32: gain 0.5, 32×24 resized, 4 px pad top. Box 11..21 (model px) → x 22..42, y 14..34.
    expect(r.dets.length).toBe(1);
    expect(r.dets[0].classId).toBe(0);
    expect(r.dets[0].label).toBe('zero');
    expect(r.dets[0].score).toBeCloseTo(0.9, 5);
    expect(r.dets[0].box.map((v) => Math.round(v * 100) / 100)).toEqual([22, 14, 42, 34]);
  });

  it('tfjs, ORT and the GPU passes share one GPUDevice: tfjs tensor → ORT (zero copy) → candidate pass', async () => {
    const r = await f.page.evaluate(() => window.gpuFixture.tfjsOrtShare('/gen/tiny_v8.onnx'));
    expect(r.validationError).toBeNull();
    expect(r.sameDevice).toBe(true);
    const byClass = Object.fromEntries(r.cands.map((c) => [c.classId, c]));
    expect(byClass[1].score).toBeCloseTo(0.9, 5);
    expect(byClass[0].score).toBeCloseTo(0.6, 5); // mean of channel 0 of the tfjs tensor
    expect(byClass[0].box).toEqual([39, 30, 49, 50]);
  });
});

// The oracle test: the reference pipeline's raw yolov8n output for bus.jpg, decoded + NMS'd by us, must give
// the reference detections (../shared/reference/README.md) in the same order, nearly bit for bit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchDetections, requireShared, sharedPath, type DetectReference } from '@sightline/testkit';
import { DetectionDecoder } from '../src/decode/detectionDecoder.js';
import { computeLetterbox } from '../src/geometry/letterbox.js';
import { float32ToHalfBits } from '../src/float16.js';
import type { OutputLayout } from '../src/decode/outputLayout.js';

const ok = requireShared(['reference', 'bus_yolov8n_output0_f32.bin'], ['reference', 'detect_yolov8n.json'], ['models', 'coco80.txt']);

describe.skipIf(!ok)('yolov8n bus.jpg raw output → reference detections', () => {
  const layout: OutputLayout = { kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false };
  const load = () => {
    const buf = readFileSync(sharedPath('reference', 'bus_yolov8n_output0_f32.bin'));
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;
    const labels = readFileSync(sharedPath('models', 'coco80.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    return { data, ref, labels };
  };

  it('matches count, order, classes, boxes (≤ 0.05 px) and scores (≤ 1e-4)', () => {
    const { data, ref, labels } = load();
    expect(data.length).toBe(84 * 8400);
    const bus = ref.images['bus.jpg'];
    const geometry = computeLetterbox(bus.width, bus.height, 640, 640);
    const decoder = new DetectionDecoder({ labels });
    const dets = decoder.decode({ data, dims: [1, 84, 8400] }, layout, geometry, {
      conf: ref.conf,
      iou: ref.iou,
      maxDet: ref.maxDet,
    });
    expect(dets.length).toBe(bus.detections.length);
    for (let i = 0; i < dets.length; i++) {
      const d = dets[i];
      const r = bus.detections[i];
      expect(d.classId).toBe(r.classId);
      expect(d.label).toBe(r.label);
      expect(Math.abs(d.score - r.score)).toBeLessThanOrEqual(1e-4);
      for (let k = 0; k < 4; k++) expect(Math.abs(d.box[k] - r.box[k])).toBeLessThanOrEqual(0.05);
    }
    // A second call on the same decoder (buffers reused) gives the identical result.
    expect(decoder.decode({ data, dims: [1, 84, 8400] }, layout, geometry, { conf: ref.conf, iou: ref.iou, maxDet: ref.maxDet })).toEqual(dets);
  });

  it('the same tensor as fp16 bits and transposed gives the same detections (boxes within fp16 precision)', () => {
    const { data, ref, labels } = load();
    const bus = ref.images['bus.jpg'];
    const geometry = computeLetterbox(bus.width, bus.height, 640, 640);
    const decoder = new DetectionDecoder({ labels });
    const f32 = decoder.decode({ data, dims: [1, 84, 8400] }, layout, geometry);
    const half = decoder.decode({ data: float32ToHalfBits(data), dims: [1, 84, 8400] }, layout, geometry);
    expect(half.map((d) => d.classId)).toEqual(f32.map((d) => d.classId));
    for (let i = 0; i < half.length; i++) {
      expect(Math.abs(half[i].score - f32[i].score)).toBeLessThan(1e-3);
      for (let k = 0; k < 4; k++) expect(Math.abs(half[i].box[k] - f32[i].box[k])).toBeLessThan(0.5);
    }
    const t = new Float32Array(8400 * 84);
    for (let r = 0; r < 84; r++) for (let a = 0; a < 8400; a++) t[a * 84 + r] = data[r * 8400 + a];
    const tr = decoder.decode({ data: t, dims: [1, 8400, 84] }, { ...layout, transposed: true }, geometry);
    expect(tr).toEqual(f32);
  });
});

// The same reference letterbox input run through real models (onnxruntime-node, CPU) exercises the yolov5
// decoder and the fp16 path against the reference pipeline's JSON.
const okModels = requireShared(
  ['reference', 'bus_letterbox_input_f32.bin'],
  ['reference', 'detect_yolov5n.json'],
  ['models', 'yolov5n.onnx'],
  ['models', 'yolov8n_fp16.onnx'],
);

describe.skipIf(!okModels)('real model outputs on the reference input → reference detections', () => {
  const input = () => {
    const buf = readFileSync(sharedPath('reference', 'bus_letterbox_input_f32.bin'));
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  };
  const run = async (model: string, tensor: Float32Array | Uint16Array, type: 'float32' | 'float16') => {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(sharedPath('models', model), { intraOpNumThreads: 1 });
    try {
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor(type, tensor, [1, 3, 640, 640]) });
      const t = out[session.outputNames[0]];
      return { data: t.data as Float32Array | Uint16Array, dims: t.dims };
    } finally {
      await session.release();
    }
  };

  it('yolov5n [1,25200,85]: same detections in the same order as detect_yolov5n.json', async () => {
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov5n.json'), 'utf8')) as DetectReference;
    const bus = ref.images['bus.jpg'];
    const output = await run('yolov5n.onnx', input(), 'float32');
    expect(output.dims).toEqual([1, 25200, 85]);
    const dets = new DetectionDecoder().decode(output, { kind: 'yolov5', numClasses: 80, numAnchors: 25200 }, computeLetterbox(bus.width, bus.height, 640, 640), {
      conf: ref.conf,
      iou: ref.iou,
      maxDet: ref.maxDet,
    });
    expect(dets.map((d) => d.classId)).toEqual(bus.detections.map((r) => r.classId));
    dets.forEach((d, i) => {
      expect(Math.abs(d.score - bus.detections[i].score)).toBeLessThanOrEqual(1e-4);
      for (let k = 0; k < 4; k++) expect(Math.abs(d.box[k] - bus.detections[i].box[k])).toBeLessThanOrEqual(0.05);
    });
  });

  it('yolov8n_fp16: fp16 output bits decoded directly match detect_yolov8n.json within fp16 precision', async () => {
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;
    const bus = ref.images['bus.jpg'];
    const output = await run('yolov8n_fp16.onnx', float32ToHalfBits(input()), 'float16');
    expect(output.data).toBeInstanceOf(Uint16Array);
    const dets = new DetectionDecoder().decode(
      output,
      { kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false },
      computeLetterbox(bus.width, bus.height, 640, 640),
    );
    // A different (fp16) model: compare one-to-one by class and IoU, as the reference README prescribes.
    const m = matchDetections(dets, bus.detections, { minScore: 0.3, minIou: 0.9, scoreTol: 0.03 });
    expect(m.misses).toEqual([]);
    expect(m.matched).toBe(bus.detections.filter((r) => r.score >= 0.3).length);
  });
});

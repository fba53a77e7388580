// The oracle test: the reference pipeline's raw yolov8n output for bus.jpg, decoded + NMS'd by us, must give
// the reference detections (../shared/reference/README.md) in the same order, nearly bit for bit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireShared, sharedPath, type DetectReference } from '@sightline/testkit';
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

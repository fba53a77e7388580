import { describe, expect, it } from 'vitest';
import { CandidateBuffer } from '../src/decode/candidateBuffer.js';
import { DetectionDecoder, decodeDetections, resolveDetectOptions } from '../src/decode/detectionDecoder.js';
import { computeLetterbox } from '../src/geometry/letterbox.js';
import { LayoutError, OptionError } from '../src/errors.js';
import type { OutputLayout } from '../src/decode/outputLayout.js';

/** [1, 4+nc, n] yolov8 tensor from (cx, cy, w, h, class, score) rows. */
function v8(rows: [number, number, number, number, number, number][], nc: number, n = rows.length) {
  const t = new Float32Array((4 + nc) * n);
  rows.forEach(([cx, cy, w, h, c, s], a) => {
    t[a] = cx;
    t[n + a] = cy;
    t[2 * n + a] = w;
    t[3 * n + a] = h;
    t[(4 + c) * n + a] = s;
  });
  const layout: OutputLayout = { kind: 'yolov8', numClasses: nc, numAnchors: n, transposed: false };
  return { output: { data: t, dims: [1, 4 + nc, n] }, layout };
}

describe('DetectionDecoder', () => {
  const { output, layout } = v8(
    [
      [100, 100, 40, 40, 0, 0.9],
      [104, 100, 40, 40, 0, 0.8], // overlaps the first (IoU ≈ 0.82) → suppressed
      [104, 100, 40, 40, 1, 0.7], // same place, other class → kept unless agnostic
      [400, 400, 20, 20, 1, 0.3],
    ],
    2,
    10,
  );

  it('decodes, suppresses, labels, highest score first, in model pixels without geometry', () => {
    const dec = new DetectionDecoder({ labels: ['cat'] });
    const dets = dec.decode(output, layout, null);
    expect(dets).toEqual([
      { classId: 0, label: 'cat', score: Math.fround(0.9), box: [80, 80, 120, 120] },
      { classId: 1, label: 'class_1', score: Math.fround(0.7), box: [84, 80, 124, 120] },
      { classId: 1, label: 'class_1', score: Math.fround(0.3), box: [390, 390, 410, 410] },
    ]);
    expect(dec.decode(output, layout, null, { agnostic: true }).map((d) => d.score)).toEqual([0.9, 0.3].map(Math.fround));
    expect(dec.decode(output, layout, null, { iou: 0.9 }).length).toBe(4);
    expect(dec.decode(output, layout, null, { maxDet: 2 }).length).toBe(2);
    expect(dec.decode(output, layout, null, { conf: 0.5 }).length).toBe(2);
    expect(dec.decode(output, layout, null, { classes: [1] }).map((d) => d.classId)).toEqual([1, 1]);
  });

  it('maps boxes back through the letterbox and clips to the image', () => {
    const g = computeLetterbox(1280, 640, 640, 640); // gain 0.5, 160 px bars top and bottom
    const { output: o2, layout: l2 } = v8([[320, 320, 100, 100, 0, 0.9], [5, 170, 20, 20, 0, 0.8]], 1);
    const dets = decodeDetections(o2, l2, g);
    expect(dets.map((d) => d.box)).toEqual([
      [540, 220, 740, 420],
      [0, 0, 30, 40],
    ]);
  });

  it('maxCandidates keeps the top-scoring candidates before NMS', () => {
    const rows: [number, number, number, number, number, number][] = [];
    for (let i = 0; i < 20; i++) rows.push([i * 30 + 10, 10, 10, 10, 0, 0.3 + i * 0.01]);
    const { output: o3, layout: l3 } = v8(rows, 1);
    const dets = new DetectionDecoder().decode(o3, l3, null, { maxCandidates: 5 });
    expect(dets.map((d) => d.box[0])).toEqual([19, 18, 17, 16, 15].map((i) => i * 30 + 5));
  });

  it('end-to-end outputs are ordered and capped but not suppressed', () => {
    const data = new Float32Array([
      ...[0, 0, 10, 10, 0.6, 0],
      ...[0, 0, 10, 10, 0.9, 0], // identical box: an end2end model decided to keep both
      ...[50, 50, 60, 60, 0.7, 2],
    ]);
    const l: OutputLayout = { kind: 'end2end', maxDetections: 3 };
    const dec = new DetectionDecoder();
    expect(dec.decode({ data, dims: [1, 3, 6] }, l, null).map((d) => d.score)).toEqual([0.9, 0.7, 0.6].map(Math.fround));
    expect(dec.decode({ data, dims: [1, 3, 6] }, l, null, { maxDet: 1 }).length).toBe(1);
  });

  it('finish() runs NMS on external candidates and re-applies conf/classes', () => {
    const c = new CandidateBuffer();
    c.push(0, 0, 10, 10, 0.9, 0);
    c.push(1, 0, 11, 10, 0.8, 0);
    c.push(0, 0, 10, 10, 0.2, 1);
    c.push(20, 20, 30, 30, 0.5, 3);
    const dec = new DetectionDecoder({ labels: ['a', 'b', 'c', 'd'] });
    expect(dec.finish(c, null).map((d) => d.label)).toEqual(['a', 'd']);
    expect(dec.finish(c, null, { conf: 0.1 }).map((d) => d.label)).toEqual(['a', 'd', 'b']);
    expect(dec.finish(c, null, { classes: [3] }).map((d) => d.label)).toEqual(['d']);
    expect(c.count).toBe(4); // the caller's buffer is left as it was
    // Candidates no decoder would produce are dropped rather than returned or used for suppression.
    c.push(0, 0, 10, 10, 0.99, -1);
    c.push(NaN, 0, 10, 10, 0.98, 0);
    c.push(0, 0, Infinity, 10, 0.97, 0);
    expect(dec.finish(c, null).map((d) => d.score)).toEqual([0.9, 0.5].map(Math.fround));
  });

  it('validates options and layouts with typed errors', () => {
    const dec = new DetectionDecoder();
    for (const bad of [{ conf: -0.1 }, { conf: 1.1 }, { iou: 2 }, { maxDet: 0 }, { maxDet: 1.5 }, { maxCandidates: 0 }, { classes: [-1] }]) {
      expect(() => dec.decode(output, layout, null, bad)).toThrow(OptionError);
    }
    expect(() => dec.decode(output, { kind: 'classification', numClasses: 2, activation: 'auto' }, null)).toThrow(LayoutError);
    expect(resolveDetectOptions()).toEqual({ conf: 0.25, iou: 0.7, maxDet: 300, classes: null, agnostic: false, maxCandidates: 30000 });
  });
});

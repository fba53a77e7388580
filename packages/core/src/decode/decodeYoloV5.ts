/**
 * YOLOv5 / YOLOv7 head → candidates. Output [B, N, 5+nc]: cx,cy,w,h, objectness, class probabilities.
 * Ultralytics semantics: anchors with objectness ≤ conf are skipped (score = obj × cls ≤ obj), the score is
 * the float32 product obj × cls, the best class (first on ties) is kept when its score > conf, and the class
 * filter then drops anchors whose best class is not allowed.
 */
import type { OutputLayout } from './outputLayout.js';
import type { FloatData, TensorView } from '../types.js';
import { CandidateBuffer } from './candidateBuffer.js';
import { DecodeScratch, resolveConf, type DecodeParams } from './decodeScratch.js';
import { resolveBatch } from './tensorChecks.js';
import { pushXywhBox as pushBox } from './pushXywhBox.js';
import { halfToFloatTable } from '../float16.js';
import { LayoutError } from '../errors.js';

export type YoloV5Layout = Extract<OutputLayout, { kind: 'yolov5' }>;

let defaultScratch: DecodeScratch | null = null;

const fround = Math.fround;

export function decodeYoloV5(
  output: TensorView,
  layout: YoloV5Layout,
  out: CandidateBuffer,
  params: DecodeParams = {},
  scratch: DecodeScratch = (defaultScratch ??= new DecodeScratch()),
): void {
  const nc = layout.numClasses;
  if (!Number.isInteger(nc) || nc < 1) {
    throw new LayoutError('E_SHAPE_MISMATCH', `yolov5 layout needs numClasses ≥ 1, got ${nc}`);
  }
  const anchors = layout.numAnchors > 0 ? layout.numAnchors : 0;
  const { rows: n, offset } = resolveBatch(output, [anchors, 5 + nc], params.batchIndex ?? 0, 'yolov5 output');
  const conf = resolveConf(params.conf);
  const mask = scratch.classMask(params.classes, nc);
  out.clear();
  const data = output.data;
  if (data instanceof Uint16Array) decodeHalf(data, offset, n, nc, conf, mask, out);
  else decodeNumeric(data, offset, n, nc, conf, mask, out);
}

function decodeNumeric(
  data: Exclude<FloatData, Uint16Array>,
  base: number,
  n: number,
  nc: number,
  conf: number,
  mask: Uint8Array | null,
  out: CandidateBuffer,
): void {
  const stride = 5 + nc;
  for (let a = 0, o = base; a < n; a++, o += stride) {
    const obj = data[o + 4];
    if (!(obj > conf)) continue;
    let best = conf;
    let bestC = -1;
    for (let c = 0; c < nc; c++) {
      const v = fround(obj * data[o + 5 + c]);
      if (v > best) {
        best = v;
        bestC = c;
      }
    }
    if (bestC < 0 || (mask !== null && mask[bestC] === 0)) continue;
    pushBox(out, data[o], data[o + 1], data[o + 2], data[o + 3], best, bestC);
  }
}

function decodeHalf(
  data: Uint16Array,
  base: number,
  n: number,
  nc: number,
  conf: number,
  mask: Uint8Array | null,
  out: CandidateBuffer,
): void {
  const t = halfToFloatTable();
  const stride = 5 + nc;
  for (let a = 0, o = base; a < n; a++, o += stride) {
    const obj = t[data[o + 4]];
    if (!(obj > conf)) continue;
    let best = conf;
    let bestC = -1;
    for (let c = 0; c < nc; c++) {
      const v = fround(obj * t[data[o + 5 + c]]);
      if (v > best) {
        best = v;
        bestC = c;
      }
    }
    if (bestC < 0 || (mask !== null && mask[bestC] === 0)) continue;
    pushBox(out, t[data[o]], t[data[o + 1]], t[data[o + 2]], t[data[o + 3]], best, bestC);
  }
}

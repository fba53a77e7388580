/**
 * End-to-end heads (YOLOv10, YOLO26, server-side NMS): [B, K, 6] = x1,y1,x2,y2,score,class in model-input
 * pixels, already suppressed. Only the score threshold and the class filter apply here; ordering and the
 * maxDet cap are done by the caller (DetectionDecoder) without suppression.
 */
import type { OutputLayout } from './outputLayout.js';
import type { TensorView } from '../types.js';
import { CandidateBuffer } from './candidateBuffer.js';
import { DecodeScratch, resolveConf, type DecodeParams } from './decodeScratch.js';
import { resolveBatch } from './tensorChecks.js';
import { halfToFloatTable } from '../float16.js';

export type EndToEndLayout = Extract<OutputLayout, { kind: 'end2end' }>;

let defaultScratch: DecodeScratch | null = null;

/** Class ids above this are treated as garbage rather than sizing a class mask after them. */
const MAX_CLASS_ID = 1 << 20;

export function decodeEndToEnd(
  output: TensorView,
  layout: EndToEndLayout,
  out: CandidateBuffer,
  params: DecodeParams = {},
  scratch: DecodeScratch = (defaultScratch ??= new DecodeScratch()),
): void {
  const k = layout.maxDetections > 0 ? layout.maxDetections : 0;
  const { rows, offset } = resolveBatch(output, [k, 6], params.batchIndex ?? 0, 'end2end output');
  const conf = resolveConf(params.conf);
  let maskSize = 0;
  if (params.classes) for (const c of params.classes) if (c + 1 > maskSize) maskSize = Math.min(c + 1, MAX_CLASS_ID);
  const mask = scratch.classMask(params.classes, maskSize);
  out.clear();
  const data = output.data;
  const t = data instanceof Uint16Array ? halfToFloatTable() : null;
  for (let r = 0, o = offset; r < rows; r++, o += 6) {
    const score = t ? t[data[o + 4]] : data[o + 4];
    if (!(score > conf)) continue;
    const cls = t ? t[data[o + 5]] : data[o + 5];
    // Class travels as a float; anything not a small non-negative integer is padding or corruption.
    if (!(cls >= 0 && cls < MAX_CLASS_ID) || cls !== Math.floor(cls)) continue;
    if (mask !== null && (cls >= mask.length || mask[cls] === 0)) continue;
    const x1 = t ? t[data[o]] : data[o];
    const y1 = t ? t[data[o + 1]] : data[o + 1];
    const x2 = t ? t[data[o + 2]] : data[o + 2];
    const y2 = t ? t[data[o + 3]] : data[o + 3];
    if (x1 - x1 + (y1 - y1) + (x2 - x2) + (y2 - y2) !== 0) continue;
    out.push(x1, y1, x2, y2, score, cls);
  }
}

import type { CandidateBuffer } from './candidateBuffer.js';

/** cx,cy,w,h → x1,y1,x2,y2 (float32, like torch's xywh2xyxy); boxes with non-finite coordinates are dropped. */
export function pushXywhBox(
  out: CandidateBuffer,
  cx: number,
  cy: number,
  w: number,
  h: number,
  score: number,
  classId: number,
): void {
  const hw = w / 2;
  const hh = h / 2;
  const x1 = cx - hw;
  const y1 = cy - hh;
  const x2 = cx + hw;
  const y2 = cy + hh;
  // x - x is 0 for finite x and NaN for ±Infinity/NaN: one check for all four.
  if (x1 - x1 + (y1 - y1) + (x2 - x2) + (y2 - y2) !== 0) return;
  out.push(x1, y1, x2, y2, score, classId);
}

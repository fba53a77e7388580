// The tidy decode + NMS most tutorials and community packages ship for YOLOv8 [1, 4+nc, N] outputs, kept
// as the benchmark baseline: argmax per anchor (strided reads), an object per candidate above conf, a full
// sort, then O(n²) greedy per-class NMS with `filter`, no maxDet cap. Same thresholds and IoU rule as ours
// (suppress when IoU > iou), so both return the same boxes on real outputs.

function iou(a, b) {
  const x1 = Math.max(a.x1, b.x1);
  const y1 = Math.max(a.y1, b.y1);
  const x2 = Math.min(a.x2, b.x2);
  const y2 = Math.min(a.y2, b.y2);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const areaA = (a.x2 - a.x1) * (a.y2 - a.y1);
  const areaB = (b.x2 - b.x1) * (b.y2 - b.y1);
  return inter / (areaA + areaB - inter);
}

/**
 * @param {Float32Array} data [1, 4+nc, n]
 * @returns {{ x1: number, y1: number, x2: number, y2: number, score: number, classId: number }[]}
 */
export function communityDecode(data, nc, n, { conf = 0.25, iou: iouThr = 0.7 } = {}) {
  const boxes = [];
  for (let a = 0; a < n; a++) {
    let best = -Infinity;
    let classId = -1;
    for (let c = 0; c < nc; c++) {
      const s = data[(4 + c) * n + a];
      if (s > best) {
        best = s;
        classId = c;
      }
    }
    if (best > conf) {
      const cx = data[a];
      const cy = data[n + a];
      const w = data[2 * n + a];
      const h = data[3 * n + a];
      boxes.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score: best, classId });
    }
  }
  boxes.sort((p, q) => q.score - p.score);
  const result = [];
  let remaining = boxes;
  while (remaining.length > 0) {
    const top = remaining[0];
    result.push(top);
    remaining = remaining.slice(1).filter((b) => b.classId !== top.classId || iou(top, b) <= iouThr);
  }
  return result;
}

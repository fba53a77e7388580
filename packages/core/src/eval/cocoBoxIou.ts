/**
 * IoU of two [x, y, w, h] boxes as COCO defines it for bbox evaluation. For a crowd ground truth the union
 * is the detection's own area, so a detection lying inside a crowd region scores 1 however small it is.
 */
export function cocoBoxIou(
  dx: number,
  dy: number,
  dw: number,
  dh: number,
  gx: number,
  gy: number,
  gw: number,
  gh: number,
  crowd: boolean,
): number {
  const w = Math.min(dx + dw, gx + gw) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dy + dh, gy + gh) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const inter = w * h;
  const da = dw * dh;
  const union = crowd ? da : da + gw * gh - inter;
  return inter / union;
}

/**
 * Number of anchor points of an anchor-free YOLO head (v8/11): one per cell of each stride's grid, strides
 * 8, 16, … up to `maxStride`. Grid sizes round up, as the exported Conv/Pool chain does for odd sizes.
 */
export function anchorCount(imgsz: readonly [number, number], maxStride = 32): number {
  const [h, w] = imgsz;
  let n = 0;
  for (let s = 8; s <= maxStride; s *= 2) n += Math.ceil(h / s) * Math.ceil(w / s);
  return n;
}

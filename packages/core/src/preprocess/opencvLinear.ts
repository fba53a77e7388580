/**
 * OpenCV's INTER_LINEAR coordinate map for 8-bit images (cv2.resize): half-pixel centres in float32,
 * 11-bit fixed-point weights rounded half-to-even (cvRound). Shared by the CPU letterbox and the WGSL pass's
 * tables, so both paths resize with the very same coefficients.
 */
import { roundHalfEven } from '../geometry/roundHalfEven.js';

/** OpenCV INTER_RESIZE_COEF_SCALE: weights are integers summing to 2048. */
export const OPENCV_COEF_SCALE = 2048;

/**
 * Fill per-output-position source indices (×`mul`, e.g. channels) and weights for a resize srcSize → dstSize.
 * Columns (`clampWeights`) outside the image get their weight clamped to the edge pixel; rows keep their
 * weight and only the index is clamped (OpenCV's vertical pass does that, which can round one lower at the
 * top/bottom edges of an upscale).
 */
export function opencvLinearCoefficients(
  srcSize: number,
  dstSize: number,
  idx0: Int32Array,
  idx1: Int32Array,
  w0: Int32Array,
  w1: Int32Array,
  mul: number,
  clampWeights: boolean,
): void {
  const scale = 1 / (dstSize / srcSize); // OpenCV inverts inv_scale = dsize/ssize
  const last = srcSize - 1;
  for (let d = 0; d < dstSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeights) {
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= last) {
        f = 0;
        s = last;
      }
    }
    idx0[d] = Math.min(Math.max(s, 0), last) * mul;
    idx1[d] = Math.min(Math.max(s + 1, 0), last) * mul;
    w0[d] = roundHalfEven(Math.fround(1 - f) * OPENCV_COEF_SCALE);
    w1[d] = roundHalfEven(f * OPENCV_COEF_SCALE);
  }
}

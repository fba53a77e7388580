/**
 * Geometry of classification pre-processing as torchvision does it: `Resize(shorter)` then `CenterCrop(size)`
 * with Python's round-half-even offsets. The longer side is rounded by default: that is what the reference
 * pipeline did (../shared/reference: rocket.jpg 640×427 → 384×256, coco 71 640×426 → 385×256; truncation
 * gives 383/384 and flips top-1 on both). `'truncate'` reproduces `int(size · long / short)` stacks.
 */
import { assertImageSize } from '../geometry/letterbox.js';
import { roundHalfEven } from '../geometry/roundHalfEven.js';
import { OptionError } from '../errors.js';

export interface CropGeometry {
  kind: 'crop';
  srcWidth: number;
  srcHeight: number;
  /** Size after resizing the shorter side to `resizeShorter`. */
  resizedWidth: number;
  resizedHeight: number;
  /** Nominal factor resizeShorter / shorter source side (the longer side's is resized/src, marginally different). */
  scale: number;
  /** Top-left of the crop in the resized image. */
  cropX: number;
  cropY: number;
  /** Tensor size (the crop). */
  dstWidth: number;
  dstHeight: number;
}

export type LongSideRounding = 'round' | 'truncate';

export function computeCenterCrop(
  srcWidth: number,
  srcHeight: number,
  size: number,
  resizeShorter: number,
  longSide: LongSideRounding = 'round',
): CropGeometry {
  assertImageSize(srcWidth, srcHeight);
  for (const [name, v] of [['size', size], ['resizeShorter', resizeShorter]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > 16384) {
      throw new OptionError('E_INVALID_OPTION', `${name} must be an integer in 1..16384, got ${String(v)}`);
    }
  }
  if (resizeShorter < size) {
    throw new OptionError('E_INVALID_OPTION', `resizeShorter (${resizeShorter}) must be ≥ size (${size}); the crop would need padding`);
  }
  const portrait = srcWidth <= srcHeight;
  const short = portrait ? srcWidth : srcHeight;
  const long = portrait ? srcHeight : srcWidth;
  if (longSide !== 'round' && longSide !== 'truncate') {
    throw new OptionError('E_INVALID_OPTION', `longSide must be 'round' or 'truncate', got ${String(longSide)}`);
  }
  const exact = (resizeShorter * long) / short;
  const newLong = longSide === 'round' ? roundHalfEven(exact) : Math.trunc(exact);
  const resizedWidth = portrait ? resizeShorter : newLong;
  const resizedHeight = portrait ? newLong : resizeShorter;
  return {
    kind: 'crop',
    srcWidth,
    srcHeight,
    resizedWidth,
    resizedHeight,
    scale: resizeShorter / short,
    cropX: roundHalfEven((resizedWidth - size) / 2),
    cropY: roundHalfEven((resizedHeight - size) / 2),
    dstWidth: size,
    dstHeight: size,
  };
}

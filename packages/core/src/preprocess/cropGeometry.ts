/**
 * Geometry of classification pre-processing as torchvision does it: `Resize(shorter)` (the longer side is
 * truncated, like `_compute_resized_output_size`) then `CenterCrop(size)` with Python's round-half-even offsets.
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

export function computeCenterCrop(srcWidth: number, srcHeight: number, size: number, resizeShorter: number): CropGeometry {
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
  const newLong = Math.trunc((resizeShorter * long) / short);
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

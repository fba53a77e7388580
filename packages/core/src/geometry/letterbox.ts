/**
 * Letterbox geometry identical to Ultralytics' `LetterBox` (centered, scale-up allowed) and its inverse
 * `scale_boxes`. Everything here is arithmetic on sizes; the pixel work lives in preprocess/.
 */
import { OptionError, ImageInputError } from '../errors.js';
import { roundHalfEven } from './roundHalfEven.js';

export interface LetterboxOptions {
  /** Allow enlarging images smaller than the target (Ultralytics default: true). */
  scaleUp?: boolean;
  /** Center the image (Ultralytics default: true); false puts all padding right/bottom. */
  center?: boolean;
  /** Pad only to a multiple of `stride` instead of to the full target (Ultralytics `auto`, rect inference). */
  auto?: boolean;
  stride?: number;
}

export interface LetterboxGeometry {
  kind: 'letterbox';
  srcWidth: number;
  srcHeight: number;
  /** Size of the tensor the model sees. */
  dstWidth: number;
  dstHeight: number;
  /** Scale applied to the source: min(dstH/srcH, dstW/srcW) (capped at 1 without scaleUp). */
  gain: number;
  /** Size of the resized image inside the padded canvas. */
  newWidth: number;
  newHeight: number;
  padLeft: number;
  padTop: number;
  padRight: number;
  padBottom: number;
  /** Offsets scale_boxes subtracts before dividing by `gain` (recomputed from unrounded sizes, as Ultralytics does). */
  unpadX: number;
  unpadY: number;
}

/** Largest side accepted anywhere in Sightline (browsers cap canvases near here too). */
export const MAX_IMAGE_SIDE = 16384;

export function assertImageSize(width: number, height: number, maxSide = MAX_IMAGE_SIDE): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageInputError('E_IMAGE_EMPTY', `image size must be positive integers, got ${width}×${height}`, {
      details: { width, height },
    });
  }
  if (width > maxSide || height > maxSide) {
    throw new ImageInputError('E_IMAGE_TOO_LARGE', `image ${width}×${height} exceeds ${maxSide} px per side`, {
      details: { width, height, maxSide },
    });
  }
}

export function computeLetterbox(
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
  { scaleUp = true, center = true, auto = false, stride = 32 }: LetterboxOptions = {},
): LetterboxGeometry {
  assertImageSize(srcWidth, srcHeight);
  if (!Number.isInteger(dstWidth) || !Number.isInteger(dstHeight) || dstWidth <= 0 || dstHeight <= 0) {
    throw new OptionError('E_INVALID_OPTION', `target size must be positive integers, got ${dstWidth}×${dstHeight}`);
  }
  let gain = Math.min(dstHeight / srcHeight, dstWidth / srcWidth);
  if (!scaleUp) gain = Math.min(gain, 1);
  const newWidth = Math.max(1, roundHalfEven(srcWidth * gain));
  const newHeight = Math.max(1, roundHalfEven(srcHeight * gain));
  let dw = dstWidth - newWidth;
  let dh = dstHeight - newHeight;
  if (auto) {
    dw %= stride;
    dh %= stride;
  }
  let padLeft: number, padTop: number, padRight: number, padBottom: number;
  if (center) {
    dw /= 2;
    dh /= 2;
    padTop = roundHalfEven(dh - 0.1);
    padBottom = roundHalfEven(dh + 0.1);
    padLeft = roundHalfEven(dw - 0.1);
    padRight = roundHalfEven(dw + 0.1);
  } else {
    padTop = 0;
    padLeft = 0;
    padBottom = roundHalfEven(dh + 0.1);
    padRight = roundHalfEven(dw + 0.1);
  }
  const outW = newWidth + padLeft + padRight;
  const outH = newHeight + padTop + padBottom;
  // scale_boxes recomputes the offset from the unrounded scaled size, which can differ from padLeft/padTop by one.
  const unpadX = center ? roundHalfEven((outW - srcWidth * gain) / 2 - 0.1) : 0;
  const unpadY = center ? roundHalfEven((outH - srcHeight * gain) / 2 - 0.1) : 0;
  return {
    kind: 'letterbox',
    srcWidth,
    srcHeight,
    dstWidth: outW,
    dstHeight: outH,
    gain,
    newWidth,
    newHeight,
    padLeft,
    padTop,
    padRight,
    padBottom,
    unpadX,
    unpadY,
  };
}

/**
 * Map `count` boxes (x1,y1,x2,y2 in model-input pixels, packed in `boxes`) back to source pixels in place:
 * subtract the pad, divide by gain, clip to the image.
 */
export function unletterboxBoxes(boxes: Float32Array | Float64Array, count: number, g: LetterboxGeometry): void {
  const inv = 1 / g.gain;
  const w = g.srcWidth;
  const h = g.srcHeight;
  for (let i = 0, o = 0; i < count; i++, o += 4) {
    boxes[o] = clamp((boxes[o] - g.unpadX) * inv, w);
    boxes[o + 1] = clamp((boxes[o + 1] - g.unpadY) * inv, h);
    boxes[o + 2] = clamp((boxes[o + 2] - g.unpadX) * inv, w);
    boxes[o + 3] = clamp((boxes[o + 3] - g.unpadY) * inv, h);
  }
}

function clamp(v: number, hi: number): number {
  return v < 0 ? 0 : v > hi ? hi : v;
}

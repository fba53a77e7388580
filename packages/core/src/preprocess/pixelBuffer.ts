/**
 * Raw 8-bit pixels as every platform can hand them over: canvas ImageData (RGBA), sharp raw output (RGB),
 * video frames copied into a buffer. Rows may be padded (`stride`), as GPU readbacks and some decoders do.
 */
import { ImageInputError } from '../errors.js';
import { assertImageSize, MAX_IMAGE_SIDE } from '../geometry/letterbox.js';

export interface PixelBuffer {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** 3 = RGB, 4 = RGBA (alpha is ignored). */
  channels: 3 | 4;
  /** Bytes per row; default width × channels. */
  stride?: number;
}

/**
 * Check size, channel count, stride and data length; returns the effective stride. Throws ImageInputError
 * (E_IMAGE_EMPTY, E_IMAGE_TOO_LARGE, E_IMAGE_BUFFER) so that no later read can go out of bounds.
 */
export function validatePixelBuffer(p: PixelBuffer, maxSide = MAX_IMAGE_SIDE): number {
  if (p === null || typeof p !== 'object') {
    throw new ImageInputError('E_IMAGE_BUFFER', 'pixel buffer must be an object { data, width, height, channels }');
  }
  assertImageSize(p.width, p.height, maxSide);
  const { data, width, height, channels } = p;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new ImageInputError('E_IMAGE_BUFFER', 'pixel data must be a Uint8Array or Uint8ClampedArray', {
      details: { got: Object.prototype.toString.call(data) },
    });
  }
  if (channels !== 3 && channels !== 4) {
    throw new ImageInputError('E_IMAGE_BUFFER', `channels must be 3 (RGB) or 4 (RGBA), got ${String(channels)}`, {
      details: { channels },
    });
  }
  const rowBytes = width * channels;
  const stride = p.stride ?? rowBytes;
  if (!Number.isInteger(stride) || stride < rowBytes) {
    throw new ImageInputError('E_IMAGE_BUFFER', `stride ${stride} is not an integer ≥ width × channels (${rowBytes})`, {
      details: { stride, width, channels },
    });
  }
  // The last row need not carry its padding (common for cropped views into a larger buffer).
  const needed = stride * (height - 1) + rowBytes;
  if (data.length < needed) {
    throw new ImageInputError(
      'E_IMAGE_BUFFER',
      `pixel data has ${data.length} bytes, ${width}×${height}×${channels} with stride ${stride} needs ${needed}`,
      { details: { length: data.length, needed, width, height, channels, stride } },
    );
  }
  return stride;
}

/** Accept an encoded image (path, bytes, stream) or already-decoded pixels; time the decoding. */
import type { PixelBuffer } from '@sightline/core';
import { decodeImage, type DecodeImageOptions, type ImageSource } from './decodeImage.js';

/** Anything detect()/classify() take: an encoded image or raw RGB(A) pixels. */
export type NodeImageInput = ImageSource | PixelBuffer;

function isPixelBuffer(v: unknown): v is PixelBuffer {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array || v instanceof ArrayBuffer) return false;
  const p = v as Partial<PixelBuffer>;
  return p.data !== undefined && typeof p.width === 'number' && typeof p.height === 'number';
}

export async function toPixels(input: NodeImageInput, opts: DecodeImageOptions = {}): Promise<{ pixels: PixelBuffer; decodeMs: number }> {
  const t0 = performance.now();
  if (isPixelBuffer(input)) return { pixels: input, decodeMs: 0 };
  const pixels = await decodeImage(input, opts);
  return { pixels, decodeMs: performance.now() - t0 };
}

/**
 * Decode an image file/buffer/stream into 8-bit RGB pixels with sharp, matching what the reference pipeline
 * (OpenCV imread, IMREAD_COLOR) sees: EXIF orientation applied, embedded ICC profiles ignored, alpha dropped
 * (not composited), grey and CMYK converted to sRGB, 16-bit samples reduced to 8, only the first frame of animations.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import { ImageInputError, type PixelBuffer } from '@sightline/core';

/** A path, encoded bytes (Buffer is a Uint8Array), or a readable stream of encoded bytes. */
export type ImageSource = string | Uint8Array | ArrayBuffer | Readable;

export interface DecodeImageOptions {
  /** Largest width × height accepted before decoding pixels (decompression-bomb guard). Default 100 MP. */
  maxPixels?: number;
  /** Largest encoded size read from a file or stream. Default 256 MiB. */
  maxBytes?: number;
}

export interface DecodedImage extends PixelBuffer {
  data: Uint8Array;
  channels: 3;
  /** Container format sharp detected (jpeg, png, webp, heif, tiff, gif…). */
  format: string;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;
export const DEFAULT_MAX_IMAGE_BYTES = 256 * 2 ** 20;

function isReadable(v: unknown): v is Readable {
  return typeof v === 'object' && v !== null && typeof (v as Readable).pipe === 'function' && typeof (v as Readable)[Symbol.asyncIterator] === 'function';
}

async function readAll(stream: Readable, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const c = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    total += c.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new ImageInputError('E_IMAGE_TOO_LARGE', `image stream is larger than ${maxBytes} bytes`, { details: { maxBytes } });
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks, total);
}

/** Encoded bytes of the source, with user-facing errors for missing/unreadable inputs. */
export async function readImageBytes(src: ImageSource, maxBytes = DEFAULT_MAX_IMAGE_BYTES): Promise<Uint8Array> {
  if (typeof src === 'string') {
    try {
      const bytes = await readFile(src);
      if (bytes.length > maxBytes) throw new ImageInputError('E_IMAGE_TOO_LARGE', `${src}: ${bytes.length} bytes exceeds ${maxBytes}`);
      return bytes;
    } catch (e) {
      if (e instanceof ImageInputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new ImageInputError('E_IMAGE_DECODE', `cannot read ${src}${code ? ` (${code})` : ''}`, { cause: e, details: { path: src } });
    }
  }
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  if (isReadable(src)) return readAll(src, maxBytes);
  throw new ImageInputError('E_UNSUPPORTED_SOURCE', 'image must be a file path, a Buffer/Uint8Array/ArrayBuffer or a Readable stream');
}

export async function decodeImage(src: ImageSource, opts: DecodeImageOptions = {}): Promise<DecodedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const bytes = await readImageBytes(src, opts.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES);
  const name = typeof src === 'string' ? src : 'image';
  if (bytes.length === 0) throw new ImageInputError('E_IMAGE_EMPTY', `${name}: no bytes`);
  try {
    // ignoreIcc: OpenCV and PIL ignore embedded ICC profiles; converting through them moves pixels by up to
    // ~90 levels (coco_000000000074.jpg) and with them scores and even top-1 classes.
    const img = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1, ignoreIcc: true });
    const { data, info } = await img
      .rotate() // EXIF orientation, as imread does
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new ImageInputError('E_IMAGE_DECODE', `${name}: decoded to ${info.channels} channels, expected 3`);
    }
    const meta = await img.metadata().catch(() => ({ format: 'unknown' }));
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels: 3,
      format: String(meta.format ?? 'unknown'),
    };
  } catch (e) {
    if (e instanceof ImageInputError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/pixel limit/i.test(msg)) {
      throw new ImageInputError('E_IMAGE_TOO_LARGE', `${name}: more than ${maxPixels} pixels`, { cause: e, details: { maxPixels } });
    }
    throw new ImageInputError('E_IMAGE_DECODE', `${name}: cannot decode (${msg.split('\n')[0]})`, { cause: e });
  }
}

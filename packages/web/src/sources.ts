/**
 * Main-thread side of a frame: turn whatever the caller has into something transferable (ImageBitmap,
 * VideoFrame, or the ImageData's pixel buffer) after checking its size, so the worker gets pixels without
 * a structured-clone copy. Elements, blobs and URLs are decoded with createImageBitmap.
 */
import { assertImageSize, EngineError, ImageInputError } from '@sightline/core';
import type { Frame } from './protocol.js';
import type { ImageSource } from './types.js';

export interface PreparedFrame {
  frame: Frame;
  transfer: Transferable[];
}

const has = (name: string): boolean => typeof (globalThis as Record<string, unknown>)[name] === 'function';
const is = <T>(v: unknown, name: string): v is T => has(name) && v instanceof ((globalThis as Record<string, unknown>)[name] as new () => T);

async function bitmapOf(src: ImageBitmapSource, what: string): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(src);
  } catch (e) {
    throw new ImageInputError('E_IMAGE_DECODE', `could not decode ${what}: ${(e as Error).message}`, { cause: e });
  }
}

function bitmapFrame(bitmap: ImageBitmap): PreparedFrame {
  try {
    assertImageSize(bitmap.width, bitmap.height);
  } catch (e) {
    bitmap.close();
    throw e;
  }
  return { frame: { kind: 'bitmap', bitmap }, transfer: [bitmap] };
}

async function blobFrame(blob: Blob, what: string): Promise<PreparedFrame> {
  if (blob.size === 0) throw new ImageInputError('E_IMAGE_EMPTY', `${what} is empty (0 bytes)`);
  if (blob.type && !blob.type.startsWith('image/') && blob.type !== 'application/octet-stream') {
    throw new ImageInputError('E_IMAGE_DECODE', `${what} has type ${blob.type}, not an image`, { details: { type: blob.type } });
  }
  return bitmapFrame(await bitmapOf(blob, what));
}

/**
 * Prepare one source. `keepSource`: ImageData is copied instead of transferred (without it the caller's
 * ImageData is detached after the call). ImageBitmap and VideoFrame sources are always transferred, so the
 * caller must not use them afterwards.
 */
export async function prepareFrame(source: ImageSource, keepSource = false): Promise<PreparedFrame> {
  if (is<ImageData>(source, 'ImageData')) {
    assertImageSize(source.width, source.height);
    if (source.data.length !== source.width * source.height * 4) {
      throw new ImageInputError('E_IMAGE_BUFFER', 'ImageData buffer is detached or has the wrong length (was it already passed to detect()?)');
    }
    const data = keepSource ? new Uint8ClampedArray(source.data) : source.data;
    return { frame: { kind: 'pixels', data, width: source.width, height: source.height }, transfer: [data.buffer] };
  }
  if (is<ImageBitmap>(source, 'ImageBitmap')) {
    assertImageSize(source.width, source.height);
    return { frame: { kind: 'bitmap', bitmap: source }, transfer: [source] };
  }
  if (is<VideoFrame>(source, 'VideoFrame')) {
    assertImageSize(source.displayWidth, source.displayHeight);
    return { frame: { kind: 'videoframe', frame: source }, transfer: [source] };
  }
  if (is<HTMLImageElement>(source, 'HTMLImageElement')) {
    if (!source.complete) await source.decode().catch(() => {});
    assertImageSize(source.naturalWidth, source.naturalHeight);
    return bitmapFrame(await bitmapOf(source, 'image element'));
  }
  if (is<HTMLVideoElement>(source, 'HTMLVideoElement')) {
    if (source.readyState < 2) throw new ImageInputError('E_IMAGE_EMPTY', 'video has no current frame yet (readyState < HAVE_CURRENT_DATA)');
    assertImageSize(source.videoWidth, source.videoHeight);
    return bitmapFrame(await bitmapOf(source, 'video frame'));
  }
  if (is<HTMLCanvasElement>(source, 'HTMLCanvasElement') || is<OffscreenCanvas>(source, 'OffscreenCanvas')) {
    assertImageSize(source.width, source.height);
    return bitmapFrame(await bitmapOf(source, 'canvas'));
  }
  if (is<Blob>(source, 'Blob')) return blobFrame(source, 'blob');
  if (typeof source === 'string' || is<URL>(source, 'URL')) {
    const url = String(source);
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new EngineError('E_FETCH', `could not fetch image ${url}: ${(e as Error).message}`, { cause: e, details: { url } });
    }
    if (!res.ok) throw new EngineError('E_FETCH', `fetching image ${url} failed: HTTP ${res.status}`, { details: { url, status: res.status } });
    return blobFrame(await res.blob(), url);
  }
  throw new ImageInputError('E_UNSUPPORTED_SOURCE', `unsupported image source: ${Object.prototype.toString.call(source)}`, {
    details: { type: Object.prototype.toString.call(source) },
  });
}

/** Release frames that were prepared but never sent (an error in a batch). */
export function releasePrepared(frames: PreparedFrame[]): void {
  for (const p of frames) {
    if (p.frame.kind === 'bitmap') p.frame.bitmap.close();
    else if (p.frame.kind === 'videoframe') p.frame.frame.close();
  }
}

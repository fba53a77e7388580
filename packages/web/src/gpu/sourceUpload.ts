/**
 * Puts one frame on the GPU without a CPU pixel round trip where the browser allows it:
 * `copyExternalImageToTexture` for bitmaps/canvases/images/video elements, `importExternalTexture` for
 * VideoFrame (zero-copy; YUV→RGB happens in the sampler), `writeTexture` for CPU pixel buffers (ImageData,
 * RGB/RGBA arrays), and a caller's own rgba8unorm GPUTexture is used as is. The staging texture is reused
 * and re-created only when the frame size changes.
 */
import { ImageInputError, assertImageSize } from '@sightline/core';

/** CPU pixels (same shape as the core's PixelBuffer; alpha is ignored). */
export interface GpuPixelBuffer {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 3 | 4;
  stride?: number;
}

export type GpuFrameSource =
  | ImageBitmap
  | ImageData
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLImageElement
  | HTMLVideoElement
  | VideoFrame
  | GPUTexture
  | GpuPixelBuffer;

export interface UploadedFrame {
  width: number;
  height: number;
  /** A texture view for `texture_2d<f32>`, or an external texture (VideoFrame). */
  resource: GPUTextureView | GPUExternalTexture;
  external: boolean;
}

const has = (name: string): boolean => typeof (globalThis as Record<string, unknown>)[name] === 'function';
const isA = <T>(v: unknown, name: string): v is T =>
  has(name) && v instanceof ((globalThis as Record<string, unknown>)[name] as abstract new (...a: never[]) => T);

export function isGpuTexture(v: unknown): v is GPUTexture {
  return isA<GPUTexture>(v, 'GPUTexture');
}

function isPixelBuffer(v: unknown): v is GpuPixelBuffer {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<GpuPixelBuffer>;
  return (p.data instanceof Uint8Array || p.data instanceof Uint8ClampedArray) && typeof p.width === 'number' && typeof p.height === 'number';
}

/** Width/height of any supported source, or a typed error for anything else (never a deep crash). */
export function frameSize(source: GpuFrameSource): { width: number; height: number } {
  if (isA<VideoFrame>(source, 'VideoFrame')) return { width: source.displayWidth, height: source.displayHeight };
  if (isA<HTMLVideoElement>(source, 'HTMLVideoElement')) return { width: source.videoWidth, height: source.videoHeight };
  if (isA<HTMLImageElement>(source, 'HTMLImageElement')) return { width: source.naturalWidth, height: source.naturalHeight };
  if (isGpuTexture(source)) return { width: source.width, height: source.height };
  if (
    isA<ImageBitmap>(source, 'ImageBitmap') ||
    isA<ImageData>(source, 'ImageData') ||
    isA<HTMLCanvasElement>(source, 'HTMLCanvasElement') ||
    isA<OffscreenCanvas>(source, 'OffscreenCanvas') ||
    isPixelBuffer(source)
  ) {
    return { width: source.width, height: source.height };
  }
  throw new ImageInputError('E_UNSUPPORTED_SOURCE', `unsupported frame source: ${Object.prototype.toString.call(source)}`);
}

export class SourceUploader {
  private texture: GPUTexture | null = null;
  private view: GPUTextureView | null = null;
  private rgba = new Uint8Array(0);
  private externalOk = true;
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;

  constructor(private readonly device: GPUDevice) {}

  upload(source: GpuFrameSource): UploadedFrame {
    const { width, height } = frameSize(source);
    assertImageSize(width, height, this.device.limits.maxTextureDimension2D);
    if (isGpuTexture(source)) {
      if (source.format !== 'rgba8unorm' && source.format !== 'bgra8unorm') {
        throw new ImageInputError('E_UNSUPPORTED_SOURCE', `GPUTexture sources must be rgba8unorm or bgra8unorm, got ${source.format}`);
      }
      if (!(source.usage & GPUTextureUsage.TEXTURE_BINDING)) {
        throw new ImageInputError('E_UNSUPPORTED_SOURCE', 'GPUTexture sources need TEXTURE_BINDING usage');
      }
      return { width, height, resource: source.createView(), external: false };
    }
    if (isA<VideoFrame>(source, 'VideoFrame') && this.externalOk) {
      try {
        return { width, height, resource: this.device.importExternalTexture({ source }), external: true };
      } catch {
        // Some frames/adapters (CPU-backed frames, SwiftShader) cannot be imported: copy them instead, from now on.
        this.externalOk = false;
      }
    }
    const tex = this.ensureTexture(width, height);
    if (isA<ImageData>(source, 'ImageData')) {
      this.device.queue.writeTexture({ texture: tex }, source.data, { bytesPerRow: width * 4, rowsPerImage: height }, { width, height });
    } else if (isPixelBuffer(source)) {
      this.writePixels(tex, source);
    } else {
      // ImageBitmap, canvases, <img>, <video>, VideoFrame: the browser copies GPU-side when it can.
      this.copyExternal(source as GPUCopyExternalImageSource, tex, width, height);
    }
    return { width, height, resource: this.view!, external: false };
  }

  private copyExternal(source: GPUCopyExternalImageSource, tex: GPUTexture, width: number, height: number): void {
    try {
      this.device.queue.copyExternalImageToTexture({ source }, { texture: tex }, { width, height });
      return;
    } catch (e) {
      if (!isA<VideoFrame>(source, 'VideoFrame') || typeof OffscreenCanvas !== 'function') {
        throw new ImageInputError('E_UNSUPPORTED_SOURCE', `could not copy the frame to the GPU: ${(e as Error).message}`, { cause: e });
      }
    }
    // CPU-backed VideoFrames on some adapters (SwiftShader) can be neither imported nor copied directly:
    // draw them into a reused 2D canvas (synchronous) and copy that.
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new OffscreenCanvas(width, height);
      this.ctx = this.canvas.getContext('2d');
    }
    if (!this.ctx) throw new ImageInputError('E_UNSUPPORTED_SOURCE', 'no 2D context to stage a VideoFrame');
    this.ctx.drawImage(source as VideoFrame, 0, 0);
    this.device.queue.copyExternalImageToTexture({ source: this.canvas }, { texture: tex }, { width, height });
  }

  private writePixels(tex: GPUTexture, p: GpuPixelBuffer): void {
    const { width, height } = p;
    if (p.channels !== 3 && p.channels !== 4) {
      throw new ImageInputError('E_IMAGE_BUFFER', `channels must be 3 or 4, got ${String(p.channels)}`);
    }
    const rowBytes = width * p.channels;
    const stride = p.stride ?? rowBytes;
    if (!Number.isInteger(stride) || stride < rowBytes || p.data.length < stride * (height - 1) + rowBytes) {
      throw new ImageInputError('E_IMAGE_BUFFER', `pixel data too short for ${width}×${height}×${p.channels} (stride ${stride})`, {
        details: { length: p.data.length, stride },
      });
    }
    if (p.channels === 4 && stride === rowBytes) {
      this.device.queue.writeTexture({ texture: tex }, p.data, { bytesPerRow: stride, rowsPerImage: height }, { width, height });
      return;
    }
    // RGB or strided: expand to tight RGBA in a reused scratch buffer.
    const need = width * height * 4;
    if (this.rgba.length < need) this.rgba = new Uint8Array(need);
    const d = this.rgba;
    const s = p.data;
    const ch = p.channels;
    for (let y = 0, o = 0; y < height; y++) {
      let i = y * stride;
      for (let x = 0; x < width; x++, i += ch, o += 4) {
        d[o] = s[i];
        d[o + 1] = s[i + 1];
        d[o + 2] = s[i + 2];
        d[o + 3] = 255;
      }
    }
    this.device.queue.writeTexture({ texture: tex }, d, { bytesPerRow: width * 4, rowsPerImage: height }, { width, height });
  }

  private ensureTexture(width: number, height: number): GPUTexture {
    if (this.texture && this.texture.width === width && this.texture.height === height) return this.texture;
    this.texture?.destroy();
    this.texture = this.device.createTexture({
      size: { width, height },
      format: 'rgba8unorm',
      // RENDER_ATTACHMENT is required by copyExternalImageToTexture.
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT,
      label: 'sightline-frame',
    });
    this.view = this.texture.createView();
    return this.texture;
  }

  dispose(): void {
    this.texture?.destroy();
    this.texture = null;
    this.view = null;
    this.rgba = new Uint8Array(0);
    this.canvas = null;
    this.ctx = null;
  }
}

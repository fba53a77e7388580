/**
 * Frame → RGBA PixelBuffer inside the worker. Bitmaps and VideoFrames are drawn into one reused
 * OffscreenCanvas (resized only when the frame size changes) and read back with getImageData; raw pixels
 * pass straight through. Frames are closed here: the worker owns them once transferred.
 */
import { assertImageSize, ImageInputError, type PixelBuffer } from '@sightline/core';
import type { Frame } from '../protocol.js';

export class FramePixels {
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;

  read(frame: Frame): PixelBuffer {
    if (frame.kind === 'pixels') {
      assertImageSize(frame.width, frame.height);
      return { data: frame.data, width: frame.width, height: frame.height, channels: 4 };
    }
    const src = frame.kind === 'bitmap' ? frame.bitmap : frame.frame;
    const width = frame.kind === 'bitmap' ? frame.bitmap.width : frame.frame.displayWidth;
    const height = frame.kind === 'bitmap' ? frame.bitmap.height : frame.frame.displayHeight;
    try {
      assertImageSize(width, height);
      const ctx = this.context(width, height);
      ctx.drawImage(src, 0, 0, width, height);
      const img = ctx.getImageData(0, 0, width, height);
      return { data: img.data, width, height, channels: 4 };
    } finally {
      close(frame);
    }
  }

  private context(width: number, height: number): OffscreenCanvasRenderingContext2D {
    if (!this.canvas || !this.ctx) {
      this.canvas = new OffscreenCanvas(width, height);
      const ctx = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false });
      if (!ctx) throw new ImageInputError('E_UNSUPPORTED_SOURCE', 'OffscreenCanvas 2D context unavailable in this worker');
      this.ctx = ctx;
    } else if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    return this.ctx;
  }

  dispose(): void {
    if (this.canvas) {
      this.canvas.width = 0;
      this.canvas.height = 0;
    }
    this.canvas = null;
    this.ctx = null;
  }
}

export function close(frame: Frame): void {
  if (frame.kind === 'bitmap') frame.bitmap.close();
  else if (frame.kind === 'videoframe') frame.frame.close();
}

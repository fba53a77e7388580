/**
 * Writes a YUV4MPEG2 (.y4m) clip for Chromium's fake camera (--use-file-for-fake-video-capture): each still
 * is letterboxed into W×H with sharp, converted to 8-bit BT.601 limited-range I420 and repeated for its
 * share of frames. Built at test time into a temp dir: nothing from ../shared is copied into the repo.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import sharp from 'sharp';

export interface ClipSegment {
  file: string;
  frames: number;
}

export interface Placement {
  /** Where the still landed inside the frame (sharp 'contain', centred). */
  scale: number;
  x: number;
  y: number;
}

/** RGB (interleaved) → I420 planes, limited range BT.601 (what Chromium's y4m reader expects). */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3 / 2);
  const cw = width / 2;
  const uOff = width * height;
  const vOff = uOff + cw * (height / 2);
  for (let i = 0, p = 0; i < width * height; i++, p += 3) {
    out[i] = Math.round(16 + (65.481 * rgb[p] + 128.553 * rgb[p + 1] + 24.966 * rgb[p + 2]) / 255);
  }
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const p = ((2 * y + dy) * width + 2 * x + dx) * 3;
        r += rgb[p];
        g += rgb[p + 1];
        b += rgb[p + 2];
      }
      r /= 4 * 255;
      g /= 4 * 255;
      b /= 4 * 255;
      out[uOff + y * cw + x] = Math.round(128 - 37.797 * r - 74.203 * g + 112 * b);
      out[vOff + y * cw + x] = Math.round(128 + 112 * r - 93.786 * g - 18.214 * b);
    }
  }
  return out;
}

export async function writeY4m(path: string, segments: ClipSegment[], opts: { width: number; height: number; fps: number }): Promise<Placement[]> {
  const { width, height, fps } = opts;
  if (width % 2 || height % 2) throw new RangeError('I420 needs even width and height');
  const fd = openSync(path, 'w');
  const placements: Placement[] = [];
  try {
    writeSync(fd, `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
    for (const seg of segments) {
      const meta = await sharp(seg.file).metadata();
      const sw = meta.width!;
      const sh = meta.height!;
      const scale = Math.min(width / sw, height / sh);
      const nw = Math.round(sw * scale);
      const nh = Math.round(sh * scale);
      placements.push({ scale, x: Math.floor((width - nw) / 2), y: Math.floor((height - nh) / 2) });
      const rgb = await sharp(seg.file)
        .resize(width, height, { fit: 'contain', background: { r: 114, g: 114, b: 114 } })
        .removeAlpha()
        .raw()
        .toBuffer();
      const frame = rgbToI420(rgb, width, height);
      const header = Buffer.from('FRAME\n');
      for (let i = 0; i < seg.frames; i++) {
        writeSync(fd, header);
        writeSync(fd, frame);
      }
    }
  } finally {
    closeSync(fd);
  }
  return placements;
}

// The pre-processing most browser/Node YOLO demos ship (after a canvas drawImage or on raw pixels): a per-pixel
// loop with Math.floor and index math, reading RGBA/RGB, writing a NEW Float32Array every call. Kept deliberately
// typical, not tuned: it is the baseline the bench compares @sightline/core's LetterboxPreprocessor with.

/** Letterbox to size×size NCHW float32 /255 with pad 114; bilinear (half-pixel centres) or nearest sampling. */
export function communityLetterbox(pixels, srcW, srcH, channels, size = 640, mode = 'bilinear') {
  const scale = Math.min(size / srcW, size / srcH);
  const newW = Math.round(srcW * scale);
  const newH = Math.round(srcH * scale);
  const padX = Math.floor((size - newW) / 2);
  const padY = Math.floor((size - newH) / 2);
  const out = new Float32Array(3 * size * size).fill(114 / 255);
  const area = size * size;
  for (let y = 0; y < newH; y++) {
    for (let x = 0; x < newW; x++) {
      const dst = (y + padY) * size + (x + padX);
      if (mode === 'nearest') {
        const sx = Math.min(srcW - 1, Math.floor(x / scale));
        const sy = Math.min(srcH - 1, Math.floor(y / scale));
        const i = (sy * srcW + sx) * channels;
        out[dst] = pixels[i] / 255;
        out[area + dst] = pixels[i + 1] / 255;
        out[2 * area + dst] = pixels[i + 2] / 255;
        continue;
      }
      const fx = Math.max(0, (x + 0.5) / scale - 0.5);
      const fy = Math.max(0, (y + 0.5) / scale - 0.5);
      const x0 = Math.min(srcW - 1, Math.floor(fx));
      const y0 = Math.min(srcH - 1, Math.floor(fy));
      const x1 = Math.min(srcW - 1, x0 + 1);
      const y1 = Math.min(srcH - 1, y0 + 1);
      const ax = fx - x0;
      const ay = fy - y0;
      for (let c = 0; c < 3; c++) {
        const p00 = pixels[(y0 * srcW + x0) * channels + c];
        const p01 = pixels[(y0 * srcW + x1) * channels + c];
        const p10 = pixels[(y1 * srcW + x0) * channels + c];
        const p11 = pixels[(y1 * srcW + x1) * channels + c];
        const top = p00 + (p01 - p00) * ax;
        const bottom = p10 + (p11 - p10) * ax;
        out[c * area + dst] = (top + (bottom - top) * ay) / 255;
      }
    }
  }
  return out;
}

/** The usual float → half bit trick, applied per element after the float32 pass (fp16 models). */
export function toHalfArray(f32) {
  const out = new Uint16Array(f32.length);
  const fb = new Float32Array(1);
  const ib = new Uint32Array(fb.buffer);
  for (let i = 0; i < f32.length; i++) {
    fb[0] = f32[i];
    const x = ib[0];
    const sign = (x >> 16) & 0x8000;
    const e = ((x >> 23) & 0xff) - 127 + 15;
    if (e <= 0) out[i] = sign;
    else if (e >= 31) out[i] = sign | 0x7c00;
    else out[i] = sign | (e << 10) | ((x >> 13) & 0x3ff);
  }
  return out;
}

/** ImageNet classification input: bilinear resize of the shorter side to `resize`, center crop, mean/std. */
export function communityClassify(pixels, srcW, srcH, channels, size = 224, resize = 256) {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const scale = resize / Math.min(srcW, srcH);
  const rw = Math.round(srcW * scale);
  const rh = Math.round(srcH * scale);
  const offX = Math.floor((rw - size) / 2);
  const offY = Math.floor((rh - size) / 2);
  const out = new Float32Array(3 * size * size);
  const area = size * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const fx = Math.max(0, (x + offX + 0.5) / scale - 0.5);
      const fy = Math.max(0, (y + offY + 0.5) / scale - 0.5);
      const x0 = Math.min(srcW - 1, Math.floor(fx));
      const y0 = Math.min(srcH - 1, Math.floor(fy));
      const x1 = Math.min(srcW - 1, x0 + 1);
      const y1 = Math.min(srcH - 1, y0 + 1);
      const ax = fx - x0;
      const ay = fy - y0;
      for (let c = 0; c < 3; c++) {
        const p00 = pixels[(y0 * srcW + x0) * channels + c];
        const p01 = pixels[(y0 * srcW + x1) * channels + c];
        const p10 = pixels[(y1 * srcW + x0) * channels + c];
        const p11 = pixels[(y1 * srcW + x1) * channels + c];
        const top = p00 + (p01 - p00) * ax;
        const v = top + (p10 + (p11 - p10) * ax - top) * ay;
        out[c * area + y * size + x] = (v / 255 - mean[c]) / std[c];
      }
    }
  }
  return out;
}

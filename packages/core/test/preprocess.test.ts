import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { requireShared, sharedPath } from '@sightline/testkit';
import {
  ClassifyPreprocessor,
  LetterboxPreprocessor,
  computeCenterCrop,
  computeLetterbox,
  floatToHalf,
  packBatch,
  validatePixelBuffer,
  ImageInputError,
  OptionError,
  type PixelBuffer,
} from '../src/index.js';

/** Deterministic test pattern; the same formula generated the OpenCV/Pillow golden hashes below. */
function pattern(w: number, h: number, channels: 3 | 4 = 3, stride = w * channels): PixelBuffer {
  const data = new Uint8Array(stride * (h - 1) + w * channels).fill(77);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) data[y * stride + x * channels + c] = (x * x * 7 + y * 13 + x * y * 3 + c * 71 + (x ^ y) * 5) & 255;
  if (channels === 4) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * stride + x * 4 + 3] = (x * 31 + y) & 255;
  return { data, width: w, height: h, channels, stride };
}

function solid(w: number, h: number, rgb: [number, number, number]): PixelBuffer {
  const data = new Uint8Array(w * h * 3);
  data.set(rgb);
  for (let n = 3; n < data.length; n *= 2) data.copyWithin(n, 0, Math.min(n, data.length - n));
  return { data, width: w, height: h, channels: 3 };
}

/** Count of differing elements (vitest's deep equality is far too slow on million-element arrays). */
function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function fnv1a(bytes: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}

describe('validatePixelBuffer', () => {
  const data = new Uint8Array(4 * 3 * 2);
  test('accepts consistent buffers and returns the stride', () => {
    expect(validatePixelBuffer({ data, width: 4, height: 2, channels: 3 })).toBe(12);
    expect(validatePixelBuffer({ data, width: 3, height: 2, channels: 4, stride: 12 })).toBe(12);
    // The last row may omit its padding.
    expect(validatePixelBuffer({ data: new Uint8Array(16 + 9), width: 3, height: 2, channels: 3, stride: 16 })).toBe(16);
  });
  test.each([
    [{ data, width: 0, height: 2, channels: 3 }, 'E_IMAGE_EMPTY'],
    [{ data, width: 4, height: -1, channels: 3 }, 'E_IMAGE_EMPTY'],
    [{ data, width: 2.5, height: 2, channels: 3 }, 'E_IMAGE_EMPTY'],
    [{ data, width: 16385, height: 1, channels: 3 }, 'E_IMAGE_TOO_LARGE'],
    [{ data, width: 5, height: 2, channels: 3 }, 'E_IMAGE_BUFFER'],
    [{ data, width: 4, height: 2, channels: 3, stride: 11 }, 'E_IMAGE_BUFFER'],
    [{ data, width: 4, height: 2, channels: 3, stride: 12.5 }, 'E_IMAGE_BUFFER'],
    [{ data, width: 2, height: 2, channels: 3, stride: 100 }, 'E_IMAGE_BUFFER'],
    [{ data, width: 2, height: 2, channels: 2 }, 'E_IMAGE_BUFFER'],
    [{ data: new Float32Array(24), width: 2, height: 2, channels: 3 }, 'E_IMAGE_BUFFER'],
  ])('rejects %o with %s', (p, code) => {
    let err: unknown;
    try {
      validatePixelBuffer(p as unknown as PixelBuffer);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageInputError);
    expect((err as ImageInputError).code).toBe(code);
  });
  test('the preprocessors validate before reading', () => {
    expect(() => new LetterboxPreprocessor().run({ data: new Uint8Array(10), width: 640, height: 480, channels: 4 })).toThrow(ImageInputError);
    expect(() => new ClassifyPreprocessor().run({ data: new Uint8Array(10), width: 0, height: 480, channels: 3 })).toThrow(ImageInputError);
  });
});

describe('LetterboxPreprocessor geometry and padding', () => {
  const sizes: [number, number][] = [
    [1, 1], [2, 3], [7, 5], [640, 640], [320, 320], [1280, 1280], [1280, 720], [720, 1280], [1920, 1080],
    [810, 1080], [333, 517], [639, 641], [1281, 719], [16384, 1], [1, 16384], [1000, 10], [3, 640],
  ];
  const p = new LetterboxPreprocessor();
  test.each(sizes)('%i×%i: a solid image fills exactly the letterbox interior, pad elsewhere', (w, h) => {
    const r = p.run(solid(w, h, [10, 200, 50]), { dtype: 'uint8' });
    const g = r.geometry;
    expect(g).toEqual(computeLetterbox(w, h, 640, 640));
    expect(r.dims).toEqual([1, 3, 640, 640]);
    expect(g.padLeft + g.newWidth + g.padRight).toBe(640);
    expect(g.padTop + g.newHeight + g.padBottom).toBe(640);
    const colour = [10, 200, 50];
    let wrong = 0;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 640; y++)
        for (let x = 0; x < 640; x++) {
          const inside = x >= g.padLeft && x < g.padLeft + g.newWidth && y >= g.padTop && y < g.padTop + g.newHeight;
          if (r.data[c * 640 * 640 + y * 640 + x] !== (inside ? colour[c] : 114)) wrong++;
        }
    expect(wrong).toBe(0);
  });

  test('non-square targets, padValue, scaleUp=false and center=false', () => {
    const r = p.run(solid(100, 50, [1, 2, 3]), { width: 320, height: 256, padValue: 0, dtype: 'uint8', scaleUp: false, center: false });
    expect(r.dims).toEqual([1, 3, 256, 320]);
    expect(r.geometry).toMatchObject({ newWidth: 100, newHeight: 50, padLeft: 0, padTop: 0, padRight: 220, padBottom: 206 });
    expect(r.data[0]).toBe(1);
    expect(r.data[99]).toBe(1);
    expect(r.data[100]).toBe(0);
    expect(r.data[256 * 320 + 49 * 320]).toBe(2);
    expect(r.data[256 * 320 + 50 * 320]).toBe(0);
    const f = p.run(solid(10, 10, [255, 255, 255]), { width: 64, height: 32, padValue: 255 });
    expect(Array.from(f.data as Float32Array).every((v) => v === 1)).toBe(true);
  });

  // Hashes of uint8 HWC letterbox output of pattern() computed with OpenCV 5.0 cv2.resize(INTER_LINEAR) +
  // cv2.copyMakeBorder(114) following Ultralytics' LetterBox: the CPU path must be bit-exact.
  test.each([
    [1280, 720, 640, 640, 0x759c9a45],
    [810, 1080, 640, 640, 0x9c3c691b],
    [333, 517, 640, 640, 0x518ed44d],
    [7, 5, 64, 48, 0x1f93eb23],
    [1280, 1280, 640, 640, 0xa5ee3f45],
    [100, 3000, 320, 320, 0x2b72563a],
    [321, 241, 640, 640, 0xfc9fa130],
    [1920, 1080, 640, 640, 0xf46458c5],
    [1921, 1080, 640, 640, 0x94212f6f],
    [1920, 1081, 640, 640, 0x202e0a50],
    [640, 480, 640, 640, 0xe6ff84c5],
    [320, 240, 640, 640, 0x6789bd1e],
    [1000, 1000, 640, 640, 0x3cfeeb46],
  ])('%i×%i → %i×%i is bit-exact with OpenCV', (w, h, W, H, hash) => {
    const r = p.run(pattern(w, h), { width: W, height: H, dtype: 'uint8', layout: 'nhwc' });
    expect(r.dims).toEqual([1, H, W, 3]);
    expect(fnv1a(r.data)).toBe(hash);
  });
});

describe('LetterboxPreprocessor input and output variants', () => {
  const p = new LetterboxPreprocessor();
  const copy = (d: ArrayLike<number>) => Float64Array.from(d);

  test('RGB, RGBA and strided rows give identical tensors', () => {
    for (const [w, h] of [[1280, 720], [333, 517], [5, 3]] as const) {
      const ref = copy(p.run(pattern(w, h, 3)).data);
      expect(mismatches(p.run(pattern(w, h, 4)).data, ref)).toBe(0);
      expect(mismatches(p.run(pattern(w, h, 3, w * 3 + 13)).data, ref)).toBe(0);
      expect(mismatches(p.run(pattern(w, h, 4, w * 4 + 64)).data, ref)).toBe(0);
      const clamped = pattern(w, h, 4);
      expect(mismatches(p.run({ ...clamped, data: new Uint8ClampedArray(clamped.data.buffer) }).data, ref)).toBe(0);
    }
  });

  test('float32 = uint8/255, float16 = half(float32), nhwc = transposed nchw', () => {
    const img = pattern(1280, 720, 4);
    const f32 = Float32Array.from(p.run(img).data);
    const u8 = Uint8Array.from(p.run(img, { dtype: 'uint8' }).data);
    const f16 = Uint16Array.from(p.run(img, { dtype: 'float16' }).data);
    const hwc = Float32Array.from(p.run(img, { layout: 'nhwc' }).data);
    let bad = 0;
    for (let i = 0; i < f32.length; i++) {
      if (f32[i] !== Math.fround(u8[i] / 255)) bad++;
      if (f16[i] !== floatToHalf(f32[i])) bad++;
    }
    const plane = 640 * 640;
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) if (hwc[i * 3 + c] !== f32[c * plane + i]) bad++;
    expect(bad).toBe(0);
    expect(new Set(u8).size).toBeGreaterThan(200); // the pattern really exercises the value range
  });

  // NCHW downscales take the fused per-pixel loops (with shortcuts for zero-weight rows and whole-pixel
  // columns) and NCHW upscales a vertical pass fused with the planar store; NHWC goes through the separate
  // horizontal + vertical row passes and an 8-bit row (pinned to OpenCV by the hashes above). All must agree.
  test.each([
    [1920, 1080], // 3× on both axes: every row and column lands on a whole source pixel
    [1921, 1080], // rows exact (3×), columns interpolated
    [1920, 1081], // columns exact, rows interpolated
    [640, 480], // unscaled: a plain copy
    [320, 240], // 2× upscale
    [333, 517], // non-integer upscale
    [810, 1080],
    [3000, 100],
  ])('%i×%i: NCHW fast paths = transposed row-pass NHWC, every dtype', (w, h) => {
    const img = pattern(w, h, 4);
    const plane = 640 * 640;
    for (const dtype of ['float32', 'float16', 'uint8'] as const) {
      const chw = p.run(img, { dtype }).data.slice();
      const hwc = p.run(img, { dtype, layout: 'nhwc' }).data;
      let bad = 0;
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) if (hwc[i * 3 + c] !== chw[c * plane + i]) bad++;
      expect(bad).toBe(0);
    }
  });

  test('reuses its own buffer; `out` writes into a caller buffer at batchIndex', () => {
    const q = new LetterboxPreprocessor();
    const a = q.run(pattern(64, 64)).data;
    const b = q.run(pattern(32, 48)).data;
    expect(b).toBe(a);
    const buf = new Float32Array(3 * 3 * 640 * 640).fill(-1);
    const r = q.run(pattern(64, 64), { out: { data: buf, batchIndex: 2 } });
    expect(r.data).toBe(buf);
    expect(r.offset).toBe(2 * 3 * 640 * 640);
    expect(buf.subarray(0, r.offset).every((v) => v === -1)).toBe(true);
    expect(buf.subarray(r.offset).some((v) => v === -1)).toBe(false);
  });

  test('`out` at batchIndex writes the same image there in every dtype and layout (NHWC wrote 3× too far)', () => {
    for (const layout of ['nchw', 'nhwc'] as const) {
      for (const dtype of ['float32', 'float16', 'uint8'] as const) {
        for (const [w, h] of [[64, 48], [48, 64], [200, 90]]) {
          const q = new LetterboxPreprocessor();
          const alone = Array.from(q.run(pattern(w, h), { width: 64, height: 64, dtype, layout }).data);
          const n = 3 * 64 * 64;
          const buf = dtype === 'float32' ? new Float32Array(3 * n) : dtype === 'float16' ? new Uint16Array(3 * n) : new Uint8Array(3 * n);
          buf.fill(7);
          const r = q.run(pattern(w, h), { width: 64, height: 64, dtype, layout, out: { data: buf, batchIndex: 1 } });
          expect(r.offset).toBe(n);
          const what = `${layout} ${dtype} ${w}×${h}`;
          expect(Array.from(buf.subarray(n, 2 * n)), what).toEqual(alone);
          expect(buf.subarray(0, n).every((v) => v === 7) && buf.subarray(2 * n).every((v) => v === 7), what).toBe(true);
        }
      }
    }
  });

  test('bad options are OptionErrors', () => {
    const img = pattern(8, 8);
    const bad = [
      { width: 0 }, { height: 1.5 }, { dtype: 'int8' }, { layout: 'chw' }, { padValue: 256 }, { padValue: -1 },
      { out: { data: new Float32Array(10), batchIndex: 0 } },
      { out: { data: new Float32Array(3 * 640 * 640), batchIndex: 1 } },
      { out: { data: new Uint8Array(3 * 640 * 640), batchIndex: 0 } },
      { dtype: 'float16', out: { data: new Float32Array(3 * 640 * 640), batchIndex: 0 } },
      { out: { data: new Float32Array(3 * 640 * 640), batchIndex: -1 } },
    ];
    bad.forEach((o, i) => expect(() => p.run(img, o as never), `case ${i}`).toThrow(OptionError));
  });
});

describe('ClassifyPreprocessor', () => {
  const p = new ClassifyPreprocessor();
  test('torchvision Resize(256) + CenterCrop(224) geometry', () => {
    expect(computeCenterCrop(1280, 720, 224, 256)).toMatchObject({ resizedWidth: 455, resizedHeight: 256, cropX: 116, cropY: 16 });
    expect(computeCenterCrop(810, 1080, 224, 256)).toMatchObject({ resizedWidth: 256, resizedHeight: 341, cropX: 16, cropY: 58 });
    // Crop offsets use round() half-even: (341−224)/2 = 58.5 → 58 above, (227−224)/2 = 1.5 → 2.
    expect(computeCenterCrop(300, 266, 224, 227)).toMatchObject({ resizedWidth: 256, resizedHeight: 227, cropX: 16, cropY: 2 });
    // The reference's two tell-tale sizes: the long side is rounded (383.7 → 384, 384.6 → 385), or truncated on request.
    expect(computeCenterCrop(640, 427, 224, 256)).toMatchObject({ resizedWidth: 384, resizedHeight: 256, cropX: 80 });
    expect(computeCenterCrop(640, 426, 224, 256)).toMatchObject({ resizedWidth: 385, resizedHeight: 256, cropX: 80 });
    expect(computeCenterCrop(640, 426, 224, 256, 'truncate')).toMatchObject({ resizedWidth: 384 });
    expect(() => computeCenterCrop(100, 100, 224, 200)).toThrow(OptionError);
  });

  // Hashes of uint8 HWC crops of pattern() from Pillow 13 Image.resize(BILINEAR) + crop, the torchvision path,
  // with the longer side rounded (default) or truncated.
  test.each([
    [1280, 720, 224, 256, 'round', 0x5d19c378],
    [300, 451, 224, 256, 'round', 0x9e1ad339],
    [275, 183, 224, 256, 'round', 0x2254dd25],
    [2000, 1500, 224, 256, 'round', 0x5aecd831],
    [640, 480, 224, 224, 'round', 0xc13434d4],
    [256, 256, 224, 256, 'round', 0xb68244c5],
    [300, 451, 224, 256, 'truncate', 0x289f9a4c],
    [275, 183, 224, 256, 'truncate', 0x09750b2e],
    [640, 480, 224, 224, 'truncate', 0xc2a3f176],
  ] as const)('%i×%i (size %i, shorter %i, long side %s) is bit-exact with Pillow', (w, h, size, resizeShorter, longSide, hash) => {
    const r = p.run(pattern(w, h, 4), { size, resizeShorter, longSide, dtype: 'uint8', layout: 'nhwc' });
    expect(r.dims).toEqual([1, size, size, 3]);
    expect(fnv1a(r.data)).toBe(hash);
  });

  // Tall images: Pillow 13 resizes vertically first when the height loses > 2× the pixels the width loses;
  // Pillow ≤ 12 (passOrder 'horizontal-first', hashes from two single-axis Pillow resizes) never does.
  test.each([
    [229, 1700, 160, 200, 0x2c71d0cd, 0xea76b289],
    [300, 900, 224, 256, 0x37280ef6, 0x41562c0d],
    [300, 2000, 224, 256, 0x539a59d2, 0x6f7f7557],
    [300, 600, 224, 256, 0x2fd81904, 0x2fd81904],
  ])('%i×%i (size %i, shorter %i): Pillow 13 and Pillow 12 pass orders', (w, h, size, resizeShorter, pillow13, pillow12) => {
    const img = pattern(w, h);
    expect(fnv1a(p.run(img, { size, resizeShorter, dtype: 'uint8', layout: 'nhwc' }).data)).toBe(pillow13);
    expect(fnv1a(p.run(img, { size, resizeShorter, dtype: 'uint8', layout: 'nhwc', passOrder: 'horizontal-first' }).data)).toBe(pillow12);
    // nchw through the vertical-first path is the same data transposed.
    const hwc = Uint8Array.from(p.run(img, { size, resizeShorter, dtype: 'uint8', layout: 'nhwc' }).data);
    const chw = p.run(img, { size, resizeShorter, dtype: 'uint8' }).data;
    let bad = 0;
    for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) if (hwc[i * 3 + c] !== chw[c * size * size + i]) bad++;
    expect(bad).toBe(0);
  });

  test('imagenet normalization in float32 order, yolo-cls = /255 at `size`', () => {
    const img = pattern(640, 480);
    const u8 = Uint8Array.from(p.run(img, { dtype: 'uint8' }).data);
    const f = Float32Array.from(p.run(img).data);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    let bad = 0;
    const plane = 224 * 224;
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < plane; i++) {
        const v = u8[c * plane + i];
        const want = Math.fround(Math.fround(Math.fround(v / 255) - Math.fround(mean[c])) / Math.fround(std[c]));
        if (f[c * plane + i] !== want) bad++;
      }
    expect(bad).toBe(0);
    const y = p.run(img, { variant: 'yolo-cls' });
    expect(y.geometry).toMatchObject({ resizedWidth: 299, resizedHeight: 224, cropX: 38, cropY: 0 });
    const yu = Uint8Array.from(p.run(img, { variant: 'yolo-cls', dtype: 'uint8' }).data);
    expect(mismatches(y.data, Array.from(yu, (v) => Math.fround(v / 255)))).toBe(0);
    const h = p.run(img, { dtype: 'float16' }).data;
    expect(mismatches(h, Array.from(f, (v) => floatToHalf(v)))).toBe(0);
  });

  test('bad options are OptionErrors', () => {
    const img = pattern(8, 8);
    for (const o of [{ size: 0 }, { resizeShorter: 100 }, { variant: 'tf' }, { longSide: 'ceil' }, { passOrder: 'v' }, { std: [1, 0, 1] }, { mean: [0, 0] }, { dtype: 'x' }]) {
      expect(() => p.run(img, o as never), JSON.stringify(o)).toThrow(OptionError);
    }
  });
});

describe('packBatch', () => {
  const imgs = [pattern(1280, 720, 4), pattern(333, 517), pattern(16, 16, 3, 64)];
  test('detect batch equals individual runs, one buffer', () => {
    const b = packBatch(imgs, { width: 320, height: 320 });
    expect(b.dims).toEqual([3, 3, 320, 320]);
    expect(b.data.length).toBe(3 * 3 * 320 * 320);
    const p = new LetterboxPreprocessor();
    imgs.forEach((img, i) => {
      const r = p.run(img, { width: 320, height: 320 });
      expect(mismatches(b.data.subarray(i * r.data.length, (i + 1) * r.data.length), r.data)).toBe(0);
      expect(b.geometries[i]).toEqual(r.geometry);
    });
  });
  test('classify batch into a caller buffer', () => {
    const data = new Uint16Array(2 * 3 * 224 * 224);
    const b = packBatch(imgs.slice(0, 2), { task: 'classify', dtype: 'float16', data });
    expect(b.data).toBe(data);
    expect(b.dims).toEqual([2, 3, 224, 224]);
    const r = new ClassifyPreprocessor().run(imgs[1], { dtype: 'float16' });
    expect(mismatches(data.subarray(r.data.length), r.data)).toBe(0);
    expect(b.geometries[0].kind).toBe('crop');
  });
  test('rejects empty batches and short buffers', () => {
    expect(() => packBatch([])).toThrow(OptionError);
    expect(() => packBatch(imgs, { data: new Float32Array(3 * 640 * 640) })).toThrow(OptionError);
  });
});

describe.skipIf(!requireShared(['images', 'bus.jpg'], ['reference', 'bus_letterbox_input_f32.bin']))('reference letterbox tensor', () => {
  test('bus.jpg decoded with sharp → letterbox ≈ bus_letterbox_input_f32.bin', async () => {
    // cv2.imread applies EXIF orientation (.rotate(); bus.jpg's tag is 1 anyway) and ignores the embedded ICC
    // profile, which sharp would otherwise apply (that alone moves the mean |Δ| from 0 to 0.0049).
    const { data, info } = await sharp(sharpPath(), { ignoreIcc: true }).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const ref = new Float32Array(new Uint8Array(readFileSync(sharedPath('reference', 'bus_letterbox_input_f32.bin'))).buffer);
    const r = new LetterboxPreprocessor().run({ data, width: info.width, height: info.height, channels: info.channels as 3 });
    expect(r.data.length).toBe(ref.length);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(r.data[i] - ref[i]);
      sum += d;
      if (d > max) max = d;
    }
    const mean = sum / ref.length;
    console.log(`[preprocess] bus.jpg letterbox vs reference: mean |Δ| = ${mean}, max |Δ| = ${max}, differing elements ${mismatches(r.data, ref)}`);
    expect(mean).toBeLessThan(0.01);
    // Same decoded pixels + OpenCV-exact resize → the very same tensor.
    expect(max).toBe(0);
  });
});

function sharpPath(): string {
  return sharedPath('images', 'bus.jpg');
}

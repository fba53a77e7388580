/**
 * Pack several images into one [B,3,H,W] (or [B,H,W,3]) tensor with a single allocation (or none, when the
 * caller passes `data`), for models with a dynamic batch dimension.
 */
import { OptionError } from '../errors.js';
import type { LetterboxGeometry } from '../geometry/letterbox.js';
import type { PixelBuffer } from './pixelBuffer.js';
import { LetterboxPreprocessor, type LetterboxPreprocessOptions } from './letterboxPreprocessor.js';
import { ClassifyPreprocessor, type ClassifyPreprocessOptions } from './classifyPreprocessor.js';
import type { CropGeometry } from './cropGeometry.js';
import { allocate, checkDType, type PreprocessData } from './tensorOutput.js';

interface PackCommon {
  /** Existing buffer of at least B·3·H·W elements of the dtype's array type; default: one new allocation. */
  data?: PreprocessData;
}
export type PackBatchOptions =
  | (PackCommon & Omit<LetterboxPreprocessOptions, 'out'> & { task?: 'detect'; preprocessor?: LetterboxPreprocessor })
  | (PackCommon & Omit<ClassifyPreprocessOptions, 'out'> & { task: 'classify'; preprocessor?: ClassifyPreprocessor });

export interface PackedBatch<G> {
  data: PreprocessData;
  dims: [number, number, number, number];
  geometries: G[];
}

export function packBatch(images: readonly PixelBuffer[], opts: PackBatchOptions & { task: 'classify' }): PackedBatch<CropGeometry>;
export function packBatch(images: readonly PixelBuffer[], opts?: PackBatchOptions & { task?: 'detect' }): PackedBatch<LetterboxGeometry>;
export function packBatch(images: readonly PixelBuffer[], opts: PackBatchOptions = {}): PackedBatch<LetterboxGeometry | CropGeometry> {
  if (!Array.isArray(images) || images.length === 0) {
    throw new OptionError('E_INVALID_OPTION', 'packBatch needs a non-empty array of images');
  }
  const dtype = checkDType(opts.dtype ?? 'float32');
  const nhwc = opts.layout === 'nhwc';
  let w: number;
  let h: number;
  if (opts.task === 'classify') {
    w = h = opts.size ?? 224;
  } else {
    w = opts.width ?? 640;
    h = opts.height ?? 640;
  }
  const B = images.length;
  // Size is validated by the preprocessor on the first run; guard the allocation against nonsense first.
  const per = 3 * (Number.isInteger(w) && w > 0 ? w : 0) * (Number.isInteger(h) && h > 0 ? h : 0);
  const data = opts.data ?? allocate(dtype, per * B);
  const geometries: (LetterboxGeometry | CropGeometry)[] = [];
  if (opts.task === 'classify') {
    const { data: _d, preprocessor, task: _t, ...rest } = opts;
    const p = preprocessor ?? new ClassifyPreprocessor();
    for (let i = 0; i < B; i++) geometries.push(p.run(images[i], { ...rest, out: { data, batchIndex: i } }).geometry);
  } else {
    const { data: _d, preprocessor, task: _t, ...rest } = opts;
    const p = preprocessor ?? new LetterboxPreprocessor();
    for (let i = 0; i < B; i++) geometries.push(p.run(images[i], { ...rest, out: { data, batchIndex: i } }).geometry);
  }
  return { data, dims: nhwc ? [B, h, w, 3] : [B, 3, h, w], geometries };
}
